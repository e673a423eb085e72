package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/newsbot/newsbot/news"
)

// A muted watcher's alerts are recorded and never pending; the mute is
// shown with their count, ends on its own or by unmute, and other
// watchers are untouched.
func TestMute(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		now := time.Now()
		record := func(watcher string, i int) {
			t.Helper()
			a := &news.Alert{Watcher: watcher, Channel: "#c", URL: fmt.Sprintf("https://rr.example/%s/%d.html", watcher, i), Title: "T", Found: now}
			if err := s.RecordAlert(ctx, a, []string{a.URL}); err != nil {
				t.Fatal(err)
			}
		}
		pending := func() map[string]int {
			t.Helper()
			p, err := s.Pending(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n := map[string]int{}
			for _, a := range p {
				n[a.Watcher]++
			}
			return n
		}
		if err := s.Mute(ctx, "nahost", now.Add(time.Hour), "@anna"); err != nil {
			t.Fatal(err)
		}
		record("nahost", 1)
		record("nahost", 2)
		record("wirtschaft", 1)
		if p := pending(); p["nahost"] != 0 || p["wirtschaft"] != 1 {
			t.Errorf("pending while nahost is muted: %v; want only wirtschaft's", p)
		}
		mutes, err := s.Mutes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m, ok := mutes["nahost"]
		if !ok || len(mutes) != 1 || m.By != "@anna" || m.Held != 2 || m.Until.Unix() != now.Add(time.Hour).Unix() {
			t.Errorf("Mutes = %+v; want nahost's, by @anna, 2 held, until in an hour", mutes)
		}
		if n, err := s.CountMatches(ctx, "nahost", now.Add(-time.Minute), now.Add(time.Minute)); err != nil || n != 2 {
			t.Errorf("CountMatches of the muted watcher = %d, %v; want 2 (its matches are recorded)", n, err)
		}
		// Past its end, a mute mutes no more.
		s.now = func() time.Time { return now.Add(2 * time.Hour) }
		record("nahost", 3)
		if p := pending(); p["nahost"] != 1 {
			t.Errorf("pending after the mute ended: %v; want nahost's new alert", p)
		}
		if mutes, _ := s.Mutes(ctx); len(mutes) != 0 {
			t.Errorf("Mutes after it ended = %+v", mutes)
		}
		// unmute ends it at once, and says whether there was one.
		s.now = time.Now
		s.Mute(ctx, "nahost", now.Add(time.Hour), "@anna")
		if ok, err := s.Unmute(ctx, "nahost"); err != nil || !ok {
			t.Errorf("Unmute = %v, %v; want true", ok, err)
		}
		if ok, err := s.Unmute(ctx, "nahost"); err != nil || ok {
			t.Errorf("Unmute again = %v, %v; want false", ok, err)
		}
		record("nahost", 4)
		if p := pending(); p["nahost"] != 1 {
			t.Errorf("pending after unmute: %v; want nahost's alert 4 (3, waiting when it was muted again, was muted with it)", p)
		}
		// A reply to an alert recorded while muted (another outlet's
		// version, a follow-up), even after the mute, has no thread to
		// go in: it is kept as its first alert was.
		var first int64
		s.db.QueryRowContext(ctx, `SELECT id FROM alerts WHERE url = ?`, "https://rr.example/nahost/1.html").Scan(&first)
		also := &news.Alert{Watcher: "nahost", Channel: "#c", Source: "bote", URL: "https://bote.example/1.html", Title: "T", Found: now}
		if _, err := s.RecordAlsoReported(ctx, first, also, []string{also.URL}, false); err != nil {
			t.Fatal(err)
		}
		if p := pending(); p["nahost"] != 1 || !also.Muted {
			t.Errorf("pending after a reply to a muted alert: %v (muted: %v); want it kept, not pending", p, also.Muted)
		}
	})
}

