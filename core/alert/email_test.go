package alert

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http/httptest"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/core"
)

// smtpSession is what the fake relay received on one connection.
type smtpSession struct {
	tls        bool
	auth       string // "identity\x00user\x00password"
	from       string
	rcpt       []string
	data       string
	quitClosed bool
}

// fakeSMTP is a relay on 127.0.0.1 that speaks just enough SMTP for
// net/smtp and records what it was told.
type fakeSMTP struct {
	addr      string
	tls       *tls.Config // offer STARTTLS when set
	auth      bool        // offer AUTH PLAIN
	rcptReply string      // answer to RCPT TO; "250 ok" when empty

	mu       sync.Mutex
	sessions []*smtpSession
}

func startSMTP(t *testing.T, f *fakeSMTP) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f.addr = ln.Addr().String()
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { f.serve(conn) })
		}
	})
	return f
}

func (f *fakeSMTP) session() *smtpSession {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.sessions) == 0 {
		return nil
	}
	return f.sessions[len(f.sessions)-1]
}

// serve speaks SMTP on conn. Everything is recorded before it is answered,
// so a client that got the answer can look at the record.
func (f *fakeSMTP) serve(conn net.Conn) {
	defer conn.Close()
	s := &smtpSession{}
	f.mu.Lock()
	f.sessions = append(f.sessions, s)
	f.mu.Unlock()
	set := func(fn func()) { f.mu.Lock(); fn(); f.mu.Unlock() }

	tp := textproto.NewConn(conn)
	_ = tp.PrintfLine("220 fake.test ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			lines := []string{"fake.test"}
			if f.tls != nil && !s.tls {
				lines = append(lines, "STARTTLS")
			}
			if f.auth {
				lines = append(lines, "AUTH PLAIN")
			}
			lines = append(lines, "8BITMIME")
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				_ = tp.PrintfLine("250%s%s", sep, l)
			}
		case "STARTTLS":
			_ = tp.PrintfLine("220 go ahead")
			tc := tls.Server(conn, f.tls)
			if tc.Handshake() != nil {
				return
			}
			conn = tc
			tp = textproto.NewConn(tc)
			set(func() { s.tls = true })
		case "AUTH":
			_, b64, _ := strings.Cut(arg, " ")
			raw, _ := base64.StdEncoding.DecodeString(b64)
			set(func() { s.auth = string(raw) })
			_ = tp.PrintfLine("235 2.7.0 authenticated")
		case "MAIL":
			set(func() { s.from = arg })
			_ = tp.PrintfLine("250 ok")
		case "RCPT":
			set(func() { s.rcpt = append(s.rcpt, arg) })
			_ = tp.PrintfLine("%s", cmpOr(f.rcptReply, "250 ok"))
		case "DATA":
			_ = tp.PrintfLine("354 go ahead")
			b, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			set(func() { s.data = string(b) })
			_ = tp.PrintfLine("250 queued")
		case "QUIT":
			set(func() { s.quitClosed = true })
			_ = tp.PrintfLine("221 bye")
			return
		default:
			_ = tp.PrintfLine("502 unknown command")
		}
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// readMail parses a received mail and returns its headers and decoded text.
func readMail(t *testing.T, data string) (mail.Header, string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, "quoted-printable", m.Header.Get("Content-Transfer-Encoding"))
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	require.NoError(t, err)
	return m.Header, strings.ReplaceAll(string(body), "\r\n", "\n")
}

func emailChannel() core.Channel {
	return core.Channel{Name: "oncall", Kind: core.ChannelEmail, Target: "On Call <oncall@example.com>"}
}

func TestEmailSends(t *testing.T) {
	relay := startSMTP(t, &fakeSMTP{auth: true})
	e := &Email{SMTP: SMTPConfig{Addr: relay.addr, From: "Pakyas <pakyas@example.com>", Username: "bot", Password: "pw"}}
	msg := downMsg()
	msg.Name = "Nightly Backup ✓"
	msg.ServerURL = "https://pakyas.example.com"
	require.NoError(t, e.Notify(context.Background(), emailChannel(), msg))

	s := relay.session()
	require.NotNil(t, s)
	assert.Equal(t, "\x00bot\x00pw", s.auth)
	assert.Equal(t, "FROM:<pakyas@example.com> BODY=8BITMIME", s.from)
	assert.Equal(t, []string{"TO:<oncall@example.com>"}, s.rcpt)
	assert.True(t, s.quitClosed)

	h, body := readMail(t, s.data)
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	require.NoError(t, err)
	assert.Equal(t, "[Pakyas] Nightly Backup ✓ is Missing", subject)
	assert.Equal(t, `"Pakyas" <pakyas@example.com>`, h.Get("From"))
	assert.Equal(t, `"On Call" <oncall@example.com>`, h.Get("To"))
	assert.Equal(t, "text/plain; charset=utf-8", h.Get("Content-Type"))
	assert.Equal(t, "auto-generated", h.Get("Auto-Submitted"))
	date, err := h.Date()
	require.NoError(t, err)
	assert.True(t, date.Equal(t0))
	assert.Equal(t, "Nightly Backup ✓ is Missing (was On Schedule).\n\n"+
		"Check:   Nightly Backup ✓ (nightly-backup)\n"+
		"Project: Infra\n"+
		"Status:  On Schedule → Missing\n"+
		"Reason:  no success signal since 02:00 UTC\n"+
		"Time:    2026-05-06 03:00:00 UTC\n"+
		"\n-- \nSent by Pakyas at https://pakyas.example.com\n", body)
}

