// Command pakyas is the Pakyas CLI and, as `pakyas server`, the Pakyas
// server. See README.md for the commands.
package main

import "os"

func main() {
	ctx, stop := catchSignals()
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
