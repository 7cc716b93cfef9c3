package monitor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/pakyas/pakyas/core"
	"github.com/pakyas/pakyas/core/api"
	"github.com/pakyas/pakyas/core/resolve"
	"github.com/pakyas/pakyas/core/spool"
)

// Pinger delivers a signal to Pakyas; *api.Client implements it. Ping
// returns how it went, and nil once the server acknowledged the signal.
type Pinger interface {
	Ping(ctx context.Context, p api.Ping) (api.Sent, error)
}

// Resolver turns a check's slug into its public ID; *resolve.Checks
// implements it. An error for which api.Retryable holds means the server
// could not be reached: the signal is then kept by slug.
type Resolver interface {
	Resolve(ctx context.Context, slug string, refresh bool) (resolve.Ref, error)
}

// Signal is one signal a command reports to its check.
type Signal struct {
	Kind     string // "" success, "start", "fail", "log" or an exit code "0".."255"
	RunID    string
	Host     string
	Duration time.Duration // 0: not sent
	Body     []byte
	At       time.Time // when it happened: sent with it only if it is delivered late
	// Name is what messages call it: "start signal", "finish signal";
	// "" is "signal".
	Name string
}

// Selection is what a signal kept by slug records so that a later run
// can resolve it: the project as the command selected it (names or IDs,
// empty when not set) and the fingerprint of its API key.
type Selection struct {
	Org, Project, KeyID string
}

// Deliverer delivers the signals of one command to one check, the one way
// for `pakyas ping` and `pakyas monitor`: it resolves the check (once),
// sends each signal with the Pinger's retries, asks again once when the
// server does not know a cached public ID, keeps what could not be
// delivered in the spool (by public ID, or by slug when even the check
// could not be resolved), delivers older spooled signals of the server
// first so that the server gets them in order, and notifies the external
// monitors. Deliver never fails: what happened is in the Delivery.
type Deliverer struct {
	Pinger Pinger
	APIURL string
	// PublicID is the check's public ID when it was given (--public-id);
	// otherwise Slug names it and Resolver resolves it.
	PublicID  string
	Slug      string
	Resolver  Resolver
	Selection Selection

	// Spool keeps undelivered signals; nil: they are lost (and said so).
	// Replay delivers what waits in it (see Sender); nil: nothing is
	// replayed.
	Spool  *spool.Spool
	Replay spool.Sender
	// ReplayBudget bounds the replay before each signal; 0:
	// DefaultReplayBudget.
	ReplayBudget time.Duration

	External External // nil: no external monitors
	Log      *Log

	resolved   bool
	ref        resolve.Ref
	resolveErr error
	// prepared: Prepare just tried and failed for a transient reason; the
	// next signal takes that answer instead of asking at once again.
	prepared  error
	bodyLimit int
	// unconfigured: made by Unconfigured; its error was said already.
	unconfigured bool
}

// Unconfigured returns a Deliverer for a run whose Pakyas settings could
// not be read (err says why, and was said): no signal can reach Pakyas,
// each fails with err and is not kept, but the external monitors still
// get every signal, so that they are told and, in migration mode, one
// taking the finish signal decides the exit code.
func Unconfigured(err error, ext External) *Deliverer {
	return &Deliverer{External: ext, resolved: true, resolveErr: err, unconfigured: true}
}

// Prepare resolves the check ahead of the first signal (a monitored run
// does it before the job starts, within the start's time budget). Its
// error is also the first signal's.
func (d *Deliverer) Prepare(ctx context.Context) error {
	err := d.resolve(ctx, false)
	if err != nil && !d.resolved {
		d.prepared = err
	}
	return err
}

// DefaultReplayBudget bounds the replay of the spool before a signal, so
// a long spool never holds a cron line up noticeably; what is left waits
// for the next run or `pakyas spool flush`.
const DefaultReplayBudget = time.Second

// minReplay is the least time worth spending on the spool before a signal.
const minReplay = 50 * time.Millisecond

// Delivery is what happened to one signal.
type Delivery struct {
	// Delivered: Pakyas acknowledged the signal.
	Delivered bool
	Sent      api.Sent
	// Err says why it was not delivered: the server's answer or why it
	// could not be reached (explained, see api.Explain), or why the check
	// could not be resolved.
	Err error
	// Unresolved: the check could not be resolved to a public ID.
	Unresolved bool
	// Spooled is where the signal was kept for a later run; "" when it
	// was not (delivered, refused, or no spool).
	Spooled string
	// External: at least one external monitor took the signal.
	External bool
	// PublicID is the check's, when resolved.
	PublicID string
}

// Deliver delivers sig and waits for the external monitors (at most
// their timeout).
func (d *Deliverer) Deliver(ctx context.Context, sig Signal) Delivery {
	return d.deliver(ctx, sig, true, true)
}

