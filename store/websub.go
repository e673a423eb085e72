package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/newsbot/newsbot/news"
)

const webSubColumns = `id, source, hub, topic, secret, state, lease_until, requested_at, pushed_at`

func scanWebSub(scan func(dest ...any) error) (news.WebSub, error) {
	var s news.WebSub
	var lease, requested, pushed int64
	if err := scan(&s.ID, &s.Source, &s.Hub, &s.Topic, &s.Secret, &s.State, &lease, &requested, &pushed); err != nil {
		return s, err
	}
	s.LeaseUntil, s.Requested, s.Pushed = unixOrZero(lease), unixOrZero(requested), unixOrZero(pushed)
	return s, nil
}

func unixOrZero(t int64) time.Time {
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(t, 0)
}

func zeroOrUnix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// WebSubs returns every WebSub subscription.
func (s *Store) WebSubs(ctx context.Context) ([]news.WebSub, error) {
	var out []news.WebSub
	err := eachRow(ctx, s.db, func(rows *sql.Rows) error {
		sub, err := scanWebSub(rows.Scan)
		if err == nil {
			out = append(out, sub)
		}
		return err
	}, `SELECT `+webSubColumns+` FROM websub ORDER BY source`)
	if err != nil {
		return nil, fmt.Errorf("websub subscriptions: %w", err)
	}
	return out, nil
}

// WebSub returns the subscription of this id; ok is false when there is
// none.
func (s *Store) WebSub(ctx context.Context, id string) (sub news.WebSub, ok bool, err error) {
	sub, err = scanWebSub(s.db.QueryRowContext(ctx, `SELECT `+webSubColumns+` FROM websub WHERE id = ?`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return sub, false, nil
	}
	if err != nil {
		return sub, false, fmt.Errorf("websub subscription: %w", err)
	}
	return sub, true, nil
}

// SaveWebSub keeps a subscription. A new one of a source replaces the
// one it had, unless that one is leaving (its hub is yet to verify the
// unsubscription, at its callback).
func (s *Store) SaveWebSub(ctx context.Context, sub news.WebSub) error {
	err := s.tx(ctx, func(tx *txn) error {
		if sub.State != news.WebSubLeaving {
			if _, err := tx.ExecContext(ctx, `DELETE FROM websub WHERE source = ? AND id != ? AND state != ?`, sub.Source, sub.ID, string(news.WebSubLeaving)); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO websub (`+webSubColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET source = excluded.source, hub = excluded.hub, topic = excluded.topic, secret = excluded.secret,
				state = excluded.state, lease_until = excluded.lease_until, requested_at = excluded.requested_at, pushed_at = excluded.pushed_at`,
			sub.ID, sub.Source, sub.Hub, sub.Topic, sub.Secret, string(sub.State), zeroOrUnix(sub.LeaseUntil), zeroOrUnix(sub.Requested), zeroOrUnix(sub.Pushed))
		return err
	})
	if err != nil {
		return fmt.Errorf("save websub subscription: %w", err)
	}
	return nil
}

// ClaimWebSubRequest takes the asking of the hub for this subscription:
// it reports false when another replica (or an earlier call) asked since
// before, so that of several replicas one asks.
func (s *Store) ClaimWebSubRequest(ctx context.Context, id string, before, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE websub SET requested_at = ? WHERE id = ? AND requested_at <= ?`, now.Unix(), id, before.Unix())
	if err != nil {
		return false, fmt.Errorf("claim websub request: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetWebSubState records what the hub said of a subscription: its state
// and, when verified, its lease's end.
func (s *Store) SetWebSubState(ctx context.Context, id string, state news.WebSubState, leaseUntil time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE websub SET state = ?, lease_until = ? WHERE id = ?`, string(state), zeroOrUnix(leaseUntil), id); err != nil {
		return fmt.Errorf("websub subscription state: %w", err)
	}
	return nil
}

// WebSubPushed records a push's arrival.
func (s *Store) WebSubPushed(ctx context.Context, id string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE websub SET pushed_at = ? WHERE id = ?`, at.Unix(), id); err != nil {
		return fmt.Errorf("websub push: %w", err)
	}
	return nil
}

// DeleteWebSub forgets a subscription.
func (s *Store) DeleteWebSub(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM websub WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete websub subscription: %w", err)
	}
	return nil
}
