package domain

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestParseInvitees: a pasted list is read in the shapes people paste —
// an address, "Name <address>", a spreadsheet's two columns either way
// round — and each line that cannot be read is reported with its number
// and text.
func TestParseInvitees(t *testing.T) {
	text := strings.Join([]string{
		"name,email",
		"ada@example.org",
		"Grace Hopper <grace@example.org>",
		"",
		`"Linus T", linus@example.org`,
		"bob@example.org;Bob",
		"carol@",
		"Dan\tdan@example.org\textra",
		"eve@example.org,fay@example.org",
		"Mallory <mallory@example.org",
	}, "\r\n")
	got, bad := ParseInvitees(text)
	want := []InvitationRecipient{{Email: "ada@example.org"}, {Name: "Grace Hopper", Email: "grace@example.org"},
		{Name: "Linus T", Email: "linus@example.org"}, {Name: "Bob", Email: "bob@example.org"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read %+v\nwant %+v", got, want)
	}
	var lines []int
	for _, b := range bad {
		lines = append(lines, b.Line)
		if b.Text == "" || b.Message == "" {
			t.Errorf("line %d: %+v", b.Line, b)
		}
	}
	if !reflect.DeepEqual(lines, []int{7, 8, 9, 10}) {
		t.Errorf("bad lines %v, want 7 8 9 10: %+v", lines, bad)
	}
	if bad[0].Text != "carol@" || !strings.Contains(bad[0].Message, "valid e-mail address") || bad[0].Problem != PastedField || bad[0].Field.Field != "email" {
		t.Errorf("line 7: %+v", bad[0])
	}
	for i, want := range []PastedProblem{PastedField, PastedParts, PastedCells, PastedAngle} {
		if bad[i].Problem != want {
			t.Errorf("line %d: problem %q, want %q", bad[i].Line, bad[i].Problem, want)
		}
	}
	if bad[1].Parts != 3 {
		t.Errorf("line 8 has %d parts, want 3", bad[1].Parts)
	}
}

// TestSeat: a waitlisted person is seated on a free seat as it is, on a
// full event only with a seat added, and never on an event that is not
// open or for an RSVP not in line.
func TestSeat(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	two := 2
	ev := func(going int, st EventStatus) Event {
		c := two
		return Event{Status: st, Capacity: &c, GoingCount: going, StartsAt: now.Add(time.Hour), EndsAt: now.Add(2 * time.Hour)}
	}
	w := RSVP{Status: RSVPWaitlisted}
	e := ev(1, EventPublished)
	if c, err := e.Seat(w, Seating{}, now); err != nil || *c != 2 {
		t.Errorf("free seat: %v %v", c, err)
	}
	e = ev(2, EventPublished)
	if _, err := e.Seat(w, Seating{}, now); err == nil || err.(*Error).Reason != ReasonEventFull {
		t.Errorf("full: %v", err)
	}
	if c, err := e.Seat(w, Seating{AddSeat: true}, now); err != nil || *c != 3 {
		t.Errorf("full, seat added: %v %v", c, err)
	}
	for _, c := range []struct {
		e      Event
		r      RSVP
		at     time.Time
		reason string
	}{
		{ev(1, EventCancelled), w, now, ReasonEventCancelled},
		{ev(1, EventDraft), w, now, ReasonEventNotPublished},
		{ev(1, EventPublished), w, now.Add(3 * time.Hour), ReasonEventOver},
		{ev(1, EventPublished), RSVP{Status: RSVPCancelled}, now, ReasonNotWaitlisted},
	} {
		if _, err := c.e.Seat(c.r, Seating{AddSeat: true}, c.at); err == nil || err.(*Error).Reason != c.reason {
			t.Errorf("want %s: %v", c.reason, err)
		}
	}
}
