package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store/storetest"
)

// soonEvent creates and publishes an event that starts in 10 minutes, so
// that its check-in window is open now.
func (f *flow) soonEvent(capacity int, kind string) (id, slug string) {
	t := f.t
	st, g := call(t, "POST", f.base+"/api/v1/groups", f.token, map[string]any{"slug": "g-" + storetest.Unique(), "name": "Oslo Gophers", "time_zone": "Europe/Oslo"})
	if st != 201 {
		t.Fatalf("group: %d %v", st, g)
	}
	start := clock.Now().Add(10 * time.Minute).UTC().Truncate(time.Second)
	body := map[string]any{"title": "Essentials: Q1", "kind": kind, "capacity": capacity,
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339)}
	if kind == "meetup" {
		body["venue"] = map[string]any{"name": "Kulturhuset", "address": "Youngstorget 3"}
	} else {
		body["online_url"] = "https://meet.example.org/essentials-q1"
	}
	st, ev := call(t, "POST", f.base+"/api/v1/groups/"+g["id"].(string)+"/events", f.token, body)
	if st != 201 {
		t.Fatalf("event: %d %v", st, ev)
	}
	if st, _ := call(t, "POST", f.base+"/api/v1/events/"+ev["id"].(string)+"/publish", f.token, nil); st != 200 {
		t.Fatalf("publish: %d", st)
	}
	return ev["id"].(string), ev["slug"].(string)
}

// clickCSS clicks the first element the CSS selector matches and waits for
// the page it leads to; it returns that page's status.
func (b *browserTab) clickCSS(css string) int {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("click %s on %s: %v", css, b.path(), err)
	}
	return b.answer(res)
}

// TestBrowserDoorPage: door staff open the secret door link on a phone,
// check one person in by typing their code and another with the list's
// button, undo one, and register a walk-in; the organiser's door list
// agrees.
func TestBrowserDoorPage(t *testing.T) {
	browser := newBrowser(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			sink := smtptest.Start(t)
			in := startServe(t, mailEnv(t, dialect, sink))
			f := newFlow(t, in)
			id, slug := f.soonEvent(2, "meetup")
			grace := f.rsvp(slug, "Grace Hopper", "grace@example.org")
			alan := f.rsvp(slug, "Alan Turing", "alan@example.org")
			st, list := call(t, "GET", in.base+"/api/v1/events/"+id+"/checkins", f.token, nil)
			if st != 200 {
				t.Fatalf("door list: %d", st)
			}
			codes := map[string]string{}
			for _, it := range list["items"].([]any) {
				m := it.(map[string]any)
				codes[m["name"].(string)] = m["checkin_code"].(string)
			}
			st, dl := call(t, "POST", in.base+"/api/v1/events/"+id+"/door-links", f.token, nil)
			if st != 201 {
				t.Fatalf("door link: %d %v", st, dl)
			}
			door := strings.TrimPrefix(dl["url"].(string), "https://convene.example")

			b := browser.newTab(t)
			if st := b.open(in.base + door); st != 200 {
				t.Fatalf("door page: HTTP %d", st)
			}
			b.screenshot("door")
			if got := b.text(".door-count"); got != "0 of 2 in" {
				t.Errorf("count %q", got)
			}
			if got := b.pageText(); strings.Contains(got, "@example.org") {
				t.Errorf("the door page shows addresses:\n%s", got)
			}
			// A scanned code arrives as typed text.
			b.fill("Code (typed or scanned)", strings.ToLower(codes["Grace Hopper"]))
			if st := b.clickCSS("#code-form button"); st != 200 {
				t.Fatalf("after the code: HTTP %d", st)
			}
			b.screenshot("door-code")
			if got := b.text(".notice"); got != "Grace Hopper is checked in." {
				t.Errorf("after the code: %q", got)
			}
			if got := b.text(".door-count"); got != "1 of 2 in" {
				t.Errorf("count after the code %q", got)
			}
			// The list's button.
			if st := b.clickCSS("#p-" + alan["id"].(string) + " button"); st != 200 {
				t.Fatalf("after the button: HTTP %d", st)
			}
			if got := b.text(".door-count"); got != "2 of 2 in" {
				t.Errorf("count after the button %q", got)
			}
			// Undo Alan.
			if st := b.clickCSS("#p-" + alan["id"].(string) + " button"); st != 200 {
				t.Fatalf("after undo: HTTP %d", st)
			}
			if got := b.text(".notice"); got != "Check-in undone." {
				t.Errorf("after undo: %q", got)
			}
			// A wrong code.
			b.fill("Code (typed or scanned)", "ZZZZ-ZZZZ")
			if st := b.clickCSS("#code-form button"); st != 422 {
				t.Errorf("a wrong code: HTTP %d, want 422", st)
			}
			b.screenshot("door-wrong-code")
			if got := b.text("#code-error"); !strings.Contains(got, "ZZZZ-ZZZZ") {
				t.Errorf("wrong code error %q", got)
			}
			// A walk-in, though the event is full.
			b.fill("Name", "Walter Walk-In")
			b.fill("E-mail address", "walter@example.org")
			if st := b.click("Register and check in"); st != 200 {
				t.Fatalf("walk-in: HTTP %d", st)
			}
			b.screenshot("door-walk-in")
			if got := b.text(".notice"); got != "Walter Walk-In is registered as a walk-in and checked in." {
				t.Errorf("walk-in: %q", got)
			}
			if got := b.text(".door-count"); got != "2 of 3 in" {
				t.Errorf("count after the walk-in %q", got)
			}
			// The organiser sees the same, with how each came.
			_, list = call(t, "GET", in.base+"/api/v1/events/"+id+"/checkins", f.token, nil)
			how := map[string]any{}
			for _, it := range list["items"].([]any) {
				m := it.(map[string]any)
				how[m["name"].(string)] = m["attended_how"]
			}
			if how["Grace Hopper"] != "staff_link" || how["Alan Turing"] != nil || how["Walter Walk-In"] != "walk_in" {
				t.Errorf("organiser's door list: %v", how)
			}
			_ = grace
		})
	}
}

