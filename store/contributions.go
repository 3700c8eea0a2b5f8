package store

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

var errContributionNotFound = &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonContributionNotFound, Message: "No such contribution record."}

type contributionRow struct {
	ID               string     `gorm:"column:id;primaryKey"`
	EventID          string     `gorm:"column:event_id"`
	GroupID          string     `gorm:"column:group_id"`
	PersonKey        string     `gorm:"column:person_key"`
	OrganiserID      *string    `gorm:"column:organiser_id"`
	RSVPID           *string    `gorm:"column:rsvp_id"`
	EmailNorm        string     `gorm:"column:email_norm"`
	PersonName       string     `gorm:"column:person_name"`
	Role             string     `gorm:"column:role"`
	ActivityType     string     `gorm:"column:activity_type"`
	TalkTitle        string     `gorm:"column:talk_title"`
	EventTitle       string     `gorm:"column:event_title"`
	EventDate        string     `gorm:"column:event_date"`
	EventStartsAt    time.Time  `gorm:"column:event_starts_at"`
	GroupName        string     `gorm:"column:group_name"`
	EventURL         string     `gorm:"column:event_url"`
	Registered       int        `gorm:"column:registered"`
	AttendedInPerson int        `gorm:"column:attended_in_person"`
	AttendedOnline   int        `gorm:"column:attended_online"`
	AttendedHow      string     `gorm:"column:attended_how"`
	Revision         int        `gorm:"column:revision"`
	Previous         string     `gorm:"column:previous"`
	VerifiedAt       time.Time  `gorm:"column:verified_at"`
	CreatedAt        time.Time  `gorm:"column:created_at"`
	WithdrawnAt      *time.Time `gorm:"column:withdrawn_at"`
	Signature        string     `gorm:"column:signature"`
}

func (contributionRow) TableName() string { return "contributions" }

func (r contributionRow) toDomain() domain.Contribution {
	c := domain.Contribution{
		ID: r.ID, EventID: r.EventID, GroupID: r.GroupID, PersonName: r.PersonName, Role: domain.PersonRole(r.Role),
		ActivityType: domain.ActivityType(r.ActivityType), TalkTitle: r.TalkTitle, EventTitle: r.EventTitle,
		EventDate: r.EventDate, EventStarts: r.EventStartsAt.UTC(), GroupName: r.GroupName, EventURL: r.EventURL,
		Counts:      domain.ContributionCounts{Registered: r.Registered, AttendedInPerson: r.AttendedInPerson, AttendedOnline: r.AttendedOnline},
		AttendedHow: domain.AttendanceMethod(r.AttendedHow), Revision: r.Revision, VerifiedAt: r.VerifiedAt.UTC(),
		WithdrawnAt: utcPtr(r.WithdrawnAt), Signature: r.Signature,
	}
	if r.Previous != "" {
		var p domain.ContributionCounts
		if json.Unmarshal([]byte(r.Previous), &p) == nil {
			c.Previous = &p
		}
	}
	return c
}

// setFacts copies the facts a record states from c into r.
func (r *contributionRow) setFacts(c domain.Contribution) {
	r.PersonName, r.Role, r.ActivityType, r.TalkTitle = c.PersonName, string(c.Role), string(c.ActivityType), c.TalkTitle
	r.EventTitle, r.EventDate, r.GroupName, r.EventURL = c.EventTitle, c.EventDate, c.GroupName, c.EventURL
	r.Registered, r.AttendedInPerson, r.AttendedOnline = c.Counts.Registered, c.Counts.AttendedInPerson, c.Counts.AttendedOnline
	r.AttendedHow = string(c.AttendedHow)
}

// EventURL is an event's public address, as records state it.
func EventURL(baseURL, slug string) string {
	return strings.TrimRight(baseURL, "/") + "/e/" + url.PathEscape(slug)
}

// statsRow is one event's attendance numbers, counted from its RSVPs.
type statsRow struct {
	Registered       int `gorm:"column:registered"`
	Attended         int `gorm:"column:attended"`
	AttendedInPerson int `gorm:"column:attended_in_person"`
	AttendedOnline   int `gorm:"column:attended_online"`
	WalkIns          int `gorm:"column:walk_ins"`
	NoShows          int `gorm:"column:no_shows"`
	WaitlistJoined   int `gorm:"column:waitlist_joined"`
	WaitlistPromoted int `gorm:"column:waitlist_promoted"`
}

