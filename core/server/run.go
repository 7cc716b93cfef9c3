package server

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/alert"
	"github.com/pakyas/pakyas/core/store/postgres"
	"github.com/pakyas/pakyas/core/store/sqlite"
)

// DBFile is the SQLite database inside the data directory.
const DBFile = "pakyas.db"

// DefaultDataDir returns $XDG_DATA_HOME/pakyas, or ~/.local/share/pakyas.
func DefaultDataDir(getenv func(string) string) string {
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "pakyas")
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".local", "share", "pakyas")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "pakyas")
	}
	return "pakyas-data"
}

// OpenStore opens the PostgreSQL database at databaseURL when it is set,
// and otherwise the SQLite store in the data directory dir, creating both
// (mode 0700; the database files 0600) if needed. It refuses a data
// directory other users can write to (they could replace the database)
// and warns, through warn, about one they can read.
func OpenStore(ctx context.Context, dir, databaseURL string, warn func(format string, args ...any)) (core.Store, error) {
	if databaseURL != "" {
		st, err := postgres.Open(ctx, databaseURL)
		if err != nil {
			return nil, core.Errorf(core.EUNAVAILABLE, "%v", err).
				WithHint("check --database-url (PAKYAS_DATABASE_URL), e.g. postgres://pakyas@db.example.com:5432/pakyas, and that the server accepts connections")
		}
		return st, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if err := checkDataDir(dir, warn); err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, DBFile))
	if err != nil {
		return nil, fmt.Errorf("open store in %s: %w", dir, err)
	}
	return st, nil
}

// Options are what `pakyas server` runs with.
type Options struct {
	Listen  string // HOST:PORT; "": DefaultListen
	DataDir string
	// DatabaseURL, when set, keeps the data in PostgreSQL instead of
	// SQLite in DataDir (--database-url).
	DatabaseURL string
	// Dev creates a dev user, organization, project and API key on an
	// empty store and writes the `pakyas login ...` line to Stdout.
	Dev    bool
	Stdout io.Writer
	Config Config
}

// Run opens the store, listens and serves until ctx is cancelled, then
// shuts down gracefully (see Serve).
func Run(ctx context.Context, opts Options) error {
	if opts.Listen == "" {
		opts.Listen = DefaultListen
	}
	logf := opts.Config.Logger.Printf
	if opts.Config.Logger == nil {
		logf = log.Printf
	}
	st, err := OpenStore(ctx, opts.DataDir, opts.DatabaseURL, logf)
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return core.Errorf(core.EINVALID, "cannot listen on %s: %v", opts.Listen, err).
			WithHint("pick another address with --listen HOST:PORT")
	}
	cfg := opts.Config
	if opts.Dev {
		// A dev server's webhooks are usually on the same machine.
		cfg.AllowPrivateIPs = true
	}
	base := "http://" + ln.Addr().String()
	if cfg.PublicURL == "" {
		cfg.PublicURL = base
	}
	clock := core.SystemClock{}
	var key string
	if opts.Dev {
		key, err = DevSetup(ctx, st, clock.Now(), opts.DataDir)
		if err != nil {
			ln.Close()
			if opts.DatabaseURL != "" && core.ErrorCode(err) == core.ECONFLICT {
				// DevSetup's message is about a data directory.
				return core.Errorf(core.ECONFLICT, "--dev needs a new database: PostgreSQL %s already has users created without --dev (or by a --dev server with another --data-dir, which keeps the dev key)", postgres.Redact(opts.DatabaseURL)).
					WithHint("start without --dev (sign in with a key from pakyas server init or pakyas key create), or pass --database-url naming an empty database")
			}
			return err
		}
		fmt.Fprintf(opts.Stdout, "pakyas login --api-url %s --api-key %s\n", cfg.PublicURL, key)
	}
	srv := New(st, clock, cfg)
	if opts.Dev {
		srv.logDevSignIn(ctx, st, key)
	}
	where := opts.DataDir
	if opts.DatabaseURL != "" {
		where = "PostgreSQL " + postgres.Redact(opts.DatabaseURL)
	}
	srv.logf("listening on %s (data in %s)", base, where)
	err = srv.Serve(ctx, ln)
	srv.logf("stopped")
	return err
}

