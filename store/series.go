package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/calendar"
)

var errSeriesNotFound = &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonSeriesNotFound, Message: "No such series."}

type seriesRow struct {
	ID              string     `gorm:"column:id;primaryKey"`
	GroupID         string     `gorm:"column:group_id"`
	Slug            string     `gorm:"column:slug"`
	Title           string     `gorm:"column:title"`
	Description     string     `gorm:"column:description"`
	Kind            string     `gorm:"column:kind"`
	RRule           string     `gorm:"column:rrule"`
	StartsAt        time.Time  `gorm:"column:starts_at"`
	DurationSeconds int        `gorm:"column:duration_seconds"`
	TimeZone        string     `gorm:"column:time_zone"`
	OnlineURL       string     `gorm:"column:online_url"`
	VenueName       *string    `gorm:"column:venue_name"`
	VenueAddress    *string    `gorm:"column:venue_address"`
	Capacity        *int       `gorm:"column:capacity"`
	Waitlist        bool       `gorm:"column:waitlist"`
	Ahead           int        `gorm:"column:ahead"`
	Sequence        int        `gorm:"column:sequence"`
	CreatedBy       *string    `gorm:"column:created_by"`
	CreatedAt       time.Time  `gorm:"column:created_at"`
	UpdatedAt       time.Time  `gorm:"column:updated_at"`
	EndedAt         *time.Time `gorm:"column:ended_at"`
}

func (seriesRow) TableName() string { return "series" }

func (r seriesRow) toDomain() domain.Series {
	s := domain.Series{ID: r.ID, GroupID: r.GroupID, Slug: r.Slug, Title: r.Title, Description: r.Description,
		Kind: domain.EventKind(r.Kind), RRule: r.RRule, StartsAt: r.StartsAt.UTC(),
		Duration: time.Duration(r.DurationSeconds) * time.Second, TimeZone: r.TimeZone, OnlineURL: r.OnlineURL,
		Capacity: r.Capacity, Waitlist: r.Waitlist, Ahead: r.Ahead, Sequence: r.Sequence,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), EndedAt: utcPtr(r.EndedAt)}
	if r.VenueName != nil {
		s.Venue = &domain.Venue{Name: *r.VenueName}
		if r.VenueAddress != nil {
			s.Venue.Address = *r.VenueAddress
		}
	}
	return s
}

func (r *seriesRow) fromDomain(s domain.Series) {
	r.ID, r.GroupID, r.Slug, r.Title, r.Description = s.ID, s.GroupID, s.Slug, s.Title, s.Description
	r.Kind, r.RRule, r.StartsAt = string(s.Kind), s.RRule, utc(s.StartsAt)
	r.DurationSeconds, r.TimeZone, r.OnlineURL = int(s.Duration/time.Second), s.TimeZone, s.OnlineURL
	r.VenueName, r.VenueAddress = nil, nil
	if s.Venue != nil {
		name, addr := s.Venue.Name, s.Venue.Address
		r.VenueName, r.VenueAddress = &name, &addr
	}
	r.Capacity, r.Waitlist, r.Ahead, r.Sequence = s.Capacity, s.Waitlist, s.Ahead, s.Sequence
	r.CreatedAt, r.UpdatedAt, r.EndedAt = utc(s.CreatedAt), utc(s.UpdatedAt), utcPtr(s.EndedAt)
}

// errSeriesSlugUsedByEvents refuses a series slug whose occurrence
// addresses events already have.
var errSeriesSlugUsedByEvents = &domain.Error{Code: domain.ECONFLICT, Reason: domain.ReasonSlugTaken,
	Message: "slug: events already have addresses of the form {slug}-YYYY-MM-DD that this series' occurrences would take; choose another slug",
	Fields:  []domain.FieldError{{Field: "slug", Message: "is taken: events already have addresses of the form {slug}-YYYY-MM-DD"}}}

