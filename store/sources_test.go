package store

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/newsbot/newsbot/news"
)

func TestSourceChecked(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, err := Open(ctx, freshDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var got []news.HealthChange
		for _, ok := range []bool{false, false, false, false, true, true, false} {
			failure := ""
			if !ok {
				failure = "GET https://faz.example/rss: 503 Service Unavailable"
			}
			tell, _, err := s.SourceChecked(ctx, "faz", failure, 3)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, tell)
		}
		if want := []news.HealthChange{news.HealthSame, news.HealthSame, news.HealthDown, news.HealthSame, news.HealthUp, news.HealthSame, news.HealthSame}; !reflect.DeepEqual(got, want) {
			t.Errorf("tells = %v, want %v", got, want)
		}
	})
}

// SourceListed counts the items new since the last check and keeps the
// gaps between checks that found something new.
func TestSourceListed(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, path := mustOpen(t)
		t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
		f, err := s.SourceListed(ctx, "kurier", []string{"a", "b"}, t0, 0)
		if err != nil || f.New != 0 || !f.LastNew.Equal(t0) || len(f.Gaps) != 0 {
			t.Fatalf("first check: %+v, %v; want nothing new, known now", f, err)
		}
		f, _ = s.SourceListed(ctx, "kurier", []string{"b", "a"}, t0.Add(time.Hour), 0)
		if f.New != 0 || !f.LastNew.Equal(t0) {
			t.Errorf("same items: %+v", f)
		}
		f, _ = s.SourceListed(ctx, "kurier", []string{"c", "b"}, t0.Add(3*time.Hour), 0)
		if f.New != 1 || !f.LastNew.Equal(t0.Add(3*time.Hour)) || len(f.Gaps) != 1 || f.Gaps[0] != 3*time.Hour {
			t.Errorf("one new item after 3 h: %+v", f)
		}
		if err := s.MarkStale(ctx, "kurier", true); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s, err = Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		f, _ = s.SourceListed(ctx, "kurier", []string{"c", "b"}, t0.Add(4*time.Hour), 0)
		if f.New != 0 || !f.Stale || len(f.Gaps) != 1 {
			t.Errorf("after reopening: %+v", f)
		}
	})
}

// Prune forgets old stories, validators and failed fetches, and nothing
// newer.
func TestPrune(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		now := time.Now()
		s.now = func() time.Time { return now.Add(-72 * time.Hour) }
		old := storyAlert("nahost", "https://kurier.example/old", "kurier")
		s.RecordAlert(ctx, old, []string{old.URL})
		s.SaveValidators(ctx, "old", news.Validators{ETag: `"1"`})
		s.now = func() time.Time { return now }
		recent := storyAlert("nahost", "https://kurier.example/new", "kurier")
		s.RecordAlert(ctx, recent, []string{recent.URL})
		s.SaveValidators(ctx, "new", news.Validators{ETag: `"2"`})
		n, err := s.Prune(ctx, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
		if err != nil || n != 2 {
			t.Errorf("Prune = %d, %v; want the old story and the old validators", n, err)
		}
		refs, _ := s.RecentStories(ctx, "nahost", time.Time{})
		if len(refs) != 1 || refs[0].AlertID != recent.ID {
			t.Errorf("stories after Prune: %+v", refs)
		}
		if v, _ := s.Validators(ctx, "old"); v.ETag != "" {
			t.Errorf("old validators kept: %+v", v)
		}
		if v, _ := s.Validators(ctx, "new"); v.ETag != `"2"` {
			t.Errorf("new validators lost: %+v", v)
		}
		// The alerts themselves, and what was seen, stay.
		if seen, _ := s.Seen(ctx, "nahost", []string{old.URL}); !seen[old.URL] {
			t.Error("Prune forgot what was seen")
		}
	})
}

