package mail

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/calendar"
	"github.com/convene/convene/notifications/present"
)

func TestComposeSubjects(t *testing.T) {
	waitlisted := invite()
	waitlisted.RSVP = rsvp(domain.RSVPWaitlisted)
	rsvpCancelled := invite()
	rsvpCancelled.RSVP = rsvp(domain.RSVPCancelled)
	rsvpCancelled.Sequence = 1
	for _, c := range []struct {
		kind    domain.MessageKind
		in      Invite
		subject string
		method  calendar.Method
	}{
		{domain.MessageGoing, invite(), "You're going: Go & gløgg: year-end meetup — Thu 10 Dec 2026", calendar.MethodRequest},
		{domain.MessageWaitlisted, waitlisted, "You're on the waitlist: Go & gløgg: year-end meetup — Thu 10 Dec 2026", ""},
		{domain.MessageUpdated, updatedInvite(), "Updated: Go & gløgg: year-end meetup — Thu 10 Dec 2026", calendar.MethodRequest},
		{domain.MessageEventCancelled, cancelledInvite(domain.RSVPGoing), "Cancelled: Go & gløgg: year-end meetup — Thu 10 Dec 2026", calendar.MethodCancel},
		{domain.MessageRSVPCancelled, rsvpCancelled, "RSVP cancelled: Go & gløgg: year-end meetup — Thu 10 Dec 2026", calendar.MethodCancel},
	} {
		m := mustCompose(t, c.kind, c.in)
		if m.Subject != c.subject || m.Method != c.method || m.Kind != c.kind {
			t.Errorf("%s: subject %q method %q, want %q %q", c.kind, m.Subject, m.Method, c.subject, c.method)
		}
		if (m.Calendar != nil) != (c.method != "") {
			t.Errorf("%s: calendar %v with method %q", c.kind, m.Calendar != nil, c.method)
		}
		if _, err := m.Msg(); err != nil {
			t.Errorf("%s: Msg: %v", c.kind, err)
		}
	}
}

func TestComposeCancelPartStat(t *testing.T) {
	for status, want := range map[domain.RSVPStatus]string{
		domain.RSVPGoing:      "PARTSTAT=ACCEPTED",
		domain.RSVPWaitlisted: "PARTSTAT=NEEDS-ACTION",
	} {
		m := mustCompose(t, domain.MessageEventCancelled, cancelledInvite(status))
		att := icsOne(t, parseICS(t, m.Calendar), "ATTENDEE")
		if !strings.Contains("PARTSTAT="+att.Params["PARTSTAT"], want) || att.Params["RSVP"] != "" {
			t.Errorf("%s: ATTENDEE %v, want %s and no RSVP", status, att.Params, want)
		}
	}
	in := invite()
	in.RSVP = rsvp(domain.RSVPCancelled)
	in.Sequence = 1
	att := icsOne(t, parseICS(t, mustCompose(t, domain.MessageRSVPCancelled, in).Calendar), "ATTENDEE")
	if att.Params["PARTSTAT"] != "DECLINED" {
		t.Errorf("RSVP cancelled: PARTSTAT %s, want DECLINED", att.Params["PARTSTAT"])
	}
}

func TestComposeOrganizerFallback(t *testing.T) {
	in := invite()
	in.Group.ContactEmail = ""
	if _, err := Compose(domain.MessageGoing, in); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "first owner") {
		t.Errorf("no organiser address: %v", err)
	}
	in.Organizer = calendar.Person{Email: "owner@example.org"}
	m := mustCompose(t, domain.MessageGoing, in)
	org := icsOne(t, parseICS(t, m.Calendar), "ORGANIZER")
	if org.Value != "mailto:owner@example.org" || org.Params["CN"] != "Oslo Gophers" {
		t.Errorf("ORGANIZER %+v", org)
	}
	if m.ReplyTo.Address != "owner@example.org" {
		t.Errorf("Reply-To %v", m.ReplyTo)
	}
}

