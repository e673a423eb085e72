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

// Pending returns the alerts waiting to be sent, oldest first, with those
// whose claim has timed out or whose claiming process has died (on this
// host); those are marked Interrupted.
func (s *Store) Pending(ctx context.Context) ([]*news.Alert, error) {
	s.abandoned.Clear()
	var alerts []*news.Alert
	err := eachRow(ctx, s.db, func(rows *sql.Rows) error {
		var id int64
		var payload, status, owner, parentTS, parent, digest string
		var expired sql.NullBool
		var unsure, silent bool
		if err := rows.Scan(&id, &payload, &status, &unsure, &expired, &owner, &silent, &parentTS, &parent, &digest); err != nil {
			return err
		}
		if status == StatusSending && !expired.Bool {
			// Its process is known dead on this host, or has not said
			// it lives for HeartbeatStale, wherever it ran.
			if !silent && !s.dead(owner) {
				return nil // another process is sending it
			}
			s.abandoned.Store(id, owner)
		}
		a := &news.Alert{}
		if err := json.Unmarshal([]byte(payload), a); err != nil {
			return fmt.Errorf("alert %d: %w", id, err)
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
		return nil
	}, `SELECT a.id, a.payload, a.status, a.unsure, a.claimed_at < ?, a.claimed_by, CASE WHEN r.beat_at < ? THEN 1 ELSE 0 END,
			COALESCE(p.ts, ''), COALESCE(p.status, ''), COALESCE(d.status, '')
		FROM alerts a
		LEFT JOIN alerts p ON p.id = a.thread_of
		LEFT JOIN alerts d ON d.id = p.digest_id
		LEFT JOIN replicas r ON r.owner = a.claimed_by AND a.status = ?
		WHERE a.status IN (?, ?) ORDER BY a.id`,
		s.now().Add(-ClaimTimeout).Unix(), s.now().Add(-HeartbeatStale).Unix(), StatusSending, StatusPending, StatusSending)
	if err != nil {
		return nil, fmt.Errorf("pending alerts: %w", err)
	}
	return alerts, nil
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

// MarkSent records that the alert went out, with the message's timestamp
// and its latency (from the item's publication to the post; negative
// when not known); for a digest, that timestamp is its alerts' message
// too.
func (s *Store) MarkSent(ctx context.Context, id int64, ts string, latency time.Duration) error {
	var ms any // NULL: not known
	if latency >= 0 {
		ms = latency.Milliseconds()
	}
	err := s.tx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx,
			`UPDATE alerts SET status = ?, ts = ?, sent_at = ?, attempts = attempts + 1, error = '', unsure = 0, latency_ms = ? WHERE id = ?`,
			StatusSent, ts, s.now().Unix(), ms, id); err != nil {
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

// scanAlert reads an alert from a row of its ID and payload, and any
// further columns into more. A payload that does not read as an alert is
// an errUnreadable.
func scanAlert(rows *sql.Rows, more ...any) (*news.Alert, error) {
	var id int64
	var payload string
	if err := rows.Scan(append([]any{&id, &payload}, more...)...); err != nil {
		return nil, err
	}
	a := &news.Alert{}
	if err := json.Unmarshal([]byte(payload), a); err != nil {
		return nil, fmt.Errorf("alert %d: %w: %w", id, errUnreadable, err)
	}
	a.ID = id
	return a, nil
}

// errUnreadable is an alert whose stored payload does not read as one.
var errUnreadable = errors.New("unreadable")

// Counts returns how many alerts are in each status.
func (s *Store) Counts(ctx context.Context) (map[string]int, error) {
	counts := map[string]int{}
	err := eachRow(ctx, s.db, func(rows *sql.Rows) error {
		var st string
		var n int
		err := rows.Scan(&st, &n)
		counts[st] = n
		return err
	}, `SELECT status, count(*) FROM alerts GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count alerts: %w", err)
	}
	return counts, nil
}
