package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// sqlite is SQLite's dialect. Its write lock is taken at BEGIN
// (_txlock=immediate).
var sqlite = dialect{name: "sqlite", words: strings.NewReplacer(
	"{id}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{int64}", "INTEGER", "{blob}", "BLOB", "{norowid}", " WITHOUT ROWID")}

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
	err = s.migrate(ctx, func(tx *txn) (int, error) {
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
