package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromium returns the browser the dashboard tests drive: Debian's
// chromium, which `make test` installs (scripts/test-deps.sh). Without
// it the tests are skipped, unless CI=true.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium, and CI=true: the browser tests must run (make test installs it with scripts/test-deps.sh)")
	}
	t.Skip("no chromium: browser tests skipped (apt-get install chromium)")
	return ""
}

// tab is a headless chromium tab that records JavaScript errors: thrown
// exceptions and console errors (a Content-Security-Policy violation is
// one).
type tab struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func newTab(t *testing.T) *tab {
	t.Helper()
	// Not t.TempDir: chromium's helpers may still write into the profile
	// while it exits; the directory is removed after the browser, and a
	// leftover does not fail the test.
	profile, err := os.MkdirTemp("", "pakyas-chromium-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(profile) })
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	tb := &tab{ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			tb.errors = append(tb.errors, "exception: "+ev.ExceptionDetails.Error())
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError {
				tb.errors = append(tb.errors, fmt.Sprintf("console.error: %v", ev.Args))
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.LevelError && !strings.Contains(ev.Entry.URL, "favicon") && !strings.Contains(ev.Entry.Text, "status of 401") &&
				!strings.Contains(ev.Entry.Text, "status of 410") {
				tb.errors = append(tb.errors, "log: "+ev.Entry.Text)
			}
		}
	})
	require.NoError(t, chromedp.Run(ctx, log.Enable(), runtime.Enable()))
	return tb
}

// run runs actions with a time limit.
func (tb *tab) run(t *testing.T, actions ...chromedp.Action) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Run(ctx, actions...))
}

func (tb *tab) text(t *testing.T, url string) string {
	t.Helper()
	var body string
	tb.run(t, chromedp.Navigate(url), chromedp.WaitReady("body", chromedp.ByQuery), chromedp.Text("body", &body, chromedp.ByQuery))
	return body
}

func (tb *tab) noErrors(t *testing.T) {
	t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	assert.Empty(t, tb.errors, "JavaScript errors")
}

// TestDashboardInBrowser drives the dashboard in chromium: sign in with
// `pakyas dashboard --no-browser`'s link; the overview shows the checks
// in the product's words and follows a signal sent by the CLI without a
// reload; the check page shows the timeline's reasons and pauses the
// check; a reused link is refused; signed out, no check data shows; no
// page has a JavaScript error.
func TestDashboardInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	u, srv := loggedIn(t)
	createCheck(t, srv, "nightly-backup")
	createCheck(t, srv, "hourly-sync")
	ok(t, u.run("ping", "nightly-backup"))

	out := ok(t, u.run("dashboard", "--no-browser"))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	link := lines[len(lines)-1]

	b := newTab(t)
	body := b.text(t, link)
	assert.Contains(t, body, "nightly-backup")
	assert.Contains(t, body, "On Schedule")
	assert.Contains(t, body, "hourly-sync")
	assert.Contains(t, body, "New")

	// A signal from the CLI shows without a reload.
	var marker int
	b.run(t, chromedp.Evaluate(`window.pakyasMarker = 7; 7`, &marker))
	ok(t, u.run("ping", "hourly-sync", "--fail"))
	b.run(t, chromedp.WaitVisible(`tr.st-failed`, chromedp.ByQuery))
	b.run(t, chromedp.Evaluate(`window.pakyasMarker || 0`, &marker))
	assert.Equal(t, 7, marker, "updated in place, not reloaded")
	var stale bool
	b.run(t, chromedp.Evaluate(`document.getElementById("stale").hidden`, &stale))
	assert.True(t, stale, "the live-update banner is hidden while connected")

	// The check page: reasons, then Pause.
	var href string
	var found bool
	b.run(t, chromedp.AttributeValue(`tr.st-failed a[href^="/checks/"]`, "href", &href, &found, chromedp.ByQuery))
	require.True(t, found)
	b.run(t, chromedp.Navigate(srv.URL+href), chromedp.WaitVisible(`ol.timeline`, chromedp.ByQuery))
	var timeline string
	b.run(t, chromedp.Text(`ol.timeline`, &timeline, chromedp.ByQuery))
	assert.Contains(t, timeline, "New → Failed: failure signal, no exit code", "the reason the server recorded")
	b.run(t, chromedp.Click(`form.actions button`, chromedp.ByQuery), chromedp.WaitVisible(`form.actions[action$="/resume"] button`, chromedp.ByQuery))
	var button string
	b.run(t, chromedp.Text(`form.actions button`, &button, chromedp.ByQuery))
	assert.Equal(t, "Resume", button)
	assert.Contains(t, ok(t, u.run("check", "show", "hourly-sync")), "Paused")

	// A reused link is refused.
	body = b.text(t, link)
	assert.Contains(t, body, "already used")
	b.noErrors(t)

	// Signed out (another browser), no check data.
	other := newTab(t)
	body = other.text(t, srv.URL+"/")
	assert.Contains(t, body, "Sign in")
	assert.NotContains(t, body, "nightly-backup")
	body = other.text(t, srv.URL+"/checks/"+createCheck(t, srv, "secret-job").ID)
	assert.NotContains(t, body, "secret-job")
	other.noErrors(t)
}