// The upserts that count (a day's model budget, a spike told once a
// window, a held-back item's attempts, a digest's time) work on either
// database.
func TestCountingUpserts(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		for i, want := range []bool{true, true, false} {
			if ok, err := s.TakeBudget(ctx, 2); err != nil || ok != want {
				t.Errorf("TakeBudget %d = %v, %v; want %v", i+1, ok, err, want)
			}
		}
		if err := s.ReturnBudget(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.TakeBudget(ctx, 2); err != nil || !ok {
			t.Errorf("TakeBudget after one was returned = %v, %v", ok, err)
		}

		now := time.Now()
		for i, tc := range []struct {
			at   time.Time
			want bool
		}{{now, true}, {now.Add(10 * time.Minute), false}, {now.Add(2 * time.Hour), true}} {
			if told, err := s.SpikeTold(ctx, "nahost", tc.at, tc.at.Add(-time.Hour)); err != nil || told != tc.want {
				t.Errorf("SpikeTold %d = %v, %v; want %v", i+1, told, err, tc.want)
			}
		}
		if err := s.SpikeMessage(ctx, "nahost", 42); err != nil {
			t.Fatal(err)
		}
		if id, err := s.SpikeOver(ctx, "nahost", now.Add(3*time.Hour)); err != nil || id != 42 {
			t.Errorf("SpikeOver = %d, %v; want 42", id, err)
		}
		if id, err := s.SpikeOver(ctx, "nahost", now.Add(3*time.Hour)); err != nil || id != 0 {
			t.Errorf("SpikeOver again = %d, %v; want 0", id, err)
		}

		it := news.Item{Source: "rundschau", URL: "https://rr.example/a", Title: "Waffenruhe"}
		for want := 1; want <= 3; want++ {
			if n, err := s.HoldBack(ctx, "nahost", it); err != nil || n != want {
				t.Errorf("HoldBack %d = %d, %v", want, n, err)
			}
		}
		if held, err := s.HeldBack(ctx, "nahost"); err != nil || len(held) != 1 || held[0].URL != it.URL {
			t.Errorf("HeldBack = %+v, %v", held, err)
		}

		first, err := s.DigestSince(ctx, "nahost")
		if err != nil || first.IsZero() {
			t.Fatalf("DigestSince = %v, %v", first, err)
		}
		if again, err := s.DigestSince(ctx, "nahost"); err != nil || !again.Equal(first) {
			t.Errorf("DigestSince again = %v, %v; want %v", again, err, first)
		}
	})
}

// A site's robots.txt is kept, with its validators and expiry; one the
// site said is unchanged gets only its new expiry.
func TestRobotsKept(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		exp := time.Now().Add(20 * time.Hour).Truncate(time.Second)
		files := []news.RobotsFile{
			{Site: "https://faz.example", Status: 200, Body: []byte("User-agent: *\nDisallow: /x\n"), Validators: news.Validators{ETag: `"1"`}, Expires: exp},
			{Site: "https://bote.example", Status: 404, Expires: exp},
			{Site: "https://down.example", Status: 0, Expires: exp},
		}
		if err := s.SaveRobots(ctx, files); err != nil {
			t.Fatal(err)
		}
		later := exp.Add(time.Hour)
		if err := s.SaveRobots(ctx, []news.RobotsFile{{Site: "https://faz.example", Unchanged: true, Validators: news.Validators{ETag: `"1"`}, Expires: later}}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Robots(ctx, []string{"https://faz.example", "https://bote.example", "https://down.example", "https://new.example"})
		if err != nil {
			t.Fatal(err)
		}
		faz := got["https://faz.example"]
		if len(got) != 3 || faz.Status != 200 || string(faz.Body) != "User-agent: *\nDisallow: /x\n" || faz.Validators.ETag != `"1"` || !faz.Expires.Equal(later) ||
			got["https://bote.example"].Status != 404 || got["https://down.example"].Status != 0 {
			t.Errorf("Robots = %+v", got)
		}
	})
}

// What servers send is kept whatever its bytes: a robots.txt in Latin-1
// with a NUL, validators that are not UTF-8, an error that quotes a
// server's answer. PostgreSQL's text refuses invalid UTF-8 and NUL; one
// such site must not cost the batch of every other site's robots.txt.
func TestHostileBytesKept(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		exp := time.Now().Add(20 * time.Hour).Truncate(time.Second)
		body := []byte("User-agent: *\nDisallow: /gr\xfc\xdfe\\x\x00\n")
		files := []news.RobotsFile{
			{Site: "https://latin.example", Status: 200, Body: body, Validators: news.Validators{ETag: "\"\xff\xfe\"", LastModified: "Mon\x00, 01 Jan"}, Expires: exp},
			{Site: "https://ok.example", Status: 404, Expires: exp},
		}
		if err := s.SaveRobots(ctx, files); err != nil {
			t.Fatalf("SaveRobots: %v", err)
		}
		if err := s.SaveRobots(ctx, []news.RobotsFile{{Site: "https://latin.example", Unchanged: true, Validators: news.Validators{ETag: "W/\"\xe4\""}, Expires: exp}}); err != nil {
			t.Fatalf("SaveRobots, unchanged: %v", err)
		}
		got, err := s.Robots(ctx, []string{"https://latin.example", "https://ok.example"})
		if err != nil {
			t.Fatal(err)
		}
		if f := got["https://latin.example"]; f.Status != 200 || !bytes.Equal(f.Body, body) || f.Validators.ETag == "" || got["https://ok.example"].Status != 404 {
			t.Errorf("Robots = %+v", got)
		}
		for range 3 {
			if _, _, err := s.SourceChecked(ctx, "latin", "GET https://latin.example/rss: 500 \"Fehler: \xfcberlastet\x00\"", 3); err != nil {
				t.Fatalf("SourceChecked: %v", err)
			}
		}
	})
}
