package pipeline

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/news"
)

// items is a source's list of n items, one every gap, the newest first
// published at newest.
func items(n int, gap time.Duration, newest time.Time) []news.Item {
	var out []news.Item
	for i := range n {
		out = append(out, news.Item{URL: fmt.Sprintf("https://rr.example/%d", i), Published: newest.Add(-time.Duration(i) * gap)})
	}
	return out
}

func pollPipeline(t *testing.T, polling string) (*Pipeline, []*Watcher) {
	t.Helper()
	cfg, err := config.Parse("c.yaml", []byte(polling+`
sources:
  - {name: ticker, url: "https://rr.example/ticker.xml"}
  - {name: weekly, url: "https://rr.example/weekly.xml"}
  - {name: cached, url: "https://rr.example/cached.xml"}
watchers:
  - {name: hourly, schedule: "@hourly", sources: [ticker, weekly, cached], keywords: [Syrien], channel: "#c"}
`))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &Pipeline{Config: cfg}, ws
}

// A source's interval is half the time between its items, no longer than
// its watchers' schedule and no shorter than polling.fastest; a source
// due early is checked before its watchers' tick, and not before its
// server says its last answer may have changed.
func TestAdaptiveInterval(t *testing.T) {
	p, ws := pollPipeline(t, "polling: {fastest: 2m}")
	now := time.Date(2026, 12, 6, 12, 10, 0, 0, time.UTC)
	readers := readersOf(ws)
	p.checkedSource(readers["ticker"], "ticker", items(30, 10*time.Minute, now.Add(-5*time.Minute)), true, time.Time{}, now)
	p.checkedSource(readers["weekly"], "weekly", items(5, 36*time.Hour, now.Add(-time.Hour)), true, time.Time{}, now)
	p.checkedSource(readers["cached"], "cached", items(30, time.Minute, now), true, now.Add(30*time.Minute), now)

	polls := map[string]Poll{}
	for _, pl := range p.Polls(ws, now) {
		polls[pl.Source] = pl
	}
	if pl := polls["ticker"]; pl.Interval < 4*time.Minute || pl.Interval > 6*time.Minute || !strings.Contains(pl.Why, "publishes about every 10 min") {
		t.Errorf("a source publishing every 10 min: %+v, want about 5 min", pl)
	}
	if pl := polls["weekly"]; pl.Interval != time.Hour || !strings.HasPrefix(pl.Why, "its watchers' schedule") {
		t.Errorf("a source publishing every day and a half: %+v, want the schedule's hour", pl)
	}
	if pl := polls["cached"]; pl.Interval != 2*time.Minute || !strings.HasPrefix(pl.Why, "polling.fastest") || !pl.Next.Equal(now.Add(30*time.Minute)) {
		t.Errorf("a source publishing every minute, fresh for 30 min: %+v, want polling.fastest, next when its server says", pl)
	}

	next := now.Add(50 * time.Minute) // the hourly tick
	if due := p.Due(ws, now.Add(time.Minute), next); due != nil {
		t.Errorf("a minute later, due: %v, want none", sourcesOf(due))
	}
	due := p.Due(ws, now.Add(6*time.Minute), next)
	if got := sourcesOf(due); got != "ticker" {
		t.Errorf("six minutes later, due: %q, want ticker alone", got)
	}
	if got := sourcesOf(p.Due(ws, now.Add(31*time.Minute), next)); got != "ticker,cached" {
		t.Errorf("31 minutes later, due: %q, want ticker and cached", got)
	}
	// The tick comes within half polling.fastest: nothing early.
	if due := p.Due(ws, now.Add(31*time.Minute), now.Add(31*time.Minute+30*time.Second)); due != nil {
		t.Errorf("just before the tick, due: %v, want none", sourcesOf(due))
	}
	// The copy shares the watcher's lock.
	if len(due) != 1 || due[0].mu != ws[0].mu || due[0].Name != "hourly" {
		t.Errorf("early check: %+v", due)
	}

	off, ws := pollPipeline(t, "polling: {adaptive: false}")
	off.checkedSource(readersOf(ws)["ticker"], "ticker", items(30, time.Minute, now), true, time.Time{}, now)
	if due := off.Due(ws, now.Add(10*time.Minute), now.Add(50*time.Minute)); due != nil {
		t.Errorf("adaptive polling off, due: %v", sourcesOf(due))
	}
}

func sourcesOf(ws []*Watcher) string {
	var names []string
	for _, w := range ws {
		for _, src := range w.sources {
			names = append(names, src.Name)
		}
	}
	return strings.Join(names, ",")
}

// A source's rate comes from the dates of the items it lists of the last
// week: undated items, and dates in the future, say nothing.
func TestPublishingGap(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	if g := publishingGap(items(12, 5*time.Minute, now), now); g < 4*time.Minute || g > 6*time.Minute {
		t.Errorf("12 items 5 min apart: %v", g)
	}
	if g := publishingGap([]news.Item{{URL: "a"}, {URL: "b"}, {URL: "c"}}, now); g != 0 {
		t.Errorf("undated items: %v, want not known", g)
	}
	future := items(3, time.Minute, now.Add(24*time.Hour))
	if g := publishingGap(future, now); g != 0 {
		t.Errorf("items dated tomorrow: %v, want not known", g)
	}
	// A source that stopped publishing a while ago publishes less often
	// than its items' spacing says.
	if g := publishingGap(items(10, time.Minute, now.Add(-3*time.Hour)), now); g < 18*time.Minute {
		t.Errorf("10 items a minute apart, three hours ago: %v, want the silence to count", g)
	}
}
