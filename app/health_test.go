package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestStaleAfter(t *testing.T) {
	hours := func(hs ...float64) []time.Duration {
		var out []time.Duration
		for _, h := range hs {
			out = append(out, time.Duration(h*float64(time.Hour)))
		}
		return out
	}
	tests := []struct {
		gaps  []time.Duration
		want  time.Duration
		known bool
	}{
		{hours(1, 1, 1), 0, false}, // too little history
		{hours(1, 1, 1, 1, 1, 1, 1, 1), 6 * time.Hour, true},
		{hours(0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1), 2 * time.Hour, true}, // at least minStale
		// A newsroom quiet at night: the night is the longest spell.
		{hours(0.25, 0.5, 0.25, 9, 0.25, 0.5, 0.25, 0.25, 0.5), 18 * time.Hour, true},
	}
	for _, tt := range tests {
		got, known := staleAfter(tt.gaps)
		if got != tt.want || known != tt.known {
			t.Errorf("staleAfter(%v) = %v, %v; want %v, %v", tt.gaps, got, known, tt.want, tt.known)
		}
	}
}

// A feed that usually has something new every hour and then has nothing
// for two days is reported to the ops channel once, and once again when
// it has new items.
func TestStaleSourceToOps(t *testing.T) {
	a, site, slack := newTestApp(t, "@hourly")
	a.cfg.Slack.OpsChannel = "#ops"
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
		a.Tick(ctx, a.watchers, &Stats{})
		clock = clock.Add(time.Hour)
		n++
	}
	if got := ops(); len(got) != 0 {
		t.Fatalf("ops heard %q while the feed was fresh", got)
	}
	for range 8 { // then nothing for 2 days, checked every 6 h
		clock = clock.Add(6 * time.Hour)
		a.Tick(ctx, a.watchers, &Stats{})
	}
	got := ops()
	if len(got) != 1 || !strings.Contains(got[0], "source rundschau") || !strings.Contains(got[0], "nothing new for") ||
		!strings.Contains(got[0], "usually has something new every 1 h") {
		t.Fatalf("after two quiet days ops heard %q, want one notice", got)
	}
	site.Set("/rss/politik.xml", feed(n))
	a.Tick(ctx, a.watchers, &Stats{})
	a.Tick(ctx, a.watchers, &Stats{})
	if got := ops(); len(got) != 2 || !strings.Contains(got[1], "has new items again") {
		t.Errorf("after a new item ops heard %q, want one more notice", got)
	}
}
