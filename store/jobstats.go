package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/convene/convene/domain"
)

// JobCounts counts the background jobs by kind and state. It reads River's
// job table directly: one GROUP BY, cheap enough to run on every metrics
// scrape. It returns EUNAVAILABLE when the database cannot be reached.
func (db *DB) JobCounts(ctx context.Context) ([]domain.JobCount, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT kind, state, count(*) FROM river_job GROUP BY kind, state ORDER BY kind, state`)
	if err != nil {
		return nil, jobStatsErr(err)
	}
	defer rows.Close()
	var out []domain.JobCount
	for rows.Next() {
		var c domain.JobCount
		if err := rows.Scan(&c.Kind, &c.State, &c.Count); err != nil {
			return nil, jobStatsErr(err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, jobStatsErr(err)
	}
	return out, nil
}

// JobsSummary returns the job counts, when the longest-waiting available
// job became available, and the last failures (at most limit), newest
// first. It returns EUNAVAILABLE when the database cannot be reached.
func (db *DB) JobsSummary(ctx context.Context, limit int) (domain.JobsSummary, error) {
	var sum domain.JobsSummary
	counts, err := db.JobCounts(ctx)
	if err != nil {
		return sum, err
	}
	sum.Counts = counts
	var oldest any
	err = db.sql.QueryRowContext(ctx, `SELECT scheduled_at FROM river_job WHERE state = 'available' ORDER BY scheduled_at LIMIT 1`).Scan(&oldest)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return sum, jobStatsErr(err)
	default:
		t, err := scanTime(oldest)
		if err != nil {
			return sum, jobStatsErr(err)
		}
		sum.OldestAvailable = &t
	}
	// River keeps each attempt's error; the last one is the latest.
	rows, err := db.sql.QueryContext(ctx, fmt.Sprintf(`SELECT id, kind, state, attempt, coalesce(%s, ''), coalesce(%s, '')
		FROM river_job WHERE errors IS NOT NULL AND state IN ('retryable', 'discarded', 'cancelled', 'available', 'running')
		ORDER BY id DESC LIMIT %d`, db.dialect.lastJobError("error"), db.dialect.lastJobError("at"), max(limit, 0)))
	if err != nil {
		return sum, jobStatsErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var f domain.JobFailure
		var at string
		if err := rows.Scan(&f.ID, &f.Kind, &f.State, &f.Attempt, &f.Error, &at); err != nil {
			return sum, jobStatsErr(err)
		}
		if f.Error == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, at); err == nil {
			f.At = t.UTC()
		}
		sum.RecentFailures = append(sum.RecentFailures, f)
	}
	if err := rows.Err(); err != nil {
		return sum, jobStatsErr(err)
	}
	return sum, nil
}

// scanTime reads a timestamp that the driver gives as a time.Time
// (PostgreSQL, and SQLite for declared timestamp columns) or as text.
func scanTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t.UTC(), nil
	case string:
		return parseDBTime(t)
	case []byte:
		return parseDBTime(string(t))
	}
	return time.Time{}, fmt.Errorf("store: unexpected timestamp %T", v)
}

func parseDBTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("store: unreadable timestamp %q", s)
}

// jobStatsErr wraps a failure to read the job table; the API logs it as
// an internal error.
func jobStatsErr(err error) error { return fmt.Errorf("store: job queue: %w", err) }