// occurrenceNamespaceUsed reports whether any event has or had a slug in
// the occurrence namespace of a series slug ({slug}-YYYY-MM-DD...).
func (db *DB) occurrenceNamespaceUsed(tx *gorm.DB, seriesSlug string) (bool, error) {
	// Slugs hold no LIKE wildcards: letters, digits and hyphens only.
	var slugs []string
	if err := tx.Raw(`SELECT slug FROM event_slugs WHERE slug LIKE ?`, seriesSlug+"-____-__-__%").Scan(&slugs).Error; err != nil {
		return false, err
	}
	for _, sl := range slugs {
		if slices.Contains(domain.SeriesSlugPrefixes(sl), seriesSlug) {
			return true, nil
		}
	}
	return false, nil
}

// seriesBySlug loads a series by its public slug, locking its row on
// PostgreSQL when lock is set; ENOTFOUND when there is none.
func (db *DB) seriesBySlug(tx *gorm.DB, slug string, lock bool) (seriesRow, error) {
	var row seriesRow
	q := `SELECT * FROM series WHERE slug = ?`
	if lock {
		q += db.forUpdate()
	}
	res := tx.Raw(q, slug).Scan(&row)
	if res.Error != nil {
		return row, res.Error
	}
	if res.RowsAffected == 0 {
		return row, errSeriesNotFound
	}
	return row, nil
}

// memberSeries loads a series of a group the organiser belongs to, locking
// its row on PostgreSQL. Non-members get ENOTFOUND.
func (db *DB) memberSeries(tx *gorm.DB, organiserID, seriesID string) (seriesRow, error) {
	var row seriesRow
	q := `SELECT s.* FROM series s JOIN group_members m ON m.group_id = s.group_id AND m.organiser_id = ? WHERE s.id = ?`
	q += db.dialect.lockRows("s")
	res := tx.Raw(q, organiserID, seriesID).Scan(&row)
	if res.Error != nil {
		return row, res.Error
	}
	if res.RowsAffected == 0 {
		return row, errSeriesNotFound
	}
	return row, nil
}

// CreateSeries creates a series in a group the organiser belongs to and
// publishes its next occurrences. It returns EINVALID for bad fields (a
// rule that does not parse, a starts_at that is not its first occurrence)
// and ECONFLICT ("slug_taken") for a slug in use.
func (db *DB) CreateSeries(ctx context.Context, organiserID, groupID string, s domain.Series) (domain.SeriesView, error) {
	s.RRule = domain.NormalizeRRule(s.RRule)
	if s.Ahead == 0 {
		s.Ahead = domain.DefaultSeriesAhead
	}
	var id string
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.role(tx, groupID, organiserID, false); err != nil {
			return err
		}
		if s.TimeZone == "" {
			if err := tx.Model(&groupRow{}).Where("id = ?", groupID).Pluck("time_zone", &s.TimeZone).Error; err != nil {
				return err
			}
		}
		if err := s.Validate(); err != nil {
			return err
		}
		if _, err := calendar.CheckSeries(s); err != nil {
			return err
		}
		// The series' slug makes its occurrences' ({slug}-{date}): no event
		// may have one already.
		if used, err := db.occurrenceNamespaceUsed(tx, s.Slug); err != nil || used {
			if err == nil {
				err = errSeriesSlugUsedByEvents
			}
			return err
		}
		now := db.now()
		s.ID, s.GroupID, s.CreatedAt, s.UpdatedAt = domain.NewID(), groupID, now, now
		var row seriesRow
		row.fromDomain(s)
		row.CreatedBy = &organiserID
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		id = row.ID
		_, err := db.materialise(tx, &row)
		return err
	})
	if isDuplicate(err) {
		return domain.SeriesView{}, errSlugTaken
	}
	if err != nil {
		return domain.SeriesView{}, err
	}
	return db.FindSeries(ctx, organiserID, id)
}

// FindSeries returns a series of a group the organiser belongs to, with
// every occurrence that exists as an event.
func (db *DB) FindSeries(ctx context.Context, organiserID, seriesID string) (domain.SeriesView, error) {
	var v domain.SeriesView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		row, err := db.memberSeries(tx, organiserID, seriesID)
		if err != nil {
			return err
		}
		v, err = db.seriesView(tx, row, time.Time{})
		return err
	})
	return v, err
}

