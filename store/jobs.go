package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// DefaultUpdateDelay is how long an event change waits before attendees are
// told, so that a burst of edits sends one update.
const DefaultUpdateDelay = time.Minute

// MaxSendAttempts bounds the attempts to send one e-mail: with the
// workers' backoff (1 s doubling, capped at 10 minutes) that is about 16
// hours of a mail server being down; the last attempt marks the delivery
// failed.
const MaxSendAttempts = 100

// fanOutBatch is how many deliveries one fan-out transaction creates.
const fanOutBatch = 500

// SendBatchSize is how many deliveries of a fan-out one send_email_batch
// job sends: loaded, minted and marked in one transaction each, handed to
// the sender together.
const SendBatchSize = 50

// initJobs makes the River driver over the store's own connections and an
// insert-only client: jobs are inserted inside the store's transactions, so
// a rolled-back change sends nothing and a committed one always sends.
func (db *DB) initJobs() error {
	db.driver = db.dialect.jobDriver(db)
	c, err := river.NewClient(db.driver, &river.Config{Logger: db.log, Test: river.TestConfig{Time: db.JobTime()}})
	if err != nil {
		return fmt.Errorf("store: job queue: %w", err)
	}
	db.jobs = c
	return nil
}

// JobTime is the database's clock as the job queue reads time: give it to
// every River client over this database (river.Config.Test.Time, River's
// only way in for a clock), so that jobs are scheduled, run and retried
// by the service's one clock. On the computer's clock River keeps asking
// the database for the time, as it does by default, so that replicas whose
// clocks drift still agree; any other clock (a test's) is told to River as
// the time, in the database's statements too.
func (db *DB) JobTime() rivertype.TimeGenerator { return jobTime{db.clock} }

type jobTime struct{ clock domain.Clock }

func (t jobTime) Now() time.Time { return t.clock.Now() }

func (t jobTime) NowOrNil() *time.Time {
	if t.clock == domain.SystemClock {
		return nil
	}
	now := t.clock.Now().UTC()
	return &now
}

// RescueAbandonedJobs makes the jobs of queue that have been running for
// longer than after available again at once — their process stopped (was
// killed, or its machine lost) before recording their end — and discards
// those that have used all their attempts, as River's own rescuer would. It
// returns how many it took up.
//
// after must be longer than any attempt of the queue's jobs can last,
// recording included: a job that is still being worked is then never
// taken, by any replica, whatever the replicas know of each other. River's
// rescuer does the same with one threshold for every queue, runs only on
// the leader and only every 30 s; this one can be run by every process,
// at its start and often (the UPDATE takes a job only while it is still
// running and still as old, so replicas running it together take each job
// once).
func (db *DB) RescueAbandonedJobs(ctx context.Context, queue string, after time.Duration) (int, error) {
	now, err := db.jobNow(ctx)
	if err != nil {
		return 0, translate(err)
	}
	horizon := now.Add(-after)
	exec := db.driver.GetExecutor()
	const page = 100
	taken := 0
	for afterID := int64(0); ; {
		stuck, err := exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{AfterID: afterID, Max: page, StuckHorizon: horizon})
		if err != nil {
			return taken, translate(err)
		}
		p := riverdriver.JobRescueManyParams{StuckHorizon: horizon}
		for _, j := range stuck {
			afterID = j.ID
			if j.Queue != queue {
				continue
			}
			e, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: j.Attempt,
				Error: fmt.Sprintf("abandoned: still running %s after its attempt began; its process had stopped", after)})
			if err != nil {
				return taken, err
			}
			state, finalized := rivertype.JobStateAvailable, (*time.Time)(nil)
			if j.Attempt >= j.MaxAttempts {
				state, finalized = rivertype.JobStateDiscarded, &now
			}
			p.ID = append(p.ID, j.ID)
			p.Error = append(p.Error, e)
			p.FinalizedAt = append(p.FinalizedAt, finalized)
			p.ScheduledAt = append(p.ScheduledAt, now)
			p.State = append(p.State, string(state))
		}
		if len(p.ID) > 0 {
			if _, err := exec.JobRescueMany(ctx, &p); err != nil {
				return taken, translate(err)
			}
			taken += len(p.ID)
		}
		if len(stuck) < page {
			return taken, nil
		}
	}
}

// jobNow is the time as the job queue records it (attempted_at): the
// service's clock, unless that is the computer's — then River has the
// database say the time, so that replicas whose clocks drift agree.
// SQLite's time is the computer's.
func (db *DB) jobNow(ctx context.Context) (time.Time, error) {
	if t := db.JobTime().NowOrNil(); t != nil || !db.dialect.hasClock {
		return utc(db.clock.Now()), nil
	}
	var t time.Time
	err := db.sql.QueryRowContext(ctx, "SELECT now()").Scan(&t)
	return t.UTC(), err
}

