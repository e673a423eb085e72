package deliver

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/news"
)

// send tries an alert a few times, with jittered exponential backoff. A
// rate limit is not waited out here: the channel rests as long as Slack
// asked (see Deliver) while the other channels go on. Nor is a send that
// may have posted the message (no answer came): the next delivery looks
// in the channel for it, later (LookAfter), before it posts again.
func (d *Deliverer) send(ctx context.Context, al *news.Alert) (string, error) {
	var err error
	for attempt := 0; attempt < sendAttempts; attempt++ {
		var ts string
		ts, err = d.Notifier.Send(ctx, al)
		if err == nil {
			return ts, nil
		}
		switch bot.Classify(err).Kind {
		case bot.Permanent, bot.Stop, bot.RateLimited, bot.Unsure:
			return "", err
		}
		if attempt == sendAttempts-1 {
			break
		}
		b := backoffBase << attempt
		select {
		case <-time.After(min(b/2+rand.N(b/2+1), backoffMax)):
		case <-ctx.Done():
			return "", err
		}
	}
	return "", err
}

// alreadyPosted looks for an alert that may have gone out in its channel
// (or thread), by the id in its metadata. It reports false when the
// notifier cannot look or the lookup fails: the alert is then posted
// again, which may show it twice, rather than lost.
//
// A rate limit on the lookup itself is returned, for the channel to rest.
func (d *Deliverer) alreadyPosted(ctx context.Context, al *news.Alert, log *slog.Logger) (string, bool, error) {
	f, ok := d.Notifier.(finder)
	if !ok {
		log.Warn("an alert may have been sent already, and this notifier cannot look (a webhook): sending it again")
		return "", false, nil
	}
	ts, found, err := f.Posted(ctx, al, al.Found.Add(-time.Minute))
	switch {
	case err != nil:
		if bot.Classify(err).Kind == bot.RateLimited {
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
func (d *Deliverer) recordSent(ctx context.Context, log *slog.Logger, r *Result, al *news.Alert, ts string) {
	r.Sent++
	ctx = context.WithoutCancel(ctx)
	latency := time.Duration(-1)
	// A first alert's: a follow-up, a digest or a spike is no item's
	// news arriving.
	if al.ThreadOf == 0 && al.Digest == nil && !al.Origin.IsZero() {
		if l := d.now().Sub(al.Origin); l >= 0 {
			latency = l
			if d.Latency != nil {
				d.Latency(al.Way, l)
			}
		}
	}
	if err := retry(ctx, func() error { return d.Outbox.MarkSent(ctx, al.ID, ts, latency) }); err != nil {
		r.StoreErrors++
		log.Error("alert sent, but recording it failed; it may be sent again", "error", err)
	}
}

// markFailed records a failed attempt, retrying a busy store: an alert
// left claimed would wait for its claim to time out.
func (d *Deliverer) markFailed(ctx context.Context, log *slog.Logger, r *Result, id int64, err error, f news.Failure) {
	if rerr := retry(ctx, func() error { return d.Outbox.MarkFailed(ctx, id, err.Error(), f) }); rerr != nil {
		r.StoreErrors++
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
