package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/internal/fakeslack"
)

// newsbot run checks a source that publishes often more often than its
// watcher's schedule: an article published after the start-up check is
// alerted within seconds, not at the hourly tick; /newsbot status says
// how often each source is checked, and why.
func TestRunChecksOftenWhatPublishesOften(t *testing.T) {
	t.Setenv(config.MinIntervalEnv, "1s")
	var mu sync.Mutex
	items := []string{}
	add := func(title string, at time.Time) {
		mu.Lock()
		defer mu.Unlock()
		items = append([]string{fmt.Sprintf(`<item><title>%s</title><link>{{BASE}}/%d.html</link><guid>%d</guid><pubDate>%s</pubDate><description>%s, berichten Helfer aus Syrien.</description></item>`,
			title, len(items), len(items), at.UTC().Format(time.RFC1123Z), title)}, items...)
	}
	now := time.Now()
	for i := range 20 {
		add(fmt.Sprintf("Meldung %d", i), now.Add(-time.Duration(20-i)*2*time.Second))
	}
	var quiet sync.Mutex
	quietHits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ticker.xml":
			mu.Lock()
			body := `<?xml version="1.0"?><rss version="2.0"><channel><title>Ticker</title>` + strings.Join(items, "") + `</channel></rss>`
			mu.Unlock()
			w.Write([]byte(strings.ReplaceAll(body, "{{BASE}}", "http://"+r.Host)))
		case "/quiet.xml":
			quiet.Lock()
			quietHits++
			quiet.Unlock()
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Q</title><item><title>Alt</title><link>http://%s/alt.html</link><pubDate>%s</pubDate></item></channel></rss>`,
				r.Host, now.Add(-30*24*time.Hour).UTC().Format(time.RFC1123Z))
		default:
			http.NotFound(w, r) // the article: its feed's text stands in
		}
	}))
	defer srv.Close()
	slack := fakeslack.New(t)
	a := appOf(t, fmt.Sprintf(`
storage: %s
first_run: skip
polling: {fastest: 1s}
slack: {token: xoxb-t, api_url: %q, channel: "#news"}
http: {host_interval: 0s, allow_private_networks: true}
sources:
  - {name: ticker, url: "%s/ticker.xml"}
  - {name: quiet, url: "%s/quiet.xml"}
watchers:
  - {name: nahost, schedule: "@hourly", sources: [ticker, quiet], keywords: [Syrien]}
`, filepath.Join(t.TempDir(), "n.db"), slack.APIURL(), srv.URL, srv.URL), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "the start-up check", func() bool { return a.checked.Load() })
	if n := len(slack.Messages()); n != 0 {
		t.Fatalf("the start-up check alerted %d times with first_run: skip", n)
	}
	runs, err := a.store.WatcherRuns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	add("Neue Gespräche in Genf", time.Now())
	waitFor(t, "an early check to alert on the new item", func() bool { return len(slack.Messages()) == 1 })
	// An early check is not the watcher's run, which status shows.
	if after, err := a.store.WatcherRuns(context.Background()); err != nil || !after["nahost"].Equal(runs["nahost"]) {
		t.Errorf("the watcher's last run moved from %v to %v with an early check", runs["nahost"], after["nahost"])
	}
	if !strings.Contains(slack.Messages()[0].Text, "Neue Gespräche in Genf") {
		t.Errorf("alerted %q", slack.Messages()[0].Text)
	}
	// The quiet source (one item, a month old) waits for the hourly tick.
	quiet.Lock()
	if quietHits != 1 {
		t.Errorf("the quiet source was read %d times, want once, at the start", quietHits)
	}
	quiet.Unlock()

	status := a.status(context.Background(), a.log).Text
	for _, want := range []string{"*Sources checked every:*", "• ticker: 1 s (", "it publishes about every 2 s); next", "• quiet: 1 h (its watchers' schedule: how often it publishes is not known"} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
}
