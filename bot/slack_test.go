package bot_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/internal/fakeslack"
)

func TestSlackSend(t *testing.T) {
	fs := fakeslack.New(t)
	s := bot.NewSlack("xoxb-test", fs.APIURL(), 5*time.Second)
	a := syriaAlert()
	ts, err := s.Send(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	msgs := fs.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages posted, want 1", len(msgs))
	}
	m := msgs[0]
	if ts != m.TS {
		t.Errorf("Send returned ts %q, Slack gave %q", ts, m.TS)
	}
	if m.Channel != "#nahost" || m.Token != "xoxb-test" {
		t.Errorf("posted to %q with token %q", m.Channel, m.Token)
	}
	if m.UnfurlLinks != "false" || m.UnfurlMedia != "false" {
		t.Errorf("unfurl_links=%q unfurl_media=%q, want both false", m.UnfurlLinks, m.UnfurlMedia)
	}
	if m.Text != bot.Fallback(a) {
		t.Errorf("text = %q, want the fallback %q", m.Text, bot.Fallback(a))
	}
	payload, _ := m.Metadata["event_payload"].(map[string]any)
	if m.Metadata["event_type"] != "newsbot_alert" || payload["alert_id"] != float64(42) || payload["watcher"] != "nahost" {
		t.Errorf("metadata = %v, want event_type newsbot_alert with alert_id 42", m.Metadata)
	}
	for _, want := range texts(t, bot.Blocks(a)) {
		want = strings.TrimPrefix(want, "context: ")
		if !strings.Contains(m.BlockText(), want) {
			t.Errorf("posted blocks lack %q:\n%s", want, m.BlockText())
		}
	}
}

func TestSlackSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		refuse    string // the Slack error the channel answers with
		failNext  int
		permanent bool // this alert can never be sent
		stop      bool // no alert can be sent until the config changes
	}{
		{name: "channel_not_found", refuse: "channel_not_found", permanent: true},
		{name: "not_in_channel", refuse: "not_in_channel", permanent: true},
		{name: "is_archived", refuse: "is_archived", permanent: true},
		{name: "invalid_auth", refuse: "invalid_auth", stop: true},
		{name: "token_revoked", refuse: "token_revoked", stop: true},
		{name: "msg_too_long", refuse: "msg_too_long", permanent: true},
		{name: "internal_error", refuse: "internal_error"},
		{name: "HTTP 500", failNext: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := fakeslack.New(t)
			fs.FailNext = tt.failNext
			if tt.refuse != "" {
				fs.Refuse["#nahost"] = tt.refuse
			}
			_, err := bot.NewSlack("xoxb-test", fs.APIURL(), 5*time.Second).Send(context.Background(), syriaAlert())
			if err == nil {
				t.Fatal("Send succeeded")
			}
			se := bot.Classify(err)
			if got := se.Kind == bot.Permanent; got != tt.permanent {
				t.Errorf("Classify(%v) = %v: permanent %v, want %v", err, se.Kind, got, tt.permanent)
			}
			if got := se.Kind == bot.Stop; got != tt.stop {
				t.Errorf("Classify(%v) = %v: stop %v, want %v", err, se.Kind, got, tt.stop)
			}
			if se.Kind == bot.RateLimited {
				t.Errorf("Classify(%v): rate limited for %v, want no rate limit", err, se.RetryAfter)
			}
			if !strings.Contains(err.Error(), "#nahost") {
				t.Errorf("error %q does not name the channel", err)
			}
			if (tt.permanent || tt.stop) && se.Reason != tt.refuse {
				t.Errorf("error %v: reason %q, want %q", err, se.Reason, tt.refuse)
			}
			if len(fs.Messages()) != 0 {
				t.Error("a refused message was recorded")
			}
		})
	}
}

func TestSlackSendRateLimited(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		want       time.Duration
		ok         bool
	}{
		{"Retry-After 30", "30", 30 * time.Second, true},
		{"Retry-After 1", "1", time.Second, true},
		{"no Retry-After", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				w.Write([]byte(`{"ok":false,"error":"ratelimited"}`))
			}))
			defer srv.Close()
			_, err := bot.NewSlack("xoxb-test", srv.URL+"/api/", 5*time.Second).Send(context.Background(), syriaAlert())
			if err == nil {
				t.Fatal("Send succeeded against a 429")
			}
			se := bot.Classify(err)
			if se.Kind == bot.Permanent {
				t.Errorf("a rate limit is permanent: %v", err)
			}
			d, ok := se.RetryAfter, se.Kind == bot.RateLimited
			if d != tt.want || ok != tt.ok {
				t.Errorf("RetryAfter(%v) = %v, %v; want %v, %v", err, d, ok, tt.want, tt.ok)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("Slack was called %d times; retrying is the caller's business", n)
			}
		})
	}
}

func TestSlackSendNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/api/"
	srv.Close() // nothing listens there any more
	_, err := bot.NewSlack("xoxb-test", url, 2*time.Second).Send(context.Background(), syriaAlert())
	if err == nil {
		t.Fatal("Send to a closed server succeeded")
	}
	var ne net.Error
	if k := bot.Classify(err).Kind; k == bot.Permanent || k == bot.Stop || !errors.As(err, &ne) {
		t.Errorf("Classify = %v, a net.Error = %v for %v; want neither permanent nor stop, and a net.Error", k, errors.As(err, &ne), err)
	}
}

// A channel that cannot be found by its name (a token without
// channels:read, a private channel the bot is not in) is said so, with
// the scope the token needs, and not asked for again on every alert.
func TestPostedWithoutChannelLookup(t *testing.T) {
	for _, tt := range []struct {
		name, listError, want string
		loops                 bool
	}{
		{"missing scope", "missing_scope", "channels:read", false},
		{"not in the list", "", "not found", false},
		{"a list that never ends", "", "not found", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := fakeslack.New(t)
			fs.ListError, fs.ListLoops = tt.listError, tt.loops
			s := bot.NewSlack("xoxb-test", fs.APIURL(), 5*time.Second)
			for range 3 {
				_, found, err := s.Posted(context.Background(), syriaAlert(), time.Now().Add(-time.Hour))
				if found || err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("Posted = %v, %v; want an error saying %q", found, err, tt.want)
				}
			}
			if n := fs.ListCalls(); n > 2 {
				t.Errorf("conversations.list called %d times, want it asked once", n)
			}
		})
	}
}
