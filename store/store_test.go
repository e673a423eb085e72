package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/news"
)

// mustOpen opens a store in a fresh database (freshDSN) that is closed
// with the test, and returns it with the database's name.
func mustOpen(tb testing.TB) (*Store, string) {
	tb.Helper()
	dsn := freshDSN(tb)
	s, err := Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, dsn
}

func userVersion(t *testing.T, s *Store) int {
	t.Helper()
	var v int
	if err := s.db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOpenMigrates(t *testing.T) {
	ctx := context.Background()
	s, path := mustOpen(t)
	if v := userVersion(t, s); v != len(migrations) {
		t.Errorf("user_version = %d, want %d", v, len(migrations))
	}
	for _, table := range []string{"seen", "primed", "alerts"} {
		var n int
		if err := s.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: %d, %v", table, n, err)
		}
	}
	if err := s.MarkSeen(ctx, "nahost", "rundschau", []string{"https://rr.example/a"}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Opening again runs no migration twice (it would fail on CREATE
	// TABLE) and keeps what was there.
	for i := 0; i < 2; i++ {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("re-open %d: %v", i+1, err)
		}
		if v := userVersion(t, s); v != len(migrations) {
			t.Errorf("re-open %d: user_version = %d", i+1, v)
		}
		seen, err := s.Seen(ctx, "nahost", []string{"https://rr.example/a"})
		if err != nil || !seen["https://rr.example/a"] {
			t.Errorf("re-open %d: Seen = %v, %v", i+1, seen, err)
		}
		s.Close()
	}
}

func TestOpenNewerSchema(t *testing.T) {
	ctx := context.Background()
	s, path := mustOpen(t)
	if _, err := s.db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(ctx, path); err == nil {
		s.Close()
		t.Fatal("Open of a database from a newer newsbot succeeded")
	}
}

func TestOpenBadPath(t *testing.T) {
	if s, err := Open(context.Background(), filepath.Join(t.TempDir(), "no", "such", "dir", "newsbot.db")); err == nil {
		s.Close()
		t.Fatal("Open in a missing directory succeeded")
	}
}

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
		if err := s.MarkSent(ctx, as[0].ID, "1700000000.000001"); err != nil {
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
		if err := s.MarkSent(ctx, as[1].ID, "1700000000.000002"); err != nil {
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

func TestReopenKeepsEverything(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		path := freshDSN(t)
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		a := alert("nahost", "https://rr.example/syrien.html")
		if err := s.MarkSeen(ctx, "nahost", "rundschau", []string{"https://rr.example/old.html"}); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordAlert(ctx, a, []string{a.URL}); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}

		s, err = Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		seen, err := s.Seen(ctx, "nahost", []string{"https://rr.example/old.html", a.URL})
		if err != nil || len(seen) != 2 {
			t.Errorf("after re-open, Seen = %v, %v", seen, err)
		}
		if ok, err := s.Primed(ctx, "nahost", "rundschau"); err != nil || !ok {
			t.Errorf("after re-open, Primed = %v, %v", ok, err)
		}
		pending, err := s.Pending(ctx)
		if err != nil || len(pending) != 1 || pending[0].ID != a.ID || pending[0].Title != a.Title {
			t.Fatalf("after re-open, Pending = %+v, %v", pending, err)
		}
		// IDs keep counting after a restart.
		b := alert("nahost", "https://rr.example/next.html")
		if err := s.RecordAlert(ctx, b, nil); err != nil {
			t.Fatal(err)
		}
		if b.ID <= a.ID {
			t.Errorf("ID after re-open %d, not after %d", b.ID, a.ID)
		}
	})
}

