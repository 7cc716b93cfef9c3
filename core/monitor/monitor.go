package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/spool"
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

// Pinger delivers a signal to Pakyas; *api.Client implements it. Ping
// returns how many attempts it made, and nil once the server acknowledged
// the signal.
type Pinger interface {
	Ping(ctx context.Context, p api.Ping) (attempts int, err error)
}

// Spooler keeps a signal that could not be delivered so that a later run
// delivers it. p.At is when the signal happened. Keep returns where the
// signal went, for people.
type Spooler interface {
	Keep(p api.Ping, reason error) (where string, err error)
}

// Event is a signal of the run as external monitors see it.
type Event struct {
	Kind     string // "start", "success" or "fail"
	ExitCode int    // with success and fail
	RunID    string
	Host     string
	At       time.Time
	Duration time.Duration // with success and fail
	Output   []byte        // the output tail, with success and fail
}

// External notifies external monitors (healthchecks.io, Cronitor, ...;
// see core/external). Start is called as the job starts, Finish after
// Pakyas's finish signal with whether Pakyas acknowledged it; Finish
// reports whether at least one external monitor took the finish signal.
// Implementations bound their own time.
type External interface {
	Start(ctx context.Context, e Event)
	Finish(ctx context.Context, e Event, pakyasDelivered bool) (anyDelivered bool)
}

// ErrNoCheck is the reason a run is not reported when Config.PublicID is
// empty: the check could not be resolved, and the job runs unmonitored.
var ErrNoCheck = errors.New("no check to report to")

// Config says how to monitor a run. The zero value of every field has a
// sensible meaning.
type Config struct {
	// PublicID is the check's public ID. Empty when the check could not
	// be resolved: the job still runs (monitoring never stops a job), no
	// signal is sent and the run ends with ExitMonitoringFailure.
	PublicID string
	Host     string // sent with every signal

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

	// Spool keeps undelivered signals; nil: they are lost (and said so).
	Spool Spooler
	// Refresh, if set, is called once when the server does not know
	// PublicID (404 to the start signal), e.g. because a cached public
	// ID went stale; it returns the current one.
	Refresh func(ctx context.Context) (publicID string, err error)

	// External monitors and migration mode (external-monitors.md).
	External      External
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
	// Spooled lists where undelivered signals were kept.
	Spooled []string
}

// Run runs job under monitoring and returns what happened; Result.Code is
// the exit code for pakyas. It never calls os.Exit. p may be nil when
// cfg.PublicID is empty (nothing is sent). Cancelling ctx does
// not stop the job (termination signals are forwarded to it instead) nor
// the finish signal: a job that was told to stop is still reported.
func Run(ctx context.Context, cfg Config, job Job, p Pinger) Result {
	cfg.defaults()
	r := &runner{cfg: cfg, p: p, ctx: context.WithoutCancel(ctx), publicID: cfg.PublicID}
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
	cfg      Config
	p        Pinger
	ctx      context.Context
	publicID string
	res      Result
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
	startAt := r.cfg.Now()
	r.res.StartDelivered = r.start(startAt)
	if r.cfg.External != nil {
		r.cfg.External.Start(r.ctx, Event{Kind: "start", RunID: r.res.RunID, Host: r.cfg.Host, At: startAt})
	}
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
	r.alert("%s (exit %d)", capitalize(msg), code)
	if r.cfg.Verbose {
		r.printf("%v", err)
	}
	r.res.JobCode = code
	r.res.Output = []byte("pakyas monitor: " + msg + "\n" + err.Error() + "\n")
	return r.finish(r.cfg.Now())
}

