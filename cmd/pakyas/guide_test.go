package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/server"
	"github.com/pakyas/pakyas/core/store/sqlite"
	"github.com/pakyas/pakyas/internal/testutil"
)

// TestGuide runs the user guide (../shared/seeds/user-guide.md and
// external-monitors.md) and the README's examples as scripts: one per
// section in testdata/guide, each command as the guide writes it, its
// output checked for the lines the guide shows, against a real pakyas
// server started for the script on 127.0.0.1. A doc change that breaks an
// example fails here.
//
// Each script gets a fresh server whose first user has the organization
// "My Company" with the project "Production" (the guide's names), and:
//
//	$PAKYAS_API_URL  the server (the guide's hosted service is our server)
//	$KEY             an API key of the first user (the guide's pk_live_...)
//	$SERVER          the server's URL again, for curl-style lines
//	HOME             $WORK/home, so config.toml and the cache are the script's
func TestGuide(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "guide"),
		RequireExplicitExec: true,
		Setup:               guideSetup,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// setjson VAR FIELD: VAR is FIELD of the JSON object the last
			// command printed (as `jq -r .FIELD` would give it).
			"setjson": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: setjson VAR FIELD")
				}
				var v map[string]any
				ts.Check(json.Unmarshal([]byte(ts.ReadFile("stdout")), &v))
				s, ok := v[args[1]].(string)
				if !ok {
					ts.Fatalf("no string field %q in the last stdout", args[1])
				}
				ts.Setenv(args[0], s)
			},
			// expand SRC DST: DST is SRC with its $VARS replaced (txtar
			// files are not expanded).
			"expand": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: expand SRC DST")
				}
				out := os.Expand(ts.ReadFile(args[0]), ts.Getenv)
				ts.Check(os.MkdirAll(filepath.Dir(ts.MkAbs(args[1])), 0o700))
				ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(out), 0o600))
			},
			// received: the requests the stand-in for healthchecks.io,
			// Cronitor and webhooks got since the last call, one
			// "METHOD PATH?QUERY" a line, after a "received:" line.
			"received": func(ts *testscript.TestScript, neg bool, args []string) {
				st := ts.Value(standInKey{}).(*standIn)
				fmt.Fprintln(ts.Stdout(), "received:")
				for _, l := range st.drain() {
					fmt.Fprintln(ts.Stdout(), l)
				}
			},
		},
	})
}

func guideSetup(e *testscript.Env) error {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(e.WorkDir, "server", "pakyas.db"))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		return err
	}
	url := "http://" + ln.Addr().String()
	srv := server.New(st, core.SystemClock{}, server.Config{PublicURL: url, AllowPrivateIPs: true, Logger: discardLogger()})
	hs := &http.Server{Handler: srv.Handler()}
	go func() { _ = hs.Serve(ln) }()
	srv.Start()
	key, err := server.Init(ctx, st, time.Now(), server.Admin{Email: "you@example.com", Org: "My Company", Project: "Production"})
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	e.Defer(func() {
		_ = hs.Close()
		srv.Stop()
		st.Close()
	})
	home := filepath.Join(e.WorkDir, "home")
	e.Setenv("HOME", home)
	e.Setenv("XDG_CONFIG_HOME", "")
	e.Setenv("XDG_STATE_HOME", "")
	e.Setenv("PAKYAS_API_URL", url)
	e.Setenv("SERVER", url)
	e.Setenv("KEY", key)
	e.Setenv("NO_COLOR", "1")

	// The external targets: the plugins built from the repository, and
	// one stand-in for the services they call.
	plugins := filepath.Join(e.WorkDir, "plugins")
	if err := os.MkdirAll(plugins, 0o700); err != nil {
		return err
	}
	for _, name := range []string{"healthchecks", "cronitor", "webhook"} {
		bin, err := testutil.Build("./plugins/"+name, "pakyas-target-"+name)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(bin)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(plugins, "pakyas-target-"+name), b, 0o755); err != nil {
			return err
		}
	}
	e.Setenv("PAKYAS_PLUGIN_DIR", plugins)
	st2 := &standIn{}
	hs2 := &http.Server{Handler: st2}
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = hs2.Serve(ln2) }()
	e.Defer(func() { _ = hs2.Close() })
	e.Values[standInKey{}] = st2
	e.Setenv("STANDIN", "http://"+ln2.Addr().String())
	return nil
}

type standInKey struct{}

// standIn answers 200 to every request and records it.
type standIn struct {
	mu    sync.Mutex
	lines []string
}

func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	s.mu.Lock()
	s.lines = append(s.lines, r.Method+" "+r.URL.RequestURI())
	s.mu.Unlock()
	_, _ = io.WriteString(w, "OK")
}

func (s *standIn) drain() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.lines
	s.lines = nil
	sort.Strings(out) // the targets run in parallel
	return out
}

func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }
