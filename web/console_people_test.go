package web

import (
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// event makes a published event of the group, a week from the store's
// now, with capacity seats (0: no limit) and a waitlist.
func (ce *consoleEnv) event(owner domain.Organiser, g domain.Group, title string, capacity int) domain.Event {
	ce.t.Helper()
	start := ce.db.Clock().Now().Add(7 * 24 * time.Hour).Truncate(time.Hour)
	e := domain.Event{Title: title, Kind: domain.KindMeetup, StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		Venue: &domain.Venue{Name: "Hall", Address: "Storgata 1"}, Waitlist: true, Slug: "ev-" + storetest.Unique()}
	if capacity > 0 {
		e.Capacity = &capacity
	}
	e, err := ce.db.CreateEvent(ctx, owner.ID, g.ID, e)
	if err != nil {
		ce.t.Fatal(err)
	}
	if e, err = ce.db.PublishEvent(ctx, owner.ID, e.ID); err != nil {
		ce.t.Fatal(err)
	}
	return e
}

// rsvp replies to the event as name, with a unique address.
func (ce *consoleEnv) rsvp(e domain.Event, name string) domain.RSVP {
	ce.t.Helper()
	local := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, strings.ToLower(name))
	res, err := ce.db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: name, Email: local + "-" + storetest.Unique() + "@example.org"})
	if err != nil {
		ce.t.Fatal(err)
	}
	return res.RSVP
}

// failFirst marks the event's first e-mail failed, with the server's
// answer, and returns its id.
func (ce *consoleEnv) failFirst(owner domain.Organiser, e domain.Event, answer string) string {
	ce.t.Helper()
	p, err := ce.db.ListDeliveries(ctx, owner.ID, e.ID, domain.ListOptions{Limit: 1})
	if err != nil || len(p.Items) == 0 {
		ce.t.Fatalf("deliveries: %v %v", p, err)
	}
	if err := ce.db.MarkDelivery(ctx, p.Items[0].ID, domain.DeliveryFailed, answer); err != nil {
		ce.t.Fatal(err)
	}
	return p.Items[0].ID
}

// addPeople gives the fixture's event one seat, one person going (whose
// invite failed) and one waitlisted: people_event_id, people_rsvp_id (the
// waitlisted one) and delivery_id (the failed e-mail).
func (f *consoleFixture) addPeople(t *testing.T) {
	one := 1
	if _, err := f.ce.db.UpdateEvent(ctx, f.owner.ID, f.event.ID, domain.EventUpdate{Capacity: domain.Nullable[int]{Set: true, Value: &one}}); err != nil {
		t.Fatal(err)
	}
	e := f.event
	f.ce.rsvp(e, "Ada Going")
	w := f.ce.rsvp(e, "Bob Waiting")
	if w.Status != domain.RSVPWaitlisted {
		t.Fatalf("the fixture's second RSVP is %s", w.Status)
	}
	f.params["people_event_id"], f.params["people_rsvp_id"] = e.ID, w.ID
	f.params["delivery_id"] = f.ce.failFirst(f.owner, e, "550 5.1.1 Recipient address rejected")
}

var personRE = regexp.MustCompile(`<th scope="row">([^<]+)<br>`)

