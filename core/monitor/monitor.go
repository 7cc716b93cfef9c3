package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pakyas/pakyas/core"
)

// Defaults of Config.
const (
	// DefaultOutputLimit is how much of the job's output the finish
	// signal carries.
	DefaultOutputLimit = 4 << 10
	// DefaultStartTimeout bounds the start signal, retries included: a
	// slow or unreachable server delays the job by at most this.
	DefaultStartTimeout = 2 * time.Second
	// DefaultWaitDelay is how long, after the job exited, its captured
	// output may keep coming: a background process it left behind that
	// holds the pipe open cannot keep pakyas waiting longer.
	DefaultWaitDelay = 2 * time.Second
)

// Event is a signal as external monitors see it.
type Event struct {
	Kind       string // "start", "success" or "fail"
	ExitCode   int    // with success and fail, unless NoExitCode
	NoExitCode bool   // a failure without an exit code (pakyas ping --fail)
	RunID      string
	Host       string
	At         time.Time
	Duration   time.Duration // with success and fail, when measured
	Output     []byte        // the output tail or message
}

// External notifies external monitors (healthchecks.io, Cronitor, ...;
// see core/external), after Pakyas. Post sends an event in the background
// (the job does not wait for its start); Send waits for the answers, at
// most the external timeout, and reports whether at least one external
// monitor took the event. Implementations bound their own time and wait
// for what Post started before they close.
type External interface {
	Post(ctx context.Context, e Event)
	Send(ctx context.Context, e Event) (anyDelivered bool)
}

// Config says how to monitor a run. The zero value of every field has a
// sensible meaning.
type Config struct {
	Host string // sent with every signal

	Capture     Capture // which output streams go into the tail (default stderr)
	OutputLimit int     // bytes of output tail; 0: DefaultOutputLimit

	StartTimeout time.Duration // 0: DefaultStartTimeout
	WaitDelay    time.Duration // 0: DefaultWaitDelay

	// Quiet silences the "Start signal sent" and "Finish signal sent"
	// lines and warnings that do not change the exit code. Messages that
	// explain an exit code of 3 are always printed.
	Quiet bool
	// Verbose adds each signal's latency and outcome, the run id, and
	// forwarded signals.
	Verbose bool

	// The job's standard streams. An *os.File is handed to the job as
	// it is (a terminal stays a terminal); a captured stream goes through
	// a pipe that copies it here and into the tail as it comes.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Log receives pakyas's own "[pakyas] ..." lines (normally stderr).
	Log io.Writer

	// MigrationMode lets an external monitor's success stand in for
	// Pakyas's (external-monitors.md).
	MigrationMode bool

	Now      func() time.Time // nil: time.Now
	NewRunID func() string    // nil: a random UUID
}

// Job is the command to run.
type Job struct {
	Args []string // Args[0] is looked up in $PATH unless it holds a path separator
	Env  []string // nil: pakyas's environment
	Dir  string   // "": the current directory
}

// Result is what happened in a monitored run.
type Result struct {
	// Code is what pakyas exits with: Decision.Code.
	Code     int
	Decision Decision
	JobCode  int           // the job's own exit code (128+n if killed by signal n; 126/127 if it could not start)
	Started  bool          // the job started
	RunID    string        // sent as rid with both signals
	Duration time.Duration // how long the job ran
	Output   []byte        // the output tail sent with the finish signal

	StartDelivered, FinishDelivered bool
	// Interrupted is why the job did not start: pakyas was told to stop
	// (ctx was cancelled) before it started. Nothing was sent.
	Interrupted error
	// Spooled lists where undelivered signals were kept.
	Spooled []string
}

