package app

import (
	"context"
	"fmt"
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
	var terms []string
	outlets := map[string]bool{}
	articles := 0
	for _, al := range held {
		outlets[al.Source] = true
		articles += 1 + len(al.Also)
		for _, o := range al.Also {
			outlets[o.Source] = true
		}
		for _, t := range al.Terms {
			if !slices.Contains(terms, t) {
				terms = append(terms, t)
			}
		}
	}
	var parts [][]news.Entry
	size := 0
	for _, al := range held {
		e := entryOf(al)
		n := bot.EntrySize(e)
		if len(parts) == 0 || len(parts[len(parts)-1]) >= bot.MaxDigestEntries || size+n > bot.MaxDigestText {
			parts, size = append(parts, nil), 0
		}
		parts[len(parts)-1] = append(parts[len(parts)-1], e)
		size += n
	}
	var out []*news.Alert
	for p, entries := range parts {
		d := &news.Digest{Since: since, Part: p + 1, Parts: len(parts), Total: len(held), Entries: entries,
			Articles: articles, Outlets: len(outlets)}
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
// in the last spike.window are more than spike.factor times the usual at
// that time of day (the mean of the same window on the last 7 days), and
// at least spike.min; with the stories most reported first. A watcher
// with no match older than a day has no usual yet.
func (a *App) checkSpike(ctx context.Context, w *Watcher, st *Stats) {
	sp := w.Spike
	if sp == nil || ctx.Err() != nil {
		return
	}
	log := a.log.With("watcher", w.Name)
	now, win := a.now(), time.Duration(sp.Window)
	count, err := a.store.CountMatches(ctx, w.Name, now.Add(-win), now)
	if err != nil || count < sp.Min {
		return
	}
	if old, err := a.store.CountMatches(ctx, w.Name, time.Unix(0, 0), now.Add(-24*time.Hour)); err != nil || old == 0 {
		return // no history to know the usual by
	}
	sum := 0
	for d := 1; d <= 7; d++ {
		back := time.Duration(d) * 24 * time.Hour
		n, err := a.store.CountMatches(ctx, w.Name, now.Add(-win-back), now.Add(-back))
		if err != nil {
			return
		}
		sum += n
	}
	usual := float64(sum) / 7
	if float64(count) <= sp.Factor*max(usual, 1) {
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
	heading := fmt.Sprintf("Spike: %d matches for %s in the last %s, more than %s the usual %.1f at this time of day",
		count, w.Name, roughly(win), strconv.FormatFloat(sp.Factor, 'f', -1, 64)+"×", usual)
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
	log.Info("spike", "matches", count, "usual", fmt.Sprintf("%.1f", usual))
}
