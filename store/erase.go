package store

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// EraseRSVPByToken erases the attendee's name and e-mail address from the
// RSVP whose manage token is raw and from everything of theirs in the
// erasure's scope: the RSVP's event, or, when the event is an occurrence of
// a series, every occurrence of the series, past and upcoming. In that
// scope their RSVPs (earlier, cancelled ones included) keep no name and
// address, the invitations and confirmation requests that led to them
// neither (an invitation not sent yet is deleted, as is every confirmation
// request), and the address no longer follows the series (the follower is
// deleted, so that no later occurrence signs them up or invites them
// again). The RSVPs themselves stay, so events' numbers do not change,
// except that a place at an event that has not started yet is given up
// first — nobody could tell the person about changes any more — and goes
// to the next person in line. E-mails still queued for the person in the
// scope are not sent, the comments of their feedback are deleted (the
// ratings still count) and their contribution records are withdrawn.
// Erasing twice is harmless. The person's links keep working only to say
// that the data was erased (ErasedAt is set). RSVPs of the same address to
// events outside the scope are not touched.
func (db *DB) EraseRSVPByToken(ctx context.Context, raw string) (domain.RSVPView, error) {
	var v domain.RSVPView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		// erase takes the locks, series first.
		if v, err = db.rsvpView(tx, raw, false); err != nil {
			return err
		}
		return db.erase(tx, &v)
	})
	return v, err
}

// EraseRSVP is EraseRSVPByToken for an organiser of the event's group, at
// the attendee's request made some other way (an e-mail to the
// organisers). It reaches as far: for an occurrence of a series, the
// person's data goes from every occurrence of the series (all in the same
// group) and the address stops following it.
func (db *DB) EraseRSVP(ctx context.Context, organiserID, eventID, rsvpID string) (domain.RSVPView, error) {
	var v domain.RSVPView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.memberEvent(tx, organiserID, eventID, false)
		if err != nil {
			return err
		}
		r, ok, err := db.findRSVP(tx, `r.id = ? AND r.event_id = ?`, rsvpID, ev.ID)
		if err != nil {
			return err
		}
		if !ok {
			return errRSVPNotFound
		}
		var g groupRow
		if err := tx.Where("id = ?", ev.GroupID).Take(&g).Error; err != nil {
			return err
		}
		v = domain.RSVPView{RSVP: r.toDomain(), Event: ev.toDomain(), Group: g.toDomain()}
		return db.erase(tx, &v)
	})
	return v, err
}

// FindErasure returns what erasing the data of the RSVP whose manage token
// is raw would reach (see EraseRSVPByToken), for the page that asks
// first: ENOTFOUND for an unknown token. For an RSVP erased already it
// returns the view alone.
func (db *DB) FindErasure(ctx context.Context, raw string) (domain.Erasure, error) {
	var x domain.Erasure
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if x.View, err = db.rsvpView(tx, raw, false); err != nil || x.View.RSVP.ErasedAt != nil {
			return err
		}
		e := x.View.Event
		norm := domain.NormalizeEmail(x.View.RSVP.Email)
		scope, scopeArg := eraseScope(e)
		var n struct {
			RSVPs    int `gorm:"column:rsvps"`
			Upcoming int `gorm:"column:upcoming"`
		}
		if err := tx.Raw(`SELECT count(*) AS rsvps,
			COALESCE(SUM(CASE WHEN r.status <> 'cancelled' AND e.status = 'published' AND e.starts_at > ? THEN 1 ELSE 0 END), 0) AS upcoming
			FROM rsvps r JOIN events e ON e.id = r.event_id
			WHERE r.id = ? OR (r.event_id`+scope+` AND r.email_norm = ?)`, db.now(), x.View.RSVP.ID, scopeArg, norm).Scan(&n).Error; err != nil {
			return err
		}
		x.RSVPs, x.Upcoming = n.RSVPs, n.Upcoming
		if e.SeriesID == "" {
			return nil
		}
		var s seriesRow
		if err := tx.Where("id = ?", e.SeriesID).Take(&s).Error; err != nil {
			return err
		}
		sd := s.toDomain()
		x.Series = &sd
		var following int64
		if err := tx.Model(&followerRow{}).Where("series_id = ? AND email_norm = ? AND status <> ?",
			e.SeriesID, norm, string(domain.FollowUnfollowed)).Count(&following).Error; err != nil {
			return err
		}
		x.Following = following > 0
		return nil
	})
	return x, err
}