// Flags are the settings of `pakyas server` as a command line gives them.
type Flags struct {
	PublicURL   string
	Retention   string // days (90d) or a Go duration (36h)
	KeepSignals int
	APIRate     float64 // per second and key; 0: no limit
	SMTP        alert.SMTPConfig
	StartTLS    string // auto, always or never
	// AllowPrivateIPs: --allow-private-ips (see Config.AllowPrivateIPs).
	AllowPrivateIPs bool
	// TrustedProxies: --trusted-proxy, addresses or CIDR prefixes.
	TrustedProxies []string
	Logger         *log.Logger
}

// Config checks f and returns the server's Config; its errors name the
// flag to fix.
func (f Flags) Config() (Config, error) {
	retention, err := core.ParseDuration(f.Retention, 0)
	if err != nil || retention <= 0 {
		return Config{}, fmt.Errorf("--retention %q: use days like 90d or a duration like 36h", f.Retention)
	}
	if f.KeepSignals < 1 {
		return Config{}, fmt.Errorf("--keep-signals must be at least 1")
	}
	tls := alert.StartTLSPolicy(f.StartTLS)
	if tls != alert.StartTLSAuto && tls != alert.StartTLSAlways && tls != alert.StartTLSNever {
		return Config{}, fmt.Errorf("--smtp-starttls must be auto, always or never, not %q", f.StartTLS)
	}
	rate := f.APIRate
	switch {
	case rate < 0:
		return Config{}, fmt.Errorf("--api-rate-limit must be 0 (no limit) or more, not %g", rate)
	case rate == 0:
		rate = -1 // Config: negative is off, zero the default
	}
	proxies, err := parseProxies(f.TrustedProxies)
	if err != nil {
		return Config{}, err
	}
	public, err := parsePublicURL(f.PublicURL)
	if err != nil {
		return Config{}, err
	}
	smtp := f.SMTP
	smtp.StartTLS = tls
	return Config{TrustedProxies: proxies, APIRate: rate, APIBurst: int(4*rate) + 1, PublicURL: public,
		Retention: retention, KeepSignals: f.KeepSignals, SMTP: smtp, AllowPrivateIPs: f.AllowPrivateIPs, Logger: f.Logger}, nil
}

// parsePublicURL checks --public-url, which ping URLs and sign-in links
// are made of: "" (the listen address) or an absolute http(s) URL, with
// a path perhaps (behind a proxy) but no query, fragment or user. It
// returns it without a trailing slash.
func parsePublicURL(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("--public-url %q: must be an absolute http(s) URL, the address jobs and browsers reach the server at, e.g. https://pakyas.example.com", s)
	}
	return strings.TrimRight(s, "/"), nil
}

// parseProxies reads --trusted-proxy values: addresses (10.0.0.5, ::1)
// or prefixes (10.0.0.0/8), each value possibly a comma-separated list.
func parseProxies(values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if ip, err := netip.ParseAddr(s); err == nil {
				out = append(out, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
				continue
			}
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("--trusted-proxy %q: not an IP address or a CIDR prefix such as 10.0.0.0/8", s)
			}
			out = append(out, p.Masked())
		}
	}
	return out, nil
}

// checkDataDir refuses a data directory writable by others than its
// owner, and warns about one they can read.
func checkDataDir(dir string, warn func(format string, args ...any)) error {
	if runtime.GOOS == "windows" {
		return nil // no Unix modes; ACLs decide
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	mode := fi.Mode().Perm()
	switch {
	case mode&0o022 != 0:
		return core.Errorf(core.EINVALID, "the data directory %s is writable by other users (mode %04o): they could replace the database", dir, mode).
			WithHint("chmod 700 %s", dir)
	case mode&0o044 != 0 && warn != nil:
		warn("warning: the data directory %s is readable by other users (mode %04o); the database itself is 0600, but: chmod 700 %s", dir, mode, dir)
	}
	return nil
}
