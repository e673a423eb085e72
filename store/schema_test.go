package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/news"
)

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

// A SQLite path that would open wrongly is refused, saying what is
// wrong: a folder that is not there, a folder for a file, and an empty
// file, which SQLite would take for a new store (and newsbot would alert
// on everything again). A new path makes a new store.
func TestOpenBadPath(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, want string }{
		{filepath.Join(dir, "no", "such", "dir", "newsbot.db"), "the folder " + filepath.Join(dir, "no", "such", "dir") + " does not exist"},
		{dir, "is a folder"},
		{empty, "the file is empty (0 bytes)"},
	} {
		s, err := Open(context.Background(), tt.path)
		if err == nil {
			s.Close()
			t.Errorf("Open(%s) succeeded", tt.path)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%s) = %v, want it to say %q", tt.path, err, tt.want)
		}
	}
	if fi, err := os.Stat(empty); err != nil || fi.Size() != 0 {
		t.Errorf("the refused empty file was changed: %v, %v", fi, err)
	}
	fresh := filepath.Join(dir, "new.db")
	s, err := Open(context.Background(), fresh)
	if err != nil {
		t.Fatalf("a new store: %v", err)
	}
	s.Close()
	if s, err := Open(context.Background(), fresh); err != nil {
		t.Errorf("the new store opened again: %v", err)
	} else {
		s.Close()
	}
}

// Stories of an older store (one row per alert) survive the migration.
func TestStoriesMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "newsbot.db")
	// A store of the schema before versions were stories.
	at := slices.IndexFunc(migrations, func(m string) bool { return strings.Contains(m, "stories_v2") })
	old, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations[:at] {
		if _, err := old.Exec(sqlite.spell(m)); err != nil {
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

// A new store is made whole or not at all: what a process killed while
// making it leaves is never an empty file at the store's path (which the
// next start would refuse as a store lost), and two processes making it
// at once open one store.
func TestNewStoreMadeWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "newsbot.db")
	// What a kill while making one left, long ago.
	stale := path + ".new-1-1"
	os.WriteFile(stale, nil, 0o644)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)
	ctx := context.Background()
	var wg sync.WaitGroup
	stores := make([]*Store, 2)
	errs := make([]error, 2)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, path) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	if err := stores[0].SaveValidators(ctx, "k", news.Validators{ETag: `"1"`}); err != nil {
		t.Fatal(err)
	}
	if v, err := stores[1].Validators(ctx, "k"); err != nil || v.ETag != `"1"` {
		t.Errorf("the second process's store is another: %+v, %v", v, err)
	}
	left, _ := filepath.Glob(path + ".new-*")
	if len(left) != 0 {
		t.Errorf("left beside the store: %v", left)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Errorf("the store's file: %v, %v", fi, err)
	}
}

// A store made new holds no replica but its opener's: the one that made
// it was no process (Prune found a replica that never beat).
func TestNewStoreHasNoStrangerReplica(t *testing.T) {
	s, _ := mustOpen(t)
	var n int
	if err := s.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM replicas WHERE owner != ?`, s.owner).Scan(&n); err != nil || n != 0 {
		t.Errorf("replicas other than the opener's: %d, %v", n, err)
	}
}
