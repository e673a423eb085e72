package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/newsbot/newsbot/news"
)

// Mute mutes the watcher until then: what it matches meanwhile is
// recorded, not posted. by is who asked, as Slack names them.
//
// The watcher's alerts not yet posted (waiting for quiet hours to end,
// for a digest, or for their turn) are muted too: a mute stops what the
// channel would hear from then on. A mute in force that is given a new
// end keeps its start, and its count.
func (s *Store) Mute(ctx context.Context, watcher string, until time.Time, by string) error {
	now := s.now().Unix()
	err := s.tx(ctx, func(tx *txn) error {
		// Those on articles count as the mute's, beside those to come.
		var queued int
		// (Those of this very second are counted by their time.)
		// A digest's articles count, not the digest.
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM alerts a WHERE a.watcher = ? AND a.thread_of IS NULL AND a.url != '' AND a.created_at < ?
			AND (a.status IN (?, ?) OR a.status = ? AND a.digest_id IN (SELECT d.id FROM alerts d WHERE d.watcher = ? AND d.status IN (?, ?)))`,
			watcher, now, StatusPending, StatusHeld, StatusFolded, watcher, StatusPending, StatusHeld).Scan(&queued)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET status = ? WHERE watcher = ? AND status IN (?, ?)`, StatusMuted, watcher, StatusPending, StatusHeld); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO mutes (watcher, until_at, by_user, at, queued) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (watcher) DO UPDATE SET until_at = excluded.until_at, by_user = excluded.by_user,
				at = CASE WHEN mutes.until_at > ? THEN mutes.at ELSE excluded.at END,
				queued = CASE WHEN mutes.until_at > ? THEN mutes.queued + excluded.queued ELSE excluded.queued END`,
			watcher, until.Unix(), by, now, queued, now, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("mute %s: %w", watcher, err)
	}
	return nil
}

// Unmute ends the watcher's mute; it reports whether one was in force.
func (s *Store) Unmute(ctx context.Context, watcher string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM mutes WHERE watcher = ? AND until_at > ?`, watcher, s.now().Unix())
	if err != nil {
		return false, fmt.Errorf("unmute %s: %w", watcher, err)
	}
	n, err := res.RowsAffected()
	if err == nil {
		// An expired mute is litter.
		_, err = s.db.ExecContext(ctx, `DELETE FROM mutes WHERE watcher = ?`, watcher)
	}
	return n > 0, err
}

// Mutes returns the mutes in force, each with the alerts on articles (not
// replies or digests) recorded and not posted since it began, those
// waiting when it began included.
func (s *Store) Mutes(ctx context.Context) (map[string]news.Mute, error) {
	out := map[string]news.Mute{}
	err := eachRow(ctx, s.db, func(rows *sql.Rows) error {
		var m news.Mute
		var until, at int64
		err := rows.Scan(&m.Watcher, &until, &m.By, &at, &m.Held)
		m.Until, m.At = time.Unix(until, 0), time.Unix(at, 0)
		out[m.Watcher] = m
		return err
	}, `SELECT m.watcher, m.until_at, m.by_user, m.at, m.queued +
			(SELECT count(*) FROM alerts a WHERE a.watcher = m.watcher AND a.thread_of IS NULL AND a.url != '' AND a.created_at >= m.at
				AND (a.status = ? OR a.status = ? AND a.digest_id IN (SELECT d.id FROM alerts d WHERE d.watcher = m.watcher AND d.status = ?)))
		FROM mutes m WHERE m.until_at > ?`, StatusMuted, StatusFolded, StatusMuted, s.now().Unix())
	if err != nil {
		return nil, fmt.Errorf("mutes: %w", err)
	}
	return out, nil
}

// WatcherRan records that the watcher checked its sources at then (on
// any replica).
func (s *Store) WatcherRan(ctx context.Context, watcher string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO watcher_runs (watcher, ran_at) VALUES (?, ?)
		ON CONFLICT (watcher) DO UPDATE SET ran_at = excluded.ran_at WHERE watcher_runs.ran_at < excluded.ran_at`, watcher, at.Unix())
	if err != nil {
		return fmt.Errorf("watcher %s ran: %w", watcher, err)
	}
	return nil
}

// WatcherRuns returns when each watcher last checked its sources.
func (s *Store) WatcherRuns(ctx context.Context) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	err := eachRow(ctx, s.db, func(rows *sql.Rows) error {
		var w string
		var at int64
		err := rows.Scan(&w, &at)
		out[w] = time.Unix(at, 0)
		return err
	}, `SELECT watcher, ran_at FROM watcher_runs`)
	if err != nil {
		return nil, fmt.Errorf("watcher runs: %w", err)
	}
	return out, nil
}

// RecentAlerts returns the alerts on articles (not replies or digests)
// recorded since then, by every watcher, newest first, at most limit;
// muted ones too, which are stored articles as much as the others.
func (s *Store) RecentAlerts(ctx context.Context, since time.Time, limit int) ([]*news.Alert, error) {
	return s.recentAlerts(ctx, "", since, limit)
}

// recentAlerts returns the watcher's alerts on articles since then (every
// watcher's, for ""), newest first, at most limit.
func (s *Store) recentAlerts(ctx context.Context, watcher string, since time.Time, limit int) ([]*news.Alert, error) {
	q, args := `SELECT id, payload, created_at FROM alerts WHERE created_at >= ?`, []any{since.Unix()}
	if watcher != "" {
		q, args = q+` AND watcher = ?`, append(args, watcher)
	}
	var out []*news.Alert
	err := eachRow(ctx, s.db, func(rows *sql.Rows) error {
		var created int64
		a, err := scanAlert(rows, &created)
		switch {
		case errors.Is(err, errUnreadable):
			return nil // not shown
		case err != nil:
			return err
		case a.Found.IsZero():
			a.Found = time.Unix(created, 0)
		}
		out = append(out, a)
		return nil
	}, q+` AND thread_of IS NULL AND url != '' ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("recent alerts: %w", err)
	}
	return out, nil
}

// AlertsSince counts, by watcher, the alerts on articles (not replies or
// digests) recorded since then, and of those the ones kept unposted
// because their watcher was muted (alone or in a muted digest).
func (s *Store) AlertsSince(ctx context.Context, since time.Time) (map[string]news.AlertCounts, error) {
	out := map[string]news.AlertCounts{}
	err := eachRow(ctx, s.db, func(rows *sql.Rows) error {
		var w string
		var c news.AlertCounts
		err := rows.Scan(&w, &c.All, &c.Muted)
		out[w] = c
		return err
	}, `SELECT a.watcher, count(*),
			sum(CASE WHEN a.status = ? OR a.status = ? AND a.digest_id IN (SELECT d.id FROM alerts d WHERE d.status = ?) THEN 1 ELSE 0 END)
		FROM alerts a WHERE a.created_at >= ? AND a.thread_of IS NULL AND a.url != '' GROUP BY a.watcher`,
		StatusMuted, StatusFolded, StatusMuted, since.Unix())
	if err != nil {
		return nil, fmt.Errorf("count alerts: %w", err)
	}
	return out, nil
}