// people are the names the page lists, in order.
func (p page) people() []string {
	var out []string
	for _, m := range personRE.FindAllStringSubmatch(p.Body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

var relRE = regexp.MustCompile(`<a href="([^"]+)" rel="(next|prev)">`)

// link is the page's next or previous page link ("" for none).
func (p page) link(rel string) string {
	for _, m := range relRE.FindAllStringSubmatch(p.Body, -1) {
		if m[2] == rel {
			return html.UnescapeString(m[1])
		}
	}
	return ""
}

// TestPeopleSearchAndPages: the people page finds people by part of a name
// or address, filters by status and check-in, and its Next links show
// every one of 60 replies exactly once, in the order they replied; its
// Previous link leads back to the same first page.
func TestPeopleSearchAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		owner := ce.organiser("Owner")
		g := ce.group(owner, "Oslo Gophers")
		e := ce.event(owner, g, "Big night", 40)
		var all []string
		for i := range 60 {
			n := fmt.Sprintf("Person %02d", i)
			ce.rsvp(e, n)
			all = append(all, n)
		}
		b := ce.browser()
		b.signIn(owner)
		base := "/manage/events/" + e.ID + "/people"

		first := b.get(base)
		if first.Status != http.StatusOK {
			t.Fatalf("people page: %d\n%s", first.Status, first.text())
		}
		if !strings.Contains(first.text(), "40 going, 20 waitlisted") {
			t.Errorf("the page does not say how many are going: %s", first.text())
		}
		var seen []string
		p := first
		for pages := 0; ; pages++ {
			seen = append(seen, p.people()...)
			next := p.link("next")
			if next == "" {
				break
			}
			if pages > 5 {
				t.Fatal("the pages do not end")
			}
			p = b.get(next)
		}
		if !slices.Equal(seen, all) {
			t.Fatalf("the pages showed %d people %v, want every one of %d once, in order", len(seen), seen, len(all))
		}
		if first.link("prev") != "" {
			t.Error("the first page has a previous page")
		}
		if back := b.get(p.link("prev")); !slices.Equal(back.people(), first.people()) {
			t.Errorf("previous page: %v", back.people())
		}

		if got := b.get(base + "?q=PERSON+0").people(); len(got) != 10 || got[0] != "Person 00" {
			t.Errorf("search PERSON 0: %v", got)
		}
		waiting := b.get(base + "?status=waitlisted")
		if got := waiting.people(); len(got) != 20 || got[0] != "Person 40" {
			t.Errorf("waitlisted: %v", got)
		}
		if !strings.Contains(waiting.text(), "waitlisted (number 1 in line)") {
			t.Errorf("the waitlist does not show places: %s", waiting.text())
		}
		if got := b.get(base + "?checked_in=1").people(); len(got) != 0 {
			t.Errorf("checked in before anyone came: %v", got)
		}
		if p := b.get(base + "?q=nobody-like-this"); !strings.Contains(p.text(), "Nobody matches") {
			t.Errorf("an empty search: %s", p.text())
		}
		// A filter and a page link the page cannot use are said as such.
		if p := b.get(base + "?status=maybe"); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.text(), "The status must be going") {
			t.Errorf("a bad status: %d %s", p.Status, p.text())
		}
		if p := b.get(base + "?cursor=garbage"); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.text(), "Go to the first page") {
			t.Errorf("a bad cursor: %d %s", p.Status, p.text())
		}
	})
}

