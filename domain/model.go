package domain

import "time"

// Organiser is a person who runs groups and events. Organisers authenticate
// with API tokens; attendees never need an account.
type Organiser struct {
	ID        string
	Email     string
	Name      string
	CreatedAt time.Time
}

// APIToken is an organiser's credential as stored: the raw token is shown
// once at creation and never kept.
type APIToken struct {
	ID          string
	OrganiserID string
	Name        string
	CreatedAt   time.Time
	ExpiresAt   *time.Time
	LastUsedAt  *time.Time
}

// Role is an organiser's role in a group.
type Role string

// Roles in a group. Owners manage members; organisers manage events.
const (
	RoleOwner     Role = "owner"
	RoleOrganiser Role = "organiser"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOwner || r == RoleOrganiser }

// Group is a community — a user group, a meetup, a program — whose events
// are run by its members.
type Group struct {
	ID           string
	Slug         string
	Name         string
	Description  string
	TimeZone     string
	ContactEmail string
	// Locale is the language the group's pages, e-mails and invites speak
	// by default (a tag of Languages; "" is English).
	Locale    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Member is an organiser's membership of a group.
type Member struct {
	OrganiserID string
	Email       string
	Name        string
	Role        Role
	JoinedAt    time.Time
}

// EventKind says whether people meet in a room or online.
type EventKind string

// Event kinds.
const (
	KindMeetup      EventKind = "meetup"
	KindLiveSession EventKind = "live_session"
)

// EventStatus is where an event is in its life.
type EventStatus string

// Event statuses. Only published events take RSVPs; cancelled events stay
// visible so that people who held a place learn of it.
const (
	EventDraft     EventStatus = "draft"
	EventPublished EventStatus = "published"
	EventCancelled EventStatus = "cancelled"
)

// Venue is where an in-person event happens.
type Venue struct {
	Name    string
	Address string
}

// Event is one occurrence that people can attend. StartsAt and EndsAt are
// UTC instants; TimeZone is the IANA zone in which people see them.
type Event struct {
	ID          string
	GroupID     string
	Slug        string
	Title       string
	Description string
	Kind        EventKind
	Status      EventStatus
	StartsAt    time.Time
	EndsAt      time.Time
	TimeZone    string
	// Locale overrides the group's language for this event ("" keeps it);
	// see Event.Language.
	Locale    string
	Venue     *Venue
	OnlineURL string
	// RecordingURL is where the session's recording can be watched, once
	// there is one; the thank-you e-mail links it.
	RecordingURL string
	Capacity     *int // nil: unlimited
	Waitlist     bool
	RSVPOpensAt  *time.Time
	RSVPClosesAt *time.Time
	// RSVPConfirmation is ConfirmNone or ConfirmEmail (double opt-in).
	RSVPConfirmation RSVPConfirmation
	CancelReason     string
	// SelfCheckinCode is the code shown in the room or the online session
	// for self check-in; CheckinOpensAt and CheckinClosesAt bound the
	// window (nil: see CheckinWindow).
	SelfCheckinCode string
	CheckinOpensAt  *time.Time
	CheckinClosesAt *time.Time
	// Reminders are how long before the start the people going are
	// reminded by e-mail, earliest first (SortReminders); empty for none.
	Reminders []time.Duration
	// Reconfirm asks the people going to confirm they still come
	// (ReconfirmAskBefore the start); the seats of those who do not go to
	// the waitlist (ReconfirmDeadlineBefore).
	Reconfirm bool

	GoingCount    int
	WaitlistCount int
	// Sequence is the iCalendar SEQUENCE of the event's invites: it rises
	// with every change attendees are told about.
	Sequence int

	// SeriesID is set on an occurrence of a recurring series;
	// OccurrenceStart is the start its rule gave it, and Detached says it
	// was moved or cancelled on its own and no longer follows the rule.
	SeriesID        string
	OccurrenceStart *time.Time
	Detached        bool

	CreatedAt   time.Time
	UpdatedAt   time.Time
	PublishedAt *time.Time
	CancelledAt *time.Time
}

// SeatsLeft returns the number of free seats, or nil when capacity is
// unlimited.
func (e *Event) SeatsLeft() *int {
	if e.Capacity == nil {
		return nil
	}
	n := max(*e.Capacity-e.GoingCount, 0)
	return &n
}

// HasFreeSeat reports whether one more person can be going.
func (e *Event) HasFreeSeat() bool {
	return e.Capacity == nil || e.GoingCount < *e.Capacity
}

// Admission is what a new RSVP to an event gets at a moment: a seat, a
// place in line, or a refusal that says why. Event.Admit is the one place
// that decides it; the store's one-statement claim on PostgreSQL repeats
// it in SQL under the event's lock, and a table test holds the two to the
// same answers.
type Admission struct {
	// Status is RSVPGoing or RSVPWaitlisted when the RSVP is taken, and
	// "" when it is refused.
	Status RSVPStatus
	// Refusal says why it is refused (nil when taken): ENOTFOUND
	// "event_not_found" for a draft, ECONFLICT "event_cancelled",
	// "rsvp_not_open" (before the RSVP window), "rsvp_closed" (after it,
	// or once the event is over) or "event_full" (no seat, no waitlist).
	Refusal *Error
}

// Taken reports whether the RSVP is taken.
func (a Admission) Taken() bool { return a.Refusal == nil }

// Admission refusals.
var (
	errDraftEvent = &Error{Code: ENOTFOUND, Reason: ReasonEventNotFound, Message: "No such event."}
	// ErrEventCancelled refuses an RSVP to a cancelled event.
	ErrEventCancelled = Conflict(ReasonEventCancelled, "This event has been cancelled.")
	errRSVPNotOpen    = Conflict(ReasonRSVPNotOpen, "RSVPs for this event are not open yet.")
	errRSVPClosed     = Conflict(ReasonRSVPClosed, "RSVPs for this event are closed.")
	// ErrEventFull refuses an RSVP to a full event without a waitlist.
	ErrEventFull = Conflict(ReasonEventFull, "This event is full and has no waitlist.")
)

// Admit decides what a new RSVP gets at now. Only a published event takes
// RSVPs, within its RSVP window — by default from publication until the
// event ends — while it has a free seat (then going) or a waitlist (then
// waitlisted, at the end of the line).
func (e *Event) Admit(now time.Time) Admission {
	switch e.Status {
	case EventPublished:
	case EventCancelled:
		return Admission{Refusal: ErrEventCancelled}
	default: // a draft is no event to the public
		return Admission{Refusal: errDraftEvent}
	}
	if e.RSVPOpensAt != nil && now.Before(*e.RSVPOpensAt) {
		return Admission{Refusal: errRSVPNotOpen}
	}
	closes := e.EndsAt
	if e.RSVPClosesAt != nil {
		closes = *e.RSVPClosesAt
	}
	if !now.Before(closes) {
		return Admission{Refusal: errRSVPClosed}
	}
	switch {
	case e.HasFreeSeat():
		return Admission{Status: RSVPGoing}
	case e.Waitlist:
		return Admission{Status: RSVPWaitlisted}
	}
	return Admission{Refusal: ErrEventFull}
}

// RSVPOpen reports whether the event takes a new RSVP at now.
func (e *Event) RSVPOpen(now time.Time) bool { return e.Admit(now).Taken() }

// CheckAcceptsRSVP returns nil if the event's RSVP window is open at now —
// whatever its seats, since a full event with a waitlist still takes RSVPs
// onto it — or the refusal that explains why not. It is Admit without the
// seats: for answers that do not take a place themselves (an invitation
// sent, a follower's turn).
func (e *Event) CheckAcceptsRSVP(now time.Time) error {
	if a := e.Admit(now); a.Refusal != nil && a.Refusal != ErrEventFull {
		return a.Refusal
	}
	return nil
}

// RSVPStatus is where an attendee's reply stands.
type RSVPStatus string

// RSVP statuses.
const (
	RSVPGoing      RSVPStatus = "going"
	RSVPWaitlisted RSVPStatus = "waitlisted"
	RSVPCancelled  RSVPStatus = "cancelled"
)

// Valid reports whether s is a known RSVP status.
func (s RSVPStatus) Valid() bool {
	return s == RSVPGoing || s == RSVPWaitlisted || s == RSVPCancelled
}

// RSVP is one person's reply to an event. WaitlistPosition is 1-based and
// set only while the RSVP is waitlisted.
type RSVP struct {
	ID               string
	EventID          string
	Name             string
	Email            string
	Status           RSVPStatus
	WaitlistPosition int
	// Locale is the language of the page the attendee replied on ("" for
	// an RSVP made without one); their e-mails use it (RSVP.Language).
	Locale      string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CancelledAt *time.Time
	// ErasedAt is when the attendee had their name and address erased;
	// the RSVP still counts.
	ErasedAt *time.Time

	// CheckinCode is the short code under the attendee's QR code (8
	// characters, shown as ABCD-EFGH).
	CheckinCode string
	// AttendedAt and AttendedHow are set once the person came.
	AttendedAt  *time.Time
	AttendedHow AttendanceMethod
	// WalkIn: registered at the door; going without holding a seat.
	WalkIn bool
	// WasWaitlisted: the person waited on the waitlist; a going RSVP
	// with it moved up from there (its going e-mail says so).
	WasWaitlisted bool
	// ReconfirmAskedAt is when the person was asked to confirm they still
	// come (Event.Reconfirm); ReconfirmedAt is when they did.
	ReconfirmAskedAt *time.Time
	ReconfirmedAt    *time.Time
	// LastReply is the last answer the attendee's calendar sent to the
	// invite (Accept, Maybe, Decline), and where it came from; nil when
	// none came (see domain/replies.go).
	LastReply *LastReply
}

// Page is one page of a list and the cursor of the next page ("" at the end).
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// MaxPageSize is the largest page a list returns; DefaultPageSize is used
// when the client does not ask.
const (
	MaxPageSize     = 200
	DefaultPageSize = 50
)

// ListOptions selects one page of a list.
type ListOptions struct {
	Limit  int
	Cursor string
}

// RSVPResult is the outcome of a public RSVP.
type RSVPResult struct {
	RSVP RSVP
	// ManageToken is the raw token of a new RSVP; "" when the address
	// already had one (Created false), so nobody can take it over.
	ManageToken string
	Created     bool
	// Pending is set instead of RSVP when the event asks for e-mail
	// confirmation: the person must follow the link sent to them.
	Pending *PendingRSVP
}

// RSVPView is an RSVP with the event and group it belongs to.
type RSVPView struct {
	RSVP  RSVP
	Event Event
	Group Group
}

// Erasure is what erasing the data of an RSVP reaches, for the page that
// asks first: the RSVP's event, or, for an occurrence of a series, every
// occurrence of the series and the following of it.
type Erasure struct {
	View RSVPView
	// Series is the event's series; nil for an event on its own.
	Series *Series
	// RSVPs counts the person's RSVPs that lose the name and address (the
	// RSVP itself and any earlier one included); Upcoming, the places
	// among them at events not started yet, which are given up.
	RSVPs, Upcoming int
	// Following says that the address follows the series, or asked to:
	// that ends too.
	Following bool
}

// EventChange is the result of an update: the event after it, the JSON
// names of the fields whose value changed, and the RSVPs promoted from the
// waitlist because seats were added.
type EventChange struct {
	Event    Event
	Changed  []string
	Promoted []string
}

// EventFilter selects a group's events.
type EventFilter struct {
	Status EventStatus // "" for all
	From   *time.Time  // starts at or after
	To     *time.Time  // starts before
	ListOptions
}

// RSVPFilter selects an event's RSVPs.
type RSVPFilter struct {
	Status RSVPStatus // "" for all
	ListOptions
}
