package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// dialect is what differs between the databases newsbot runs on; the SQL
// is written once, in SQLite's spelling, which PostgreSQL shares but for
// its placeholders and, in the schema, a few types (spell).
type dialect struct {
	name string
	// words spells the schema's tokens (see migrations).
	words *strings.Replacer
	// numbered: placeholders are $1, $2… instead of ?.
	numbered bool
	// lock, when set, begins every write transaction: it serializes them
	// as SQLite's write lock does.
	lock string
	// skipLocked ends a subquery that picks a row to claim: another
	// replica's claim in flight is passed over, not waited for.
	skipLocked string
}

// db is a database whose statements are written in the dialect's SQL.
// Each statement is prepared once and kept (stmts), since preparing it
// costs SQLite more than running it.
type db struct {
	*sql.DB
	d     dialect
	stmts sync.Map // query → *sql.Stmt
}

// stmt is the query, prepared. A query with a list of placeholders of
// its own length (IN (?, ?, …)) is prepared and closed each time, not
// kept: there are hundreds of them.
func (d *db) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if strings.Contains(q, "IN (?") {
		return nil, errNotKept
	}
	if st, ok := d.stmts.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := d.DB.PrepareContext(ctx, d.d.rebind(q))
	if err != nil {
		return nil, err
	}
	if old, loaded := d.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return old.(*sql.Stmt), nil
	}
	return st, nil
}

// txn is a transaction of a db.
type txn struct {
	*sql.Tx
	d dialect
}

// errNotKept: the query is not prepared to be kept (stmt).
var errNotKept = errors.New("not kept")

func (d *db) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := d.stmt(ctx, q)
	if err != nil {
		return d.DB.ExecContext(ctx, d.d.rebind(q), d.d.args(args)...)
	}
	return st.ExecContext(ctx, d.d.args(args)...)
}

func (d *db) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := d.stmt(ctx, q)
	if err != nil {
		return d.DB.QueryContext(ctx, d.d.rebind(q), d.d.args(args)...)
	}
	return st.QueryContext(ctx, d.d.args(args)...)
}

func (d *db) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := d.stmt(ctx, q)
	if err != nil {
		// Not kept, or it would not prepare: run as it is (a Row then
		// holds the query's own error).
		return d.DB.QueryRowContext(ctx, d.d.rebind(q), d.d.args(args)...)
	}
	return st.QueryRowContext(ctx, d.d.args(args)...)
}

// A transaction runs its statements as they come: preparing one to keep
// would need a connection of the database, and SQLite's one is the
// transaction's.

func (t *txn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.d.rebind(q), t.d.args(args)...)
}

func (t *txn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.d.rebind(q), t.d.args(args)...)
}

func (t *txn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.d.rebind(q), t.d.args(args)...)
}

func (t *txn) PrepareContext(ctx context.Context, q string) (*stmt, error) {
	st, err := t.Tx.PrepareContext(ctx, t.d.rebind(q))
	if err != nil {
		return nil, err
	}
	return &stmt{Stmt: st, d: t.d}, nil
}

// stmt is a prepared statement of a txn.
type stmt struct {
	*sql.Stmt
	d dialect
}

func (s *stmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return s.Stmt.ExecContext(ctx, s.d.args(args)...)
}

// spell is a migration in the dialect's words.
func (d dialect) spell(migration string) string { return d.words.Replace(migration) }

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
// columns that hold yes or no are integers (0, 1) in both dialects, and
// PostgreSQL's text holds no NUL nor bytes that are not UTF-8, which
// become U+FFFD (the same way every time, so that a key with one still
// finds itself).
func (d dialect) args(args []any) []any {
	out := args
	for i, a := range args {
		var v any
		switch x := a.(type) {
		case bool:
			n := 0
			if x {
				n = 1
			}
			v = n
		case string:
			t := d.text(x)
			if t == x {
				continue
			}
			v = t
		default:
			continue
		}
		if &out[0] == &args[0] {
			out = slices.Clone(args) // the caller's stay as they were
		}
		out[i] = v
	}
	return out
}

// text is s as the dialect's text holds it: PostgreSQL's holds no NUL
// and nothing that is not UTF-8 (a Latin-1 robots.txt's validators, an
// error quoting a server); each becomes U+FFFD.
func (d dialect) text(s string) string {
	if !d.numbered {
		return s
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// keyOf gives, for a key the database returned, the one of keys (as the
// caller gave them) it is: the same but where text took a NUL or a
// byte that is not UTF-8 as U+FFFD.
func (d dialect) keyOf(keys []string) func(k string) string {
	if !d.numbered {
		return func(k string) string { return k }
	}
	orig := make(map[string]string, len(keys))
	for _, k := range keys {
		if t := d.text(k); orig[t] == "" {
			orig[t] = k // the first, of keys that differ only there
		}
	}
	return func(k string) string {
		if o, ok := orig[k]; ok {
			return o
		}
		return k
	}
}
