package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/news"
)

// Delivery tuning: attempts per alert in one delivery, and the backoff
// between them.
const (
	// channelRest is how long a channel that failed gets nothing more.
	channelRest  = 5 * time.Second
	sendAttempts = 3
	backoffBase  = time.Second
	backoffMax   = 30 * time.Second
)

// Deliver sends the pending alerts, oldest first. A permanent failure (an
// unknown channel, say) parks the alert as failed; a passing one (network,
// Slack 5xx, rate limit) is retried with backoff a few times and then left
// pending, and that channel gets nothing more this time, so that alerts
// keep their order; a failure of the setup (a bad token) leaves the alert
// pending and stops all sending until newsbot is restarted with a config
// that works. Each alert is claimed in the store before it is sent, so that
// two processes on one store never send it twice.
func (a *App) Deliver(ctx context.Context, st *Stats) {
	a.deliverMu.Lock()
	defer a.deliverMu.Unlock()
	a.foldDigests(ctx, st)
	pending, err := a.store.Pending(ctx)
	if err != nil {
		if ctx.Err() == nil {
			st.StoreErrs.Add(1)
			a.log.Error("reading the outbox failed", "error", err)
		}
		return
	}
	left, quiet := 0, 0 // alerts still pending after this pass; held for quiet hours
	defer func() { st.Pending.Store(int64(left)); st.Quiet.Store(int64(quiet)) }()
	if a.stopSending != "" {
		left = len(pending)
		if left > 0 {
			st.logOnce(a.log, "stop-sending", "not sending: Slack refused newsbot itself; fix "+a.slackKeys()+" and restart", "reason", a.stopSending, "pending", left)
		}
		return
	}
	// The messages sent in this pass, by alert (a digest's for each of
	// its alerts), for the follow-ups that go in their threads.
	posted := map[int64]string{}
	for i, al := range pending {
		if ctx.Err() != nil || a.stopping.Load() {
			left += len(pending) - i
			return
		}
		if a.now().Before(al.NotBefore) {
			quiet++ // its watcher's quiet hours: it goes out when they end
			continue
		}
		if al.ThreadOf != 0 && al.ThreadTS == "" {
			if ts, ok := posted[al.ThreadOf]; ok {
				al.ThreadTS, al.ParentPending = ts, false
			}
		}
		if al.ParentPending {
			left++ // a follow-up waits for its first alert
			continue
		}
		if a.now().Before(a.channelWait[a.route(al.Channel)]) {
			left++
			continue
		}
		log := a.log.With("watcher", al.Watcher, "channel", al.Channel, "alert", al.ID, "url", al.URL)
		if ok, err := a.store.Claim(ctx, al); err != nil || !ok {
			if err != nil {
				// Keep the channel's order: nothing more to it for now.
				left++
				a.channelWait[a.route(al.Channel)] = a.now().Add(channelRest)
				log.Error("claiming the alert failed", "error", err)
			}
			continue // another process is sending it
		}
		markSent := func(ts string) {
			posted[al.ID] = ts
			if al.Digest != nil {
				for _, e := range al.Digest.Entries {
					posted[e.AlertID] = ts
				}
			}
		}
		// A process that claimed this alert died while sending it, or an
		// attempt timed out: it may be in the channel already. Look
		// before posting it again.
		if al.Interrupted {
			ts, found, err := a.alreadyPosted(ctx, al, log)
			if d, limited := bot.RetryAfter(err); limited {
				// Slack limits the lookup: rest the channel, don't post blind.
				left++
				a.rest(al.Channel, max(d, time.Second), true)
				a.markFailed(context.WithoutCancel(ctx), log, st, al.ID, err, news.Unsure)
				continue
			}
			if found {
				a.metrics.sends.WithLabelValues("found_posted").Inc()
				markSent(ts)
				a.recordSent(ctx, log, st, al, ts)
				continue
			}
		}
		// Pace the channel: Slack takes about one message a second (a
		// terminal takes them all at once).
		_, terminal := a.notifier.(*bot.Stdout)
		if wait := time.Until(a.lastPost[a.route(al.Channel)].Add(time.Duration(a.cfg.Slack.Pace))); wait > 0 && !terminal {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
		}
		ts, err := a.send(ctx, al, log)
		a.lastPost[a.route(al.Channel)] = time.Now()
		// Record what happened even if a signal came meanwhile.
		rctx := context.WithoutCancel(ctx)
		switch {
		case err == nil:
			a.metrics.sends.WithLabelValues("ok").Inc()
			markSent(ts)
			a.recordSent(rctx, log, st, al, ts)
		case bot.IsStop(err):
			a.metrics.sends.WithLabelValues("stopped").Inc()
			st.SendErrs.Add(1)
			left += len(pending) - i
			var se *bot.StopError
			errors.As(err, &se)
			a.stopSending = se.Reason
			a.stopped.Store(&se.Reason)
			log.Error("Slack refuses newsbot itself: stopping all sending; alerts stay pending until the config is fixed ("+a.slackKeys()+")", "error", err)
			a.markFailed(rctx, log, st, al.ID, err, news.Retry)
			return
		case bot.IsPermanent(err):
			a.metrics.sends.WithLabelValues("failed").Inc()
			st.SendErrs.Add(1)
			log.Error("alert not deliverable, parked as failed", "error", err)
			a.markFailed(rctx, log, st, al.ID, err, news.Permanent)
			a.tellOps(rctx, log, fmt.Sprintf("newsbot could not deliver an alert of watcher %s to %s, and parked it: %v (%s)", al.Watcher, al.Channel, err, al.URL))
		default:
			st.SendErrs.Add(1)
			left++
			// Keep the channel's order: nothing more to it until it rests.
			d, limited := bot.RetryAfter(err)
			if limited {
				a.metrics.sends.WithLabelValues("rate_limited").Inc()
				a.rest(al.Channel, max(d, time.Second), true) // what Slack asked for
			} else {
				a.metrics.sends.WithLabelValues("retry").Inc()
				a.rest(al.Channel, channelRest, false)
			}
			f := news.Retry
			if bot.MaybePosted(err) {
				f = news.Unsure // the next attempt looks in the channel first
				log.Warn("alert may have been posted (Slack did not answer); the next attempt looks in the channel first", "error", err)
			} else {
				log.Warn("alert not sent, will retry", "error", err)
			}
			a.markFailed(rctx, log, st, al.ID, err, f)
		}
	}
}

