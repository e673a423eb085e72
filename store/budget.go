package store

import (
	"context"
	"fmt"
)

// TakeBudget counts one more summary for the day (UTC), if fewer than max
// were written; it reports whether one may be.
func (s *Store) TakeBudget(ctx context.Context, max int) (bool, error) {
	day := s.now().UTC().Format("2006-01-02")
	res, err := s.db.ExecContext(ctx, `INSERT INTO llm_usage (day, calls) VALUES (?, 1)
		ON CONFLICT (day) DO UPDATE SET calls = llm_usage.calls + 1 WHERE llm_usage.calls < ?`, day, max)
	if err != nil {
		return false, fmt.Errorf("llm budget: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1 && max > 0, err
}

// ReturnBudget gives back a summary counted by TakeBudget that was not
// written (the model failed).
func (s *Store) ReturnBudget(ctx context.Context) error {
	day := s.now().UTC().Format("2006-01-02")
	if _, err := s.db.ExecContext(ctx, `UPDATE llm_usage SET calls = calls - 1 WHERE day = ? AND calls > 0`, day); err != nil {
		return fmt.Errorf("llm budget: %w", err)
	}
	return nil
}
