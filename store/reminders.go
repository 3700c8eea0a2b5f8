package store

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// scheduleReminders replaces the scheduled reminder and reconfirmation
// jobs of the event with those its row now asks for, in the caller's
// transaction: none unless it is published, and none due already (a "24
// hours before" reminder is not sent two hours before). Every change that
// publishes, creates published, moves or cancels an event, or changes its
// reminders or reconfirmation, calls it; calling it again is harmless. A
// job already running is not removed: it finds the event changed and does
// nothing (see SendReminders).
func (db *DB) scheduleReminders(tx *gorm.DB, ev *eventRow) error {
	ctx := tx.Statement.Context
	where := db.dialect.jsonText("args", "event_id") + ` = @event_id`
	del := river.NewJobDeleteManyParams().
		Kinds(domain.ReminderArgs{}.Kind(), domain.ReconfirmArgs{}.Kind()).
		States(rivertype.JobStateScheduled, rivertype.JobStateAvailable, rivertype.JobStateRetryable, rivertype.JobStatePending).
		Where(where, river.NamedArgs{"event_id": ev.ID})
	if _, err := db.jobs.JobDeleteManyTx(ctx, sqlTx(tx), del); err != nil {
		return err
	}
	if ev.Status != string(domain.EventPublished) {
		return nil
	}
	now, start := db.now(), ev.StartsAt.UTC()
	var params []river.InsertManyParams
	add := func(args river.JobArgs, at time.Time) {
		if at.After(now) {
			params = append(params, river.InsertManyParams{Args: args,
				InsertOpts: &river.InsertOpts{Queue: domain.QueueFanOut, ScheduledAt: at, MaxAttempts: 25}})
		}
	}
	for _, d := range decodeReminders(ev.Reminders) {
		add(domain.ReminderArgs{EventID: ev.ID, Before: d, StartsAt: start}, start.Add(-d))
	}
	if ev.Reconfirm {
		add(domain.ReconfirmArgs{EventID: ev.ID, Step: domain.ReconfirmAsk, StartsAt: start}, start.Add(-domain.ReconfirmAskBefore))
		add(domain.ReconfirmArgs{EventID: ev.ID, Step: domain.ReconfirmRelease, StartsAt: start}, start.Add(-domain.ReconfirmDeadlineBefore))
	}
	if len(params) == 0 {
		return nil
	}
	_, err := db.jobs.InsertManyTx(ctx, sqlTx(tx), params)
	return err
}

// eachGoing runs fn, in batches of its own transactions, over the RSVPs
// going to the event that match cond (SQL on rsvps, with args), while
// current says the event still is as the job expects; the event's row is
// locked during each batch. It returns the sum of what fn returns.
func (db *DB) eachGoing(ctx context.Context, eventID string, current func(ev *eventRow) bool, cond string, args []any,
	fn func(tx *gorm.DB, ev *eventRow, ids []string) (int, error)) (int, error) {
	total, after := 0, ""
	for {
		var ids []string
		err := db.tx(ctx, func(tx *gorm.DB) error {
			var ev eventRow
			if err := tx.Raw(`SELECT * FROM events WHERE id = ?`+db.forUpdate(), eventID).Take(&ev).Error; err != nil {
				return err
			}
			if !current(&ev) {
				ids = nil
				return nil
			}
			q := `SELECT id FROM rsvps WHERE event_id = ? AND status = 'going' AND id > ?` + cond + ` ORDER BY id LIMIT ?`
			if err := tx.Raw(q, append(append([]any{eventID, after}, args...), fanOutBatch)...).Scan(&ids).Error; err != nil {
				return err
			}
			n, err := fn(tx, &ev, ids)
			total += n
			return err
		})
		if err != nil {
			return total, err
		}
		if len(ids) < fanOutBatch {
			return total, nil
		}
		after = ids[len(ids)-1]
	}
}

// SendReminders creates the reminder deliveries of one reminder job: one
// per RSVP going at this moment. It does nothing when the job is stale:
// the event is no longer published, moved (its start is not a.StartsAt),
// no longer has this reminder, or has started. Running it again adds
// nothing twice. It returns how many deliveries it created.
func (db *DB) SendReminders(ctx context.Context, a domain.ReminderArgs) (int, error) {
	due := a.StartsAt.Add(-a.Before)
	detail, _ := json.Marshal(updateDetail{Before: domain.FormatISODuration(a.Before)})
	current := func(ev *eventRow) bool {
		return ev.Status == string(domain.EventPublished) && ev.StartsAt.Equal(a.StartsAt) &&
			slices.Contains(decodeReminders(ev.Reminders), a.Before) && db.now().Before(ev.StartsAt)
	}
	// Erased RSVPs still count, but have no address to write to.
	return db.eachGoing(ctx, a.EventID, current, ` AND erased_at IS NULL`, nil, func(tx *gorm.DB, ev *eventRow, ids []string) (int, error) {
		return db.enqueue(tx, ev.ID, domain.MessageReminder, int(due.Unix()), string(detail), ids)
	})
}