// rest holds a channel back for d; after a rate limit, run delivers
// again as soon as it may.
func (a *App) rest(channel string, d time.Duration, limited bool) {
	a.channelWait[a.route(channel)] = a.now().Add(d)
	if limited && a.wake != nil {
		a.wake(d)
	}
}

// slackKeys names the config keys that say how newsbot reaches Slack.
func (a *App) slackKeys() string {
	if a.cfg.Slack.WebhookURL != "" {
		return "slack.webhook_url"
	}
	return "slack.token or slack.api_url"
}

// route is the way a channel's messages take, for pacing and resting:
// the channel, or the one webhook all channels share.
func (a *App) route(channel string) string {
	if a.cfg.Slack.WebhookURL != "" {
		return "webhook"
	}
	return channel
}

// alreadyPosted looks for an alert that may have gone out in its channel
// (or thread), by the id in its metadata. It reports false when the
// notifier cannot look or the lookup fails: the alert is then posted
// again, which may show it twice, rather than lost.
//
// A rate limit on the lookup itself is returned, for the channel to rest.
func (a *App) alreadyPosted(ctx context.Context, al *news.Alert, log *slog.Logger) (string, bool, error) {
	f, ok := a.notifier.(postedFinder)
	if !ok {
		log.Warn("an alert may have been sent already, and this notifier cannot look (a webhook): sending it again")
		return "", false, nil
	}
	ts, found, err := f.Posted(ctx, al, al.Found.Add(-time.Minute))
	switch {
	case err != nil:
		if _, limited := bot.RetryAfter(err); limited {
			return "", false, err
		}
		log.Warn("could not check whether an alert was posted before; posting it (it may show twice)", "error", err)
	case found:
		log.Info("alert was posted before, though no answer said so; recording it", "ts", ts)
	}
	return ts, found, nil
}