// Watchers run concurrently against one store.
func TestConcurrentUse(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				watcher := fmt.Sprintf("w%d", w)
				for i := range 20 {
					a := alert(watcher, fmt.Sprintf("https://rr.example/%s/%d.html", watcher, i))
					if err := s.RecordAlert(ctx, a, []string{a.URL}); err != nil {
						errs <- err
						return
					}
					if _, err := s.Seen(ctx, watcher, []string{a.URL}); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		pending, err := s.Pending(ctx)
		if err != nil || len(pending) != 160 {
			t.Errorf("Pending = %d alerts, %v; want 160", len(pending), err)
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

func TestSourceChecked(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, err := Open(ctx, freshDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var got []string
		for _, ok := range []bool{false, false, false, false, true, true, false} {
			tell, _, err := s.SourceChecked(ctx, "faz", ok, 3)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, tell)
		}
		if want := []string{"", "", "down", "", "up", "", ""}; !reflect.DeepEqual(got, want) {
			t.Errorf("tells = %q, want %q", got, want)
		}
	})
}

// An alert claimed by a process of this host that has died is handed out
// again at once, marked Interrupted, and may be claimed; one claimed by a
// live process, by one on another host or in another process ID
// namespace, waits for ClaimTimeout.
func TestClaimOfDeadProcess(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, path := mustOpen(t)
		if f := strings.Fields(s.owner); len(f) != 6 || slices.Contains(f, "-") {
			t.Skipf("processes can't be told apart here (owner %q): claims wait for the timeout", s.owner)
		}
		for i := 0; i < 4; i++ {
			if err := s.RecordAlert(ctx, alert("nahost", fmt.Sprintf("https://rr.example/%d", i)), nil); err != nil {
				t.Fatal(err)
			}
		}
		// A process that has exited: its ID is free (or taken by another
		// process, which then looks alive: the safe side).
		cmd := exec.Command("true")
		if err := cmd.Run(); err != nil {
			t.Skip("no process to outlive:", err)
		}
		me := strings.Fields(s.owner)
		owner := func(host, ns string, pid int, start, nonce string) string {
			return strings.Join([]string{host, me[1], ns, strconv.Itoa(pid), start, nonce}, " ")
		}
		ppid := os.Getppid()
		owners := []string{
			owner(me[0], me[2], cmd.Process.Pid, "4711", "deadbeef0001"),       // dead
			owner(me[0], me[2], ppid, startTime(ppid), "deadbeef0002"),         // alive
			owner("elsewhere", me[2], cmd.Process.Pid, "4711", "deadbeef0003"), // another host
			owner(me[0], "pid:[1]", cmd.Process.Pid, "4711", "deadbeef0004"),   // another namespace
		}
		for i, o := range owners {
			if _, err := s.db.Exec(`UPDATE alerts SET status = 'sending', claimed_at = ?, claimed_by = ? WHERE id = ?`, time.Now().Unix(), o, i+1); err != nil {
				t.Fatal(err)
			}
		}
		// Another process opening the store later (a restart).
		s2, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if running(cmd.Process.Pid) {
			t.Skip("the exited process's ID was taken again")
		}
		got, err := s2.Pending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != 1 || !got[0].Interrupted {
			t.Fatalf("pending = %+v, want only alert 1, interrupted", got)
		}
		if ok, err := s2.Claim(ctx, &news.Alert{ID: 1}); !ok || err != nil {
			t.Errorf("claiming the dead process's alert: %v, %v", ok, err)
		}
		for _, id := range []int64{2, 3, 4} {
			if ok, err := s2.Claim(ctx, &news.Alert{ID: id}); ok || err != nil {
				t.Errorf("claimed alert %d, held by a live, remote or unknowable process: %v", id, err)
			}
		}
		for _, tt := range []struct {
			what  string
			owner string
			dead  bool
		}{
			{"a process ID now taken by another process", owner(me[0], me[2], ppid, "4711", "deadbeef0005"), true},
			{"an earlier process with this process's ID", owner(me[0], me[2], os.Getpid(), "4711", "deadbeef0006"), true},
			{"another open store of this process", s.owner, false},
			{"an owner from a system that can't tell", "- - - 42 - deadbeef0007", false},
		} {
			if got := s2.dead(tt.owner); got != tt.dead {
				t.Errorf("dead(%s) = %v, want %v", tt.what, got, tt.dead)
			}
		}
		// Past the timeout, every claim is taken over.
		s2.now = func() time.Time { return time.Now().Add(ClaimTimeout + time.Minute) }
		if got, _ := s2.Pending(ctx); len(got) != 4 {
			t.Errorf("after the claim timeout %d alerts pending, want all 4", len(got))
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
		f, err := s.SourceListed(ctx, "kurier", []string{"a", "b"}, t0)
		if err != nil || f.New != 0 || !f.LastNew.Equal(t0) || len(f.Gaps) != 0 {
			t.Fatalf("first check: %+v, %v; want nothing new, known now", f, err)
		}
		f, _ = s.SourceListed(ctx, "kurier", []string{"b", "a"}, t0.Add(time.Hour))
		if f.New != 0 || !f.LastNew.Equal(t0) {
			t.Errorf("same items: %+v", f)
		}
		f, _ = s.SourceListed(ctx, "kurier", []string{"c", "b"}, t0.Add(3*time.Hour))
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
		f, _ = s.SourceListed(ctx, "kurier", []string{"c", "b"}, t0.Add(4*time.Hour))
		if f.New != 0 || !f.Stale || len(f.Gaps) != 1 {
			t.Errorf("after reopening: %+v", f)
		}
	})
}

