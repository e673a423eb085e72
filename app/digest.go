package app

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/summary"
)

// digestLine is the longest one-line summary in a digest, in bytes.
const digestLine = 300

// foldDigests makes the digests that are due: for each watcher with a
// digest schedule whose next time since its last digest has come, the
// alerts held for it become one message (or several, past Slack's
// limits) in the outbox. A digest due during the watcher's quiet hours is
// made when they end, with what was found meanwhile. A digest missed
// while newsbot was down is made at the next start, once.
func (a *App) foldDigests(ctx context.Context, st *Stats) {
	now := a.now().In(a.cfg.Location)
	for _, w := range a.watchers {
		if w.DigestCron == nil {
			continue
		}
		since, err := a.store.DigestSince(ctx, w.Name)
		if err != nil {
			st.StoreErrs.Add(1)
			a.log.Error("store failed", "watcher", w.Name, "error", err)
			continue
		}
		at := w.DigestCron.Next(since.In(a.cfg.Location))
		if at.After(now) || !w.QuietUntil(now).IsZero() {
			continue
		}
		// The latest time of the schedule that has come, so that the
		// schedule keeps its times and a long absence makes one digest.
		for range 100_000 {
			next := w.DigestCron.Next(at)
			if next.After(now) {
				break
			}
			at = next
		}
		n, err := a.store.FoldDigest(ctx, w.Name, since, at, func(held []*news.Alert, since time.Time) []*news.Alert {
			return w.digest(held, since, now)
		})
		if err != nil {
			st.StoreErrs.Add(1)
			a.log.Error("making the digest failed", "watcher", w.Name, "error", err)
			continue
		}
		if n > 0 {
			a.log.Info("digest made", "watcher", w.Name, "alerts", n)
		}
	}
}

// digest is the watcher's digest of the held alerts, in the order they
// were found: as many messages as Slack's limits on one message need
// (bot.MaxDigestEntries, bot.MaxDigestText).
func (w *Watcher) digest(held []*news.Alert, since, now time.Time) []*news.Alert {
	if len(held) == 0 {
		return nil
	}
	var terms []string
	outlets, byTerm := map[string]int{}, map[string]int{}
	articles := 0
	var most *news.Tally
	for _, al := range held {
		outlets[al.Source]++
		articles += 1 + len(al.Also)
		ran := map[string]bool{al.Source: true}
		for _, o := range al.Also {
			outlets[o.Source]++
			ran[o.Source] = true
		}
		if len(ran) > 1 && (most == nil || len(ran) > most.N) {
			most = &news.Tally{Name: al.Title, URL: al.URL, N: len(ran)}
		}
		for _, t := range al.Terms {
			byTerm[t]++
			if !slices.Contains(terms, t) {
				terms = append(terms, t)
			}
		}
	}
	var over news.Digest
	if len(held) > 1 {
		over = news.Digest{ByOutlet: tallies(outlets), ByTerm: tallies(byTerm), MostReported: most}
	}
	parts := [][]news.Entry{nil}
	size := bot.OverviewSize(&over) // the first part's
	for _, al := range held {
		e := entryOf(al)
		n := bot.EntrySize(e)
		if last := parts[len(parts)-1]; len(last) > 0 && (len(last) >= bot.MaxDigestEntries || size+n > bot.MaxDigestText) {
			parts, size = append(parts, nil), 0
		}
		parts[len(parts)-1] = append(parts[len(parts)-1], e)
		size += n
	}
	var out []*news.Alert
	for p, entries := range parts {
		d := &news.Digest{Since: since, Part: p + 1, Parts: len(parts), Total: len(held), Entries: entries,
			Articles: articles, Outlets: len(outlets)}
		if p == 0 {
			d.ByOutlet, d.ByTerm, d.MostReported = over.ByOutlet, over.ByTerm, over.MostReported
		}
		out = append(out, &news.Alert{
			Watcher:   w.Name,
			Channel:   w.Channel,
			Terms:     terms,
			Found:     now,
			Digest:    d,
			NotBefore: w.QuietUntil(now),
			Mentions:  w.mentions(terms),
		})
	}
	return out
}