// A mute stops what its watcher has waiting too (quiet hours, a digest,
// a backlog), counts it (a digest's articles, not the digest), and keeps
// its start and count when it is given a new end.
func TestMuteStopsWhatWaits(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		now := time.Now()
		s.now = func() time.Time { return now.Add(-time.Minute) }
		for i := range 4 {
			a := &news.Alert{Watcher: "nahost", Channel: "#c", URL: fmt.Sprintf("https://rr.example/%d.html", i), Title: "T", Found: now, InDigest: i > 0}
			if err := s.RecordAlert(ctx, a, []string{a.URL}); err != nil {
				t.Fatal(err)
			}
			if i == 2 {
				// The first two held are folded into a digest that waits
				// to be posted.
				since, _ := s.DigestSince(ctx, "nahost")
				n, err := s.FoldDigest(ctx, "nahost", since, now.Add(-time.Minute), func(h []*news.Alert, since time.Time) []*news.Alert {
					var es []news.Entry
					for _, a := range h {
						es = append(es, news.Entry{AlertID: a.ID})
					}
					return []*news.Alert{{Watcher: "nahost", Channel: "#c", Found: now, Digest: &news.Digest{Entries: es, Total: len(h)}}}
				})
				if err != nil || n != 2 {
					t.Fatalf("FoldDigest = %d, %v", n, err)
				}
			}
		}
		s.now = func() time.Time { return now }
		if err := s.Mute(ctx, "nahost", now.Add(time.Hour), "<@U1>"); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.Pending(ctx); len(p) != 0 {
			t.Errorf("%d alerts still pending after the mute", len(p))
		}
		a := &news.Alert{Watcher: "nahost", Channel: "#c", URL: "https://rr.example/new.html", Title: "T", Found: now}
		s.RecordAlert(ctx, a, []string{a.URL})
		s.now = func() time.Time { return now.Add(10 * time.Minute) }
		if err := s.Mute(ctx, "nahost", now.Add(3*time.Hour), "<@U2>"); err != nil {
			t.Fatal(err)
		}
		m, err := s.Mutes(ctx)
		if err != nil || m["nahost"].Held != 5 || m["nahost"].At.Unix() != now.Unix() || m["nahost"].By != "<@U2>" {
			t.Errorf("Mutes after a longer mute = %+v, %v; want 5 held (4 waiting, 1 new) since the first mute began, by <@U2>", m, err)
		}
		if n, err := s.AlertsSince(ctx, now.Add(-time.Hour)); err != nil || n["nahost"].Muted != 5 {
			t.Errorf("AlertsSince = %v, %v; want 5 muted", n, err)
		}
	})
}

// An alert being sent when the mute begins, whose send then fails for a
// passing reason, is not sent again during the mute: it is kept, and
// counted.
func TestMuteStopsARetry(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		now := time.Now()
		s.now = func() time.Time { return now.Add(-time.Minute) }
		a := &news.Alert{Watcher: "nahost", Channel: "#c", URL: "https://rr.example/x.html", Title: "T", Found: now}
		if err := s.RecordAlert(ctx, a, []string{a.URL}); err != nil {
			t.Fatal(err)
		}
		p, _ := s.Pending(ctx)
		if ok, err := s.Claim(ctx, p[0]); !ok || err != nil {
			t.Fatal(ok, err)
		}
		s.now = func() time.Time { return now }
		if err := s.Mute(ctx, "nahost", now.Add(time.Hour), "<@U1>"); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkFailed(ctx, a.ID, "timeout", news.Retry); err != nil {
			t.Fatal(err)
		}
		p, _ = s.Pending(ctx)
		for _, al := range p {
			if ok, err := s.Claim(ctx, al); ok || err != nil {
				t.Errorf("Claim during the mute = %v, %v; want false: it would be posted", ok, err)
			}
		}
		if p, _ := s.Pending(ctx); len(p) != 0 {
			t.Errorf("%d alerts pending after the claim found the mute", len(p))
		}
		if m, _ := s.Mutes(ctx); m["nahost"].Held != 1 {
			t.Errorf("Mutes = %+v; want the retried alert counted", m)
		}
	})
}

