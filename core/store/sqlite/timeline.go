package sqlite

import (
	"context"
	"fmt"
)

// LastTimelineID returns the largest ID of checkID's timeline entries (0
// when it has none). IDs only grow, so it changes with every entry added,
// also one dated before the newest (a signal delivered late), which the
// head of the timeline, ordered by time, does not show.
func (s *Store) LastTimelineID(ctx context.Context, checkID string) (int64, error) {
	_, read := s.DB()
	var id int64
	if err := read.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM timeline WHERE check_id = ?`, checkID).Scan(&id); err != nil {
		return 0, fmt.Errorf("last timeline id: %w", err)
	}
	return id, nil
}
