package mail

import (
	"net/mail"
	"time"

	"github.com/convene/convene/domain"
)

// The fixtures are the emails about one Oslo meetup and one online
// session. Times are fixed so that golden files need only the MIME
// boundaries and the Date normalised.

const baseURL = "https://Convene.Example"

var (
	oslo = mustZone("Europe/Oslo")

	// stamp is when the first invitation goes out.
	stamp = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func osloAt(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, oslo).UTC()
}

func group() domain.Group {
	return domain.Group{
		ID: "grp_01", Slug: "oslo-gophers", Name: "Oslo Gophers", TimeZone: "Europe/Oslo",
		ContactEmail: "hello@oslogophers.example",
	}
}

// meetup is an in-person event: Thursday 10 December 2026, 18:00–20:00 CET.
func meetup() domain.Event {
	capacity := 40
	return domain.Event{
		ID: "evt_01jf5z", GroupID: "grp_01", Slug: "go-and-gloegg", Title: "Go & gløgg: year-end meetup",
		Description: "Lightning talks, then gløgg.\nBring a friend!\n\nDoors open 17:45.",
		Kind:        domain.KindMeetup, Status: domain.EventPublished,
		StartsAt: osloAt(12, 10, 18, 0), EndsAt: osloAt(12, 10, 20, 0), TimeZone: "Europe/Oslo",
		Venue:     &domain.Venue{Name: "Kulturhuset", Address: "Youngstorget 3, 0181 Oslo"},
		Capacity:  &capacity,
		CreatedAt: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC),
		UpdatedAt: time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC),
	}
}

// session is an online event.
func session() domain.Event {
	return domain.Event{
		ID: "evt_01jf60", GroupID: "grp_01", Slug: "generics-deep-dive", Title: "Generics deep dive",
		Description: "A live session on type parameters.",
		Kind:        domain.KindLiveSession, Status: domain.EventPublished,
		StartsAt: osloAt(12, 15, 19, 0), EndsAt: osloAt(12, 15, 20, 30), TimeZone: "Europe/Oslo",
		OnlineURL: "https://meet.example.com/gen-deep-dive?pwd=abc123",
		CreatedAt: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC),
		UpdatedAt: time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC),
	}
}

func rsvp(status domain.RSVPStatus) domain.RSVP {
	r := domain.RSVP{ID: "rsvp_01jf7a", EventID: "evt_01jf5z", Name: "Ingrid Bjørnstad", Email: "ingrid@example.net", Status: status,
		CheckinCode: "K7QM4TXZ"}
	if status == domain.RSVPWaitlisted {
		r.WaitlistPosition = 3
	}
	return r
}

const manageURL = "https://convene.example/r/tok_5bX9kq2LrT7vWz3mN8pQ"

// invite is the input for the first invitation to the meetup.
func invite() Invite {
	return Invite{
		Event:     meetup(),
		Group:     group(),
		RSVP:      rsvp(domain.RSVPGoing),
		From:      mail.Address{Address: "no-reply@convene.example"},
		BaseURL:   baseURL,
		ManageURL: manageURL,
		Now:       stamp,
	}
}

// updatedInvite moves the meetup by an hour, a week later in the
// sequence.
func updatedInvite() Invite {
	in := invite()
	prev := in.Event
	in.Previous = &prev
	in.Event.StartsAt = osloAt(12, 10, 19, 0)
	in.Event.EndsAt = osloAt(12, 10, 21, 0)
	in.Changed = []string{"starts_at", "ends_at"}
	in.Sequence = 1
	in.ManageURL = "" // the raw token is gone by now
	in.Now = stamp.Add(7 * 24 * time.Hour)
	return in
}

func cancelledInvite(status domain.RSVPStatus) Invite {
	in := updatedInvite()
	in.Previous, in.Changed = nil, nil
	in.Event.Status = domain.EventCancelled
	in.Event.CancelReason = "The venue flooded.\nWe'll announce a new date soon — sorry!"
	in.RSVP = rsvp(status)
	in.Sequence = 2
	in.Now = stamp.Add(10 * 24 * time.Hour)
	return in
}

func mustCompose(t interface {
	Helper()
	Fatalf(string, ...any)
}, kind domain.MessageKind, in Invite) Message {
	t.Helper()
	m, err := Compose(kind, in)
	if err != nil {
		t.Fatalf("Compose(%s): %v", kind, err)
	}
	return m
}
