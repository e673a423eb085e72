package bot_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
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
			if bot.IsStop(err) {
				got = "stop"
			} else if bot.IsPermanent(err) {
				got = "permanent"
			} else if d, ok := bot.RetryAfter(err); ok {
				got = "rate"
				if d != 7*time.Second {
					t.Errorf("Retry-After %v, want 7s", d)
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
	if _, err := wh.Send(context.Background(), syriaAlert()); err == nil || strings.Contains(err.Error(), "secret") || bot.IsStop(err) {
		t.Errorf("unreachable webhook: %v", err)
	}
}
