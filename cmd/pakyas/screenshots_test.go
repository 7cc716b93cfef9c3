package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/pakyas/pakyas/core/api"
	"github.com/stretchr/testify/require"
)

// TestDashboardScreenshots writes the README's screenshots of the
// overview and a check page, light and dark, into the directory
// PAKYAS_SCREENSHOTS names (docs/img); without it, it does nothing:
//
//	PAKYAS_SCREENSHOTS=$PWD/docs/img go test -run TestDashboardScreenshots ./cmd/pakyas
func TestDashboardScreenshots(t *testing.T) {
	dir := os.Getenv("PAKYAS_SCREENSHOTS")
	if dir == "" {
		t.Skip("PAKYAS_SCREENSHOTS is not set")
	}
	u, srv := loggedIn(t)
	for _, slug := range []string{"db-backup", "etl-nightly", "cert-renewal", "log-rotate", "sitemap-build"} {
		createCheck(t, srv, slug)
	}
	ok(t, u.run("ping", "db-backup", "--message", "backup done: 3.2 GB in 4m12s"))
	ok(t, u.run("ping", "cert-renewal"))
	ok(t, u.run("ping", "log-rotate", "--start"))
	ok(t, u.run("ping", "etl-nightly", "--start"))
	ok(t, u.run("ping", "etl-nightly", "--exit-code", "3", "--message", "ERROR: relation \"orders\" does not exist"))
	ok(t, u.run("check", "pause", "sitemap-build"))

	out := ok(t, u.run("dashboard", "--no-browser"))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	b := newTab(t)
	b.text(t, lines[len(lines)-1])
	var etl api.Check
	require.NoError(t, json.Unmarshal([]byte(ok(t, u.run("check", "show", "etl-nightly", "--format", "json"))), &etl))
	id := etl.ID
	for _, scheme := range []string{"light", "dark"} {
		b.run(t, emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}))
		for name, path := range map[string]string{"overview": "/", "check": "/checks/" + id} {
			var png []byte
			b.run(t, chromedp.Navigate(srv.URL+path), chromedp.WaitReady("main", chromedp.ByQuery), chromedp.CaptureScreenshot(&png))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "dashboard-"+name+"-"+scheme+".png"), png, 0o644))
		}
	}
}
