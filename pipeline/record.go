package pipeline

import (
	"cmp"
	"context"
	"errors"
	"strings"

	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/story"
)

// record records the alert in the outbox and marks the article seen, in
// one transaction, with its story. Inside that transaction the story is
// looked for again (storyCheck): another process may have recorded it
// meanwhile, and then the alert is folded into it. An article the watcher
// saw before under another link (news.ErrSeen) is looked at as a
// follow-up of its alert instead.
func (j *job) record(ctx context.Context, it news.Item, r result) {
	log := j.log
	same, id, err := j.p.Store.RecordStory(ctx, r.alert, r.keys, j.storyCheck(r))
	switch {
	case same != nil:
		// Another process recorded the story meanwhile.
		j.fold(ctx, r, story.Judge(story.CandidateOf(r.alert), []news.StoryRef{*same}))
		return
	case errors.Is(err, news.ErrSeen):
		log.Debug("article already seen under another link", "source", it.Source, "url", r.alert.URL, "link", it.URL)
		j.seenUnderAnotherLink(ctx, r)
		return
	case err != nil:
		j.t.fail(it.Source)
		j.st.StoreErrs.Add(1)
		log.Error("recording alert failed", "source", it.Source, "url", it.URL, "error", err)
		return
	}
	if id > 0 && j.stories.loaded {
		j.stories.known(news.StoryRef{ID: id, AlertID: r.alert.ID, Source: r.alert.Source, Host: news.Host(r.alert.URL),
			Sig: r.alert.StorySig, Event: r.alert.EventSig, Title: r.alert.Title, Terms: r.alert.Terms})
	}
	j.st.Matches.Add(1)
	j.st.recorded.Add(1)
	j.p.metrics().Matched(j.w.Name)
	j.p.metrics().Recorded(j.w.Name, "alert")
	switch {
	case r.alert.Muted:
		j.st.Muted.Add(1)
	case r.alert.InDigest:
		j.st.ForDigest.Add(1)
	}
	log.Info("match", "source", it.Source, "url", cmp.Or(r.alert.URL, r.alert.Via), "terms", strings.Join(r.alert.Terms, ", "))
}

// seenUnderAnotherLink looks at an article the watcher alerted on before,
// now under a new link (perhaps with a new headline), or its text under
// another link of its site, as a follow-up of that alert.
func (j *job) seenUnderAnotherLink(ctx context.Context, r result) {
	var ks []string
	for _, k := range []string{r.alert.URL, r.alert.Fingerprint} {
		if k != "" {
			ks = append(ks, k)
		}
	}
	prior, err := j.p.Store.Alerted(ctx, j.w.Name, ks)
	if err != nil {
		return
	}
	for _, k := range ks {
		if p, ok := prior[k]; ok {
			j.followUp(ctx, p, r, j.log)
			return
		}
	}
}
