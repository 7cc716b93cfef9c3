package alert

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/netip"
	"net/smtp"
	"net/textproto"
	"slices"
	"strings"
	"time"

	"github.com/pakyas/pakyas/core"
)

// ErrNoSMTP is the permanent error of an email alert on a server started
// without an SMTP relay.
var ErrNoSMTP = errors.New("email alerts need an SMTP relay: start the server with --smtp-addr and --smtp-from")

// StartTLSPolicy says when the email notifier upgrades its SMTP connection
// with STARTTLS.
type StartTLSPolicy string

// STARTTLS policies.
const (
	StartTLSAuto   StartTLSPolicy = "auto"   // when the relay offers it (the default; "" means auto)
	StartTLSAlways StartTLSPolicy = "always" // refuse to send through a relay that does not offer it
	StartTLSNever  StartTLSPolicy = "never"  // plain SMTP only, e.g. a local relay with a self-signed certificate
)

// SMTPConfig is the SMTP relay email alerts go through.
type SMTPConfig struct {
	Addr     string // host:port, e.g. "smtp.example.com:587"; "" disables email alerts
	From     string // envelope sender and From header, e.g. "Pakyas <pakyas@example.com>"
	Username string // AUTH PLAIN with Username and Password when set
	Password string
	StartTLS StartTLSPolicy
	// TLSConfig verifies the relay after STARTTLS; nil verifies its
	// certificate for the host of Addr against the system roots.
	TLSConfig *tls.Config
	// HelloName is the name sent in EHLO; "localhost" when empty.
	HelloName string
}

// Email sends alerts as plain-text mail through an SMTP relay.
type Email struct {
	SMTP SMTPConfig
	// AllowPrivate lets alerts go to addresses at localhost or at a
	// non-public IP literal (user@[10.0.0.1]); refused by default, so the
	// relay is not made to reach the server's own network.
	AllowPrivate bool
}

var _ Notifier = (*Email)(nil)

// Notify mails msg to the address ch.Target. A 5xx SMTP reply and errors in
// the configuration are permanent; connection errors and 4xx replies are
// not.
func (e *Email) Notify(ctx context.Context, ch core.Channel, msg core.AlertMessage) error {
	cfg := e.SMTP
	if cfg.Addr == "" || cfg.From == "" {
		return Permanent(ErrNoSMTP)
	}
	if err := ValidateTarget(core.ChannelEmail, ch.Target); err != nil {
		return Permanent(err)
	}
	to, _ := mail.ParseAddress(ch.Target)
	if !e.AllowPrivate && privateDomain(to.Address) {
		return Permanent(fmt.Errorf("refusing to mail %w (%s): start the server with --allow-private-ips to allow it", ErrPrivateAddress, to.Address))
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return Permanent(fmt.Errorf("--smtp-from %q is not an email address: %w", cfg.From, err))
	}
	body, err := composeEmail(from, to, msg)
	if err != nil {
		return Permanent(fmt.Errorf("compose email: %w", err))
	}
	return cfg.send(ctx, from.Address, to.Address, body)
}

// EmailSubject returns the subject of the mail about msg, e.g. "[Pakyas]
// Nightly Backup is Missing".
func EmailSubject(msg core.AlertMessage) string {
	s := "[Pakyas] "
	if msg.Test {
		s += "[test] "
	}
	return s + headline(msg)
}

// EmailText returns the text of the mail about msg.
func EmailText(msg core.AlertMessage) string {
	var b strings.Builder
	if msg.Test {
		b.WriteString("This is a test alert: no check changed status.\n\n")
	}
	b.WriteString(headline(msg))
	if was := wasPhrase(msg); was != "" {
		b.WriteString(" " + was)
	}
	b.WriteString(".\n\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-8s %s\n", k+":", v)
		}
	}
	check := checkName(msg)
	if msg.Slug != "" && msg.Slug != check {
		check += " (" + msg.Slug + ")"
	}
	row("Check", check)
	row("Project", msg.Project)
	if msg.From != "" {
		row("Status", msg.From.Label()+" → "+msg.To.Label())
	} else {
		row("Status", msg.To.Label())
	}
	row("Reason", msg.Reason)
	if !msg.At.IsZero() {
		row("Time", formatTime(msg.At))
	}
	b.WriteString("\n-- \nSent by Pakyas")
	if msg.ServerURL != "" {
		b.WriteString(" at " + msg.ServerURL)
	}
	b.WriteString("\n")
	return b.String()
}

