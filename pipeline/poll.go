package pipeline

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

// Adaptive polling (newsbot run, polling.adaptive): a source that
// publishes often is checked more often than its watchers' schedule, in
// the spirit of Miniflux's entry frequency. Its interval is half the
// mean time between its items (so that an item waits half that for its
// check, on average), no longer than the schedule's and no shorter than
// polling.fastest; and no check comes before its server says its last
// answer may have changed (Cache-Control, Expires). A Retry-After is the
// fetcher's to keep: a check before then waits.

// Poll is how often a source is checked, as /newsbot status shows it.
type Poll struct {
	Source   string
	Interval time.Duration
	// Why says what set the interval.
	Why string
	// Checked is when it was last checked, Next when it is next: its
	// interval after, or when its server says, whichever is later, or
	// its watchers' scheduled tick when that comes first.
	Checked, Next time.Time
}

// polls is what adaptive polling knows of the sources.
type polls struct {
	mu sync.Mutex
	// gap is, by source, the mean time between its items, from their
	// dates at its last full read; absent: not known.
	gap map[string]time.Duration
	// fresh is, by source, until when its server said its answer holds.
	fresh map[string]time.Time
	// checked is, by readers and source ("a,b\x00source"), when those
	// watchers last checked it; last, by source, when any did.
	checked, last map[string]time.Time
	// pushed is, by source, when its WebSub hub last pushed.
	pushed map[string]time.Time
}

// pushTrust is how long after a push a source's hub is trusted to push
// its news: meanwhile it is polled on its watchers' schedule only.
const pushTrust = 24 * time.Hour

// PushedSource notes a push of the source's hub (here, or on another
// replica, as the store says).
func (p *Pipeline) PushedSource(source string, at time.Time) {
	p.polls.mu.Lock()
	defer p.polls.mu.Unlock()
	if p.polls.pushed == nil {
		p.polls.pushed = map[string]time.Time{}
	}
	if at.After(p.polls.pushed[source]) {
		p.polls.pushed[source] = at
	}
}

// Hub is the WebSub hub the source named at its last full read; ok is
// false when it named none, or was not read in full yet.
func (p *Pipeline) Hub(source string) (watchers.Hub, bool) {
	h, ok := p.hubs.Load(source)
	if !ok || h.(watchers.Hub).Hub == "" {
		return watchers.Hub{}, false
	}
	return h.(watchers.Hub), true
}

// rateWindow is how far back items' dates count for a source's rate.
const rateWindow = 7 * 24 * time.Hour

// publishingGap is the mean time between a source's items, from the
// dates of those it lists of the last week: the time since the oldest,
// over their number; 0 when fewer than two have a date.
func publishingGap(items []news.Item, now time.Time) time.Duration {
	n := 0
	var oldest time.Time
	for _, it := range items {
		d := it.Published
		if d.IsZero() || d.After(now.Add(5*time.Minute)) || d.Before(now.Add(-rateWindow)) {
			continue
		}
		n++
		if oldest.IsZero() || d.Before(oldest) {
			oldest = d
		}
	}
	if n < 2 {
		return 0
	}
	return max(now.Sub(oldest), time.Second) / time.Duration(n)
}

// checkedSource notes a check of a source by these readers: when, what
// its server said of its freshness, and, for a full read (items not
// nil), how often it publishes.
func (p *Pipeline) checkedSource(readers, source string, items []news.Item, full bool, fresh, now time.Time) {
	ps := &p.polls
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.checked == nil {
		ps.gap, ps.fresh, ps.checked, ps.last = map[string]time.Duration{}, map[string]time.Time{}, map[string]time.Time{}, map[string]time.Time{}
	}
	ps.checked[readers+"\x00"+source] = now
	ps.last[source] = now
	ps.fresh[source] = fresh
	if full {
		if gap := publishingGap(items, now); gap > 0 {
			ps.gap[source] = gap
		}
	}
}

// interval is a source's time between checks for watchers whose
// schedule comes every slowest, and why.
func (p *Pipeline) interval(source string, slowest time.Duration) (time.Duration, string) {
	fastest := time.Duration(p.Config.Polling.Fastest)
	p.polls.mu.Lock()
	gap, known := p.polls.gap[source]
	pushed := p.polls.pushed[source]
	p.polls.mu.Unlock()
	switch {
	case !pushed.IsZero() && p.now().Sub(pushed) < pushTrust:
		return slowest, "its watchers' schedule: its WebSub hub pushes its news"
	case !p.Config.Polling.On():
		return slowest, "its watchers' schedule: polling.adaptive is off"
	case !known:
		return slowest, "its watchers' schedule: how often it publishes is not known (fewer than two of its items of the last week have a date)"
	case gap/2 >= slowest:
		return slowest, fmt.Sprintf("its watchers' schedule: it publishes about every %s", textutil.Roughly(gap))
	case gap/2 <= fastest:
		return fastest, fmt.Sprintf("polling.fastest: it publishes about every %s", textutil.Roughly(gap))
	}
	return gap / 2, fmt.Sprintf("it publishes about every %s", textutil.Roughly(gap))
}

