package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newsbot/newsbot/news"
)

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
		var held []*news.Alert
		err = eachRow(ctx, tx, func(rows *sql.Rows) error {
			a, err := scanAlert(rows)
			held = append(held, a)
			return err
		}, `SELECT id, payload FROM alerts WHERE watcher = ? AND status = ? ORDER BY id`, watcher, StatusHeld)
		if err != nil {
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