// TestPeopleActions: from the list an organiser moves someone from the
// waitlist to going (on a full event only by adding a seat, which the page
// says), removes someone (the first in line takes their seat), and erases
// a person's data after a page that asks; each comes back to the list as
// it was, with a notice.
func TestPeopleActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		owner := ce.organiser("Owner")
		g := ce.group(owner, "Oslo Gophers")
		e := ce.event(owner, g, "Small night", 1)
		ada := ce.rsvp(e, "Ada")
		bob := ce.rsvp(e, "Bob")
		cyd := ce.rsvp(e, "Cyd")
		b := ce.browser()
		b.signIn(owner)
		base := "/manage/events/" + e.ID + "/people"

		list := b.get(base + "?status=waitlisted")
		if !strings.Contains(list.Body, "Add a seat for them") {
			t.Fatalf("a full event offers no seat: %s", list.text())
		}
		// Without the added seat the full event refuses, and says why.
		p := b.post(base+"/"+cyd.ID+"/seat", url.Values{"return": {"status=waitlisted"}})
		if p.Status != http.StatusConflict || !strings.Contains(p.text(), "The event is full") {
			t.Errorf("seat on a full event: %d %s", p.Status, p.text())
		}
		p = b.post(base+"/"+cyd.ID+"/seat", url.Values{"add_seat": {"1"}, "return": {"status=waitlisted"}})
		if p.Status != http.StatusSeeOther || p.Location != base+"?done=seated&status=waitlisted" {
			t.Fatalf("seat: %d to %q", p.Status, p.Location)
		}
		after := b.get(p.Location)
		if !strings.Contains(after.text(), "The person is going now") || !slices.Equal(after.people(), []string{"Bob"}) {
			t.Errorf("after seating Cyd: %v %s", after.people(), after.text())
		}
		if !strings.Contains(after.text(), "2 going, 1 waitlisted · 2 seats") {
			t.Errorf("the seat added is not shown: %s", after.text())
		}

		// Ada is removed: Bob, first in line, takes her seat.
		p = b.post(base+"/"+ada.ID+"/remove", nil)
		if p.Status != http.StatusSeeOther || p.Location != base+"?done=removed" {
			t.Fatalf("remove: %d to %q", p.Status, p.Location)
		}
		going := b.get(base + "?status=going")
		if got := going.people(); !slices.Equal(got, []string{"Bob", "Cyd"}) {
			t.Errorf("going after Ada was removed: %v", got)
		}
		if got := b.get(base + "?status=cancelled").people(); !slices.Equal(got, []string{"Ada"}) {
			t.Errorf("cancelled: %v", got)
		}

		// Bob's data is erased, after a page that asks.
		link := regexp.MustCompile(`<a href="([^"]*/` + bob.ID + `/erase[^"]*)">`).FindStringSubmatch(going.Body)
		if link == nil || html.UnescapeString(link[1]) != base+"/"+bob.ID+"/erase?status=going" {
			t.Fatalf("the erase link: %q", link)
		}
		ask := b.get(html.UnescapeString(link[1]))
		if ask.Status != http.StatusOK || !strings.Contains(ask.text(), bob.Email) || !strings.Contains(ask.text(), "cannot be undone") {
			t.Fatalf("erase page: %d %s", ask.Status, ask.text())
		}
		p = b.post(base+"/"+bob.ID+"/erase", url.Values{"return": {"status=going"}})
		if p.Status != http.StatusSeeOther || p.Location != base+"?done=erased&status=going" {
			t.Fatalf("erase: %d to %q", p.Status, p.Location)
		}
		// His place, at an event still to come, went too: he is among the
		// cancelled, without a name.
		if !strings.Contains(b.get(p.Location).text(), "name and e-mail address are erased") {
			t.Error("no notice of the erasure")
		}
		erased := b.get(base + "?status=cancelled")
		if strings.Contains(erased.Body, bob.Email) || strings.Count(erased.text(), "Data erased") != 1 {
			t.Errorf("after erasing Bob: %s", erased.text())
		}

		// Another group's organiser reaches none of it.
		out := ce.browser()
		out.signIn(ce.organiser("Outsider"))
		if p := out.post(base+"/"+cyd.ID+"/remove", nil); p.Status != http.StatusNotFound {
			t.Errorf("an outsider removing: %d", p.Status)
		}
	})
}

