package main

import (
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store/storetest"
)

// TestHybridCalendarsAndReminders: a meetup with a venue and a join link
// (people come to the room or join online) says both everywhere an
// attendee looks — the going e-mail's text and HTML, its invite, the
// reminder and the personal feed: the venue, and the personal join link
// (/j/{join token}), never the meeting's own link or the manage token. The
// calendars keep the venue as LOCATION and carry the join link in URL,
// CONFERENCE and DESCRIPTION.
func TestHybridCalendarsAndReminders(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			sink := smtptest.Start(t)
			env := mailEnv(t, dialect, sink)
			in := startServe(t, env)
			f := newFlow(t, in)
			q := openQueue(t, env)
			st, g := call(t, "POST", f.base+"/api/v1/groups", f.token, map[string]any{"slug": "g-" + storetest.Unique(), "name": "Oslo Gophers", "time_zone": "Europe/Oslo"})
			if st != 201 {
				t.Fatalf("group: %d %v", st, g)
			}
			oslo := mustLoad(t, "Europe/Oslo")
			day := clock.Now().In(oslo).AddDate(0, 0, 3)
			start := time.Date(day.Year(), day.Month(), day.Day(), 17, 0, 0, 0, oslo).UTC()
			meeting := "https://meet.example.org/hybrid-" + storetest.Unique()
			st, ev := call(t, "POST", f.base+"/api/v1/groups/"+g["id"].(string)+"/events", f.token, map[string]any{
				"title": "Go & gløgg", "kind": "meetup", "online_url": meeting,
				"venue":     map[string]any{"name": "Kulturhuset", "address": "Youngstorget 3"},
				"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
			})
			if st != 201 {
				t.Fatalf("event: %d %v", st, ev)
			}
			eid, slug := ev["id"].(string), ev["slug"].(string)
			if st, _ := call(t, "POST", f.base+"/api/v1/events/"+eid+"/publish", f.token, nil); st != 200 {
				t.Fatalf("publish: %d", st)
			}
			seen := 0
			f.rsvp(slug, "Grace Hopper", "grace@example.org")
			going := newMail(t, sink, &seen, 1)["grace@example.org"]
			manage := mailLink(t, going.Text, "/r/")
			token := strings.TrimPrefix(manage, "/r/")
			join := "https://convene.example/j/" + domain.JoinTokenOf(token)
			const venue = "Kulturhuset, Youngstorget 3"

			// Each e-mail carries a manage link of its own; its join link is
			// the join token of that one.
			says := func(what, text, html string) {
				t.Helper()
				join := "https://convene.example/j/" + domain.JoinTokenOf(strings.TrimPrefix(mailLink(t, text, "/r/"), "/r/"))
				for _, want := range []string{venue, "Join:  " + join} {
					if !strings.Contains(text, want) {
						t.Errorf("the %s's text lacks %q:\n%s", what, want, text)
					}
				}
				for _, want := range []string{venue, `href="` + join + `"`} {
					if !strings.Contains(html, want) {
						t.Errorf("the %s's HTML lacks %q", what, want)
					}
				}
				if strings.Contains(text, meeting) || strings.Contains(html, meeting) {
					t.Errorf("the %s gives the meeting's own link, not the personal one", what)
				}
			}
			calendar := func(what, ics string) {
				t.Helper()
				unfolded := strings.ReplaceAll(ics, "\r\n ", "")
				if loc := icsProp(ics, "LOCATION"); !strings.Contains(loc, `Kulturhuset\, Youngstorget 3`) {
					t.Errorf("the %s's LOCATION is %q, want the venue", what, loc)
				}
				for _, prop := range []string{"URL", "CONFERENCE", "DESCRIPTION"} {
					if v := icsProp(ics, prop); !strings.Contains(v, join) {
						t.Errorf("the %s's %s does not carry the join link: %q", what, prop, v)
					}
				}
				if strings.Contains(unfolded, meeting) || strings.Contains(unfolded, token) {
					t.Errorf("the %s carries the meeting's own link or the manage token:\n%s", what, ics)
				}
			}

			says("going e-mail", going.Text, html.UnescapeString(going.HTML))
			if going.Method != "REQUEST" {
				t.Fatalf("the going e-mail's calendar is %q", going.Method)
			}
			calendar("invite", going.ICS)
			calendar("invite.ics attachment", going.Attachment)

			// The personal feed, from the manage page's link.
			res, err := http.Get(in.base + manage)
			if err != nil {
				t.Fatal(err)
			}
			page := readBody(t, res)
			feedPath := regexp.MustCompile(`/api/v1/rsvps/[A-Za-z0-9_-]{43}/calendar\.ics`).FindString(page)
			if feedPath == "" {
				t.Fatalf("the manage page has no feed link")
			}
			res, err = http.Get(in.base + feedPath)
			if err != nil {
				t.Fatal(err)
			}
			calendar("personal feed", readBody(t, res))

			q.makeDue("event_reminder", eid, `"before":3600000000000`)
			r := newMail(t, sink, &seen, 1)["grace@example.org"]
			if !strings.HasPrefix(r.Subject, "Reminder: ") {
				t.Fatalf("not a reminder: %q", r.Subject)
			}
			says("reminder", r.Text, html.UnescapeString(r.HTML))
		})
	}
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %v", res.Request.URL.Path, res.StatusCode, err)
	}
	return string(b)
}
