// Package deliver sends the outbox's alerts: oldest first, each claimed
// in the store before it is sent (so that two processes on one store never
// send it twice), paced per channel, tried again with backoff, looked for
// in the channel when an earlier attempt may have posted it, and its
// outcome recorded. What a failed send means is one bot.SendError kind:
//
//   - Retry, Unsure: tried again a few times, then left pending while
//     that channel rests (Unsure: looked for in the channel first);
//   - RateLimited: the channel rests as long as Slack asked;
//   - Permanent: the alert is parked as failed, and ops hears of it;
//   - Stop: nothing more is sent until the config changes.
package deliver

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/news"
)

// Outbox is what delivery needs of the store.
type Outbox interface {
	// Pending returns the alerts to send, oldest first.
	Pending(ctx context.Context) ([]*news.Alert, error)
	// Claim takes an alert for sending; false means another process has.
	// It brings the alert up to date from the store.
	Claim(ctx context.Context, a *news.Alert) (bool, error)
	// MarkSent records the message an alert went out as.
	// MarkSent records the message an alert went out as, and its latency
	// (negative: not known).
	MarkSent(ctx context.Context, id int64, ts string, latency time.Duration) error
	// MarkFailed records a failed attempt; news.Permanent parks the alert.
	MarkFailed(ctx context.Context, id int64, reason string, f news.Failure) error
}

// Notifier sends alerts and notices: bot.Slack, bot.Webhook, bot.Stdout.
type Notifier interface {
	// Send posts the alert and returns its message's ts; a failure is a
	// *bot.SendError.
	Send(ctx context.Context, a *news.Alert) (string, error)
	// Notice posts a plain operational message.
	Notice(ctx context.Context, channel, text string) error
}

// finder finds an alert's message in its channel (bot.Slack can; a
// webhook cannot).
type finder interface {
	Posted(ctx context.Context, a *news.Alert, since time.Time) (string, bool, error)
}

// Tuning: attempts per alert in one delivery, the backoff between them,
// and how long a channel that failed gets nothing more.
const (
	channelRest  = 5 * time.Second
	sendAttempts = 3
	backoffBase  = time.Second
	backoffMax   = 30 * time.Second
)

