package domain

import (
	"strings"
	"testing"
	"time"
)

func TestReplyAddress(t *testing.T) {
	key := ReplyKey([]byte("installation secret"))
	tok := ReplyToken(key, "rsvp-1")
	if len(tok) != ReplyTokenLen || strings.ToLower(tok) != tok {
		t.Fatalf("token %q: want %d lower-case characters", tok, ReplyTokenLen)
	}
	if ReplyToken(key, "rsvp-1") != tok {
		t.Fatal("the token of one RSVP changed: calendars would see another ORGANIZER")
	}
	if ReplyToken(key, "rsvp-2") == tok || ReplyToken(ReplyKey([]byte("another")), "rsvp-1") == tok {
		t.Fatal("two RSVPs, or two installations, share a reply token")
	}
	addr := ReplyAddress(tok, "Events.Example.org")
	if len(addr[:strings.IndexByte(addr, '@')]) > 64 || !ValidEmail(addr) {
		t.Fatalf("%q is not a valid address with a local part of at most 64 characters", addr)
	}
	for _, c := range []struct {
		addr, domain, want string
	}{
		{addr, "events.example.org", tok},
		{strings.ToUpper(addr), "events.example.org", tok}, // a mail system that folds case
		{addr, "events.example.org.", tok},
		{addr, "example.org", ""},
		{"reply+" + tok[:51] + "@events.example.org", "events.example.org", ""},
		{"reply+" + tok[:51] + "1@events.example.org", "events.example.org", ""}, // not base32
		{"replies+" + tok + "@events.example.org", "events.example.org", ""},
		{tok + "@events.example.org", "events.example.org", ""},
		{addr, "", ""},
	} {
		if got := ReplyTokenOf(c.addr, c.domain); got != c.want {
			t.Errorf("ReplyTokenOf(%q, %q) = %q, want %q", c.addr, c.domain, got, c.want)
		}
	}
}

func TestReplyDecision(t *testing.T) {
	stamp := time.Date(2030, 3, 1, 12, 0, 0, 0, time.UTC)
	asked := stamp.Add(-time.Hour)
	subject := func(status RSVPStatus) ReplySubject {
		return ReplySubject{
			RSVP:  RSVP{ID: "r1", Email: "Ada@Example.org", Status: status},
			Event: Event{ID: "e1", Status: EventPublished, Sequence: 4},
			UID:   "e1@convene.example", SentSequence: 2,
		}
	}
	reply := func(status ReplyStatus) CalendarReply {
		return CalendarReply{Method: MethodReply, UID: "e1@convene.example", Attendee: "ada@example.org", Status: status, Sequence: 2, Stamp: stamp}
	}
	type tc struct {
		name string
		r    CalendarReply
		s    ReplySubject
		want ReplyAction
	}
	cases := []tc{
		{"decline of a seat", reply(ReplyDeclined), subject(RSVPGoing), ReplyCancel},
		{"decline while waiting leaves the line", reply(ReplyDeclined), subject(RSVPWaitlisted), ReplyCancel},
		{"accept while going", reply(ReplyAccepted), subject(RSVPGoing), ReplyRecord},
		{"accept while waiting gives no seat", reply(ReplyAccepted), subject(RSVPWaitlisted), ReplyRecord},
		{"maybe", reply(ReplyTentative), subject(RSVPGoing), ReplyRecord},
		{"unknown answer", reply(""), subject(RSVPGoing), ReplyIgnoreStatus},
	}
	s := subject(RSVPGoing)
	s.RSVP.ReconfirmAskedAt = &asked
	cases = append(cases, tc{"accept answers a reconfirmation", reply(ReplyAccepted), s, ReplyReconfirm})
	s = subject(RSVPGoing)
	s.RSVP.ReconfirmAskedAt, s.RSVP.ReconfirmedAt = &asked, &asked
	cases = append(cases, tc{"accept after confirming", reply(ReplyAccepted), s, ReplyRecord})
	s = subject(RSVPGoing)
	s.RSVP.AttendedAt = &asked
	cases = append(cases, tc{"decline after coming", reply(ReplyDeclined), s, ReplyIgnoreStatus})

	r := reply(ReplyDeclined)
	r.UID = "e2@convene.example"
	cases = append(cases, tc{"another event's UID", r, subject(RSVPGoing), ReplyIgnoreMismatch})
	r = reply(ReplyDeclined)
	r.Attendee = "eve@example.org"
	cases = append(cases, tc{"another attendee", r, subject(RSVPGoing), ReplyIgnoreMismatch})
	r = reply(ReplyDeclined)
	r.Sequence = 1
	cases = append(cases, tc{"an invite since replaced", r, subject(RSVPGoing), ReplyIgnoreStale})
	r = reply(ReplyDeclined)
	r.Sequence = 5
	cases = append(cases, tc{"a SEQUENCE never sent", r, subject(RSVPGoing), ReplyIgnoreMismatch})
	r = reply(ReplyDeclined)
	r.Sequence = 4
	cases = append(cases, tc{"the event's latest SEQUENCE (a repeat notice carries it)", r, subject(RSVPGoing), ReplyCancel})

	s = subject(RSVPGoing)
	s.Event.Status = EventCancelled
	cases = append(cases, tc{"a cancelled event", reply(ReplyDeclined), s, ReplyIgnoreGone})
	cases = append(cases, tc{"a cancelled RSVP", reply(ReplyAccepted), subject(RSVPCancelled), ReplyIgnoreGone})
	s = subject(RSVPGoing)
	s.RSVP.ErasedAt = &asked
	cases = append(cases, tc{"an erased RSVP", reply(ReplyAccepted), s, ReplyIgnoreGone})

	s = subject(RSVPGoing)
	s.Last = &LastReply{Status: ReplyTentative, Sequence: 2, Stamp: stamp}
	cases = append(cases, tc{"the same reply again", reply(ReplyTentative), s, ReplyIgnoreRepeat})
	old := reply(ReplyDeclined)
	old.Stamp = stamp.Add(-time.Minute)
	cases = append(cases, tc{"an older answer arriving late", old, s, ReplyIgnoreRepeat})
	cases = append(cases, tc{"a newer answer", func() CalendarReply { r := reply(ReplyDeclined); r.Stamp = stamp.Add(time.Minute); return r }(), s, ReplyCancel})
	cases = append(cases, tc{"another answer with the same stamp", reply(ReplyDeclined), s, ReplyCancel})

	c := reply("")
	c.Method = MethodCounter
	cases = append(cases, tc{"a proposal of another time", c, subject(RSVPGoing), ReplyDeclineCounter})
	cases = append(cases, tc{"a proposal while waiting", c, subject(RSVPWaitlisted), ReplyIgnoreGone})
	c.Method = MethodRefresh
	cases = append(cases, tc{"a refresh", c, subject(RSVPGoing), ReplyRefresh})
	c.Method = "PUBLISH"
	cases = append(cases, tc{"not an attendee's method", c, subject(RSVPGoing), ReplyIgnoreStatus})

	for _, c := range cases {
		if got := ReplyDecision(c.r, c.s); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
