package server

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"

	"github.com/pakyas/pakyas/core"
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

// OpenStore opens the SQLite store in the data directory dir, creating
// both (mode 0700) if needed.
func OpenStore(ctx context.Context, dir string) (*sqlite.Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
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
	st, err := OpenStore(ctx, opts.DataDir)
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
	base := "http://" + ln.Addr().String()
	if cfg.PublicURL == "" {
		cfg.PublicURL = base
	}
	clock := core.SystemClock{}
	if opts.Dev {
		key, err := DevSetup(ctx, st, clock.Now(), opts.DataDir)
		if err != nil {
			ln.Close()
			return err
		}
		fmt.Fprintf(opts.Stdout, "pakyas login --api-url %s --api-key %s\n", cfg.PublicURL, key)
	}
	srv := New(st, clock, cfg)
	srv.logf("listening on %s (data in %s)", base, opts.DataDir)
	err = srv.Serve(ctx, ln)
	srv.logf("stopped")
	return err
}
