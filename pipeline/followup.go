package pipeline

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"unicode"

	"github.com/newsbot/newsbot/news"
)

// followUpStore is what follow-ups need of the store.
type followUpStore interface {
	// Alerted returns what the watcher last said about those of keys it
	// alerted on.
	Alerted(ctx context.Context, watcher string, keys []string) (map[string]news.Prior, error)
	// RecordFollowUp records a change to an alerted article: a reply in
	// the first alert's thread, or, while that is unsent, a new version of
	// it; a nil alert only keeps the item's new signature.
	RecordFollowUp(ctx context.Context, prior news.Prior, a *news.Alert, keys []string, sig string) error
}

// followUps looks again at the articles the watcher alerted on whose item
// the source now describes differently (title or description), and
// records a follow-up for each that matters.
func (j *job) followUps(ctx context.Context, items, fresh []news.Item, log *slog.Logger) {
	isFresh := make(map[string]bool, len(fresh))
	for _, it := range fresh {
		isFresh[it.Key()] = true
	}
	var old []news.Item
	for _, it := range items {
		if !isFresh[it.Key()] && !j.examined[it.Key()] {
			old = append(old, it)
		}
	}
	if len(old) == 0 {
		return
	}
	prior, err := j.p.Store.Alerted(ctx, j.w.Name, keysAndGUIDs(old))
	if err != nil {
		j.storeFailed(log, err)
		return
	}
	known, err := j.p.Store.Seen(ctx, j.w.Name, keys(old))
	if err != nil {
		j.storeFailed(log, err)
		return
	}
	var changed []news.Item
	var priors []news.Prior
	alerts := map[int64]bool{} // one look a tick at an article, however many links it has
	for _, it := range old {
		p, ok := prior[it.Key()]
		moved := !known[it.Key()] // its GUID seen under another link
		if !ok && moved {
			p, ok = prior[it.GUIDKey()]
		}
		switch {
		case ok && (p.Sig != itemSig(it) || moved) && !alerts[p.AlertID]:
			alerts[p.AlertID] = true
			j.examined[it.Key()] = true
			changed = append(changed, it)
			priors = append(priors, p)
		case moved:
			// Moved, and never alerted (it did not match): its new link
			// is seen too.
			if err := j.p.Store.MarkSeen(ctx, j.w.Name, "", []string{it.Key()}); err != nil {
				j.storeFailed(log, err)
			}
		}
	}
	if len(changed) == 0 {
		return
	}
	for i, r := range j.examine(ctx, changed, true) {
		if ctx.Err() != nil {
			return
		}
		r.sig = itemSig(changed[i])
		j.followUp(ctx, priors[i], r, log)
		// A moved article's new link is seen, whatever followUp made of it.
		if err := j.p.Store.MarkSeen(ctx, j.w.Name, "", r.keys); err != nil {
			j.storeFailed(log, err)
		}
	}
}

// followUp records what changed in an article the watcher alerted on
// (prior), when it matters: a new headline, or terms it did not match
// before. Otherwise only the item's new signature is kept.
func (j *job) followUp(ctx context.Context, prior news.Prior, r result, log *slog.Logger) {
	var al *news.Alert
	if r.alert != nil {
		up := &news.Update{}
		// A headline from the feed is not compared with one from the
		// page: they differ in their kicker and site name.
		if r.alert.FromFeed == prior.FromFeed && normTitle(r.alert.Title) != normTitle(prior.Title) {
			up.OldTitle = prior.Title
		}
		for _, t := range r.alert.Terms {
			if !slices.Contains(prior.Terms, t) {
				up.NewTerms = append(up.NewTerms, t)
			}
		}
		if up.OldTitle != "" || len(up.NewTerms) > 0 {
			al, r.alert.Update = r.alert, up
			// A reply notifies only for terms that are new; an unsent
			// alert that this replaces keeps al.Mentions.
			if len(up.NewTerms) > 0 {
				up.Mentions = j.w.mentions(up.NewTerms)
			}
		}
	}
	if r.sig == "" && r.alert != nil {
		r.sig = r.alert.ItemSig
	}
	if al == nil && r.sig == "" {
		return // nothing to record
	}
	var up news.Update
	if al != nil {
		up = *al.Update
	}
	if err := j.p.Store.RecordFollowUp(ctx, prior, al, r.keys, r.sig); err != nil {
		j.st.StoreErrs.Add(1)
		log.Error("recording follow-up failed", "alert", prior.AlertID, "error", err)
		return
	}
	if al != nil {
		j.st.Updates.Add(1)
		j.st.recorded.Add(1)
		j.p.metrics().Recorded(j.w.Name, "follow_up")
		log.Info("follow-up", "url", al.URL, "alert", prior.AlertID, "new_title", up.OldTitle != "", "new_terms", strings.Join(up.NewTerms, ", "))
	}
}

// normTitle is a headline as compared for a follow-up: a change of case,
// spacing or punctuation alone is not a new headline.
func normTitle(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	}), " ")
}
