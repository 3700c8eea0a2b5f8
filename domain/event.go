package domain

import (
	"slices"
	"time"
)

// Limits on events.
const (
	MaxCapacity      = 1_000_000
	MaxEventDuration = 31 * 24 * time.Hour
)

// Nullable is an update to a field that may be cleared: Set false leaves the
// field alone, Set true with a nil Value clears it.
type Nullable[T any] struct {
	Set   bool
	Value *T
}

// differs reports whether the value an update sets differs from the
// current one (either may be nil).
func differs[T comparable](n Nullable[T], cur *T) bool {
	if (n.Value == nil) != (cur == nil) {
		return true
	}
	return n.Value != nil && *n.Value != *cur
}

// EventUpdate is a partial change to an event. Nil pointers and unset
// Nullables leave fields as they are.
type EventUpdate struct {
	Title       *string
	Description *string
	Kind        *EventKind
	StartsAt    *time.Time
	EndsAt      *time.Time
	TimeZone    *string
	// Locale sets the event's own language ("" falls back to the
	// group's). Attendees are not told of it: it changes no e-mail.
	Locale       *string
	Venue        Nullable[Venue]
	OnlineURL    *string
	RecordingURL *string
	Capacity     Nullable[int]
	Waitlist     *bool
	Slug         *string
	RSVPOpensAt  Nullable[time.Time]
	RSVPClosesAt Nullable[time.Time]
	// RSVPConfirmation applies to RSVPs made after the change.
	RSVPConfirmation *RSVPConfirmation
	// Reminders replaces the event's reminders; a non-nil empty slice
	// turns them off.
	Reminders *[]time.Duration
	Reconfirm *bool
}

// Apply changes e as u says and returns the JSON names of the fields whose
// value changed. It does not validate: call Validate on the result.
func (u EventUpdate) Apply(e *Event) []string {
	var changed []string
	set := func(name string, differs bool, apply func()) {
		if differs {
			apply()
			changed = append(changed, name)
		}
	}
	if u.Title != nil {
		set("title", *u.Title != e.Title, func() { e.Title = *u.Title })
	}
	if u.Description != nil {
		set("description", *u.Description != e.Description, func() { e.Description = *u.Description })
	}
	if u.Kind != nil {
		set("kind", *u.Kind != e.Kind, func() { e.Kind = *u.Kind })
	}
	if u.StartsAt != nil {
		t := u.StartsAt.UTC()
		set("starts_at", !t.Equal(e.StartsAt), func() { e.StartsAt = t })
	}
	if u.EndsAt != nil {
		t := u.EndsAt.UTC()
		set("ends_at", !t.Equal(e.EndsAt), func() { e.EndsAt = t })
	}
	if u.TimeZone != nil {
		set("time_zone", *u.TimeZone != e.TimeZone, func() { e.TimeZone = *u.TimeZone })
	}
	if u.Locale != nil {
		l := NormalizeLanguage(*u.Locale)
		set("locale", l != e.Locale, func() { e.Locale = l })
	}
	if u.Venue.Set {
		set("venue", differs(u.Venue, e.Venue), func() { e.Venue = copyPtr(u.Venue.Value) })
	}
	if u.OnlineURL != nil {
		set("online_url", *u.OnlineURL != e.OnlineURL, func() { e.OnlineURL = *u.OnlineURL })
	}
	if u.RecordingURL != nil {
		set("recording_url", *u.RecordingURL != e.RecordingURL, func() { e.RecordingURL = *u.RecordingURL })
	}
	if u.Capacity.Set {
		set("capacity", differs(u.Capacity, e.Capacity), func() { e.Capacity = copyPtr(u.Capacity.Value) })
	}
	if u.Waitlist != nil {
		set("waitlist", *u.Waitlist != e.Waitlist, func() { e.Waitlist = *u.Waitlist })
	}
	if u.Slug != nil {
		set("slug", *u.Slug != e.Slug, func() { e.Slug = *u.Slug })
	}
	if u.RSVPOpensAt.Set {
		set("rsvp_opens_at", !timePtrEqual(u.RSVPOpensAt.Value, e.RSVPOpensAt), func() { e.RSVPOpensAt = utcPtr(u.RSVPOpensAt.Value) })
	}
	if u.RSVPClosesAt.Set {
		set("rsvp_closes_at", !timePtrEqual(u.RSVPClosesAt.Value, e.RSVPClosesAt), func() { e.RSVPClosesAt = utcPtr(u.RSVPClosesAt.Value) })
	}
	if u.RSVPConfirmation != nil {
		set("rsvp_confirmation", *u.RSVPConfirmation != e.RSVPConfirmation, func() { e.RSVPConfirmation = *u.RSVPConfirmation })
	}
	if u.Reminders != nil {
		// Kept in the order given, so that Validate's field errors point
		// at the right item; the store sorts them once they are valid.
		rs := slices.Clone(*u.Reminders)
		if rs == nil {
			rs = []time.Duration{}
		}
		sorted, cur := slices.Clone(rs), slices.Clone(e.Reminders)
		SortReminders(sorted)
		SortReminders(cur)
		set("reminders", !slices.Equal(sorted, cur), func() { e.Reminders = rs })
	}
	if u.Reconfirm != nil {
		set("reconfirm", *u.Reconfirm != e.Reconfirm, func() { e.Reconfirm = *u.Reconfirm })
	}
	return changed
}

