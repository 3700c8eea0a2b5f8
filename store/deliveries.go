package store

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

type deliveryRow struct {
	ID        string     `gorm:"column:id;primaryKey"`
	EventID   string     `gorm:"column:event_id"`
	RSVPID    string     `gorm:"column:rsvp_id"`
	Kind      string     `gorm:"column:kind"`
	Sequence  int        `gorm:"column:sequence"`
	Status    string     `gorm:"column:status"`
	Attempts  int        `gorm:"column:attempts"`
	LastError string     `gorm:"column:last_error"`
	Detail    string     `gorm:"column:detail"`
	CreatedAt time.Time  `gorm:"column:created_at"`
	UpdatedAt time.Time  `gorm:"column:updated_at"`
	SentAt    *time.Time `gorm:"column:sent_at"`
	// From the RSVP, in listings.
	Name  string `gorm:"column:name;->"`
	Email string `gorm:"column:email;->"`
}

func (deliveryRow) TableName() string { return "deliveries" }

func (r deliveryRow) toDomain() domain.Delivery {
	return domain.Delivery{ID: r.ID, EventID: r.EventID, RSVPID: r.RSVPID, Name: r.Name, Email: r.Email,
		Kind: domain.MessageKind(r.Kind), Sequence: r.Sequence, Status: domain.DeliveryStatus(r.Status),
		Attempts: r.Attempts, LastError: r.LastError, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), SentAt: utcPtr(r.SentAt)}
}

// LoadOutgoing returns the delivery with id and what its e-mail needs
// (for a thank-you, the event's speakers too).
// The organiser's address is the group's contact address, else its first
// owner's.
func (db *DB) LoadOutgoing(ctx context.Context, id string) (domain.Outgoing, error) {
	var out domain.Outgoing
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var (
			d  deliveryRow
			r  rsvpRow
			ev eventRow
			g  groupRow
		)
		if err := tx.Where("id = ?", id).Take(&d).Error; err != nil {
			return err
		}
		if err := tx.Raw(`SELECT r.*, `+positionSQL+` FROM rsvps r WHERE r.id = ?`, d.RSVPID).Take(&r).Error; err != nil {
			return err
		}
		if err := tx.Where("id = ?", d.EventID).Take(&ev).Error; err != nil {
			return err
		}
		if err := tx.Where("id = ?", ev.GroupID).Take(&g).Error; err != nil {
			return err
		}
		out = domain.Outgoing{Delivery: d.toDomain(), RSVP: r.toDomain(), Event: ev.toDomain(), Group: g.toDomain()}
		out.Delivery.Email, out.Delivery.Name = r.Email, r.Name
		var err error
		if out.OrganizerEmail, err = db.organizerEmail(tx, g); err != nil {
			return err
		}
		if out.FollowerID, out.SeriesTitle, err = db.seriesOfFollower(tx, r.FollowerID); err != nil {
			return err
		}
		if domain.MessageKind(d.Kind) == domain.MessageThankYou {
			people, _, err := db.eventPeople(tx, ev)
			if err != nil {
				return err
			}
			out.Speakers = people.Speakers
		}
		if d.Detail != "" {
			var det updateDetail
			if err := json.Unmarshal([]byte(d.Detail), &det); err == nil {
				out.Changed, out.Previous, out.Why = det.Changed, det.Previous, det.Why
				out.Before, _ = domain.ParseISODuration(det.Before)
				if det.ConfirmBy != nil {
					out.ConfirmBy = det.ConfirmBy.UTC()
				}
			}
		}
		return nil
	})
	return out, err
}

// MintManageToken makes a further manage token for an RSVP and returns it
// raw; only its hash is kept. Each e-mail carries its own, since the token
// handed out at RSVP time is never stored.
func (db *DB) MintManageToken(ctx context.Context, rsvpID string) (string, error) {
	raw := domain.NewSecret()
	err := db.tx(ctx, func(tx *gorm.DB) error { return db.addManageToken(tx, rsvpID, raw) })
	return raw, err
}

// MarkDelivery records the outcome of one attempt to send a delivery.
func (db *DB) MarkDelivery(ctx context.Context, id string, status domain.DeliveryStatus, lastError string) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		now := db.now()
		upd := map[string]any{"status": string(status), "attempts": gorm.Expr("attempts + 1"), "last_error": lastError, "updated_at": now}
		if status == domain.DeliverySent {
			upd["sent_at"] = now
		}
		return tx.Model(&deliveryRow{}).Where("id = ?", id).Updates(upd).Error
	})
}

// ListDeliveries lists the e-mails of an event for an organiser of its
// group, oldest first, with the recipient and status of each.
func (db *DB) ListDeliveries(ctx context.Context, organiserID, eventID string, opts domain.ListOptions) (domain.Page[domain.Delivery], error) {
	_, after, err := decodeCursor(opts.Cursor)
	if err != nil {
		return domain.Page[domain.Delivery]{}, err
	}
	limit := pageSize(opts)
	var rows []deliveryRow
	err = db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.memberEvent(tx, organiserID, eventID, false); err != nil {
			return err
		}
		return tx.Raw(`SELECT d.*, r.name, r.email FROM deliveries d JOIN rsvps r ON r.id = d.rsvp_id
			WHERE d.event_id = ? AND d.id > ? ORDER BY d.id LIMIT ?`, eventID, after, limit+1).Scan(&rows).Error
	})
	return paginate(rows, limit, deliveryRow.toDomain, func(r deliveryRow) string { return encodeCursor("", r.ID) }), err
}
