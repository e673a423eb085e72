package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/newsbot/newsbot/news"
)

// Robots returns what is kept of these sites' robots.txt (see
// watchers.RobotsStore).
func (s *Store) Robots(ctx context.Context, sites []string) (map[string]news.RobotsFile, error) {
	files := make(map[string]news.RobotsFile, len(sites))
	keyOf := s.db.d.keyOf(sites)
	err := byChunks(sites, func(chunk []any, in string) error {
		return eachRow(ctx, s.db, func(rows *sql.Rows) error {
			var f news.RobotsFile
			var expires int64
			if err := rows.Scan(&f.Site, &f.Status, &f.Body, &f.Validators.ETag, &f.Validators.LastModified, &expires); err != nil {
				return err
			}
			f.Expires = time.Unix(expires, 0)
			files[keyOf(f.Site)] = f
			return nil
		}, `SELECT site, status, body, etag, last_modified, expires_at FROM robots WHERE site IN (`+in+`)`, chunk...)
	})
	if err != nil {
		return nil, fmt.Errorf("query robots: %w", err)
	}
	return files, nil
}

// SaveRobots keeps these robots.txt, in one transaction; one the site
// said is unchanged only gets its new expiry and validators.
func (s *Store) SaveRobots(ctx context.Context, files []news.RobotsFile) error {
	err := s.tx(ctx, func(tx *txn) error {
		for _, f := range files {
			var err error
			if f.Unchanged {
				_, err = tx.ExecContext(ctx, `UPDATE robots SET expires_at = ?, etag = ?, last_modified = ? WHERE site = ?`,
					f.Expires.Unix(), f.Validators.ETag, f.Validators.LastModified, f.Site)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO robots (site, status, body, etag, last_modified, expires_at) VALUES (?, ?, ?, ?, ?, ?)
					ON CONFLICT (site) DO UPDATE SET status = excluded.status, body = excluded.body, etag = excluded.etag,
						last_modified = excluded.last_modified, expires_at = excluded.expires_at`,
					f.Site, f.Status, f.Body, f.Validators.ETag, f.Validators.LastModified, f.Expires.Unix())
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save robots: %w", err)
	}
	return nil
}