// Due returns the watchers of a schedule, each with only its sources due
// for an early check now; none when their scheduled tick (next) comes
// soon anyway, or adaptive polling is off, or the schedule is in one of
// its pauses (the night or the weekend of "*/10 8-17 * * 1-5": the time
// to its next tick is longer than between its ticks). A source not yet
// checked by these watchers waits for their tick, and so does one that
// is checked on the schedule anyway.
func (p *Pipeline) Due(ws []*Watcher, now, next time.Time) []*Watcher {
	fastest := time.Duration(p.Config.Polling.Fastest)
	slowest := scheduleInterval(ws, now)
	if !p.Config.Polling.On() || next.Sub(now) < fastest/2 || next.Sub(now) > slowest+slowest/10 {
		return nil
	}
	readers := readersOf(ws)
	due := map[string]bool{}
	for src, names := range readers {
		p.polls.mu.Lock()
		checked, fresh := p.polls.checked[names+"\x00"+src], p.polls.fresh[src]
		p.polls.mu.Unlock()
		if checked.IsZero() {
			continue
		}
		// Due a quarter of polling.fastest early at most: the looks come
		// every half of it, and one just short of the time would leave
		// the source for a whole look more.
		iv, _ := p.interval(src, slowest)
		if iv >= slowest {
			continue // checked on the schedule
		}
		if at := later(checked.Add(iv), fresh); at.Sub(now) < fastest/4 {
			due[src] = true
		}
	}
	if len(due) == 0 {
		return nil
	}
	var out []*Watcher
	for _, w := range ws {
		if o := w.only(due); o != nil {
			out = append(out, o)
		}
	}
	return out
}

// Polls says how often each source of these watchers is checked, in the
// config's order.
func (p *Pipeline) Polls(ws []*Watcher, now time.Time) []Poll {
	slowest := map[string]time.Duration{}
	tick := map[string]time.Time{} // its watchers' next scheduled tick
	var order []string
	for _, w := range ws {
		iv := scheduleInterval([]*Watcher{w}, now)
		var next time.Time
		if w.Cron != nil {
			next = w.Cron.Next(now)
		}
		for _, src := range w.sources {
			if s, ok := slowest[src.Name]; !ok || iv < s {
				if !ok {
					order = append(order, src.Name)
				}
				slowest[src.Name] = iv
			}
			if t, ok := tick[src.Name]; !ok || !next.IsZero() && next.Before(t) {
				tick[src.Name] = next
			}
		}
	}
	out := make([]Poll, 0, len(order))
	for _, src := range order {
		iv, why := p.interval(src, slowest[src])
		p.polls.mu.Lock()
		pl := Poll{Source: src, Interval: iv, Why: why, Checked: p.polls.last[src]}
		fresh := p.polls.fresh[src]
		p.polls.mu.Unlock()
		if !pl.Checked.IsZero() {
			pl.Next = later(pl.Checked.Add(iv), fresh)
		}
		if t := tick[src]; !t.IsZero() && (pl.Next.IsZero() || t.Before(pl.Next)) {
			pl.Next = t
		}
		out = append(out, pl)
	}
	return out
}

// scheduleInterval is the time between two of the watchers' scheduled
// ticks after now (the shortest, of several schedules): the slowest a
// source is checked.
func scheduleInterval(ws []*Watcher, now time.Time) time.Duration {
	var least time.Duration
	for _, w := range ws {
		if w.Cron == nil {
			continue
		}
		a := w.Cron.Next(now)
		if d := w.Cron.Next(a).Sub(a); d > 0 && (least == 0 || d < least) {
			least = d
		}
	}
	if least == 0 {
		return 24 * time.Hour
	}
	return least
}

// readersOf names, by source, the watchers that read it, as a tick
// groups them (and keeps their conditional requests).
func readersOf(ws []*Watcher) map[string]string {
	readers := map[string][]string{}
	for _, w := range ws {
		for _, src := range w.sources {
			readers[src.Name] = append(readers[src.Name], w.Name)
		}
	}
	groups := make(map[string]string, len(readers))
	for src, names := range readers {
		sort.Strings(names)
		groups[src] = strings.Join(names, ",")
	}
	return groups
}

// only is the watcher with only these of its sources, sharing all else
// (its lock too: the copy's check and the watcher's never run at once);
// nil when it has none of them.
func (w *Watcher) only(sources map[string]bool) *Watcher {
	var srcs []watchers.Source
	for _, src := range w.sources {
		if sources[src.Name] {
			srcs = append(srcs, src)
		}
	}
	if len(srcs) == 0 {
		return nil
	}
	c := *w
	c.sources = slices.Clip(srcs)
	return &c
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
