package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"time"

	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/news"
)

// spikeStore is what spikes need of the store.
type spikeStore interface {
	// CountMatches counts the watcher's alerts on articles in [from, to).
	CountMatches(ctx context.Context, watcher string, from, to time.Time) (int, error)
	// RecentMatches returns the watcher's alerts on articles since then.
	RecentMatches(ctx context.Context, watcher string, since time.Time) ([]*news.Alert, error)
	// FirstMatch is when the watcher's first match was recorded.
	FirstMatch(ctx context.Context, watcher string) (time.Time, error)
	// SpikeTold records a spike told now unless one was since then.
	SpikeTold(ctx context.Context, watcher string, now, since time.Time) (bool, error)
	// SpikeMessage records the message that told the watcher's spike.
	SpikeMessage(ctx context.Context, watcher string, alert int64) error
	// SpikeOver records, once, that a spike told before since is over,
	// and returns the message that told it (0: none to end).
	SpikeOver(ctx context.Context, watcher string, since time.Time) (int64, error)
	// RecordAlert adds a pending alert and marks keys seen, atomically.
	RecordAlert(ctx context.Context, a *news.Alert, keys []string) error
}

// spikeTop is how many stories a spike's message lists.
const spikeTop = 5

// checkSpike tells the watcher's channel, once a window, when its matches
// in the last spike.window are more than spike.factor times the usual for
// that hour (usualMatches), and at least spike.min; with the stories most
// reported first. When, a window or more later, they are no longer, it
// says in the spike message's thread that the spike is over. A watcher
// with no match older than a day has no usual yet.
func (p *Pipeline) checkSpike(ctx context.Context, w *Watcher, st *Stats) {
	sp := w.Spike
	if sp == nil || ctx.Err() != nil {
		return
	}
	log := p.Log.With("watcher", w.Name)
	now, win := p.now(), time.Duration(sp.Window)
	count, err := p.Store.CountMatches(ctx, w.Name, now.Add(-win), now)
	if err != nil {
		return
	}
	first, err := p.Store.FirstMatch(ctx, w.Name)
	if err != nil || first.IsZero() || now.Sub(first) < 24*time.Hour+win {
		return // no history to know the usual by
	}
	usual, by, err := p.usualMatches(ctx, w.Name, now, win, first)
	if err != nil {
		st.StoreErrs.Add(1)
		log.Error("store failed", "error", err)
		return
	}
	if count < sp.Min || float64(count) <= sp.Factor*max(usual, 1) {
		p.spikeOver(ctx, w, count, usual, st, log)
		return
	}
	told, err := p.Store.SpikeTold(ctx, w.Name, now, now.Add(-win))
	if err != nil || !told {
		return
	}
	recent, err := p.Store.RecentMatches(ctx, w.Name, now.Add(-win))
	if err != nil {
		st.StoreErrs.Add(1)
		log.Error("store failed", "error", err)
		return
	}
	// The stories most outlets ran first, then the newest.
	sort.SliceStable(recent, func(i, j int) bool { return len(recent[i].Also) > len(recent[j].Also) })
	var entries []news.Entry
	for _, al := range recent[:min(len(recent), spikeTop)] {
		entries = append(entries, entryOf(al))
	}
	heading := fmt.Sprintf("Spike: %d matches for %s in the last %s, more than %s the usual %.1f %s",
		count, w.Name, textutil.Roughly(win), strconv.FormatFloat(sp.Factor, 'f', -1, 64)+"×", usual, by)
	alert := &news.Alert{
		Watcher: w.Name, Channel: w.Channel, Found: now,
		Digest:    &news.Digest{Heading: heading, Part: 1, Parts: 1, Total: count, Entries: entries},
		Mentions:  w.mentions(nil),
		NotBefore: w.QuietUntil(now),
	}
	if err := p.Store.RecordAlert(ctx, alert, nil); err != nil {
		st.StoreErrs.Add(1)
		log.Error("recording the spike failed", "error", err)
		return
	}
	if err := p.Store.SpikeMessage(ctx, w.Name, alert.ID); err != nil {
		st.StoreErrs.Add(1)
		log.Error("store failed", "error", err)
	}
	p.metrics().Recorded(w.Name, "spike")
	st.recorded.Add(1)
	log.Info("spike", "matches", count, "usual", fmt.Sprintf("%.1f", usual))
}

// spikeOver says, in the thread of the watcher's spike message, that the
// spike is over: once, and only a window or more after it was told.
func (p *Pipeline) spikeOver(ctx context.Context, w *Watcher, count int, usual float64, st *Stats, log *slog.Logger) {
	now, win := p.now(), time.Duration(w.Spike.Window)
	id, err := p.Store.SpikeOver(ctx, w.Name, now.Add(-win))
	if err != nil {
		st.StoreErrs.Add(1)
		log.Error("store failed", "error", err)
		return
	}
	if id == 0 {
		return
	}
	heading := fmt.Sprintf("Spike over: %s for %s in the last %s, against a usual %.1f", textutil.Plural(int64(count), "match"), w.Name, textutil.Roughly(win), usual)
	alert := &news.Alert{
		Watcher: w.Name, Channel: w.Channel, Found: now, ThreadOf: id,
		Digest:    &news.Digest{Heading: heading, Icon: "chart_with_downwards_trend", Part: 1, Parts: 1},
		NotBefore: w.QuietUntil(now),
	}
	if err := p.Store.RecordAlert(ctx, alert, nil); err != nil {
		st.StoreErrs.Add(1)
		log.Error("recording the end of the spike failed", "error", err)
		return
	}
	st.recorded.Add(1)
	log.Info("spike over", "matches", count)
}

// usualMatches is how many matches the watcher usually has in the window
// before now, and how that was judged: the mean of the same window at the
// same time of day on the last 7 days, or, when the watcher has weeks of
// history (two weeks or more), at the same hour of the week on the last 4
// weeks, whichever is higher. Only days (weeks) whose window begins after
// the watcher's first match count, so that a young watcher's usual is not
// diluted by days it did not exist, nor raised by its first backlog.
func (p *Pipeline) usualMatches(ctx context.Context, watcher string, now time.Time, win time.Duration, first time.Time) (float64, string, error) {
	mean := func(step time.Duration, n int) (float64, int, error) {
		sum, k := 0, 0
		for i := 1; i <= n; i++ {
			to := now.Add(-time.Duration(i) * step)
			if to.Add(-win).Before(first) {
				break // the watcher had not begun (or had its first backlog)
			}
			c, err := p.Store.CountMatches(ctx, watcher, to.Add(-win), to)
			if err != nil {
				return 0, 0, err
			}
			sum, k = sum+c, k+1
		}
		if k == 0 {
			return 0, 0, nil
		}
		return float64(sum) / float64(k), k, nil
	}
	day, _, err := mean(24*time.Hour, 7)
	if err != nil {
		return 0, "", err
	}
	week, weeks, err := mean(7*24*time.Hour, 4)
	if err != nil {
		return 0, "", err
	}
	if weeks >= 2 && week > day {
		return week, "at this hour of the week", nil
	}
	return day, "at this time of day", nil
}