// start sends the start signal, waiting at most StartTimeout.
func (r *runner) start(at time.Time) bool {
	if r.publicID == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.StartTimeout)
	defer cancel()
	p := r.ping("start")
	t := time.Now()
	n, err := r.p.Ping(ctx, p)
	if api.IsStatus(err, http.StatusNotFound) && r.cfg.Refresh != nil {
		if id, rerr := r.cfg.Refresh(ctx); rerr == nil && id != r.publicID {
			r.verbosef("the cached public ID %s is unknown to the server; the check's public ID is now %s", r.publicID, id)
			r.publicID, p.PublicID = id, id
			var m int
			m, err = r.p.Ping(ctx, p)
			n += m
		}
	}
	lat := time.Since(t)
	if err == nil {
		r.info("Start signal sent")
		r.verbosef("start signal delivered in %s (%s), run id %s", ms(lat), attempts(n), r.res.RunID)
		return true
	}
	r.warn("Warning: start signal not delivered after %s (%s): %v; the job runs anyway", attempts(n), ms(lat), Cause(err))
	if where := r.keep(p, at, err, r.cfg.Quiet); where != "" {
		r.warn("The start signal is kept in the spool (%s); the next pakyas run delivers it", where)
	}
	return false
}

// finish sends the finish signal, decides the exit code and says so.
func (r *runner) finish(at time.Time) Result {
	code := r.res.JobCode
	p := r.ping(strconv.Itoa(code))
	p.Duration, p.Body = r.res.Duration, r.res.Output
	t := time.Now()
	n, err := 0, ErrNoCheck
	if r.publicID != "" {
		ctx, stop := r.interruptible()
		n, err = r.p.Ping(ctx, p)
		stop()
	}
	lat := time.Since(t)
	r.res.FinishDelivered = err == nil
	external := false
	if r.cfg.External != nil {
		ev := Event{Kind: "success", ExitCode: code, RunID: r.res.RunID, Host: r.cfg.Host, At: at, Duration: r.res.Duration, Output: r.res.Output}
		if code != 0 {
			ev.Kind = "fail"
		}
		external = r.cfg.External.Finish(r.ctx, ev, err == nil)
	}
	d := Decide(Outcome{JobCode: code, Delivered: err == nil, MigrationMode: r.cfg.MigrationMode, ExternalDelivered: external})
	r.res.Decision, r.res.Code = d, d.Code
	if err == nil {
		r.info("Finish signal sent (exit: %d, %s)", code, seconds(r.res.Duration))
		r.verbosef("finish signal delivered in %s (%s)", ms(lat), attempts(n))
		if code == ExitMonitoringFailure {
			r.verbosef("exit code %d is the job's own, not a monitoring failure: Pakyas got the finish signal", code)
		}
		return r.res
	}
	// Not delivered: always said, even with -q, since it changes the
	// exit code (or would without migration mode).
	if r.publicID != "" {
		r.alert("Finish signal NOT delivered after %s (%s): %v", attempts(n), ms(lat), Cause(err))
		if where := r.keep(p, at, err, false); where != "" {
			r.alert("The finish signal is kept in the spool (%s); the next pakyas run or 'pakyas spool flush' delivers it", where)
		}
	}
	switch d.Verdict {
	case ReportedExternally:
		fmt.Fprintln(r.cfg.Log, MigrationWarning(err))
	case Unreported:
		what := "Pakyas did not get the finish signal"
		if r.publicID == "" {
			what = "the check could not be resolved and the job ran unmonitored"
		}
		r.alert("Exit %d: monitoring failure, %s (the job itself exited %d)", d.Code, what, code)
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
			r.verbosef("%v: no more retries", s)
			cancel()
		case <-done:
		}
	}()
	return ctx, func() { close(done); cancel() }
}

// ping returns a live signal of kind for this run. It carries no time:
// only spooled signals, sent late, say when they happened.
func (r *runner) ping(kind string) api.Ping {
	return api.Ping{PublicID: r.publicID, Kind: kind, RunID: r.res.RunID, Host: r.cfg.Host}
}

// keep spools an undelivered signal that happened at at, unless the
// server refused it for good. It returns where it went, or "".
func (r *runner) keep(p api.Ping, at time.Time, why error, quiet bool) string {
	say := r.alert
	if quiet {
		say = r.verbosef
	}
	switch {
	case spool.Permanent(why):
		say("The server refused the signal; it is not kept for another try")
		return ""
	case r.cfg.Spool == nil:
		say("The signal is lost: no spool")
		return ""
	}
	p.At = at
	where, err := r.cfg.Spool.Keep(p, Cause(why))
	if err != nil {
		r.alert("Warning: cannot keep the signal in the spool, it is lost: %v", err)
		return ""
	}
	r.res.Spooled = append(r.res.Spooled, where)
	return where
}