func TestEmailSubject(t *testing.T) {
	test := downMsg()
	test.Test = true
	assert.Equal(t, "[Pakyas] Nightly Backup is Missing", EmailSubject(downMsg()))
	assert.Equal(t, "[Pakyas] Nightly Backup is On Schedule again", EmailSubject(upMsg()))
	assert.Equal(t, "[Pakyas] [test] Nightly Backup is Missing", EmailSubject(test))
	assert.True(t, strings.HasPrefix(EmailText(test), "This is a test alert: no check changed status.\n\n"))
}

func TestEmailHeaderInjection(t *testing.T) {
	relay := startSMTP(t, &fakeSMTP{})
	msg := downMsg()
	msg.Name = "evil\r\nBcc: victim@example.com"
	e := &Email{SMTP: SMTPConfig{Addr: relay.addr, From: "pakyas@example.com"}}
	require.NoError(t, e.Notify(context.Background(), emailChannel(), msg))
	h, _ := readMail(t, relay.session().data)
	assert.Empty(t, h.Get("Bcc"))
}

func TestEmailStartTLS(t *testing.T) {
	// Borrow httptest's certificate for 127.0.0.1.
	https := httptest.NewTLSServer(nil)
	defer https.Close()
	roots := x509.NewCertPool()
	roots.AddCert(https.Certificate())
	relay := startSMTP(t, &fakeSMTP{tls: https.TLS.Clone(), auth: true})

	cfg := SMTPConfig{Addr: relay.addr, From: "pakyas@example.com", Username: "bot", Password: "pw",
		StartTLS: StartTLSAlways, TLSConfig: &tls.Config{RootCAs: roots}}
	require.NoError(t, (&Email{SMTP: cfg}).Notify(context.Background(), emailChannel(), downMsg()))
	s := relay.session()
	assert.True(t, s.tls)
	assert.Equal(t, "\x00bot\x00pw", s.auth)
	assert.NotEmpty(t, s.data)

	// A certificate the notifier cannot verify is not worth retrying.
	cfg.TLSConfig = nil
	err := (&Email{SMTP: cfg}).Notify(context.Background(), emailChannel(), downMsg())
	require.Error(t, err)
	assert.True(t, IsPermanent(err), "got %v", err)
}

func TestEmailFailures(t *testing.T) {
	tests := []struct {
		name      string
		relay     *fakeSMTP // nil: no relay listens
		cfg       SMTPConfig
		target    string
		permanent bool
		wantErr   string
	}{
		{name: "no relay configured", cfg: SMTPConfig{}, permanent: true,
			wantErr: "email alerts need an SMTP relay: start the server with --smtp-addr and --smtp-from"},
		{name: "no from", cfg: SMTPConfig{Addr: "127.0.0.1:25"}, permanent: true, wantErr: "--smtp-addr and --smtp-from"},
		{name: "bad from", relay: &fakeSMTP{}, cfg: SMTPConfig{From: "not an address"}, permanent: true,
			wantErr: `--smtp-from "not an address" is not an email address`},
		{name: "bad target", relay: &fakeSMTP{}, target: "nobody", permanent: true, wantErr: `email target "nobody" is not an email address`},
		{name: "mailbox unknown", relay: &fakeSMTP{rcptReply: "550 5.1.1 no such user"}, permanent: true,
			wantErr: "SMTP RCPT TO at 127.0.0.1:"},
		{name: "greylisted", relay: &fakeSMTP{rcptReply: "451 4.7.1 try again later"}, permanent: false,
			wantErr: "try again later"},
		{name: "no STARTTLS offered", relay: &fakeSMTP{}, cfg: SMTPConfig{StartTLS: StartTLSAlways}, permanent: true,
			wantErr: "does not offer STARTTLS, which --smtp-starttls=always requires"},
		{name: "no AUTH offered", relay: &fakeSMTP{}, cfg: SMTPConfig{Username: "bot"}, permanent: true,
			wantErr: "does not offer AUTH PLAIN; unset --smtp-username"},
		{name: "relay down", cfg: SMTPConfig{Addr: closedAddr, From: "pakyas@example.com"}, permanent: false,
			wantErr: "connect to SMTP relay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if tt.relay != nil {
				cfg.Addr = startSMTP(t, tt.relay).addr
				cfg.From = cmpOr(cfg.From, "pakyas@example.com")
			}
			ch := emailChannel()
			ch.Target = cmpOr(tt.target, ch.Target)
			err := (&Email{SMTP: cfg}).Notify(context.Background(), ch, downMsg())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Equal(t, tt.permanent, IsPermanent(err), "got %v", err)
		})
	}
}

// closedAddr is an address nothing listens on: port 1, never a port just
// closed, which another test's listener may take meanwhile.
const closedAddr = "127.0.0.1:1"

func TestEmailHonoursContext(t *testing.T) {
	// A relay that accepts the connection and never greets.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err == nil {
			_, _ = io.Copy(io.Discard, conn) // until the client hangs up
			conn.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	e := &Email{SMTP: SMTPConfig{Addr: ln.Addr().String(), From: "pakyas@example.com"}}
	err = e.Notify(ctx, emailChannel(), downMsg())
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, IsPermanent(err))
}

func TestEmailRefusesPrivateDomains(t *testing.T) {
	for addr, private := range map[string]bool{
		"oncall@example.com": false, "root@localhost": true, "a@db.localhost": true,
		"x@[127.0.0.1]": true, "x@[10.0.0.5]": true, "x@[IPv6:::1]": true, "x@[93.184.216.34]": false,
	} {
		assert.Equal(t, private, privateDomain(addr), addr)
	}
	e := &Email{SMTP: SMTPConfig{Addr: "127.0.0.1:1", From: "pakyas@example.com"}}
	err := e.Notify(context.Background(), core.Channel{Kind: core.ChannelEmail, Target: "root@localhost"}, downMsg())
	assert.ErrorIs(t, err, ErrPrivateAddress)
	assert.True(t, IsPermanent(err))
}
