package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/story"
)

// storyStore is what telling stories apart needs of the store.
type storyStore interface {
	// SeenSince returns which of keys the watcher first saw since then.
	SeenSince(ctx context.Context, watcher string, keys []string, since time.Time) (map[string]bool, error)
	// RecordStory records an alert (as RecordAlert does) unless, inside
	// the transaction, check finds its story among those recorded since
	// the tick last looked: then nothing is recorded and that story is
	// returned; otherwise the ID of the alert's story record (0: none).
	RecordStory(ctx context.Context, a *news.Alert, keys []string, check news.StoryCheck) (*news.StoryRef, int64, error)
	// RecentStories returns the stories the watcher alerted on since.
	RecentStories(ctx context.Context, watcher string, since time.Time) ([]news.StoryRef, error)
	// RecordAlsoReported records another outlet's version of a story:
	// into the first alert while unsent, else as a reply to it. A copy
	// (copied) from an outlet the story names is only seen (news.ErrSeen).
	RecordAlsoReported(ctx context.Context, first int64, a *news.Alert, keys []string, copied bool) (int64, error)
}

// storyCache is the stories a watcher's check knows (news.StoryRef), read
// from the store once and then only those recorded since the last one
// read.
type storyCache struct {
	loaded bool
	refs   []news.StoryRef
	last   int64 // the ID of the last story read
	has    map[int64]bool
}

// add adds a story read from the store.
func (c *storyCache) add(r news.StoryRef) {
	c.known(r)
	c.last = max(c.last, r.ID)
}

// known adds a story this check recorded; it does not move last, since
// another process may have recorded stories before it that the check
// has not read.
func (c *storyCache) known(r news.StoryRef) {
	if c.has == nil {
		c.has = map[int64]bool{}
	}
	if !c.has[r.ID] {
		c.has[r.ID] = true
		c.refs = append(c.refs, r)
	}
}

// seenBefore reports whether the watcher has seen the alert's article
// before: one of its links, or its text within textSince. Such an
// article is the store's to tell (news.ErrSeen), not a story's; nor is it
// worth a summary. A store that fails says no; recording the alert then
// tells.
func (j *job) seenBefore(ctx context.Context, r result) bool {
	var links []string
	for _, k := range append([]string{r.alert.URL}, r.keys...) {
		if k != "" && k != r.alert.Fingerprint {
			links = append(links, k)
		}
	}
	if seen, err := j.p.Store.Seen(ctx, j.w.Name, links); err != nil || len(seen) > 0 {
		return err == nil
	}
	if r.alert.Fingerprint == "" {
		return false
	}
	seen, err := j.p.Store.SeenSince(ctx, j.w.Name, []string{r.alert.Fingerprint}, j.p.textSince())
	return err == nil && len(seen) > 0
}

// textSince is how far back an article's text (its fingerprint) makes a
// new link the same article: the story window, or 48 hours with the
// story check off. Not for ever: a site whose extracted text is the same
// on every page (a consent wall) makes them one article only so long.
func (p *Pipeline) textSince() time.Time {
	return p.now().Add(-cmp.Or(time.Duration(p.Config.StoryWindow), config.DefaultStoryWindow))
}

// sameStory looks for the alert's story among those the watcher alerted
// on within story_window, and the other outlets' versions of them; when
// story.Judge finds it, the alert is folded into it (fold), and it
// reports true.
func (j *job) sameStory(ctx context.Context, r result) bool {
	window := time.Duration(j.p.Config.StoryWindow)
	if window <= 0 || len(r.alert.StorySig) == 0 {
		return false
	}
	if !j.stories.loaded {
		refs, err := j.p.Store.RecentStories(ctx, j.w.Name, j.p.now().Add(-window))
		if err != nil {
			j.storeFailed(j.log, err)
			return false
		}
		j.stories.loaded = true
		for _, ref := range refs {
			j.stories.add(ref)
		}
	}
	v := story.Judge(story.CandidateOf(r.alert), j.stories.refs)
	if v.Kind == story.New {
		return false
	}
	j.fold(ctx, r, v)
	return true
}

// storyCheck is what the store looks for, inside the transaction that
// records the alert: the stories recorded since the check's last look
// (another process's), of which the alert may tell one.
func (j *job) storyCheck(r result) news.StoryCheck {
	check := news.StoryCheck{TextSince: j.p.textSince()}
	window := time.Duration(j.p.Config.StoryWindow)
	if window > 0 && len(r.alert.StorySig) > 0 && j.stories.loaded {
		c := story.CandidateOf(r.alert)
		check.Since, check.After = j.p.now().Add(-window), j.stories.last
		check.Same = func(ref news.StoryRef) bool {
			j.stories.add(ref)
			return story.Judge(c, []news.StoryRef{ref}).Kind != story.New
		}
	}
	return check
}

// fold records the alert's article with the story it tells, as the
// verdict says. Another outlet's version, or any outlet's own write-up of
// the story's event, is recorded with the story's first alert, as a line
// of it or a reply in its thread. A copy of the same outlet's article
// under another link is the same article, looked at as a follow-up; a
// copy from an outlet the story already names is only seen.
func (j *job) fold(ctx context.Context, r result, v story.Verdict) {
	best := v.Story
	log := j.log.With("source", r.alert.Source, "url", r.alert.URL, "story", best.AlertID,
		"similarity", fmt.Sprintf("%.2f", v.Similarity), "copy", v.Copied)
	switch v.Kind {
	case story.SameArticle, story.NamedOutlet:
		if err := j.p.Store.MarkSeen(ctx, j.w.Name, "", r.keys); err != nil {
			j.t.fail(r.alert.Source)
			j.storeFailed(log, err)
			return
		}
		if v.Kind == story.NamedOutlet {
			log.Info("same story from an outlet it already names: seen")
			return
		}
		log.Info("same story from the same outlet under another link: a follow-up at most")
		j.followUp(ctx, news.Prior{AlertID: best.AlertID, Title: best.Title, Terms: best.Terms}, r, log)
		return
	}
	id, err := j.p.Store.RecordAlsoReported(ctx, best.AlertID, r.alert, r.keys, v.Copied)
	if errors.Is(err, news.ErrSeen) {
		log.Info("same story from an outlet it already names: seen")
		return
	}
	if err != nil {
		j.st.StoreErrs.Add(1)
		j.t.fail(r.alert.Source)
		log.Error("recording another outlet's version failed", "error", err)
		return
	}
	if id > 0 && j.stories.loaded {
		j.stories.known(news.StoryRef{ID: id, AlertID: best.AlertID, Version: true, Source: r.alert.Source,
			Host: news.Host(r.alert.URL), Sig: r.alert.StorySig, Event: r.alert.EventSig, Title: r.alert.Title, Terms: best.Terms})
	}
	j.st.Also.Add(1)
	j.st.recorded.Add(1)
	j.p.metrics().Recorded(j.w.Name, "also")
	log.Info("also reported by another outlet: folded into its story")
}
