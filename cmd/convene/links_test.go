package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store/storetest"
)

// linkRE finds Convene's personal links (/r/, /j/, the personal feed) in
// text whose URL escapes have been undone.
var linkRE = regexp.MustCompile(`https://convene\.example(/r/|/j/|/api/v1/rsvps/)([A-Za-z0-9_-]{43})`)

// foundLink is a personal link's token and the path it was found under.
type foundLink struct{ path, token string }

// calendarTokens returns the personal links in text.
func calendarTokens(text string) []foundLink {
	if u, err := url.QueryUnescape(strings.ReplaceAll(text, "\r\n ", "")); err == nil {
		text += "\n" + u // add-to-calendar links carry them escaped
	}
	var out []foundLink
	for _, m := range linkRE.FindAllStringSubmatch(text, -1) {
		out = append(out, foundLink{m[1], m[2]})
	}
	return out
}

// TestCalendarsCarryOnlyTheJoinLink: whatever goes into a calendar — the
// invite's LOCATION, URL, CONFERENCE and DESCRIPTION, the add-to-calendar
// links of the e-mail, the personal feed — carries only the join link. A
// calendar is shared and synchronised where the attendee does not look, so
// whoever reads it must not be able to see the attendee's name and
// address or cancel their place; the join link still records online
// attendance in the check-in window and goes on to the meeting. The feed
// link, handed out on the manage page, reads the feed and nothing else.
func TestCalendarsCarryOnlyTheJoinLink(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			sink := smtptest.Start(t)
			in := startServe(t, mailEnv(t, dialect, sink))
			f := newFlow(t, in)
			noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			get := func(method, path string) (int, string, http.Header) {
				t.Helper()
				req, err := http.NewRequest(method, in.base+path, nil)
				if err != nil {
					t.Fatal(err)
				}
				res, err := noRedirect.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, string(b), res.Header
			}

			// A live session starting in ten minutes: its check-in window
			// (from half an hour before) is open.
			meeting := "https://meet.example.org/room-" + storetest.Unique()
			st, g := call(t, "POST", f.base+"/api/v1/groups", f.token, map[string]any{"slug": "g-" + storetest.Unique(), "name": "Oslo Go", "time_zone": "Europe/Oslo"})
			if st != 201 {
				t.Fatalf("group: %d %v", st, g)
			}
			start := clock.Now().Add(10 * time.Minute).UTC().Truncate(time.Second)
			st, ev := call(t, "POST", f.base+"/api/v1/groups/"+g["id"].(string)+"/events", f.token, map[string]any{
				"title": "Essentials: live", "kind": "live_session", "online_url": meeting,
				"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339)})
			if st != 201 {
				t.Fatalf("event: %d %v", st, ev)
			}
			if st, _ := call(t, "POST", f.base+"/api/v1/events/"+ev["id"].(string)+"/publish", f.token, nil); st != 200 {
				t.Fatalf("publish: %d", st)
			}
			f.rsvp(ev["slug"].(string), "Grace Hopper", "grace@example.org")
			inv := parseMail(t, sink.WaitFor(t, 1, 20*time.Second)[0])

			// The manage link is in the e-mail's text, for the attendee.
			var manage string
			if m := regexp.MustCompile(`https://convene\.example/r/([A-Za-z0-9_-]{43})`).FindStringSubmatch(inv.Text); m != nil {
				manage = m[1]
			}
			if manage == "" {
				t.Fatalf("the invite has no manage link:\n%s", inv.Text)
			}

			// What goes into calendars: the invite's calendar part and the
			// add-to-calendar links of the e-mail.
			inCalendars := calendarTokens(inv.ICS)
			for _, l := range calendarTokens(inv.Text) {
				if l.path != "/r/" {
					inCalendars = append(inCalendars, l)
				}
			}
			for _, prop := range []string{"LOCATION", "URL", "CONFERENCE", "DESCRIPTION"} {
				if v := icsProp(inv.ICS, prop); !strings.Contains(v, "https://convene.example/j/") {
					t.Errorf("the invite's %s does not carry the join link: %q", prop, v)
				}
			}
			if strings.Contains(inv.ICS, meeting) {
				t.Errorf("the invite carries the meeting's own link")
			}
			// Online only: no door, so no check-in code to show at one.
			if strings.Contains(inv.Text, "check-in code") || strings.Contains(inv.Text, "door") {
				t.Errorf("the going e-mail of an online session speaks of a check-in code:\n%s", inv.Text)
			}

			// The personal feed, from the link on the manage page.
			st, page, _ := get("GET", "/r/"+manage)
			if st != 200 || !strings.Contains(page, "Grace Hopper") {
				t.Fatalf("manage page: %d", st)
			}
			feedPath := regexp.MustCompile(`/api/v1/rsvps/([A-Za-z0-9_-]{43})/calendar\.ics`).FindStringSubmatch(page)
			if feedPath == nil {
				t.Fatalf("the manage page has no feed link")
			}
			feed := feedPath[1]
			if feed == manage {
				t.Errorf("the feed link is the manage link")
			}
			st, feedBody, _ := get("GET", feedPath[0])
			if st != 200 || !strings.Contains(feedBody, "BEGIN:VEVENT") {
				t.Fatalf("personal feed: %d\n%s", st, feedBody)
			}
			inCalendars = append(inCalendars, calendarTokens(feedBody)...)
			inCalendars = append(inCalendars, foundLink{"/api/v1/rsvps/", feed})
			var join string
			for _, l := range inCalendars {
				if l.path == "/j/" {
					join = l.token
				}
			}
			if join == "" {
				t.Fatalf("no join link in the calendars: %v", inCalendars)
			}

			// None of them shows the attendee or changes their place.
			for _, l := range inCalendars {
				tok, path := l.token, l.path
				if tok == manage {
					t.Errorf("a calendar carries the manage token (under %s)", path)
				}
				for _, try := range []struct{ method, path string }{
					{"GET", "/r/" + tok}, {"GET", "/api/v1/rsvps/" + tok}, {"GET", "/api/v1/rsvps/" + tok + "/data"},
					{"DELETE", "/api/v1/rsvps/" + tok}, {"DELETE", "/api/v1/rsvps/" + tok + "/data"},
				} {
					st, body, _ := get(try.method, try.path)
					if st != http.StatusNotFound || strings.Contains(body, "grace@example.org") || strings.Contains(body, "Grace") {
						t.Errorf("%s %s with a token from a calendar (%s…): %d, want 404\n%.300s", try.method, try.path, path, st, body)
					}
				}
				if path == "/j/" {
					// A join link reads no feed either.
					if st, _, _ := get("GET", "/api/v1/rsvps/"+tok+"/calendar.ics"); st != http.StatusNotFound {
						t.Errorf("the join token reads the feed: %d", st)
					}
				}
			}
			if st, _ := call(t, "GET", f.base+"/api/v1/events/"+ev["id"].(string), f.token, nil); st != 200 {
				t.Fatal("event")
			}
			if _, r := call(t, "GET", f.base+"/api/v1/events/"+ev["id"].(string), f.token, nil); r["going_count"] != 1.0 {
				t.Fatalf("the RSVP was changed: %v", r)
			}

			// The join link does its one job: attendance, then the meeting.
			st, _, h := get("GET", "/j/"+join)
			if st != http.StatusSeeOther || h.Get("Location") != meeting {
				t.Fatalf("join link: %d to %q, want 303 to the meeting", st, h.Get("Location"))
			}
			_, list := call(t, "GET", f.base+"/api/v1/events/"+ev["id"].(string)+"/checkins", f.token, nil)
			items, _ := list["items"].([]any)
			if len(items) != 1 || items[0].(map[string]any)["attended_how"] != "online" {
				t.Fatalf("after the join link, door list %v", list)
			}
		})
	}
}