// composeEmail returns the headers and quoted-printable body of the mail.
// Every header value is encoded, so a check name cannot inject headers.
func composeEmail(from, to *mail.Address, msg core.AlertMessage) ([]byte, error) {
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", from.String())
	h("To", to.String())
	h("Subject", mime.QEncoding.Encode("utf-8", EmailSubject(msg)))
	if !msg.At.IsZero() {
		h("Date", msg.At.Format(time.RFC1123Z))
	}
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	h("Auto-Submitted", "auto-generated") // RFC 3834: no vacation replies
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(EmailText(msg))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// send delivers one mail through the relay. The connection is closed when
// ctx is done, so no step outlives ctx.
func (cfg SMTPConfig) send(ctx context.Context, from, to string, body []byte) error {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return Permanent(fmt.Errorf("--smtp-addr %q: want host:port: %w", cfg.Addr, err))
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("connect to SMTP relay %s: %w", cfg.Addr, err)
	}
	defer conn.Close()
	// Closing the connection when ctx is done ends any step; the step's
	// error is then replaced with ctx's.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	fail := func(step string, err error) error {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		err = fmt.Errorf("SMTP %s at %s: %w", step, cfg.Addr, err)
		var te *textproto.Error
		var ce *tls.CertificateVerificationError
		if errors.As(err, &te) && te.Code >= 500 || errors.As(err, &ce) {
			return Permanent(err)
		}
		return err
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fail("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(cmp.Or(cfg.HelloName, "localhost")); err != nil {
		return fail("EHLO", err)
	}
	tlsOn := false
	if ok, _ := c.Extension("STARTTLS"); ok && cfg.StartTLS != StartTLSNever {
		tc := cfg.TLSConfig.Clone()
		if tc == nil {
			tc = &tls.Config{}
		}
		if tc.ServerName == "" {
			tc.ServerName = host
		}
		if err := c.StartTLS(tc); err != nil {
			return fail("STARTTLS", err)
		}
		tlsOn = true
	} else if cfg.StartTLS == StartTLSAlways {
		return Permanent(fmt.Errorf("SMTP relay %s does not offer STARTTLS, which --smtp-starttls=always requires", cfg.Addr))
	}
	if cfg.Username != "" {
		if err := cfg.checkAuth(c, host, tlsOn); err != nil {
			return err
		}
		if err := c.Auth(smtp.PlainAuth("", cfg.Username, cfg.Password, host)); err != nil {
			return fail("AUTH", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fail("MAIL FROM", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fail("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return fail("DATA", err)
	}
	if _, err := w.Write(body); err != nil {
		return fail("DATA", err)
	}
	if err := w.Close(); err != nil {
		return fail("DATA", err)
	}
	_ = c.Quit() // the relay accepted the mail; a failed QUIT changes nothing
	return nil
}

// checkAuth says whether AUTH PLAIN may be used. It sends the password in
// clear, so net/smtp allows it only over TLS or to this machine.
func (cfg SMTPConfig) checkAuth(c *smtp.Client, host string, tlsOn bool) error {
	if !tlsOn && host != "localhost" && host != "127.0.0.1" && host != "::1" {
		return Permanent(fmt.Errorf("SMTP relay %s did not offer STARTTLS; refusing to send the --smtp-password in clear", cfg.Addr))
	}
	ok, mechs := c.Extension("AUTH")
	if !ok || !slices.Contains(strings.Fields(strings.ToUpper(mechs)), "PLAIN") {
		return Permanent(fmt.Errorf("SMTP relay %s does not offer AUTH PLAIN; unset --smtp-username or use another relay", cfg.Addr))
	}
	return nil
}

// privateDomain reports whether the domain of addr is localhost (or a
// name under it) or an IP literal that is not Public.
func privateDomain(addr string) bool {
	_, domain, _ := strings.Cut(addr, "@")
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	if domain == "localhost" || strings.HasSuffix(domain, ".localhost") {
		return true
	}
	lit := strings.TrimPrefix(strings.TrimSuffix(domain, "]"), "[")
	lit = strings.TrimPrefix(lit, "ipv6:")
	if ip, err := netip.ParseAddr(lit); err == nil {
		return !Public(ip)
	}
	return false
}
