// Package store is newsbot's store: what each watcher has seen, which
// sources it has checked before, the stories it alerted on, and the
// outbox of alerts to send. It runs on SQLite (a file, modernc.org/sqlite,
// so newsbot needs no cgo) or on PostgreSQL (pgx), for several replicas;
// the same SQL serves both (dialect).
package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/newsbot/newsbot/news"
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

// Store is a SQLite database file.
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
	// stopBeat ends the heartbeat; beatDone is closed when it has.
	stopBeat context.CancelFunc
	beatDone chan struct{}
}

// A store's process says it lives every Heartbeat in the replicas table;
// one whose last word is older than HeartbeatStale is dead, wherever it
// ran, and its claims are taken over at once (with a look in the channel
// for what it may have posted).
const (
	Heartbeat      = 10 * time.Second
	HeartbeatStale = 60 * time.Second
)

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

// beat records, every Heartbeat until Close, that this store's process
// lives.
func (s *Store) beat() {
	ctx, stop := context.WithCancel(context.Background())
	s.stopBeat, s.beatDone = stop, make(chan struct{})
	go func() {
		defer close(s.beatDone)
		t := time.NewTicker(Heartbeat)
		defer t.Stop()
		for {
			s.db.ExecContext(ctx, `INSERT INTO replicas (owner, beat_at) VALUES (?, ?)
				ON CONFLICT (owner) DO UPDATE SET beat_at = excluded.beat_at`, s.owner, time.Now().Unix())
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Lease takes the lease on key for d, unless another process holds it
// now; it reports whether this one does. Replicas that tick together
// take the lease on each source check, so that one of them makes it. A
// store that closes gives its leases up; a replica that dies holding one
// loses it when d has passed, or when it has been silent for
// HeartbeatStale.
func (s *Store) Lease(ctx context.Context, key string, d time.Duration) (bool, error) {
	now := s.now()
	res, err := s.db.ExecContext(ctx, `INSERT INTO leases (key, owner, until_ms) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms
		WHERE leases.until_ms <= ? OR leases.owner = excluded.owner
			OR leases.owner IN (SELECT owner FROM replicas WHERE beat_at < ?)`,
		key, s.owner, now.Add(d).UnixMilli(), now.UnixMilli(), time.Now().Add(-HeartbeatStale).Unix())
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// migrate applies the migrations the database lacks, in one transaction
// (which, being a write transaction, waits for another process doing the
// same). version and setVersion read and write how many are applied.
func (s *Store) migrate(ctx context.Context, migrations []string, version func(*txn) (int, error), setVersion func(*txn, int) error) error {
	return s.tx(ctx, func(tx *txn) error {
		v, err := version(tx)
		if err != nil {
			return err
		}
		if v > len(migrations) {
			return fmt.Errorf("schema version %d is newer than this newsbot knows (%d)", v, len(migrations))
		}
		if v == len(migrations) {
			return nil
		}
		for i := v; i < len(migrations); i++ {
			if _, err := tx.Tx.ExecContext(ctx, migrations[i]); err != nil {
				return fmt.Errorf("migration %d: %w", i+1, err)
			}
		}
		return setVersion(tx, len(migrations))
	})
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

// Seen returns which of keys the watcher has seen before.
func (s *Store) Seen(ctx context.Context, watcher string, keys []string) (map[string]bool, error) {
	return s.SeenSince(ctx, watcher, keys, time.Unix(0, 0))
}

// SeenSince returns which of keys the watcher first saw at or after since.
func (s *Store) SeenSince(ctx context.Context, watcher string, keys []string, since time.Time) (map[string]bool, error) {
	seen := make(map[string]bool, len(keys))
	// Query in chunks to stay under SQLite's limit on bound parameters.
	for len(keys) > 0 {
		n := min(len(keys), 500)
		chunk := keys[:n]
		keys = keys[n:]
		args := make([]any, 0, n+2)
		args = append(args, watcher, since.Unix())
		for _, k := range chunk {
			args = append(args, k)
		}
		rows, err := s.db.QueryContext(ctx,
			`SELECT key FROM seen WHERE watcher = ? AND seen_at >= ? AND key IN (?`+strings.Repeat(",?", n-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("query seen: %w", err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, fmt.Errorf("query seen: %w", err)
			}
			seen[s.db.d.key(chunk, k)] = true
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("query seen: %w", err)
		}
	}
	return seen, nil
}

// Primed reports whether the watcher has checked the source before.
func (s *Store) Primed(ctx context.Context, watcher, source string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM primed WHERE watcher = ? AND source = ?`, watcher, source).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("query primed: %w", err)
	}
	return true, nil
}

// MarkSeen records keys as seen by the watcher and, when source is not
// empty, the source as checked by it.
func (s *Store) MarkSeen(ctx context.Context, watcher, source string, keys []string) error {
	return s.tx(ctx, func(tx *txn) error {
		if err := markSeen(ctx, tx, watcher, keys, s.now()); err != nil {
			return err
		}
		if source == "" {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO primed (watcher, source, primed_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			watcher, source, s.now().Unix())
		return err
	})
}

// RecordAlert adds the alert to the outbox as pending and marks keys (the
// article's URLs) seen by its watcher, in one transaction: a crash leaves
// either both or neither. It sets a.ID. When the watcher has seen the
// alert's URL or its text's fingerprint before (the same article reached
// through another link), it only marks keys seen and returns
// news.ErrSeen.
func (s *Store) RecordAlert(ctx context.Context, a *news.Alert, keys []string) error {
	_, _, err := s.RecordStory(ctx, a, keys, news.StoryCheck{})
	return err
}

// RecordStory is RecordAlert for an alert that may be a story the watcher
// has: inside the transaction that would record it, it looks for the
// story (check). When one is the same, nothing is recorded and that story
// is returned; otherwise the alert is recorded, and, with a story
// signature, its story too, whose ID is returned. Two processes cannot
// both record one story as new.
func (s *Store) RecordStory(ctx context.Context, a *news.Alert, keys []string, check news.StoryCheck) (same *news.StoryRef, id int64, err error) {
	seen := false
	err = s.tx(ctx, func(tx *txn) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM seen WHERE watcher = ? AND (key = ? OR key = ? AND seen_at >= ?)`,
			a.Watcher, a.URL, cmp.Or(a.Fingerprint, a.URL), check.TextSince.Unix()).Scan(&one)
		seen = err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if !seen && check.Same != nil {
			refs, err := stories(ctx, tx, a.Watcher, check.Since, check.After)
			if err != nil {
				return err
			}
			for i := range refs {
				if check.Same(refs[i]) {
					same = &refs[i]
					return nil
				}
			}
		}
		if err := markSeen(ctx, tx, a.Watcher, keys, s.now()); err != nil {
			return err
		}
		if seen {
			return nil // the other link is recorded; the alert is not
		}
		if err := s.insert(ctx, tx, a); err != nil {
			return err
		}
		if id, err = s.insertStory(ctx, tx, a.ID, false, a, a.Terms); err != nil {
			return err
		}
		return remember(ctx, tx, a.Watcher, keys, news.Prior{AlertID: a.ID, Sig: a.ItemSig, Title: a.Title, Terms: a.Terms, FromFeed: a.FromFeed}, false)
	})
	switch {
	case err != nil:
		return nil, 0, err
	case same != nil:
		return same, 0, nil
	case seen:
		return nil, 0, news.ErrSeen
	}
	return nil, id, nil
}

// insertStory records a's story, as the story of alert (the first alert,
// or, for a version, the alert it is a version of) with terms, when a has
// a story signature, and returns its ID; 0 when it has none.
func (s *Store) insertStory(ctx context.Context, tx *txn, alert int64, version bool, a *news.Alert, terms []string) (int64, error) {
	if len(a.StorySig) == 0 {
		return 0, nil
	}
	t, err := json.Marshal(terms)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO stories (alert_id, version, watcher, source, host, found_at, sig, event, title, terms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		alert, version, a.Watcher, a.Source, news.Host(a.URL), s.now().Unix(), a.StorySig, a.EventSig, a.Title, string(t)).Scan(&id)
	return id, err
}

// TakeBudget counts one more summary for the day (UTC), if fewer than max
// were written; it reports whether one may be.
func (s *Store) TakeBudget(ctx context.Context, max int) (bool, error) {
	day := s.now().UTC().Format("2006-01-02")
	res, err := s.db.ExecContext(ctx, `INSERT INTO llm_usage (day, calls) VALUES (?, 1)
		ON CONFLICT (day) DO UPDATE SET calls = llm_usage.calls + 1 WHERE llm_usage.calls < ?`, day, max)
	if err != nil {
		return false, fmt.Errorf("llm budget: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1 && max > 0, err
}

// CountMatches counts the watcher's alerts on articles (not replies,
// digests or other messages of its own) recorded in [from, to).
func (s *Store) CountMatches(ctx context.Context, watcher string, from, to time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE watcher = ? AND created_at >= ? AND created_at < ?
		AND thread_of IS NULL AND url != ''`, watcher, from.Unix(), to.Unix()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count matches: %w", err)
	}
	return n, nil
}

// RecentMatches returns the watcher's alerts on articles since then,
// newest first.
func (s *Store) RecentMatches(ctx context.Context, watcher string, since time.Time) ([]*news.Alert, error) {
	return s.recentAlerts(ctx, watcher, since, 200)
}

// SpikeTold records that a spike of the watcher is told now, unless one
// was told since then; it reports whether this one is to be.
func (s *Store) SpikeTold(ctx context.Context, watcher string, now, since time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO spikes (watcher, told_at, alert_id, over) VALUES (?, ?, 0, 0)
		ON CONFLICT (watcher) DO UPDATE SET told_at = excluded.told_at, alert_id = 0, over = 0 WHERE spikes.told_at < ?`, watcher, now.Unix(), since.Unix())
	if err != nil {
		return false, fmt.Errorf("spike: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SpikeMessage records the message that told the watcher's spike.
func (s *Store) SpikeMessage(ctx context.Context, watcher string, alert int64) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE spikes SET alert_id = ? WHERE watcher = ?`, alert, watcher); err != nil {
		return fmt.Errorf("spike: %w", err)
	}
	return nil
}

// SpikeOver records that the watcher's spike, told before since, is over,
// once: it returns the message that told it, or 0 when there is no such
// spike or it was said to be over already.
func (s *Store) SpikeOver(ctx context.Context, watcher string, since time.Time) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `UPDATE spikes SET over = 1 WHERE watcher = ? AND over = 0 AND alert_id != 0 AND told_at <= ? RETURNING alert_id`,
		watcher, since.Unix()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("spike: %w", err)
	}
	return id, nil
}

// FirstMatch is when the watcher's first alert on an article still kept
// was recorded; zero when it has none.
func (s *Store) FirstMatch(ctx context.Context, watcher string) (time.Time, error) {
	var at sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT min(created_at) FROM alerts WHERE watcher = ? AND thread_of IS NULL AND url != ''`, watcher).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("first match: %w", err)
	}
	if !at.Valid {
		return time.Time{}, nil
	}
	return time.Unix(at.Int64, 0), nil
}

// ReturnBudget gives back a summary counted by TakeBudget that was not
// written (the model failed).
func (s *Store) ReturnBudget(ctx context.Context) error {
	day := s.now().UTC().Format("2006-01-02")
	if _, err := s.db.ExecContext(ctx, `UPDATE llm_usage SET calls = calls - 1 WHERE day = ? AND calls > 0`, day); err != nil {
		return fmt.Errorf("llm budget: %w", err)
	}
	return nil
}

// RecentStories returns the stories the watcher alerted on since then,
// and other outlets' versions of them, in the order recorded.
func (s *Store) RecentStories(ctx context.Context, watcher string, since time.Time) ([]news.StoryRef, error) {
	return stories(ctx, s.db, watcher, since, 0)
}

// querier is a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// stories returns the watcher's stories found since then and recorded
// after the story after, in the order recorded.
func stories(ctx context.Context, q querier, watcher string, since time.Time, after int64) ([]news.StoryRef, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, alert_id, version, source, host, sig, event, title, terms FROM stories
		WHERE watcher = ? AND found_at >= ? AND id > ? ORDER BY id`, watcher, since.Unix(), after)
	if err != nil {
		return nil, fmt.Errorf("query stories: %w", err)
	}
	defer rows.Close()
	var out []news.StoryRef
	for rows.Next() {
		var r news.StoryRef
		var terms string
		if err := rows.Scan(&r.ID, &r.AlertID, &r.Version, &r.Source, &r.Host, &r.Sig, &r.Event, &r.Title, &terms); err != nil {
			return nil, fmt.Errorf("query stories: %w", err)
		}
		json.Unmarshal([]byte(terms), &r.Terms)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query stories: %w", err)
	}
	return out, nil
}

// RecordAlsoReported records another outlet's version of a story the
// watcher alerted on (first), and marks its keys seen, in one
// transaction. While the first alert has not gone out (pending, or held
// for a digest), the version is added to it; after, it goes to the
// outbox as a reply in the first alert's thread. The version becomes a
// story record of its own (whose ID it returns), dated as the first
// alert's, so that it is compared with later articles as long as the
// story is. A copy (copied: a version of a text the story has) from an
// outlet the story already names (the first alert's, or another
// version's) is only marked seen: news.ErrSeen; an outlet's own
// write-up of the story's event is recorded whoever wrote it.
func (s *Store) RecordAlsoReported(ctx context.Context, first int64, a *news.Alert, keys []string, copied bool) (int64, error) {
	also := news.Also{Source: a.Source, URL: a.URL, Title: a.Title}
	var id int64
	named := false
	err := s.tx(ctx, func(tx *txn) error {
		if err := markSeen(ctx, tx, a.Watcher, keys, s.now()); err != nil {
			return err
		}
		var status, payload string
		var unsure bool
		err := tx.QueryRowContext(ctx, `SELECT status, payload, unsure FROM alerts WHERE id = ?`, first).Scan(&status, &payload, &unsure)
		if err != nil {
			return fmt.Errorf("story of alert %d: %w", first, err)
		}
		parent := &news.Alert{}
		if err := json.Unmarshal([]byte(payload), parent); err != nil {
			return fmt.Errorf("alert %d: %w", first, err)
		}
		if a.URL == parent.URL {
			named = true
			return nil // the first alert's own article, under another link
		}
		if copied {
			var one int
			err = tx.QueryRowContext(ctx, `SELECT 1 FROM stories WHERE alert_id = ? AND source = ? AND host = ?`, first, a.Source, news.Host(a.URL)).Scan(&one)
			if err == nil || news.Host(a.URL) == news.Host(parent.URL) && a.Source == parent.Source {
				named = true
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		// The version is a story of its own to compare later ones with,
		// under the first alert's terms (those are what the watcher was
		// told) and its date.
		if id, err = s.insertStory(ctx, tx, first, true, a, parent.Terms); err != nil {
			return err
		}
		if id > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE stories SET found_at = COALESCE((SELECT min(found_at) FROM stories WHERE alert_id = ?), found_at) WHERE id = ?`, first, id); err != nil {
				return err
			}
		}
		switch {
		case status == StatusPending && !unsure || status == StatusHeld:
			parent.Also = append(parent.Also, also)
			b, err := json.Marshal(parent)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE alerts SET payload = ? WHERE id = ?`, string(b), first); err != nil {
				return err
			}
			a.ID = first
		default:
			a.ThreadOf, a.InDigest = first, false
			a.Update = &news.Update{Also: &also}
			if err := s.insert(ctx, tx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && named {
		return 0, news.ErrSeen
	}
	return id, err
}

// insert adds the alert to the outbox and sets its ID.
func (s *Store) insert(ctx context.Context, tx *txn, a *news.Alert) error {
	payload, err := json.Marshal(a)
	if err != nil {
		return err
	}
	status := StatusPending
	if a.InDigest {
		status = StatusHeld
	}
	// A muted watcher's alerts are recorded, not posted: looked up in the
	// transaction that records them, so a mute holds from its commit, on
	// every replica.
	var one int
	switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM mutes WHERE watcher = ? AND until_at > ?`, a.Watcher, s.now().Unix()).Scan(&one); {
	case err == nil:
		status, a.Muted = StatusMuted, true
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	// A reply to a message that was recorded while muted, alone or in a
	// digest, has no thread to go in: it is about something the channel
	// never saw, and is kept as its first message was.
	if a.ThreadOf != 0 && !a.Muted {
		var parent, digest string
		err := tx.QueryRowContext(ctx, `SELECT p.status, COALESCE(d.status, '') FROM alerts p LEFT JOIN alerts d ON d.id = p.digest_id WHERE p.id = ?`,
			a.ThreadOf).Scan(&parent, &digest)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if parent == StatusMuted || parent == StatusFolded && digest == StatusMuted {
			status, a.Muted = StatusMuted, true
		}
	}
	return tx.QueryRowContext(ctx,
		`INSERT INTO alerts (watcher, channel, url, payload, status, thread_of, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.Watcher, a.Channel, a.URL, string(payload), status, sql.NullInt64{Int64: a.ThreadOf, Valid: a.ThreadOf != 0}, s.now().Unix()).Scan(&a.ID)
}

// remember records, for each key, what the watcher last said about the
// article, for follow-ups.
//
// all: every link to the article takes p's headline and terms (a
// follow-up changed them); otherwise only keys are written.
func remember(ctx context.Context, tx *txn, watcher string, keys []string, p news.Prior, all bool) error {
	terms, err := json.Marshal(p.Terms)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `INSERT INTO alerted (watcher, key, alert_id, sig, title, terms, from_feed) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (watcher, key) DO UPDATE SET alert_id = excluded.alert_id, sig = excluded.sig, title = excluded.title,
				terms = excluded.terms, from_feed = excluded.from_feed`,
			watcher, k, p.AlertID, p.Sig, p.Title, string(terms), p.FromFeed); err != nil {
			return err
		}
	}
	if !all {
		return nil
	}
	// Every link to the article now knows its headline and terms, so
	// that a change seen through two links makes one follow-up.
	_, err = tx.ExecContext(ctx, `UPDATE alerted SET title = ?, terms = ?, from_feed = ? WHERE watcher = ? AND alert_id = ?`,
		p.Title, string(terms), p.FromFeed, watcher, p.AlertID)
	return err
}

// Alerted returns, for those of keys the watcher has alerted on, what it
// last said about them.
func (s *Store) Alerted(ctx context.Context, watcher string, keys []string) (map[string]news.Prior, error) {
	out := map[string]news.Prior{}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		chunk := keys[:n]
		args := []any{watcher}
		for _, k := range chunk {
			args = append(args, k)
		}
		keys = keys[n:]
		rows, err := s.db.QueryContext(ctx,
			`SELECT key, alert_id, sig, title, terms, from_feed FROM alerted WHERE watcher = ? AND key IN (?`+strings.Repeat(",?", n-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("query alerted: %w", err)
		}
		for rows.Next() {
			var k, terms string
			var p news.Prior
			if err := rows.Scan(&k, &p.AlertID, &p.Sig, &p.Title, &terms, &p.FromFeed); err != nil {
				rows.Close()
				return nil, fmt.Errorf("query alerted: %w", err)
			}
			json.Unmarshal([]byte(terms), &p.Terms)
			out[s.db.d.key(chunk, k)] = p
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("query alerted: %w", err)
		}
	}
	return out, nil
}

// RecordFollowUp records what changed in an article the watcher alerted
// on (prior). With a nil alert, only the item's new signature is kept.
// Otherwise, when the first alert has not gone out yet (pending, or held
// for a digest), it is replaced by the new one, which takes its ID;
// when it has, the new alert goes to the outbox as a reply in its thread
// (a.ThreadOf). Either way keys now point at it with a's signature,
// headline and terms.
func (s *Store) RecordFollowUp(ctx context.Context, prior news.Prior, a *news.Alert, keys []string, sig string) error {
	return s.tx(ctx, func(tx *txn) error {
		if a == nil {
			prior.Sig = sig
			// The watcher of every key is the same; find it from the alert.
			var watcher string
			if err := tx.QueryRowContext(ctx, `SELECT watcher FROM alerts WHERE id = ?`, prior.AlertID).Scan(&watcher); err != nil {
				return fmt.Errorf("follow-up of alert %d: %w", prior.AlertID, err)
			}
			return remember(ctx, tx, watcher, keys, prior, false)
		}
		var status string
		var inDigest, unsure bool
		err := tx.QueryRowContext(ctx, `SELECT status, status = ?, unsure FROM alerts WHERE id = ?`, StatusHeld, prior.AlertID).Scan(&status, &inDigest, &unsure)
		if err != nil {
			return fmt.Errorf("follow-up of alert %d: %w", prior.AlertID, err)
		}
		a.ItemSig = sig
		// An alert that may have gone out already (its send timed out) is
		// not replaced: the change is a reply, once it is known sent.
		if status == StatusPending && !unsure || status == StatusHeld {
			a.ID, a.ThreadOf, a.Update, a.InDigest = prior.AlertID, 0, nil, inDigest
			// Other outlets' versions named in it stay.
			var old struct{ Also []news.Also }
			var p string
			if tx.QueryRowContext(ctx, `SELECT payload FROM alerts WHERE id = ?`, prior.AlertID).Scan(&p) == nil && json.Unmarshal([]byte(p), &old) == nil {
				a.Also = old.Also
			}
			payload, err := json.Marshal(a)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE alerts SET payload = ?, url = ? WHERE id = ?`, string(payload), a.URL, a.ID); err != nil {
				return err
			}
		} else {
			a.ThreadOf, a.InDigest = prior.AlertID, false
			if err := s.insert(ctx, tx, a); err != nil {
				return err
			}
		}
		terms := slices.Clone(prior.Terms)
		for _, t := range a.Terms {
			if !slices.Contains(terms, t) {
				terms = append(terms, t)
			}
		}
		return remember(ctx, tx, a.Watcher, keys, news.Prior{AlertID: prior.AlertID, Sig: sig, Title: a.Title, Terms: terms, FromFeed: a.FromFeed}, true)
	})
}

// markSeen records keys as seen and releases any of them held back.
func markSeen(ctx context.Context, tx *txn, watcher string, keys []string, now time.Time) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO seen (watcher, key, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	release, err := tx.PrepareContext(ctx, `DELETE FROM fetch_failures WHERE watcher = ? AND key = ?`)
	if err != nil {
		return err
	}
	defer release.Close()
	for _, k := range keys {
		if _, err := stmt.ExecContext(ctx, watcher, k, now.Unix()); err != nil {
			return err
		}
		if _, err := release.ExecContext(ctx, watcher, k); err != nil {
			return err
		}
	}
	return nil
}

// Pending returns the alerts waiting to be sent, oldest first, with those
// whose claim has timed out or whose claiming process has died (on this
// host); those are marked Interrupted.
func (s *Store) Pending(ctx context.Context) ([]*news.Alert, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT a.id, a.payload, a.status, a.unsure, a.claimed_at < ?, a.claimed_by, CASE WHEN r.beat_at < ? THEN 1 ELSE 0 END,
			COALESCE(p.ts, ''), COALESCE(p.status, ''), COALESCE(d.status, '')
		FROM alerts a
		LEFT JOIN alerts p ON p.id = a.thread_of
		LEFT JOIN alerts d ON d.id = p.digest_id
		LEFT JOIN replicas r ON r.owner = a.claimed_by AND a.status = ?
		WHERE a.status IN (?, ?) ORDER BY a.id`,
		s.now().Add(-ClaimTimeout).Unix(), s.now().Add(-HeartbeatStale).Unix(), StatusSending, StatusPending, StatusSending)
	if err != nil {
		return nil, fmt.Errorf("query pending alerts: %w", err)
	}
	defer rows.Close()
	s.abandoned.Clear()
	var alerts []*news.Alert
	for rows.Next() {
		var id int64
		var payload, status, owner, parentTS, parent, digest string
		var expired sql.NullBool
		var unsure, silent bool
		if err := rows.Scan(&id, &payload, &status, &unsure, &expired, &owner, &silent, &parentTS, &parent, &digest); err != nil {
			return nil, fmt.Errorf("query pending alerts: %w", err)
		}
		if status == StatusSending && !expired.Bool {
			// Its process is known dead on this host, or has not said
			// it lives for HeartbeatStale, wherever it ran.
			if !silent && !s.dead(owner) {
				continue // another process is sending it
			}
			s.abandoned.Store(id, owner)
		}
		a := &news.Alert{}
		if err := json.Unmarshal([]byte(payload), a); err != nil {
			return nil, fmt.Errorf("alert %d: %w", id, err)
		}
		a.ID = id
		a.Interrupted = status == StatusSending || unsure
		a.ThreadTS = parentTS
		switch parent {
		case StatusPending, StatusSending, StatusHeld:
			a.ParentPending = true
		case StatusFolded:
			a.ParentPending = parentTS == "" && (digest == StatusPending || digest == StatusSending)
			if digest == StatusFailed {
				a.ThreadOf, a.Update = 0, nil // as for a parked first alert
			}
		case StatusFailed, StatusMuted:
			// The first alert never reached the channel (refused, or
			// recorded while its watcher was muted): this one goes out
			// as an alert of its own, not as an update.
			a.ThreadOf, a.Update = 0, nil
		}
		alerts = append(alerts, a)
	}
	return alerts, rows.Err()
}

// Claim marks the alert as being sent by this process. It reports false
// when another process has claimed it (or it is no longer pending): the
// caller must then not send it. A claim that has timed out, or that
// Pending found held by a dead process, is taken over. The alert is
// brought up to date from the store, since a follow-up may have changed
// it after Pending read it.
func (s *Store) Claim(ctx context.Context, a *news.Alert) (bool, error) {
	now := s.now()
	dead := "(none)" // matches no owner
	if o, ok := s.abandoned.LoadAndDelete(a.ID); ok {
		dead = o.(string)
	}
	// A muted watcher's alert is not sent, however it came to be waiting
	// (a send that failed and is retried, a claim taken over): it is kept.
	res, err := s.db.ExecContext(ctx, `UPDATE alerts SET status = ?
		WHERE id = ? AND (status = ? OR (status = ? AND (claimed_at < ? OR claimed_by = ?)))
			AND EXISTS (SELECT 1 FROM mutes m WHERE m.watcher = alerts.watcher AND m.until_at > ?)`,
		StatusMuted, a.ID, StatusPending, StatusSending, now.Add(-ClaimTimeout).Unix(), dead, now.Unix())
	if err != nil {
		return false, fmt.Errorf("claim alert %d: %w", a.ID, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		// An article's alert from before the mute is the mute's to count.
		_, err := s.db.ExecContext(ctx, `UPDATE mutes SET queued = queued + 1 WHERE EXISTS (SELECT 1 FROM alerts a
			WHERE a.id = ? AND a.watcher = mutes.watcher AND a.thread_of IS NULL AND a.url != '' AND a.created_at < mutes.at)`, a.ID)
		return false, err
	}
	var payload string
	// Another replica's claim in flight is passed over, not waited for.
	err = s.db.QueryRowContext(ctx,
		`UPDATE alerts SET status = ?, claimed_at = ?, claimed_by = ?
		WHERE id = (SELECT id FROM alerts WHERE id = ? AND (status = ? OR (status = ? AND (claimed_at < ? OR claimed_by = ?)))`+s.db.d.skipLocked+`)
		RETURNING payload`,
		StatusSending, now.Unix(), s.owner, a.ID, StatusPending, StatusSending, now.Add(-ClaimTimeout).Unix(), dead).Scan(&payload)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim alert %d: %w", a.ID, err)
	}
	fresh := &news.Alert{}
	if err := json.Unmarshal([]byte(payload), fresh); err != nil {
		return false, fmt.Errorf("claim alert %d: %w", a.ID, err)
	}
	// What the store knows beside the payload stays.
	fresh.ID, fresh.Interrupted, fresh.ThreadTS, fresh.ParentPending = a.ID, a.Interrupted, a.ThreadTS, a.ParentPending
	if a.ThreadOf == 0 {
		fresh.ThreadOf, fresh.Update = 0, nil
	}
	*a = *fresh
	return true, nil
}

// HoldBack records that the watcher could not fetch the item's article for
// a reason that may pass, keeping the item so that a later check can try
// again even when the source no longer lists it, and returns how many
// times that has happened.
func (s *Store) HoldBack(ctx context.Context, watcher string, item news.Item) (int, error) {
	payload, err := json.Marshal(item)
	if err != nil {
		return 0, fmt.Errorf("hold back item: %w", err)
	}
	var n int
	err = s.db.QueryRowContext(ctx,
		`INSERT INTO fetch_failures (watcher, key, attempts, last_at, item) VALUES (?, ?, 1, ?, ?)
		ON CONFLICT (watcher, key) DO UPDATE SET attempts = fetch_failures.attempts + 1, last_at = excluded.last_at, item = excluded.item
		RETURNING attempts`, watcher, item.Key(), s.now().Unix(), string(payload)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("hold back item: %w", err)
	}
	return n, nil
}

// HeldBack returns the watcher's held-back items, oldest first. Marking an
// item seen releases it.
func (s *Store) HeldBack(ctx context.Context, watcher string) ([]news.Item, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT item FROM fetch_failures WHERE watcher = ? AND item != '' ORDER BY last_at, key`, watcher)
	if err != nil {
		return nil, fmt.Errorf("query held-back items: %w", err)
	}
	defer rows.Close()
	var items []news.Item
	for rows.Next() {
		var payload string
		if err := rows.Scan(&payload); err != nil {
			return nil, fmt.Errorf("query held-back items: %w", err)
		}
		var it news.Item
		if err := json.Unmarshal([]byte(payload), &it); err != nil {
			return nil, fmt.Errorf("held-back item: %w", err)
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

// SourceChecked records a check of a source, and says what to tell ops:
// "down" when it has now failed threshold times in a row (once), "up"
// when it answers again after that was said, "" otherwise. since is when
// the failures began.
func (s *Store) SourceChecked(ctx context.Context, source string, ok bool, threshold int) (tell string, since time.Time, err error) {
	if ok {
		// A source that answers, as it did: nothing to write, nor a
		// write transaction to take.
		var failures, reported int
		err := s.db.QueryRowContext(ctx, `SELECT failures, reported FROM source_health WHERE source = ?`, source).Scan(&failures, &reported)
		if errors.Is(err, sql.ErrNoRows) || err == nil && failures == 0 && reported == 0 {
			return "", time.Unix(0, 0), nil
		}
	}
	err = s.tx(ctx, func(tx *txn) error {
		var failures, reported int
		var from int64
		err := tx.QueryRowContext(ctx, `SELECT failures, since, reported FROM source_health WHERE source = ?`, source).Scan(&failures, &from, &reported)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if ok {
			if failures == 0 && reported == 0 {
				return nil // healthy, as before: nothing to write
			}
			if reported == 1 {
				tell = "up"
			}
			failures, reported, from = 0, 0, 0
		} else {
			if failures == 0 {
				from = s.now().Unix()
			}
			failures++
			if failures >= threshold && reported == 0 {
				tell, reported = "down", 1
			}
		}
		since = time.Unix(from, 0)
		_, err = tx.ExecContext(ctx, `INSERT INTO source_health (source, failures, since, reported) VALUES (?, ?, ?, ?)
			ON CONFLICT (source) DO UPDATE SET failures = excluded.failures, since = excluded.since, reported = excluded.reported`,
			source, failures, from, reported)
		return err
	})
	return tell, since, err
}

// Validators returns what a conditional request for key needs; the zero
// value when nothing is kept.
//
// What this store saved is kept in memory too, and read from there: of
// several replicas, one may then ask with validators older than
// another's, and get the whole body, which is read as such (nothing is
// missed, a little more is fetched).
func (s *Store) Validators(ctx context.Context, key string) (news.Validators, error) {
	if v, ok := s.validators.get(key); ok {
		return v, nil
	}
	var v news.Validators
	err := s.db.QueryRowContext(ctx, `SELECT etag, last_modified, hash FROM http_cache WHERE key = ?`, key).
		Scan(&v.ETag, &v.LastModified, &v.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("query http cache: %w", err)
	}
	return v, nil
}

// SaveValidators keeps a body's validators under key.
func (s *Store) SaveValidators(ctx context.Context, key string, v news.Validators) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO http_cache (key, etag, last_modified, hash, saved_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, hash = excluded.hash, saved_at = excluded.saved_at`,
		key, v.ETag, v.LastModified, v.Hash, s.now().Unix())
	if err != nil {
		s.validators.remove(key)
		return fmt.Errorf("save http cache: %w", err)
	}
	s.validators.put(key, v)
	return nil
}

// A source's gaps between new items are kept for gapWindow (so that a
// newsroom's night is among them), at most maxGaps of them. A check after
// more than pauseLimit without one (newsbot was off) starts the count of
// silence afresh and records no gap.
const (
	gapWindow  = 7 * 24 * time.Hour
	maxGaps    = 2000
	pauseLimit = 6 * time.Hour
)

// SourceListed records what a source lists now (its items' keys; nil:
// the same as before) and returns its freshness: how many items are new
// since the last check, when something new last appeared, the gaps
// between new items of the last week, and whether it has been reported
// stale. The first time, everything is taken as known and new now.
func (s *Store) SourceListed(ctx context.Context, source string, keys []string, now time.Time) (news.Freshness, error) {
	// Most checks find the source as it was (nil keys) and change
	// nothing: read, outside a write transaction, whether they would.
	if keys == nil {
		if f, write, err := s.sourceListed(ctx, s.db, source, nil, now, true); err == nil && !write {
			return f, nil
		}
	}
	var f news.Freshness
	err := s.tx(ctx, func(tx *txn) error {
		var err error
		f, _, err = s.sourceListed(ctx, tx, source, keys, now, false)
		return err
	})
	if err != nil {
		return news.Freshness{}, fmt.Errorf("source %s: %w", source, err)
	}
	return f, nil
}

// readWriter is a database or a transaction.
type readWriter interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// sourceListed is SourceListed's work; dry: write nothing, and report
// whether it would have.
func (s *Store) sourceListed(ctx context.Context, tx readWriter, source string, keys []string, now time.Time, dry bool) (f news.Freshness, write bool, err error) {
	err = func() error {
		var stored, gaps string
		var lastNew, checked int64
		err := tx.QueryRowContext(ctx, `SELECT keys, last_new, gaps, stale, checked_at FROM source_items WHERE source = ?`, source).
			Scan(&stored, &lastNew, &gaps, &f.Stale, &checked)
		first := errors.Is(err, sql.ErrNoRows)
		if err != nil && !first {
			return err
		}
		// The keys listed before, to tell the new ones: not read for a
		// source that answered as before (nil keys), most checks.
		var known map[string]bool
		if len(keys) > 0 {
			known = map[string]bool{}
			for _, h := range strings.Fields(stored) {
				known[h] = true
			}
		}
		hashes := make([]string, 0, len(keys))
		for _, k := range keys {
			h := shortHash(k)
			hashes = append(hashes, h)
			if !known[h] && !first {
				f.New++
			}
		}
		var recent [][2]int64 // end of the gap, its length (seconds)
		json.Unmarshal([]byte(gaps), &recent)
		paused := !first && checked > 0 && now.Unix()-checked > int64(pauseLimit/time.Second)
		switch {
		case first || paused:
			lastNew = now.Unix()
		case f.New > 0:
			if gap := now.Unix() - lastNew; gap > 0 {
				recent = append(recent, [2]int64{now.Unix(), gap})
			}
			lastNew = now.Unix()
		}
		cut := 0
		for cut < len(recent) && (recent[cut][0] < now.Add(-gapWindow).Unix() || len(recent)-cut > maxGaps) {
			cut++
		}
		recent = recent[cut:]
		f.LastNew = time.Unix(lastNew, 0)
		for _, g := range recent {
			f.Gaps = append(f.Gaps, time.Duration(g[1])*time.Second)
		}
		// Write when something changed, and now and then to show newsbot
		// was here (for pauseLimit).
		if !first && !paused && f.New == 0 && now.Unix()-checked < int64(pauseLimit/4/time.Second) {
			return nil
		}
		if write = true; dry {
			return nil
		}
		if keys == nil && !first {
			hashes = strings.Fields(stored) // unchanged
		}
		sort.Strings(hashes)
		b, _ := json.Marshal(recent)
		_, err = tx.ExecContext(ctx, `INSERT INTO source_items (source, keys, last_new, gaps, checked_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (source) DO UPDATE SET keys = excluded.keys, last_new = excluded.last_new, gaps = excluded.gaps, checked_at = excluded.checked_at`,
			source, strings.Join(hashes, " "), lastNew, string(b), now.Unix())
		return err
	}()
	return f, write, err
}

// MarkStale records whether the source has been reported stale.
func (s *Store) MarkStale(ctx context.Context, source string, stale bool) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE source_items SET stale = ? WHERE source = ?`, stale, source); err != nil {
		return fmt.Errorf("source %s: %w", source, err)
	}
	return nil
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

// shortHash is a key's fingerprint, 64 bits in hex.
func shortHash(k string) string {
	h := sha256.Sum256([]byte(k))
	return hex.EncodeToString(h[:8])
}

// MarkSent records that the alert went out, with the message's timestamp;
// for a digest, that timestamp is its alerts' message too.
func (s *Store) MarkSent(ctx context.Context, id int64, ts string) error {
	err := s.tx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx,
			`UPDATE alerts SET status = ?, ts = ?, sent_at = ?, attempts = attempts + 1, error = '', unsure = 0 WHERE id = ?`,
			StatusSent, ts, s.now().Unix(), id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE alerts SET ts = ? WHERE digest_id = ? AND status = ?`, ts, id, StatusFolded)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark alert %d sent: %w", id, err)
	}
	return nil
}

// ReleaseHeld sends the alerts held for a digest that no watcher has any
// more (the watcher was removed, or its digest) as alerts of their own,
// and returns how many it released.
func (s *Store) ReleaseHeld(ctx context.Context, digestWatchers []string) (int, error) {
	args := []any{StatusPending, StatusHeld}
	q := `UPDATE alerts SET status = ? WHERE status = ?`
	if len(digestWatchers) > 0 {
		q += ` AND watcher NOT IN (?` + strings.Repeat(",?", len(digestWatchers)-1) + `)`
		for _, w := range digestWatchers {
			args = append(args, w)
		}
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("release held alerts: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DigestSince returns when the watcher's last digest was made; the first
// time it is asked, that is now.
func (s *Store) DigestSince(ctx context.Context, watcher string) (time.Time, error) {
	var last int64
	err := s.db.QueryRowContext(ctx,
		`INSERT INTO digests (watcher, last_at) VALUES (?, ?) ON CONFLICT (watcher) DO UPDATE SET last_at = digests.last_at RETURNING last_at`,
		watcher, s.now().Unix()).Scan(&last)
	if err != nil {
		return time.Time{}, fmt.Errorf("digest of %s: %w", watcher, err)
	}
	return time.Unix(last, 0), nil
}

// FoldDigest makes the watcher's digest due at the given time, in one
// transaction: build turns the alerts held for it (oldest first) into the
// digest's messages, which go to the outbox; the alerts they list are
// folded into them; and the digest's time becomes at. since is the
// digest's time as DigestSince gave it: when another process has made the
// digest meanwhile, nothing is done. It returns how many alerts were
// folded.
func (s *Store) FoldDigest(ctx context.Context, watcher string, since, at time.Time, build func(held []*news.Alert, since time.Time) []*news.Alert) (int, error) {
	folded := 0
	err := s.tx(ctx, func(tx *txn) error {
		var last int64
		err := tx.QueryRowContext(ctx, `SELECT last_at FROM digests WHERE watcher = ?`, watcher).Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil && last != since.Unix() {
			return nil // made by another process
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, payload FROM alerts WHERE watcher = ? AND status = ? ORDER BY id`, watcher, StatusHeld)
		if err != nil {
			return err
		}
		var held []*news.Alert
		for rows.Next() {
			a := &news.Alert{}
			var id int64
			var payload string
			if err := rows.Scan(&id, &payload); err != nil {
				rows.Close()
				return err
			}
			if err := json.Unmarshal([]byte(payload), a); err != nil {
				rows.Close()
				return fmt.Errorf("alert %d: %w", id, err)
			}
			a.ID = id
			held = append(held, a)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if len(held) > 0 {
			for _, d := range build(held, time.Unix(last, 0)) {
				d.InDigest = false
				if err := s.insert(ctx, tx, d); err != nil {
					return err
				}
				for _, e := range d.Digest.Entries {
					res, err := tx.ExecContext(ctx, `UPDATE alerts SET status = ?, digest_id = ? WHERE id = ? AND status = ?`, StatusFolded, d.ID, e.AlertID, StatusHeld)
					if err != nil {
						return err
					}
					n, _ := res.RowsAffected()
					folded += int(n)
				}
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO digests (watcher, last_at) VALUES (?, ?) ON CONFLICT (watcher) DO UPDATE SET last_at = excluded.last_at`,
			watcher, at.Unix())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("digest of %s: %w", watcher, err)
	}
	return folded, nil
}

// MarkFailed records a failed attempt. A permanent failure parks the
// alert as failed; otherwise it is pending for the next attempt, which
// first looks for it in the channel when the failure was news.Unsure.
func (s *Store) MarkFailed(ctx context.Context, id int64, reason string, f news.Failure) error {
	status := StatusPending
	if f == news.Permanent {
		status = StatusFailed
	}
	_, err := s.db.ExecContext(ctx,
		`UPDATE alerts SET status = ?, error = ?, attempts = attempts + 1, unsure = CASE WHEN ? = 1 THEN 1 ELSE unsure END WHERE id = ?`, status, reason, f == news.Unsure, id)
	if err != nil {
		return fmt.Errorf("mark alert %d failed: %w", id, err)
	}
	return nil
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Counts returns how many alerts are in each status.
func (s *Store) Counts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT status, count(*) FROM alerts GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count alerts: %w", err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		counts[st] = n
	}
	return counts, rows.Err()
}

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
