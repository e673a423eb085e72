package bot_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/internal/fakeslack"
)

// Slack's answers to an incoming webhook, and what newsbot makes of them.
func TestWebhookErrors(t *testing.T) {
	tests := []struct {
		status     int
		body       string
		retryAfter string
		want       string // "stop", "permanent", "retry", "rate"
	}{
		{http.StatusNotFound, "no_service", "", "stop"},
		{http.StatusForbidden, "invalid_token", "", "stop"},
		{http.StatusGone, "channel_is_archived", "", "stop"},
		{http.StatusBadRequest, "invalid_payload", "", "permanent"},
		{http.StatusInternalServerError, "rollup_error", "", "retry"},
		{http.StatusTooManyRequests, "rate_limited", "7", "rate"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				http.Error(w, tt.body, tt.status)
			}))
			defer srv.Close()
			wh := bot.NewWebhook(srv.URL+"/services/T1/B1/secret", 5*time.Second)
			_, err := wh.Send(context.Background(), syriaAlert())
			if err == nil {
				t.Fatal("no error")
			}
			got := "retry"
			switch se := bot.Classify(err); se.Kind {
			case bot.Stop:
				got = "stop"
			case bot.Permanent:
				got = "permanent"
			case bot.RateLimited:
				got = "rate"
				if se.RetryAfter != 7*time.Second {
					t.Errorf("Retry-After %v, want 7s", se.RetryAfter)
				}
			}
			if got != tt.want {
				t.Errorf("%d %s: %s (%v), want %s", tt.status, tt.body, got, err, tt.want)
			}
			if tt.want != "rate" && !strings.Contains(err.Error(), tt.body) {
				t.Errorf("the error %q does not say Slack's reason %q", err, tt.body)
			}
		})
	}
	// A webhook that cannot be reached: the error does not give the
	// secret in its URL away.
	wh := bot.NewWebhook("http://127.0.0.1:1/services/T1/B1/secret", time.Second)
	if _, err := wh.Send(context.Background(), syriaAlert()); err == nil || strings.Contains(err.Error(), "secret") || bot.Classify(err).Kind == bot.Stop {
		t.Errorf("unreachable webhook: %v", err)
	}
}

// A send that failed may have posted the message only when the request
// went out and no answer said no.
func TestMaybePosted(t *testing.T) {
	fs := fakeslack.New(t)
	fs.Refuse["#nahost"] = "channel_not_found"
	s := bot.NewSlack("xoxb-test", fs.APIURL(), 5*time.Second)
	_, refused := s.Send(context.Background(), syriaAlert())

	fs2 := fakeslack.New(t)
	fs2.HangNext = 1
	_, timedOut := bot.NewSlack("xoxb-test", fs2.APIURL(), 300*time.Millisecond).Send(context.Background(), syriaAlert())

	_, unreachable := bot.NewSlack("xoxb-test", "http://127.0.0.1:1/api/", time.Second).Send(context.Background(), syriaAlert())

	fs3 := fakeslack.New(t)
	fs3.FailNext = 1
	_, status500 := bot.NewSlack("xoxb-test", fs3.APIURL(), time.Second).Send(context.Background(), syriaAlert())

	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"ok:false", refused, false},
		{"timeout", timedOut, true},
		{"connection refused", unreachable, false},
		{"500", status500, true},
	} {
		if tt.err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if got := bot.Classify(tt.err).Kind == bot.Unsure; got != tt.want {
			t.Errorf("Classify(%s: %v) = %v: perhaps posted %v, want %v", tt.name, tt.err, bot.Classify(tt.err).Kind, got, tt.want)
		}
	}
}
