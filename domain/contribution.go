package domain

import "time"

// PersonRole is someone's part in an event.
type PersonRole string

// Roles in an event. Hosts are organisers of the group; speakers and
// volunteers are anyone; attendees are people who came.
const (
	RoleHost      PersonRole = "host"
	RoleSpeaker   PersonRole = "speaker"
	RoleVolunteer PersonRole = "volunteer"
	RoleAttendee  PersonRole = "attendee"
)

// Valid reports whether r is a known role.
func (r PersonRole) Valid() bool {
	return r == RoleHost || r == RoleSpeaker || r == RoleVolunteer || r == RoleAttendee
}

// ActivityType is what a contribution record says the person did, in the
// terms recognition programs use.
type ActivityType string

// Activity types.
const (
	ActivitySpeaking         ActivityType = "speaking"
	ActivityOrganisingMeetup ActivityType = "organising_meetup"         // a user-group or meetup event
	ActivityOrganisingOnline ActivityType = "organising_online_session" // a live online session
	ActivityVolunteering     ActivityType = "volunteering"
	ActivityAttending        ActivityType = "attending"
)

// EventPerson is one person with a role in an event.
type EventPerson struct {
	ID          string
	Role        PersonRole
	OrganiserID string // hosts
	Name        string
	Email       string
	TalkTitle   string // speakers
	SlidesURL   string // speakers: where the talk's slides are
}

// EventPeople are the people with a role in an event.
type EventPeople struct {
	Hosts      []EventPerson
	Speakers   []EventPerson
	Volunteers []EventPerson
}

// PersonInput is a speaker or volunteer as an organiser enters them.
type PersonInput struct {
	Name      string
	Email     string
	TalkTitle string
	// SlidesURL is where a speaker's slides are; speakers only.
	SlidesURL string
}

// EventPeopleInput replaces an event's people: hosts by organiser id (each
// a member of the group), speakers and volunteers by name and address.
type EventPeopleInput struct {
	HostIDs    []string
	Speakers   []PersonInput
	Volunteers []PersonInput
}

// MaxEventPeople bounds each list of an event's people.
const MaxEventPeople = 100

// ContributionCounts are an event's numbers as a record states them.
type ContributionCounts struct {
	Registered       int `json:"registered"`
	AttendedInPerson int `json:"attended_in_person"`
	AttendedOnline   int `json:"attended_online"`
}

// Contribution is one person's verifiable part in one event.
type Contribution struct {
	ID           string
	EventID      string
	GroupID      string
	PersonName   string
	Role         PersonRole
	ActivityType ActivityType
	TalkTitle    string
	EventTitle   string
	EventDate    string // YYYY-MM-DD in the event's zone
	EventStarts  time.Time
	GroupName    string
	EventURL     string
	Counts       ContributionCounts
	// AttendedHow is how an attendee came (attendee records only).
	AttendedHow AttendanceMethod
	// Revision rises each time the event's numbers were corrected;
	// Previous holds the counts the revision before stated.
	Revision    int
	Previous    *ContributionCounts
	VerifiedAt  time.Time
	WithdrawnAt *time.Time
	// Signature is the base64 (standard, padded) Ed25519 signature of
	// SignedForm(), by the server's key.
	Signature string
}

// ContributionFilter selects contribution records.
type ContributionFilter struct {
	From *time.Time // events starting at or after
	To   *time.Time // events starting before
	Role PersonRole // "" for all
	// Person, the id of a record, keeps the records of the person it
	// names: the same address, or the same organiser (hosts).
	Person string
	ListOptions
}

// ContributionTotals summarise a set of records.
type ContributionTotals struct {
	Events           int `json:"events"`
	UniqueAttendees  int `json:"unique_attendees"`
	AttendedInPerson int `json:"attended_in_person"`
	AttendedOnline   int `json:"attended_online"`
	RepeatAttendees  int `json:"repeat_attendees"`
}

// EventStats are an event's attendance numbers.
type EventStats struct {
	Registered         int
	Attended           int
	AttendedInPerson   int
	AttendedOnline     int
	WalkIns            int
	NoShows            int
	NoShowRate         float64 // no-shows / going (walk-ins excluded); 0 without RSVPs
	WaitlistJoined     int
	WaitlistPromoted   int
	WaitlistConversion float64 // promoted / joined; 0 when nobody waited
	RepeatAttendees    int     // attendees who also came to an earlier event of the group
}

// ErrContributionWithdrawn is the answer for a record that no longer
// stands.
var ErrContributionWithdrawn = &Error{Code: EGONE, Reason: ReasonContributionWithdrawn,
	Message: "This contribution record was withdrawn: it no longer stands."}

// CheckStands returns nil for a record that stands, and
// ErrContributionWithdrawn for one that was withdrawn.
func (c Contribution) CheckStands() error {
	if c.WithdrawnAt != nil {
		return ErrContributionWithdrawn
	}
	return nil
}
