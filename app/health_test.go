package app

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/pipeline"
)

// A feed that usually has something new every hour and then has nothing
// for two days is reported to the ops channel once, and once again when
// it has new items.
func TestStaleSourceToOps(t *testing.T) {
	a, site, slack := newTestApp(t, "@hourly", `, ops_channel: "#ops"`)
	clock := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	a.now = func() time.Time { return clock }
	feed := func(n int) string {
		var items strings.Builder
		for i := range n {
			fmt.Fprintf(&items, `<item><title>Meldung %d</title><link>{{BASE}}/m/%d.html</link><description>Wetter</description></item>`, i, i)
		}
		return `<?xml version="1.0"?><rss version="2.0"><channel><title>Kurier</title>` + items.String() + `</channel></rss>`
	}
	ops := func() []string {
		var out []string
		for _, m := range slack.Messages() {
			if m.Channel == "#ops" {
				out = append(out, m.Text)
			}
		}
		return out
	}
	ctx := context.Background()
	n := 1
	for range 12 { // a new item every hour
		site.Set("/rss/politik.xml", feed(n))
		a.Tick(ctx, a.watchers, &pipeline.Stats{})
		clock = clock.Add(time.Hour)
		n++
	}
	if got := ops(); len(got) != 0 {
		t.Fatalf("ops heard %q while the feed was fresh", got)
	}
	for range 8 { // then nothing for 2 days, checked every 6 h
		clock = clock.Add(6 * time.Hour)
		a.Tick(ctx, a.watchers, &pipeline.Stats{})
	}
	got := ops()
	if len(got) != 1 || !strings.Contains(got[0], "source rundschau") || !strings.Contains(got[0], "nothing new for") ||
		!strings.Contains(got[0], "usually has something new every 1 h") {
		t.Fatalf("after two quiet days ops heard %q, want one notice", got)
	}
	site.Set("/rss/politik.xml", feed(n))
	a.Tick(ctx, a.watchers, &pipeline.Stats{})
	a.Tick(ctx, a.watchers, &pipeline.Stats{})
	if got := ops(); len(got) != 2 || !strings.Contains(got[1], "has new items again") {
		t.Errorf("after a new item ops heard %q, want one more notice", got)
	}
}

// A watcher whose matches in the last hour are far more than usual at
// this time of day tells its channel once, with the most reported
// stories first.
func TestSpike(t *testing.T) {
	a, _, slack := newTestApp(t, "@hourly")
	w := a.watchers[0]
	w.Spike = &config.Spike{Window: config.Duration(time.Hour), Factor: 3, Min: 5}
	ctx := context.Background()
	record := func(i int, ago time.Duration, also int) {
		al := &news.Alert{Watcher: w.Name, Channel: w.Channel, Source: "rundschau", URL: fmt.Sprintf("https://rr.example/%d.html", i),
			Title: fmt.Sprintf("Meldung %d", i), Summary: "Die Lage in Syrien bleibt angespannt.", Terms: []string{"Syrien"}, Found: time.Now()}
		for j := range also {
			al.Also = append(al.Also, news.Also{Source: fmt.Sprintf("Outlet %d", j), URL: fmt.Sprintf("https://o%d.example/", j)})
		}
		if err := a.store.RecordAlert(ctx, al, []string{al.URL}); err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("sqlite", a.cfg.Storage+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`UPDATE alerts SET status = 'sent', created_at = ? WHERE id = ?`, time.Now().Add(-ago).Unix(), al.ID); err != nil {
			t.Fatal(err)
		}
	}
	record(0, 2*24*time.Hour+10*time.Minute, 0) // the usual: one match at this time two days ago
	for i := 1; i <= 4; i++ {
		record(i, time.Duration(i)*time.Minute, 0)
	}
	st := &pipeline.Stats{}
	a.Tick(ctx, a.watchers, st)
	if n := len(slack.Messages()); n != 0 {
		t.Fatalf("4 matches (fewer than spike.min) made %d messages", n)
	}
	record(5, 5*time.Minute, 2)
	record(6, 6*time.Minute, 0)
	a.Tick(ctx, a.watchers, st)
	msgs := slack.Messages()
	if len(msgs) != 1 {
		t.Fatalf("6 matches against a usual of 0.1: %d messages, want one spike", len(msgs))
	}
	text := msgs[0].BlockText()
	if !strings.Contains(text, ":chart_with_upwards_trend: *Spike: 6 matches for nahost in the last 1 h") ||
		!strings.Contains(msgs[0].Text, "[nahost] Spike: 6 matches") {
		t.Errorf("spike message:\n%s\n%s", msgs[0].Text, text)
	}
	if i, j := strings.Index(text, "Meldung 5"), strings.Index(text, "Meldung 6"); i < 0 || j < 0 || i > j {
		t.Errorf("the story three outlets ran should come first:\n%s", text)
	}
	record(7, time.Minute, 0)
	a.Tick(ctx, a.watchers, st)
	if n := len(slack.Messages()); n != 1 {
		t.Errorf("the same spike was told %d times", n)
	}
	// Two hours on, the last hour had no match: the spike is over, said
	// once in its thread.
	later := time.Now().Add(2 * time.Hour)
	a.now = func() time.Time { return later }
	for range 2 {
		a.Tick(ctx, a.watchers, st)
	}
	msgs = slack.Messages()
	if len(msgs) != 2 || msgs[1].ThreadTS != msgs[0].TS ||
		!strings.Contains(msgs[1].BlockText(), ":chart_with_downwards_trend: *Spike over: 0 matches for nahost in the last 1 h") {
		t.Errorf("after the spike: %d messages, want one reply that it is over: %+v", len(msgs), msgs[1:])
	}
}

// A watcher that is always busy at this hour of the week (Monday
// mornings) has no spike when it is busy again, though it would be one
// against the other days at this time.
func TestSpikeByHourOfWeek(t *testing.T) {
	a, _, slack := newTestApp(t, "@hourly")
	w := a.watchers[0]
	w.Spike = &config.Spike{Window: config.Duration(time.Hour), Factor: 3, Min: 5}
	ctx := context.Background()
	db, err := sql.Open("sqlite", a.cfg.Storage+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	i := 0
	record := func(ago time.Duration) {
		i++
		al := &news.Alert{Watcher: w.Name, Channel: w.Channel, Source: "rundschau", URL: fmt.Sprintf("https://rr.example/%d.html", i),
			Title: fmt.Sprintf("Meldung %d", i), Terms: []string{"Syrien"}, Found: time.Now()}
		if err := a.store.RecordAlert(ctx, al, []string{al.URL}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE alerts SET status = 'sent', created_at = ? WHERE id = ?`, time.Now().Add(-ago).Unix(), al.ID); err != nil {
			t.Fatal(err)
		}
	}
	week := 7 * 24 * time.Hour
	for k := 1; k <= 3; k++ {
		for range 3 {
			record(time.Duration(k)*week + 10*time.Minute)
		}
	}
	for range 6 {
		record(5 * time.Minute)
	}
	st := &pipeline.Stats{}
	a.Tick(ctx, a.watchers, st)
	if n := len(slack.Messages()); n != 0 {
		t.Errorf("6 matches at an hour of the week that usually has 3: %d messages, want none", n)
	}
	// Twice as many are a spike, against the usual at this hour of the week.
	for range 6 {
		record(5 * time.Minute)
	}
	a.Tick(ctx, a.watchers, st)
	if msgs := slack.Messages(); len(msgs) != 1 || !strings.Contains(msgs[0].BlockText(), "the usual 3.0 at this hour of the week") {
		t.Errorf("12 matches against a usual of 3: %+v", msgs)
	}
}
