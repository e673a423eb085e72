package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/news"
)

// SourceChecked records a check of a source, and says what to tell ops:
// news.HealthDown when it has now failed threshold times in a row (once),
// news.HealthUp when it answers again after that was said, news.HealthSame
// otherwise. since is when the failures began.
func (s *Store) SourceChecked(ctx context.Context, source, failure string, threshold int) (tell news.HealthChange, since time.Time, err error) {
	ok := failure == ""
	if ok && s.health.healthy(ctx, s, source) {
		return news.HealthSame, time.Unix(0, 0), nil
	}
	defer s.health.forget()
	if ok {
		// A source that answers, as it did: nothing to write, nor a
		// write transaction to take.
		var failures, reported int
		err := s.db.QueryRowContext(ctx, `SELECT failures, reported FROM source_health WHERE source = ?`, source).Scan(&failures, &reported)
		if errors.Is(err, sql.ErrNoRows) || err == nil && failures == 0 && reported == 0 {
			return news.HealthSame, time.Unix(0, 0), nil
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
				tell = news.HealthUp
			}
			failures, reported, from = 0, 0, 0
		} else {
			if failures == 0 {
				from = s.now().Unix()
			}
			failures++
			if failures >= threshold && reported == 0 {
				tell, reported = news.HealthDown, 1
			}
		}
		since = time.Unix(from, 0)
		_, err = tx.ExecContext(ctx, `INSERT INTO source_health (source, failures, since, reported, last_error) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (source) DO UPDATE SET failures = excluded.failures, since = excluded.since, reported = excluded.reported, last_error = excluded.last_error`,
			source, failures, from, reported, textutil.Truncate(failure, maxFailure))
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

// healthTTL is how old the list of sources with failures may be for a
// check that answered to be known as healthy as before without a read:
// another replica's failure of a moment ago is then reset by the next
// check, not this one.
const healthTTL = 5 * time.Second

// healthSnapshot lists the sources with failures or a report to ops, so
// that the check of a source that answers, as it did, reads nothing: one
// read of the list every healthTTL, not one a source.
type healthSnapshot struct {
	mu        sync.Mutex
	at        time.Time
	unhealthy map[string]bool
}

// healthy reports whether the source is known to have answered at its
// last check, with nothing reported.
func (h *healthSnapshot) healthy(ctx context.Context, s *Store, source string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.unhealthy == nil || time.Since(h.at) > healthTTL {
		m := map[string]bool{}
		err := eachRow(ctx, s.db, func(rows *sql.Rows) error {
			var src string
			err := rows.Scan(&src)
			m[src] = true
			return err
		}, `SELECT source FROM source_health WHERE failures > 0 OR reported > 0`)
		if err != nil {
			h.unhealthy = nil
			return false // read the source's own row
		}
		h.unhealthy, h.at = m, time.Now()
	}
	return !h.unhealthy[source]
}

// forget drops the list after a write to source_health.
func (h *healthSnapshot) forget() {
	h.mu.Lock()
	h.unhealthy = nil
	h.mu.Unlock()
}

// itemsSnapshot holds every source's freshness as it was at most
// healthTTL ago, without its keys and gaps: the check of a source that
// answers as before, and has had something new lately, needs nothing
// more, and reads nothing (one read of all every healthTTL, not one a
// source).
type itemsSnapshot struct {
	mu sync.Mutex
	at time.Time
	m  map[string]itemsMeta
}

type itemsMeta struct {
	lastNew, checked int64
	stale            bool
}

// quietFresh is the freshness of a source that answered as before, from
// the snapshot, when that tells all: it is known, has had something new
// within gapsAfter (so its gaps do not matter), and needs nothing
// written.
func (n *itemsSnapshot) quietFresh(ctx context.Context, s *Store, source string, now time.Time, gapsAfter time.Duration) (news.Freshness, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil || time.Since(n.at) > healthTTL {
		m := map[string]itemsMeta{}
		err := eachRow(ctx, s.db, func(rows *sql.Rows) error {
			var src string
			var meta itemsMeta
			err := rows.Scan(&src, &meta.lastNew, &meta.stale, &meta.checked)
			m[src] = meta
			return err
		}, `SELECT source, last_new, stale, checked_at FROM source_items`)
		if err != nil {
			n.m = nil
			return news.Freshness{}, false
		}
		n.m, n.at = m, time.Now()
	}
	meta, ok := n.m[source]
	if !ok || now.Unix()-meta.lastNew >= int64(gapsAfter/time.Second) ||
		now.Unix()-meta.checked >= int64(pauseLimit/4/time.Second) { // to be written now and then
		return news.Freshness{}, false
	}
	return news.Freshness{LastNew: time.Unix(meta.lastNew, 0), Stale: meta.stale}, true
}

// forget drops a source from the snapshot after a write of its row.
func (n *itemsSnapshot) forget(source string) {
	n.mu.Lock()
	delete(n.m, source)
	n.mu.Unlock()
}

// ValidatorsOf returns the validators kept of these keys, in one query a
// few hundred keys (what this store saved is taken from memory).
func (s *Store) ValidatorsOf(ctx context.Context, keys []string) (map[string]news.Validators, error) {
	out := make(map[string]news.Validators, len(keys))
	var ask []string
	for _, k := range keys {
		if v, ok := s.validators.get(k); ok {
			out[k] = v
		} else {
			ask = append(ask, k)
		}
	}
	keyOf := s.db.d.keyOf(ask)
	err := byChunks(ask, func(chunk []any, in string) error {
		return eachRow(ctx, s.db, func(rows *sql.Rows) error {
			var k string
			var v news.Validators
			err := rows.Scan(&k, &v.ETag, &v.LastModified, &v.Hash)
			out[keyOf(k)] = v
			return err
		}, `SELECT key, etag, last_modified, hash FROM http_cache WHERE key IN (`+in+`)`, chunk...)
	})
	if err != nil {
		return nil, fmt.Errorf("query http cache: %w", err)
	}
	return out, nil
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
// stale. The first time, everything is taken as known and new now. The
// gaps of a source that answered as before are given only when it has
// had nothing new for gapsAfter: before, no gap can make it stale.
func (s *Store) SourceListed(ctx context.Context, source string, keys []string, now time.Time, gapsAfter time.Duration) (news.Freshness, error) {
	// Most checks find the source as it was (nil keys) and change
	// nothing: read, outside a write transaction, whether they would;
	// from the list of all sources' freshness when it tells.
	if keys == nil && gapsAfter > 0 {
		if f, ok := s.items.quietFresh(ctx, s, source, now, gapsAfter); ok {
			return f, nil
		}
		if f, write, err := s.sourceListed(ctx, s.db, source, nil, now, gapsAfter); err == nil && !write {
			return f, nil
		}
	}
	defer s.items.forget(source)
	var f news.Freshness
	err := s.tx(ctx, func(tx *txn) error {
		var err error
		f, _, err = s.sourceListed(ctx, tx, source, keys, now, -1)
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

// sourceListed is SourceListed's work. With gapsAfter 0 or more it is
// dry: it writes nothing, reports whether it would have, and reads the
// gaps only of a source quiet for gapsAfter.
func (s *Store) sourceListed(ctx context.Context, tx readWriter, source string, keys []string, now time.Time, gapsAfter time.Duration) (f news.Freshness, write bool, err error) {
	dry := gapsAfter >= 0
	err = func() error {
		var stored, gaps string
		var lastNew, checked int64
		// The keys listed before are read only to be compared or kept.
		cols := "keys"
		if dry && keys == nil {
			cols = "''"
		}
		err := tx.QueryRowContext(ctx, `SELECT `+cols+`, last_new, gaps, stale, checked_at FROM source_items WHERE source = ?`, source).
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
		if !dry || first || now.Unix()-lastNew >= int64(gapsAfter/time.Second) {
			json.Unmarshal([]byte(gaps), &recent)
		}
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

// shortHash is a key's fingerprint, 64 bits in hex.
func shortHash(k string) string {
	h := sha256.Sum256([]byte(k))
	return hex.EncodeToString(h[:8])
}

// maxFailure bounds the reason kept of a source's failure.
const maxFailure = 500

// FailingSources returns the sources whose last check failed: how many
// checks in a row, and since when.
func (s *Store) FailingSources(ctx context.Context) ([]news.SourceFailure, error) {
	var out []news.SourceFailure
	err := eachRow(ctx, s.db, func(rows *sql.Rows) error {
		var f news.SourceFailure
		var since int64
		err := rows.Scan(&f.Source, &f.Failures, &since, &f.Reason)
		f.Since = time.Unix(since, 0)
		out = append(out, f)
		return err
	}, `SELECT source, failures, since, last_error FROM source_health WHERE failures > 0 ORDER BY since, source`)
	if err != nil {
		return nil, fmt.Errorf("failing sources: %w", err)
	}
	return out, nil
}
