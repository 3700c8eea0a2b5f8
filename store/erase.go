package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// EraseRSVPByToken erases the attendee's name and e-mail address from the
// RSVP whose manage token is raw, from their earlier RSVPs to the same
// event, and from the invitation and confirmation request that led to it
// (an invitation not sent yet is deleted). The RSVP itself stays, so an event's numbers do
// not change. An RSVP to an event that has not started yet is cancelled
// first — nobody could tell the person about changes any more — so the
// place goes to the next person in line. E-mails still queued for the
// person are not sent, and the comment of their feedback is deleted (the
// rating still counts). Erasing twice is harmless. The person's links keep
// working only to say that the data was erased (ErasedAt is set).
func (db *DB) EraseRSVPByToken(ctx context.Context, raw string) (domain.RSVPView, error) {
	var v domain.RSVPView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if v, err = db.rsvpView(tx, raw, true); err != nil {
			return err
		}
		return db.erase(tx, &v)
	})
	return v, err
}

// EraseRSVP is EraseRSVPByToken for an organiser of the event's group, at
// the attendee's request made some other way (an e-mail to the organisers).
func (db *DB) EraseRSVP(ctx context.Context, organiserID, eventID, rsvpID string) (domain.RSVPView, error) {
	var v domain.RSVPView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.memberEvent(tx, organiserID, eventID, true)
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

// erase does the erasure of v.RSVP; the caller holds the event's row lock.
func (db *DB) erase(tx *gorm.DB, v *domain.RSVPView) error {
	if v.RSVP.ErasedAt != nil {
		return nil
	}
	now := db.now()
	if v.Event.Status == domain.EventPublished && now.Before(v.Event.StartsAt) {
		if _, err := db.cancelRSVP(tx, v, ""); err != nil {
			return err
		}
	}
	// An erased row's email_norm becomes "erased:<id>": unique per row
	// (the live-RSVP index stays satisfied) and matching no address.
	id, norm := v.RSVP.ID, domain.NormalizeEmail(v.RSVP.Email)
	steps := []struct {
		sql  string
		args []any
	}{
		// Queued e-mails to the address first: afterwards nothing tells
		// whose they were.
		{`UPDATE deliveries SET status = 'skipped', last_error = 'not sent: the attendee erased their data', updated_at = ?
			WHERE status = 'queued' AND rsvp_id IN (SELECT r.id FROM rsvps r WHERE r.id = ? OR (r.event_id = ? AND r.email_norm = ?))`,
			[]any{now, id, v.Event.ID, norm}},
		// Their contribution records are withdrawn and forget the name
		// and address; the event's numbers (and so the other records)
		// stay as they are.
		{`UPDATE contributions SET withdrawn_at = COALESCE(withdrawn_at, ?), person_name = '', email_norm = ''
			WHERE event_id = ? AND rsvp_id IN (SELECT r.id FROM rsvps r WHERE r.id = ? OR (r.event_id = ? AND r.email_norm = ?))`,
			[]any{now, v.Event.ID, id, v.Event.ID, norm}},
		// Their feedback's comment may say who they are; the rating
		// stays in the event's numbers, saying nothing of whose it was.
		{`UPDATE feedback SET comment = '' WHERE rsvp_id IN (SELECT r.id FROM rsvps r WHERE r.id = ? OR (r.event_id = ? AND r.email_norm = ?))`,
			[]any{id, v.Event.ID, norm}},
		// Every RSVP of the address to this event: an earlier, cancelled
		// one holds the same name and address.
		{`UPDATE rsvps SET name = '', email = '', email_norm = 'erased:' || id, erased_at = ?, updated_at = ?
			WHERE id = ? OR (event_id = ? AND email_norm = ?)`, []any{now, now, id, v.Event.ID, norm}},
		{`DELETE FROM pending_rsvps WHERE rsvp_id = ? OR (event_id = ? AND email_norm = ?)`, []any{id, v.Event.ID, norm}},
		// An invitation not sent yet goes: there is nobody to send it
		// to, and nothing happened that the organisers should count.
		{`DELETE FROM invitations WHERE status = 'queued' AND (rsvp_id = ? OR (event_id = ? AND email_norm = ?))`,
			[]any{id, v.Event.ID, norm}},
		{`UPDATE invitations SET name = '', email = '', email_norm = 'erased:' || id, updated_at = ?
			WHERE rsvp_id = ? OR (event_id = ? AND email_norm = ?)`, []any{now, id, v.Event.ID, norm}},
	}
	for _, s := range steps {
		if err := tx.Exec(s.sql, s.args...).Error; err != nil {
			return err
		}
	}
	v.RSVP.Name, v.RSVP.Email, v.RSVP.ErasedAt, v.RSVP.UpdatedAt = "", "", &now, now
	return nil
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