// A follow-up recorded after Pending read an unsent alert replaces it;
// Claim hands out the new version, so the old headline is never sent.
func TestClaimGivesTheLatestVersion(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		a := alert("nahost", "https://rr.example/syrien.html")
		a.Mentions = []string{"<!here>"}
		if err := s.RecordAlert(ctx, a, []string{a.URL}); err != nil {
			t.Fatal(err)
		}
		pending, err := s.Pending(ctx)
		if err != nil || len(pending) != 1 {
			t.Fatalf("pending: %v, %v", pending, err)
		}
		prior, err := s.Alerted(ctx, "nahost", []string{a.URL})
		if err != nil || prior[a.URL].AlertID != a.ID || prior[a.URL].Title != a.Title {
			t.Fatalf("Alerted = %+v, %v", prior, err)
		}
		newer := alert("nahost", a.URL)
		newer.Title = "Waffenruhe in Idlib hält"
		newer.Mentions = []string{"<!here>"}
		newer.Update = &news.Update{OldTitle: a.Title}
		if err := s.RecordFollowUp(ctx, prior[a.URL], newer, []string{a.URL}, "sig2"); err != nil {
			t.Fatal(err)
		}
		got := pending[0]
		if ok, err := s.Claim(ctx, got); !ok || err != nil {
			t.Fatalf("claim: %v, %v", ok, err)
		}
		if got.Title != "Waffenruhe in Idlib hält" || got.Update != nil || got.ThreadOf != 0 || len(got.Mentions) != 1 {
			t.Errorf("claimed %+v; want the new headline, as a first alert with its mention", got)
		}
		if counts, _ := s.Counts(ctx); counts[StatusSending] != 1 || len(counts) != 1 {
			t.Errorf("counts %v: the follow-up should have replaced the unsent alert", counts)
		}
	})
}

// A failure that may have posted the alert (news.Unsure) is remembered
// until the alert is recorded sent: every later attempt looks first.
func TestUnsureFailure(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		a := alert("nahost", "https://rr.example/syrien.html")
		if err := s.RecordAlert(ctx, a, nil); err != nil {
			t.Fatal(err)
		}
		interrupted := func() bool {
			p, err := s.Pending(ctx)
			if err != nil || len(p) != 1 {
				t.Fatalf("pending: %v, %v", p, err)
			}
			return p[0].Interrupted
		}
		if interrupted() {
			t.Error("a new alert is marked interrupted")
		}
		s.MarkFailed(ctx, a.ID, "timeout", news.Unsure)
		if !interrupted() {
			t.Error("after a timeout the alert is not marked as maybe posted")
		}
		s.MarkFailed(ctx, a.ID, "channel resting", news.Retry)
		if !interrupted() {
			t.Error("a later plain failure forgot that the alert may have been posted")
		}
		// A follow-up of an alert that may be posted is a reply, not a
		// replacement of it.
		prior, _ := s.Alerted(ctx, "nahost", []string{a.URL})
		if len(prior) == 0 {
			if err := s.RecordFollowUp(ctx, news.Prior{AlertID: a.ID}, nil, []string{a.URL}, "sig0"); err != nil {
				t.Fatal(err)
			}
		}
		newer := alert("nahost", a.URL)
		newer.Update = &news.Update{OldTitle: a.Title}
		if err := s.RecordFollowUp(ctx, news.Prior{AlertID: a.ID, Title: a.Title}, newer, []string{a.URL}, "sig2"); err != nil {
			t.Fatal(err)
		}
		if newer.ID == a.ID || newer.ThreadOf != a.ID {
			t.Errorf("the follow-up replaced an alert that may have been posted (ID %d, ThreadOf %d)", newer.ID, newer.ThreadOf)
		}
		if err := s.MarkSent(ctx, a.ID, "1700000000.000001"); err != nil {
			t.Fatal(err)
		}
		p, _ := s.Pending(ctx)
		if len(p) != 1 || p[0].ID != newer.ID || p[0].ThreadTS != "1700000000.000001" || p[0].ParentPending {
			t.Errorf("pending after the first went out: %+v; want the reply, in its thread", p)
		}
	})
}

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

// Stories of an older store (one row per alert) survive the migration.
func TestStoriesMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "newsbot.db")
	// A store of the schema before versions were stories.
	at := slices.IndexFunc(migrations, func(m string) bool { return strings.Contains(m, "stories_v2") })
	old, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations[:at] {
		if _, err := old.Exec(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := old.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, at)); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(`INSERT INTO stories (alert_id, watcher, source, host, found_at, sig, title, terms) VALUES (7, 'nahost', 'kurier', 'kurier.example', ?, x'01', 'Waffenruhe', '["Syrien"]')`, time.Now().Unix()); err != nil {
		t.Fatal(err)
	}
	old.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	refs, err := s.RecentStories(ctx, "nahost", time.Now().Add(-time.Hour))
	if err != nil || len(refs) != 1 || refs[0].AlertID != 7 || refs[0].ID == 0 || refs[0].Title != "Waffenruhe" || !slices.Equal(refs[0].Terms, []string{"Syrien"}) {
		t.Errorf("after the migration: %+v, %v", refs, err)
	}
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