// Run runs job under monitoring, reporting it through d, and returns what
// happened; Result.Code is the exit code for pakyas. It never calls
// os.Exit. d nil runs the job unmonitored (and exits
// ExitMonitoringFailure). Cancelling ctx does not stop the job
// (termination signals are forwarded to it instead) nor the finish
// signal: a job that was told to stop is still reported.
func Run(ctx context.Context, cfg Config, job Job, d *Deliverer) Result {
	cfg.defaults()
	log := &Log{W: cfg.Log, Quiet: cfg.Quiet, Verbose: cfg.Verbose}
	if d != nil {
		if d.Log == nil {
			d.Log = log
		}
		// Resolving the check may ask the server (a cold or stale
		// cache): it shares --start-timeout with the start signal, and
		// a stop asked for meanwhile means the job does not start.
		deadline := time.Now().Add(cfg.StartTimeout)
		rctx, cancel := context.WithDeadline(ctx, deadline)
		_ = d.Prepare(rctx) // a failure is the start signal's to report
		cancel()
		cfg.StartTimeout = max(time.Until(deadline), time.Millisecond)
	}
	if ctx.Err() != nil {
		return Result{Code: 1, Interrupted: context.Cause(ctx)}
	}
	r := &runner{cfg: cfg, d: d, log: log, ctx: context.WithoutCancel(ctx)}
	return r.run(job)
}

