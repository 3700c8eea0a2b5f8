package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
)

// The SQLite baseline is the SQL of one public RSVP on SQLite, as
// store.CreateRSVP sends it there (SQLite has no one-statement claim: its
// general path, store/rsvps.go createRSVP → placeRSVP), run from a plain
// Go loop through the same driver (modernc.org/sqlite) with the same
// pragmas (store.SQLiteDSN): in one transaction, begun IMMEDIATE by the
// DSN, read the event, insert the RSVP (the text of GORM's insert of the
// row: every column, each a parameter), save the counters, record the
// delivery and insert the River job that sends the e-mail, with River's
// own client over its SQLite driver (InsertManyTx, as the store's enqueue
// does). The loop decides going or waitlisted from the counters read, the
// rule of the claim.
//
// The loop does what the store does not, to be as fast as a plain loop
// can: its statements are prepared once (GORM prepares each anew). Its
// goroutines share one connection, as the server's do (store.Open):
// SQLite has one writer, and on connections of their own the goroutines'
// BEGIN IMMEDIATE waits in SQLite's busy handler, which sleeps in steps of
// milliseconds. On the 2-core machine, busy with other work, on
// 2026-12-07 (means of three interleaved runs of 1,500 RSVPs to one
// event), the shared connection did 486 tps at 4 goroutines and 529 at
// 32, connections of their own 451 and 348; at one goroutine, where the
// two are the same, 509 and 557.
const (
	sqliteEventSQL = `SELECT * FROM events WHERE slug = ? AND status <> 'draft'`
	sqliteRSVPSQL  = "INSERT INTO `rsvps` (`id`,`event_id`,`name`,`email`,`email_norm`,`locale`,`status`,`waitlist_seq`," +
		"`manage_token_hash`,`feed_token_hash`,`join_token_hash`,`created_at`,`updated_at`,`cancelled_at`,`erased_at`," +
		"`checkin_code`,`attended_at`,`attended_how`,`walk_in`,`was_waitlisted`,`follower_id`,`reconfirm_asked_at`," +
		"`reconfirmed_at`,`reply_token_hash`,`calendar_reply`,`calendar_reply_client`,`calendar_reply_via`," +
		"`calendar_reply_sequence`,`calendar_reply_stamp`,`calendar_reply_at`) " +
		"VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) " +
		"ON CONFLICT (`event_id`,`email_norm`) WHERE status <> 'cancelled' DO NOTHING"
	sqliteCountersSQL = `UPDATE events SET going_count = ?, waitlist_count = ?, waitlist_seq = ?, sequence = ? WHERE id = ?`
	sqliteDeliverySQL = `INSERT INTO deliveries (id, event_id, rsvp_id, kind, sequence, status, detail, created_at, updated_at) ` +
		`VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?) ON CONFLICT (rsvp_id, kind, sequence) DO NOTHING RETURNING id`
)

// sqliteLoop is the baseline's connection and prepared statements.
type sqliteLoop struct {
	db                                 *sql.DB
	jobs                               *river.Client[*sql.Tx]
	event, rsvp, counters, deliveryIns *sql.Stmt
}

// openSQLiteLoop opens the database file at path as the server does: one
// connection, the store's DSN.
func openSQLiteLoop(ctx context.Context, path string) (*sqliteLoop, error) {
	db, err := sql.Open("sqlite", store.SQLiteDSN(path))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	l := &sqliteLoop{db: db}
	if l.jobs, err = river.NewClient(riversqlite.New(db), &river.Config{}); err != nil {
		db.Close()
		return nil, err
	}
	for _, s := range []struct {
		stmt **sql.Stmt
		sql  string
	}{{&l.event, sqliteEventSQL}, {&l.rsvp, sqliteRSVPSQL}, {&l.counters, sqliteCountersSQL}, {&l.deliveryIns, sqliteDeliverySQL}} {
		if *s.stmt, err = db.PrepareContext(ctx, s.sql); err != nil {
			db.Close()
			return nil, fmt.Errorf("prepare %.40s…: %w", s.sql, err)
		}
	}
	return l, nil
}

func (l *sqliteLoop) close() { l.db.Close() }

// loopEvent is what the loop needs of the event row it reads whole.
type loopEvent struct {
	id                                  string
	capacity                            sql.NullInt64
	waitlist                            bool
	going, waiting, waitlistSeq, seqNum int64
}

// readEvent runs sqliteEventSQL in tx and picks the columns the RSVP needs.
func readEvent(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, slug string) (loopEvent, error) {
	var e loopEvent
	rows, err := tx.StmtContext(ctx, stmt).QueryContext(ctx, slug)
	if err != nil {
		return e, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return e, err
	}
	if !rows.Next() {
		return e, errors.Join(rows.Err(), fmt.Errorf("no event %s", slug))
	}
	vals := make([]any, len(cols))
	for i := range vals {
		vals[i] = new(any)
	}
	if err := rows.Scan(vals...); err != nil {
		return e, err
	}
	for i, c := range cols {
		v := *vals[i].(*any)
		switch c {
		case "id":
			e.id = v.(string)
		case "capacity":
			if n, ok := v.(int64); ok {
				e.capacity = sql.NullInt64{Int64: n, Valid: true}
			}
		case "waitlist":
			e.waitlist = v == int64(1) || v == true
		case "going_count":
			e.going = v.(int64)
		case "waitlist_count":
			e.waiting = v.(int64)
		case "waitlist_seq":
			e.waitlistSeq = v.(int64)
		case "sequence":
			e.seqNum = v.(int64)
		}
	}
	return e, rows.Close()
}

