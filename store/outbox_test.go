package store

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/newsbot/newsbot/news"
)

func alert(watcher, url string) *news.Alert {
	return &news.Alert{
		Watcher:   watcher,
		Channel:   "#" + watcher,
		Source:    "rundschau",
		URL:       url,
		Title:     "Waffenruhe in Idlib",
		Summary:   "Im Nordwesten von Syrien gilt eine Waffenruhe gegen den IS.",
		Terms:     []string{"Syrien", "IS"},
		Marks:     [][2]int{{18, 24}, {56, 58}},
		Snippets:  []news.Snippet{{Text: "die IS-Miliz nutzt", Marks: [][2]int{{4, 6}}}},
		Published: time.Date(2025, 6, 17, 10, 30, 0, 0, time.FixedZone("CEST", 2*3600)),
		Found:     time.Date(2025, 6, 17, 9, 0, 0, 0, time.UTC),
		Lang:      "de",
		FromFeed:  true,
	}
}

func TestRecordAlertAndPending(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		first := alert("nahost", "https://rr.example/syrien.html")
		second := alert("macron", "https://rr.example/macron.html")
		second.Snippets, second.Marks, second.FromFeed = nil, nil, false
		third := alert("nahost", "https://rr.example/koblenz.html")

		for _, a := range []*news.Alert{first, second, third} {
			keys := []string{a.URL, a.URL + "?amp=1"}
			if err := s.RecordAlert(ctx, a, keys); err != nil {
				t.Fatal(err)
			}
			if a.ID == 0 {
				t.Errorf("RecordAlert(%s) set no ID", a.URL)
			}
			seen, err := s.Seen(ctx, a.Watcher, keys)
			if err != nil || !seen[keys[0]] || !seen[keys[1]] {
				t.Errorf("after RecordAlert, Seen(%s, %v) = %v, %v", a.Watcher, keys, seen, err)
			}
		}
		if !(first.ID < second.ID && second.ID < third.ID) {
			t.Errorf("IDs %d, %d, %d are not increasing", first.ID, second.ID, third.ID)
		}
		// The alert's keys are seen by its watcher only.
		if seen, _ := s.Seen(ctx, "macron", []string{first.URL}); seen[first.URL] {
			t.Error("macron sees an article that only nahost alerted on")
		}

		got, err := s.Pending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []*news.Alert{first, second, third}
		if len(got) != len(want) {
			t.Fatalf("Pending gave %d alerts, want %d", len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if !g.Published.Equal(w.Published) || !g.Found.Equal(w.Found) {
				t.Errorf("alert %d: Published %v, Found %v; want %v, %v", i, g.Published, g.Found, w.Published, w.Found)
			}
			gc, wc := *g, *w
			gc.Published, gc.Found, wc.Published, wc.Found = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if !reflect.DeepEqual(gc, wc) {
				t.Errorf("alert %d from Pending:\n%+v\nwant\n%+v", i, gc, wc)
			}
		}
		if counts, err := s.Counts(ctx); err != nil || !reflect.DeepEqual(counts, map[string]int{StatusPending: 3}) {
			t.Errorf("Counts = %v, %v", counts, err)
		}
	})
}

// RecordAlert marks the article seen only if the alert is recorded too:
// a failure leaves neither, so that the next run tries again.
func TestRecordAlertAtomic(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpen(t)
	if _, err := s.db.Exec(`CREATE TRIGGER refuse BEFORE INSERT ON alerts WHEN NEW.url LIKE '%refused%'
		BEGIN SELECT RAISE(ABORT, 'disk full'); END`); err != nil {
		t.Fatal(err)
	}
	a := alert("nahost", "https://rr.example/refused.html")
	if err := s.RecordAlert(ctx, a, []string{a.URL}); err == nil {
		t.Fatal("RecordAlert succeeded although the insert failed")
	}
	if seen, err := s.Seen(ctx, "nahost", []string{a.URL}); err != nil || seen[a.URL] {
		t.Errorf("a failed RecordAlert left the article seen: %v, %v", seen, err)
	}
	if p, err := s.Pending(ctx); err != nil || len(p) != 0 {
		t.Errorf("Pending = %d alerts, %v; want none", len(p), err)
	}

	// A cancelled context records nothing either.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	b := alert("nahost", "https://rr.example/ok.html")
	if err := s.RecordAlert(cctx, b, []string{b.URL}); err == nil {
		t.Error("RecordAlert with a cancelled context succeeded")
	}
	if seen, _ := s.Seen(ctx, "nahost", []string{b.URL}); seen[b.URL] {
		t.Error("a cancelled RecordAlert left the article seen")
	}
}