// A mute lives in the store: a store opened again has it.
func TestMuteSurvivesReopening(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, dsn := mustOpen(t)
		until := time.Now().Add(3 * time.Hour)
		if err := s.Mute(ctx, "nahost", until, "@anna"); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s2, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if m, err := s2.Mutes(ctx); err != nil || m["nahost"].Until.Unix() != until.Unix() {
			t.Errorf("Mutes after reopening = %+v, %v", m, err)
		}
	})
}

// Status reads: when each watcher last ran (the latest, whichever replica
// wrote it), failing sources, and recent alerts newest first.
func TestStatusReads(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		now := time.Now().Truncate(time.Second)
		s.WatcherRan(ctx, "nahost", now)
		s.WatcherRan(ctx, "nahost", now.Add(-time.Minute)) // a slower replica
		runs, err := s.WatcherRuns(ctx)
		if err != nil || !runs["nahost"].Equal(now) {
			t.Errorf("WatcherRuns = %v, %v; want nahost at %v", runs, err, now)
		}
		for range 3 {
			s.SourceChecked(ctx, "kurier", "not a feed: the document is empty", 3)
		}
		s.SourceChecked(ctx, "bote", "", 3)
		failing, err := s.FailingSources(ctx)
		if err != nil || len(failing) != 1 || failing[0].Source != "kurier" || failing[0].Failures != 3 || failing[0].Reason != "not a feed: the document is empty" {
			t.Errorf("FailingSources = %+v, %v; want kurier, 3 failures, and why", failing, err)
		}
		for i := range 3 {
			a := &news.Alert{Watcher: "nahost", Channel: "#c", URL: fmt.Sprintf("https://rr.example/%d.html", i), Title: fmt.Sprintf("Meldung %d", i), Found: now}
			s.RecordAlert(ctx, a, []string{a.URL})
		}
		recent, err := s.RecentAlerts(ctx, now.Add(-time.Hour), 2)
		if err != nil || len(recent) != 2 || recent[0].Title != "Meldung 2" || recent[1].Title != "Meldung 1" {
			t.Errorf("RecentAlerts = %d alerts, %v; want Meldung 2 then 1", len(recent), err)
		}
	})
}

// An alert whose stored payload does not read (an older newsbot's, or a
// hand-edited one) is passed over by the readers of recent alerts, which
// /newsbot search and spikes use; the others are read.
func TestRecentAlertsPassOverUnreadable(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		now := time.Now()
		var ids []int64
		for i := range 3 {
			a := &news.Alert{Watcher: "nahost", Channel: "#c", URL: fmt.Sprintf("https://rr.example/%d.html", i), Title: fmt.Sprintf("Meldung %d", i), Found: now}
			if err := s.RecordAlert(ctx, a, []string{a.URL}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		for id, payload := range map[int64]string{ids[0]: `{"Found": "yesterday"}`, ids[1]: `{not json`} {
			if _, err := s.db.Exec(`UPDATE alerts SET payload = ? WHERE id = ?`, payload, id); err != nil {
				t.Fatal(err)
			}
		}
		for name, read := range map[string]func() ([]*news.Alert, error){
			"RecentAlerts":  func() ([]*news.Alert, error) { return s.RecentAlerts(ctx, now.Add(-time.Hour), 10) },
			"RecentMatches": func() ([]*news.Alert, error) { return s.RecentMatches(ctx, "nahost", now.Add(-time.Hour)) },
		} {
			got, err := read()
			if err != nil || len(got) != 1 || got[0].Title != "Meldung 2" {
				t.Errorf("%s = %d alerts, %v; want Meldung 2 alone", name, len(got), err)
			}
		}
	})
}
