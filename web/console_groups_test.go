package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestConsoleGroupAndMembers: an owner makes a group with the form (a
// mistake is shown next to its field, with what was typed kept), sees its
// feed, adds a co-organiser, makes them an owner and
// back; the co-organiser, made an owner, may change the settings.
func TestConsoleGroupAndMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		owner, co := ce.organiser("Ada"), ce.organiser("Grace")
		b := ce.browser()
		b.signIn(owner)

		slug := "oslo-" + storetest.Unique()
		p := b.post("/manage/groups", url.Values{"name": {"Oslo Gophers"}, "slug": {slug}, "time_zone": {"Europe/Osloo"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.text(), "The time zone") || !strings.Contains(p.Body, `value="`+slug+`"`) {
			t.Fatalf("a bad zone: %d\n%s", p.Status, p.text())
		}
		p = b.post("/manage/groups", url.Values{"name": {"Oslo Gophers"}, "slug": {slug}, "time_zone": {"Europe/Oslo"}})
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/manage/groups/") {
			t.Fatalf("create: %d %s", p.Status, p.Location)
		}
		groupURL, _, _ := strings.Cut(p.Location, "?")

		// The group's feed, for calendar apps and to copy.
		page := b.get(groupURL)
		if page.Status != 200 || !strings.Contains(page.Body, "/api/v1/public/groups/"+slug+"/calendar.ics") || !strings.Contains(page.Body, "webcal://") {
			t.Fatalf("the group page shows no feed:\n%s", page.text())
		}

		p = b.post(groupURL+"/members", url.Values{"email": {co.Email}, "role": {"organiser"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("add member: %d", p.Status)
		}
		members := b.get(groupURL + "/members")
		if !strings.Contains(members.text(), "Grace") {
			t.Fatalf("the members page does not list the co-organiser:\n%s", members.text())
		}
		cb := ce.browser()
		cb.signIn(co)
		settings := url.Values{"name": {"Oslo Gophers"}, "slug": {slug}, "time_zone": {"Europe/Oslo"}, "contact_email": {"hello@example.org"}}
		if p := cb.post(groupURL+"/settings", settings); p.Status != http.StatusForbidden {
			t.Fatalf("a co-organiser changed the settings: %d", p.Status)
		}
		// Made an owner, they may; made an organiser again, they may not.
		if p := b.post(groupURL+"/members/"+co.ID+"/role", url.Values{"role": {"owner"}}); p.Status != http.StatusSeeOther ||
			!strings.Contains(b.get(p.Location).text(), "The role is changed.") {
			t.Fatalf("make owner: %d", p.Status)
		}
		if p := cb.post(groupURL+"/settings", settings); p.Status != http.StatusSeeOther {
			t.Fatalf("an owner could not change the settings: %d\n%s", p.Status, p.text())
		}
		if p := b.post(groupURL+"/members/"+co.ID+"/role", url.Values{"role": {"organiser"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("make organiser: %d", p.Status)
		}
		if p := cb.post(groupURL+"/settings", settings); p.Status != http.StatusForbidden {
			t.Fatalf("a co-organiser again changed the settings: %d", p.Status)
		}
		// The last owner cannot make themselves an organiser.
		if p := b.post(groupURL+"/members/"+owner.ID+"/role", url.Values{"role": {"organiser"}}); p.Status != http.StatusConflict {
			t.Fatalf("the last owner stepped down: %d", p.Status)
		}
	})
}