// Deliverer sends what the outbox holds. Set its fields before the first
// Deliver; it is safe for concurrent use, one delivery at a time.
type Deliverer struct {
	Outbox   Outbox
	Notifier Notifier
	Log      *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Pace is the least time between two messages to one channel (a
	// terminal needs none).
	Pace time.Duration
	// Webhook: every channel's messages take the one webhook, paced and
	// rested together.
	Webhook bool
	// OpsChannel hears of alerts parked as undeliverable; "": nobody.
	OpsChannel string
	// LookAfter is how long after a send that may have posted (Slack did
	// not answer) newsbot looks in the channel before it posts again:
	// longer than a call to Slack may take (twice slack.timeout), since
	// Slack may show a message it took only after the caller gave up.
	LookAfter time.Duration
	// Count, when set, counts sends by result (ok, rate_limited, retry,
	// failed, stopped, found_posted).
	Count func(result string)
	// Latency, when set, hears each alert's latency as it is posted:
	// from its item's publication (or push) to the post, by the way it
	// came (feed, page, sitemap, push).
	Latency func(way string, d time.Duration)
	// Prepare, when set, runs first in each delivery, under its lock, and
	// says how often the store failed: it makes what has come due (the
	// digests).
	Prepare func(ctx context.Context) (storeErrors int)

	// mu makes one delivery at a time, so that no alert is sent twice.
	mu sync.Mutex
	// stopped is why Slack refused newsbot itself: until the config
	// changes, alerts stay pending.
	stopped atomic.Pointer[string]
	// rests holds back channels that failed, until the time given;
	// lastPost is when each was last sent to, for pacing.
	rests    map[string]time.Time
	lastPost map[string]time.Time
	// stopping: the message in flight is finished, the rest stays
	// pending for the next start.
	stopping atomic.Bool
	// wake, when set, delivers again after a while: when a channel that
	// Slack rate-limited has rested.
	wake func(after time.Duration)
}

// Result is what a delivery did.
type Result struct {
	Sent        int
	Errors      int // failed sends (a rate limit is none: Slack says when)
	Parked      int // alerts parked as failed: never to be sent
	StoreErrors int
	Pending     int // alerts still pending after it
	Quiet       int // alerts held for their watcher's quiet hours
	// Stopped is why Slack refuses newsbot itself, when it does:
	// nothing was sent.
	Stopped string
}

// Deliver sends the pending alerts, oldest first, and says what it did.
// A permanent failure (an unknown channel, say) parks the alert as
// failed; a passing one is tried again with backoff a few times and then
// left pending, and that channel gets nothing more this time, so that
// alerts keep their order; a failure of the setup (a bad token) leaves
// the alert pending and stops all sending until newsbot is restarted
// with a config that works. The error is the outbox's, when it could not
// be read.
func (d *Deliverer) Deliver(ctx context.Context) (Result, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var r Result
	if d.Prepare != nil {
		r.StoreErrors = d.Prepare(ctx)
	}
	pending, err := d.Outbox.Pending(ctx)
	if err != nil {
		return r, err
	}
	if reason := d.Stopped(); reason != "" {
		r.Pending, r.Stopped = len(pending), reason
		return r, nil
	}
	// The messages sent in this pass, by alert (a digest's for each of
	// its alerts), for the follow-ups that go in their threads.
	posted := map[int64]string{}
	for i, al := range pending {
		if ctx.Err() != nil || d.stopping.Load() {
			r.Pending += len(pending) - i
			return r, nil
		}
		switch d.deliver(ctx, al, posted, &r) {
		case held:
			r.Pending++
		case quiet:
			r.Quiet++
		case stop:
			r.Pending += len(pending) - i
			return r, nil
		}
	}
	return r, nil
}

// fate is what became of one alert in a delivery.
type fate int

const (
	done  fate = iota // sent, found posted, parked, or another process's
	held              // still pending
	quiet             // waiting for its watcher's quiet hours to end
	stop              // Slack refused newsbot itself: it and all after it wait
)

// deliver sends one alert, unless it must wait, and records the outcome.
func (d *Deliverer) deliver(ctx context.Context, al *news.Alert, posted map[int64]string, r *Result) fate {
	if d.now().Before(al.NotBefore) {
		return quiet // its watcher's quiet hours: it goes out when they end
	}
	if al.ThreadOf != 0 && al.ThreadTS == "" {
		if ts, ok := posted[al.ThreadOf]; ok {
			al.ThreadTS, al.ParentPending = ts, false
		}
	}
	if al.ParentPending || d.now().Before(d.rests[d.route(al.Channel)]) {
		return held // a follow-up waits for its first alert; a channel rests
	}
	log := d.Log.With("watcher", al.Watcher, "channel", al.Channel, "alert", al.ID, "url", al.URL)
	if ok, err := d.Outbox.Claim(ctx, al); err != nil || !ok {
		if err == nil {
			return done // another process is sending it
		}
		// Keep the channel's order: nothing more to it for now.
		d.rest(al.Channel, channelRest, false)
		log.Error("claiming the alert failed", "error", err)
		return held
	}
	sent := func(ts string) fate {
		posted[al.ID] = ts
		if al.Digest != nil {
			for _, e := range al.Digest.Entries {
				posted[e.AlertID] = ts
			}
		}
		d.recordSent(ctx, log, r, al, ts)
		return done
	}
	// A process that claimed this alert died while sending it, or an
	// attempt timed out: it may be in the channel already. Look before
	// posting it again.
	if al.Interrupted {
		ts, found, err := d.alreadyPosted(ctx, al, log)
		if err != nil {
			// Slack limits the lookup: rest the channel, don't post blind.
			d.rest(al.Channel, max(bot.Classify(err).RetryAfter, time.Second), true)
			d.markFailed(context.WithoutCancel(ctx), log, r, al.ID, err, news.Unsure)
			return held
		}
		if found {
			d.count("found_posted")
			return sent(ts)
		}
	}
	d.pace(ctx, al.Channel)
	ts, err := d.send(ctx, al)
	d.lastPost[d.route(al.Channel)] = time.Now()
	if err == nil {
		d.count("ok")
		return sent(ts)
	}
	se := bot.Classify(err)
	if ctx.Err() != nil && se.Kind == bot.Unsure {
		// newsbot stops (once's --timeout, a signal) while Slack has
		// not answered: looked for in the channel at the next start.
		log.Warn("stopped before Slack answered: the alert may have been posted; newsbot looks in the channel before it posts it again", "error", err)
		d.markFailed(context.WithoutCancel(ctx), log, r, al.ID, se, news.Unsure)
		return held
	}
	return d.failed(context.WithoutCancel(ctx), log, r, al, se)
}

// failed records a send that failed, as its kind says (see the package
// comment), even if a signal came meanwhile (ctx is not cancelled).
func (d *Deliverer) failed(ctx context.Context, log *slog.Logger, r *Result, al *news.Alert, se *bot.SendError) fate {
	if se.Kind != bot.RateLimited {
		r.Errors++
	}
	switch se.Kind {
	case bot.Stop:
		d.count("stopped")
		reason := se.Reason
		d.stopped.Store(&reason)
		log.Error("Slack refuses newsbot itself: stopping all sending; alerts stay pending until the config is fixed ("+d.SlackKeys()+")", "error", se)
		d.markFailed(ctx, log, r, al.ID, se, news.Retry)
		return stop
	case bot.Permanent:
		d.count("failed")
		log.Error("alert not deliverable, parked as failed", "error", se)
		d.markFailed(ctx, log, r, al.ID, se, news.Permanent)
		r.Parked++
		d.TellOps(ctx, log, "newsbot could not deliver an alert of watcher "+al.Watcher+" to "+al.Channel+", and parked it: "+se.Error()+" ("+al.URL+")")
		return done
	case bot.RateLimited:
		// Keep the channel's order: nothing more to it until it rests,
		// as long as Slack asked.
		d.count("rate_limited")
		d.rest(al.Channel, max(se.RetryAfter, time.Second), true)
	case bot.Unsure:
		d.count("retry")
		if se.Reason != "" {
			// Slack answered, with a 5xx: what it took is in the
			// channel now. Look there after the channel's rest.
			d.rest(al.Channel, channelRest, false)
			log.Warn("Slack failed (it may have posted the alert): newsbot looks in the channel before it posts it again", "error", se)
		} else {
			// No answer: what Slack took may show in the channel only
			// later. Look then, not now.
			wait := max(d.LookAfter, channelRest)
			d.rest(al.Channel, wait, true)
			log.Warn("Slack did not answer within slack.timeout: the alert may have been posted; newsbot looks in the channel before it posts it again", "look_in", wait, "error", se)
		}
		d.markFailed(ctx, log, r, al.ID, se, news.Unsure)
		return held
	default:
		d.count("retry")
		d.rest(al.Channel, channelRest, false)
	}
	log.Warn("alert not sent, will retry", "error", se)
	d.markFailed(ctx, log, r, al.ID, se, news.Retry)
	return held
}

// Outstanding counts the alerts still to send, as the outbox has them
// now: those held for their watcher's quiet hours apart. What a delivery
// cut short said of them may no longer hold.
func (d *Deliverer) Outstanding(ctx context.Context) (pending, quiet int, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	alerts, err := d.Outbox.Pending(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, al := range alerts {
		if d.now().Before(al.NotBefore) {
			quiet++
		} else {
			pending++
		}
	}
	return pending, quiet, nil
}