// deliver is Deliver; with waitExternal false the external monitors are
// notified in the background (the start of a job does not wait for
// them); loud says whether a failure explains the exit code (always
// printed) or is only a warning.
func (d *Deliverer) deliver(ctx context.Context, sig Signal, waitExternal, loud bool) Delivery {
	res := d.send(ctx, sig, loud)
	if d.External != nil {
		if ev, ok := eventOf(sig); ok {
			if waitExternal {
				res.External = d.External.Send(ctx, ev)
			} else {
				// In the background: it outlives the start's deadline.
				d.External.Post(context.WithoutCancel(ctx), ev)
			}
		}
	}
	return res
}

func (d *Deliverer) send(ctx context.Context, sig Signal, loud bool) Delivery {
	var res Delivery
	if err := d.resolve(ctx, false); err != nil {
		res.Err, res.Unresolved = err, true
		if keepable(err) {
			res.Spooled = d.keep(sig, err, loud)
		}
		return res
	}
	d.flush(ctx)
	p := d.ping(sig)
	sent, err := d.Pinger.Ping(ctx, p)
	if api.IsStatus(err, http.StatusNotFound) && d.ref.Cached {
		// The cached public ID is stale (the check was deleted and made
		// again): ask the server once and try again.
		old := d.ref.PublicID
		if rerr := d.resolve(ctx, true); rerr == nil && d.ref.PublicID != old {
			d.Log.Verbosef("the cached public ID %s is unknown to the server; the check's public ID is now %s", old, d.ref.PublicID)
			p.PublicID = d.ref.PublicID
			var again api.Sent
			again, err = d.Pinger.Ping(ctx, p)
			again.Attempts += sent.Attempts
			sent = again
		}
	}
	if sent.BodyLimit > 0 {
		d.bodyLimit = sent.BodyLimit
	}
	res.Sent, res.PublicID = sent, d.ref.PublicID
	if err == nil {
		res.Delivered = true
		return res
	}
	res.Err = api.Explain(d.APIURL, err)
	if keepable(err) {
		res.Spooled = d.keep(sig, res.Err, loud)
	} else if api.Refused(err) {
		d.say(loud, "The server refused the %s; it is not kept for another try", d.name(sig))
	}
	return res
}

// resolve resolves the check once; a transient failure is tried again by
// the next signal, refresh asks the server again.
func (d *Deliverer) resolve(ctx context.Context, refresh bool) error {
	switch {
	case d.PublicID != "":
		if !d.resolved {
			d.ref, d.resolved = resolve.Ref{PublicID: d.PublicID}, true
			d.Log.Verbosef("Check: public ID %s (given)", d.PublicID)
		}
		return nil
	case d.resolved && !refresh:
		return d.resolveErr
	case d.prepared != nil && !refresh:
		err := d.prepared
		d.prepared = nil
		return err
	case d.Resolver == nil:
		return &core.Error{Code: core.EINVALID, Message: "no check: give its slug or --public-id"}
	}
	ref, err := d.Resolver.Resolve(ctx, d.Slug, refresh)
	if err != nil {
		if refresh {
			return err // keep what was resolved before
		}
		if !api.Retryable(err) {
			d.resolved, d.resolveErr = true, err
		}
		return err
	}
	d.ref, d.resolved, d.resolveErr = ref, true, nil
	from := "from the server"
	switch {
	case ref.Stale:
		from = "from a stale cache entry"
	case ref.Cached:
		from = "from the cache"
	}
	d.Log.Verbosef("Check: public ID %s (slug %q, %s)", ref.PublicID, d.Slug, from)
	return nil
}

// Ref returns the check as resolved so far (zero before the first signal
// or when it could not be resolved).
func (d *Deliverer) Ref() resolve.Ref { return d.ref }

// ping returns sig as a request. A body longer than the server keeps
// (its Ping-Body-Limit, once an answer said) is cut to its tail: the end
// of a job's output says most.
func (d *Deliverer) ping(sig Signal) api.Ping {
	return api.Ping{PublicID: d.ref.PublicID, Kind: sig.Kind, RunID: sig.RunID, Host: sig.Host,
		Duration: sig.Duration, Body: api.Tail(sig.Body, d.bodyLimit)}
}

// keep spools an undelivered signal and returns where it went, or "".
func (d *Deliverer) keep(sig Signal, why error, loud bool) string {
	if d.Spool == nil {
		d.say(loud, "The %s is lost: there is no spool to keep it in (no home directory)", d.name(sig))
		return ""
	}
	p := d.ping(sig)
	p.At = sig.At
	e := spool.Entry{APIURL: d.APIURL, Check: d.checkName(), Ping: p, Reason: core.ErrorText(why)}
	if p.PublicID == "" {
		e.Slug, e.Org, e.Project, e.KeyID = d.Slug, d.Selection.Org, d.Selection.Project, d.Selection.KeyID
		if e.KeyID == "" {
			d.say(loud, "The %s is lost: without an API key its check can never be looked up", d.name(sig))
			return ""
		}
	}
	added, err := d.Spool.Add(e)
	if n := len(added.Dropped); n > 0 {
		d.Log.Warn(fmt.Sprintf("the spool is full; dropped its %d oldest signal(s) to keep this one", n), "")
	}
	if err != nil {
		d.Log.Warn(fmt.Sprintf("cannot keep the %s in the spool, it is lost: %v", d.name(sig), err), "")
		return ""
	}
	d.say(loud, "The %s is kept in the spool (%s); the next pakyas run or 'pakyas spool flush' delivers it", d.name(sig), added.Path)
	return added.Path
}