// tallies are counts by name, most first, then by name.
func tallies(counts map[string]int) []news.Tally {
	out := make([]news.Tally, 0, len(counts))
	for name, n := range counts {
		out = append(out, news.Tally{Name: name, N: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// entryOf is an alert as a line of a digest or a spike's message.
func entryOf(al *news.Alert) news.Entry {
	return news.Entry{AlertID: al.ID, Title: al.Title, URL: al.URL, Source: al.Source,
		Line: firstSentence(al), Terms: al.Terms, Published: al.Published, FromFeed: al.FromFeed, Also: al.Also}
}

// firstSentence is an alert's summary in one line.
func firstSentence(al *news.Alert) string {
	s := summary.Sentences(al.Summary)
	if len(s) == 0 {
		return ""
	}
	return textutil.Truncate(s[0], digestLine)
}

// spikeTop is how many stories a spike's message lists.
const spikeTop = 5

// checkSpike tells the watcher's channel, once a window, when its matches
// in the last spike.window are more than spike.factor times the usual for
// that hour (usualMatches), and at least spike.min; with the stories most
// reported first. When, a window or more later, they are no longer, it
// says in the spike message's thread that the spike is over. A watcher
// with no match older than a day has no usual yet.
func (a *App) checkSpike(ctx context.Context, w *Watcher, st *Stats) {
	sp := w.Spike
	if sp == nil || ctx.Err() != nil {
		return
	}
	log := a.log.With("watcher", w.Name)
	now, win := a.now(), time.Duration(sp.Window)
	count, err := a.store.CountMatches(ctx, w.Name, now.Add(-win), now)
	if err != nil {
		return
	}
	first, err := a.store.FirstMatch(ctx, w.Name)
	if err != nil || first.IsZero() || now.Sub(first) < 24*time.Hour+win {
		return // no history to know the usual by
	}
	usual, by, err := a.usualMatches(ctx, w.Name, now, win, first)
	if err != nil {
		st.StoreErrs.Add(1)
		log.Error("store failed", "error", err)
		return
	}
	if count < sp.Min || float64(count) <= sp.Factor*max(usual, 1) {
		a.spikeOver(ctx, w, count, usual, st, log)
		return
	}
	told, err := a.store.SpikeTold(ctx, w.Name, now, now.Add(-win))
	if err != nil || !told {
		return
	}
	recent, err := a.store.RecentMatches(ctx, w.Name, now.Add(-win))
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
		count, w.Name, roughly(win), strconv.FormatFloat(sp.Factor, 'f', -1, 64)+"×", usual, by)
	alert := &news.Alert{
		Watcher: w.Name, Channel: w.Channel, Found: now,
		Digest:    &news.Digest{Heading: heading, Part: 1, Parts: 1, Total: count, Entries: entries},
		Mentions:  w.mentions(nil),
		NotBefore: w.QuietUntil(now.In(a.cfg.Location)),
	}
	if err := a.store.RecordAlert(ctx, alert, nil); err != nil {
		st.StoreErrs.Add(1)
		log.Error("recording the spike failed", "error", err)
		return
	}
	if err := a.store.SpikeMessage(ctx, w.Name, alert.ID); err != nil {
		st.StoreErrs.Add(1)
		log.Error("store failed", "error", err)
	}
	a.metrics.alerts.WithLabelValues(w.Name, "spike").Inc()
	log.Info("spike", "matches", count, "usual", fmt.Sprintf("%.1f", usual))
}

// spikeOver says, in the thread of the watcher's spike message, that the
// spike is over: once, and only a window or more after it was told.
func (a *App) spikeOver(ctx context.Context, w *Watcher, count int, usual float64, st *Stats, log *slog.Logger) {
	now, win := a.now(), time.Duration(w.Spike.Window)
	id, err := a.store.SpikeOver(ctx, w.Name, now.Add(-win))
	if err != nil {
		st.StoreErrs.Add(1)
		log.Error("store failed", "error", err)
		return
	}
	if id == 0 {
		return
	}
	heading := fmt.Sprintf("Spike over: %s for %s in the last %s, against a usual %.1f", Plural(int64(count), "match"), w.Name, roughly(win), usual)
	alert := &news.Alert{
		Watcher: w.Name, Channel: w.Channel, Found: now, ThreadOf: id,
		Digest:    &news.Digest{Heading: heading, Icon: "chart_with_downwards_trend", Part: 1, Parts: 1},
		NotBefore: w.QuietUntil(now.In(a.cfg.Location)),
	}
	if err := a.store.RecordAlert(ctx, alert, nil); err != nil {
		st.StoreErrs.Add(1)
		log.Error("recording the end of the spike failed", "error", err)
		return
	}
	log.Info("spike over", "matches", count)
}

// usualMatches is how many matches the watcher usually has in the window
// before now, and how that was judged: the mean of the same window at the
// same time of day on the last 7 days, or, when the watcher has weeks of
// history (two weeks or more), at the same hour of the week on the last 4
// weeks, whichever is higher. Only days (weeks) whose window begins after
// the watcher's first match count, so that a young watcher's usual is not
// diluted by days it did not exist, nor raised by its first backlog.
func (a *App) usualMatches(ctx context.Context, watcher string, now time.Time, win time.Duration, first time.Time) (float64, string, error) {
	mean := func(step time.Duration, n int) (float64, int, error) {
		sum, k := 0, 0
		for i := 1; i <= n; i++ {
			to := now.Add(-time.Duration(i) * step)
			if to.Add(-win).Before(first) {
				break // the watcher had not begun (or had its first backlog)
			}
			c, err := a.store.CountMatches(ctx, watcher, to.Add(-win), to)
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
