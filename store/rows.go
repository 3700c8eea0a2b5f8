package store

import (
	"encoding/json"
	"time"

	"github.com/convene/convene/domain"
)

// Row structs mirror tables; domain types stay free of ORM tags.

type organiserRow struct {
	ID        string    `gorm:"column:id;primaryKey"`
	Email     string    `gorm:"column:email"`
	EmailNorm string    `gorm:"column:email_norm"`
	Name      string    `gorm:"column:name"`
	CreatedAt time.Time `gorm:"column:created_at"`
}

func (organiserRow) TableName() string { return "organisers" }

func (r organiserRow) toDomain() domain.Organiser {
	return domain.Organiser{ID: r.ID, Email: r.Email, Name: r.Name, CreatedAt: r.CreatedAt.UTC()}
}

type tokenRow struct {
	ID          string     `gorm:"column:id;primaryKey"`
	OrganiserID string     `gorm:"column:organiser_id"`
	Name        string     `gorm:"column:name"`
	TokenHash   string     `gorm:"column:token_hash"`
	CreatedAt   time.Time  `gorm:"column:created_at"`
	ExpiresAt   *time.Time `gorm:"column:expires_at"`
	LastUsedAt  *time.Time `gorm:"column:last_used_at"`
	RevokedAt   *time.Time `gorm:"column:revoked_at"`
}

func (tokenRow) TableName() string { return "api_tokens" }

func (r tokenRow) toDomain() domain.APIToken {
	return domain.APIToken{ID: r.ID, OrganiserID: r.OrganiserID, Name: r.Name, CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: utcPtr(r.ExpiresAt), LastUsedAt: utcPtr(r.LastUsedAt)}
}

type groupRow struct {
	ID           string    `gorm:"column:id;primaryKey"`
	Slug         string    `gorm:"column:slug"`
	Name         string    `gorm:"column:name"`
	Description  string    `gorm:"column:description"`
	TimeZone     string    `gorm:"column:time_zone"`
	ContactEmail string    `gorm:"column:contact_email"`
	Locale       string    `gorm:"column:locale"`
	CreatedAt    time.Time `gorm:"column:created_at"`
	UpdatedAt    time.Time `gorm:"column:updated_at"`
}

func (groupRow) TableName() string { return "groups" }

