package pipeline

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

// fetchAttempts is how many checks try an article page that fails with a
// passing error before its feed text is used instead.
const fetchAttempts = 3

// result is what the stages before recording made of an item.
type result struct {
	alert *news.Alert // nil: no alert
	keys  []string    // to mark seen
	sig   string      // the item's signature, for a follow-up
	art   *news.Article
	match *Match
}

// examine fetches, extracts, matches and summarizes items concurrently;
// the fetcher bounds how many requests are in flight (http.parallel).
func (j *job) examine(ctx context.Context, items []news.Item, last bool) []result {
	results := make([]result, len(items))
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Go(func() { results[i] = j.examineItem(ctx, it, last) })
	}
	wg.Wait()
	return results
}

// examineItem is one item's way through extraction and matching: its
// article (extract), and, when the watcher matches it, the alert it
// makes (match.go).
func (j *job) examineItem(ctx context.Context, it news.Item, last bool) result {
	r := result{keys: []string{it.Key()}}
	if g := it.GUIDKey(); g != "" {
		r.keys = append(r.keys, g)
	}
	if j.p.tooOld(it.Published) {
		return r // not worth fetching
	}
	art, ok := j.extract(ctx, it, last)
	if !ok {
		return result{} // cut short, or held back for a later try: leave the item unseen
	}
	if art == nil {
		return r
	}
	if art.URL != "" && art.URL != it.Key() {
		r.keys = append(r.keys, art.URL)
	}
	if j.p.tooOld(art.Published) {
		return r
	}
	if note := j.w.StemNote(art.Lang); note != "" {
		j.p.noteOnce("stem\x00"+j.w.Name, note, j.log)
	}
	m := j.w.Match(art, it.Source, j.t.scans)
	if m == nil {
		return r
	}
	r.art, r.match = art, m
	r.alert = j.alertOf(it, art, m)
	r.alert.StoryTerms = j.w.storyTerms(art, it.Source, m)
	if r.alert.Fingerprint != "" {
		r.keys = append(r.keys, r.alert.Fingerprint)
	}
	return r
}

// extract fetches the item's article and extracts its text; when the
// page can't be had, the article is the feed's title and description. A
// page that fails with an error that may pass is held back for the next
// checks first (ok false), unless last. A link to a page that is no
// article, with no text of the feed's, gives none (nil).
func (j *job) extract(ctx context.Context, it news.Item, last bool) (*news.Article, bool) {
	art, err := j.t.run.Article(ctx, it)
	if err == nil {
		return art, true
	}
	if ctx.Err() != nil {
		return nil, false
	}
	log := j.log.With("source", it.Source, "url", it.URL)
	// A link on a section page that leads to no article (a newsletter
	// form, a topic index) has only its link text: nothing to match. A
	// feed's item still has the feed's own text.
	if errors.Is(err, watchers.ErrNotArticle) && it.Description == "" {
		log.Debug("not an article page, skipped", "error", err)
		return nil, true
	}
	// A page that may answer later is tried again on the next ticks
	// before newsbot settles for the feed's text.
	if watchers.Transient(err) && !last {
		n, serr := j.p.Store.HoldBack(ctx, j.w.Name, it)
		if serr == nil && n < fetchAttempts {
			j.st.LogOnce(log, "article:"+it.Key(), "article unavailable, will try again on the next check", "attempt", n, "error", err)
			return nil, false
		}
	}
	j.st.LogOnce(log, "article:"+it.Key(), "article unavailable, matching the feed's title and description", "error", err)
	return art, true
}

// tooOld reports whether an article published at t is past max_age. An
// article without a date is never too old.
func (p *Pipeline) tooOld(t time.Time) bool {
	max := time.Duration(p.Config.MaxAge)
	return max > 0 && !t.IsZero() && p.now().Sub(t) > max
}
