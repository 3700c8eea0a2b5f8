package store

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

var (
	errPendingNotFound = &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonConfirmationNotFound, Message: "No such confirmation link."}
	errPendingExpired  = &domain.Error{Code: domain.EGONE, Reason: domain.ReasonConfirmationExpired,
		Message: "This confirmation link has expired: RSVP again on the event page."}
)

type pendingRow struct {
	ID          string     `gorm:"column:id;primaryKey"`
	EventID     string     `gorm:"column:event_id"`
	Name        string     `gorm:"column:name"`
	Email       string     `gorm:"column:email"`
	EmailNorm   string     `gorm:"column:email_norm"`
	Locale      string     `gorm:"column:locale"`
	MailStatus  string     `gorm:"column:mail_status"`
	LastError   string     `gorm:"column:last_error"`
	CreatedAt   time.Time  `gorm:"column:created_at"`
	UpdatedAt   time.Time  `gorm:"column:updated_at"`
	ExpiresAt   time.Time  `gorm:"column:expires_at"`
	ConfirmedAt *time.Time `gorm:"column:confirmed_at"`
	RSVPID      *string    `gorm:"column:rsvp_id"`
}

func (pendingRow) TableName() string { return "pending_rsvps" }

func (r pendingRow) toDomain() domain.PendingRSVP {
	p := domain.PendingRSVP{ID: r.ID, EventID: r.EventID, Name: r.Name, Email: r.Email, Locale: r.Locale,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), ConfirmedAt: utcPtr(r.ConfirmedAt)}
	if r.RSVPID != nil {
		p.RSVPID = *r.RSVPID
	}
	return p
}

// insertMailJob inserts a job that sends one e-mail, in the caller's
// transaction, with the retries of every e-mail.
func (db *DB) insertMailJob(tx *gorm.DB, args river.JobArgs) error {
	_, err := db.jobs.InsertTx(tx.Statement.Context, sqlTx(tx), args,
		&river.InsertOpts{Queue: domain.QueueEmail, MaxAttempts: MaxSendAttempts})
	return err
}

// createPending records a public RSVP to an event that asks for e-mail
// confirmation and queues the confirmation e-mail; the caller holds the
// event's row lock. Nothing in the result tells whether the address had
// replied before: a person who already holds an RSVP, or asked for a
// confirmation in the last few minutes, is sent nothing more, and the
// answer is the same.
func (db *DB) createPending(tx *gorm.DB, ev *eventRow, in domain.RSVPInput) (domain.RSVPResult, error) {
	e := ev.toDomain()
	now := db.now()
	if a := e.Admit(now); !a.Taken() {
		return domain.RSVPResult{}, a.Refusal
	}
	emailNorm := domain.NormalizeEmail(in.Email)
	res := domain.RSVPResult{Pending: &domain.PendingRSVP{EventID: ev.ID, Name: in.Name, Email: in.Email, Locale: in.Locale,
		CreatedAt: now, ExpiresAt: now.Add(domain.PendingTTL)}}
	if _, live, err := db.liveRSVP(tx, ev.ID, emailNorm); err != nil || live {
		return res, err
	}
	var row pendingRow
	q := tx.Where("event_id = ? AND email_norm = ?", ev.ID, emailNorm).Limit(1).Find(&row)
	if q.Error != nil {
		return res, q.Error
	}
	if q.RowsAffected > 0 && row.ConfirmedAt == nil && now.Before(row.ExpiresAt) && now.Sub(row.UpdatedAt) < domain.PendingResend {
		// Asked again soon after: no second e-mail, but the link already
		// sent now works until the expiry the answer gives, which is the
		// same as for a first request.
		res.Pending.ID = row.ID
		return res, tx.Model(&pendingRow{}).Where("id = ?", row.ID).Update("expires_at", res.Pending.ExpiresAt).Error
	}
	if q.RowsAffected == 0 {
		row = pendingRow{ID: domain.NewID(), EventID: ev.ID, CreatedAt: now}
	}
	// A new request, or a new one after the last expired or was confirmed
	// and then cancelled: a fresh link, valid for PendingTTL from now.
	row.Name, row.Email, row.EmailNorm, row.MailStatus, row.LastError = in.Name, in.Email, emailNorm, "queued", ""
	row.Locale = in.Locale
	row.UpdatedAt, row.ExpiresAt, row.ConfirmedAt, row.RSVPID = now, now.Add(domain.PendingTTL), nil, nil
	if err := tx.Save(&row).Error; err != nil {
		return res, err
	}
	res.Pending.ID = row.ID
	return res, db.insertMailJob(tx, domain.SendConfirmationArgs{PendingID: row.ID})
}

