package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/newsbot/newsbot/news"
)

// Seen returns which of keys the watcher has seen before.
func (s *Store) Seen(ctx context.Context, watcher string, keys []string) (map[string]bool, error) {
	return s.SeenSince(ctx, watcher, keys, time.Unix(0, 0))
}

// SeenSince returns which of keys the watcher first saw at or after since.
func (s *Store) SeenSince(ctx context.Context, watcher string, keys []string, since time.Time) (map[string]bool, error) {
	seen := make(map[string]bool, len(keys))
	keyOf := s.db.d.keyOf(keys)
	err := byChunks(keys, func(chunk []any, in string) error {
		return eachRow(ctx, s.db, func(rows *sql.Rows) error {
			var k string
			err := rows.Scan(&k)
			seen[keyOf(k)] = true
			return err
		}, `SELECT key FROM seen WHERE watcher = ? AND seen_at >= ? AND key IN (`+in+`)`, append([]any{watcher, since.Unix()}, chunk...)...)
	})
	if err != nil {
		return nil, fmt.Errorf("query seen: %w", err)
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
	var items []news.Item
	err := eachRow(ctx, s.db, func(rows *sql.Rows) error {
		var payload string
		var it news.Item
		if err := rows.Scan(&payload); err != nil {
			return err
		}
		items = append(items, it)
		return json.Unmarshal([]byte(payload), &items[len(items)-1])
	}, `SELECT item FROM fetch_failures WHERE watcher = ? AND item != '' ORDER BY last_at, key`, watcher)
	if err != nil {
		return nil, fmt.Errorf("held-back items: %w", err)
	}
	return items, nil
}
