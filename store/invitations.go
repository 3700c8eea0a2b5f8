package store

import (
	"context"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

var errInvitationNotFound = &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonInvitationNotFound, Message: "No such invitation."}

type invitationRow struct {
	ID          string     `gorm:"column:id;primaryKey"`
	EventID     string     `gorm:"column:event_id"`
	InvitedBy   *string    `gorm:"column:invited_by"`
	Name        string     `gorm:"column:name"`
	Email       string     `gorm:"column:email"`
	EmailNorm   string     `gorm:"column:email_norm"`
	Message     string     `gorm:"column:message"`
	Status      string     `gorm:"column:status"`
	RSVPID      *string    `gorm:"column:rsvp_id"`
	Attempts    int        `gorm:"column:attempts"`
	LastError   string     `gorm:"column:last_error"`
	CreatedAt   time.Time  `gorm:"column:created_at"`
	UpdatedAt   time.Time  `gorm:"column:updated_at"`
	SentAt      *time.Time `gorm:"column:sent_at"`
	RespondedAt *time.Time `gorm:"column:responded_at"`
	FollowerID  *string    `gorm:"column:follower_id"`
}

func (invitationRow) TableName() string { return "invitations" }

func (r invitationRow) toDomain() domain.Invitation {
	inv := domain.Invitation{ID: r.ID, EventID: r.EventID, Name: r.Name, Email: r.Email, Message: r.Message,
		Status: domain.InvitationStatus(r.Status), Attempts: r.Attempts, LastError: r.LastError,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), SentAt: utcPtr(r.SentAt), RespondedAt: utcPtr(r.RespondedAt)}
	if r.RSVPID != nil {
		inv.RSVPID = *r.RSVPID
	}
	return inv
}

// invitationBatch is how many invitations one INSERT carries.
const invitationBatch = 250

// CreateInvitations invites people to a published event of a group the
// organiser belongs to: one invitation per address, each with its e-mail
// queued in the same transaction. An address already invited to the event
// (in this request or before) is not sent another e-mail; its invitation is
// returned as it is. Errors: EINVALID for bad recipients (by index),
// ENOTFOUND for other groups' events, ECONFLICT when the event does not
// take RSVPs (event_not_published, event_cancelled, rsvp_closed).
func (db *DB) CreateInvitations(ctx context.Context, organiserID, eventID string, req domain.InvitationRequest) (domain.InvitationBatch, error) {
	if err := req.Validate(); err != nil {
		return domain.InvitationBatch{}, err
	}
	// One invitation per address: the first mention wins, with the first
	// name given for it.
	var (
		order  []string
		byNorm = map[string]domain.InvitationRecipient{}
	)
	for _, rc := range req.Recipients {
		n := domain.NormalizeEmail(rc.Email)
		prev, seen := byNorm[n]
		if !seen {
			order = append(order, n)
			prev = domain.InvitationRecipient{Email: strings.TrimSpace(rc.Email)}
		}
		if prev.Name == "" {
			prev.Name = strings.TrimSpace(rc.Name)
		}
		byNorm[n] = prev
	}
	var batch domain.InvitationBatch
	err := db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.memberEvent(tx, organiserID, eventID, true)
		if err != nil {
			return err
		}
		e := ev.toDomain()
		if e.Status == domain.EventDraft {
			return domain.Conflict(domain.ReasonEventNotPublished, "Publish the event before inviting people: the invitation links lead to its page.")
		}
		if err := e.CheckAcceptsRSVP(db.now()); err != nil {
			return err
		}
		now := db.now()
		var newIDs []string
		for start := 0; start < len(order); start += invitationBatch {
			chunk := order[start:min(start+invitationBatch, len(order))]
			var (
				b    strings.Builder
				args []any
			)
			b.WriteString(`INSERT INTO invitations (id, event_id, invited_by, name, email, email_norm, message, status, created_at, updated_at) VALUES `)
			for i, n := range chunk {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)")
				rc := byNorm[n]
				args = append(args, domain.NewID(), eventID, organiserID, rc.Name, rc.Email, n, req.Message, now, now)
			}
			b.WriteString(` ON CONFLICT (event_id, email_norm) DO NOTHING RETURNING id`)
			var ids []string
			if err := tx.Raw(b.String(), args...).Scan(&ids).Error; err != nil {
				return err
			}
			newIDs = append(newIDs, ids...)
		}
		if len(newIDs) > 0 {
			params := make([]river.InsertManyParams, len(newIDs))
			for i, id := range newIDs {
				params[i] = river.InsertManyParams{Args: domain.SendInvitationArgs{InvitationID: id},
					InsertOpts: &river.InsertOpts{Queue: domain.QueueEmail, MaxAttempts: MaxSendAttempts}}
			}
			if _, err := db.jobs.InsertManyTx(tx.Statement.Context, sqlTx(tx), params); err != nil {
				return err
			}
		}
		var rows []invitationRow
		if err := tx.Where("event_id = ? AND email_norm IN ?", eventID, order).Find(&rows).Error; err != nil {
			return err
		}
		found := make(map[string]invitationRow, len(rows))
		for _, r := range rows {
			found[r.EmailNorm] = r
		}
		for _, n := range order {
			batch.Invitations = append(batch.Invitations, found[n].toDomain())
		}
		// Everyone named in the request who was not newly invited: invited
		// before, or named twice.
		batch.Invited, batch.AlreadyInvited = len(newIDs), len(req.Recipients)-len(newIDs)
		return nil
	})
	return batch, err
}