// pendingByToken finds the pending RSVP whose confirmation link holds raw.
func (db *DB) pendingByToken(tx *gorm.DB, raw string) (pendingRow, error) {
	var row pendingRow
	q := tx.Raw(`SELECT p.* FROM pending_rsvps p JOIN pending_tokens t ON t.pending_id = p.id WHERE t.token_hash = ?`,
		domain.HashToken(raw)).Scan(&row)
	if q.Error != nil {
		return row, q.Error
	}
	if q.RowsAffected == 0 {
		return row, errPendingNotFound
	}
	return row, nil
}

// FindPendingByToken returns the pending RSVP of a confirmation link with
// its event and group. Unknown links are ENOTFOUND; links of a request
// that expired unconfirmed are EGONE.
func (db *DB) FindPendingByToken(ctx context.Context, raw string) (domain.PendingView, error) {
	var v domain.PendingView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		row, err := db.pendingByToken(tx, raw)
		if err != nil {
			return err
		}
		p := row.toDomain()
		if p.Expired(db.now()) {
			return errPendingExpired
		}
		ev, g, err := db.eventAndGroup(tx, row.EventID, false)
		if err != nil {
			return err
		}
		v = domain.PendingView{Pending: p, Event: ev.toDomain(), Group: g.toDomain()}
		return nil
	})
	return v, err
}

// ConfirmRSVP follows a confirmation link: the pending RSVP becomes a real
// one — going while seats last, else waitlisted — exactly as an RSVP made
// at this moment, and the invite e-mail is queued. Following the link
// again returns the same RSVP with a fresh manage token (people click
// links twice). Expired links are EGONE.
func (db *DB) ConfirmRSVP(ctx context.Context, raw string) (domain.RSVPResult, error) {
	var res domain.RSVPResult
	err := db.tx(ctx, func(tx *gorm.DB) error {
		row, err := db.pendingByToken(tx, raw)
		if err != nil {
			return err
		}
		ev, _, err := db.eventAndGroup(tx, row.EventID, true)
		if err != nil {
			return err
		}
		// Re-read under the event's lock: two clicks at once confirm once.
		if err := tx.Where("id = ?", row.ID).Take(&row).Error; err != nil {
			return err
		}
		now := db.now()
		if row.ConfirmedAt != nil {
			// Confirmed before: the link opens that RSVP, whatever became
			// of it (a cancelled one says so and offers to reply again).
			if row.RSVPID == nil {
				return errPendingNotFound // the RSVP was deleted with its data
			}
			r, ok, err := db.findRSVP(tx, `r.id = ?`, *row.RSVPID)
			if err != nil {
				return err
			}
			if !ok {
				return errPendingNotFound
			}
			res.RSVP, res.ManageToken = r.toDomain(), domain.NewSecret()
			return db.addManageToken(tx, r.ID, res.ManageToken)
		}
		if row.toDomain().Expired(now) {
			return errPendingExpired
		}
		if res, err = db.placeRSVP(tx, &ev, domain.RSVPInput{Name: row.Name, Email: row.Email, Locale: row.Locale}, true); err != nil {
			return err
		}
		if !res.Created {
			// The address RSVPed meanwhile (an invitation, say): the link
			// proves it is theirs, so it opens that RSVP.
			res.ManageToken = domain.NewSecret()
			if err := db.addManageToken(tx, res.RSVP.ID, res.ManageToken); err != nil {
				return err
			}
		}
		return tx.Model(&pendingRow{}).Where("id = ?", row.ID).
			Updates(map[string]any{"confirmed_at": now, "rsvp_id": res.RSVP.ID, "updated_at": now}).Error
	})
	return res, err
}

