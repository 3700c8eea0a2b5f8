package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // checkBaseline's database/sql driver, "pgx"

	"github.com/convene/convene/store"
)

// createDatabase makes a fresh database on the server of adminURL and
// returns its URL and a function that drops it.
func createDatabase(ctx context.Context, adminURL, name string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", adminURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			fmt.Printf("warning: could not drop database %s: %v\n", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			fmt.Printf("warning: could not drop database %s: %v\n", name, err)
		}
	}
	return u.String(), drop, nil
}

// waitJobsDrained waits until the e-mail jobs queued so far have been
// worked, so one scenario's background sending does not weigh on the next.
func waitJobsDrained(ctx context.Context, dbURL string, timeout time.Duration) (time.Duration, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	start := time.Now()
	for {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'retryable') AND queue = 'email'`).Scan(&n); err != nil {
			return 0, err
		}
		if n == 0 {
			return time.Since(start), nil
		}
		if time.Since(start) > timeout {
			return time.Since(start), fmt.Errorf("%d e-mail jobs still queued after %s", n, timeout)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// deleteBaselineJobs removes the jobs pgbench inserted, so that a Convene
// started later on this database does not try to send them.
func deleteBaselineJobs(ctx context.Context, dbURL string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `DELETE FROM river_job WHERE args->>'delivery_id' LIKE 'pgb%'`)
	return err
}

// checkBaseline verifies that the baseline's transactions did what an
// RSVP does: the event's counters and the rows they added agree. The query
// is the same on both databases (db: PostgreSQL through pgx's
// database/sql driver, or SQLite).
func checkBaseline(ctx context.Context, db *sql.DB, slug string, capacity, txns int) string {
	var (
		eventID                          string
		going, waiting, rows, deliveries int
	)
	err := db.QueryRowContext(ctx, `SELECT e.id, e.going_count, e.waitlist_count,
		(SELECT count(*) FROM rsvps r WHERE r.event_id = e.id),
		(SELECT count(*) FROM deliveries d WHERE d.event_id = e.id)
		FROM events e WHERE e.slug = $1`, slug).Scan(&eventID, &going, &waiting, &rows, &deliveries)
	if err != nil {
		return "FAIL: " + err.Error()
	}
	// The jobs naming the event's deliveries, counted here: SQLite runs
	// the same as a subquery once per job.
	jobs, err := jobsOfDeliveries(ctx, db, eventID)
	if err != nil {
		return "FAIL: " + err.Error()
	}
	wantGoing := min(capacity, txns)
	if going != wantGoing || waiting != txns-wantGoing || rows != txns || deliveries != txns || jobs != txns {
		return fmt.Sprintf("FAIL: %d going, %d waitlisted, %d RSVP rows, %d deliveries, %d jobs after %d transactions",
			going, waiting, rows, deliveries, jobs, txns)
	}
	return fmt.Sprintf("PASS: %d going, %d waitlisted, one RSVP, delivery and job per transaction", going, waiting)
}

// jobsOfDeliveries counts the jobs whose delivery_id is one of the
// event's deliveries.
func jobsOfDeliveries(ctx context.Context, db *sql.DB, eventID string) (int, error) {
	ids := map[string]bool{}
	if err := eachString(ctx, db, func(id string) { ids[id] = true }, `SELECT id FROM deliveries WHERE event_id = $1`, eventID); err != nil {
		return 0, err
	}
	n := 0
	err := eachString(ctx, db, func(id string) {
		if ids[id] {
			n++
		}
	}, `SELECT args->>'delivery_id' FROM river_job WHERE args->>'delivery_id' IS NOT NULL`)
	return n, err
}

// eachString calls f with each row of a query of one text column.
func eachString(ctx context.Context, db *sql.DB, f func(string), query string, args ...any) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		f(s)
	}
	return rows.Err()
}

// checkLevels runs checkBaseline on the hot event of every level and sums
// up: PASS with the first level's figures, or FAIL with the levels that
// failed.
func checkLevels(ctx context.Context, db *sql.DB, levels []baselineResult, slug func(clients int) string, capacity int) string {
	var checks []string
	for _, l := range levels {
		if ck := checkBaseline(ctx, db, slug(l.Clients), capacity, l.Transactions); strings.HasPrefix(ck, "FAIL") || len(checks) == 0 {
			checks = append(checks, fmt.Sprintf("%d clients: %s", l.Clients, ck))
		}
	}
	if len(checks) == 0 {
		return "FAIL: no level ran"
	}
	all := strings.Join(checks, "; ")
	if strings.Contains(all, "FAIL") {
		return "FAIL: " + all
	}
	return fmt.Sprintf("PASS: every level (%s)", checks[0])
}

// databaseFacts reads the database's version and the settings that bear
// on a commit: of PostgreSQL at dbURL, or else of the SQLite file at path,
// opened with the server's DSN.
func databaseFacts(ctx context.Context, dbURL, path string) (string, map[string]string, error) {
	if dbURL == "" {
		db, err := sql.Open("sqlite", store.SQLiteDSN(path))
		if err != nil {
			return "", nil, err
		}
		defer db.Close()
		var version, journal string
		var sync int
		if err := db.QueryRowContext(ctx, `SELECT sqlite_version(), (SELECT journal_mode FROM pragma_journal_mode), (SELECT synchronous FROM pragma_synchronous)`).Scan(&version, &journal, &sync); err != nil {
			return "", nil, err
		}
		syncNames := []string{"OFF", "NORMAL", "FULL", "EXTRA"}
		return "SQLite " + version, map[string]string{"journal_mode": journal, "synchronous": syncNames[min(sync, 3)]}, nil
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	facts := map[string]string{}
	for _, k := range []string{"server_version", "synchronous_commit", "shared_buffers"} {
		var v string
		if err := conn.QueryRow(ctx, "SHOW "+k).Scan(&v); err != nil {
			return "", nil, err
		}
		facts[k] = v
	}
	version := "PostgreSQL " + strings.Fields(facts["server_version"])[0]
	delete(facts, "server_version")
	return version, facts, nil
}
