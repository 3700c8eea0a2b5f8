package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
)

// Scripted is the event of the attendance tests (issue 5): a hybrid meetup
// (a room and a join link) hosted by one organiser, with two speakers; 40
// people registered, 25 checked in at the door, 5 joined online during
// the check-in window, 3 walked in, and 10 did not come.
type Scripted struct {
	Owner, Host domain.Organiser
	Group       domain.Group
	Event       domain.Event
	// Registered are the 40 RSVPs in the order they were made, and Tokens
	// their manage tokens (the ones the RSVP call hands back).
	Registered []domain.RSVP
	Tokens     []string
	// Door are the 25 checked in at the door, Online the 5 who joined
	// online, NoShows the 10 who did not come: indexes into Registered.
	Door, Online, NoShows []int
	WalkIns               []domain.RSVP
	Speakers              []domain.PersonInput
}

// Scripted event numbers.
const (
	ScriptedRegistered = 40
	ScriptedDoor       = 25
	ScriptedOnline     = 5
	ScriptedWalkIns    = 3
)

// ScriptedEvent plays the scripted event on db: created and published a
// week before start, RSVPs the day before, attendance half an hour in. It
// moves db's clock while it plays and puts it back before it returns, so
// pick a start more than two hours ago for an event that is over. names,
// if given, replace the first attendees' names.
func ScriptedEvent(t testing.TB, db *store.DB, start time.Time, names ...string) Scripted {
	t.Helper()
	ctx := context.Background()
	clock, ok := db.Clock().(*Clock)
	if !ok {
		t.Fatalf("storetest: ScriptedEvent needs a database opened by storetest, not one with a %T", db.Clock())
	}
	offset, frozen := clock.state()
	defer clock.restore(offset, frozen)
	at := func(tm time.Time) { clock.Freeze(tm.UTC()) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	u := Unique()
	var (
		s   Scripted
		err error
	)
	at(start.Add(-7 * 24 * time.Hour))
	s.Owner, err = db.CreateOrganiser(ctx, "olive-"+u+"@example.org", "Olive Owner")
	must(err)
	s.Host, err = db.CreateOrganiser(ctx, "hugo-"+u+"@example.org", "Hugo Host")
	must(err)
	s.Group, err = db.CreateGroup(ctx, s.Owner.ID, domain.Group{Slug: "gophers-" + u, Name: "Oslo Gophers " + u, TimeZone: "Europe/Oslo"})
	must(err)
	_, _, err = db.AddMember(ctx, s.Owner.ID, s.Group.ID, s.Host.Email, "", domain.RoleOrganiser)
	must(err)
	s.Event, err = db.CreateEvent(ctx, s.Owner.ID, s.Group.ID, domain.Event{Title: "Go in production " + u, Kind: domain.KindMeetup,
		StartsAt: start, EndsAt: start.Add(2 * time.Hour), Venue: &domain.Venue{Name: "Community Hall", Address: "Storgata 1, Oslo"},
		OnlineURL: "https://meet.example.org/gophers-" + u, Waitlist: true, Slug: "go-in-production-" + u})
	must(err)
	s.Event, err = db.PublishEvent(ctx, s.Owner.ID, s.Event.ID)
	must(err)
	s.Speakers = []domain.PersonInput{
		{Name: "Sam Speaker", Email: "sam-" + u + "@example.org", TalkTitle: "Go at scale"},
		{Name: "Tia Talker", Email: "tia-" + u + "@example.org", TalkTitle: "Testing with real databases"},
	}
	_, _, err = db.SetEventPeople(ctx, s.Owner.ID, s.Event.ID, domain.EventPeopleInput{HostIDs: []string{s.Host.ID}, Speakers: s.Speakers})
	must(err)

	at(start.Add(-24 * time.Hour))
	for i := range ScriptedRegistered {
		name := fmt.Sprintf("Attendee %02d", i+1)
		if i < len(names) {
			name = names[i]
		}
		res, err := db.CreateRSVP(ctx, s.Event.Slug, domain.RSVPInput{Name: name, Email: fmt.Sprintf("attendee-%02d-%s@example.org", i+1, u)})
		must(err)
		if res.RSVP.Status != domain.RSVPGoing {
			t.Fatalf("RSVP %d: %s, want going", i+1, res.RSVP.Status)
		}
		s.Registered = append(s.Registered, res.RSVP)
		s.Tokens = append(s.Tokens, res.ManageToken)
	}

	at(start.Add(30 * time.Minute))
	for i := range ScriptedRegistered {
		switch {
		case i < ScriptedDoor:
			_, err := db.CheckIn(ctx, s.Owner.ID, s.Event.ID, domain.CheckinRequest{RSVPID: s.Registered[i].ID})
			must(err)
			s.Door = append(s.Door, i)
		case i < ScriptedDoor+ScriptedOnline:
			_, recorded, err := db.JoinOnline(ctx, s.Tokens[i], "")
			must(err)
			if !recorded {
				t.Fatalf("online join of RSVP %d was not recorded", i+1)
			}
			s.Online = append(s.Online, i)
		default:
			s.NoShows = append(s.NoShows, i)
		}
	}
	for i := range ScriptedWalkIns {
		res, err := db.CheckIn(ctx, s.Owner.ID, s.Event.ID, domain.CheckinRequest{
			Name: fmt.Sprintf("Walk-in %d", i+1), Email: fmt.Sprintf("walkin-%d-%s@example.org", i+1, u)})
		must(err)
		if !res.Created || !res.RSVP.WalkIn {
			t.Fatalf("walk-in %d: %+v", i+1, res)
		}
		s.WalkIns = append(s.WalkIns, res.RSVP)
	}
	return s
}
