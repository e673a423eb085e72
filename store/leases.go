package store

import (
	"context"
	"fmt"
	"time"

	"github.com/newsbot/newsbot/news"
)

// A store's process says it lives every Heartbeat in the replicas table;
// one whose last word is older than HeartbeatStale is dead, wherever it
// ran, and its claims are taken over at once (with a look in the channel
// for what it may have posted).
const (
	Heartbeat      = 10 * time.Second
	HeartbeatStale = 60 * time.Second
)

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

// Lease takes the lease on a source's check for d, unless another
// process holds it now; it reports whether this one does. Replicas that
// tick together take the lease on each source check, so that one of them
// makes it. A store that closes gives its leases up (ReleaseLeases); a
// process that dies holding one loses it at once to a process on the
// same host that can tell it is gone (newsbot restarted after kill -9),
// else when d has passed, or when it has been silent for HeartbeatStale.
func (s *Store) Lease(ctx context.Context, l news.SourceLease, d time.Duration) (bool, error) {
	now, key := s.now(), l.Key()
	res, err := s.db.ExecContext(ctx, `INSERT INTO leases (key, owner, until_ms) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms
		WHERE leases.until_ms <= ? OR leases.owner = excluded.owner
			OR leases.owner IN (SELECT owner FROM replicas WHERE beat_at < ?)`,
		key, s.owner, now.Add(d).UnixMilli(), now.UnixMilli(), time.Now().Add(-HeartbeatStale).Unix())
	if err != nil {
		return false, fmt.Errorf("lease of %s for %s: %w", l.Source, l.Group, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return n == 1, err
	}
	// Held: by a process that is gone, if this one can tell.
	var holder string
	if err := s.db.QueryRowContext(ctx, `SELECT owner FROM leases WHERE key = ?`, key).Scan(&holder); err != nil || !s.dead(holder) {
		return false, nil
	}
	res, err = s.db.ExecContext(ctx, `UPDATE leases SET owner = ?, until_ms = ? WHERE key = ? AND owner = ?`, s.owner, now.Add(d).UnixMilli(), key, holder)
	if err != nil {
		return false, fmt.Errorf("lease of %s for %s: %w", l.Source, l.Group, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseLeases gives up the store's leases, so that whoever checks next
// (the store of a reloaded config, another replica) need not wait for
// them to run out.
func (s *Store) ReleaseLeases(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM leases WHERE owner = ?`, s.owner); err != nil {
		return fmt.Errorf("release leases: %w", err)
	}
	return nil
}