// One replica at a time holds a lease; the holder may renew it; when it
// has run out, another takes it.
func TestLease(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s1, dsn := mustOpen(t)
		s2, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			s    *Store
			want bool
			what string
		}{{s1, true, "the first"}, {s2, false, "another while it holds"}, {s1, true, "the holder again"}} {
			if got, err := tc.s.Lease(ctx, "source\x00kurier", time.Minute); err != nil || got != tc.want {
				t.Errorf("Lease by %s = %v, %v; want %v", tc.what, got, err, tc.want)
			}
		}
		if got, _ := s2.Lease(ctx, "source\x00bote", time.Minute); !got {
			t.Error("a lease on another key was refused")
		}
		s2.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
		if got, err := s2.Lease(ctx, "source\x00kurier", time.Minute); err != nil || !got {
			t.Errorf("Lease after it ran out = %v, %v", got, err)
		}
		if got, _ := s1.Lease(ctx, "source\x00kurier", time.Minute); got {
			t.Error("the first holder took back a lease another holds")
		}
		// A store that closes gives its leases up (a restart, a reload).
		s2.now = time.Now
		if got, _ := s2.Lease(ctx, "source\x00rundschau", time.Hour); !got {
			t.Fatal("a free lease was refused")
		}
		s2.Close()
		if got, err := s1.Lease(ctx, "source\x00rundschau", time.Hour); err != nil || !got {
			t.Errorf("the lease of a closed store = %v, %v; want it taken", got, err)
		}
		// A replica silent for HeartbeatStale loses its leases.
		if _, err := s1.db.Exec(`INSERT INTO replicas (owner, beat_at) VALUES ('far-host b ns 7 7 gone', ?)`, time.Now().Add(-2*HeartbeatStale).Unix()); err != nil {
			t.Fatal(err)
		}
		if _, err := s1.db.Exec(`INSERT INTO leases (key, owner, until_ms) VALUES (?, 'far-host b ns 7 7 gone', ?)`, "source\x00silent", time.Now().Add(time.Hour).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if _, err := s1.db.Exec(`INSERT INTO leases (key, owner, until_ms) VALUES (?, ?, ?)`, "source\x00lively", s2.owner+"x", time.Now().Add(time.Hour).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if got, err := s1.Lease(ctx, "source\x00silent", time.Hour); err != nil || !got {
			t.Errorf("the lease of a silent replica = %v, %v; want it taken", got, err)
		}
		if got, err := s1.Lease(ctx, "source\x00lively", time.Hour); err != nil || got {
			t.Errorf("the lease of a replica not known silent = %v, %v; want it kept", got, err)
		}
	})
}

// An alert claimed by a replica on another host that has not said it
// lives for HeartbeatStale is taken over at once, as interrupted (so the
// channel is looked at first); one whose replica lives is not.
func TestClaimOfSilentReplica(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		for i := range 2 {
			if err := s.RecordAlert(ctx, alert("nahost", fmt.Sprintf("https://rr.example/%d", i)), nil); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Now()
		for i, o := range []struct {
			owner string
			beat  time.Time
		}{
			{"far-host boot ns 4242 99 silentnonce1", now.Add(-2 * HeartbeatStale)},
			{"far-host boot ns 4343 99 livelynonce2", now},
		} {
			if _, err := s.db.Exec(`UPDATE alerts SET status = 'sending', claimed_at = ?, claimed_by = ? WHERE id = ?`, now.Unix(), o.owner, i+1); err != nil {
				t.Fatal(err)
			}
			if _, err := s.db.Exec(`INSERT INTO replicas (owner, beat_at) VALUES (?, ?)`, o.owner, o.beat.Unix()); err != nil {
				t.Fatal(err)
			}
		}
		pending, err := s.Pending(ctx)
		if err != nil || len(pending) != 1 || pending[0].ID != 1 || !pending[0].Interrupted {
			t.Fatalf("Pending = %+v, %v; want alert 1, interrupted", pending, err)
		}
		if ok, err := s.Claim(ctx, pending[0]); !ok || err != nil {
			t.Errorf("claim of a silent replica's alert = %v, %v", ok, err)
		}
		if ok, _ := s.Claim(ctx, &news.Alert{ID: 2}); ok {
			t.Error("claimed an alert a live replica is sending")
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
