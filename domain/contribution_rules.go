package domain

import "time"

// ActivityFor is the activity a record of role states for an event of
// kind: hosts organise a meetup or an online session, speakers speak,
// volunteers volunteer and attendees attend.
func ActivityFor(role PersonRole, kind EventKind) ActivityType {
	switch role {
	case RoleHost:
		if kind == KindLiveSession {
			return ActivityOrganisingOnline
		}
		return ActivityOrganisingMeetup
	case RoleSpeaker:
		return ActivitySpeaking
	case RoleVolunteer:
		return ActivityVolunteering
	}
	return ActivityAttending
}

// EventDate is the calendar date (YYYY-MM-DD) on which an event starts, in
// its own time zone: what a record states as its date.
func EventDate(e Event) string {
	loc, err := time.LoadLocation(e.TimeZone)
	if err != nil || e.TimeZone == "" || e.TimeZone == "Local" {
		loc = time.UTC
	}
	return e.StartsAt.In(loc).Format(time.DateOnly)
}

// SameFacts reports whether two records state the same signed facts (the
// identity, the person, the event and its numbers), so that deriving
// again leaves a record that is still true as it is, signature and all.
func SameFacts(a, b Contribution) bool {
	return a.PersonName == b.PersonName && a.Role == b.Role && a.ActivityType == b.ActivityType &&
		a.TalkTitle == b.TalkTitle && a.EventTitle == b.EventTitle && a.EventDate == b.EventDate &&
		a.GroupName == b.GroupName && a.EventURL == b.EventURL && a.Counts == b.Counts && a.AttendedHow == b.AttendedHow
}

// ContributionsWindow is how long after an event ends its contribution
// records are kept up to date automatically: corrections to attendance
// within it are recomputed into the records.
const ContributionsWindow = 30 * 24 * time.Hour

// CountsFor returns an event's numbers as its records state them, from
// its statistics: registered is the RSVPs going at the end that were made
// before the door (walk-ins are not registered; they are counted among
// those who came in person).
func CountsFor(s EventStats) ContributionCounts {
	return ContributionCounts{Registered: s.Registered, AttendedInPerson: s.AttendedInPerson, AttendedOnline: s.AttendedOnline}
}

// Rates fills the ratios of s from its counts: the no-show rate is
// no-shows over registered (walk-ins excluded), waitlist conversion is
// promoted over joined; both 0 when there is nothing to divide by.
func (s *EventStats) Rates() {
	s.NoShowRate, s.WaitlistConversion = 0, 0
	if s.Registered > 0 {
		s.NoShowRate = float64(s.NoShows) / float64(s.Registered)
	}
	if s.WaitlistJoined > 0 {
		s.WaitlistConversion = float64(s.WaitlistPromoted) / float64(s.WaitlistJoined)
	}
}