func (d *Deliverer) say(loud bool, format string, args ...any) {
	if loud {
		d.Log.Alert(format, args...)
	} else {
		d.Log.Info(format, args...)
	}
}

func (d *Deliverer) name(sig Signal) string {
	if sig.Name == "" {
		return "signal"
	}
	return sig.Name
}

func (d *Deliverer) checkName() string {
	if d.Slug != "" {
		return d.Slug
	}
	return d.PublicID
}

// flush delivers what waits in the spool before a live signal, within
// the replay budget, so the server gets a check's signals in order.
func (d *Deliverer) flush(ctx context.Context) {
	if d.Spool == nil || d.Replay == nil {
		return
	}
	budget := d.ReplayBudget
	if budget <= 0 {
		budget = DefaultReplayBudget
	}
	if dl, ok := ctx.Deadline(); ok {
		// The live signal's own deadline (--start-timeout bounds how
		// long the job waits): the replay takes at most half of what is
		// left of it, and none when that is too little to deliver one.
		budget = min(budget, time.Until(dl)/2)
		if budget < minReplay {
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
	defer cancel()
	rep, err := d.Spool.Replay(ctx, d.Replay)
	d.Log.Replay(rep, err)
}

// Sender returns a spool.Sender that delivers spooled signals with c, and
// with a copy of c for entries of another server. An entry kept by slug
// is resolved with the Resolver slugs returns for it; slugs returns nil
// when this process cannot resolve it (another server, or another API
// key), and the entry waits (spool.ErrHeld).
func Sender(c *api.Client, slugs func(e spool.Entry) Resolver) spool.Sender {
	clients := map[string]*api.Client{c.BaseURL: c}
	return func(ctx context.Context, e spool.Entry) error {
		cl := clients[e.APIURL]
		if cl == nil {
			cp := *c
			cp.BaseURL = e.APIURL
			cl = &cp
			clients[e.APIURL] = cl
		}
		p := e.Ping
		if p.PublicID == "" {
			var r Resolver
			if slugs != nil {
				r = slugs(e)
			}
			if r == nil {
				return fmt.Errorf("kept by slug; only the API key it was made with (fingerprint %s) can look it up on %s: %w", e.KeyID, e.APIURL, spool.ErrHeld)
			}
			ref, err := r.Resolve(ctx, e.Slug, false)
			switch {
			case core.IsNotFound(err):
				// No such check: as final as the server's 404 to a ping.
				return &api.HTTPError{StatusCode: http.StatusNotFound, Message: core.ErrorText(err)}
			case err != nil && !api.Retryable(err):
				return fmt.Errorf("%v: %w", core.ErrorText(err), spool.ErrHeld)
			case err != nil:
				return err
			}
			p.PublicID = ref.PublicID
		}
		_, err := cl.Ping(ctx, p)
		return err
	}
}

// eventOf turns a signal into an external monitor event; false for log
// signals, which external monitors do not take.
func eventOf(sig Signal) (Event, bool) {
	ev := Event{Kind: "success", RunID: sig.RunID, Host: sig.Host, At: sig.At, Duration: sig.Duration, Output: sig.Body}
	switch sig.Kind {
	case "":
		ev.ExitCode = 0
	case "start":
		ev.Kind = "start"
	case "fail":
		ev.Kind, ev.NoExitCode = "fail", true
	case "log":
		return ev, false
	default:
		code, err := strconv.Atoi(sig.Kind)
		if err != nil {
			return ev, false
		}
		ev.ExitCode = code
		if code != 0 {
			ev.Kind = "fail"
		}
	}
	return ev, true
}

// keepable reports whether an undelivered signal is worth keeping for a
// later run: the server could not be reached or the attempt was cut
// short; not when the server refused it, the client is misconfigured, or
// the check does not exist.
func keepable(err error) bool {
	return api.Retryable(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// errNoCheck is the Err of a run that had no check to report to.
var errNoCheck = errors.New("no check to report to")

// Error explains, for `pakyas ping`, why the signal was not delivered (nil
// when it was). Its code follows the failure: ENOTFOUND for an unknown
// check, EUNAUTHORIZED for a refused key, EUNAVAILABLE when the server
// could not be reached (the signal was spooled).
func (d Delivery) Error() error {
	err := d.Err
	switch {
	case d.Delivered:
		return nil
	case api.IsStatus(err, http.StatusNotFound) && d.PublicID != "":
		return &core.Error{Code: core.ENOTFOUND, Message: fmt.Sprintf("Check not found: no check has the public ID %s", d.PublicID),
			Hint: "check the ID: 'pakyas check show SLUG' prints it", Err: err}
	case d.Unresolved || core.ErrorCode(err) != core.EUNAVAILABLE:
		return err
	}
	return &core.Error{Code: core.EUNAVAILABLE, Message: fmt.Sprintf("ping not delivered after %d attempt(s): %s", d.Sent.Attempts, core.ErrorText(err)),
		Hint: core.ErrorHint(err), Err: err}
}