// ListSeries lists a group's series, newest first, without occurrences.
func (db *DB) ListSeries(ctx context.Context, organiserID, groupID string) ([]domain.Series, error) {
	var rows []seriesRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.role(tx, groupID, organiserID, false); err != nil {
			return err
		}
		return tx.Where("group_id = ?", groupID).Order("id DESC").Limit(domain.MaxPageSize).Find(&rows).Error
	})
	out := make([]domain.Series, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, err
}

// FindPublicSeries returns a series by slug with its upcoming occurrences
// (those that have not ended by now), published or cancelled.
func (db *DB) FindPublicSeries(ctx context.Context, slug string) (domain.SeriesView, error) {
	var v domain.SeriesView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		row, err := db.seriesBySlug(tx, slug, false)
		if err != nil {
			return err
		}
		v, err = db.seriesView(tx, row, db.now())
		return err
	})
	return v, err
}

// maxFeedOccurrences bounds the occurrences a series feed lists (the most
// recent ones).
const maxFeedOccurrences = 500

// SeriesFeed returns a series by slug with its occurrences for its
// calendar feed: past and upcoming (at most the last 500), each marked
// whether the current rule still gives its original start.
func (db *DB) SeriesFeed(ctx context.Context, slug string) (domain.SeriesView, error) {
	var v domain.SeriesView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		row, err := db.seriesBySlug(tx, slug, false)
		if err != nil {
			return err
		}
		if v, err = db.seriesView(tx, row, time.Time{}); err != nil {
			return err
		}
		if n := len(v.Occurrences); n > maxFeedOccurrences {
			v.Occurrences = v.Occurrences[n-maxFeedOccurrences:]
		}
		rule, err := calendar.RuleOf(v.Series)
		if err != nil {
			return err
		}
		loc := rule.Location()
		for i, o := range v.Occurrences {
			if o.OccurrenceStart.IsZero() {
				continue
			}
			// One made at the second of a local time that happens twice,
			// before occurrenceAfter read it as the first, is the rule's
			// occurrence all the same; the feed shows it at its own start.
			v.Occurrences[i].OccurrenceStart, _ = domain.FirstInstant(o.OccurrenceStart, loc)
			v.Occurrences[i].InRule = rule.After(v.Occurrences[i].OccurrenceStart.Add(-time.Second), true).Equal(v.Occurrences[i].OccurrenceStart)
		}
		return nil
	})
	return v, err
}

// seriesView loads the group and the occurrences of a series; with a
// non-zero since, only those ending after it.
func (db *DB) seriesView(tx *gorm.DB, row seriesRow, since time.Time) (domain.SeriesView, error) {
	v := domain.SeriesView{Series: row.toDomain()}
	var g groupRow
	if err := tx.Where("id = ?", row.GroupID).Take(&g).Error; err != nil {
		return v, err
	}
	v.Group = g.toDomain()
	q := tx.Where("series_id = ? AND status <> ?", row.ID, string(domain.EventDraft))
	if !since.IsZero() {
		q = q.Where("ends_at > ?", since)
	}
	var evs []eventRow
	if err := q.Order("starts_at, id").Find(&evs).Error; err != nil {
		return v, err
	}
	for _, r := range evs {
		v.Occurrences = append(v.Occurrences, occurrenceOf(r))
	}
	return v, nil
}

func occurrenceOf(r eventRow) domain.Occurrence {
	e := r.toDomain()
	o := domain.Occurrence{EventID: r.ID, Slug: r.Slug, StartsAt: e.StartsAt, EndsAt: e.EndsAt, Status: e.Status,
		Detached: r.Detached, Title: r.Title, Going: r.GoingCount, Waitlist: r.WaitlistCount}
	if r.OccurrenceStart != nil {
		o.OccurrenceStart = r.OccurrenceStart.UTC()
	}
	if e.Status == domain.EventPublished {
		o.SeatsLeft = e.SeatsLeft()
	}
	return o
}