// recordSent records an alert as sent. An alert sent but not recorded as
// sent would be sent again once its claim times out: it tries hard.
func (a *App) recordSent(ctx context.Context, log *slog.Logger, st *Stats, al *news.Alert, ts string) {
	st.Sent.Add(1)
	ctx = context.WithoutCancel(ctx)
	if err := retry(ctx, func() error { return a.store.MarkSent(ctx, al.ID, ts) }); err != nil {
		st.StoreErrs.Add(1)
		log.Error("alert sent, but recording it failed; it may be sent again", "error", err)
	}
}

// postedFinder finds an alert's message in its channel (bot.Slack).
type postedFinder interface {
	Posted(ctx context.Context, a *news.Alert, since time.Time) (string, bool, error)
}

// tellOps tells the ops channel (slack.ops_channel), when there is one.
func (a *App) tellOps(ctx context.Context, log *slog.Logger, text string) {
	ch := a.cfg.Slack.OpsChannel
	if ch == "" {
		return
	}
	if err := a.notifier.Notice(ctx, ch, text); err != nil {
		log.Error("telling the ops channel failed", "ops_channel", ch, "error", err)
	}
}

// markFailed records a failed attempt, retrying a busy store: an alert
// left claimed would wait for its claim to time out.
func (a *App) markFailed(ctx context.Context, log *slog.Logger, st *Stats, id int64, err error, f news.Failure) {
	if rerr := retry(ctx, func() error { return a.store.MarkFailed(ctx, id, err.Error(), f) }); rerr != nil {
		st.StoreErrs.Add(1)
		log.Error("recording the failure failed", "error", rerr)
	}
}

// retry runs fn until it succeeds, a few times with a short backoff, for
// store writes that a busy database may refuse for a moment.
func retry(ctx context.Context, fn func() error) error {
	var err error
	for i := range 5 {
		if err = fn(); err == nil {
			return nil
		}
		select {
		case <-time.After(time.Duration(200<<i) * time.Millisecond):
		case <-ctx.Done():
			return err
		}
	}
	return err
}

// send tries an alert a few times, waiting as Slack asks on a rate limit
// and with jittered exponential backoff otherwise.
//
// An attempt that failed without an answer (a timeout) may have posted
// the message: the next one looks in the channel first.
func (a *App) send(ctx context.Context, al *news.Alert, log *slog.Logger) (string, error) {
	var err error
	for attempt := 0; attempt < sendAttempts; attempt++ {
		if attempt > 0 && bot.MaybePosted(err) {
			ts, found, lerr := a.alreadyPosted(ctx, al, log)
			if found {
				return ts, nil
			}
			if lerr != nil {
				return "", lerr // rate-limited: the channel rests
			}
		}
		var ts string
		ts, err = a.notifier.Send(ctx, al)
		if err == nil || bot.IsPermanent(err) || bot.IsStop(err) {
			return ts, err
		}
		if attempt == sendAttempts-1 {
			break
		}
		if _, ok := bot.RetryAfter(err); ok {
			// Slack said how long to leave the channel alone: it rests
			// that long (see Deliver) while the other channels go on.
			break
		}
		d := backoffBase << attempt
		wait := min(d/2+rand.N(d/2+1), backoffMax)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return "", err
		}
	}
	return "", err
}

// sendingStopped is why Slack refused newsbot itself (a bad token, a
// wrong api_url), or "" while it sends.
func (a *App) sendingStopped() string {
	if r := a.stopped.Load(); r != nil {
		return *r
	}
	return ""
}
