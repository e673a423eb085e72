package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/newsbot/newsbot/news"
)

// Alerted returns, for those of keys the watcher has alerted on, what it
// last said about them.
func (s *Store) Alerted(ctx context.Context, watcher string, keys []string) (map[string]news.Prior, error) {
	out := map[string]news.Prior{}
	keyOf := s.db.d.keyOf(keys)
	err := byChunks(keys, func(chunk []any, in string) error {
		return eachRow(ctx, s.db, func(rows *sql.Rows) error {
			var k, terms string
			var p news.Prior
			if err := rows.Scan(&k, &p.AlertID, &p.Sig, &p.Title, &terms, &p.FromFeed); err != nil {
				return err
			}
			json.Unmarshal([]byte(terms), &p.Terms)
			out[keyOf(k)] = p
			return nil
		}, `SELECT key, alert_id, sig, title, terms, from_feed FROM alerted WHERE watcher = ? AND key IN (`+in+`)`, append([]any{watcher}, chunk...)...)
	})
	if err != nil {
		return nil, fmt.Errorf("query alerted: %w", err)
	}
	return out, nil
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
