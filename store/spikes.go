package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/newsbot/newsbot/news"
)

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