// statsSQL counts attendance over the RSVPs that the caller's WHERE keeps
// (alias r). Registered are the places held at the end by RSVPs made
// before the door: going, walk-ins excluded. Attended is every recorded
// attendance, walk-ins included; online is the join link, and a self
// check-in at an event without a venue (the code was shown in the online
// session); everything else is in person. No-shows are registered people without an attendance.
// Waitlist conversion looks at who ever waited and who is going now.
const statsSQL = `SELECT
	COALESCE(SUM(CASE WHEN r.status = 'going' AND NOT r.walk_in THEN 1 ELSE 0 END), 0) AS registered,
	COALESCE(SUM(CASE WHEN r.attended_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS attended,
	COALESCE(SUM(CASE WHEN r.attended_at IS NOT NULL AND NOT ` + onlineSQL + ` THEN 1 ELSE 0 END), 0) AS attended_in_person,
	COALESCE(SUM(CASE WHEN r.attended_at IS NOT NULL AND ` + onlineSQL + ` THEN 1 ELSE 0 END), 0) AS attended_online,
	COALESCE(SUM(CASE WHEN r.walk_in AND r.attended_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS walk_ins,
	COALESCE(SUM(CASE WHEN r.status = 'going' AND NOT r.walk_in AND r.attended_at IS NULL THEN 1 ELSE 0 END), 0) AS no_shows,
	COALESCE(SUM(CASE WHEN r.was_waitlisted THEN 1 ELSE 0 END), 0) AS waitlist_joined,
	COALESCE(SUM(CASE WHEN r.was_waitlisted AND r.status = 'going' THEN 1 ELSE 0 END), 0) AS waitlist_promoted
	FROM rsvps r JOIN events sev ON sev.id = r.event_id `

// onlineSQL tells an online attendance of RSVP r at event sev.
const onlineSQL = `(r.attended_how = 'online' OR (r.attended_how = 'self' AND sev.venue_name IS NULL))`

func (r statsRow) toDomain() domain.EventStats {
	s := domain.EventStats{Registered: r.Registered, Attended: r.Attended, AttendedInPerson: r.AttendedInPerson,
		AttendedOnline: r.AttendedOnline, WalkIns: r.WalkIns, NoShows: r.NoShows,
		WaitlistJoined: r.WaitlistJoined, WaitlistPromoted: r.WaitlistPromoted}
	s.Rates()
	return s
}

func (db *DB) eventStats(tx *gorm.DB, ev eventRow) (domain.EventStats, error) {
	var row statsRow
	if err := tx.Raw(statsSQL+`WHERE r.event_id = ?`, ev.ID).Scan(&row).Error; err != nil {
		return domain.EventStats{}, err
	}
	s := row.toDomain()
	// Attendees who came to an earlier event of the group too, by address.
	var repeat int
	if err := tx.Raw(`SELECT count(DISTINCT r.email_norm) FROM rsvps r
		WHERE r.event_id = ? AND r.attended_at IS NOT NULL AND r.erased_at IS NULL AND EXISTS (
			SELECT 1 FROM rsvps o JOIN events e ON e.id = o.event_id
			WHERE o.email_norm = r.email_norm AND o.attended_at IS NOT NULL AND e.group_id = ? AND e.id <> ? AND e.starts_at < ?)`,
		ev.ID, ev.GroupID, ev.ID, ev.StartsAt).Scan(&repeat).Error; err != nil {
		return domain.EventStats{}, err
	}
	s.RepeatAttendees = repeat
	return s, nil
}

// EventStats returns the attendance numbers of an event of a group the
// organiser belongs to (ENOTFOUND otherwise), counted now.
func (db *DB) EventStats(ctx context.Context, organiserID, eventID string) (domain.EventStats, error) {
	var s domain.EventStats
	err := db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.memberEvent(tx, organiserID, eventID, false)
		if err != nil {
			return err
		}
		s, err = db.eventStats(tx, ev)
		return err
	})
	return s, err
}