// materialise makes sure the next Ahead occurrences of the rule after now
// exist as published events of the series, and returns the ids of those it
// created. Occurrences that were moved or cancelled still exist (their
// original start is kept), so they are never made again.
func (db *DB) materialise(tx *gorm.DB, row *seriesRow) ([]string, error) {
	if row.EndedAt != nil {
		return nil, nil
	}
	s := row.toDomain()
	rule, err := calendar.RuleOf(s)
	if err != nil {
		return nil, err
	}
	now := db.now()
	var want []time.Time
	for t := now; len(want) < s.Ahead; {
		t = rule.After(t, false)
		if t.IsZero() {
			break
		}
		want = append(want, utc(t))
	}
	if len(want) == 0 {
		return nil, nil
	}
	var have []eventRow
	if err := tx.Select("id, occurrence_start").Where("series_id = ? AND occurrence_start >= ?", row.ID, want[0]).
		Find(&have).Error; err != nil {
		return nil, err
	}
	loc := rule.Location()
	exists := map[int64]bool{}
	for _, h := range have {
		if h.OccurrenceStart != nil {
			// One made at the second of a repeated local time (before the
			// store read it as the first) is the same occurrence.
			first, _ := domain.FirstInstant(*h.OccurrenceStart, loc)
			exists[first.Unix()] = true
		}
	}
	var created []string
	for _, start := range want {
		if exists[start.Unix()] {
			continue
		}
		id, err := db.createOccurrence(tx, row, s, start)
		if err != nil {
			return nil, err
		}
		created = append(created, id)
	}
	return created, nil
}

// createOccurrence inserts one published occurrence of a series.
func (db *DB) createOccurrence(tx *gorm.DB, row *seriesRow, s domain.Series, start time.Time) (string, error) {
	now := db.now()
	e := s.Occurrence(start)
	e.ID, e.CreatedAt, e.UpdatedAt, e.PublishedAt = domain.NewID(), now, now, &now
	e.SelfCheckinCode = domain.NewRoomCode()
	base := e.Slug
	e.Slug = unlistedSlug(e.ID) // until its slug is claimed, which needs the row
	var ev eventRow
	ev.fromDomain(e)
	snap, _ := json.Marshal(e.Snapshot())
	ev.NotifiedSnapshot = string(snap)
	ev.SeriesID, ev.OccurrenceStart = &row.ID, &start
	if err := tx.Create(&ev).Error; err != nil {
		return "", err
	}
	slug, err := db.claimFirstFree(tx, occurrenceSlugs(base), "", ev.ID, row.ID)
	if err != nil {
		return "", err
	}
	if slug == "" {
		return "", fmt.Errorf("store: no free slug for %q", base)
	}
	if err := tx.Model(&eventRow{}).Where("id = ?", ev.ID).Update("slug", slug).Error; err != nil {
		return "", err
	}
	ev.Slug = slug
	if err := db.scheduleReminders(tx, &ev); err != nil {
		return "", err
	}
	if err := db.occurrenceCreated(tx, row, &ev); err != nil {
		return "", err
	}
	return ev.ID, nil
}

// occurrenceSlugs are the slugs tried for an occurrence: base
// ({series}-{date}), then with a suffix when two occurrences fall on one
// day or the slug was taken before the series' namespace was its own.
// Slugs in the namespace are the series' alone, so a date's slug is taken
// back when an occurrence removed by a series change is made again.
func occurrenceSlugs(base string) []string {
	return []string{base, base + "-2", base + "-3", base + "-" + strings.ToLower(domain.NewID()[20:])}
}

// MaterialiseSeries adds the next occurrences of every running series as
// time passes (the periodic job). It returns how many events it created.
func (db *DB) MaterialiseSeries(ctx context.Context) (int, error) {
	var ids []string
	if err := db.read(ctx, func(q *gorm.DB) error {
		return q.Model(&seriesRow{}).Where("ended_at IS NULL").Order("id").Pluck("id", &ids).Error
	}); err != nil {
		return 0, err
	}
	var (
		total int
		errs  []error
	)
	for _, id := range ids {
		err := db.tx(ctx, func(tx *gorm.DB) error {
			var row seriesRow
			if err := tx.Raw(`SELECT * FROM series WHERE id = ?`+db.forUpdate(), id).Take(&row).Error; err != nil {
				return err
			}
			created, err := db.materialise(tx, &row)
			total += len(created)
			return err
		})
		if err != nil {
			// One series that fails does not hold up the others.
			errs = append(errs, fmt.Errorf("series %s: %w", id, err))
		}
	}
	return total, errors.Join(errs...)
}

