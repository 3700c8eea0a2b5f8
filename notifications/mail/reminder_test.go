package mail

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
)

// TestComposeReminder: a reminder says how soon the event starts, its local
// time with the zone, the place or the personal join link, and the manage
// link; it carries no calendar. The 24 h and 1 h reminders have distinct
// Message-IDs.
func TestComposeReminder(t *testing.T) {
	in := invite()
	in.Before, in.Sequence = 24*time.Hour, int(in.Event.StartsAt.Add(-24*time.Hour).Unix())
	m := mustCompose(t, domain.MessageReminder, in)
	for _, want := range []string{"starts in 24 hours", "Thursday 10 December 2026, 18:00–20:00 (Europe/Oslo, CET)",
		"Kulturhuset, Youngstorget 3, 0181 Oslo", manageURL, "K7QM-4TXZ"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, strings.ReplaceAll(want, "&", "&amp;")) {
			t.Errorf("the meetup reminder lacks %q:\n%s", want, m.Text)
		}
	}
	if m.Calendar != nil || !strings.HasPrefix(m.Subject, "Reminder: Go & gløgg") {
		t.Errorf("subject %q, calendar %d bytes", m.Subject, len(m.Calendar))
	}
	hour := in
	hour.Before, hour.Sequence = time.Hour, int(in.Event.StartsAt.Add(-time.Hour).Unix())
	if mustCompose(t, domain.MessageReminder, hour).ID == m.ID {
		t.Error("the 24 h and 1 h reminders share a Message-ID")
	}

	online := in
	online.Event, online.Before = session(), time.Hour
	online.JoinURL = "https://convene.example/j/tok_join"
	m = mustCompose(t, domain.MessageReminder, online)
	if !strings.Contains(m.Text, "Join:  https://convene.example/j/tok_join") || strings.Contains(m.Text, "meet.example.com") ||
		!strings.Contains(m.Text, "starts in 1 hour.") || !strings.Contains(m.Text, "Tuesday 15 December 2026, 19:00–20:30 (Europe/Oslo, CET)") ||
		strings.Contains(m.Text, "check-in code") {
		t.Errorf("the online reminder:\n%s", m.Text)
	}

	left := in
	left.RSVP = rsvp(domain.RSVPCancelled)
	if _, err := Compose(domain.MessageReminder, left); !errors.Is(err, ErrStale) {
		t.Errorf("a reminder to someone who left: %v", err)
	}
	off := in
	off.Event.Status = domain.EventCancelled
	if _, err := Compose(domain.MessageReminder, off); !errors.Is(err, ErrStale) {
		t.Errorf("a reminder of a cancelled event: %v", err)
	}
}

// TestComposeReconfirm: the request names the deadline in local time and
// links to the RSVP page (where a button confirms); the cancellation that
// follows for someone who did not confirm says why.
func TestComposeReconfirm(t *testing.T) {
	in := invite()
	in.ConfirmBy = in.Event.StartsAt.Add(-12 * time.Hour)
	m := mustCompose(t, domain.MessageReconfirm, in)
	if !strings.Contains(m.Text, "Please confirm by Thursday 10 December, 06:00 (Europe/Oslo, CET)") ||
		!strings.Contains(m.Text, manageURL) || m.Calendar != nil {
		t.Errorf("reconfirmation:\n%s", m.Text)
	}
	done := in
	now := stamp
	done.RSVP.ReconfirmedAt = &now
	if _, err := Compose(domain.MessageReconfirm, done); !errors.Is(err, ErrStale) {
		t.Errorf("asking someone who confirmed: %v", err)
	}
	c := cancelledInvite(domain.RSVPCancelled)
	c.Event.Status, c.Why = domain.EventPublished, domain.CancelNotReconfirmed
	m = mustCompose(t, domain.MessageRSVPCancelled, c)
	if !strings.Contains(m.Text, "You did not confirm in time") || !strings.Contains(m.HTML, "You did not confirm in time") || m.Method != "CANCEL" {
		t.Errorf("release CANCEL (%s):\n%s", m.Method, m.Text)
	}
}

// TestComposeRemovedByOrganisers: a cancellation the organisers made says
// so, and how to object (Reply-To is the group's contact address).
func TestComposeRemovedByOrganisers(t *testing.T) {
	c := cancelledInvite(domain.RSVPCancelled)
	c.Event.Status, c.Why = domain.EventPublished, domain.CancelByOrganiser
	m := mustCompose(t, domain.MessageRSVPCancelled, c)
	const says = "The organisers removed your RSVP. If you think this is a mistake, reply to this e-mail."
	if !strings.Contains(m.Text, says) || !strings.Contains(m.HTML, says) || m.Method != "CANCEL" {
		t.Errorf("removal CANCEL (%s):\n%s", m.Method, m.Text)
	}
}

// TestComposeHybrid: a live session that also has a room, and a meetup
// that can also be joined online, say both: the body gives the venue and
// the personal join link, and the invite keeps the venue as LOCATION with
// the join link in URL, CONFERENCE and DESCRIPTION (a live session with a
// venue used to lose the venue, a meetup with a join link the link).
func TestComposeHybrid(t *testing.T) {
	const join = "https://convene.example/j/tok_join"
	live := invite()
	live.Event = session()
	live.Event.Venue = &domain.Venue{Name: "Kulturhuset", Address: "Youngstorget 3"}
	meet := invite()
	meet.Event.OnlineURL = "https://meet.example.com/gloegg"
	for name, in := range map[string]Invite{"live session with a venue": live, "meetup with a join link": meet} {
		in.JoinURL = join
		m := mustCompose(t, domain.MessageGoing, in)
		for _, body := range []string{m.Text, m.HTML} {
			if !strings.Contains(body, "Kulturhuset, Youngstorget 3") || !strings.Contains(body, join) || strings.Contains(body, "meet.example.com") {
				t.Errorf("%s: the going e-mail lacks the venue or the join link:\n%s", name, body)
			}
		}
		ics := strings.ReplaceAll(string(m.Calendar), "\r\n ", "")
		for _, want := range []string{"LOCATION:Kulturhuset\\, Youngstorget 3", "URL:" + join, "CONFERENCE;VALUE=URI:" + join, "DESCRIPTION:Join: " + join} {
			if !strings.Contains(ics, want) {
				t.Errorf("%s: the invite lacks %q:\n%s", name, want, ics)
			}
		}
		in.Before, in.Sequence = time.Hour, 1
		r := mustCompose(t, domain.MessageReminder, in)
		if !strings.Contains(r.Text, "Where: Kulturhuset, Youngstorget 3") || !strings.Contains(r.Text, "Join:  "+join) {
			t.Errorf("%s: the reminder:\n%s", name, r.Text)
		}
	}
}
