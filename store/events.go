package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/convene/convene/domain"
)

var errEventNotFound = &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonEventNotFound, Message: "No such event."}

// memberEvent loads an event of a group the organiser belongs to, optionally
// locking its row until the transaction ends. Non-members get ENOTFOUND.
func (db *DB) memberEvent(tx *gorm.DB, organiserID, eventID string, lock bool) (eventRow, error) {
	var row eventRow
	q := `SELECT e.* FROM events e JOIN group_members m ON m.group_id = e.group_id AND m.organiser_id = ? WHERE e.id = ?`
	if lock {
		q += db.dialect.lockRows("e")
	}
	res := tx.Raw(q, organiserID, eventID).Scan(&row)
	if res.Error != nil {
		return row, res.Error
	}
	if res.RowsAffected == 0 {
		return row, errEventNotFound
	}
	return row, nil
}

// CreateEvent creates a draft event in a group the organiser belongs to. An
// empty slug is made from the title (and the date, then a random suffix, if
// taken). A draft's slug is a wish its group alone sees (domain/slug.go);
// the event gets it, or a free variant of one made from the title, when it
// is published. It returns EINVALID for bad fields and ECONFLICT
// ("slug_taken") for a chosen slug that another event has or had, that is
// a series' occurrence address, or that another draft of the group wishes
// for.
func (db *DB) CreateEvent(ctx context.Context, organiserID, groupID string, e domain.Event) (domain.Event, error) {
	var row eventRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.role(tx, groupID, organiserID, false); err != nil {
			return err
		}
		if e.TimeZone == "" {
			if err := tx.Model(&groupRow{}).Where("id = ?", groupID).Pluck("time_zone", &e.TimeZone).Error; err != nil {
				return err
			}
		}
		if e.RSVPConfirmation == "" {
			e.RSVPConfirmation = domain.ConfirmNone
		}
		if e.Reminders == nil {
			e.Reminders = domain.DefaultReminders()
		}
		e.SelfCheckinCode = domain.NewRoomCode()
		if err := e.Validate(); err != nil {
			return err
		}
		domain.SortReminders(e.Reminders)
		now := db.now()
		e.ID, e.GroupID, e.Status, e.CreatedAt, e.UpdatedAt = domain.NewID(), groupID, domain.EventDraft, now, now
		auto := e.Slug == ""
		candidates := []string{e.Slug}
		if auto {
			loc, _ := time.LoadLocation(e.TimeZone)
			candidates = domain.SlugCandidates(domain.SlugBase(e.Title), e.StartsAt.In(loc))
		}
		for _, c := range candidates {
			free, err := db.groupSlugFree(tx, c, groupID, e.ID, "")
			if err != nil {
				return err
			}
			if free {
				e.Slug = c
				row = eventRow{}
				row.fromDomain(e)
				row.SlugAuto = auto
				// Another draft of the group may wish for it at this very
				// moment: the unique index decides, and a made slug tries
				// the next candidate.
				ins := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
				if ins.Error != nil || ins.RowsAffected > 0 {
					return ins.Error
				}
			}
			if !auto {
				return errSlugTaken
			}
		}
		return fmt.Errorf("store: no free slug for %q", e.Title)
	})
	if isDuplicate(err) {
		return domain.Event{}, errSlugTaken
	}
	return row.toDomain(), err
}

// FindEvent returns an event of a group the organiser belongs to.
func (db *DB) FindEvent(ctx context.Context, organiserID, eventID string) (domain.Event, error) {
	var row eventRow
	err := db.read(ctx, func(q *gorm.DB) error {
		var err error
		row, err = db.memberEvent(q, organiserID, eventID, false)
		return err
	})
	return row.toDomain(), err
}

// ListEvents lists a group's events by start time.
func (db *DB) ListEvents(ctx context.Context, organiserID, groupID string, f domain.EventFilter) (domain.Page[domain.Event], error) {
	key, after, err := decodeCursor(f.Cursor)
	if err != nil {
		return domain.Page[domain.Event]{}, err
	}
	limit := pageSize(f.ListOptions)
	var rows []eventRow
	err = db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.role(tx, groupID, organiserID, false); err != nil {
			return err
		}
		q := tx.Where("group_id = ?", groupID)
		if f.Status != "" {
			q = q.Where("status = ?", string(f.Status))
		}
		if f.From != nil {
			q = q.Where("starts_at >= ?", utc(*f.From))
		}
		if f.To != nil {
			q = q.Where("starts_at < ?", utc(*f.To))
		}
		if after != "" {
			t, err := time.Parse(time.RFC3339Nano, key)
			if err != nil {
				return &domain.Error{Code: domain.EINVALID, Reason: domain.ReasonValidationFailed, Message: "cursor: is not a cursor this API returned",
					Fields: []domain.FieldError{{Field: "cursor", Message: "is not a cursor this API returned"}}}
			}
			q = q.Where("(starts_at > ? OR (starts_at = ? AND id > ?))", t, t, after)
		}
		return q.Order("starts_at, id").Limit(limit + 1).Find(&rows).Error
	})
	return paginate(rows, limit, eventRow.toDomain, func(r eventRow) string {
		return encodeCursor(r.StartsAt.UTC().Format(time.RFC3339Nano), r.ID)
	}), err
}

