// Package monitor runs a job under monitoring, as `pakyas monitor` does: it
// sends a start signal (waiting a bounded time), runs the command with its
// standard streams passed through, forwards termination signals to the
// job's process group, keeps a bounded tail of its output, and sends the
// finish signal with the exit code, duration, host and run id. A signal
// that cannot be delivered is handed to a Spooler so a later run delivers
// it. The exit code pakyas exits with is decided by Decide, a pure
// function of the run's outcome.
package monitor
