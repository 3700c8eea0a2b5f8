package calendar

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestInvitationFor: the copy For writes for an attendee is byte for byte
// what Encode writes for the calendar with that organizer and attendee,
// for names that need quoting, folding, RFC 6868 and cleaning, and both
// methods; and For refuses what Encode refuses, with Encode's error.
func TestInvitationFor(t *testing.T) {
	people := []struct {
		org Person
		a   Attendee
	}{
		{Person{Name: "Host", Email: "host@example.org"}, Attendee{Person: Person{Name: "Ann", Email: "ann@example.org"}, PartStat: PartStatAccepted, RSVP: true}},
		{Person{Name: "Oslo Gophers", Email: "r+abc123@in.convene.example"}, Attendee{Person: Person{Name: "Doe, Jane; \"JD\" \\ ^n^'^^", Email: "jane@example.org"}}},
		{Person{Email: "host@example.org"}, Attendee{Person: Person{Name: strings.Repeat("Ingrid Bjørnstad Ødegård-Åsheim ", 5), Email: "ingrid@example.net"}, PartStat: PartStatDeclined}},
		{Person{Name: "Ωμέγα\tGroup\r\n", Email: "o@example.org"}, Attendee{Person: Person{Name: "李小龍 🐉" + strings.Repeat("é", 40), Email: "x@example.org"}, PartStat: PartStatAccepted, RSVP: true}},
		{Person{Name: "Host", Email: "host@example.org"}, Attendee{Person: Person{Email: "noname@example.org"}}},
	}
	for _, m := range []Method{MethodRequest, MethodCancel} {
		c := minimal(m)
		c.Events[0].Description = strings.Repeat("A long description, with; specials\\ and\nlines. ", 6)
		inv, err := c.Invitation()
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range people {
			got, err := inv.For(p.org, p.a)
			if err != nil {
				t.Fatalf("%s %d: %v", m, i, err)
			}
			full := c
			e := full.Events[0]
			org := p.org
			e.Organizer, e.Attendees = &org, []Attendee{p.a}
			full.Events = []Event{e}
			want, err := full.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s %d: For differs from Encode:\n%s\nwant\n%s", m, i, got, want)
			}
			checkLines(t, got)
		}
		_, err = inv.For(Person{Email: "host@example.org"}, Attendee{Person: Person{Email: "not an address"}})
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), "ATTENDEE 0 email") {
			t.Errorf("%s: a bad address gives %v", m, err)
		}
	}
	if _, err := minimal(MethodPublish).Invitation(); !errors.Is(err, ErrInvalid) {
		t.Errorf("a PUBLISH invitation: %v", err)
	}
}