// UpdateEvent changes an event. Lowering capacity below the number going is
// refused (ECONFLICT "capacity_below_going"); raising it promotes people
// from the waitlist in order, in the same transaction. Cancelled events
// cannot be changed.
func (db *DB) UpdateEvent(ctx context.Context, organiserID, eventID string, u domain.EventUpdate) (domain.EventChange, error) {
	var ch domain.EventChange
	err := db.tx(ctx, func(tx *gorm.DB) error {
		row, err := db.memberEvent(tx, organiserID, eventID, true)
		if err != nil {
			return err
		}
		if ch, err = db.updateEvent(tx, row, u); err != nil {
			return err
		}
		// A moved occurrence of a series stops following its rule.
		return db.touchSeries(tx, &row, ch.Changed)
	})
	if isDuplicate(err) {
		return domain.EventChange{}, errSlugTaken
	}
	return ch, err
}

// updateEvent applies u to the event in row (locked by the caller): it
// schedules the attendees' update when announced fields changed and
// promotes from the waitlist when seats were added.
func (db *DB) updateEvent(tx *gorm.DB, row eventRow, u domain.EventUpdate) (domain.EventChange, error) {
	var ch domain.EventChange
	if row.Status == string(domain.EventCancelled) {
		return ch, domain.Conflict(domain.ReasonEventCancelled, "A cancelled event cannot be changed.")
	}
	e := row.toDomain()
	ch.Changed = u.Apply(&e)
	if err := e.Validate(); err != nil {
		return ch, err
	}
	domain.SortReminders(e.Reminders)
	if slices.Contains(ch.Changed, "slug") {
		if err := db.changeSlug(tx, &row, e.Slug); err != nil {
			return ch, err
		}
	}
	if e.Capacity != nil && *e.Capacity < row.GoingCount {
		return ch, &domain.Error{Code: domain.ECONFLICT, Reason: domain.ReasonCapacityBelowGoing,
			Message: fmt.Sprintf("capacity: %d people are already going; capacity cannot be lower than that.", row.GoingCount),
			Fields:  []domain.FieldError{{Field: "capacity", Message: fmt.Sprintf("must be at least %d (people already going)", row.GoingCount)}}}
	}
	if len(ch.Changed) == 0 {
		ch.Event = e
		return ch, nil
	}
	e.UpdatedAt = db.now()
	row.fromDomain(e)
	if row.Status == string(domain.EventPublished) && slices.ContainsFunc(ch.Changed, func(f string) bool { return domain.AnnouncedFields[f] }) {
		// Attendees are told once the edits settle: one scheduled
		// update covers every edit until it runs.
		row.Sequence++
		if !row.UpdatePending {
			row.UpdatePending = true
			if err := db.scheduleFanOut(tx, row.ID, domain.MessageUpdated, db.now().Add(db.updateDelay)); err != nil {
				return ch, err
			}
		}
	}
	if err := tx.Save(&row).Error; err != nil {
		return ch, err
	}
	if slices.Contains(ch.Changed, "starts_at") {
		// A request to confirm was about the old date: only people asked
		// about the new one can lose their seat for not answering.
		if err := tx.Exec(`UPDATE rsvps SET reconfirm_asked_at = NULL WHERE event_id = ? AND reconfirmed_at IS NULL AND reconfirm_asked_at IS NOT NULL`,
			row.ID).Error; err != nil {
			return ch, err
		}
	}
	if slices.ContainsFunc(ch.Changed, func(f string) bool { return f == "starts_at" || f == "reminders" || f == "reconfirm" }) {
		// Reminders follow the event: moved with it, or replaced.
		if err := db.scheduleReminders(tx, &row); err != nil {
			return ch, err
		}
	}
	var err error
	if ch.Promoted, err = db.promote(tx, &row); err != nil {
		return ch, err
	}
	ch.Event = row.toDomain()
	return ch, nil
}

// changeSlug checks and records an organiser's new slug for the event in
// row: a draft's new wish, or a published event's new public slug, claimed
// for good — its former slugs stay its own and lead to it. Either must be
// free as a public slug and not wished for by another draft of the group.
func (db *DB) changeSlug(tx *gorm.DB, row *eventRow, slug string) error {
	seriesID := ""
	if row.SeriesID != nil {
		seriesID = *row.SeriesID
	}
	free, err := db.groupSlugFree(tx, slug, row.GroupID, row.ID, seriesID)
	if err == nil && free && row.Status != string(domain.EventDraft) {
		free, err = db.claimSlug(tx, slug, row.ID, seriesID)
	}
	if err != nil {
		return err
	}
	if !free {
		return errSlugTaken
	}
	row.SlugAuto = false
	return nil
}

