package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// migrations are applied in order; user_version counts those applied.
var migrations = []string{
	`CREATE TABLE seen (
		watcher TEXT NOT NULL,
		key     TEXT NOT NULL,
		seen_at INTEGER NOT NULL,
		PRIMARY KEY (watcher, key)
	) WITHOUT ROWID;
	CREATE TABLE primed (
		watcher   TEXT NOT NULL,
		source    TEXT NOT NULL,
		primed_at INTEGER NOT NULL,
		PRIMARY KEY (watcher, source)
	) WITHOUT ROWID;
	CREATE TABLE alerts (
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		watcher    TEXT NOT NULL,
		channel    TEXT NOT NULL,
		url        TEXT NOT NULL,
		payload    TEXT NOT NULL,
		status     TEXT NOT NULL DEFAULT 'pending',
		attempts   INTEGER NOT NULL DEFAULT 0,
		error      TEXT NOT NULL DEFAULT '',
		ts         TEXT NOT NULL DEFAULT '',
		created_at INTEGER NOT NULL,
		sent_at    INTEGER
	);
	CREATE INDEX alerts_status ON alerts (status, id);`,

	// Claims, so that two processes on one store never send an alert
	// twice, and counts of failed article fetches.
	`ALTER TABLE alerts ADD COLUMN claimed_at INTEGER;
	CREATE TABLE fetch_failures (
		watcher  TEXT NOT NULL,
		key      TEXT NOT NULL,
		attempts INTEGER NOT NULL,
		last_at  INTEGER NOT NULL,
		item     TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (watcher, key)
	) WITHOUT ROWID;`,

	// Source health: failures in a row, and whether ops has been told.
	`CREATE TABLE source_health (
		source   TEXT PRIMARY KEY,
		failures INTEGER NOT NULL DEFAULT 0,
		since    INTEGER NOT NULL DEFAULT 0,
		reported INTEGER NOT NULL DEFAULT 0
	) WITHOUT ROWID;`,

	// Who holds a claim, so that a process that died is noticed at once.
	`ALTER TABLE alerts ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';`,

	// Follow-ups in threads, and digests.
	`ALTER TABLE alerts ADD COLUMN thread_of INTEGER;
	ALTER TABLE alerts ADD COLUMN digest_id INTEGER;
	CREATE INDEX alerts_held ON alerts (watcher, status);
	CREATE TABLE alerted (
		watcher  TEXT NOT NULL,
		key      TEXT NOT NULL,
		alert_id INTEGER NOT NULL,
		sig      TEXT NOT NULL,
		title    TEXT NOT NULL,
		terms    TEXT NOT NULL,
		from_feed INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (watcher, key)
	) WITHOUT ROWID;
	CREATE TABLE digests (
		watcher TEXT PRIMARY KEY,
		last_at INTEGER NOT NULL
	) WITHOUT ROWID;`,

	// An alert whose last attempt may have posted it.
	`ALTER TABLE alerts ADD COLUMN unsure INTEGER NOT NULL DEFAULT 0;`,

	// What each source listed, to tell when it stops having anything new.
	`CREATE TABLE source_items (
		source   TEXT PRIMARY KEY,
		keys     TEXT NOT NULL,
		last_new INTEGER NOT NULL,
		gaps     TEXT NOT NULL DEFAULT '[]',
		stale    INTEGER NOT NULL DEFAULT 0
	) WITHOUT ROWID;`,

	// Validators of conditional requests, by the key the fetcher gives.
	`CREATE TABLE http_cache (
		key           TEXT PRIMARY KEY,
		etag          TEXT NOT NULL,
		last_modified TEXT NOT NULL,
		hash          TEXT NOT NULL,
		saved_at      INTEGER NOT NULL
	) WITHOUT ROWID;`,

	// When a source was last checked, to tell newsbot's absence from a
	// source's silence.
	`ALTER TABLE source_items ADD COLUMN checked_at INTEGER NOT NULL DEFAULT 0;`,

	// The stories alerted lately, to find the same story from another
	// outlet.
	`CREATE TABLE stories (
		alert_id INTEGER PRIMARY KEY,
		watcher  TEXT NOT NULL,
		source   TEXT NOT NULL,
		host     TEXT NOT NULL,
		found_at INTEGER NOT NULL,
		sig      BLOB NOT NULL,
		title    TEXT NOT NULL DEFAULT '',
		terms    TEXT NOT NULL DEFAULT '[]'
	);
	CREATE INDEX stories_recent ON stories (watcher, found_at);`,

	// When each watcher's spike was last told.
	`CREATE TABLE spikes (
		watcher TEXT PRIMARY KEY,
		told_at INTEGER NOT NULL
	) WITHOUT ROWID;`,

	// Summaries a language model wrote, by day, for the daily budget.
	`CREATE TABLE llm_usage (
		day   TEXT PRIMARY KEY,
		calls INTEGER NOT NULL
	) WITHOUT ROWID;`,

	// Other outlets' versions of a story are stories too, in the order
	// recorded, so that a version resembling only another version is
	// found, and a look at the stories recorded since a known one is
	// cheap.
	`CREATE TABLE stories_v2 (
		id       INTEGER PRIMARY KEY AUTOINCREMENT,
		alert_id INTEGER NOT NULL,
		version  INTEGER NOT NULL DEFAULT 0,
		watcher  TEXT NOT NULL,
		source   TEXT NOT NULL,
		host     TEXT NOT NULL,
		found_at INTEGER NOT NULL,
		sig      BLOB NOT NULL,
		title    TEXT NOT NULL DEFAULT '',
		terms    TEXT NOT NULL DEFAULT '[]'
	);
	INSERT INTO stories_v2 (alert_id, watcher, source, host, found_at, sig, title, terms)
		SELECT alert_id, watcher, source, host, found_at, sig, title, terms FROM stories ORDER BY alert_id;
	DROP TABLE stories;
	ALTER TABLE stories_v2 RENAME TO stories;
	CREATE INDEX stories_recent ON stories (watcher, found_at);
	CREATE INDEX http_cache_saved ON http_cache (saved_at);`,

	// A spike's message, to say in its thread when the spike is over.
	`ALTER TABLE spikes ADD COLUMN alert_id INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE spikes ADD COLUMN over INTEGER NOT NULL DEFAULT 1;
	CREATE INDEX alerts_matches ON alerts (watcher, created_at);`,

	// Replicas: who checks a source this tick, and which processes live.
	`CREATE TABLE leases (
		key      TEXT PRIMARY KEY,
		owner    TEXT NOT NULL,
		until_ms INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE replicas (
		owner   TEXT PRIMARY KEY,
		beat_at INTEGER NOT NULL
	) WITHOUT ROWID;`,

	// Event signatures, to fold other outlets' own write-ups of a story.
	`ALTER TABLE stories ADD COLUMN event BLOB;`,

	// Slack's /newsbot: muted watchers, and when each watcher last ran.
	`CREATE TABLE mutes (
		watcher  TEXT PRIMARY KEY,
		until_at INTEGER NOT NULL,
		by_user  TEXT NOT NULL,
		at       INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE watcher_runs (
		watcher TEXT PRIMARY KEY,
		ran_at  INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE INDEX alerts_created ON alerts (created_at);`,

	// How many alerts were waiting when a mute began, which it kept back.
	`ALTER TABLE mutes ADD COLUMN queued INTEGER NOT NULL DEFAULT 0;`,
}

// sqlite is SQLite's dialect. Its write lock is taken at BEGIN
// (_txlock=immediate).
var sqlite = dialect{name: "sqlite"}

// openSQLite opens (creating if need be) the database file at path and
// brings its schema up to date.
func openSQLite(ctx context.Context, path string) (*Store, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	// Take the write lock when a transaction begins, so that a transaction
	// that reads before it writes waits for another process's writer (the
	// busy timeout) instead of failing with SQLITE_BUSY.
	q.Add("_txlock", "immediate")
	sqldb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// One connection: SQLite has one writer anyway, and this way no
	// statement ever waits on the busy timeout within the process.
	sqldb.SetMaxOpenConns(1)
	s := newStore(sqldb, sqlite)
	err = s.migrate(ctx, migrations, func(tx *txn) (int, error) {
		var v int
		err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v)
		return v, err
	}, func(tx *txn, v int) error {
		_, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v))
		return err
	})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s.beat()
	return s, nil
}