// TestBrowserSelfCheckin: during the check-in window an attendee of a live
// session checks in from their RSVP page with the code shown in the
// session; a wrong code is refused first.
func TestBrowserSelfCheckin(t *testing.T) {
	browser := newBrowser(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			sink := smtptest.Start(t)
			in := startServe(t, mailEnv(t, dialect, sink))
			f := newFlow(t, in)
			id, slug := f.soonEvent(5, "live_session")
			st, cc := call(t, "GET", in.base+"/api/v1/events/"+id+"/checkin-code", f.token, nil)
			if st != 200 {
				t.Fatalf("check-in code: %d", st)
			}
			room := cc["code"].(string)

			b := browser.newTab(t)
			if st := b.open(in.base + "/e/" + slug); st != 200 {
				t.Fatalf("event page: HTTP %d", st)
			}
			b.fill("Your name", "Grace Hopper")
			b.fill("Your e-mail address", "grace@example.org")
			if st := b.click("I'm going"); st != 200 {
				t.Fatalf("RSVP: HTTP %d", st)
			}
			b.screenshot("rsvp-checkin-open")
			if got := b.text("#checkin-heading"); got != "Check in" {
				t.Errorf("check-in heading %q", got)
			}
			b.fill("Event code", "AAAAAA")
			if st := b.clickCSS("#checkin button"); st != 422 {
				t.Errorf("a wrong code: HTTP %d, want 422", st)
			}
			if got := b.text("#code-error"); !strings.HasPrefix(got, "That is not the code of this event.") {
				t.Errorf("wrong code: %q", got)
			}
			b.fill("Event code", strings.ToLower(room))
			if st := b.clickCSS("#checkin button"); st != 200 {
				t.Fatalf("self check-in: HTTP %d", st)
			}
			b.screenshot("rsvp-checked-in")
			if got := b.text("#checkin-heading"); got != "You're checked in" {
				t.Errorf("after checking in: %q", got)
			}
			if got := b.text("#checkin .status"); !regexp.MustCompile(`^Welcome! Checked in at .+\.$`).MatchString(got) {
				t.Errorf("after checking in: %q", got)
			}
			// The invite's join link is the personal one.
			msg := parseMail(t, sink.WaitFor(t, 1, 20*time.Second)[0])
			if !regexp.MustCompile(`https://convene\.example/j/[A-Za-z0-9_-]{20,}`).MatchString(msg.Text) || strings.Contains(msg.Text, "meet.example.org") {
				t.Errorf("the invite does not give the personal join link:\n%s", msg.Text)
			}
			_, list := call(t, "GET", in.base+"/api/v1/events/"+id+"/checkins", f.token, nil)
			if items := list["items"].([]any); len(items) != 1 || items[0].(map[string]any)["attended_how"] != "self" {
				t.Errorf("organiser's door list: %v", list)
			}
		})
	}
}