func (r groupRow) toDomain() domain.Group {
	return domain.Group{ID: r.ID, Slug: r.Slug, Name: r.Name, Description: r.Description, TimeZone: r.TimeZone,
		ContactEmail: r.ContactEmail, Locale: r.Locale, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func groupFromDomain(g domain.Group) groupRow {
	return groupRow{ID: g.ID, Slug: g.Slug, Name: g.Name, Description: g.Description, TimeZone: g.TimeZone,
		ContactEmail: g.ContactEmail, Locale: g.Locale, CreatedAt: utc(g.CreatedAt), UpdatedAt: utc(g.UpdatedAt)}
}

type memberRow struct {
	GroupID     string    `gorm:"column:group_id;primaryKey"`
	OrganiserID string    `gorm:"column:organiser_id;primaryKey"`
	Role        string    `gorm:"column:role"`
	CreatedAt   time.Time `gorm:"column:created_at"`
}

func (memberRow) TableName() string { return "group_members" }

type eventRow struct {
	ID            string     `gorm:"column:id;primaryKey"`
	GroupID       string     `gorm:"column:group_id"`
	Slug          string     `gorm:"column:slug"`
	Title         string     `gorm:"column:title"`
	Description   string     `gorm:"column:description"`
	Kind          string     `gorm:"column:kind"`
	Status        string     `gorm:"column:status"`
	StartsAt      time.Time  `gorm:"column:starts_at"`
	EndsAt        time.Time  `gorm:"column:ends_at"`
	TimeZone      string     `gorm:"column:time_zone"`
	Locale        string     `gorm:"column:locale"`
	VenueName     *string    `gorm:"column:venue_name"`
	VenueAddress  *string    `gorm:"column:venue_address"`
	OnlineURL     string     `gorm:"column:online_url"`
	RecordingURL  string     `gorm:"column:recording_url"`
	Capacity      *int       `gorm:"column:capacity"`
	Waitlist      bool       `gorm:"column:waitlist"`
	RSVPOpensAt   *time.Time `gorm:"column:rsvp_opens_at"`
	RSVPClosesAt  *time.Time `gorm:"column:rsvp_closes_at"`
	Confirmation  string     `gorm:"column:rsvp_confirmation"`
	RoomCode      string     `gorm:"column:self_checkin_code"`
	CheckinOpens  *time.Time `gorm:"column:checkin_opens_at"`
	CheckinCloses *time.Time `gorm:"column:checkin_closes_at"`
	CancelReason  string     `gorm:"column:cancel_reason"`
	GoingCount    int        `gorm:"column:going_count"`
	WaitlistCount int        `gorm:"column:waitlist_count"`
	WaitlistSeq   int64      `gorm:"column:waitlist_seq"`
	// Sequence is the iCalendar SEQUENCE; NotifiedSnapshot (JSON) is what
	// attendees were last told; UpdatePending says an update is scheduled.
	Sequence         int    `gorm:"column:sequence"`
	NotifiedSnapshot string `gorm:"column:notified_snapshot"`
	UpdatePending    bool   `gorm:"column:update_pending"`
	// ThankedAt is when the event's attendees were last thanked.
	ThankedAt *time.Time `gorm:"column:thanked_at"`
	// Reminders is a JSON list of ISO 8601 durations ("PT24H").
	Reminders   string     `gorm:"column:reminders"`
	Reconfirm   bool       `gorm:"column:reconfirm"`
	CreatedAt   time.Time  `gorm:"column:created_at"`
	UpdatedAt   time.Time  `gorm:"column:updated_at"`
	PublishedAt *time.Time `gorm:"column:published_at"`
	CancelledAt *time.Time `gorm:"column:cancelled_at"`
	// SeriesID, OccurrenceStart and Detached tie an occurrence to its
	// series; only the series code sets them.
	SeriesID        *string    `gorm:"column:series_id"`
	OccurrenceStart *time.Time `gorm:"column:occurrence_start"`
	Detached        bool       `gorm:"column:detached"`
	// DraftSlug is a draft's wished slug (Slug is unlistedSlug until it is
	// published); SlugAuto says it was made from the title, not chosen.
	DraftSlug *string `gorm:"column:draft_slug"`
	SlugAuto  bool    `gorm:"column:slug_auto"`
}

func (eventRow) TableName() string { return "events" }

// slug is the event's slug as organisers see it: a draft's wish, else its
// public slug.
func (r eventRow) slug() string {
	if r.Status == string(domain.EventDraft) && r.DraftSlug != nil {
		return *r.DraftSlug
	}
	return r.Slug
}

func (r eventRow) toDomain() domain.Event {
	e := domain.Event{
		ID: r.ID, GroupID: r.GroupID, Slug: r.slug(), Title: r.Title, Description: r.Description,
		Kind: domain.EventKind(r.Kind), Status: domain.EventStatus(r.Status),
		StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(), TimeZone: r.TimeZone, Locale: r.Locale,
		OnlineURL: r.OnlineURL, RecordingURL: r.RecordingURL, Capacity: r.Capacity, Waitlist: r.Waitlist,
		RSVPOpensAt: utcPtr(r.RSVPOpensAt), RSVPClosesAt: utcPtr(r.RSVPClosesAt), CancelReason: r.CancelReason,
		GoingCount: r.GoingCount, WaitlistCount: r.WaitlistCount, Sequence: r.Sequence,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), RSVPConfirmation: domain.RSVPConfirmation(r.Confirmation),
		SelfCheckinCode: r.RoomCode, CheckinOpensAt: utcPtr(r.CheckinOpens), CheckinClosesAt: utcPtr(r.CheckinCloses),
		PublishedAt: utcPtr(r.PublishedAt), CancelledAt: utcPtr(r.CancelledAt),
		OccurrenceStart: utcPtr(r.OccurrenceStart), Detached: r.Detached,
		Reminders: decodeReminders(r.Reminders), Reconfirm: r.Reconfirm,
	}
	if r.SeriesID != nil {
		e.SeriesID = *r.SeriesID
	}
	if r.VenueName != nil {
		e.Venue = &domain.Venue{Name: *r.VenueName}
		if r.VenueAddress != nil {
			e.Venue.Address = *r.VenueAddress
		}
	}
	return e
}

// fromDomain copies the organiser-editable fields and the status of e into
// r, keeping r's counters (which only the store changes). A draft's slug
// is its wish (DraftSlug); SlugAuto is the caller's to set.
func (r *eventRow) fromDomain(e domain.Event) {
	r.ID, r.GroupID, r.Slug, r.Title, r.Description = e.ID, e.GroupID, e.Slug, e.Title, e.Description
	r.DraftSlug = nil
	if e.Status == domain.EventDraft {
		slug := e.Slug
		r.Slug, r.DraftSlug = unlistedSlug(e.ID), &slug
	}
	r.Kind, r.Status = string(e.Kind), string(e.Status)
	r.StartsAt, r.EndsAt, r.TimeZone, r.Locale = utc(e.StartsAt), utc(e.EndsAt), e.TimeZone, e.Locale
	r.VenueName, r.VenueAddress = nil, nil
	if e.Venue != nil {
		name, addr := e.Venue.Name, e.Venue.Address
		r.VenueName, r.VenueAddress = &name, &addr
	}
	r.OnlineURL, r.Capacity, r.Waitlist = e.OnlineURL, e.Capacity, e.Waitlist
	r.RecordingURL = e.RecordingURL
	r.RSVPOpensAt, r.RSVPClosesAt, r.CancelReason = utcPtr(e.RSVPOpensAt), utcPtr(e.RSVPClosesAt), e.CancelReason
	r.Confirmation = string(e.RSVPConfirmation)
	r.RoomCode, r.CheckinOpens, r.CheckinCloses = e.SelfCheckinCode, utcPtr(e.CheckinOpensAt), utcPtr(e.CheckinClosesAt)
	r.CreatedAt, r.UpdatedAt = utc(e.CreatedAt), utc(e.UpdatedAt)
	r.PublishedAt, r.CancelledAt = utcPtr(e.PublishedAt), utcPtr(e.CancelledAt)
	r.Reminders, r.Reconfirm = encodeReminders(e.Reminders), e.Reconfirm
}

// encodeReminders writes reminders as the JSON list of ISO 8601 durations
// the reminders column holds.
func encodeReminders(ds []time.Duration) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = domain.FormatISODuration(d)
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// decodeReminders reads the reminders column; what cannot be read is no
// reminder.
func decodeReminders(s string) []time.Duration {
	var list []string
	_ = json.Unmarshal([]byte(s), &list)
	ds := make([]time.Duration, 0, len(list))
	for _, v := range list {
		if d, err := domain.ParseISODuration(v); err == nil {
			ds = append(ds, d)
		}
	}
	return ds
}

type rsvpRow struct {
	ID              string `gorm:"column:id;primaryKey"`
	EventID         string `gorm:"column:event_id"`
	Name            string `gorm:"column:name"`
	Email           string `gorm:"column:email"`
	EmailNorm       string `gorm:"column:email_norm"`
	Locale          string `gorm:"column:locale"`
	Status          string `gorm:"column:status"`
	WaitlistSeq     *int64 `gorm:"column:waitlist_seq"`
	ManageTokenHash string `gorm:"column:manage_token_hash"`
	// FeedTokenHash and JoinTokenHash go with ManageTokenHash (see
	// domain.HashLinks); nil until the manage token is first used.
	FeedTokenHash  *string    `gorm:"column:feed_token_hash"`
	JoinTokenHash  *string    `gorm:"column:join_token_hash"`
	CreatedAt      time.Time  `gorm:"column:created_at"`
	UpdatedAt      time.Time  `gorm:"column:updated_at"`
	CancelledAt    *time.Time `gorm:"column:cancelled_at"`
	ErasedAt       *time.Time `gorm:"column:erased_at"`
	CheckinCode    *string    `gorm:"column:checkin_code"`
	AttendedAt     *time.Time `gorm:"column:attended_at"`
	AttendedHow    *string    `gorm:"column:attended_how"`
	WalkIn         bool       `gorm:"column:walk_in"`
	WasWaitlisted  bool       `gorm:"column:was_waitlisted"`
	FollowerID     *string    `gorm:"column:follower_id"`
	ReconfirmAsked *time.Time `gorm:"column:reconfirm_asked_at"`
	Reconfirmed    *time.Time `gorm:"column:reconfirmed_at"`
	// ReplyTokenHash is the hash of the RSVP's reply token (domain.ReplyToken),
	// nil until its first e-mail is prepared; the Reply columns are its
	// calendar's last answer.
	ReplyTokenHash *string    `gorm:"column:reply_token_hash"`
	Reply          *string    `gorm:"column:calendar_reply"`
	ReplyClient    *string    `gorm:"column:calendar_reply_client"`
	ReplyVia       *string    `gorm:"column:calendar_reply_via"`
	ReplySequence  *int       `gorm:"column:calendar_reply_sequence"`
	ReplyStamp     *time.Time `gorm:"column:calendar_reply_stamp"`
	ReplyAt        *time.Time `gorm:"column:calendar_reply_at"`
	// Position is computed by queries that select it; it is not a column.
	Position int `gorm:"column:waitlist_position;->"`
	// ViaEmail and LinksMissing are computed by rsvpByLink: whether the
	// token it was found by was minted for an e-mail, and whether that
	// token's feed and join hashes are still to be stored.
	ViaEmail     bool `gorm:"column:via_email;->"`
	LinksMissing bool `gorm:"column:links_missing;->"`
}

func (rsvpRow) TableName() string { return "rsvps" }

func (r rsvpRow) toDomain() domain.RSVP {
	d := domain.RSVP{ID: r.ID, EventID: r.EventID, Name: r.Name, Email: r.Email, Locale: r.Locale, Status: domain.RSVPStatus(r.Status),
		WaitlistPosition: r.Position, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), CancelledAt: utcPtr(r.CancelledAt),
		ErasedAt: utcPtr(r.ErasedAt), AttendedAt: utcPtr(r.AttendedAt), WalkIn: r.WalkIn, WasWaitlisted: r.WasWaitlisted,
		ReconfirmAskedAt: utcPtr(r.ReconfirmAsked), ReconfirmedAt: utcPtr(r.Reconfirmed)}
	if r.CheckinCode != nil {
		d.CheckinCode = *r.CheckinCode
	}
	if r.Reply != nil && r.ReplyAt != nil {
		d.LastReply = &domain.LastReply{Status: domain.ReplyStatus(*r.Reply), ReceivedAt: r.ReplyAt.UTC()}
		if r.ReplyClient != nil {
			d.LastReply.Client = *r.ReplyClient
		}
		if r.ReplyVia != nil {
			d.LastReply.Via = domain.ReplyVia(*r.ReplyVia)
		}
		if r.ReplySequence != nil {
			d.LastReply.Sequence = *r.ReplySequence
		}
		if r.ReplyStamp != nil {
			d.LastReply.Stamp = r.ReplyStamp.UTC()
		}
	}
	if r.AttendedHow != nil {
		d.AttendedHow = domain.AttendanceMethod(*r.AttendedHow)
	}
	return d
}