func TestComposeRefuses(t *testing.T) {
	cases := map[string]struct {
		kind  domain.MessageKind
		spoil func(in *Invite)
	}{
		"unknown kind":              {"welcome", func(in *Invite) {}},
		"going but waitlisted":      {domain.MessageGoing, func(in *Invite) { in.RSVP.Status = domain.RSVPWaitlisted }},
		"waitlisted but going":      {domain.MessageWaitlisted, func(in *Invite) {}},
		"update to cancelled RSVP":  {domain.MessageUpdated, func(in *Invite) { in.Sequence = 1; in.RSVP.Status = domain.RSVPCancelled }},
		"rsvp cancelled but going":  {domain.MessageRSVPCancelled, func(in *Invite) { in.Sequence = 1 }},
		"event cancel to cancelled": {domain.MessageEventCancelled, func(in *Invite) { in.Sequence = 1; in.RSVP.Status = domain.RSVPCancelled }},
		"invite to cancelled event": {domain.MessageGoing, func(in *Invite) { in.Event.Status = domain.EventCancelled }},
		"update without sequence":   {domain.MessageUpdated, func(in *Invite) {}},
		"cancel without sequence":   {domain.MessageEventCancelled, func(in *Invite) {}},
		"no RSVP id":                {domain.MessageGoing, func(in *Invite) { in.RSVP.ID = "" }},
		"no Now":                    {domain.MessageGoing, func(in *Invite) { in.Now = time.Time{} }},
		"relative base URL":         {domain.MessageGoing, func(in *Invite) { in.BaseURL = "/convene" }},
		"ftp base URL":              {domain.MessageGoing, func(in *Invite) { in.BaseURL = "ftp://convene.example" }},
		"no zone":                   {domain.MessageGoing, func(in *Invite) { in.Event.TimeZone = "" }},
		"unknown zone":              {domain.MessageGoing, func(in *Invite) { in.Event.TimeZone = "Mars/Olympus" }},
		"bad manage URL":            {domain.MessageGoing, func(in *Invite) { in.ManageURL = "javascript:alert(1)" }},
		"online without link":       {domain.MessageGoing, func(in *Invite) { in.Event = session(); in.Event.OnlineURL = "" }},
		"online with bad link":      {domain.MessageGoing, func(in *Invite) { in.Event = session(); in.JoinURL = "https://meet.example.com/x\r\nATTENDEE:x" }},
		"bad from":                  {domain.MessageGoing, func(in *Invite) { in.From.Address = "no-reply" }},
		"no event id":               {domain.MessageGoing, func(in *Invite) { in.Event.ID = "" }},
	}
	stale := map[string]bool{
		"going but waitlisted": true, "waitlisted but going": true, "update to cancelled RSVP": true,
		"rsvp cancelled but going": true, "event cancel to cancelled": true, "invite to cancelled event": true,
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			in := invite()
			c.spoil(&in)
			_, err := Compose(c.kind, in)
			if !errors.Is(err, ErrInvalid) || !IsPermanent(err) {
				t.Errorf("Compose = %v, want ErrInvalid", err)
			}
			if errors.Is(err, ErrStale) != stale[name] {
				t.Errorf("Compose = %v: ErrStale %v, want %v", err, errors.Is(err, ErrStale), stale[name])
			}
		})
	}
}

func TestWhen(t *testing.T) {
	at := func(zone string, y int, mo time.Month, d, h, mi int) time.Time {
		return time.Date(y, mo, d, h, mi, 0, 0, mustZone(zone)).UTC()
	}
	for _, c := range []struct {
		zone       string
		start, end time.Time
		want       string
	}{
		{"Europe/Oslo", at("Europe/Oslo", 2026, 12, 10, 18, 0), at("Europe/Oslo", 2026, 12, 10, 20, 0),
			"Thursday 10 December 2026, 18:00–20:00 (Europe/Oslo, CET)"},
		{"Europe/Oslo", at("Europe/Oslo", 2026, 6, 10, 18, 0), at("Europe/Oslo", 2026, 6, 10, 20, 0),
			"Wednesday 10 June 2026, 18:00–20:00 (Europe/Oslo, CEST)"},
		{"Europe/Oslo", at("Europe/Oslo", 2026, 12, 31, 22, 0), at("Europe/Oslo", 2027, 1, 1, 2, 0),
			"Thursday 31 December 2026, 22:00 – Friday 1 January 2027, 02:00 (Europe/Oslo, CET)"},
		// The night clocks go back: each time carries its own abbreviation.
		{"Europe/Oslo", at("Europe/Oslo", 2026, 10, 24, 23, 0), at("Europe/Oslo", 2026, 10, 25, 4, 0),
			"Saturday 24 October 2026, 23:00 CEST – Sunday 25 October 2026, 04:00 CET (Europe/Oslo)"},
		// The night clocks go forward, within one day: the label does not
		// name the start's abbreviation alone.
		{"Europe/Oslo", at("Europe/Oslo", 2026, 3, 29, 1, 0), at("Europe/Oslo", 2026, 3, 29, 4, 0),
			"Sunday 29 March 2026, 01:00 CET – 04:00 CEST (Europe/Oslo)"},
		{"Asia/Dubai", at("Asia/Dubai", 2026, 3, 2, 9, 30), at("Asia/Dubai", 2026, 3, 2, 11, 0),
			"Monday 2 March 2026, 09:30–11:00 (Asia/Dubai, UTC+4)"},
		{"Asia/Kolkata", at("Asia/Kolkata", 2026, 3, 2, 9, 30), time.Time{},
			"Monday 2 March 2026, 09:30 (Asia/Kolkata, IST)"},
		{"America/St_Johns", at("America/St_Johns", 2026, 1, 5, 9, 0), at("America/St_Johns", 2026, 1, 5, 10, 0),
			"Monday 5 January 2026, 09:00–10:00 (America/St_Johns, NST)"},
		{"Asia/Kathmandu", at("Asia/Kathmandu", 2026, 1, 5, 9, 0), at("Asia/Kathmandu", 2026, 1, 5, 10, 0),
			"Monday 5 January 2026, 09:00–10:00 (Asia/Kathmandu, UTC+5:45)"},
		{"UTC", at("UTC", 2026, 1, 5, 9, 0), at("UTC", 2026, 1, 5, 10, 0), "Monday 5 January 2026, 09:00–10:00 (UTC)"},
	} {
		e := domain.Event{StartsAt: c.start, EndsAt: c.end, TimeZone: c.zone}
		if got := when(e, mustZone(c.zone)); got != c.want {
			t.Errorf("when(%s) = %q, want %q", c.zone, got, c.want)
		}
	}
}