// ListInvitations lists an event's invitations, oldest first, for an
// organiser of its group.
func (db *DB) ListInvitations(ctx context.Context, organiserID, eventID string, f domain.InvitationFilter) (domain.Page[domain.Invitation], error) {
	_, after, err := decodeCursor(f.Cursor)
	if err != nil {
		return domain.Page[domain.Invitation]{}, err
	}
	limit := pageSize(f.ListOptions)
	var rows []invitationRow
	err = db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.memberEvent(tx, organiserID, eventID, false); err != nil {
			return err
		}
		q := tx.Where("event_id = ? AND id > ?", eventID, after)
		if f.Status != "" {
			q = q.Where("status = ?", string(f.Status))
		}
		return q.Order("id").Limit(limit + 1).Find(&rows).Error
	})
	return paginate(rows, limit, invitationRow.toDomain, func(r invitationRow) string { return encodeCursor("", r.ID) }), err
}

// invitationByToken finds the invitation whose link holds raw.
func (db *DB) invitationByToken(tx *gorm.DB, raw string) (invitationRow, error) {
	var row invitationRow
	q := tx.Raw(`SELECT i.* FROM invitations i JOIN invitation_tokens t ON t.invitation_id = i.id WHERE t.token_hash = ?`,
		domain.HashToken(raw)).Scan(&row)
	if q.Error != nil {
		return row, q.Error
	}
	if q.RowsAffected == 0 {
		return row, errInvitationNotFound
	}
	if row.Email == "" {
		return row, domain.ErrInvitationErased
	}
	return row, nil
}

// invitationView loads the rest of an invitation's view.
func (db *DB) invitationView(tx *gorm.DB, row invitationRow, ev eventRow, g groupRow) (domain.InvitationView, error) {
	v := domain.InvitationView{Invitation: row.toDomain(), Event: ev.toDomain(), Group: g.toDomain()}
	if row.RSVPID != nil {
		r, ok, err := db.findRSVP(tx, `r.id = ?`, *row.RSVPID)
		if err != nil {
			return v, err
		}
		if ok {
			rv := r.toDomain()
			v.RSVP = &rv
		}
	}
	return v, nil
}

// FindInvitationByToken returns the invitation of a personal link with its
// event, group and, once accepted, RSVP. Draft events' invitations cannot
// exist; unknown links are ENOTFOUND.
func (db *DB) FindInvitationByToken(ctx context.Context, raw string) (domain.InvitationView, error) {
	var v domain.InvitationView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		row, err := db.invitationByToken(tx, raw)
		if err != nil {
			return err
		}
		ev, g, err := db.eventAndGroup(tx, row.EventID, false)
		if err != nil {
			return err
		}
		v, err = db.invitationView(tx, row, ev, g)
		return err
	})
	return v, err
}

// lockedInvitation finds the invitation of a link, locks its event and
// reads the invitation again under that lock, so that answers to one
// invitation, and RSVPs to its event, happen one at a time.
func (db *DB) lockedInvitation(tx *gorm.DB, raw string) (invitationRow, eventRow, groupRow, error) {
	row, err := db.invitationByToken(tx, raw)
	if err != nil {
		return row, eventRow{}, groupRow{}, err
	}
	ev, g, err := db.eventAndGroup(tx, row.EventID, true)
	if err != nil {
		return row, ev, g, err
	}
	err = tx.Where("id = ?", row.ID).Take(&row).Error
	return row, ev, g, err
}