// addManageToken stores the hash of a further manage token of an RSVP.
func (db *DB) addManageToken(tx *gorm.DB, rsvpID, raw string) error {
	return tx.Exec(insertTokenSQL+`(?, ?, ?, ?, ?)`, tokenValues(raw, rsvpID, db.now())...).Error
}

// eventAndGroup loads an event (optionally locking its row) and its group.
func (db *DB) eventAndGroup(tx *gorm.DB, eventID string, lock bool) (eventRow, groupRow, error) {
	var (
		ev eventRow
		g  groupRow
	)
	lockSQL := ""
	if lock {
		lockSQL = db.forUpdate()
	}
	if err := tx.Raw(`SELECT * FROM events WHERE id = ?`+lockSQL, eventID).Take(&ev).Error; err != nil {
		return ev, g, err
	}
	err := tx.Where("id = ?", ev.GroupID).Take(&g).Error
	return ev, g, err
}

// organizerEmail is the address that organiser mail comes from and replies
// go to: the group's contact address, else its first owner's.
func (db *DB) organizerEmail(tx *gorm.DB, g groupRow) (string, error) {
	if g.ContactEmail != "" {
		return g.ContactEmail, nil
	}
	var email string
	err := tx.Raw(`SELECT `+firstOwnerEmailSQL("?"), g.ID).Scan(&email).Error
	return email, err
}

// firstOwnerEmailSQL is the subquery of the address of a group's first
// owner, the group's id being groupID (a placeholder or a column).
func firstOwnerEmailSQL(groupID string) string {
	return `(SELECT o.email FROM group_members m JOIN organisers o ON o.id = m.organiser_id
		WHERE m.group_id = ` + groupID + ` AND m.role = 'owner' ORDER BY m.created_at, o.id LIMIT 1)`
}

// LoadConfirmation returns what the confirmation e-mail of a pending RSVP
// needs and a fresh confirmation link token (only its hash is kept).
// ENOTFOUND when the request is gone (purged or its event deleted).
func (db *DB) LoadConfirmation(ctx context.Context, pendingID string) (domain.ConfirmationOutgoing, string, error) {
	var (
		out domain.ConfirmationOutgoing
		raw string
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var row pendingRow
		if err := tx.Where("id = ?", pendingID).Take(&row).Error; err != nil {
			return err
		}
		ev, g, err := db.eventAndGroup(tx, row.EventID, false)
		if err != nil {
			return err
		}
		out = domain.ConfirmationOutgoing{Pending: row.toDomain(), Event: ev.toDomain(), Group: g.toDomain(),
			Sent: row.MailStatus != "queued"}
		if out.OrganizerEmail, err = db.organizerEmail(tx, g); err != nil {
			return err
		}
		if out.Sent || row.ConfirmedAt != nil {
			return nil
		}
		raw = domain.NewSecret()
		return tx.Exec(`INSERT INTO pending_tokens (token_hash, pending_id, created_at) VALUES (?, ?, ?)`,
			domain.HashToken(raw), row.ID, db.now()).Error
	})
	return out, raw, err
}

// MarkConfirmation records the outcome of sending a confirmation e-mail:
// sent, or failed for good.
func (db *DB) MarkConfirmation(ctx context.Context, pendingID string, sent bool, lastError string) error {
	status := "failed"
	if sent {
		status = "sent"
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		return tx.Model(&pendingRow{}).Where("id = ? AND mail_status = 'queued'", pendingID).
			Updates(map[string]any{"mail_status": status, "last_error": lastError}).Error
	})
}

// PurgeExpired deletes pending RSVPs whose link expired (unconfirmed ones
// at their expiry, confirmed ones too, since their RSVP has its own
// links), with their tokens, and the console's sign-in links and sessions
// that have ended (purgeSignIn). It returns how many it deleted.
func (db *DB) PurgeExpired(ctx context.Context) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("expires_at <= ?", db.now()).Delete(&pendingRow{})
		if res.Error != nil {
			return res.Error
		}
		signIn, err := db.purgeSignIn(tx)
		n = res.RowsAffected + signIn
		return err
	})
	return n, err
}
