package main

import (
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store/storetest"
)

// TestBrowserFollowSeries: on a phone, a person finds a weekly series'
// page, follows it asking to be signed up for every session, confirms from
// the e-mail, gets the calendar invites of the upcoming sessions (each
// with a one-click unfollow), and unfollows from the link.
func TestBrowserFollowSeries(t *testing.T) {
	browser := newBrowser(t)
	sink := smtptest.Start(t)
	in := startServe(t, mailEnv(t, "sqlite", sink))
	f := newFlow(t, in)
	st, g := call(t, "POST", in.base+"/api/v1/groups", f.token, map[string]any{"slug": "g-" + storetest.Unique(), "name": "MVP Program", "time_zone": "Europe/Berlin"})
	if st != 201 {
		t.Fatalf("group: %d %v", st, g)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	day := clock.Now().In(berlin).AddDate(0, 0, 3)
	start := time.Date(day.Year(), day.Month(), day.Day(), 17, 0, 0, 0, berlin)
	byday := strings.ToUpper(start.Weekday().String()[:2])
	slug := "essentials-" + storetest.Unique()
	st, sv := call(t, "POST", in.base+"/api/v1/groups/"+g["id"].(string)+"/series", f.token, map[string]any{
		"slug": slug, "title": "Essentials: what you need to know", "kind": "live_session",
		"rrule": "FREQ=WEEKLY;BYDAY=" + byday, "starts_at": start.Format(time.RFC3339), "duration": "PT1H",
		"time_zone": "Europe/Berlin", "online_url": "https://meet.example.org/essentials", "capacity": 50, "ahead": 2})
	if st != 201 {
		t.Fatalf("series: %d %v", st, sv)
	}

	b := browser.newTab(t)
	b.setViewport(390, 844, true)
	if st := b.open(in.base + "/s/" + slug); st != 200 {
		t.Fatalf("series page: HTTP %d", st)
	}
	if over := b.overflow(); over > 0 {
		t.Errorf("the series page scrolls sideways by %d px on a phone", over)
	}
	if got := b.text("h1"); got != "Essentials: what you need to know" {
		t.Errorf("heading %q", got)
	}
	if txt := b.pageText(); !strings.Contains(txt, "Every week on "+start.Weekday().String()+", 17:00–18:00") ||
		strings.Count(txt, "50 seats left") != 2 {
		t.Errorf("the page does not say when it meets and the two dates with seats left:\n%s", txt)
	}
	b.screenshot("series")
	b.fill("name", "Grace Hopper")
	b.fill("email", "grace@example.org")
	b.eval(`document.getElementById("mode-rsvp").click(), "ok"`)
	if st := b.click("Follow"); st != 200 {
		t.Fatalf("follow form: HTTP %d", st)
	}
	if txt := b.pageText(); !strings.Contains(txt, "we sent a link to grace@example.org") {
		t.Fatalf("after following:\n%s", txt)
	}
	b.screenshot("follow-sent")

	confirm := parseMail(t, sink.WaitFor(t, 1, 20*time.Second)[0])
	if confirm.Subject != "Confirm: follow Essentials: what you need to know" {
		t.Errorf("confirmation subject %q", confirm.Subject)
	}
	if st := b.open(in.base + mailLink(t, confirm.Text, "/follow/")); st != 200 {
		t.Fatalf("confirm page: HTTP %d", st)
	}
	b.screenshot("follow-confirm")
	if st := b.click("Confirm: follow this series"); st != 200 {
		t.Fatalf("confirm: HTTP %d", st)
	}
	if txt := b.pageText(); !strings.Contains(txt, "You follow this series") {
		t.Fatalf("after confirming:\n%s", txt)
	}

	// One calendar invite per upcoming session, each offering to unfollow.
	var unfollow string
	for _, m := range sink.WaitFor(t, 3, 20*time.Second)[1:] {
		p := parseMail(t, m)
		if p.Method != "REQUEST" || p.To != "grace@example.org" {
			t.Errorf("after confirming: %q to %s (method %q), want the calendar invites", p.Subject, p.To, p.Method)
		}
		if lu := m.Header().Get("List-Unsubscribe"); !strings.Contains(lu, "/unfollow/") {
			t.Errorf("invite without List-Unsubscribe: %q", lu)
		}
		unfollow = mailLink(t, p.Text, "/unfollow/")
	}
	if st := b.open(in.base + unfollow); st != 200 {
		t.Fatalf("unfollow page: HTTP %d", st)
	}
	if st := b.click("Stop following"); st != 200 {
		t.Fatalf("unfollow: HTTP %d", st)
	}
	if txt := b.pageText(); !strings.Contains(txt, "You no longer follow this series") {
		t.Fatalf("after unfollowing:\n%s", txt)
	}
	b.screenshot("unfollowed")
}
