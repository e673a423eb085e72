package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/newsbot/newsbot/news"
)

func TestSeenPerWatcher(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		if err := s.MarkSeen(ctx, "nahost", "", []string{"a", "b"}); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSeen(ctx, "macron", "", []string{"b", "c"}); err != nil {
			t.Fatal(err)
		}
		// Marking again is no error.
		if err := s.MarkSeen(ctx, "nahost", "", []string{"a"}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			watcher string
			want    map[string]bool
		}{
			{"nahost", map[string]bool{"a": true, "b": true}},
			{"macron", map[string]bool{"b": true, "c": true}},
			{"duerre", map[string]bool{}},
		}
		for _, tt := range tests {
			got, err := s.Seen(ctx, tt.watcher, []string{"a", "b", "c", "d"})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Seen(%s) = %v, want %v", tt.watcher, got, tt.want)
			}
		}
		got, err := s.Seen(ctx, "nahost", nil)
		if err != nil || len(got) != 0 {
			t.Errorf("Seen of no keys = %v, %v", got, err)
		}
	})
}

func TestSeenManyKeys(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		var keys, marked []string
		for i := range 1234 {
			k := fmt.Sprintf("https://rr.example/artikel-%d.html", i)
			keys = append(keys, k)
			if i%3 != 0 {
				marked = append(marked, k)
			}
		}
		if err := s.MarkSeen(ctx, "nahost", "rundschau", marked); err != nil {
			t.Fatal(err)
		}
		got, err := s.Seen(ctx, "nahost", keys)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(marked) {
			t.Errorf("Seen of %d keys found %d, want %d", len(keys), len(got), len(marked))
		}
		for i, k := range keys {
			if got[k] != (i%3 != 0) {
				t.Errorf("Seen[%s] = %v", k, got[k])
			}
		}
	})
}

func TestPrimed(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		check := func(watcher, source string, want bool) {
			t.Helper()
			got, err := s.Primed(ctx, watcher, source)
			if err != nil || got != want {
				t.Errorf("Primed(%s, %s) = %v, %v; want %v", watcher, source, got, err, want)
			}
		}
		check("nahost", "rundschau", false)
		// Marking with no source primes nothing.
		if err := s.MarkSeen(ctx, "nahost", "", []string{"a"}); err != nil {
			t.Fatal(err)
		}
		check("nahost", "rundschau", false)
		// A source with nothing in it is still checked.
		if err := s.MarkSeen(ctx, "nahost", "rundschau", nil); err != nil {
			t.Fatal(err)
		}
		check("nahost", "rundschau", true)
		check("nahost", "world", false)
		check("macron", "rundschau", false)
		if err := s.MarkSeen(ctx, "nahost", "rundschau", []string{"b"}); err != nil {
			t.Fatal(err)
		}
		check("nahost", "rundschau", true)
	})
}

// An article's text makes a new link the same article only while it was
// seen within TextSince: a site whose every page reads the same (a consent
// wall) makes them one article only so long.
func TestFingerprintWithin(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		a := alert("nahost", "https://rr.example/a")
		a.Fingerprint = "text:rr.example:0123"
		if err := s.RecordAlert(ctx, a, []string{a.URL, a.Fingerprint}); err != nil {
			t.Fatal(err)
		}
		b := alert("nahost", "https://rr.example/print/a")
		b.Fingerprint = a.Fingerprint
		check := news.StoryCheck{TextSince: time.Now().Add(-time.Hour)}
		if _, _, err := s.RecordStory(ctx, b, []string{b.URL, b.Fingerprint}, check); !errors.Is(err, news.ErrSeen) {
			t.Errorf("the same text within the hour: %v, want news.ErrSeen", err)
		}
		c := alert("nahost", "https://rr.example/c")
		c.Fingerprint = a.Fingerprint
		check.TextSince = time.Now().Add(time.Hour)
		if _, _, err := s.RecordStory(ctx, c, []string{c.URL, c.Fingerprint}, check); err != nil || c.ID == 0 {
			t.Errorf("the same text seen before TextSince: %v, want an alert", err)
		}
		if seen, err := s.SeenSince(ctx, "nahost", []string{a.Fingerprint, a.URL}, time.Now().Add(time.Hour)); err != nil || len(seen) != 0 {
			t.Errorf("SeenSince later = %v, %v", seen, err)
		}
	})
}

// A key with a NUL in it (a feed's GUID may have one) is found again as
// it was given, on PostgreSQL too, whose text holds no NUL.
func TestKeysWithNUL(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		k := "guid:tag:x\x00y"
		a := alert("nahost", "https://rr.example/nul")
		if err := s.RecordAlert(ctx, a, []string{a.URL, k}); err != nil {
			t.Fatal(err)
		}
		if seen, err := s.Seen(ctx, "nahost", []string{k, "guid:tag:x\uFFFDy"}); err != nil || !seen[k] {
			t.Errorf("Seen = %v, %v", seen, err)
		}
		if prior, err := s.Alerted(ctx, "nahost", []string{k}); err != nil || prior[k].AlertID != a.ID {
			t.Errorf("Alerted = %+v, %v", prior, err)
		}
		key := "kurier\x00https://rr.example/feed\x00nahost"
		if err := s.SaveValidators(ctx, key, news.Validators{ETag: `"7"`}); err != nil {
			t.Fatal(err)
		}
		if v, err := s.Validators(ctx, key); err != nil || v.ETag != `"7"` {
			t.Errorf("Validators = %+v, %v", v, err)
		}
	})
}
