//go:build unix

package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
)

// BenchmarkMonitorCommand: `pakyas monitor --public-id ID -- true` run
// in-process (the command line, settings, the run and both signals;
// without the process start-up that scripts/bench.sh measures), against a
// stand-in that answers every ping at once, next to "bare": what a minimal
// Go wrapper does for the same run (POST start, run true, POST the exit
// code) against the same stand-in.
func BenchmarkMonitorCommand(b *testing.B) {
	standin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "OK")
	}))
	defer standin.Close()
	truePath, err := exec.LookPath("true")
	if err != nil {
		b.Skip("no true command")
	}
	const id = "550e8400-e29b-41d4-a716-446655440000"
	b.Run("pakyas", func(b *testing.B) {
		home := b.TempDir()
		vars := map[string]string{"HOME": home, "PAKYAS_API_URL": standin.URL}
		var out bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &out, getenv: func(k string) string { return vars[k] }}
		b.ReportAllocs()
		for b.Loop() {
			out.Reset()
			if code := e.run(context.Background(), []string{"pakyas", "monitor", "--no-external", "--public-id", id, "--", truePath}); code != 0 {
				b.Fatalf("exit %d: %s", code, out.String())
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		client := &http.Client{}
		post := func(url string) {
			resp, err := client.Post(url, "text/plain", nil)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		b.ReportAllocs()
		for b.Loop() {
			post(standin.URL + "/ping/" + id + "/start")
			var tail bytes.Buffer
			cmd := exec.Command(truePath)
			cmd.Stdout, cmd.Stderr = &tail, &tail
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
			post(standin.URL + "/ping/" + id + "/0")
		}
	})
}
