package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// sqlite is SQLite's dialect. Its write lock is taken at BEGIN
// (_txlock=immediate).
var sqlite = dialect{name: "sqlite", words: strings.NewReplacer(
	"{id}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{int64}", "INTEGER", "{blob}", "BLOB", "{norowid}", " WITHOUT ROWID")}

// openSQLite opens (creating if need be) the database file at path and
// brings its schema up to date.
func openSQLite(ctx context.Context, path string) (*Store, error) {
	if err := CheckPath(path); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := createSQLite(ctx, path); err != nil {
			return nil, fmt.Errorf("create store %s: %w", path, err)
		}
	}
	s, err := openSQLiteFile(ctx, path)
	if err != nil {
		return nil, err
	}
	s.beat()
	return s, nil
}

// createSQLite makes a new store at path whole or not at all: it is made
// beside it, under a name of its own, and linked into place once its
// schema is written. A process killed while SQLite made the file left an
// empty one, which the next start refused (CheckPath) as a store lost.
// Of two processes making it at once, one links its store; the other's
// is dropped, and it opens the one linked.
func createSQLite(ctx context.Context, path string) error {
	// What a process killed while making one left, a while ago.
	if stale, _ := filepath.Glob(path + ".new-*"); len(stale) > 0 {
		for _, f := range stale {
			if fi, err := os.Stat(f); err == nil && time.Since(fi.ModTime()) > 10*time.Minute {
				os.Remove(f)
			}
		}
	}
	tmp := fmt.Sprintf("%s.new-%d-%d", path, os.Getpid(), time.Now().UnixNano())
	defer func() {
		for _, f := range []string{tmp, tmp + "-wal", tmp + "-shm", tmp + "-journal"} {
			os.Remove(f)
		}
	}()
	s, err := openSQLiteFile(ctx, tmp)
	if err != nil {
		return err
	}
	if err := s.Close(); err != nil { // the write-ahead log goes into the file
		return err
	}
	err = os.Link(tmp, path)
	switch {
	case err == nil, errors.Is(err, fs.ErrExist):
		return nil
	case func() bool { _, serr := os.Stat(path); return errors.Is(serr, fs.ErrNotExist) }():
		// A file system without hard links: moved into place instead.
		return os.Rename(tmp, path)
	}
	return nil // made meanwhile by another process
}

// openSQLiteFile opens the database file at path (SQLite makes it when
// it is not there) and brings its schema up to date. Its process does
// not beat in it yet (beat): a store being made has no process of its
// own, and leaves no replica in the store made.
func openSQLiteFile(ctx context.Context, path string) (*Store, error) {
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
	return s, nil
}

// CheckPath refuses a SQLite path that would open wrongly: a folder; a
// file in a folder that is not there (SQLite says only "unable to open
// database file"); and an empty file, which SQLite takes for a new
// store, so that newsbot would alert on everything again. A PostgreSQL
// URL is not looked at.
func CheckPath(path string) error {
	if IsPostgres(path) {
		return nil
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		dir := filepath.Dir(path)
		if di, err := os.Stat(dir); err != nil || !di.IsDir() {
			return fmt.Errorf("the folder %s does not exist: create it, or give storage: a file in a folder that does", dir)
		}
		return nil // a new store
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("is a folder; give storage: the store's file, such as %s", filepath.Join(path, "newsbot.db"))
	case fi.Size() == 0:
		// A fresh store has its first page written as it is made; only
		// its write-ahead log may hold the rest.
		if wal, err := os.Stat(path + "-wal"); err == nil && wal.Size() > 0 {
			return nil
		}
		return errors.New("the file is empty (0 bytes), so it is no newsbot store; newsbot would take it for a new one and alert on everything again. " +
			"If it held newsbot's store, restore it from a backup; if it is meant to be new, remove it and newsbot makes the store")
	}
	return nil
}
