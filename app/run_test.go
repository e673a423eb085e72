package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/internal/fakeslack"
	"github.com/newsbot/newsbot/internal/testsite"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/pipeline"
)

// testConfig is the tests' config: a store in dir, the fake Slack, the
// test site's feed, and one watcher, nahost, for Syrien on schedule.
// slackKeys and httpKeys add keys to those sections (", key: value").
func testConfig(dir string, slack *fakeslack.Server, site *testsite.Site, schedule, slackKeys, httpKeys string) string {
	return fmt.Sprintf(`
storage: %s
first_run: skip
slack: {token: xoxb-t, api_url: %q, channel: "#news"%s}
http: {host_interval: 0s%s}
sources:
  - {name: rundschau, url: "%s/rss/politik.xml"}
watchers:
  - {name: nahost, schedule: %q, sources: [rundschau], keywords: [Syrien]}
`, filepath.Join(dir, "n.db"), slack.APIURL(), slackKeys, httpKeys, site.URL, schedule)
}

// runDaemon runs d until the test ends, and returns once its app is open.
func runDaemon(t testing.TB, d *Daemon) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "the daemon's app", func() bool { return d.app.Load() != nil && d.metrics != nil })
}

// newTestApp is an app on testConfig; slackKeys add keys to the slack
// section (", key: value").
func newTestApp(t *testing.T, schedule string, slackKeys ...string) (*App, *testsite.Site, *fakeslack.Server) {
	t.Helper()
	site := testsite.Serve(t, "../testdata/site")
	slack := fakeslack.New(t)
	a := appOf(t, testConfig(t.TempDir(), slack, site, schedule, strings.Join(slackKeys, ""), ""), Options{})
	return a, site, slack
}

// appOf is an app of the config, closed when the test ends; opts.Logger
// defaults to none.
func appOf(t testing.TB, yaml string, opts Options) *App {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := pipeline.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a, err := New(context.Background(), cfg, ws, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Run checks at start, then on the schedule, and returns promptly when
// its context ends.
func TestRunSchedulesAndStops(t *testing.T) {
	t.Setenv(config.MinIntervalEnv, "1s")
	a, site, slack := newTestApp(t, "@every 1s")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()

	// The start-up check primes the source (first_run: skip): no alert.
	waitFor(t, "the first check", func() bool { return site.Hits("/rss/politik.xml") >= 1 })

	// A new article appears; a scheduled tick alerts on it.
	feed, err := os.ReadFile("../testdata/site/rss/politik.xml")
	if err != nil {
		t.Fatal(err)
	}
	item := `<item><title>Neue Gespräche über Syrien</title><link>{{BASE}}/neu.html</link><guid>neu</guid>
<description>In Genf beginnen neue Gespräche über Syrien.</description></item>`
	site.Fail("/neu.html", 404)
	waitFor(t, "the start-up check to finish", func() bool {
		ok, _ := a.store.Primed(context.Background(), "nahost", "rundschau")
		return ok
	})
	if n := len(slack.Messages()); n != 0 {
		t.Fatalf("first check alerted %d times with first_run: skip", n)
	}
	site.Set("/rss/politik.xml", strings.Replace(string(feed), "<item>", item+"<item>", 1))
	waitFor(t, "a scheduled tick to alert on the new article", func() bool { return len(slack.Messages()) == 1 })

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v", err)
		}
	case <-time.After(ShutdownGrace + 5*time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if n := len(slack.Messages()); n != 1 {
		t.Errorf("%d alerts sent in all, want 1", n)
	}
}

// In run, a channel Slack rate-limits gets its alert as soon as the
// Retry-After has passed, not at the next minute's retry.
func TestRunRetriesAfterRateLimit(t *testing.T) {
	a, _, slack := newTestApp(t, "@hourly")
	slack.RateLimit["#news"] = 1
	al := &news.Alert{Watcher: "nahost", Channel: "#news", URL: "https://rr.example/a.html", Title: "Waffenruhe in Syrien", Found: time.Now()}
	if err := a.store.RecordAlert(context.Background(), al, []string{al.URL}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	start := time.Now()
	waitFor(t, "the alert after the rate limit", func() bool { return len(slack.Messages()) == 1 })
	if took := time.Since(start); took < time.Second || took > 10*time.Second {
		t.Errorf("the alert went out %v after start, want just after the 1 s Retry-After", took)
	}
	cancel()
	<-done
}

// A channel Slack rate-limits rests; the alerts of other channels, found
// after its own, go out meanwhile.
func TestRateLimitedChannelDoesNotHoldOthers(t *testing.T) {
	a, _, slack := newTestApp(t, "@hourly")
	slack.RateLimit["#a"] = 2
	for i, ch := range []string{"#a", "#b", "#a", "#b"} {
		al := &news.Alert{Watcher: "nahost", Channel: ch, URL: fmt.Sprintf("https://rr.example/%d.html", i), Title: fmt.Sprintf("Meldung %d", i), Found: time.Now()}
		if err := a.store.RecordAlert(context.Background(), al, []string{al.URL}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	st, err := a.Once(context.Background(), "", 30*time.Second)
	if err != nil || st.Pending.Load() != 0 {
		t.Fatalf("once: %v, %d pending", err, st.Pending.Load())
	}
	var b, first time.Duration
	var order []string
	for _, m := range slack.Messages() {
		order = append(order, m.Channel+" "+m.Text)
		if m.Channel == "#b" {
			b = max(b, m.At.Sub(start))
		}
		if m.Channel == "#a" && first == 0 {
			first = m.At.Sub(start)
		}
	}
	if b >= first || first < 2*time.Second {
		t.Errorf("#b done after %v, #a's first after %v; want #b done while #a rests its 2 s\n%s", b, first, strings.Join(order, "\n"))
	}
	if len(order) != 4 || !strings.Contains(order[2], "Meldung 0") || !strings.Contains(order[3], "Meldung 2") {
		t.Errorf("order:\n%s\nwant #b's two, then #a's in the order found", strings.Join(order, "\n"))
	}
}

// A daemon says a source's failure with its cause at the first tick, in
// brief at the next while the cause is the same; each tick's line says
// when the next one is.
func TestDaemonSaysFailuresOnceAndTheNextTick(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg, err := config.Parse("test.yaml", []byte(fmt.Sprintf(`storage: %q
slack: {channel: "#c"}
http: {host_interval: 0s}
sources:
  - {name: weg, url: "http://%s/feed.xml"}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [weg], keywords: [Syrien]}
`, filepath.Join(t.TempDir(), "newsbot.db"), addr)))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := pipeline.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var logs strings.Builder
	a, err := New(context.Background(), cfg, ws, Options{Logger: slog.New(slog.NewTextHandler(lockedBuilder{&mu, &logs}, nil)), Stdout: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	a.tick(ctx, ws, "start")
	a.tick(ctx, ws, "@hourly")
	mu.Lock()
	defer mu.Unlock()
	out := logs.String()
	first := strings.Index(out, `msg="source failed: connection refused by `+addr)
	again := strings.Index(out, `msg="source still failing: connection refused by `+addr)
	if first < 0 || again < first || strings.Count(out, "source failed:") != 1 {
		t.Errorf("want the failure with its cause once, then in brief:\n%s", out)
	}
	if strings.Count(out, "tick done:") != 2 || strings.Count(out, " next=") != 2 {
		t.Errorf("each tick's line should say when the next is:\n%s", out)
	}
}

type lockedBuilder struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (l lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