func (c *Config) defaults() {
	if c.OutputLimit <= 0 {
		c.OutputLimit = DefaultOutputLimit
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = DefaultStartTimeout
	}
	if c.WaitDelay <= 0 {
		c.WaitDelay = DefaultWaitDelay
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.NewRunID == nil {
		c.NewRunID = uuid.NewString
	}
}

type runner struct {
	cfg Config
	d   *Deliverer
	log *Log
	ctx context.Context
	res Result
	// sigs receives the signals pakyas forwards, for the whole run: one
	// that arrives while the start signal is in flight reaches the job as
	// soon as it starts; one that arrives after the job ended cuts the
	// finish signal's retries short (the finish is then spooled).
	sigs chan os.Signal
}

func (r *runner) run(job Job) Result {
	r.sigs = make(chan os.Signal, 8)
	signal.Notify(r.sigs, forwarded...)
	defer signal.Stop(r.sigs)
	if len(brokenPipe) > 0 {
		// A closed stdout or stderr (a reader that exited) must not end
		// pakyas before the finish signal: with SIGPIPE caught, a write
		// there fails instead of killing the process. The job still gets
		// the default action (exec resets caught signals).
		pipe := make(chan os.Signal, 1)
		signal.Notify(pipe, brokenPipe...)
		defer signal.Stop(pipe)
	}
	r.res.RunID = r.cfg.NewRunID()
	if len(job.Args) == 0 || job.Args[0] == "" {
		return r.cannotStart("", errors.New("no command given"))
	}
	cmd := exec.Command(job.Args[0], job.Args[1:]...)
	cmd.Env, cmd.Dir = job.Env, job.Dir
	if cmd.Err == nil && strings.ContainsAny(job.Args[0], `/\`) {
		// exec.Command checks only names it looks up in $PATH; check a
		// path too, so a job that cannot start sends no start signal.
		_, cmd.Err = exec.LookPath(job.Args[0])
	}
	if cmd.Err != nil {
		// Not found or not executable: no start signal, only the failure.
		return r.cannotStart(job.Args[0], cmd.Err)
	}
	r.res.StartDelivered = r.start(r.cfg.Now())
	ring, err := r.exec(cmd)
	if err != nil {
		return r.cannotStart(job.Args[0], err)
	}
	r.res.Started = true
	if ring != nil {
		r.res.Output = ring.Bytes()
	}
	return r.finish(r.cfg.Now())
}

// cannotStart reports a job that could not be started, as a shell would:
// 127 when the command is not found, 126 when it cannot be executed.
func (r *runner) cannotStart(name string, err error) Result {
	code, why := startFailure(err)
	msg := fmt.Sprintf("cannot run %q: %s", name, why)
	r.log.Alert("%s (exit %d)", capitalize(msg), code)
	r.log.Verbosef("%v", err)
	r.res.JobCode = code
	r.res.Output = []byte("pakyas monitor: " + msg + "\n" + err.Error() + "\n")
	return r.finish(r.cfg.Now())
}

// signal returns a signal of this run.
func (r *runner) signal(kind, name string, at time.Time) Signal {
	return Signal{Kind: kind, Name: name, RunID: r.res.RunID, Host: r.cfg.Host, At: at}
}

// start sends the start signal, waiting at most StartTimeout (resolving
// the check included); external monitors get it in the background.
func (r *runner) start(at time.Time) bool {
	if r.d == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.StartTimeout)
	defer cancel()
	t := time.Now()
	del := r.d.deliver(ctx, r.signal("start", "start signal", at), false, false)
	lat := time.Since(t)
	switch {
	case del.Delivered:
		r.log.Info("Start signal sent")
		r.log.Verbosef("check: public ID %s; start signal delivered in %s (%s), run id %s", del.PublicID, ms(lat), attempts(del.Sent.Attempts), r.res.RunID)
		return true
	case del.Unresolved && del.Spooled == "":
		// The check is unknown, or there is no key: say why once; the
		// job runs unmonitored.
		if !r.d.unconfigured {
			r.log.Error(del.Err)
		}
	default:
		r.log.Warn(fmt.Sprintf("start signal not delivered after %s (%s): %s; the job runs anyway",
			attempts(del.Sent.Attempts), ms(lat), core.ErrorText(del.Err)), "")
	}
	if del.Spooled != "" {
		r.res.Spooled = append(r.res.Spooled, del.Spooled)
	}
	return false
}

// finish sends the finish signal, decides the exit code and says so.
func (r *runner) finish(at time.Time) Result {
	code := r.res.JobCode
	sig := r.signal(strconv.Itoa(code), "finish signal", at)
	sig.Duration, sig.Body = r.res.Duration, r.res.Output
	del := Delivery{Err: errNoCheck, Unresolved: true}
	t := time.Now()
	if r.d != nil {
		ctx, stop := r.interruptible()
		del = r.d.deliver(ctx, sig, true, true)
		stop()
	}
	lat := time.Since(t)
	r.res.FinishDelivered = del.Delivered
	if del.Spooled != "" {
		r.res.Spooled = append(r.res.Spooled, del.Spooled)
	}
	d := Decide(Outcome{JobCode: code, Delivered: del.Delivered, MigrationMode: r.cfg.MigrationMode, ExternalDelivered: del.External})
	r.res.Decision, r.res.Code = d, d.Code
	if del.Delivered {
		r.log.Info("Finish signal sent (exit: %d, %s)", code, seconds(r.res.Duration))
		r.log.Verbosef("finish signal delivered in %s (%s)", ms(lat), attempts(del.Sent.Attempts))
		if code == ExitMonitoringFailure {
			r.log.Verbosef("exit code %d is the job's own, not a monitoring failure: Pakyas got the finish signal", code)
		}
		return r.res
	}
	// Not delivered: always said, even with -q, since it changes the
	// exit code (or would without migration mode).
	if !del.Unresolved || del.Spooled != "" {
		r.log.Alert("Finish signal NOT delivered after %s (%s): %s", attempts(del.Sent.Attempts), ms(lat), core.ErrorText(del.Err))
	}
	switch d.Verdict {
	case ReportedExternally:
		r.log.Alert("%s", MigrationWarning(del.Err))
	case Unreported:
		what := "Pakyas did not get the finish signal"
		if del.Unresolved && del.Spooled == "" {
			what = "the check could not be resolved and the job ran unmonitored"
		}
		r.log.Alert("Exit %d: monitoring failure, %s (the job itself exited %d)", d.Code, what, code)
	}
	return r.res
}

// interruptible returns a context that a forwarded signal cancels: once
// the job has ended, a Ctrl-C stops the finish signal's retries.
func (r *runner) interruptible() (context.Context, func()) {
	ctx, cancel := context.WithCancel(r.ctx)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-r.sigs:
			r.log.Verbosef("%v: no more retries", s)
			cancel()
		case <-done:
		}
	}()
	return ctx, func() { close(done); cancel() }
}
