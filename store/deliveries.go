package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/riverqueue/river"
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

// outgoing assembles what the e-mail of delivery d needs from its rows:
// the series of a follower's RSVP, the speakers of a thank-you, and what
// the delivery's detail says (changes, reminder lead, reasons, deadline).
func (db *DB) outgoing(tx *gorm.DB, d deliveryRow, r rsvpRow, ev eventRow, g groupRow, organizerEmail string) (domain.Outgoing, error) {
	out := domain.Outgoing{Delivery: d.toDomain(), RSVP: r.toDomain(), Event: ev.toDomain(), Group: g.toDomain(), OrganizerEmail: organizerEmail}
	out.Delivery.Email, out.Delivery.Name = r.Email, r.Name
	var err error
	// The RSVP keeps its own language (a follower's, when it was made for one).
	if out.FollowerID, out.SeriesTitle, _, err = db.seriesOfFollower(tx, r.FollowerID); err != nil {
		return out, err
	}
	if domain.MessageKind(d.Kind) == domain.MessageThankYou {
		people, _, err := db.eventPeople(tx, ev)
		if err != nil {
			return out, err
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
	return out, nil
}

// LoadOutgoingBatch returns, in one transaction, the deliveries among ids
// that are still queued and not yet tried, with what their e-mails need
// (as LoadOutgoing) and a fresh manage token for each (only its hash is
// kept; all minted in one statement), tokens[i] being that of outs[i]. An
// RSVP whose data was erased gets no token (""). Deliveries already sent,
// failed or skipped, those whose RSVP or event is gone, and those already
// tried (attempts > 0: after a temporary failure a delivery has a job of
// its own) are left out: a batch run again after a crash sends only what
// it had not yet marked, and nothing its deliveries' own jobs send.
func (db *DB) LoadOutgoingBatch(ctx context.Context, ids []string) ([]domain.Outgoing, []string, error) {
	var (
		outs   []domain.Outgoing
		tokens []string
	)
	if len(ids) == 0 {
		return nil, nil, nil
	}
	key, err := db.replyKey(ctx)
	if err != nil {
		return nil, nil, err
	}
	err = db.tx(ctx, func(tx *gorm.DB) error {
		outs, tokens = nil, nil
		var ds []deliveryRow
		if err := tx.Where("id IN ? AND status = ? AND attempts = 0", ids, string(domain.DeliveryQueued)).Order("id").Find(&ds).Error; err != nil {
			return err
		}
		if len(ds) == 0 {
			return nil
		}
		var rsvpIDs, eventIDs []string
		for _, d := range ds {
			rsvpIDs = append(rsvpIDs, d.RSVPID)
			eventIDs = append(eventIDs, d.EventID)
		}
		var rs []rsvpRow
		if err := tx.Raw(`SELECT r.*, `+positionSQL+` FROM rsvps r WHERE r.id IN ?`, rsvpIDs).Scan(&rs).Error; err != nil {
			return err
		}
		var evs []eventRow
		if err := tx.Where("id IN ?", eventIDs).Find(&evs).Error; err != nil {
			return err
		}
		var groupIDs []string
		for _, ev := range evs {
			groupIDs = append(groupIDs, ev.GroupID)
		}
		var gs []groupRow
		if err := tx.Where("id IN ?", groupIDs).Find(&gs).Error; err != nil {
			return err
		}
		rsvps := make(map[string]rsvpRow, len(rs))
		for _, r := range rs {
			rsvps[r.ID] = r
		}
		events := make(map[string]eventRow, len(evs))
		for _, ev := range evs {
			events[ev.ID] = ev
		}
		groups := make(map[string]groupRow, len(gs))
		for _, g := range gs {
			groups[g.ID] = g
		}
		orgs := map[string]string{}
		var (
			ins  strings.Builder
			args []any
			now  = db.now()
		)
		for _, d := range ds {
			r, okR := rsvps[d.RSVPID]
			ev, okE := events[d.EventID]
			g, okG := groups[ev.GroupID]
			if !okR || !okE || !okG {
				continue // deleted meanwhile: nothing to send
			}
			org, ok := orgs[g.ID]
			if !ok {
				var err error
				if org, err = db.organizerEmail(tx, g); err != nil {
					return err
				}
				orgs[g.ID] = org
			}
			out, err := db.outgoing(tx, d, r, ev, g, org)
			if err != nil {
				return err
			}
			out.ReplyToken = domain.ReplyToken(key, r.ID)
			token := ""
			if r.Email != "" {
				token = domain.NewSecret()
				if len(args) > 0 {
					ins.WriteString(", ")
				}
				ins.WriteString("(?, ?, ?, ?, ?)")
				args = append(args, tokenValues(token, r.ID, now)...)
			}
			outs = append(outs, out)
			tokens = append(tokens, token)
		}
		if err := fillReplyHashes(tx, key, rs); err != nil {
			return err
		}
		if len(args) == 0 {
			return nil
		}
		return tx.Exec(insertTokenSQL+ins.String(), args...).Error
	})
	if err != nil {
		return nil, nil, err
	}
	return outs, tokens, nil
}

// MarkDeliveries records the outcomes of a batch's attempts in one
// transaction: each counts as one attempt of its delivery, as with
// MarkDelivery. An outcome with a RetryAt keeps its delivery queued and
// inserts a send_email job of its own for it, scheduled then, so that
// retries go one e-mail at a time as for any other delivery.
func (db *DB) MarkDeliveries(ctx context.Context, outcomes []domain.DeliveryOutcome) error {
	if len(outcomes) == 0 {
		return nil
	}
	type key struct {
		status    domain.DeliveryStatus
		lastError string
	}
	var (
		order []key
		byKey = map[key][]string{}
		retry []river.InsertManyParams
	)
	for _, o := range outcomes {
		k := key{o.Status, o.LastError}
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], o.DeliveryID)
		if !o.RetryAt.IsZero() {
			// The batch made the first attempt: the delivery's own job
			// has the attempts that remain.
			retry = append(retry, river.InsertManyParams{Args: domain.SendEmailArgs{DeliveryID: o.DeliveryID},
				InsertOpts: &river.InsertOpts{Queue: domain.QueueEmail, MaxAttempts: MaxSendAttempts - 1, ScheduledAt: o.RetryAt}})
		}
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		now := db.now()
		for _, k := range order {
			upd := map[string]any{"status": string(k.status), "attempts": gorm.Expr("attempts + 1"), "last_error": k.lastError, "updated_at": now}
			if k.status == domain.DeliverySent {
				upd["sent_at"] = now
			}
			if err := tx.Model(&deliveryRow{}).Where("id IN ?", byKey[k]).Updates(upd).Error; err != nil {
				return err
			}
		}
		if len(retry) == 0 {
			return nil
		}
		_, err := db.jobs.InsertManyTx(tx.Statement.Context, sqlTx(tx), retry)
		return err
	})
}