// GroupStats returns the attendance numbers of a group the organiser
// belongs to (ENOTFOUND otherwise), summed over its published events that
// have ended, and how many those are. Repeat attendees are the people (by
// address) who came to more than one of them.
func (db *DB) GroupStats(ctx context.Context, organiserID, groupID string) (domain.EventStats, int, error) {
	var (
		s      domain.EventStats
		events int
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.role(tx, groupID, organiserID, false); err != nil {
			return err
		}
		now := db.now()
		ended := `SELECT e.id FROM events e WHERE e.group_id = ? AND e.status = 'published' AND e.ends_at <= ?`
		if err := tx.Raw(`SELECT count(*) FROM (`+ended+`) t`, groupID, now).Scan(&events).Error; err != nil {
			return err
		}
		var row statsRow
		if err := tx.Raw(statsSQL+`WHERE r.event_id IN (`+ended+`)`, groupID, now).Scan(&row).Error; err != nil {
			return err
		}
		s = row.toDomain()
		return tx.Raw(`SELECT count(*) FROM (SELECT r.email_norm FROM rsvps r
			WHERE r.event_id IN (`+ended+`) AND r.attended_at IS NOT NULL AND r.erased_at IS NULL
			GROUP BY r.email_norm HAVING count(DISTINCT r.event_id) > 1) t`, groupID, now).Scan(&s.RepeatAttendees).Error
	})
	return s, events, err
}

// wanted is a record as derivation would write it now, with who it is for.
type wanted struct {
	key         string
	organiserID *string
	rsvpID      *string
	emailNorm   string
	c           domain.Contribution
}

type attendeeRow struct {
	ID          string     `gorm:"column:id"`
	Name        string     `gorm:"column:name"`
	EmailNorm   string     `gorm:"column:email_norm"`
	AttendedHow string     `gorm:"column:attended_how"`
	ErasedAt    *time.Time `gorm:"column:erased_at"`
}