// DeleteEvent deletes a draft event; published and cancelled events stay
// (ECONFLICT "event_not_draft"): people may hold places in them.
func (db *DB) DeleteEvent(ctx context.Context, organiserID, eventID string) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		row, err := db.memberEvent(tx, organiserID, eventID, true)
		if err != nil {
			return err
		}
		if row.Status != string(domain.EventDraft) {
			return domain.Conflict(domain.ReasonEventNotDraft, "Only draft events can be deleted; cancel a published event instead.")
		}
		return tx.Where("id = ?", eventID).Delete(&eventRow{}).Error
	})
}

// PublishEvent publishes a draft so that it takes RSVPs, and gives it its
// public slug: the one it wished for or, for a slug made from the title
// and taken meanwhile, a free variant. A chosen slug taken meanwhile is
// ECONFLICT "slug_taken". Publishing twice is harmless; an event that
// already started cannot be published.
func (db *DB) PublishEvent(ctx context.Context, organiserID, eventID string) (domain.Event, error) {
	var row eventRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if row, err = db.memberEvent(tx, organiserID, eventID, true); err != nil {
			return err
		}
		e := row.toDomain()
		now := db.now()
		if err := e.CheckPublish(now); err != nil || e.Status == domain.EventPublished {
			return err
		}
		// Its public slug: the wish, or a variant of a made one.
		slug, err := db.publishSlug(tx, row)
		if err != nil {
			return err
		}
		row.Slug, row.DraftSlug = slug, nil
		row.Status, row.PublishedAt, row.UpdatedAt = string(domain.EventPublished), &now, now
		// What attendees are told from now on; later updates say what
		// changed since.
		snap, _ := json.Marshal(e.Snapshot())
		upd := map[string]any{"status": row.Status, "published_at": now, "updated_at": now, "notified_snapshot": string(snap),
			"slug": slug, "draft_slug": nil}
		if row.RoomCode == "" { // events made before self check-in existed
			row.RoomCode = domain.NewRoomCode()
			upd["self_checkin_code"] = row.RoomCode
		}
		if err := tx.Model(&eventRow{}).Where("id = ?", row.ID).Updates(upd).Error; err != nil {
			return err
		}
		return db.scheduleReminders(tx, &row)
	})
	return row.toDomain(), err
}

// CancelEvent cancels a published event with a reason for attendees.
// Cancelling twice is harmless; drafts are deleted, not cancelled.
func (db *DB) CancelEvent(ctx context.Context, organiserID, eventID, reason string) (domain.Event, error) {
	var v domain.Validation
	domain.CheckText(&v, "reason", reason, domain.MaxReasonLen)
	if err := v.Err(); err != nil {
		return domain.Event{}, err
	}
	var row eventRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if row, err = db.memberEvent(tx, organiserID, eventID, true); err != nil {
			return err
		}
		switch domain.EventStatus(row.Status) {
		case domain.EventCancelled:
			return nil
		case domain.EventDraft:
			return domain.Conflict(domain.ReasonEventNotPublished, "A draft event is not cancelled but deleted.")
		}
		if row, err = db.cancelEvent(tx, row, reason); err != nil {
			return err
		}
		return db.touchSeries(tx, &row, []string{"status"})
	})
	return row.toDomain(), err
}

// cancelEvent cancels the published event in row (locked by the caller)
// and schedules the cancellation to everyone holding a place.
func (db *DB) cancelEvent(tx *gorm.DB, row eventRow, reason string) (eventRow, error) {
	now := db.now()
	row.Status, row.CancelReason, row.CancelledAt, row.UpdatedAt = string(domain.EventCancelled), reason, &now, now
	row.Sequence++
	if err := db.scheduleFanOut(tx, row.ID, domain.MessageEventCancelled, now); err != nil {
		return row, err
	}
	if err := tx.Model(&eventRow{}).Where("id = ?", row.ID).
		Updates(map[string]any{"status": row.Status, "cancel_reason": reason, "cancelled_at": now, "updated_at": now, "sequence": row.Sequence}).Error; err != nil {
		return row, err
	}
	// Nobody is reminded of, or asked to confirm, a cancelled event.
	return row, db.scheduleReminders(tx, &row)
}

// FindPublicEvent returns a published or cancelled event by its slug, or
// by any slug it had before (its Slug is the current one), with its group;
// drafts are ENOTFOUND.
func (db *DB) FindPublicEvent(ctx context.Context, slug string) (domain.Event, domain.Group, error) {
	var (
		e eventRow
		g groupRow
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if e, err = db.eventBySlug(tx, slug, false); err != nil {
			return err
		}
		return tx.Where("id = ?", e.GroupID).Take(&g).Error
	})
	return e.toDomain(), g.toDomain(), err
}
