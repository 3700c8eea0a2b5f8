package domain

import (
	"crypto/rand"
	"strings"
	"time"
)

// AttendanceMethod says how an attendance was recorded.
type AttendanceMethod string

// Ways attendance is recorded.
const (
	AttendedDoor      AttendanceMethod = "door"       // an organiser at the door, through the API
	AttendedStaffLink AttendanceMethod = "staff_link" // door staff through a door link
	AttendedSelf      AttendanceMethod = "self"       // the attendee entered the room's code
	AttendedOnline    AttendanceMethod = "online"     // the attendee's personal join link
	AttendedBulk      AttendanceMethod = "bulk"       // an uploaded list, after the event
	AttendedWalkIn    AttendanceMethod = "walk_in"    // registered at the door
)

// Valid reports whether m is a known method.
func (m AttendanceMethod) Valid() bool {
	switch m {
	case AttendedDoor, AttendedStaffLink, AttendedSelf, AttendedOnline, AttendedBulk, AttendedWalkIn:
		return true
	}
	return false
}

// Online reports whether the attendance was online rather than in person.
func (m AttendanceMethod) Online() bool { return m == AttendedOnline }

// DefaultCheckinLead is how long before the start the check-in window
// opens unless the event says otherwise; it closes when the event ends.
const DefaultCheckinLead = 30 * time.Minute

// DoorLinkGrace is how long after the event's end a door link works.
const DoorLinkGrace = 24 * time.Hour

// CheckinWindow returns when self check-in and the online join link record
// attendance: by default from DefaultCheckinLead before the start until the
// end.
func (e *Event) CheckinWindow() (from, to time.Time) {
	from, to = e.StartsAt.Add(-DefaultCheckinLead), e.EndsAt
	if e.CheckinOpensAt != nil {
		from = *e.CheckinOpensAt
	}
	if e.CheckinClosesAt != nil {
		to = *e.CheckinClosesAt
	}
	return from, to
}

// CheckinOpen reports whether now is inside the check-in window of a
// published event.
func (e *Event) CheckinOpen(now time.Time) bool {
	from, to := e.CheckinWindow()
	return e.Status == EventPublished && !now.Before(from) && now.Before(to)
}

// codeAlphabet has no 0/O, 1/I/L or U: codes are read aloud and typed.
const codeAlphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789"

func randomCode(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("domain: crypto/rand failed: " + err.Error())
	}
	for i := range b {
		// 256 % 30 = 16: the first 16 letters are 1/256 likelier; for a
		// code that is looked up, not a secret key, that is immaterial.
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// NewCheckinCode returns an attendee's check-in code: 8 characters
// (about 39 bits), shown as ABCD-EFGH.
func NewCheckinCode() string { return randomCode(8) }

// NewRoomCode returns an event's self check-in code: 6 characters, shown
// in the room or the online session.
func NewRoomCode() string { return randomCode(6) }

// FormatCode groups a code for reading: ABCD-EFGH.
func FormatCode(c string) string {
	if len(c) == 8 {
		return c[:4] + "-" + c[4:]
	}
	return c
}

// NormalizeCode turns what someone typed or scanned into a code: letters
// upper-cased, spaces and dashes dropped.
func NormalizeCode(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r != ' ' && r != '-' && r != '\t' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CheckinRequest is one check-in: exactly one of RSVPID, ManageToken and
// Code names an RSVP; or Name and Email register a walk-in.
type CheckinRequest struct {
	RSVPID      string
	ManageToken string
	Code        string
	Name, Email string
}

// Validate checks that the request names one way to check in.
func (r CheckinRequest) Validate() error {
	var v Validation
	n := 0
	for _, s := range []string{r.RSVPID, r.ManageToken, r.Code} {
		if s != "" {
			n++
		}
	}
	walkIn := r.Name != "" || r.Email != ""
	switch {
	case n == 0 && !walkIn:
		v.Add("rsvp_id", "give one of rsvp_id, manage_token or code, or name and email for a walk-in")
	case n > 1 || (n == 1 && walkIn):
		v.Add("rsvp_id", "give only one of rsvp_id, manage_token, code, or name and email")
	case walkIn:
		CheckPersonName(&v, "name", r.Name, true)
		CheckEmail(&v, "email", r.Email, true)
	}
	return v.Err()
}

// CheckinResult is the outcome of a check-in: the RSVP, and whether it was
// already checked in (checking in twice is not an error) or newly made (a
// walk-in).
type CheckinResult struct {
	RSVP    RSVP
	Already bool
	Created bool
}

// DoorList is the door's view of an event: who is expected and who is in.
type DoorList struct {
	Event    Event
	Group    Group
	Expected int // going, walk-ins included
	In       int // attended
	Items    []RSVP
}

// DoorLink is a door-staff link; the raw token is only returned at
// creation.
type DoorLink struct {
	ID      string
	EventID string
	// Label says whose the link is ("Front desk"); it may be empty.
	Label string
	// CreatedBy is the organiser who made the link ("" when that organiser
	// no longer exists), with their name.
	CreatedBy     string
	CreatedByName string
	// MakerRemoved says that whoever made the link is no longer a member of
	// the event's group.
	MakerRemoved bool
	CreatedAt    time.Time
	ExpiresAt    time.Time
	RevokedAt    *time.Time
	// LastUsedAt is when door staff last used the link (recorded at most
	// once a minute).
	LastUsedAt *time.Time
}

// MaxDoorLinkLabelLen bounds a door link's label.
const MaxDoorLinkLabelLen = 100

// CheckDoorLinkLabel checks a door link's label: one line, optional.
func CheckDoorLinkLabel(label string) error {
	var v Validation
	CheckLine(&v, "label", label, false, MaxDoorLinkLabelLen)
	return v.Err()
}

// DoorFilter selects a page of an event's door list: people whose name or
// address contains Query (any case), after the cursor, by name.
type DoorFilter struct {
	Query string
	ListOptions
}

// MaxDoorQueryLen bounds the door list's search.
const MaxDoorQueryLen = 100

// DoorPage is one page of the door list with the whole event's counts.
type DoorPage struct {
	Event    Event
	Expected int // going, walk-ins included
	In       int // attended
	Page[RSVP]
}

// DoorLinkState says whether a door link works, and why not.
type DoorLinkState string

// Door link states. A link stops working when it is revoked, when it
// expires (a day after the event ends), and when whoever made it leaves
// or is removed from the group: a link is the maker's authority handed to
// door staff, and cannot outlast it.
const (
	DoorLinkActive       DoorLinkState = "active"
	DoorLinkRevoked      DoorLinkState = "revoked"
	DoorLinkExpired      DoorLinkState = "expired"
	DoorLinkMakerRemoved DoorLinkState = "maker_removed"
)

// State returns where the link stands at now.
func (l DoorLink) State(now time.Time) DoorLinkState {
	switch {
	case l.RevokedAt != nil:
		return DoorLinkRevoked
	case l.MakerRemoved:
		return DoorLinkMakerRemoved
	case !now.Before(l.ExpiresAt):
		return DoorLinkExpired
	}
	return DoorLinkActive
}

// DoorLinkUseInterval is how often a door link's last use is recorded:
// often enough to tell a link in use from a forgotten one, seldom enough
// that a busy door does not write on every check-in.
const DoorLinkUseInterval = time.Minute

// BulkAttendanceResult is the outcome of an uploaded attendance list.
type BulkAttendanceResult struct {
	Recorded int      // newly marked attended
	Already  int      // attended before
	Unknown  []string // addresses with no going RSVP to the event
}

// MaxBulkAttendance is the most addresses one upload may carry.
const MaxBulkAttendance = 5000