// DeriveContributions brings the contribution records of an event that is
// over up to date, signed with the server's key, and returns how many it
// created, changed or withdrew. A published event has one record per
// host (the group's owners when none were set), speaker, volunteer and
// person who came, each stating the event's numbers; a cancelled event has
// none. A record whose facts still hold is left as it is, signature and
// all. One whose facts changed (the numbers were corrected, the event was
// renamed, the person renamed) is updated in place: its revision rises,
// previous keeps the numbers the revision before stated, verified_at is
// now and it is signed again. Records of people who no longer have their
// role are withdrawn, not deleted; those of attendees who erased their
// data also lose the name. baseURL makes the event's address, which is
// signed. Errors: ENOTFOUND for unknown and draft events, ECONFLICT
// (event_not_over) before the event ends.
func (db *DB) DeriveContributions(ctx context.Context, eventID, baseURL string) (int, error) {
	// The key is read before the transaction: on SQLite the one connection
	// is the transaction's until it ends.
	key, err := db.SigningKey(ctx)
	if err != nil {
		return 0, err
	}
	pub := key.Public()
	changed := 0
	err = db.tx(ctx, func(tx *gorm.DB) error {
		var ev eventRow
		res := tx.Raw(`SELECT * FROM events WHERE id = ?`+db.forUpdate(), eventID).Scan(&ev)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 || ev.Status == string(domain.EventDraft) {
			return errEventNotFound
		}
		now := db.now()
		if now.Before(ev.EndsAt) {
			return domain.Conflict(domain.ReasonEventNotOver, "Contribution records are made once the event is over.")
		}
		var g groupRow
		if err := tx.Where("id = ?", ev.GroupID).Take(&g).Error; err != nil {
			return err
		}
		var (
			want   []wanted
			erased = map[string]bool{}
		)
		if ev.Status == string(domain.EventPublished) {
			var err error
			if want, err = db.wantedContributions(tx, ev, g, baseURL, erased); err != nil {
				return err
			}
		}
		var rows []contributionRow
		if err := tx.Where("event_id = ?", ev.ID).Order("id").Find(&rows).Error; err != nil {
			return err
		}
		existing := make(map[string]*contributionRow, len(rows))
		for i := range rows {
			existing[rows[i].Role+"\x00"+rows[i].PersonKey] = &rows[i]
		}
		verifiedAt := now.Truncate(time.Second)
		sign := func(c *domain.Contribution) {
			_, c.Signature = key.SignContribution(*c)
		}
		var (
			seen    = map[string]bool{}
			created []contributionRow
		)
		for _, w := range want {
			k := string(w.c.Role) + "\x00" + w.key
			if seen[k] {
				continue // one record per person and role
			}
			seen[k] = true
			old, ok := existing[k]
			if !ok {
				c := w.c
				// The id is the record's public address: not guessable
				// from another record's.
				c.ID, c.Revision, c.VerifiedAt = domain.NewUnguessableID(), 1, verifiedAt
				sign(&c)
				row := contributionRow{ID: c.ID, EventID: ev.ID, GroupID: ev.GroupID, PersonKey: w.key, OrganiserID: w.organiserID,
					RSVPID: w.rsvpID, EmailNorm: w.emailNorm, EventStartsAt: utc(ev.StartsAt), Revision: 1,
					VerifiedAt: verifiedAt, CreatedAt: now, Signature: c.Signature}
				row.setFacts(c)
				created = append(created, row)
				continue
			}
			cur := old.toDomain()
			same := domain.SameFacts(cur, w.c)
			valid := same && domain.VerifyContribution(pub, cur)
			if same && valid && old.WithdrawnAt == nil && old.EmailNorm == w.emailNorm && old.EventStartsAt.Equal(ev.StartsAt) {
				continue
			}
			upd := map[string]any{"withdrawn_at": nil, "email_norm": w.emailNorm, "organiser_id": w.organiserID,
				"rsvp_id": w.rsvpID, "event_starts_at": utc(ev.StartsAt)}
			if !same || !valid {
				c := w.c
				c.ID, c.Revision, c.VerifiedAt = old.ID, old.Revision, verifiedAt
				if !same {
					// The statement changed: a new revision, showing what
					// the one before said.
					c.Revision = old.Revision + 1
					prev, _ := json.Marshal(cur.Counts)
					upd["previous"] = string(prev)
				}
				sign(&c)
				var row contributionRow
				row.setFacts(c)
				upd["person_name"], upd["activity_type"], upd["talk_title"] = row.PersonName, row.ActivityType, row.TalkTitle
				upd["event_title"], upd["event_date"], upd["group_name"], upd["event_url"] = row.EventTitle, row.EventDate, row.GroupName, row.EventURL
				upd["registered"], upd["attended_in_person"], upd["attended_online"] = row.Registered, row.AttendedInPerson, row.AttendedOnline
				upd["attended_how"], upd["revision"], upd["verified_at"], upd["signature"] = row.AttendedHow, c.Revision, verifiedAt, c.Signature
			}
			if err := tx.Model(&contributionRow{}).Where("id = ?", old.ID).Updates(upd).Error; err != nil {
				return err
			}
			changed++
		}
		if len(created) > 0 {
			if err := tx.CreateInBatches(&created, 200).Error; err != nil {
				return err
			}
			changed += len(created)
		}
		for k, old := range existing {
			if seen[k] {
				continue
			}
			blank := old.RSVPID != nil && erased[*old.RSVPID] && (old.PersonName != "" || old.EmailNorm != "")
			if old.WithdrawnAt != nil && !blank {
				continue
			}
			upd := map[string]any{"withdrawn_at": now}
			if old.WithdrawnAt != nil {
				upd["withdrawn_at"] = old.WithdrawnAt
			}
			if blank {
				upd["person_name"], upd["email_norm"] = "", ""
			}
			if err := tx.Model(&contributionRow{}).Where("id = ?", old.ID).Updates(upd).Error; err != nil {
				return err
			}
			changed++
		}
		return tx.Exec(`UPDATE events SET contributions_at = ? WHERE id = ?`, now, ev.ID).Error
	})
	return changed, err
}

