package deliver

import (
	"context"
	"log/slog"
	"time"
)

// pace waits until the channel may have its next message: Slack takes
// about one a second.
func (d *Deliverer) pace(ctx context.Context, channel string) {
	if d.lastPost == nil {
		d.lastPost = map[string]time.Time{}
	}
	if wait := time.Until(d.lastPost[d.route(channel)].Add(d.Pace)); wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
}

// rest holds a channel back for d; after a rate limit, the daemon
// delivers again as soon as it may (SetWake).
func (d *Deliverer) rest(channel string, dur time.Duration, limited bool) {
	if d.rests == nil {
		d.rests = map[string]time.Time{}
	}
	d.rests[d.route(channel)] = d.now().Add(dur)
	if limited && d.wake != nil {
		d.wake(dur)
	}
}

// route is the way a channel's messages take, for pacing and resting:
// the channel, or the one webhook all channels share.
func (d *Deliverer) route(channel string) string {
	if d.Webhook {
		return "webhook"
	}
	return channel
}

// NextReady is when the first channel that rests now may be sent to
// again; before, when none rests.
func (d *Deliverer) NextReady(before time.Time) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	next, now := before, d.now()
	for _, t := range d.rests {
		if t.After(now) && t.Before(next) {
			next = t
		}
	}
	return next
}

// SetWake has f called, during a delivery, with how long until a channel
// that Slack rate-limited may be sent to again; nil: nobody is called.
// It waits for a delivery under way to finish.
func (d *Deliverer) SetWake(f func(after time.Duration)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.wake = f
}

// Stopping has deliveries finish the message in flight and leave the
// rest pending, for the next start.
func (d *Deliverer) Stopping() { d.stopping.Store(true) }

// Stopped is why Slack refused newsbot itself (a bad token, a wrong
// api_url), or "" while it sends.
func (d *Deliverer) Stopped() string {
	if r := d.stopped.Load(); r != nil {
		return *r
	}
	return ""
}

// SlackKeys names the config keys that say how newsbot reaches Slack.
func (d *Deliverer) SlackKeys() string {
	if d.Webhook {
		return "slack.webhook_url"
	}
	return "slack.token or slack.api_url"
}

// TellOps tells the ops channel (slack.ops_channel), when there is one.
func (d *Deliverer) TellOps(ctx context.Context, log *slog.Logger, text string) {
	if d.OpsChannel == "" {
		return
	}
	if err := d.Notifier.Notice(ctx, d.OpsChannel, text); err != nil {
		log.Error("telling the ops channel failed", "ops_channel", d.OpsChannel, "error", err)
	}
}

func (d *Deliverer) count(result string) {
	if d.Count != nil {
		d.Count(result)
	}
}

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}
