package pipeline

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/newsbot/newsbot/match"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/story"
	"github.com/newsbot/newsbot/summary"
)

// Match is a watcher's verdict on an article.
type Match struct {
	Terms []string
	// Fields says where each term stands: "title", "teaser", "body".
	Fields map[string][]string
	// Forms are the forms of a place's name the terms were found as.
	Forms   map[string][]string
	Summary summary.Summary
	// Find finds the matched words in a text, to mark them.
	Find summary.Finder
}

// Match matches the article (in NFC, as watchers gives it), listed by
// the named source, against the watcher's watchlist and, when it matches,
// summarizes it. It returns nil for no match. scans keeps each article's
// scan, so that the watchers share it; nil scans nothing twice only
// within one call.
func (w *Watcher) Match(art *news.Article, source string, scans *Scans) *Match {
	r := w.Eval(art, source, scans)
	if !r.Matched {
		return nil
	}
	find := func(s string) [][2]int { return w.query.Highlights(r, s, art.Lang) }
	return &Match{Terms: r.Terms, Fields: r.Fields, Forms: r.Forms, Summary: summary.Summarize(art, find), Find: find}
}

// Eval is the watcher's watchlist evaluated on the article, without a
// summary.
func (w *Watcher) Eval(art *news.Article, source string, scans *Scans) match.Result {
	return w.query.EvalScanned(w.set.WithSource(scans.get(w.set, art), source))
}

// Scans holds the scans of articles, by their text, so that the watchers
// of a tick (or a scan of saved files) read each article once.
type Scans struct{ m sync.Map }

func (c *Scans) get(set *match.Set, art *news.Article) *match.Scanned {
	body := strings.Join(art.Body, "\n")
	scan := func() *match.Scanned {
		return set.Scan(match.Doc{Title: art.Title, Teaser: art.Teaser, Body: body, URL: art.URL, Lang: art.Lang})
	}
	if c == nil {
		return scan()
	}
	// The same page gives the same article; a feed's fallback text differs
	// from item to item, so the key is the text.
	key := art.URL + "\x00" + art.Lang + "\x00" + art.Title + "\x00" + art.Teaser + "\x00" + body
	if sc, ok := c.m.Load(key); ok {
		return sc.(*match.Scanned)
	}
	sc, _ := c.m.LoadOrStore(key, scan())
	return sc.(*match.Scanned)
}

// alertOf is the alert the watcher's match of an item's article makes.
func (j *job) alertOf(it news.Item, art *news.Article, m *Match) *news.Alert {
	w, now := j.w, j.p.now()
	sigs := story.SignArticle(art)
	return &news.Alert{
		Watcher:     w.Name,
		Channel:     w.Channel,
		Source:      it.Source,
		URL:         cmp.Or(art.URL, it.URL),
		Via:         it.Via,
		Title:       cmp.Or(art.Title, it.Title),
		Summary:     m.Summary.Text,
		Marks:       m.Summary.Marks,
		Snippets:    m.Summary.Snippets,
		Terms:       m.Terms,
		Fields:      m.Fields,
		Forms:       m.Forms,
		Published:   art.Published,
		Found:       now,
		Origin:      origin(it, art, now),
		Way:         way(it),
		Lang:        art.Lang,
		FromFeed:    art.FromFeed,
		Mentions:    w.mentions(m.Terms),
		NotBefore:   w.QuietUntil(now),
		ItemSig:     itemSig(it),
		StorySig:    sigs.Story,
		EventSig:    sigs.Event,
		Fingerprint: sigs.Text,
		InDigest:    w.Digest != nil,
	}
}

// itemSig is a digest of what a source says of an item.
func itemSig(it news.Item) string {
	h := sha256.Sum256([]byte(it.Title + "\x00" + it.Description))
	return hex.EncodeToString(h[:12])
}

// storyTerms are the matched terms found outside the article's dateline
// (story.Dateline: "Wien/Damaskus (APA/dpa) – "), which each outlet that
// runs an agency's copy writes its own: a term found only there does not
// make a copy news beside the story it tells.
func (w *Watcher) storyTerms(art *news.Article, source string, m *Match) []string {
	lead := &art.Teaser
	if *lead == "" && len(art.Body) > 0 {
		lead = &art.Body[0]
	}
	_, end := story.Dateline(*lead)
	if end == 0 {
		return m.Terms
	}
	bare := *art
	bare.Body = slices.Clone(art.Body)
	if lead == &art.Teaser {
		bare.Teaser = art.Teaser[end:]
	} else {
		bare.Body[0] = art.Body[0][end:]
	}
	r := w.Eval(&bare, source, nil)
	var out []string
	for _, t := range m.Terms {
		if slices.Contains(r.Terms, t) {
			out = append(out, t)
		}
	}
	return out
}

// origin is when an item became known to the world, for its latency: a
// push's arrival, else its date in the source, else its page's; zero
// when none is known or the date is after now (a clock or a date that is
// wrong says nothing of the latency).
func origin(it news.Item, art *news.Article, now time.Time) time.Time {
	t := it.Pushed
	if t.IsZero() {
		t = cmp.Or(it.Published, art.Published)
	}
	if t.After(now) {
		return time.Time{}
	}
	return t
}

// way is how an item came: pushed, or the kind of source that listed it.
func way(it news.Item) string {
	if !it.Pushed.IsZero() {
		return "push"
	}
	return cmp.Or(string(it.From), "feed")
}
