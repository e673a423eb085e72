package pipeline

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/summary"
)

// digestStore is what digests need of the store.
type digestStore interface {
	// DigestSince is when the watcher's last digest was made.
	DigestSince(ctx context.Context, watcher string) (time.Time, error)
	// FoldDigest turns the alerts held for the watcher's digest into the
	// digest's messages, atomically, and returns how many it folded.
	// since is what DigestSince said; at becomes the digest's time.
	FoldDigest(ctx context.Context, watcher string, since, at time.Time, build func([]*news.Alert, time.Time) []*news.Alert) (int, error)
}

// digestLine is the longest one-line summary in a digest, in bytes.
const digestLine = 300

// FoldDigests makes the digests of ws that are due: for each watcher with a
// digest schedule whose next time since its last digest has come, the
// alerts held for it become one message (or several, past Slack's
// limits) in the outbox. A digest due during the watcher's quiet hours is
// made when they end, with what was found meanwhile. A digest missed
// while newsbot was down is made at the next start, once.
func (p *Pipeline) FoldDigests(ctx context.Context, ws []*Watcher, st *Stats) {
	now := p.now().In(p.Config.Location())
	for _, w := range ws {
		if w.Digest == nil {
			continue
		}
		since, err := p.Store.DigestSince(ctx, w.Name)
		if err != nil {
			st.StoreErrs.Add(1)
			p.Log.Error("store failed", "watcher", w.Name, "error", err)
			continue
		}
		at := w.Digest.Next(since.In(p.Config.Location()))
		if at.After(now) || !w.QuietUntil(now).IsZero() {
			continue
		}
		// The latest time of the schedule that has come, so that the
		// schedule keeps its times and a long absence makes one digest.
		for range 100_000 {
			next := w.Digest.Next(at)
			if next.After(now) {
				break
			}
			at = next
		}
		n, err := p.Store.FoldDigest(ctx, w.Name, since, at, func(held []*news.Alert, since time.Time) []*news.Alert {
			return w.digest(held, since, now)
		})
		if err != nil {
			st.StoreErrs.Add(1)
			p.Log.Error("making the digest failed", "watcher", w.Name, "error", err)
			continue
		}
		if n > 0 {
			p.Log.Info("digest made", "watcher", w.Name, "alerts", n)
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
	return news.Entry{AlertID: al.ID, Title: al.Title, URL: cmp.Or(al.URL, al.Via), Source: al.Source,
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
