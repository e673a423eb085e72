package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/newsbot/newsbot/news"
)

// storyAlert is an alert on an article with a story signature.
func storyAlert(watcher, url, source string) *news.Alert {
	a := alert(watcher, url)
	a.Source, a.FromFeed = source, false
	a.StorySig = []byte("sig:" + url)
	return a
}

// Two processes that find one story at once record it once: the second,
// which read the stories before the first recorded its alert, finds it
// inside the transaction that would record its own, and records nothing.
func TestRecordStoryFindsAnotherProcesssStory(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s1, path := mustOpen(t)
		s2, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		// The second process looked before the first recorded anything.
		known, err := s2.RecentStories(ctx, "nahost", time.Now().Add(-time.Hour))
		if err != nil || len(known) != 0 {
			t.Fatalf("RecentStories = %v, %v", known, err)
		}
		a := storyAlert("nahost", "https://kurier.example/a", "kurier")
		same, id, err := s1.RecordStory(ctx, a, []string{a.URL}, news.StoryCheck{Since: time.Now().Add(-time.Hour), Same: func(news.StoryRef) bool { return true }})
		if err != nil || same != nil || id == 0 {
			t.Fatalf("first RecordStory = %v, %d, %v; want the story recorded", same, id, err)
		}
		b := storyAlert("nahost", "https://bote.example/b", "bote")
		var looked []news.StoryRef
		same, _, err = s2.RecordStory(ctx, b, []string{b.URL}, news.StoryCheck{Since: time.Now().Add(-time.Hour), Same: func(r news.StoryRef) bool {
			looked = append(looked, r)
			return string(r.Sig) == "sig:https://kurier.example/a"
		}})
		if err != nil || same == nil || same.AlertID != a.ID || same.ID != id || same.Host != "kurier.example" {
			t.Fatalf("second RecordStory = %+v, %v; want the first process's story", same, err)
		}
		if seen, _ := s2.Seen(ctx, "nahost", []string{b.URL}); seen[b.URL] {
			t.Error("a story found in the transaction left the article seen")
		}
		// A check after the story it knows looks at none of those.
		looked = nil
		same, _, err = s2.RecordStory(ctx, b, []string{b.URL}, news.StoryCheck{Since: time.Now().Add(-time.Hour), After: id, Same: func(r news.StoryRef) bool {
			looked = append(looked, r)
			return true
		}})
		if err != nil || same != nil || len(looked) != 0 {
			t.Errorf("RecordStory after the known story = %v, %v, looked at %d", same, err, len(looked))
		}
	})
}

// Another outlet's version is a story of its own, under the first
// alert's terms and date, in the order recorded; another article of an
// outlet the story names is only seen.
func TestVersionIsAStory(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		a := storyAlert("nahost", "https://kurier.example/a", "kurier")
		if err := s.RecordAlert(ctx, a, []string{a.URL}); err != nil {
			t.Fatal(err)
		}
		b := storyAlert("nahost", "https://bote.example/b", "bote")
		b.Terms = []string{"Syrien"}
		// Recorded a day later, the version is dated as the story.
		s.now = func() time.Time { return time.Now().Add(24 * time.Hour) }
		id, err := s.RecordAlsoReported(ctx, a.ID, b, []string{b.URL}, true)
		if err != nil || id == 0 {
			t.Fatalf("RecordAlsoReported = %d, %v", id, err)
		}
		refs, err := s.RecentStories(ctx, "nahost", time.Now().Add(-time.Hour))
		if err != nil || len(refs) != 2 {
			t.Fatalf("RecentStories = %+v, %v", refs, err)
		}
		v := refs[1]
		if !v.Version || v.ID != id || v.AlertID != a.ID || v.Source != "bote" || v.Host != "bote.example" || string(v.Sig) != "sig:"+b.URL ||
			!slices.Equal(v.Terms, a.Terms) || v.ID <= refs[0].ID || refs[0].Version {
			t.Errorf("the version's story = %+v (first %+v)", v, refs[0])
		}
		if later, _ := s.RecentStories(ctx, "nahost", time.Now().Add(time.Hour)); len(later) != 0 {
			t.Errorf("the version outlives its story: %+v", later)
		}
		// Another article of an outlet the story names (a version's, or
		// the first alert's) is only seen.
		for _, c := range []*news.Alert{storyAlert("nahost", "https://bote.example/c", "bote"), storyAlert("nahost", "https://kurier.example/d", "kurier")} {
			if _, err := s.RecordAlsoReported(ctx, a.ID, c, []string{c.URL}, true); !errors.Is(err, news.ErrSeen) {
				t.Errorf("RecordAlsoReported(%s) = %v, want news.ErrSeen", c.URL, err)
			}
			if seen, _ := s.Seen(ctx, "nahost", []string{c.URL}); !seen[c.URL] {
				t.Errorf("%s is not seen", c.URL)
			}
		}
		if refs, _ := s.RecentStories(ctx, "nahost", time.Time{}); len(refs) != 2 {
			t.Errorf("%d stories after two articles of named outlets, want 2", len(refs))
		}
	})
}
