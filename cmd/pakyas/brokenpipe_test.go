//go:build unix

package main

import (
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pakyas/pakyas/internal/testutil"
)

// TestMonitorBrokenPipe: pakyas's own stderr (or stdout) closed by its
// reader, as in `pakyas monitor ... 2>&1 | head -1`, does not kill pakyas
// with SIGPIPE: the job runs to its end, its whole tail is reported with
// the finish signal and pakyas exits with the job's code.
func TestMonitorBrokenPipe(t *testing.T) {
	srv := testutil.StartServer(t)
	u := newUser(t).with("PAKYAS_API_URL", srv.URL)
	for _, capture := range []string{"stderr", "stdout"} {
		t.Run(capture, func(t *testing.T) {
			ch := createCheck(t, srv, "piped-"+capture)
			out := ">&2"
			if capture == "stdout" {
				out = ""
			}
			cmd := u.job("monitor", "--capture", capture, "--public-id", ch.PublicID, "--", "sh", "-c",
				"echo first "+out+"; sleep 0.3; echo late "+out+"; exit 7")
			r, w, err := os.Pipe()
			require.NoError(t, err)
			cmd.Stdout, cmd.Stderr = w, w
			require.NoError(t, cmd.Start())
			w.Close()
			r.Close() // the reader is gone before anything is written
			err = cmd.Wait()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee)
			assert.Equal(t, 7, ee.ExitCode(), "the job's own code, not death by SIGPIPE (%v)", ee)

			got := checkNow(t, srv, ch.ID)
			require.NotEmpty(t, got.Signals)
			require.NotNil(t, got.Signals[0].ExitCode, "the finish signal was sent")
			assert.Equal(t, 7, *got.Signals[0].ExitCode)
			assert.Equal(t, "first\nlate\n", got.Signals[0].Output)
		})
	}
}