// eraseScope is the events an erasure reaches, as SQL to put after an
// event_id column: the RSVP's event, or every occurrence of its series.
func eraseScope(e domain.Event) (string, any) {
	if e.SeriesID != "" {
		return ` IN (SELECT id FROM events WHERE series_id = ?)`, e.SeriesID
	}
	return ` = ?`, e.ID
}

// erase does the erasure of v.RSVP (see EraseRSVPByToken), taking the
// locks it needs: the series' row first (as following a series and adding
// its occurrences do), then the rows of the events in scope whose places
// it gives up, in start order.
func (db *DB) erase(tx *gorm.DB, v *domain.RSVPView) error {
	if v.RSVP.ErasedAt != nil {
		return nil
	}
	now := db.now()
	id, norm := v.RSVP.ID, domain.NormalizeEmail(v.RSVP.Email)
	scope, scopeArg := eraseScope(v.Event)
	if v.Event.SeriesID != "" {
		if err := tx.Exec(`SELECT id FROM series WHERE id = ?`+db.forUpdate(), v.Event.SeriesID).Error; err != nil {
			return err
		}
	}
	// The person's live RSVPs in scope: a place at an event that has not
	// started is given up first. The RSVP's own event is locked in any
	// case, so that erasing and cancelling it do not interleave.
	var eventIDs []string
	if err := tx.Raw(`SELECT DISTINCT r.event_id FROM rsvps r
		WHERE r.event_id = ? OR (r.event_id`+scope+` AND r.email_norm = ? AND r.status <> 'cancelled')`,
		v.Event.ID, scopeArg, norm).Scan(&eventIDs).Error; err != nil {
		return err
	}
	var evs []eventRow
	if err := tx.Raw(`SELECT * FROM events WHERE id IN ? ORDER BY starts_at, id`+db.forUpdate(), eventIDs).Scan(&evs).Error; err != nil {
		return err
	}
	// Under the locks, the RSVP as it is now: erased meanwhile by a
	// request that held them first, there is nothing left to do.
	switch r, ok, err := db.findRSVP(tx, `r.id = ?`, id); {
	case err != nil:
		return err
	case !ok:
		return errRSVPNotFound
	case r.ErasedAt != nil:
		v.RSVP = r.toDomain()
		return nil
	}
	for _, ev := range evs {
		if ev.Status != string(domain.EventPublished) || !now.Before(ev.StartsAt) {
			continue
		}
		var live []string
		if err := tx.Raw(`SELECT id FROM rsvps WHERE event_id = ? AND (id = ? OR email_norm = ?) AND status <> 'cancelled'`,
			ev.ID, id, norm).Scan(&live).Error; err != nil {
			return err
		}
		for _, rid := range live {
			rv := domain.RSVPView{RSVP: domain.RSVP{ID: rid, EventID: ev.ID}, Event: ev.toDomain(), Group: v.Group}
			if rid == id {
				rv = *v
			}
			if _, err := db.cancelRSVP(tx, &rv, ""); err != nil {
				return err
			}
			if rid == id {
				*v = rv
			}
		}
	}
	// The RSVPs erased: this one, and every RSVP of the address in scope
	// (an earlier, cancelled one holds the same name and address). An
	// erased row's email_norm becomes "erased:<id>": unique per row (the
	// live-RSVP index stays satisfied) and matching no address.
	mine := `SELECT r.id FROM rsvps r WHERE r.id = ? OR (r.event_id` + scope + ` AND r.email_norm = ?)`
	mineArgs := []any{id, scopeArg, norm}
	args := func(lead ...any) []any { return append(lead, mineArgs...) }
	steps := []struct {
		sql  string
		args []any
	}{
		// A mail server's answer to an e-mail sent or refused may name the
		// address ("RCPT TO <…>: 550 …"): it goes.
		{`UPDATE deliveries SET last_error = '' WHERE last_error <> '' AND rsvp_id IN (` + mine + `)`, args()},
		// Queued e-mails to the address next: afterwards nothing tells
		// whose they were.
		{`UPDATE deliveries SET status = 'skipped', last_error = 'not sent: the attendee erased their data', updated_at = ?
			WHERE status = 'queued' AND rsvp_id IN (` + mine + `)`, args(now)},
		// Their contribution records are withdrawn and forget the name
		// and address; the events' numbers (and so the other records)
		// stay as they are.
		{`UPDATE contributions SET withdrawn_at = COALESCE(withdrawn_at, ?), person_name = '', email_norm = ''
			WHERE event_id` + scope + ` AND rsvp_id IN (` + mine + `)`, args(now, scopeArg)},
		// Their feedback's comment may say who they are; the rating
		// stays in the event's numbers, saying nothing of whose it was.
		{`UPDATE feedback SET comment = '' WHERE rsvp_id IN (` + mine + `)`, args()},
		{`UPDATE rsvps SET name = '', email = '', email_norm = 'erased:' || id, erased_at = ?, updated_at = ?
			WHERE id IN (` + mine + `)`, args(now, now)},
		// Confirmation requests go, confirmed or not.
		{`DELETE FROM pending_rsvps WHERE rsvp_id = ? OR (event_id` + scope + ` AND email_norm = ?)`, mineArgs},
		// An invitation not sent yet goes: there is nobody to send it
		// to, and nothing happened that the organisers should count.
		{`DELETE FROM invitations WHERE status = 'queued' AND (rsvp_id = ? OR (event_id` + scope + ` AND email_norm = ?))`, mineArgs},
		{`UPDATE invitations SET name = '', email = '', email_norm = 'erased:' || id, last_error = '', updated_at = ?
			WHERE rsvp_id = ? OR (event_id` + scope + ` AND email_norm = ?)`, args(now)},
	}
	if v.Event.SeriesID != "" {
		// The address no longer follows the series (pending or not): its
		// link tokens go with it, and RSVPs and invitations made for it
		// forget it (ON DELETE CASCADE, SET NULL).
		steps = append(steps, struct {
			sql  string
			args []any
		}{`DELETE FROM series_followers WHERE series_id = ? AND email_norm = ?`, []any{v.Event.SeriesID, norm}})
	}
	for _, s := range steps {
		if err := tx.Exec(s.sql, s.args...).Error; err != nil {
			return err
		}
	}
	// What is left outside the rows — .eml files of e-mails to the
	// address, SQLite's old WAL frames — goes after the commit, by a job
	// queued with the erasure (so it runs even if the process dies now)
	// that knows the address by its tag alone; and once more later, for an
	// e-mail that was being written at this moment.
	files := domain.EraseFilesArgs{AddressTag: domain.AddressTag(norm)}
	for _, at := range []time.Time{{}, now.Add(domain.EraseFilesAgainAfter)} {
		if _, err := db.jobs.InsertTx(tx.Statement.Context, sqlTx(tx), files, &river.InsertOpts{Queue: domain.QueueEmail, ScheduledAt: at}); err != nil {
			return err
		}
	}
	v.RSVP.Name, v.RSVP.Email, v.RSVP.ErasedAt, v.RSVP.UpdatedAt = "", "", &now, now
	return nil
}