func TestChangeSentences(t *testing.T) {
	base := meetup()
	moved := base
	moved.StartsAt, moved.EndsAt = base.StartsAt.Add(time.Hour), base.EndsAt.Add(time.Hour)
	nextDay := base
	nextDay.StartsAt, nextDay.EndsAt = base.StartsAt.Add(24*time.Hour), base.EndsAt.Add(24*time.Hour)
	renamed := base
	renamed.Title = "Go & gløgg (moved)"
	goesOnline := base
	goesOnline.Kind, goesOnline.Venue, goesOnline.OnlineURL = domain.KindLiveSession, nil, "https://meet.example.com/x"
	otherVenue := base
	otherVenue.Venue = &domain.Venue{Name: "Deichman Bjørvika", Address: "Anne-Cath. Vestlys plass 1"}
	london := base
	london.TimeZone = "Europe/London"

	for _, c := range []struct {
		name    string
		changed []string
		cur     domain.Event
		prev    *domain.Event
		want    []string
	}{
		{"time", []string{"starts_at", "ends_at"}, moved, &base,
			[]string{"The time changed: now Thursday 10 December, 19:00–21:00 (was 18:00–20:00)."}},
		{"time without previous", []string{"starts_at"}, moved, nil,
			[]string{"The time changed: now Thursday 10 December, 19:00–21:00 (Europe/Oslo, CET)."}},
		{"date", []string{"starts_at", "ends_at"}, nextDay, &base,
			[]string{"The time changed: now Friday 11 December, 18:00–20:00 (was Thursday 10 December, 18:00–20:00)."}},
		{"zone", []string{"time_zone"}, london, &base,
			[]string{"The time changed: now Thursday 10 December, 17:00–19:00 (Europe/London, GMT) (was 18:00–20:00 (Europe/Oslo, CET))."}},
		{"title", []string{"title"}, renamed, &base,
			[]string{"The title changed: now “Go & gløgg (moved)” (was “Go & gløgg: year-end meetup”)."}},
		{"venue", []string{"venue"}, otherVenue, &base,
			[]string{"The place changed: now Deichman Bjørvika, Anne-Cath. Vestlys plass 1 (was Kulturhuset, Youngstorget 3, 0181 Oslo)."}},
		{"goes online", []string{"kind", "venue", "online_url"}, goesOnline, &base,
			[]string{"The place changed: now online (was Kulturhuset, Youngstorget 3, 0181 Oslo).", "The join link changed: https://meet.example.com/x"}},
		{"invisible fields", []string{"capacity", "slug", "rsvp_closes_at"}, base, &base,
			[]string{"Some details of this event changed."}},
		{"in order", []string{"description", "starts_at", "title"}, renamed, &base,
			[]string{"The title changed: now “Go & gløgg (moved)” (was “Go & gløgg: year-end meetup”).",
				"The time changed: now Thursday 10 December, 18:00–20:00 (was 18:00–20:00).", "The description changed."}},
	} {
		loc := mustZone(c.cur.TimeZone)
		join := ""
		if present.Online(c.cur) {
			join = c.cur.OnlineURL
		}
		got, err := changeSentences(c.changed, c.cur, c.prev, loc, join)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func TestMessageID(t *testing.T) {
	for _, c := range []struct {
		rsvp string
		kind domain.MessageKind
		seq  int
		host string
		want string
	}{
		{"rsvp_01jf7a", domain.MessageGoing, 0, "convene.example", "rsvp_01jf7a.going.0@convene.example"},
		{"rsvp_01jf7a", domain.MessageEventCancelled, 3, "Convene.Example:8080", "rsvp_01jf7a.event-cancelled.3@convene.example"},
		{"a.b c<d>@e", domain.MessageUpdated, 1, "convene.example", "a=2Eb=20c=3Cd=3E=40e.updated.1@convene.example"},
		{"r1", domain.MessageGoing, 0, "", "r1.going.0@localhost"},
		{"r1", domain.MessageGoing, 0, "[::1]:8080", "r1.going.0@--1"},
		{"r1", domain.MessageGoing, 0, "..", "r1.going.0@localhost"},
	} {
		got := MessageID(c.rsvp, c.kind, c.seq, c.host)
		if got != c.want {
			t.Errorf("MessageID(%q, %s, %d, %q) = %q, want %q", c.rsvp, c.kind, c.seq, c.host, got, c.want)
		}
		if !validMessageID(got) {
			t.Errorf("MessageID %q is not a valid msg-id", got)
		}
	}
	if MessageID("r", domain.MessageGoing, 1, "h") == MessageID("r", domain.MessageUpdated, 1, "h") ||
		MessageID("r", domain.MessageUpdated, 1, "h") == MessageID("r", domain.MessageUpdated, 2, "h") {
		t.Error("different news share a Message-ID")
	}
	m := mustCompose(t, domain.MessageUpdated, updatedInvite())
	if m.ID != "rsvp_01jf7a.updated.1@convene.example" {
		t.Errorf("Compose made ID %q", m.ID)
	}
}

func TestCalendarLinks(t *testing.T) {
	e := meetup()
	details := "Bring a friend & a laptop!\nSee you."
	location := "Kulturhuset, Youngstorget 3"

	g, err := url.Parse(calendar.GoogleCalendarURL(e, details, location))
	if err != nil {
		t.Fatal(err)
	}
	q := g.Query()
	if g.Host != "calendar.google.com" || g.Path != "/calendar/render" || q.Get("action") != "TEMPLATE" ||
		q.Get("text") != e.Title || q.Get("dates") != "20261210T170000Z/20261210T190000Z" ||
		q.Get("details") != details || q.Get("location") != location || q.Get("ctz") != "Europe/Oslo" {
		t.Errorf("Google link %s reads %v", g, q)
	}

	raw := calendar.OutlookCalendarURL(e, details, location)
	if strings.Contains(raw, "+") {
		t.Errorf("Outlook link uses + for spaces, which Outlook shows: %s", raw)
	}
	o, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q = o.Query()
	if o.Host != "outlook.live.com" || o.Path != "/calendar/0/deeplink/compose" || q.Get("subject") != e.Title ||
		q.Get("startdt") != "2026-12-10T17:00:00Z" || q.Get("enddt") != "2026-12-10T19:00:00Z" ||
		q.Get("body") != details || q.Get("location") != location || q.Get("path") != "/calendar/action/compose" {
		t.Errorf("Outlook link %s reads %v", o, q)
	}

	if got := ManageURL("https://convene.example/", "tok_abc"); got != "https://convene.example/r/tok_abc" {
		t.Errorf("ManageURL = %q", got)
	}
	if got := ManageURL("https://convene.example", ""); got != "" {
		t.Errorf("ManageURL without token = %q, want empty", got)
	}
}

// TestComposeSparseInput: no name, no description, no reason, no position:
// the bodies still read well.
func TestComposeSparseInput(t *testing.T) {
	in := cancelledInvite(domain.RSVPWaitlisted)
	in.RSVP.Name, in.RSVP.WaitlistPosition = "", 0
	in.Event.Description, in.Event.CancelReason = "", ""
	going := invite()
	going.RSVP.Name, going.Event.Description = "", ""
	waitlisted := invite()
	waitlisted.RSVP = rsvp(domain.RSVPWaitlisted)
	waitlisted.RSVP.WaitlistPosition, waitlisted.RSVP.Name = 0, ""
	for _, m := range []Message{
		mustCompose(t, domain.MessageEventCancelled, in),
		mustCompose(t, domain.MessageGoing, going),
		mustCompose(t, domain.MessageWaitlisted, waitlisted),
	} {
		if !strings.HasPrefix(m.Text, "Hi,\n\n") {
			t.Errorf("%s: text starts %q", m.Kind, m.Text[:20])
		}
		if strings.Contains(m.Text, "\n\n\n") || strings.Contains(m.Text, "Their message") ||
			strings.Contains(m.Text, "About this event") || strings.Contains(m.Text, "number 0") {
			t.Errorf("%s: text has empty sections:\n%s", m.Kind, m.Text)
		}
		if strings.Contains(m.HTML, "Their message") || strings.Contains(m.HTML, "About this event") || strings.Contains(m.HTML, "number 0") {
			t.Errorf("%s: HTML has empty sections", m.Kind)
		}
	}
}