// rsvpTx runs one RSVP to the event with the slug, as attendee i of worker w.
func (l *sqliteLoop) rsvpTx(ctx context.Context, slug string, w, i int) error {
	tx, err := l.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: _txlock=immediate
	if err != nil {
		return err
	}
	defer tx.Rollback()
	e, err := readEvent(ctx, tx, l.event, slug)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	status, seq := string(domain.RSVPGoing), any(nil)
	switch {
	case !e.capacity.Valid || e.going < e.capacity.Int64:
		e.going++
	case e.waitlist:
		status = string(domain.RSVPWaitlisted)
		e.waiting++
		e.waitlistSeq++
		seq = e.waitlistSeq
	default:
		return errors.New("event full without a waitlist")
	}
	h := domain.HashLinks(domain.NewSecret())
	rsvpID, email := domain.NewID(), fmt.Sprintf("q%d-%d-%s@sqlite.example.org", w, i, domain.NewID())
	res, err := tx.StmtContext(ctx, l.rsvp).ExecContext(ctx, rsvpID, e.id, fmt.Sprintf("Attendee %d", i), email, email, "", status, seq,
		h.Manage, h.Feed, h.Join, now, now, nil, nil, domain.NewCheckinCode(), nil, nil, false, status == string(domain.RSVPWaitlisted),
		nil, nil, nil, nil, nil, nil, nil, nil, nil, nil)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("RSVP insert affected %d rows", n)
	}
	if _, err := tx.StmtContext(ctx, l.counters).ExecContext(ctx, e.going, e.waiting, e.waitlistSeq, e.seqNum, e.id); err != nil {
		return err
	}
	var deliveryID string
	if err := tx.StmtContext(ctx, l.deliveryIns).QueryRowContext(ctx, domain.NewID(), e.id, rsvpID, status, e.seqNum, "", now, now).Scan(&deliveryID); err != nil {
		return err
	}
	if _, err := l.jobs.InsertManyTx(ctx, tx, []river.InsertManyParams{{
		Args:       domain.SendEmailArgs{DeliveryID: deliveryID},
		InsertOpts: &river.InsertOpts{Queue: domain.QueueEmail, MaxAttempts: store.MaxSendAttempts},
	}}); err != nil {
		return err
	}
	return tx.Commit()
}

// runSQLiteLoop runs n/conc RSVPs in each of conc goroutines, to the
// event slug(w, i) names, and reports them as pgbench would.
func runSQLiteLoop(ctx context.Context, l *sqliteLoop, conc, n int, slug func(w, i int) string) baselineResult {
	per := max(1, n/conc)
	var (
		mu      sync.Mutex
		failed  int
		lastErr error
		wg      sync.WaitGroup
		latency time.Duration
	)
	start := time.Now()
	for w := range conc {
		wg.Go(func() {
			var lat time.Duration
			fails := 0
			var fe error
			for i := range per {
				t0 := time.Now()
				if err := l.rsvpTx(ctx, slug(w, i), w, i); err != nil {
					fails++
					fe = err
				}
				lat += time.Since(t0)
			}
			mu.Lock()
			failed += fails
			latency += lat
			if fe != nil {
				lastErr = fe
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	total := conc * per
	r := baselineResult{Clients: conc, Transactions: total - failed, Failed: failed,
		Command: fmt.Sprintf("Go loop over modernc.org/sqlite (store.SQLiteDSN, one shared connection, prepared statements): %d RSVPs in each of %d goroutines", per, conc)}
	if secs > 0 {
		r.TPS = float64(total-failed) / secs
	}
	r.LatencyAvgMs = float64(latency.Microseconds()) / 1000 / float64(total)
	if lastErr != nil {
		r.Error = lastErr.Error()
	}
	return r
}

// sqliteSweep is pgbenchSweep for SQLite: the loop at every level of
// baselineLevels, for the hot event slug(clients) names (hot) or spread
// over the events prefix-0001 … prefix-N (spreadEvents > 0).
func sqliteSweep(ctx context.Context, l *sqliteLoop, n int, hotSlug func(clients int) string, prefix string, spreadEvents int) ([]baselineResult, baselineResult) {
	var all []baselineResult
	var best baselineResult
	for _, c := range baselineLevels {
		slug := func(int, int) string { return hotSlug(c) }
		if spreadEvents > 0 {
			slug = func(int, int) string { return spreadSlug(prefix, rand.IntN(spreadEvents)) }
		}
		r := runSQLiteLoop(ctx, l, c, n, slug)
		all = append(all, r)
		if r.TPS > best.TPS {
			best = r
		}
	}
	return all, best
}

// sqliteBaseline runs the SQLite loop at every level on the hot event of
// each level (hotSlug) and over the spread events, in the database file
// at path (the server's, which is stopped), and checks the hot events'
// rows.
func sqliteBaseline(ctx context.Context, path string, o options, hotSlug func(clients int) string, spreadPrefix string) (baselineRun, error) {
	var b baselineRun
	l, err := openSQLiteLoop(ctx, path)
	if err != nil {
		return b, fmt.Errorf("SQLite baseline: %w", err)
	}
	defer l.close()
	b.hotLevels, b.hot = sqliteSweep(ctx, l, o.n, hotSlug, "", 0)
	b.spreadLevels, b.spread = sqliteSweep(ctx, l, o.n, hotSlug, spreadPrefix, o.events)
	b.check = checkLevels(ctx, l.db, b.hotLevels, hotSlug, o.capacity)
	return b, nil
}