// wantedContributions lists the records a published event that is over
// should have now. erased collects the RSVPs whose people erased their
// data: they have no record.
func (db *DB) wantedContributions(tx *gorm.DB, ev eventRow, g groupRow, baseURL string, erased map[string]bool) ([]wanted, error) {
	stats, err := db.eventStats(tx, ev)
	if err != nil {
		return nil, err
	}
	e := ev.toDomain()
	base := domain.Contribution{EventID: ev.ID, GroupID: ev.GroupID, EventTitle: ev.Title, EventDate: domain.EventDate(e),
		EventStarts: e.StartsAt, GroupName: g.Name, EventURL: EventURL(baseURL, ev.Slug), Counts: domain.CountsFor(stats)}
	record := func(role domain.PersonRole, name string) domain.Contribution {
		c := base
		c.Role, c.PersonName, c.ActivityType = role, name, domain.ActivityFor(role, e.Kind)
		return c
	}
	var out []wanted

	var people []eventPersonRow
	if err := tx.Raw(`SELECT p.id, p.event_id, p.role, p.organiser_id,
			CASE WHEN o.id IS NULL THEN p.name ELSE o.name END AS name,
			p.email,
			CASE WHEN o.id IS NULL THEN p.email_norm ELSE o.email_norm END AS email_norm,
			p.talk_title, p.position
		FROM event_people p LEFT JOIN organisers o ON o.id = p.organiser_id
		WHERE p.event_id = ? ORDER BY p.role, p.position, p.id`, ev.ID).Scan(&people).Error; err != nil {
		return nil, err
	}
	hosts := 0
	for _, p := range people {
		if domain.PersonRole(p.Role) == domain.RoleHost {
			hosts++
		}
	}
	if hosts == 0 {
		owners, err := db.groupOwners(tx, ev.GroupID)
		if err != nil {
			return nil, err
		}
		for _, o := range owners {
			out = append(out, wanted{key: "organiser:" + *o.OrganiserID, organiserID: o.OrganiserID, emailNorm: o.EmailNorm,
				c: record(domain.RoleHost, o.Name)})
		}
	}
	for _, p := range people {
		role := domain.PersonRole(p.Role)
		w := wanted{emailNorm: p.EmailNorm, c: record(role, p.Name)}
		switch {
		case role == domain.RoleHost && p.OrganiserID != nil:
			w.key, w.organiserID = "organiser:"+*p.OrganiserID, p.OrganiserID
		case role == domain.RoleHost: // the organiser was deleted: keep what was known
			w.key = "host:" + p.ID
		default:
			w.key = domain.PersonInput{Name: p.Name, Email: p.EmailNorm}.Key()
			if role == domain.RoleSpeaker {
				w.c.TalkTitle = p.TalkTitle
			}
		}
		out = append(out, w)
	}

	var attendees []attendeeRow
	if err := tx.Raw(`SELECT r.id, r.name, r.email_norm, r.attended_how, r.erased_at FROM rsvps r
		WHERE r.event_id = ? AND r.attended_at IS NOT NULL ORDER BY r.id`, ev.ID).Scan(&attendees).Error; err != nil {
		return nil, err
	}
	for _, a := range attendees {
		if a.ErasedAt != nil {
			erased[a.ID] = true
			continue
		}
		id := a.ID
		w := wanted{key: "rsvp:" + a.ID, rsvpID: &id, emailNorm: a.EmailNorm, c: record(domain.RoleAttendee, a.Name)}
		w.c.AttendedHow = domain.AttendanceMethod(a.AttendedHow)
		out = append(out, w)
	}
	return out, nil
}

// EventsToDerive returns up to limit events whose contribution records are
// due: published or cancelled events that ended within
// domain.ContributionsWindow and were never derived or whose details
// changed since, and — however long ago they ended — events whose
// attendance or people an organiser corrected since (a sign-in sheet
// uploaded late must not leave the records stale).
func (db *DB) EventsToDerive(ctx context.Context, limit int) ([]string, error) {
	now := db.now()
	var ids []string
	err := db.read(ctx, func(q *gorm.DB) error {
		return q.Raw(`SELECT id FROM events WHERE status <> 'draft' AND ends_at <= ?
			AND ((ends_at > ? AND (contributions_at IS NULL OR contributions_at < updated_at))
				OR contributions_at < attendance_changed_at)
			ORDER BY ends_at, id LIMIT ?`, now, now.Add(-domain.ContributionsWindow), limit).Scan(&ids).Error
	})
	return ids, err
}

