package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The store's tests are its contract: each runs on SQLite, and on
// PostgreSQL when NEWSBOT_TEST_POSTGRES holds the URL of a database the
// tests may create databases beside (.ci/postgres starts one).
func each(t *testing.T, fn func(t *testing.T)) {
	t.Run("sqlite", fn)
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv("NEWSBOT_TEST_POSTGRES") == "" {
			t.Skip("NEWSBOT_TEST_POSTGRES is not set")
		}
		fn(t)
	})
}

var databases atomic.Int64

// freshDSN names a new, empty database for the test: a SQLite file in a
// temporary folder, or, in a test's "postgres" run, a PostgreSQL database
// made for it and dropped after it.
func freshDSN(tb testing.TB) string {
	tb.Helper()
	if !strings.Contains(tb.Name(), "/postgres") {
		return filepath.Join(tb.TempDir(), "newsbot.db")
	}
	admin := os.Getenv("NEWSBOT_TEST_POSTGRES")
	db, err := sql.Open("pgx", admin)
	if err != nil {
		tb.Fatal(err)
	}
	name := fmt.Sprintf("newsbot_t%d_%d", os.Getpid(), databases.Add(1))
	if _, err := db.Exec(`CREATE DATABASE ` + name); err != nil {
		db.Close()
		tb.Fatalf("create a database for the test: %v", err)
	}
	tb.Cleanup(func() {
		db.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`)
		db.Close()
	})
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Exec and QueryRow are for the tests' own statements, in the dialect's
// spelling of placeholders.
func (d *db) Exec(q string, args ...any) (sql.Result, error) {
	return d.ExecContext(context.Background(), q, args...)
}

func (d *db) QueryRow(q string, args ...any) *sql.Row {
	return d.QueryRowContext(context.Background(), q, args...)
}

// Replicas that start at once on an empty PostgreSQL database apply each
// migration once, and all open; a schema newer than this newsbot is
// refused, as on SQLite.
func TestPostgresReplicasMigrateOnce(t *testing.T) {
	if os.Getenv("NEWSBOT_TEST_POSTGRES") == "" {
		t.Skip("NEWSBOT_TEST_POSTGRES is not set")
	}
	t.Run("postgres", func(t *testing.T) {
		ctx := context.Background()
		dsn := freshDSN(t)
		errs := make(chan error, 6)
		stores := make(chan *Store, 6)
		for range 6 {
			go func() {
				s, err := Open(ctx, dsn)
				errs <- err
				stores <- s
			}()
		}
		for range 6 {
			if err := <-errs; err != nil {
				t.Errorf("a replica could not open the store: %v", err)
			}
			if s := <-stores; s != nil {
				defer s.Close()
			}
		}
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var v, n int
		if err := s.db.QueryRow(`SELECT version, (SELECT count(*) FROM schema_version) FROM schema_version`).Scan(&v, &n); err != nil || v != len(migrations) || n != 1 {
			t.Errorf("schema_version = %d (%d rows), %v; want %d", v, n, err, len(migrations))
		}
		if _, err := s.db.Exec(`UPDATE schema_version SET version = ?`, len(migrations)+1); err != nil {
			t.Fatal(err)
		}
		if s, err := Open(ctx, dsn); err == nil || !strings.Contains(err.Error(), "newer than this newsbot knows") {
			if s != nil {
				s.Close()
			}
			t.Errorf("a newer schema: %v", err)
		}
		// The password stays out of the message.
		bad := strings.Replace(dsn, "newsbot@", "newsbot:s3cret@", 1)
		bad = strings.Replace(bad, "127.0.0.1:", "127.0.0.1:1", 1)
		if _, err := Open(ctx, bad); err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("a wrong URL: %v", err)
		}
	})
}

// A PostgreSQL database made before the schema was one list for both
// databases counted its own migrations, the first being SQLite's first
// fifteen: opened now, it gets the three after those, and is counted as
// SQLite's are.
func TestPostgresOwnNumberingMigrates(t *testing.T) {
	if os.Getenv("NEWSBOT_TEST_POSTGRES") == "" {
		t.Skip("NEWSBOT_TEST_POSTGRES is not set")
	}
	t.Run("postgres", func(t *testing.T) {
		ctx := context.Background()
		dsn := freshDSN(t)
		old, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range migrations[:pgFirstLease] {
			if _, err := old.Exec(postgres.spell(m)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := old.Exec(`CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1)`); err != nil {
			t.Fatal(err)
		}
		defer old.Close()
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var v int
		if err := s.db.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil || v != len(migrations) {
			t.Errorf("schema_version = %d, %v; want %d", v, err, len(migrations))
		}
		// The migrations after the fifteenth were applied: mutes, with
		// their count of what they kept back.
		if err := s.Mute(ctx, "nahost", time.Now().Add(time.Hour), "anna"); err != nil {
			t.Errorf("mute after the migration: %v", err)
		}
		if m, err := s.Mutes(ctx); err != nil || m["nahost"].By != "anna" {
			t.Errorf("mutes after the migration: %v, %v", m, err)
		}
		s.Close()

		// One that had all of its own (4, which are the list's first 18)
		// gets those after them, and is counted anew.
		dsn = freshDSN(t)
		old2, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer old2.Close()
		for _, m := range migrations[:pgFirstLease+3] {
			if _, err := old2.Exec(postgres.spell(m)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := old2.Exec(`CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (4)`); err != nil {
			t.Fatal(err)
		}
		s, err = Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.db.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil || v != len(migrations) {
			t.Errorf("from its own version 4: schema_version = %d, %v; want %d", v, err, len(migrations))
		}
	})
}

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