// TestRepeatRSVPIsMailed: replying again with an address that holds an
// RSVP tells the asker its status, so the address's owner is e-mailed
// their RSVP again — the same invite (UID and SEQUENCE), with a line
// saying somebody replied again and a Message-ID of its own — and asking
// again at once sends nothing more.
func TestRepeatRSVPIsMailed(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			sink := smtptest.Start(t)
			in := startServe(t, mailEnv(t, dialect, sink))
			f := newFlow(t, in)
			_, slug := f.event(5, "Oslo Go")
			f.rsvp(slug, "Grace Hopper", "grace@example.org")
			first := parseMail(t, sink.WaitFor(t, 1, 20*time.Second)[0])
			for range 2 {
				st, r := call(t, "POST", f.base+"/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Mallory", "email": "grace@example.org"})
				if st != 200 || r["status"] != "going" || r["manage_token"] != nil {
					t.Fatalf("repeat: %d %v", st, r)
				}
			}
			msgs := sink.WaitFor(t, 2, 20*time.Second)
			time.Sleep(500 * time.Millisecond) // nothing more may arrive
			if n := len(sink.Messages()); n != 2 {
				t.Fatalf("%d e-mails, want the invite and one repeat", n)
			}
			again := parseMail(t, msgs[1])
			if again.To != "grace@example.org" || !strings.Contains(again.Text, "Somebody replied to this event again with your e-mail address") {
				t.Fatalf("the repeat e-mail to %s does not say why it came:\n%s", again.To, again.Text)
			}
			if again.MessageID == first.MessageID {
				t.Errorf("the repeat has the invite's Message-ID %s: mail clients would drop it", again.MessageID)
			}
			if icsProp(again.ICS, "UID") != icsProp(first.ICS, "UID") || icsProp(again.ICS, "SEQUENCE") != icsProp(first.ICS, "SEQUENCE") ||
				icsProp(again.ICS, "METHOD") != "REQUEST" {
				t.Errorf("the repeat's invite is not the same event: UID %s/%s SEQUENCE %s/%s", icsProp(again.ICS, "UID"), icsProp(first.ICS, "UID"),
					icsProp(again.ICS, "SEQUENCE"), icsProp(first.ICS, "SEQUENCE"))
			}
			if strings.Contains(again.Text, "Mallory") {
				t.Errorf("the repeat shows the name the asker typed")
			}
		})
	}
}