// AcceptInvitation answers yes: the invited address gets an RSVP — going
// while seats last, else waitlisted — with no further confirmation (the
// link came by e-mail), and the invite e-mail is queued. name replaces the
// name the organiser gave, if not empty; one of them is required. Saying
// yes after saying no, or after cancelling the RSVP, makes a new one (the
// invitation page offers it). Saying yes again while the RSVP stands
// changes nothing and returns it. The result carries the invitation's
// manage token (domain.InvitationManageToken), the same every time.
func (db *DB) AcceptInvitation(ctx context.Context, raw, name, locale string) (domain.InvitationAnswer, error) {
	name = strings.TrimSpace(name)
	var v domain.Validation
	domain.CheckPersonName(&v, "name", name, false)
	if err := v.Err(); err != nil {
		return domain.InvitationAnswer{}, err
	}
	var ans domain.InvitationAnswer
	err := db.tx(ctx, func(tx *gorm.DB) error {
		row, ev, g, err := db.lockedInvitation(tx, raw)
		if err != nil {
			return err
		}
		if name == "" {
			name = row.Name
		}
		r, live, err := db.invitationRSVP(tx, row)
		if err != nil {
			return err
		}
		if live {
			ans.Result = domain.RSVPResult{RSVP: r.toDomain(), ManageToken: domain.InvitationManageToken(raw)}
			if err := db.setInvitationManageToken(tx, raw, r.ID); err != nil {
				return err
			}
			ans.View, err = db.invitationView(tx, row, ev, g)
			return err
		}
		in := domain.RSVPInput{Name: name, Email: row.Email, Locale: domain.NormalizeLanguage(locale)}
		if err := in.Validate(); err != nil {
			return err
		}
		if ans.Result, err = db.placeRSVP(tx, &ev, in, true); err != nil {
			return err
		}
		// New, or the address had RSVPed already (on the event page): the
		// invitation link proves it is theirs, so it opens that RSVP.
		ans.Result.ManageToken = domain.InvitationManageToken(raw)
		if err := db.setInvitationManageToken(tx, raw, ans.Result.RSVP.ID); err != nil {
			return err
		}
		now := db.now()
		row.Name, row.Status, row.RSVPID, row.RespondedAt, row.UpdatedAt = name, string(domain.InvitationAccepted), &ans.Result.RSVP.ID, &now, now
		if err := tx.Model(&invitationRow{}).Where("id = ?", row.ID).Updates(map[string]any{"name": name,
			"status": row.Status, "rsvp_id": ans.Result.RSVP.ID, "responded_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		if ans.View, err = db.invitationView(tx, row, ev, g); err != nil {
			return err
		}
		return nil
	})
	return ans, err
}

// OpenInvitationRSVP returns the manage token that leads from an accepted
// invitation to its RSVP: the invitation's own (domain.InvitationManageToken,
// registered if the invitation was accepted before there was one). It
// answers nothing else: ECONFLICT "no_rsvp" when the invitation holds no
// RSVP (not accepted, declined, or the RSVP was cancelled).
func (db *DB) OpenInvitationRSVP(ctx context.Context, raw string) (string, error) {
	err := db.tx(ctx, func(tx *gorm.DB) error {
		row, _, _, err := db.lockedInvitation(tx, raw)
		if err != nil {
			return err
		}
		r, live, err := db.invitationRSVP(tx, row)
		if err != nil {
			return err
		}
		if !live {
			return domain.Conflict(domain.ReasonNoRSVP, "You have no RSVP from this invitation: say yes first.")
		}
		return db.setInvitationManageToken(tx, raw, r.ID)
	})
	if err != nil {
		return "", err
	}
	return domain.InvitationManageToken(raw), nil
}

// invitationRSVP returns the RSVP an invitation made, and whether it
// stands (not cancelled).
func (db *DB) invitationRSVP(tx *gorm.DB, row invitationRow) (rsvpRow, bool, error) {
	if row.RSVPID == nil {
		return rsvpRow{}, false, nil
	}
	r, ok, err := db.findRSVP(tx, `r.id = ?`, *row.RSVPID)
	return r, ok && r.Status != string(domain.RSVPCancelled), err
}

// setInvitationManageToken makes the invitation's manage token lead to the
// RSVP: registered once, and moved to the new RSVP when the person says
// yes again after cancelling.
func (db *DB) setInvitationManageToken(tx *gorm.DB, raw, rsvpID string) error {
	return tx.Exec(insertTokenSQL+`(?, ?, ?, ?, ?)
		ON CONFLICT (token_hash) DO UPDATE SET rsvp_id = excluded.rsvp_id WHERE rsvp_tokens.rsvp_id <> excluded.rsvp_id`,
		tokenValues(domain.InvitationManageToken(raw), rsvpID, db.now())...).Error
}

// DeclineInvitation answers no. Someone who had said yes gives up their
// place (it goes to the next person in line, and their calendar gets a
// cancellation). Declining twice is harmless.
func (db *DB) DeclineInvitation(ctx context.Context, raw string) (domain.InvitationView, error) {
	var v domain.InvitationView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		row, ev, g, err := db.lockedInvitation(tx, raw)
		if err != nil {
			return err
		}
		if row.RSVPID != nil {
			var attended int64
			if err := tx.Raw(`SELECT count(*) FROM rsvps WHERE id = ? AND attended_at IS NOT NULL AND status = 'going'`, *row.RSVPID).Scan(&attended).Error; err != nil {
				return err
			}
			if attended > 0 {
				return errAttended
			}
			rv := domain.RSVPView{RSVP: domain.RSVP{ID: *row.RSVPID, EventID: ev.ID}, Event: ev.toDomain(), Group: g.toDomain()}
			if _, err := db.cancelRSVP(tx, &rv, ""); err != nil {
				return err
			}
			if err := tx.Where("id = ?", ev.ID).Take(&ev).Error; err != nil {
				return err
			}
		}
		now := db.now()
		if row.Status != string(domain.InvitationDeclined) {
			row.Status, row.RespondedAt, row.UpdatedAt = string(domain.InvitationDeclined), &now, now
			if err := tx.Model(&invitationRow{}).Where("id = ?", row.ID).
				Updates(map[string]any{"status": row.Status, "responded_at": now, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		v, err = db.invitationView(tx, row, ev, g)
		return err
	})
	return v, err
}

// LoadInvitation returns what an invitation e-mail needs and a fresh link
// token (only its hash is kept). token is "" when the invitation is no
// longer queued (sent, answered or bounced): nothing is to be sent.
func (db *DB) LoadInvitation(ctx context.Context, id string) (domain.InvitationOutgoing, string, error) {
	var (
		out domain.InvitationOutgoing
		raw string
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var row invitationRow
		if err := tx.Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		ev, g, err := db.eventAndGroup(tx, row.EventID, false)
		if err != nil {
			return err
		}
		out = domain.InvitationOutgoing{Invitation: row.toDomain(), Event: ev.toDomain(), Group: g.toDomain()}
		if out.OrganizerEmail, err = db.organizerEmail(tx, g); err != nil {
			return err
		}
		if row.InvitedBy != nil {
			if err := tx.Raw(`SELECT name FROM organisers WHERE id = ?`, *row.InvitedBy).Scan(&out.InvitedBy).Error; err != nil {
				return err
			}
		}
		if out.FollowerID, out.SeriesTitle, out.Locale, err = db.seriesOfFollower(tx, row.FollowerID); err != nil {
			return err
		}
		if row.Status != string(domain.InvitationQueued) || row.Email == "" {
			return nil
		}
		raw = domain.NewSecret()
		return tx.Exec(`INSERT INTO invitation_tokens (token_hash, invitation_id, created_at) VALUES (?, ?, ?)`,
			domain.HashToken(raw), row.ID, db.now()).Error
	})
	return out, raw, err
}

// MarkInvitation records one attempt to send an invitation: sent, bounced
// (refused for good), or still queued with the error of this attempt. An
// invitation answered meanwhile keeps its answer.
func (db *DB) MarkInvitation(ctx context.Context, id string, status domain.InvitationStatus, lastError string) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		now := db.now()
		upd := map[string]any{"attempts": gorm.Expr("attempts + 1"), "last_error": lastError, "updated_at": now}
		if status == domain.InvitationSent || status == domain.InvitationBounced {
			upd["status"] = string(status)
		}
		if status == domain.InvitationSent {
			upd["sent_at"] = now
		}
		if err := tx.Model(&invitationRow{}).Where("id = ? AND status = 'queued'", id).Updates(upd).Error; err != nil {
			return err
		}
		if status == domain.InvitationSent {
			// Answered before the send was recorded (a fast click): the
			// e-mail still went out.
			return tx.Model(&invitationRow{}).Where("id = ? AND sent_at IS NULL", id).Update("sent_at", now).Error
		}
		return nil
	})
}
