package mail

import (
	"strings"
	"testing"

	"github.com/convene/convene/domain"
)

const replyAddr = "reply+abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnop@events.convene.example"

// TestComposeReplyAddress: with a reply address the invite's ORGANIZER is
// it (so the calendar's Accept/Decline comes back to Convene), under the
// group's name, and the e-mail's Reply-To stays the group's contact, a
// person; without one the invite is as before.
func TestComposeReplyAddress(t *testing.T) {
	for _, kind := range []domain.MessageKind{domain.MessageGoing, domain.MessageUpdated} {
		in := invite()
		if kind == domain.MessageUpdated {
			in = updatedInvite()
		}
		plain := mustCompose(t, kind, in)
		in.ReplyAddress = replyAddr
		m := mustCompose(t, kind, in)
		org := icsOne(t, parseICS(t, m.Calendar), "ORGANIZER")
		if org.Value != "mailto:"+replyAddr || org.Params["CN"] != in.Group.Name {
			t.Errorf("%s: ORGANIZER %+v", kind, org)
		}
		if m.ReplyTo.Address != in.Group.ContactEmail || plain.ReplyTo != m.ReplyTo {
			t.Errorf("%s: Reply-To %v, want the contact %s", kind, m.ReplyTo, in.Group.ContactEmail)
		}
		if porg := icsOne(t, parseICS(t, plain.Calendar), "ORGANIZER"); porg.Value != "mailto:"+in.Group.ContactEmail {
			t.Errorf("%s without a reply address: ORGANIZER %+v", kind, porg)
		}
		att := icsOne(t, parseICS(t, m.Calendar), "ATTENDEE")
		if att.Params["RSVP"] != "TRUE" || att.Params["PARTSTAT"] != "ACCEPTED" {
			t.Errorf("%s: ATTENDEE %+v: calendars offer Yes/No only when RSVP=TRUE", kind, att)
		}
	}
	in := invite()
	in.ReplyAddress = "not an address"
	if _, err := Compose(domain.MessageGoing, in); err == nil {
		t.Error("a reply address that is not an address was taken")
	}
}

// TestComposeDeclineCounter: the answer to a proposal of another time is a
// DECLINECOUNTER echoing the proposal's SEQUENCE, from the reply address,
// that says the event stays at its time.
func TestComposeDeclineCounter(t *testing.T) {
	in := invite()
	in.ReplyAddress = replyAddr
	m, err := ComposeDeclineCounter(in, 3)
	if err != nil {
		t.Fatal(err)
	}
	props := parseICS(t, m.Calendar)
	if got := icsOne(t, props, "METHOD").Value; got != "DECLINECOUNTER" || m.Method != "DECLINECOUNTER" {
		t.Errorf("METHOD %q / %q", got, m.Method)
	}
	if got := icsOne(t, props, "SEQUENCE").Value; got != "3" {
		t.Errorf("SEQUENCE %q, want the proposal's 3", got)
	}
	if got := icsOne(t, props, "UID").Value; got != in.Event.ID+"@convene.example" {
		t.Errorf("UID %q", got)
	}
	if got := icsOne(t, props, "ORGANIZER").Value; got != "mailto:"+replyAddr {
		t.Errorf("ORGANIZER %q", got)
	}
	if got := icsOne(t, props, "ATTENDEE").Value; got != "mailto:"+in.RSVP.Email {
		t.Errorf("ATTENDEE %q", got)
	}
	if !strings.Contains(m.Text, "stays at") || !strings.Contains(m.Text, "Oslo") || m.ReplyTo.Address != in.Group.ContactEmail {
		t.Errorf("text %q, Reply-To %v", m.Text, m.ReplyTo)
	}
	if _, err := m.Msg(); err != nil {
		t.Fatalf("render: %v", err)
	}
}
