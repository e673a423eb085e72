package app

import (
	"context"
	"slices"
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
// made then and waits for them to end. A digest missed while newsbot was
// down is made at the next start.
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
		if w.DigestCron.Next(since.In(a.cfg.Location)).After(now) {
			continue
		}
		n, err := a.store.FoldDigest(ctx, w.Name, func(held []*news.Alert, since time.Time) []*news.Alert {
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

// digest is the watcher's digest of the held alerts: one message for
// every bot.MaxDigestEntries of them, in the order they were found.
func (w *Watcher) digest(held []*news.Alert, since, now time.Time) []*news.Alert {
	var terms []string
	for _, al := range held {
		for _, t := range al.Terms {
			if !slices.Contains(terms, t) {
				terms = append(terms, t)
			}
		}
	}
	parts := (len(held) + bot.MaxDigestEntries - 1) / bot.MaxDigestEntries
	var out []*news.Alert
	for p := range parts {
		chunk := held[p*bot.MaxDigestEntries : min(len(held), (p+1)*bot.MaxDigestEntries)]
		d := &news.Digest{Since: since, Part: p + 1, Parts: parts, Total: len(held)}
		for _, al := range chunk {
			d.Entries = append(d.Entries, news.Entry{
				AlertID: al.ID, Title: al.Title, URL: al.URL, Source: al.Source,
				Line: firstSentence(al), Terms: al.Terms, Published: al.Published, FromFeed: al.FromFeed,
			})
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

// firstSentence is an alert's summary in one line.
func firstSentence(al *news.Alert) string {
	s := summary.Sentences(al.Summary)
	if len(s) == 0 {
		return ""
	}
	return textutil.Truncate(s[0], digestLine)
}
