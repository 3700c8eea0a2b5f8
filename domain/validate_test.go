package domain

import (
	"strings"
	"testing"
	"time"
)

func TestValidEmail(t *testing.T) {
	for _, s := range []string{"ada@example.org", "a.b+tag@sub.example.co.uk", "ADA@EXAMPLE.ORG", "admin@localhost"} {
		if !ValidEmail(s) {
			t.Errorf("ValidEmail(%q) = false", s)
		}
	}
	for _, s := range []string{"", "ada", "ada@", "@example.org", "a@b@c", `"Ada" <ada@example.org>`, "<ada@example.org>",
		"ada@example.org\r\nBcc: x@y.z", "ada @example.org", "ada@example.org.", "ada@.example.org",
		"ada@[127.0.0.1]", "ada@[IPv6:::1]"} {
		if ValidEmail(s) {
			t.Errorf("ValidEmail(%q) = true", s)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for _, s := range []string{"https://meet.example.org/j/123?pwd=a%20b", "http://localhost:8080/x#frag"} {
		var v Validation
		if CheckURL(&v, "online_url", s); v.Err() != nil {
			t.Errorf("CheckURL(%q) refused: %v", s, v.Err())
		}
	}
	// Each of these would break the e-mail, page or calendar that carries
	// the link, so it must be refused when the organiser enters it.
	for _, s := range []string{"https://x.org/\"a", "https://x.org/<b>", "https://x.org/a b", "https://x.org/a\u00a0b",
		"https://x.org/a\u2028b", "https://x.org/a\u3000b", "ftp://x.org/", "https:///path", "//x.org/"} {
		var v Validation
		if CheckURL(&v, "online_url", s); v.Err() == nil {
			t.Errorf("CheckURL(%q) accepted", s)
		}
	}
}

// TestCheckURLDeceptive: links that lead somewhere other than they read
// are refused with a message that says why: user-info before the host
// (the browser goes to evil.example), and control, bidirectional and other
// invisible format characters, also percent-encoded in the host.
func TestCheckURLDeceptive(t *testing.T) {
	const userInfo = "must not have a user name or password before the host (\"name@\")"
	const hidden = "must not contain invisible or text-direction characters"
	for s, want := range map[string]string{
		"https://good.example@evil.example/":        userInfo,
		"https://good.example:443@evil.example/j/1": userInfo,
		"https://user:secret@meet.example.org/":     userInfo,
		"https://@evil.example/":                    userInfo,
		"HTTPS://good.example@evil.example":         userInfo,
		"https://good.example%2F@evil.example/":     userInfo,
		"https://meet.example.org/\u202Eexe.pdf":    hidden, // RIGHT-TO-LEFT OVERRIDE
		"https://meet.example.org/\u202Ax":          hidden, // LEFT-TO-RIGHT EMBEDDING
		"https://meet.example.org/\u202Bx":          hidden,
		"https://meet.example.org/\u202Cx":          hidden,
		"https://meet.example.org/\u202Dx":          hidden,
		"https://meet.example.org/\u200Ex":          hidden, // LEFT-TO-RIGHT MARK
		"https://meet.example.org/\u200Fx":          hidden, // RIGHT-TO-LEFT MARK
		"https://meet.example.org/\u2066x":          hidden, // LEFT-TO-RIGHT ISOLATE
		"https://meet.example.org/\u2067x":          hidden,
		"https://meet.example.org/\u2068x":          hidden,
		"https://meet.example.org/\u2069x":          hidden, // POP DIRECTIONAL ISOLATE
		"https://meet.example.org/\u061Cx":          hidden, // ARABIC LETTER MARK
		"https://meet.exa\u200Bmple.org/":           hidden, // ZERO WIDTH SPACE
		"https://meet.example.org/\u200Dx":          hidden, // ZERO WIDTH JOINER
		"https://meet.example.org/\u2060x":          hidden, // WORD JOINER
		"https://meet.example.org/\uFEFFx":          hidden, // BYTE ORDER MARK
		"https://meet.example.org/\u00ADx":          hidden, // SOFT HYPHEN
		"https://good.example\u202E@evil.example/":  hidden,
		"https://good.example%E2%80%AEelpmaxe/":     hidden,
		"https://meet.example.org/\x7f":             hidden,
		"https://meet.example.org/\x00":             hidden,
	} {
		var v Validation
		CheckURL(&v, "online_url", s)
		err, _ := v.Err().(*Error)
		if err == nil || len(err.Fields) != 1 || err.Fields[0].Field != "online_url" || err.Fields[0].Message != want {
			t.Errorf("CheckURL(%q): %v, want the field error %q", s, v.Err(), want)
		}
	}
	// "@" after the host is not user-info.
	for _, s := range []string{"https://meet.example.org/@ada", "https://meet.example.org/j?u=a@b.org", "https://meet.example.org#@x",
		"https://xn--mnchen-3ya.example/", "https://münchen.example/"} {
		var v Validation
		if CheckURL(&v, "online_url", s); v.Err() != nil {
			t.Errorf("CheckURL(%q) refused: %v", s, v.Err())
		}
	}
}

func TestCheckLineRefusesControlCharacters(t *testing.T) {
	for _, s := range []string{"a\rb", "a\nb", "a\x00b", "a\x1bb", "a\u2028b", "a\tb", "\xff"} {
		var v Validation
		CheckLine(&v, "title", s, true, 100)
		if v.Err() == nil {
			t.Errorf("CheckLine(%q) accepted", s)
		}
	}
	var v Validation
	CheckLine(&v, "title", "Café, \"quotes\"; emoji 🎉 — fine", true, 100)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Go & Friends — December": "go-friends-december",
		"  Ça va? Ünïcode!  ":     "ca-va-unicode",
		"2026 Q1 Essentials":      "2026-q1-essentials",
		"🎉🎉":                      "",
	} {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func validEvent() Event {
	start := time.Date(2030, 1, 1, 18, 0, 0, 0, time.UTC)
	return Event{Title: "T", Kind: KindMeetup, StartsAt: start, EndsAt: start.Add(time.Hour), TimeZone: "Europe/Oslo", RSVPConfirmation: ConfirmNone,
		Venue: &Venue{Name: "Hall"}, Waitlist: true}
}

func TestEventValidate(t *testing.T) {
	zero, big := 0, MaxCapacity+1
	for name, c := range map[string]struct {
		mutate func(*Event)
		field  string
	}{
		"EndBeforeStart":       {func(e *Event) { e.EndsAt = e.StartsAt.Add(-time.Minute) }, "ends_at"},
		"UnknownZone":          {func(e *Event) { e.TimeZone = "Mars/Olympus" }, "time_zone"},
		"LocalZone":            {func(e *Event) { e.TimeZone = "Local" }, "time_zone"},
		"MeetupWithoutVenue":   {func(e *Event) { e.Venue = nil }, "venue"},
		"SessionWithoutURL":    {func(e *Event) { e.Kind = KindLiveSession; e.Venue = nil }, "online_url"},
		"CapacityZero":         {func(e *Event) { e.Capacity = &zero }, "capacity"},
		"CapacityHuge":         {func(e *Event) { e.Capacity = &big }, "capacity"},
		"ControlInTitle":       {func(e *Event) { e.Title = "a\rATTENDEE:mailto:x" }, "title"},
		"BadKind":              {func(e *Event) { e.Kind = "party" }, "kind"},
		"JavascriptURL":        {func(e *Event) { e.OnlineURL = "javascript:alert(1)" }, "online_url"},
		"TooLong":              {func(e *Event) { e.EndsAt = e.StartsAt.Add(40 * 24 * time.Hour) }, "ends_at"},
		"ClosesAfterEnd":       {func(e *Event) { c := e.EndsAt.Add(time.Minute); e.RSVPClosesAt = &c }, "rsvp_closes_at"},
		"WindowClosesBeforeIt": {func(e *Event) { a, b := e.StartsAt, e.StartsAt.Add(-time.Hour); e.RSVPOpensAt, e.RSVPClosesAt = &a, &b }, "rsvp_closes_at"},
	} {
		t.Run(name, func(t *testing.T) {
			e := validEvent()
			c.mutate(&e)
			err := e.Validate()
			de, ok := err.(*Error)
			if !ok || de.Code != EINVALID {
				t.Fatalf("want EINVALID, got %v", err)
			}
			for _, f := range de.Fields {
				if f.Field == c.field {
					return
				}
			}
			t.Fatalf("no error on %s: %+v", c.field, de.Fields)
		})
	}
	e := validEvent()
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestRSVPWindow(t *testing.T) {
	e := validEvent()
	before := e.StartsAt.Add(-time.Hour)
	if e.RSVPOpen(before) {
		t.Fatal("a draft takes RSVPs")
	}
	e.Status = EventPublished
	if !e.RSVPOpen(before) || e.RSVPOpen(e.EndsAt) {
		t.Fatal("by default RSVPs are open until the event ends")
	}
	opens := before.Add(30 * time.Minute)
	e.RSVPOpensAt = &opens
	if err := e.CheckAcceptsRSVP(before); ErrorCode(err) != ECONFLICT || err.(*Error).Reason != "rsvp_not_open" {
		t.Fatalf("before the window: %v", err)
	}
	one := 1
	e.Capacity, e.GoingCount, e.Waitlist = &one, 1, false
	if e.RSVPOpen(opens) {
		t.Fatal("full event without waitlist shows RSVPs open")
	}
	if *e.SeatsLeft() != 0 {
		t.Fatal("seats left")
	}
	e.Status = EventCancelled
	if err := e.CheckAcceptsRSVP(opens); err.(*Error).Reason != "event_cancelled" {
		t.Fatal(err)
	}
	if err := e.CheckPublish(opens); err == nil {
		t.Fatal("a cancelled event was published again")
	}
}

func TestEventUpdateReportsChangedFields(t *testing.T) {
	e := validEvent()
	same, other := e.Title, "New"
	ten := 10
	changed := EventUpdate{Title: &same, Capacity: Nullable[int]{Set: true, Value: &ten}}.Apply(&e)
	if len(changed) != 1 || changed[0] != "capacity" {
		t.Fatalf("changed %v", changed)
	}
	changed = EventUpdate{Title: &other, Venue: Nullable[Venue]{Set: true}}.Apply(&e)
	if len(changed) != 2 || e.Venue != nil || e.Title != "New" {
		t.Fatalf("changed %v, event %+v", changed, e)
	}
}

// TestCheckPersonName: a name people give for themselves (or an invitee's)
// may not carry a web address or an e-mail address — the service mails it
// to whatever address was given — nor be longer than 100 characters.
// Names with dots, slashes, "@" and non-Latin letters are still names.
func TestCheckPersonName(t *testing.T) {
	const (
		link  = "must not contain a web address or link"
		email = "must not contain an e-mail address: give the address in the e-mail field"
	)
	for s, want := range map[string]string{
		"Rita. URGENT: pay at https://evil.example/pay": link,
		"Rita http://evil.example":                      link,
		"Rita HTTPS://EVIL.EXAMPLE":                     link,
		"Rita hxxps://evil.example":                     link,
		"Rita ftp://evil.example":                       link,
		"Rita, see www.evil.example":                    link,
		"Rita WWW.EVIL.EXAMPLE":                         link,
		"Rita: pay at evil.example/pay":                 link,
		"Rita bit.ly/3xYz":                              link,
		"Rita evil.co.uk/":                              link,
		"Rita évil.example/pay":                         link,
		"Rita evil\u200B.example/pay":                   link, // a zero-width space does not hide it
		"Rita evil\u3002example/pay":                    link, // nor an ideographic full stop
		"Rita evil.example\uFF0Fpay":                    link, // nor a fullwidth slash
		"Rita mailto:x":                                 link,
		"Rita ada@example.org":                          email,
		"Write to pay@evil.example now":                 email,
		"<ada@example.org>":                             email,
		"ada\uFF20example.org":                          email,
		"Rita \u202Eyap/elpmaxe.live":                   "must not contain text-direction controls",
		"Rita \u2067x\u2069":                            "must not contain text-direction controls",
		strings.Repeat("a", MaxPersonNameLen+1):         "must be at most 100 characters",
		"":                                              "is required",
		"Rita\r\nBcc: x":                                "must not contain control characters or line breaks",
	} {
		var v Validation
		CheckPersonName(&v, "name", s, true)
		err, _ := v.Err().(*Error)
		if err == nil || len(err.Fields) != 1 || err.Fields[0].Field != "name" || err.Fields[0].Message != want {
			t.Errorf("CheckPersonName(%q): %v, want %q", s, v.Err(), want)
		}
	}
	for _, s := range []string{"Ada Lovelace", "J.R.R. Tolkien", "Dr. Jane Doe", "Anne-Marie O'Neil", "Ada @ Oslo Gophers", "@ada",
		"Ada (ACME Inc./Oslo)", "A/B testing team", "Ødegård, Åse", "Мария Иванова", "محمد\u200F", "李小龙", "Zoë 🎉",
		strings.Repeat("a", MaxPersonNameLen), "Awww.. Ada", "Ada v2.0"} {
		var v Validation
		if CheckPersonName(&v, "name", s, true); v.Err() != nil {
			t.Errorf("CheckPersonName(%q) refused: %v", s, v.Err())
		}
	}
	var v Validation
	if CheckPersonName(&v, "name", "", false); v.Err() != nil {
		t.Errorf("an optional empty name refused: %v", v.Err())
	}
}