// TestPeopleCSV: the CSV has a header and a row per person with the
// filter applied, times in the event's zone, and a name a spreadsheet
// would run as a formula defused.
func TestPeopleCSV(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ce := newConsoleEnv(t, db)
	owner := ce.organiser("Owner")
	e := ce.event(owner, ce.group(owner, "Oslo Gophers"), "CSV night", 1)
	ce.rsvp(e, "Ada")
	ce.rsvp(e, "=HYPERLINK(1)")
	b := ce.browser()
	b.signIn(owner)
	p := b.get("/manage/events/" + e.ID + "/people.csv")
	if p.Status != http.StatusOK || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(p.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV: %d %v", p.Status, p.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(p.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// Spreadsheets read the columns by position: new ones go at the end.
	header := []string{"name", "email", "status", "waitlist_position", "replied_at", "checked_in_at", "walk_in", "cancelled_at", "erased",
		"calendar_reply", "calendar_reply_at"}
	if len(rows) != 3 || !slices.Equal(rows[0], header) {
		t.Fatalf("CSV rows: %q", rows)
	}
	if got := rows[1][9:]; !slices.Equal(got, []string{"", ""}) {
		t.Errorf("Ada's calendar never answered, yet her row ends %q", got)
	}
	if rows[1][0] != "Ada" || rows[1][2] != "going" || !strings.HasSuffix(rows[1][1], "@example.org") {
		t.Errorf("Ada's row: %q", rows[1])
	}
	if rows[2][0] != "'=HYPERLINK(1)" || rows[2][2] != "waitlisted" || rows[2][3] != "1" {
		t.Errorf("the formula's row: %q", rows[2])
	}
	replied, err := time.Parse(time.RFC3339, rows[1][4])
	if err != nil {
		t.Fatal(err)
	}
	if _, off := replied.Zone(); off == 0 { // Europe/Oslo is never UTC
		t.Errorf("replied_at %q is not in the event's zone", rows[1][4])
	}
	w := b.get("/manage/events/" + e.ID + "/people.csv?status=waitlisted")
	if rows, _ := csv.NewReader(strings.NewReader(w.Body)).ReadAll(); len(rows) != 2 || rows[1][2] != "waitlisted" {
		t.Errorf("waitlisted CSV: %q", rows)
	}
}

// TestInvitationsPaste: a pasted list with lines that cannot be read is
// shown again as it was typed, each bad line named with why, and nobody
// is invited; the list corrected invites everyone, shown as queued.
func TestInvitationsPaste(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		owner := ce.organiser("Owner")
		e := ce.event(owner, ce.group(owner, "Oslo Gophers"), "Invite night", 0)
		b := ce.browser()
		b.signIn(owner)
		path := "/manage/events/" + e.ID + "/invitations"
		pasted := "Grace Hopper <grace@example.org>\nlinus.example.org\n\"Ada\", ada@example.org\nnot an address at all, nor this"
		p := b.post(path, url.Values{"people": {pasted}, "message": {"Come along!"}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad lines: %d", p.Status)
		}
		if !strings.Contains(p.Body, ">"+html.EscapeString(pasted)+"</textarea>") || !strings.Contains(p.Body, ">Come along!</textarea>") {
			t.Errorf("the pasted text is not kept: %s", p.Body)
		}
		text := p.text()
		for _, want := range []string{"2 lines could not be read", "Line 2: linus.example.org", "Line 4:"} {
			if !strings.Contains(text, want) {
				t.Errorf("the page does not say %q: %s", want, text)
			}
		}
		if !strings.Contains(text, "Nobody is invited yet") {
			t.Errorf("someone was invited from a list with bad lines: %s", text)
		}

		p = b.post(path, url.Values{"people": {"Grace Hopper <grace@example.org>\nlinus@example.org\n\"Ada\", ada@example.org"}})
		if p.Status != http.StatusSeeOther || p.Location != path+"?done=invited" {
			t.Fatalf("invite: %d to %q\n%s", p.Status, p.Location, p.text())
		}
		list := b.get(p.Location).text()
		for _, want := range []string{"The invitations are on their way", "Grace Hopper grace@example.org queued", "linus@example.org queued", "Ada ada@example.org queued"} {
			if !strings.Contains(list, want) {
				t.Errorf("the list does not say %q: %s", want, list)
			}
		}
		if p := b.post(path, url.Values{"people": {"\n \n"}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.text(), "Paste at least one") {
			t.Errorf("an empty list: %d", p.Status)
		}
	})
}

// TestEmailRetry: the e-mail page shows what failed with the mail
// server's answer; "Send again" queues it, after which the page shows it
// queued without the button.
func TestEmailRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		owner := ce.organiser("Owner")
		e := ce.event(owner, ce.group(owner, "Oslo Gophers"), "Mail night", 0)
		ada := ce.rsvp(e, "Ada")
		ce.rsvp(e, "Bob")
		id := ce.failFirst(owner, e, "550 5.1.1 Recipient address rejected: User unknown")
		b := ce.browser()
		b.signIn(owner)
		path := "/manage/events/" + e.ID + "/email"
		p := b.get(path)
		text := p.text()
		if !strings.Contains(text, "Ada "+ada.Email+" Invite (going) failed The mail server answered: 550 5.1.1 Recipient address rejected: User unknown") {
			t.Fatalf("the failure is not shown: %s", text)
		}
		if strings.Count(p.Body, "Send again") != 1 {
			t.Errorf("%d retry buttons, want 1 (for the failed e-mail)", strings.Count(p.Body, "Send again"))
		}
		p = b.post(path+"/"+id+"/retry", url.Values{"cursor": {""}})
		if p.Status != http.StatusSeeOther || p.Location != path+"?done=retried" {
			t.Fatalf("retry: %d to %q", p.Status, p.Location)
		}
		after := b.get(p.Location)
		if !strings.Contains(after.text(), "The e-mail is queued to be sent again") || strings.Contains(after.Body, "Send again<") ||
			!strings.Contains(after.text(), "Ada "+ada.Email+" Invite (going) queued") {
			t.Errorf("after the retry: %s", after.text())
		}
		got, err := db.ListDeliveries(ctx, owner.ID, e.ID, domain.ListOptions{})
		if err != nil || got.Items[0].Status != domain.DeliveryQueued {
			t.Errorf("the delivery after the retry: %+v %v", got.Items, err)
		}
	})
}