// UpdateSeries changes a series. Upcoming occurrences follow the change:
// those nobody replied to are changed (or, when the rule or first start
// changed and they no longer fit, removed and made again); those with
// RSVPs are updated like any event — attendees get the updated invite —
// and keep their date when the new rule no longer gives it, detached from
// the rule. An occurrence moved on its own keeps its time; past and
// cancelled occurrences are left alone.
func (db *DB) UpdateSeries(ctx context.Context, organiserID, seriesID string, u domain.SeriesUpdate) (domain.SeriesView, error) {
	err := db.tx(ctx, func(tx *gorm.DB) error {
		row, err := db.memberSeries(tx, organiserID, seriesID)
		if err != nil {
			return err
		}
		if row.EndedAt != nil {
			return domain.Conflict(domain.ReasonSeriesEnded, "This series has ended and cannot be changed.")
		}
		s := row.toDomain()
		changed := u.Apply(&s)
		if err := s.Validate(); err != nil {
			return err
		}
		rule, err := calendar.CheckSeries(s)
		if err != nil {
			return err
		}
		if len(changed) == 0 {
			return nil
		}
		s.UpdatedAt = db.now()
		s.Sequence++
		row.fromDomain(s)
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
		if err := db.followSeries(tx, &row, rule, changed); err != nil {
			return err
		}
		_, err = db.materialise(tx, &row)
		return err
	})
	if err != nil {
		return domain.SeriesView{}, err
	}
	return db.FindSeries(ctx, organiserID, seriesID)
}

// followSeries applies a series change to its upcoming occurrences; those
// moved on their own take every change but the schedule, and cancelled ones
// only move their original start to the new rule's time that day, so that
// the date stays taken and is not made again.
func (db *DB) followSeries(tx *gorm.DB, row *seriesRow, rule *calendar.SeriesRule, changed []string) error {
	var occ []eventRow
	if err := tx.Where("series_id = ? AND status IN ? AND starts_at > ?",
		row.ID, []string{string(domain.EventPublished), string(domain.EventCancelled)}, db.now()).Order("starts_at").Find(&occ).Error; err != nil {
		return err
	}
	s := row.toDomain()
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return err
	}
	scheduleChanged := domain.ScheduleChanged(changed)
	for _, ev := range occ {
		cancelled := ev.Status == string(domain.EventCancelled)
		if scheduleChanged && ev.OccurrenceStart != nil && (cancelled || ev.Detached) {
			// Its date by the new rule, when the rule still gives it.
			if t := rule.OnDate(*ev.OccurrenceStart, loc); !t.IsZero() && !t.Equal(*ev.OccurrenceStart) {
				if err := tx.Model(&eventRow{}).Where("id = ?", ev.ID).Update("occurrence_start", utc(t)).Error; err != nil {
					return err
				}
				ns := utc(t)
				ev.OccurrenceStart = &ns
			}
		}
		if cancelled {
			continue
		}
		// Someone replied or was invited: the occurrence stays, whatever
		// the new rule, so that nobody's link or place goes away.
		var replies, invited int64
		if err := tx.Model(&rsvpRow{}).Where("event_id = ?", ev.ID).Count(&replies).Error; err != nil {
			return err
		}
		if err := tx.Model(&invitationRow{}).Where("event_id = ?", ev.ID).Count(&invited).Error; err != nil {
			return err
		}
		schedule := scheduleChanged && ev.OccurrenceStart != nil && !ev.Detached
		fits, newStart := true, ev.StartsAt
		if schedule {
			t := rule.OnDate(*ev.OccurrenceStart, loc)
			fits, newStart = !t.IsZero(), t
		}
		if !fits && replies+invited == 0 {
			if err := tx.Where("id = ?", ev.ID).Delete(&eventRow{}).Error; err != nil {
				return err
			}
			continue
		}
		if schedule {
			if !fits {
				ev.Detached = true
			} else {
				ns := utc(newStart)
				ev.OccurrenceStart = &ns
			}
			if err := tx.Model(&eventRow{}).Where("id = ?", ev.ID).
				Updates(map[string]any{"detached": ev.Detached, "occurrence_start": ev.OccurrenceStart}).Error; err != nil {
				return err
			}
		}
		var eu domain.EventUpdate
		for _, f := range changed {
			switch f {
			case "title":
				eu.Title = &s.Title
			case "description":
				eu.Description = &s.Description
			case "online_url":
				eu.OnlineURL = &s.OnlineURL
			case "venue":
				eu.Venue = domain.Nullable[domain.Venue]{Set: true, Value: s.Venue}
			case "waitlist":
				eu.Waitlist = &s.Waitlist
			case "capacity":
				// An occurrence with more people going than the new
				// capacity keeps its own.
				if s.Capacity == nil || *s.Capacity >= ev.GoingCount {
					eu.Capacity = domain.Nullable[int]{Set: true, Value: s.Capacity}
				}
			case "starts_at", "rrule":
				if schedule && fits && !newStart.Equal(ev.StartsAt) {
					start := utc(newStart)
					eu.StartsAt = &start
				}
			}
		}
		// The end follows the start (new or not) and the duration.
		if eu.StartsAt != nil || slices.Contains(changed, "duration") {
			start := ev.StartsAt
			if eu.StartsAt != nil {
				start = *eu.StartsAt
			}
			end := utc(start.Add(s.Duration))
			eu.EndsAt = &end
		}
		if _, err := db.updateEvent(tx, ev, eu); err != nil {
			return err
		}
	}
	return nil
}

