// Command benchwrap is what scripts/bench.sh measures pakyas against:
//
//	benchwrap run URL -- COMMAND [ARG...]
//	    what runitor, a Go healthchecks.io wrapper, does for one run:
//	    POST URL/start, run COMMAND with its output captured (the last
//	    10 KB), POST URL/<exit code> with that output; exit with the
//	    command's code. No retries, no spool, no cache: the least a Go
//	    wrapper can do.
//	benchwrap serve ADDRFILE
//	    a stand-in for the services external targets talk to: answers 200
//	    "OK" to every request on 127.0.0.1, after writing its address to
//	    ADDRFILE.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		usage()
	}
	switch os.Args[1] {
	case "run":
		if len(os.Args) < 5 || os.Args[3] != "--" {
			usage()
		}
		os.Exit(run(os.Args[2], os.Args[4:]))
	case "serve":
		serve(os.Args[2])
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: benchwrap run URL -- COMMAND [ARG...] | benchwrap serve ADDRFILE")
	os.Exit(2)
}

var client = &http.Client{Timeout: 10 * time.Second}

func ping(url string, body []byte) {
	resp, err := client.Post(url, "text/plain", bytes.NewReader(body))
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchwrap:", err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func run(url string, argv []string) int {
	ping(url+"/start", nil)
	var out tail
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = &out, &out
	code := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			fmt.Fprintln(os.Stderr, "benchwrap:", err)
			return 1
		}
		code = ee.ExitCode()
	}
	ping(url+"/"+strconv.Itoa(code), out.b)
	return code
}

// tail keeps the last 10 KB written to it.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if over := len(t.b) - 10<<10; over > 0 {
		t.b = t.b[over:]
	}
	return len(p), nil
}

func serve(addrFile string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchwrap:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(addrFile, []byte(ln.Addr().String()), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "benchwrap:", err)
		os.Exit(1)
	}
	_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "OK")
	}))
}