// FindContribution returns a record by id, withdrawn ones included (the
// caller says they are gone). ENOTFOUND when there is none.
func (db *DB) FindContribution(ctx context.Context, id string) (domain.Contribution, error) {
	var rows []contributionRow
	err := db.read(ctx, func(q *gorm.DB) error { return q.Where("id = ?", id).Limit(1).Find(&rows).Error })
	if err != nil {
		return domain.Contribution{}, err
	}
	if len(rows) == 0 {
		return domain.Contribution{}, errContributionNotFound
	}
	return rows[0].toDomain(), nil
}

// contributionScope is the WHERE clause (alias c) of one export.
type contributionScope struct {
	where string
	args  []any
	// ownAttendance: the totals count the caller's own attendance, not the
	// attendees of the events the records are about.
	ownAttendance bool
}

func (s contributionScope) with(f domain.ContributionFilter) contributionScope {
	if f.Role != "" {
		s.where += ` AND c.role = ?`
		s.args = append(s.args, string(f.Role))
	}
	if f.Person != "" {
		s.where += ` AND EXISTS (SELECT 1 FROM contributions p WHERE p.id = ? AND p.group_id = c.group_id
			AND (p.id = c.id OR (p.email_norm <> '' AND p.email_norm = c.email_norm) OR p.organiser_id = c.organiser_id))`
		s.args = append(s.args, f.Person)
	}
	if f.From != nil {
		s.where += ` AND c.event_starts_at >= ?`
		s.args = append(s.args, utc(*f.From))
	}
	if f.To != nil {
		s.where += ` AND c.event_starts_at < ?`
		s.args = append(s.args, utc(*f.To))
	}
	return s
}

var errBadCursor = &domain.Error{Code: domain.EINVALID, Reason: domain.ReasonValidationFailed, Message: "cursor: is not a cursor this API returned",
	Fields: []domain.FieldError{{Field: "cursor", Message: "is not a cursor this API returned"}}}

// listContributions returns one page of the scope's records by event start
// and id, and the totals of the whole scope.
func (db *DB) listContributions(tx *gorm.DB, s contributionScope, opts domain.ListOptions) (domain.Page[domain.Contribution], domain.ContributionTotals, error) {
	key, after, err := decodeCursor(opts.Cursor)
	if err != nil {
		return domain.Page[domain.Contribution]{}, domain.ContributionTotals{}, err
	}
	limit := pageSize(opts)
	where, args := s.where, append([]any{}, s.args...)
	if after != "" {
		t, err := time.Parse(time.RFC3339Nano, key)
		if err != nil {
			return domain.Page[domain.Contribution]{}, domain.ContributionTotals{}, errBadCursor
		}
		where += ` AND (c.event_starts_at > ? OR (c.event_starts_at = ? AND c.id > ?))`
		args = append(args, t, t, after)
	}
	var rows []contributionRow
	if err := tx.Raw(`SELECT c.* FROM contributions c WHERE `+where+` ORDER BY c.event_starts_at, c.id LIMIT ?`,
		append(args, limit+1)...).Scan(&rows).Error; err != nil {
		return domain.Page[domain.Contribution]{}, domain.ContributionTotals{}, err
	}
	page := paginate(rows, limit, contributionRow.toDomain, func(r contributionRow) string {
		return encodeCursor(r.EventStartsAt.UTC().Format(time.RFC3339Nano), r.ID)
	})
	totals, err := db.contributionTotals(tx, s)
	return page, totals, err
}