// EndSeries ends a series: no further occurrences are made, and upcoming
// ones are cancelled (people holding places get the cancellation). Ending
// twice is harmless.
func (db *DB) EndSeries(ctx context.Context, organiserID, seriesID, reason string) (domain.SeriesView, error) {
	var v domain.Validation
	domain.CheckText(&v, "reason", reason, domain.MaxReasonLen)
	if err := v.Err(); err != nil {
		return domain.SeriesView{}, err
	}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		row, err := db.memberSeries(tx, organiserID, seriesID)
		if err != nil || row.EndedAt != nil {
			return err
		}
		now := db.now()
		if err := tx.Model(&seriesRow{}).Where("id = ?", row.ID).
			Updates(map[string]any{"ended_at": now, "updated_at": now, "sequence": row.Sequence + 1}).Error; err != nil {
			return err
		}
		var occ []eventRow
		if err := tx.Where("series_id = ? AND status = ? AND starts_at > ?", row.ID, string(domain.EventPublished), now).
			Find(&occ).Error; err != nil {
			return err
		}
		for _, ev := range occ {
			if _, err := db.cancelEvent(tx, ev, cmp.Or(reason, "The series has ended.")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return domain.SeriesView{}, err
	}
	return db.FindSeries(ctx, organiserID, seriesID)
}

// touchSeries records that one occurrence of a series changed on its own
// (moved or cancelled): it stops following the rule, and the series feed
// gets a new sequence.
func (db *DB) touchSeries(tx *gorm.DB, ev *eventRow, changed []string) error {
	if ev.SeriesID == nil {
		return nil
	}
	if !slices.ContainsFunc(changed, func(f string) bool { return f == "starts_at" || f == "ends_at" || f == "status" }) {
		return nil
	}
	ev.Detached = true
	if err := tx.Model(&eventRow{}).Where("id = ?", ev.ID).Update("detached", true).Error; err != nil {
		return err
	}
	return tx.Exec(`UPDATE series SET sequence = sequence + 1, updated_at = ? WHERE id = ?`, db.now(), *ev.SeriesID).Error
}
