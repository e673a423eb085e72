// Package store is newsbot's store. It runs on SQLite (a file,
// modernc.org/sqlite, so newsbot needs no cgo) or on PostgreSQL (pgx), for
// several replicas; the same SQL and one list of migrations (schema.go)
// serve both, spelled by a dialect (dialect.go). A file a concern:
//
//   - seen.go: what each watcher has seen, which sources it has checked
//     before, and items held back after a failed fetch;
//   - outbox.go: the alerts to send, claimed by one process at a time;
//   - followups.go: what a watcher last said of an article;
//   - stories.go: the stories alerted lately, and other outlets' versions;
//   - digests.go and spikes.go: a watcher's digests and spikes;
//   - sources.go: sources' health, freshness and validators of
//     conditional requests;
//   - leases.go: replicas' heartbeats and their leases on source checks;
//   - control.go: what /newsbot reads and writes (mutes, runs, counts);
//   - budget.go: the language model's daily budget.
//
// Consumers declare the few methods they use as interfaces of their own.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// Alert states in the outbox.
const (
	StatusPending = "pending"
	StatusSending = "sending" // claimed by a process that is sending it
	StatusSent    = "sent"
	StatusFailed  = "failed"
	// StatusHeld is an alert waiting for its watcher's digest.
	StatusHeld = "held"
	// StatusFolded is an alert listed in a digest (digest_id); the
	// digest's message is its message.
	StatusFolded = "folded"
	// StatusMuted is an alert recorded while its watcher was muted
	// (/newsbot mute): kept, never posted.
	StatusMuted = "muted"
)

// Store is newsbot's database: a SQLite file or a PostgreSQL database.
type Store struct {
	db  *db
	now func() time.Time
	// owner names this process in its claims: "host pid nonce".
	owner string
	// abandoned maps the alerts Pending found claimed by a dead process
	// to that claim, which Claim may then take over.
	abandoned sync.Map
	// validators are those this store saved (http_cache), by key.
	validators validatorCache
	// health lists the sources with failures (SourceChecked), items every
	// source's freshness (SourceListed).
	health healthSnapshot
	items  itemsSnapshot
	// stopBeat ends the heartbeat; beatDone is closed when it has.
	stopBeat context.CancelFunc
	beatDone chan struct{}
}

// ClaimTimeout is how long a claim on an alert holds: an alert claimed by a
// process that died while sending is pending again after it.
const ClaimTimeout = 10 * time.Minute

// Open opens the store that dsn names: a PostgreSQL URL
// (postgres://… or postgresql://…), or else the path of a SQLite file,
// created if need be; and brings its schema up to date.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if IsPostgres(dsn) {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func newStore(sqldb *sql.DB, d dialect) *Store {
	s := &Store{db: &db{DB: sqldb, d: d}, now: time.Now, owner: newOwner()}
	openOwners.Store(s.owner, true)
	return s
}

// querier is a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// eachRow runs the query and calls row for each row it returns, to scan
// it; it stops at the first error.
func eachRow(ctx context.Context, q querier, row func(*sql.Rows) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// maxChunk is how many keys one query binds, under SQLite's limit on
// bound parameters.
const maxChunk = 500

// byChunks calls fn with keys in chunks of at most maxChunk, as arguments
// for a query, and the chunk's placeholders ("?,?,?") to put in IN (…).
func byChunks(keys []string, fn func(chunk []any, in string) error) error {
	for len(keys) > 0 {
		n := min(len(keys), maxChunk)
		chunk := make([]any, n)
		for i, k := range keys[:n] {
			chunk[i] = k
		}
		if err := fn(chunk, "?"+strings.Repeat(",?", n-1)); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	if s.stopBeat != nil {
		s.stopBeat()
		<-s.beatDone
		// Gone: claims and leases left behind are taken over at once.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		s.db.ExecContext(ctx, `UPDATE replicas SET beat_at = 0 WHERE owner = ?`, s.owner)
		s.db.ExecContext(ctx, `DELETE FROM leases WHERE owner = ?`, s.owner)
		cancel()
	}
	openOwners.Delete(s.owner)
	return s.db.Close()
}

// Prune forgets what is no longer of use: stories found before stories
// (older than any story window), validators of conditional requests not
// saved since validators (a source no longer checked, or no longer by
// that group of watchers), and the failed fetches of items last tried
// before then too. It returns how many rows went.
func (s *Store) Prune(ctx context.Context, stories, validators time.Time) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *txn) error {
		for _, q := range []struct {
			sql string
			at  time.Time
		}{
			{`DELETE FROM stories WHERE found_at < ?`, stories},
			{`DELETE FROM http_cache WHERE saved_at < ?`, validators},
			{`DELETE FROM fetch_failures WHERE last_at < ?`, validators},
			{`DELETE FROM replicas WHERE beat_at < ?`, validators},
			{`DELETE FROM robots WHERE expires_at < ?`, validators}, // a site no longer asked
		} {
			res, err := tx.ExecContext(ctx, q.sql, q.at.Unix())
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += k
		}
		// Leases run out by themselves; those of a day ago are litter.
		_, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE until_ms < ?`, s.now().Add(-24*time.Hour).UnixMilli())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	s.validators.clear()
	return n, nil
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// tx runs fn in a transaction, which it commits when fn returns nil.
// Write transactions are serialized across processes (SQLite's write
// lock, taken at BEGIN; a PostgreSQL advisory lock), so that what one
// reads before it writes holds until it commits.
func (s *Store) tx(ctx context.Context, fn func(*txn) error) error {
	sqltx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &txn{Tx: sqltx, d: s.db.d}
	defer tx.Rollback()
	if s.db.d.lock != "" {
		if _, err := tx.ExecContext(ctx, s.db.d.lock); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