// ReindexerIndexNames returns the indexes River's reindexer should rebuild
// nightly on this database, for river.Config.ReindexerIndexNames: nil
// (River's defaults) on PostgreSQL; on SQLite those of River's defaults
// that its SQLite schema has. Three of the defaults — river_job_pkey and
// the GIN indexes on args and metadata — exist on PostgreSQL only, and
// River warns every midnight about names it cannot find.
func (db *DB) ReindexerIndexNames(ctx context.Context) ([]string, error) {
	if db.dialect.riverHasAllIndexes {
		return nil, nil
	}
	names := []string{} // not nil: nil would mean River's defaults
	for _, name := range river.ReindexerIndexNamesDefault() {
		var n int
		if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?`, name).Scan(&n); err != nil {
			return nil, translate(err)
		}
		if n > 0 {
			names = append(names, name)
		}
	}
	return names, nil
}

// JobDriver returns the job queue driver, for the client that works jobs.
func (db *DB) JobDriver() riverdriver.Driver[*sql.Tx] { return db.driver }

// migrateJobs applies River's own migrations (its job tables), serialised
// across replicas by a lock of the database session where it has them.
func (db *DB) migrateJobs(ctx context.Context) error {
	if db.dialect.lockSession != "" {
		conn, err := db.sql.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		const key = 0x636f6e76656e65 // "convene"
		if _, err := conn.ExecContext(ctx, db.dialect.lockSession, key); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), db.dialect.unlockSession, key)
	}
	m, err := rivermigrate.New(db.driver, &rivermigrate.Config{Logger: db.log})
	if err != nil {
		return err
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("store: job queue migrations: %w", err)
	}
	for _, v := range res.Versions {
		db.log.Info("job queue migration applied", "version", v.Version, "name", v.Name)
	}
	return nil
}

// sqlTx returns the *sql.Tx under a GORM transaction handle.
func sqlTx(tx *gorm.DB) *sql.Tx {
	switch p := tx.Statement.ConnPool.(type) {
	case *sql.Tx:
		return p
	case *gorm.PreparedStmtTX:
		if t, ok := p.Tx.(*sql.Tx); ok {
			return t
		}
	}
	panic(fmt.Sprintf("store: not inside a transaction (%T)", tx.Statement.ConnPool))
}

// enqueue records one delivery per RSVP and inserts the jobs that send
// them, in the caller's transaction. A delivery already recorded for the
// same (RSVP, kind, sequence) is not added again, so a retried fan-out adds
// nothing twice.
func (db *DB) enqueue(tx *gorm.DB, eventID string, kind domain.MessageKind, seq int, detail string, rsvpIDs []string) (int, error) {
	return db.enqueueWith(tx, "", nil, eventID, kind, seq, detail, rsvpIDs)
}

// enqueueBatched is enqueue with one send_email_batch job per
// SendBatchSize deliveries instead of one job each: a fan-out's e-mails
// are loaded, sent and marked in batches.
func (db *DB) enqueueBatched(tx *gorm.DB, eventID string, kind domain.MessageKind, seq int, detail string, rsvpIDs []string) (int, error) {
	return db.enqueueDeliveries(tx, "", nil, eventID, kind, seq, detail, rsvpIDs, true)
}

// enqueueWith is enqueue with a WITH clause (and its arguments) put before
// the insert of the deliveries, for a change that must be made in the same
// transaction and can ride in the same statement (PostgreSQL only: SQLite
// has no data-modifying WITH).
func (db *DB) enqueueWith(tx *gorm.DB, with string, withArgs []any, eventID string, kind domain.MessageKind, seq int, detail string, rsvpIDs []string) (int, error) {
	return db.enqueueDeliveries(tx, with, withArgs, eventID, kind, seq, detail, rsvpIDs, false)
}

// enqueueDeliveries records the deliveries and inserts their jobs: one
// send_email job each, or with batched one send_email_batch job per
// SendBatchSize deliveries.
func (db *DB) enqueueDeliveries(tx *gorm.DB, with string, withArgs []any, eventID string, kind domain.MessageKind, seq int, detail string, rsvpIDs []string, batched bool) (int, error) {
	if len(rsvpIDs) == 0 {
		return 0, nil
	}
	now := db.now()
	var (
		b    strings.Builder
		args = withArgs
	)
	b.WriteString(with)
	b.WriteString(`INSERT INTO deliveries (id, event_id, rsvp_id, kind, sequence, status, detail, created_at, updated_at) VALUES `)
	for i, rid := range rsvpIDs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, 'queued', ?, ?, ?)")
		args = append(args, domain.NewID(), eventID, rid, string(kind), seq, detail, now, now)
	}
	b.WriteString(` ON CONFLICT (rsvp_id, kind, sequence) DO NOTHING RETURNING id`)
	var ids []string
	if err := tx.Raw(b.String(), args...).Scan(&ids).Error; err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	var params []river.InsertManyParams
	if batched {
		for b := range slices.Chunk(ids, SendBatchSize) {
			params = append(params, river.InsertManyParams{Args: domain.SendEmailBatchArgs{DeliveryIDs: b},
				InsertOpts: &river.InsertOpts{Queue: domain.QueueEmail, MaxAttempts: MaxSendAttempts}})
		}
	} else {
		params = make([]river.InsertManyParams, len(ids))
		for i, id := range ids {
			params[i] = river.InsertManyParams{Args: domain.SendEmailArgs{DeliveryID: id},
				InsertOpts: &river.InsertOpts{Queue: domain.QueueEmail, MaxAttempts: MaxSendAttempts}}
		}
	}
	if _, err := db.jobs.InsertManyTx(tx.Statement.Context, sqlTx(tx), params); err != nil {
		return 0, err
	}
	if db.afterEnqueue != nil { // tests: fail the transaction after the insert
		if err := db.afterEnqueue(); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// scheduleFanOut inserts the job that tells every attendee of a change.
func (db *DB) scheduleFanOut(tx *gorm.DB, eventID string, kind domain.MessageKind, at time.Time) error {
	_, err := db.jobs.InsertTx(tx.Statement.Context, sqlTx(tx), domain.FanOutArgs{EventID: eventID, Message: kind},
		&river.InsertOpts{Queue: domain.QueueFanOut, ScheduledAt: at, MaxAttempts: 25})
	return err
}

// updateDetail is what an update delivery carries: the fields that changed
// and what attendees had been told before.
type updateDetail struct {
	Changed  []string              `json:"changed,omitempty"`
	Previous *domain.EventSnapshot `json:"previous,omitempty"`
	// Before is how long before the start a reminder goes (ISO 8601).
	Before string `json:"before,omitempty"`
	// Why says why Convene cancelled an RSVP.
	Why string `json:"why,omitempty"`
	// ConfirmBy is the deadline of a reconfirmation request.
	ConfirmBy *time.Time `json:"confirm_by,omitempty"`
}

// FanOut turns an event-wide message — an update or a cancellation — into
// one delivery per attendee: those going (and, for a cancellation, those
// waitlisted). Deliveries are created in batches, each in its own
// transaction, so a large event never holds one giant transaction; running
// it again after a crash adds only what is missing. Their e-mails are sent
// by one send_email_batch job per SendBatchSize deliveries. It returns how many
// deliveries it created.
func (db *DB) FanOut(ctx context.Context, eventID string, kind domain.MessageKind) (int, error) {
	var (
		seq      int
		detail   string
		statuses = []string{string(domain.RSVPGoing)}
		snapshot domain.EventSnapshot
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var ev eventRow
		if err := tx.Raw(`SELECT * FROM events WHERE id = ?`+db.forUpdate(), eventID).Take(&ev).Error; err != nil {
			return err
		}
		seq = ev.Sequence
		e := ev.toDomain()
		snapshot = e.Snapshot()
		switch kind {
		case domain.MessageEventCancelled:
			statuses = append(statuses, string(domain.RSVPWaitlisted))
			return nil
		case domain.MessageUpdated:
			// From here on, a new edit schedules a new update.
			if err := tx.Exec(`UPDATE events SET update_pending = ? WHERE id = ?`, false, eventID).Error; err != nil {
				return err
			}
			if ev.Status != string(domain.EventPublished) {
				seq = -1
				return nil
			}
			var prev domain.EventSnapshot
			if err := json.Unmarshal([]byte(ev.NotifiedSnapshot), &prev); err != nil {
				prev = snapshot
			}
			d := updateDetail{Changed: prev.Changes(&e), Previous: &prev}
			if len(d.Changed) == 0 {
				seq = -1 // edited and edited back: nothing to say
				return nil
			}
			b, _ := json.Marshal(d)
			detail = string(b)
			return nil
		}
		return fmt.Errorf("store: fan-out of %q", kind)
	})
	if err != nil || seq < 0 {
		return 0, err
	}
	total, after := 0, ""
	for {
		var ids []string
		err := db.tx(ctx, func(tx *gorm.DB) error {
			if err := tx.Raw(`SELECT id FROM rsvps WHERE event_id = ? AND status IN ? AND id > ? ORDER BY id LIMIT ?`,
				eventID, statuses, after, fanOutBatch).Scan(&ids).Error; err != nil {
				return err
			}
			n, err := db.enqueueBatched(tx, eventID, kind, seq, detail, ids)
			total += n
			return err
		})
		if err != nil {
			return total, err
		}
		if len(ids) < fanOutBatch {
			break
		}
		after = ids[len(ids)-1]
	}
	if kind == domain.MessageUpdated {
		b, _ := json.Marshal(snapshot)
		if err := db.tx(ctx, func(tx *gorm.DB) error {
			return tx.Exec(`UPDATE events SET notified_snapshot = ? WHERE id = ?`, string(b), eventID).Error
		}); err != nil {
			return total, err
		}
	}
	return total, nil
}