// TruncateWAL copies SQLite's write-ahead log into the database file and
// empties it: old copies of changed pages — holding an erased name or
// address — otherwise stay in the log file until new ones happen to
// overwrite them. It returns EUNAVAILABLE when a reader (another process)
// keeps it from finishing; on PostgreSQL it does nothing (see the README on
// what PostgreSQL keeps).
func (db *DB) TruncateWAL(ctx context.Context) error {
	if !db.dialect.checkpointsWAL {
		return nil
	}
	// A reader of an older snapshot (the job queue's poller, another
	// process) blocks it for a moment: a few tries, a little apart, before
	// the job is retried later.
	for try := 0; ; try++ {
		var busy, frames, done int
		if err := db.sql.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done); err != nil {
			return translate(err)
		}
		if busy == 0 {
			return nil
		}
		if try == 9 {
			return unavailable(errors.New("store: the WAL checkpoint was blocked by another connection"))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ExportRSVPByToken returns everything held about the RSVP whose manage
// token is raw: the RSVP, its event, the e-mails sent or queued to the
// person, and the invitation that led to it.
func (db *DB) ExportRSVPByToken(ctx context.Context, raw string) (domain.RSVPExport, error) {
	var x domain.RSVPExport
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if x.View, err = db.rsvpView(tx, raw, false); err != nil {
			return err
		}
		var rows []deliveryRow
		if err := tx.Where("rsvp_id = ?", x.View.RSVP.ID).Order("id").Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			d := r.toDomain()
			d.Name, d.Email = x.View.RSVP.Name, x.View.RSVP.Email
			x.Deliveries = append(x.Deliveries, d)
		}
		var inv invitationRow
		q := tx.Where("rsvp_id = ?", x.View.RSVP.ID).Limit(1).Find(&inv)
		if q.Error != nil {
			return q.Error
		}
		if q.RowsAffected > 0 {
			i := inv.toDomain()
			x.Invitation = &i
		}
		return nil
	})
	return x, err
}
