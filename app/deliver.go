package app

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/news"
)

// Delivery tuning: attempts per alert in one delivery, and the backoff
// between them.
const (
	sendAttempts = 3
	backoffBase  = time.Second
	backoffMax   = 30 * time.Second
)

// Deliver sends the pending alerts, oldest first. A permanent failure parks
// the alert as failed; a passing one (network, Slack 5xx, rate limit) is
// retried with backoff a few times and then left pending, and that channel
// gets nothing more this time, so that alerts keep their order.
func (a *App) Deliver(ctx context.Context, st *Stats) {
	a.deliverMu.Lock()
	defer a.deliverMu.Unlock()
	if a.stopSending != "" {
		a.log.Error("not sending: Slack refused the token; fix slack.token and restart", "reason", a.stopSending)
		return
	}
	pending, err := a.store.Pending(ctx)
	if err != nil {
		a.log.Error("reading the outbox failed", "error", err)
		return
	}
	blocked := map[string]bool{}
	for _, al := range pending {
		if ctx.Err() != nil {
			break
		}
		if blocked[al.Channel] {
			st.Pending.Add(1)
			continue
		}
		log := a.log.With("watcher", al.Watcher, "channel", al.Channel, "alert", al.ID, "url", al.URL)
		ts, err := a.send(ctx, al)
		switch {
		case err == nil:
			st.Sent.Add(1)
			if err := a.store.MarkSent(ctx, al.ID, ts); err != nil {
				log.Error("alert sent, but recording it failed", "error", err)
			}
		case bot.IsPermanent(err):
			st.SendErrs.Add(1)
			log.Error("alert not deliverable, parked as failed", "error", err)
			if err := a.store.MarkFailed(context.WithoutCancel(ctx), al.ID, err.Error(), true); err != nil {
				log.Error("recording the failure failed", "error", err)
			}
			var pe *bot.PermanentError
			if errors.As(err, &pe) && (pe.Reason == "invalid_auth" || pe.Reason == "token_revoked" ||
				pe.Reason == "not_authed" || pe.Reason == "account_inactive" || pe.Reason == "token_expired") {
				a.stopSending = pe.Reason
				log.Error("stopping all sending until the token is fixed", "reason", pe.Reason)
				return
			}
		default:
			st.SendErrs.Add(1)
			st.Pending.Add(1)
			blocked[al.Channel] = true
			log.Warn("alert not sent, will retry", "error", err)
			if err := a.store.MarkFailed(context.WithoutCancel(ctx), al.ID, err.Error(), false); err != nil {
				log.Error("recording the failure failed", "error", err)
			}
		}
	}
}

// send tries an alert a few times, waiting as Slack asks on a rate limit
// and with jittered exponential backoff otherwise.
func (a *App) send(ctx context.Context, al *news.Alert) (string, error) {
	var err error
	for attempt := 0; attempt < sendAttempts; attempt++ {
		var ts string
		ts, err = a.notifier.Send(ctx, al)
		if err == nil || bot.IsPermanent(err) {
			return ts, err
		}
		if attempt == sendAttempts-1 {
			break
		}
		wait, ok := bot.RetryAfter(err)
		if !ok {
			d := backoffBase << attempt
			wait = min(d/2+rand.N(d/2+1), backoffMax)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return "", err
		}
	}
	return "", err
}
