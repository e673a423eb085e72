package deliver_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/deliver"
	"github.com/newsbot/newsbot/news"
)

// outbox is an outbox in memory, whose claims can fail.
type outbox struct {
	mu       sync.Mutex
	pending  []*news.Alert
	sent     map[int64]string
	failed   map[int64]news.Failure
	claimErr error
}

func (o *outbox) Pending(context.Context) ([]*news.Alert, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []*news.Alert
	for _, a := range o.pending {
		if _, done := o.sent[a.ID]; !done && o.failed[a.ID] != news.Permanent {
			c := *a
			out = append(out, &c)
		}
	}
	return out, nil
}

func (o *outbox) Claim(context.Context, *news.Alert) (bool, error) {
	return o.claimErr == nil, o.claimErr
}

func (o *outbox) MarkSent(_ context.Context, id int64, ts string, _ time.Duration) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent[id] = ts
	return nil
}

func (o *outbox) MarkFailed(_ context.Context, id int64, _ string, f news.Failure) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.failed[id] = f
	return nil
}

// notifier answers each send with the next of its errors (nil: posted),
// and records the notices.
type notifier struct {
	errs    []error
	sends   int
	notices []string
}

func (n *notifier) Send(_ context.Context, a *news.Alert) (string, error) {
	n.sends++
	if len(n.errs) > 0 {
		err := n.errs[0]
		n.errs = n.errs[1:]
		if err != nil {
			return "", err
		}
	}
	return "ts", nil
}

func (n *notifier) Notice(_ context.Context, channel, text string) error {
	n.notices = append(n.notices, channel+": "+text)
	return nil
}

func newDeliverer(n *notifier, alerts ...*news.Alert) (*deliver.Deliverer, *outbox) {
	o := &outbox{pending: alerts, sent: map[int64]string{}, failed: map[int64]news.Failure{}}
	return &deliver.Deliverer{Outbox: o, Notifier: n, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), OpsChannel: "#ops"}, o
}

func alerts(channels ...string) []*news.Alert {
	var out []*news.Alert
	for i, ch := range channels {
		out = append(out, &news.Alert{ID: int64(i + 1), Watcher: "nahost", Channel: ch, URL: "https://rr.example/a.html", Found: time.Now()})
	}
	return out
}

// A claim the store cannot make leaves the alert pending and rests its
// channel; the others go on.
func TestClaimFailureKeepsTheAlert(t *testing.T) {
	d, o := newDeliverer(&notifier{}, alerts("#a", "#b")...)
	o.claimErr = errors.New("database is locked")
	r, err := d.Deliver(context.Background())
	if err != nil || r.Sent != 0 || r.Pending != 2 {
		t.Fatalf("with claims failing: %+v, %v; want both pending", r, err)
	}
	if next := d.NextReady(time.Now().Add(time.Hour)); !next.Before(time.Now().Add(time.Minute)) {
		t.Errorf("a channel whose claim failed rests until %v, want a few seconds", next)
	}
	o.claimErr = nil
	if r, _ := d.Deliver(context.Background()); r.Sent != 0 || r.Pending != 2 {
		t.Errorf("at once after: %+v; want the channels still resting", r)
	}
}

// Each kind of failed send has its remedy: a permanent one parks the
// alert and tells ops, a rate limit rests the channel as long as Slack
// asked (and wakes the daemon then), a stop ends all sending, and a send
// that may have been posted is marked so.
func TestFailedSendsByKind(t *testing.T) {
	for _, tt := range []struct {
		name    string
		err     error
		failure news.Failure
		pending int
		stopped bool
		wake    time.Duration
		ops     bool
	}{
		{"permanent", &bot.SendError{Kind: bot.Permanent, Reason: "channel_not_found", Err: errors.New("channel_not_found")}, news.Permanent, 0, false, 0, true},
		{"rate limited", &bot.SendError{Kind: bot.RateLimited, RetryAfter: 7 * time.Second, Err: errors.New("ratelimited")}, news.Retry, 1, false, 7 * time.Second, false},
		{"stop", &bot.SendError{Kind: bot.Stop, Reason: "invalid_auth", Err: errors.New("invalid_auth")}, news.Retry, 2, true, 0, false},
		// Slack did not answer: the next delivery looks in the channel,
		// later than Slack may take to show what it took.
		{"unsure", &bot.SendError{Kind: bot.Unsure, Err: errors.New("context deadline exceeded")}, news.Unsure, 1, false, 40 * time.Second, false},
		// Slack answered 500: what it took is there now; look after the
		// channel's usual rest.
		{"server error", &bot.SendError{Kind: bot.Unsure, Reason: "500 Internal Server Error", Err: errors.New("500")}, news.Unsure, 1, false, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := &notifier{errs: []error{tt.err}}
			d, o := newDeliverer(n, alerts("#a", "#b")[:1+boolInt(tt.stopped)]...)
			d.LookAfter = 40 * time.Second
			var woken time.Duration
			d.SetWake(func(after time.Duration) { woken = after })
			r, err := d.Deliver(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if f, ok := o.failed[1]; !ok || f != tt.failure {
				t.Errorf("recorded %v (%v), want %v", f, ok, tt.failure)
			}
			if r.Pending != tt.pending || (d.Stopped() != "") != tt.stopped || r.Errors != 1-boolInt(tt.name == "rate limited") {
				t.Errorf("result %+v, stopped %q; want %d pending, stopped %v", r, d.Stopped(), tt.pending, tt.stopped)
			}
			if woken != tt.wake {
				t.Errorf("woken after %v, want %v", woken, tt.wake)
			}
			if (len(n.notices) > 0) != tt.ops {
				t.Errorf("ops heard %q", n.notices)
			}
			if (tt.stopped || tt.failure == news.Unsure) && n.sends != 1 {
				t.Errorf("%d sends, want the first alone", n.sends)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// What comes due is made first, under the delivery's lock: a digest
// made by Prepare goes out in the same delivery.
func TestPrepareRunsFirst(t *testing.T) {
	d, o := newDeliverer(&notifier{})
	d.Prepare = func(context.Context) int {
		o.pending = append(o.pending, alerts("#a")...)
		return 1
	}
	r, err := d.Deliver(context.Background())
	if err != nil || r.Sent != 1 || r.StoreErrors != 1 {
		t.Errorf("%+v, %v; want the prepared alert sent and the store failure counted", r, err)
	}
}