// MintManageToken makes a further manage token for an RSVP and returns it
// raw; only its hash is kept. Each e-mail carries its own, since the token
// handed out at RSVP time is never stored.
func (db *DB) MintManageToken(ctx context.Context, rsvpID string) (string, error) {
	raw := domain.NewSecret()
	err := db.read(ctx, func(q *gorm.DB) error { return db.addManageToken(q, rsvpID, raw) }) // one statement: no BEGIN/COMMIT round trips
	return raw, err
}

// MarkDelivery records the outcome of one attempt to send a delivery.
// Senders call it for each message as the server takes it, before the
// next message leaves, so it is one statement (no transaction around it)
// whose commit does not wait for the disk (see lazyCommit).
func (db *DB) MarkDelivery(ctx context.Context, id string, status domain.DeliveryStatus, lastError string) error {
	return db.read(ctx, func(q *gorm.DB) error {
		now := db.now()
		set, args := "status = ?, attempts = attempts + 1, last_error = ?, updated_at = ?", []any{string(status), lastError, now}
		if status == domain.DeliverySent {
			set += ", sent_at = ?"
			args = append(args, now)
		}
		return q.Exec("UPDATE deliveries SET "+set+db.lazyCommit()+" WHERE deliveries.id = ?", append(args, id)...).Error
	})
}

// lazyCommit is the FROM clause that makes a single-statement UPDATE on
// PostgreSQL commit without waiting for its WAL to reach the disk
// (synchronous_commit off for that transaction only). The change is as
// safe from the service being killed as any other: PostgreSQL has it, and
// writes it out within a fraction of a second. Only a crash of PostgreSQL
// itself (or of its machine) in that moment could lose it. For a record
// that a message was sent that means the message is sent again, with the
// same Message-ID — while waiting for the disk cost every message of a
// fan-out a flush (0.7 ms on the test machine) that its SMTP connection
// waits for. SQLite (WAL, synchronous=NORMAL) commits so already.
func (db *DB) lazyCommit() string { return db.dialect.lazyCommit }

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
