package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/newsbot/newsbot/news"
)

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

// RecentStories returns the stories the watcher alerted on since then,
// and other outlets' versions of them, in the order recorded.
func (s *Store) RecentStories(ctx context.Context, watcher string, since time.Time) ([]news.StoryRef, error) {
	return stories(ctx, s.db, watcher, since, 0)
}

// stories returns the watcher's stories found since then and recorded
// after the story after, in the order recorded.
func stories(ctx context.Context, q querier, watcher string, since time.Time, after int64) ([]news.StoryRef, error) {
	var out []news.StoryRef
	err := eachRow(ctx, q, func(rows *sql.Rows) error {
		var r news.StoryRef
		var terms string
		if err := rows.Scan(&r.ID, &r.AlertID, &r.Version, &r.Source, &r.Host, &r.Sig, &r.Event, &r.Title, &terms); err != nil {
			return err
		}
		json.Unmarshal([]byte(terms), &r.Terms)
		out = append(out, r)
		return nil
	}, `SELECT id, alert_id, version, source, host, sig, event, title, terms FROM stories
		WHERE watcher = ? AND found_at >= ? AND id > ? ORDER BY id`, watcher, since.Unix(), after)
	if err != nil {
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