// contributionTotals sums up the scope's live records: how many events
// they are about and those events' people in person and online, and the
// people who came to them (by address) — once, or to more than one.
func (db *DB) contributionTotals(tx *gorm.DB, s contributionScope) (domain.ContributionTotals, error) {
	var t domain.ContributionTotals
	live := s.where + ` AND c.withdrawn_at IS NULL`
	if err := tx.Raw(`SELECT count(*) AS events, COALESCE(SUM(ip), 0) AS attended_in_person, COALESCE(SUM(ol), 0) AS attended_online
		FROM (SELECT c.event_id, MAX(c.attended_in_person) AS ip, MAX(c.attended_online) AS ol
			FROM contributions c WHERE `+live+` GROUP BY c.event_id) t`, s.args...).Scan(&t).Error; err != nil {
		return t, err
	}
	in := `a.event_id IN (SELECT c.event_id FROM contributions c WHERE ` + live + `)`
	if s.ownAttendance {
		in = `a.id IN (SELECT c.id FROM contributions c WHERE ` + live + `)`
	}
	var p struct {
		Unique int `gorm:"column:unique_attendees"`
		Repeat int `gorm:"column:repeat_attendees"`
	}
	if err := tx.Raw(`SELECT count(*) AS unique_attendees, COALESCE(SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END), 0) AS repeat_attendees
		FROM (SELECT a.email_norm, count(DISTINCT a.event_id) AS n FROM contributions a
			WHERE a.role = 'attendee' AND a.withdrawn_at IS NULL AND `+in+` GROUP BY a.email_norm) t`, s.args...).Scan(&p).Error; err != nil {
		return t, err
	}
	t.UniqueAttendees, t.RepeatAttendees = p.Unique, p.Repeat
	return t, nil
}

// GroupContributions lists the records of a group's events, withdrawn
// ones included, for any member of the group (ENOTFOUND otherwise), with
// the totals of every record the filter selects.
func (db *DB) GroupContributions(ctx context.Context, organiserID, groupID string, f domain.ContributionFilter) (domain.Page[domain.Contribution], domain.ContributionTotals, error) {
	var (
		page   domain.Page[domain.Contribution]
		totals domain.ContributionTotals
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.role(tx, groupID, organiserID, false); err != nil {
			return err
		}
		var err error
		page, totals, err = db.listContributions(tx, contributionScope{where: `c.group_id = ?`, args: []any{groupID}}.with(f), f.ListOptions)
		return err
	})
	return page, totals, err
}

// MyContributions lists the organiser's own live records across every
// group: hosting (by organiser) and speaking and volunteering (by the
// organiser's address), with their totals.
func (db *DB) MyContributions(ctx context.Context, organiserID string, f domain.ContributionFilter) (domain.Page[domain.Contribution], domain.ContributionTotals, error) {
	var (
		page   domain.Page[domain.Contribution]
		totals domain.ContributionTotals
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var o organiserRow
		if err := tx.Where("id = ?", organiserID).Take(&o).Error; err != nil {
			return err
		}
		s := contributionScope{where: `c.withdrawn_at IS NULL AND c.role <> 'attendee' AND (c.organiser_id = ?
			OR (c.role IN ('speaker', 'volunteer') AND c.email_norm = ? AND c.email_norm <> ''))`, args: []any{organiserID, o.EmailNorm}}
		var err error
		page, totals, err = db.listContributions(tx, s.with(f), f.ListOptions)
		return err
	})
	return page, totals, err
}

// AttendeeContributions lists the live attendance records of the holder of
// a manage token. A token that was e-mailed proves the mailbox, so it
// reaches every event, across the service, that the address came to; the
// token handed back by the RSVP call proves nothing about the address, so
// it reaches its own RSVP's record only (as PersonalEvents). It returns
// the RSVP too: the caller answers 410 for one whose data was erased.
func (db *DB) AttendeeContributions(ctx context.Context, rawToken string, opts domain.ListOptions) (domain.RSVPView, domain.Page[domain.Contribution], domain.ContributionTotals, error) {
	var (
		self   domain.RSVPView
		page   domain.Page[domain.Contribution]
		totals domain.ContributionTotals
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		var emailed bool
		if self, emailed, err = db.rsvpByLink(tx, rawToken, linkManage, false); err != nil {
			return err
		}
		if self.RSVP.ErasedAt != nil {
			return nil
		}
		s := contributionScope{where: `c.withdrawn_at IS NULL AND c.role = 'attendee' AND c.event_id = ? AND c.rsvp_id = ?`,
			args: []any{self.Event.ID, self.RSVP.ID}, ownAttendance: true}
		if emailed {
			s.where, s.args = `c.withdrawn_at IS NULL AND c.role = 'attendee' AND c.email_norm = ?`, []any{domain.NormalizeEmail(self.RSVP.Email)}
		}
		page, totals, err = db.listContributions(tx, s, opts)
		return err
	})
	return self, page, totals, err
}