// reconfirmCurrent reports whether a reconfirmation job scheduled for the
// start startsAt still applies to the event.
func (db *DB) reconfirmCurrent(ev *eventRow, startsAt time.Time) bool {
	return ev.Status == string(domain.EventPublished) && ev.Reconfirm && ev.StartsAt.Equal(startsAt) && db.now().Before(ev.StartsAt)
}

// RequestReconfirmation asks the people going to the event to confirm
// they still come: each gets a delivery, and their RSVP records that they
// were asked. Walk-ins, people checked in and people who already confirmed
// are not asked; people who RSVP (or are promoted) later never are, and so
// count as confirmed. A stale job (event cancelled, moved, reconfirmation
// turned off) does nothing. It returns how many people were asked.
func (db *DB) RequestReconfirmation(ctx context.Context, a domain.ReconfirmArgs) (int, error) {
	asked := a.StartsAt.Add(-domain.ReconfirmAskBefore)
	by := a.StartsAt.Add(-domain.ReconfirmDeadlineBefore).UTC()
	detail, _ := json.Marshal(updateDetail{ConfirmBy: &by})
	// Asking after the deadline (the job ran late) would release people
	// who never had the time to answer: then nobody is asked.
	return db.eachGoing(ctx, a.EventID, func(ev *eventRow) bool { return db.reconfirmCurrent(ev, a.StartsAt) && db.now().Before(by) },
		` AND walk_in = ? AND attended_at IS NULL AND reconfirmed_at IS NULL AND erased_at IS NULL`, []any{false},
		func(tx *gorm.DB, ev *eventRow, ids []string) (int, error) {
			if len(ids) == 0 {
				return 0, nil
			}
			if err := tx.Exec(`UPDATE rsvps SET reconfirm_asked_at = ? WHERE id IN ?`, db.now(), ids).Error; err != nil {
				return 0, err
			}
			if _, err := db.enqueue(tx, ev.ID, domain.MessageReconfirm, int(asked.Unix()), string(detail), ids); err != nil {
				return 0, err
			}
			return len(ids), nil
		})
}

// ReleaseUnconfirmed cancels the RSVPs of the people who were asked to
// confirm and did not (nor checked in), in one transaction: each gets the
// CANCEL for their calendar with a line saying why, and their seats go to
// the waitlist in order (the promoted get their invites). A stale job does
// nothing. It returns the ids of the released RSVPs.
func (db *DB) ReleaseUnconfirmed(ctx context.Context, a domain.ReconfirmArgs) ([]string, error) {
	var released []string
	err := db.tx(ctx, func(tx *gorm.DB) error {
		released = nil
		var ev eventRow
		if err := tx.Raw(`SELECT * FROM events WHERE id = ?`+db.forUpdate(), a.EventID).Take(&ev).Error; err != nil {
			return err
		}
		if !db.reconfirmCurrent(&ev, a.StartsAt) {
			return nil
		}
		var rows []rsvpRow
		if err := tx.Raw(`SELECT * FROM rsvps WHERE event_id = ? AND status = 'going' AND walk_in = ? AND attended_at IS NULL
			AND reconfirm_asked_at IS NOT NULL AND reconfirmed_at IS NULL ORDER BY id`, ev.ID, false).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			v := domain.RSVPView{RSVP: r.toDomain()}
			if _, err := db.cancelRSVP(tx, &v, domain.CancelNotReconfirmed); err != nil {
				return err
			}
			released = append(released, r.ID)
		}
		return nil
	})
	return released, err
}

var errNotGoing = domain.Conflict(domain.ReasonNotGoing, "Only a place held can be confirmed: this RSVP is not going.")

// ReconfirmRSVPByToken records that the person of the RSVP whose manage
// token is raw still comes, so that their seat is kept. Confirming twice is
// harmless. Errors: ENOTFOUND for unknown tokens, EGONE for erased RSVPs,
// ECONFLICT "not_going" for RSVPs that hold no seat and "event_cancelled".
func (db *DB) ReconfirmRSVPByToken(ctx context.Context, raw string) (domain.RSVPView, error) {
	var v domain.RSVPView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if v, err = db.rsvpView(tx, raw, true); err != nil {
			return err
		}
		switch {
		case v.RSVP.ErasedAt != nil:
			return domain.ErrRSVPErased
		case v.Event.Status == domain.EventCancelled:
			return domain.Conflict(domain.ReasonEventCancelled, "This event has been cancelled.")
		case v.RSVP.Status != domain.RSVPGoing:
			return errNotGoing
		case v.RSVP.ReconfirmedAt != nil:
			return nil
		}
		now := db.now()
		v.RSVP.ReconfirmedAt = &now
		// Only a place still held: the release job may have taken it
		// since the RSVP was read.
		res := tx.Exec(`UPDATE rsvps SET reconfirmed_at = ?, updated_at = ? WHERE id = ? AND status = 'going'`, now, now, v.RSVP.ID)
		if res.Error == nil && res.RowsAffected == 0 {
			return errNotGoing
		}
		return res.Error
	})
	return v, err
}