func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func utcPtr(p *time.Time) *time.Time {
	if p == nil {
		return nil
	}
	t := p.UTC()
	return &t
}

func timePtrEqual(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// Validate checks an event as a whole — new, or after an update — and
// reports every broken rule. It does not check the slug's uniqueness (the
// store does) nor whether the event is in the future (Publish does).
func (e *Event) Validate() error {
	var v Validation
	CheckLine(&v, "title", e.Title, true, MaxTitleLen)
	CheckText(&v, "description", e.Description, MaxDescriptionLen)
	checkKind(&v, e.Kind)
	if e.StartsAt.IsZero() {
		v.Add("starts_at", "is required")
	}
	if e.EndsAt.IsZero() {
		v.Add("ends_at", "is required")
	}
	if !e.StartsAt.IsZero() && !e.EndsAt.IsZero() {
		if !e.EndsAt.After(e.StartsAt) {
			v.Add("ends_at", "must be after starts_at")
		} else if e.EndsAt.Sub(e.StartsAt) > MaxEventDuration {
			v.Add("ends_at", "must be at most 31 days after starts_at")
		}
	}
	if !e.StartsAt.IsZero() && (e.StartsAt.Year() < 2000 || e.StartsAt.Year() > 9000) {
		v.Add("starts_at", "must be a date between the years 2000 and 9000")
	}
	CheckTimeZone(&v, "time_zone", e.TimeZone, true)
	CheckLanguage(&v, "locale", e.Locale)
	checkPlace(&v, e.Kind, e.Venue, e.OnlineURL, e.Capacity)
	CheckURL(&v, "recording_url", e.RecordingURL)
	if e.Slug != "" || e.ID != "" { // a new event may leave it out: the store makes one
		CheckSlug(&v, "slug", e.Slug)
	}
	CheckReminders(&v, "reminders", e.Reminders)
	if !e.RSVPConfirmation.Valid() {
		v.Add("rsvp_confirmation", "must be \"none\" or \"email\"")
	}
	if e.RSVPOpensAt != nil && e.RSVPClosesAt != nil && !e.RSVPClosesAt.After(*e.RSVPOpensAt) {
		v.Add("rsvp_closes_at", "must be after rsvp_opens_at")
	}
	if e.RSVPOpensAt != nil && !e.EndsAt.IsZero() && !e.RSVPOpensAt.Before(e.EndsAt) {
		v.Add("rsvp_opens_at", "must be before the event ends")
	}
	if e.RSVPClosesAt != nil && !e.EndsAt.IsZero() && e.RSVPClosesAt.After(e.EndsAt) {
		v.Add("rsvp_closes_at", "must not be after the event ends")
	}
	return v.Err()
}

// checkKind checks the kind of an event or a series.
func checkKind(v *Validation, k EventKind) {
	switch k {
	case KindMeetup, KindLiveSession:
	case "":
		v.Add("kind", "is required: \"meetup\" or \"live_session\"")
	default:
		v.Add("kind", "must be \"meetup\" or \"live_session\"")
	}
}

// checkPlace checks where an event or a series happens and how many can
// come: a meetup needs a venue, a live session its join link.
func checkPlace(v *Validation, k EventKind, venue *Venue, onlineURL string, capacity *int) {
	if venue != nil {
		CheckLine(v, "venue.name", venue.Name, true, MaxNameLen)
		CheckLine(v, "venue.address", venue.Address, false, MaxAddressLen)
	}
	CheckURL(v, "online_url", onlineURL)
	if k == KindMeetup && venue == nil {
		v.Add("venue", "is required for a meetup")
	}
	if k == KindLiveSession && onlineURL == "" && !v.Has("online_url") {
		v.Add("online_url", "is required for a live session")
	}
	if capacity != nil && (*capacity < 1 || *capacity > MaxCapacity) {
		v.Add("capacity", "must be between 1 and %d, or null for unlimited", MaxCapacity)
	}
}

// CheckPublish returns nil if e may be published at now.
func (e *Event) CheckPublish(now time.Time) error {
	switch e.Status {
	case EventPublished:
		return nil // publishing twice is harmless
	case EventCancelled:
		return Conflict(ReasonEventCancelled, "A cancelled event cannot be published again.")
	}
	if !e.StartsAt.After(now) {
		return &Error{Code: EINVALID, Reason: ReasonEventInPast, Message: "An event that has already started cannot be published.",
			Fields: []FieldError{{Field: "starts_at", Message: "is in the past", Format: "is in the past"}}}
	}
	return e.Validate()
}

// RSVPInput is what an attendee gives to reply.
type RSVPInput struct {
	Name  string
	Email string
	// Locale is the language the attendee replied in (a tag of
	// Languages, or "" for the event's): their e-mails speak it.
	Locale string
}

// Validate checks an RSVP input.
func (in RSVPInput) Validate() error {
	var v Validation
	CheckPersonName(&v, "name", in.Name, true)
	CheckEmail(&v, "email", in.Email, true)
	CheckLanguage(&v, "locale", in.Locale)
	return v.Err()
}

// GroupUpdate is a partial change to a group.
type GroupUpdate struct {
	Slug         *string
	Name         *string
	Description  *string
	TimeZone     *string
	ContactEmail *string
	Locale       *string
}

// Apply changes g as u says.
func (u GroupUpdate) Apply(g *Group) {
	if u.Slug != nil {
		g.Slug = *u.Slug
	}
	if u.Name != nil {
		g.Name = *u.Name
	}
	if u.Description != nil {
		g.Description = *u.Description
	}
	if u.TimeZone != nil {
		g.TimeZone = *u.TimeZone
	}
	if u.ContactEmail != nil {
		g.ContactEmail = *u.ContactEmail
	}
	if u.Locale != nil {
		g.Locale = NormalizeLanguage(*u.Locale)
	}
}

// Validate checks a group as a whole.
func (g *Group) Validate() error {
	var v Validation
	CheckSlug(&v, "slug", g.Slug)
	CheckLine(&v, "name", g.Name, true, MaxNameLen)
	CheckText(&v, "description", g.Description, MaxDescriptionLen)
	CheckTimeZone(&v, "time_zone", g.TimeZone, true)
	CheckEmail(&v, "contact_email", g.ContactEmail, false)
	CheckLanguage(&v, "locale", g.Locale)
	return v.Err()
}
