package story

import (
	"slices"

	"github.com/newsbot/newsbot/news"
)

// Candidate is an article a watcher matched, as Judge sees it.
type Candidate struct {
	Source string // the source that listed it
	Host   string // its URL's host
	Sig    Signature
	Event  Event
	// Terms are the watcher's terms it matched, but for those found only
	// in its dateline: a term there is not news.
	Terms []string
}

// CandidateOf is the candidate an alert's article is.
func CandidateOf(a *news.Alert) Candidate {
	return Candidate{Source: a.Source, Host: news.Host(a.URL), Sig: FromBytes(a.StorySig),
		Event: EventFromBytes(a.EventSig), Terms: a.StoryTerms}
}

// Kind is what an article is to the stories a watcher alerted on.
type Kind int

const (
	// New: a story of its own.
	New Kind = iota
	// SameArticle: a copy of the story's own article, from the same
	// outlet under another link: a follow-up at most.
	SameArticle
	// NamedOutlet: a copy of a version the story already names, from
	// the same outlet under another link: seen, nothing more.
	NamedOutlet
	// OtherOutlet: another outlet's version of the story (a copy), or
	// any outlet's own write-up of its event: it joins the story.
	OtherOutlet
)

// Verdict is what Judge says of an article.
type Verdict struct {
	Kind Kind
	// Story is the story it tells (the one it resembles most); nil for
	// New.
	Story *news.StoryRef
	// Copied: it copies the story's text (Same), rather than reporting
	// its event in its own words (SameEvent).
	Copied bool
	// Similarity is its Jaccard similarity with the story's text.
	Similarity float64
}

// Judge says which of a watcher's recent stories (refs) an article tells:
// one whose text it copies (Same), the most similar where several do;
// else one whose event it reports in its own words (SameEvent). An
// article that matches terms a story's alert did not have is not that
// story: it is news of its own for the watcher.
func Judge(c Candidate, refs []news.StoryRef) Verdict {
	var best, event *news.StoryRef
	bestSim := 0.0
	for i := range refs {
		if !covers(refs[i].Terms, c.Terms) {
			continue
		}
		other := FromBytes(refs[i].Sig)
		if Same(c.Sig, other) {
			if s := Similarity(c.Sig, other); best == nil || s > bestSim {
				best, bestSim = &refs[i], s
			}
		} else if event == nil && SameEvent(c.Event, EventFromBytes(refs[i].Event)) {
			event = &refs[i]
		}
	}
	switch {
	case best != nil && best.Source == c.Source && best.Host == c.Host && best.Version:
		return Verdict{Kind: NamedOutlet, Story: best, Copied: true, Similarity: bestSim}
	case best != nil && best.Source == c.Source && best.Host == c.Host:
		return Verdict{Kind: SameArticle, Story: best, Copied: true, Similarity: bestSim}
	case best != nil:
		return Verdict{Kind: OtherOutlet, Story: best, Copied: true, Similarity: bestSim}
	case event != nil:
		return Verdict{Kind: OtherOutlet, Story: event, Similarity: Similarity(c.Sig, FromBytes(event.Sig))}
	}
	return Verdict{Kind: New}
}

// covers reports whether every one of terms is in have.
func covers(have, terms []string) bool {
	for _, t := range terms {
		if !slices.Contains(have, t) {
			return false
		}
	}
	return true
}
