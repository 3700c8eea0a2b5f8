package domain

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func fieldsOf(err error) []string {
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestEventPeopleInputValidate(t *testing.T) {
	id := NewID()
	tooMany := make([]PersonInput, MaxEventPeople+1)
	for i := range tooMany {
		tooMany[i] = PersonInput{Name: "P" + strings.Repeat("x", i)}
	}
	for name, c := range map[string]struct {
		in   EventPeopleInput
		want []string
	}{
		"empty":            {EventPeopleInput{}, nil},
		"ok":               {EventPeopleInput{HostIDs: []string{id}, Speakers: []PersonInput{{Name: "Sam", Email: "sam@example.org", TalkTitle: "Go"}, {Name: "No Address"}}}, nil},
		"bad host id":      {EventPeopleInput{HostIDs: []string{"x"}}, []string{"hosts[0]"}},
		"host twice":       {EventPeopleInput{HostIDs: []string{id, id}}, []string{"hosts[1]"}},
		"name required":    {EventPeopleInput{Speakers: []PersonInput{{Email: "a@example.org"}}}, []string{"speakers[0].name"}},
		"bad address":      {EventPeopleInput{Volunteers: []PersonInput{{Name: "V", Email: "v@"}}}, []string{"volunteers[0].email"}},
		"control in title": {EventPeopleInput{Speakers: []PersonInput{{Name: "S", TalkTitle: "a\nb"}}}, []string{"speakers[0].talk_title"}},
		"volunteer talk":   {EventPeopleInput{Volunteers: []PersonInput{{Name: "V", TalkTitle: "t"}}}, []string{"volunteers[0].talk_title"}},
		"same address":     {EventPeopleInput{Speakers: []PersonInput{{Name: "A", Email: "a@example.org"}, {Name: "B", Email: " A@Example.org "}}}, []string{"speakers[1].email"}},
		"same name":        {EventPeopleInput{Volunteers: []PersonInput{{Name: "Ann  Lee"}, {Name: "ann lee"}}}, []string{"volunteers[1].name"}},
		"too many":         {EventPeopleInput{Volunteers: tooMany}, []string{"volunteers"}},
		"speaker and volunteer": {EventPeopleInput{Speakers: []PersonInput{{Name: "A", Email: "a@example.org"}},
			Volunteers: []PersonInput{{Name: "A", Email: "a@example.org"}}}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			err := c.in.Validate()
			if got := fieldsOf(err); !slices.Equal(got, c.want) {
				t.Fatalf("fields %v, want %v (%v)", got, c.want, err)
			}
			if c.want != nil && ErrorCode(err) != EINVALID {
				t.Fatalf("code %s", ErrorCode(err))
			}
		})
	}
}

func TestActivityFor(t *testing.T) {
	for _, c := range []struct {
		role PersonRole
		kind EventKind
		want ActivityType
	}{
		{RoleHost, KindMeetup, ActivityOrganisingMeetup},
		{RoleHost, KindLiveSession, ActivityOrganisingOnline},
		{RoleSpeaker, KindLiveSession, ActivitySpeaking},
		{RoleVolunteer, KindMeetup, ActivityVolunteering},
		{RoleAttendee, KindMeetup, ActivityAttending},
	} {
		if got := ActivityFor(c.role, c.kind); got != c.want {
			t.Errorf("ActivityFor(%s, %s) = %s, want %s", c.role, c.kind, got, c.want)
		}
	}
}

func TestEventDateInItsZone(t *testing.T) {
	e := Event{StartsAt: time.Date(2030, 5, 14, 22, 30, 0, 0, time.UTC), TimeZone: "Europe/Oslo"}
	if got := EventDate(e); got != "2030-05-15" {
		t.Errorf("EventDate = %s, want 2030-05-15 (00:30 in Oslo)", got)
	}
	e.TimeZone = "America/New_York"
	if got := EventDate(e); got != "2030-05-14" {
		t.Errorf("EventDate = %s, want 2030-05-14", got)
	}
}

func TestStatsRates(t *testing.T) {
	s := EventStats{Registered: 40, NoShows: 10, WaitlistJoined: 4, WaitlistPromoted: 3}
	s.Rates()
	if s.NoShowRate != 0.25 || s.WaitlistConversion != 0.75 {
		t.Errorf("rates %+v", s)
	}
	var z EventStats
	z.Rates()
	if z.NoShowRate != 0 || z.WaitlistConversion != 0 {
		t.Errorf("rates without people %+v", z)
	}
}

func TestSameFacts(t *testing.T) {
	a := Contribution{ID: "a", PersonName: "Ann", Role: RoleAttendee, Counts: ContributionCounts{Registered: 1}, Revision: 1, Signature: "x"}
	b := a
	b.ID, b.Revision, b.Signature, b.VerifiedAt = "b", 2, "y", time.Now()
	if !SameFacts(a, b) {
		t.Error("records differing only in id, revision, signature and time differ in facts")
	}
	b.Counts.AttendedOnline = 1
	if SameFacts(a, b) {
		t.Error("a change of counts is not a change of facts")
	}
}