func TestMarkSentAndFailed(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		var as []*news.Alert
		for _, u := range []string{"sent", "retry", "parked", "waiting"} {
			a := alert("nahost", "https://rr.example/"+u+".html")
			if err := s.RecordAlert(ctx, a, []string{a.URL}); err != nil {
				t.Fatal(err)
			}
			as = append(as, a)
		}
		if err := s.MarkSent(ctx, as[0].ID, "1700000000.000001", -1); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkFailed(ctx, as[1].ID, "HTTP 500", news.Retry); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkFailed(ctx, as[2].ID, "channel_not_found", news.Permanent); err != nil {
			t.Fatal(err)
		}

		pending, err := s.Pending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var urls []string
		for _, a := range pending {
			urls = append(urls, a.URL)
		}
		want := []string{"https://rr.example/retry.html", "https://rr.example/waiting.html"}
		if !reflect.DeepEqual(urls, want) {
			t.Errorf("Pending = %q, want %q (sent and permanently failed alerts leave the outbox)", urls, want)
		}
		counts, err := s.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{StatusSent: 1, StatusPending: 2, StatusFailed: 1}; !reflect.DeepEqual(counts, want) {
			t.Errorf("Counts = %v, want %v", counts, want)
		}

		type row struct {
			status, errMsg, ts string
			attempts           int
		}
		rows := map[int64]row{}
		for _, a := range as {
			var r row
			if err := s.db.QueryRow(`SELECT status, error, ts, attempts FROM alerts WHERE id = ?`, a.ID).
				Scan(&r.status, &r.errMsg, &r.ts, &r.attempts); err != nil {
				t.Fatal(err)
			}
			rows[a.ID] = r
		}
		wantRows := map[int64]row{
			as[0].ID: {StatusSent, "", "1700000000.000001", 1},
			as[1].ID: {StatusPending, "HTTP 500", "", 1},
			as[2].ID: {StatusFailed, "channel_not_found", "", 1},
			as[3].ID: {StatusPending, "", "", 0},
		}
		if !reflect.DeepEqual(rows, wantRows) {
			t.Errorf("rows = %+v\nwant %+v", rows, wantRows)
		}

		// A retry that succeeds clears the error.
		if err := s.MarkSent(ctx, as[1].ID, "1700000000.000002", -1); err != nil {
			t.Fatal(err)
		}
		var errMsg string
		var attempts int
		s.db.QueryRow(`SELECT error, attempts FROM alerts WHERE id = ?`, as[1].ID).Scan(&errMsg, &attempts)
		if errMsg != "" || attempts != 2 {
			t.Errorf("after a failed and a good attempt: error %q, attempts %d; want \"\", 2", errMsg, attempts)
		}
	})
}

// An alert on an article the watcher saw under another link is not
// recorded, but its new link is, so that it is not fetched again.
func TestRecordAlertSeenUnderAnotherLink(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, err := Open(ctx, freshDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		first := &news.Alert{Watcher: "w", Channel: "#c", URL: "https://rr.example/a.html"}
		if err := s.RecordAlert(ctx, first, []string{first.URL}); err != nil {
			t.Fatal(err)
		}
		again := &news.Alert{Watcher: "w", Channel: "#c", URL: "https://rr.example/a.html"}
		err = s.RecordAlert(ctx, again, []string{"https://rr.example/mirror.html", again.URL})
		if !errors.Is(err, news.ErrSeen) {
			t.Fatalf("RecordAlert = %v, want news.ErrSeen", err)
		}
		if seen, _ := s.Seen(ctx, "w", []string{"https://rr.example/mirror.html"}); !seen["https://rr.example/mirror.html"] {
			t.Error("the other link was not recorded as seen")
		}
		if p, _ := s.Pending(ctx); len(p) != 1 {
			t.Errorf("%d alerts pending, want the first only", len(p))
		}
	})
}

// While another process writes, RecordAlert waits for it (the busy
// timeout) instead of failing.
func TestRecordAlertWaitsForAnotherWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "n.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.db.BeginTx(ctx, nil) // takes the write lock (immediate)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO seen (watcher, key, seen_at) VALUES ('x', 'y', 1)`); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		tx.Commit()
	}()
	a := &news.Alert{Watcher: "w", Channel: "#c", URL: "https://rr.example/a.html"}
	if err := s.RecordAlert(ctx, a, []string{a.URL}); err != nil {
		t.Fatalf("RecordAlert while another process writes: %v", err)
	}
}
