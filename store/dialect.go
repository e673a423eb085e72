package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// dialect is what differs between the databases newsbot runs on; the SQL
// is written once, in SQLite's spelling, which PostgreSQL shares but for
// its placeholders.
type dialect struct {
	name string
	// numbered: placeholders are $1, $2… instead of ?.
	numbered bool
	// lock, when set, begins every write transaction: it serializes them
	// as SQLite's write lock does.
	lock string
}

// db is a database whose statements are written in the dialect's SQL.
type db struct {
	*sql.DB
	d dialect
}

// txn is a transaction of a db.
type txn struct {
	*sql.Tx
	d dialect
}

func (d *db) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return d.DB.ExecContext(ctx, d.d.rebind(q), d.d.args(args)...)
}

func (d *db) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.DB.QueryContext(ctx, d.d.rebind(q), d.d.args(args)...)
}

func (d *db) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return d.DB.QueryRowContext(ctx, d.d.rebind(q), d.d.args(args)...)
}

func (t *txn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.d.rebind(q), t.d.args(args)...)
}

func (t *txn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.d.rebind(q), t.d.args(args)...)
}

func (t *txn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.d.rebind(q), t.d.args(args)...)
}

func (t *txn) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return t.Tx.PrepareContext(ctx, t.d.rebind(q))
}

// rebind spells the query's placeholders as the dialect does. A ? inside
// a quoted string or name is not a placeholder.
func (d dialect) rebind(q string) string {
	if !d.numbered || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// args are the statement's arguments as the database takes them: the
// columns that hold yes or no are integers (0, 1) in both dialects.
func (d dialect) args(args []any) []any {
	for i, a := range args {
		if b, ok := a.(bool); ok {
			v := 0
			if b {
				v = 1
			}
			args[i] = v
		}
	}
	return args
}
