package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// oslo is the zone of the console tests' events and series.
var oslo = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(err)
	}
	return loc
}()

// seriesPreviewForm previews a weekly series (nothing is saved), for
// the access table: whoever may use the form sees the preview.
var seriesPreviewForm = url.Values{"action": {"preview"}, "title": {"Go Night"}, "kind": {"meetup"}, "freq": {"WEEKLY"},
	"interval": {"1"}, "starts": {fixtureMoveTo}, "length": {"90"}, "time_zone": {"Europe/Oslo"},
	"venue_name": {"Hall"}, "ahead": {"4"}}

// fixtureMoveTo is a local time in Oslo a month from the tests' clock.
var fixtureMoveTo = time.Now().Add(storetest.Offset() + 30*24*time.Hour).In(oslo).Truncate(time.Hour).Format(localLayout)

// publishedEvent makes a published meetup of the group starting at start.
func (ce *consoleEnv) publishedEvent(owner domain.Organiser, g domain.Group, title string, start time.Time) domain.Event {
	ce.t.Helper()
	e, err := ce.db.CreateEvent(ctx, owner.ID, g.ID, domain.Event{Title: title, Kind: domain.KindMeetup, StartsAt: start,
		EndsAt: start.Add(2 * time.Hour), TimeZone: "Europe/Oslo", Venue: &domain.Venue{Name: "Community Hall"}, Waitlist: true,
		Slug: "e-" + storetest.Unique()})
	if err != nil {
		ce.t.Fatal(err)
	}
	if e, err = ce.db.PublishEvent(ctx, owner.ID, e.ID); err != nil {
		ce.t.Fatal(err)
	}
	return e
}

// rsvpGoing makes a going RSVP.
func (ce *consoleEnv) rsvpGoing(e domain.Event, name string) domain.RSVP {
	ce.t.Helper()
	res, err := ce.db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: name, Email: strings.ToLower(strings.Fields(name)[0]) + "-" + storetest.Unique() + "@example.org"})
	if err != nil || res.RSVP.Status != domain.RSVPGoing {
		ce.t.Fatalf("RSVP: %+v %v", res.RSVP, err)
	}
	return res.RSVP
}

// weeklySeries makes a weekly series of the group from a week after now.
func (ce *consoleEnv) weeklySeries(owner domain.Organiser, g domain.Group, title string) domain.SeriesView {
	ce.t.Helper()
	start := ce.db.Clock().Now().Add(7 * 24 * time.Hour).Truncate(time.Hour)
	v, err := ce.db.CreateSeries(ctx, owner.ID, g.ID, domain.Series{Slug: "s-" + storetest.Unique(), Title: title, Kind: domain.KindMeetup,
		RRule: "FREQ=WEEKLY", StartsAt: start, Duration: 90 * time.Minute, TimeZone: "Europe/Oslo",
		Venue: &domain.Venue{Name: "Hall"}, Waitlist: true, Ahead: 3})
	if err != nil {
		ce.t.Fatal(err)
	}
	return v
}

// addDoorAndSeries gives the fixture an event starting in two hours with
// an RSVP and a door link, and a series with its dates.
func (f *consoleFixture) addDoorAndSeries(t *testing.T) {
	ce := f.ce
	e := ce.publishedEvent(f.owner, f.group, "Go Night", ce.db.Clock().Now().Add(2*time.Hour))
	r := ce.rsvpGoing(e, "Ada Lovelace")
	l, _, err := ce.db.CreateDoorLink(ctx, f.owner.ID, e.ID, "Front desk")
	if err != nil {
		t.Fatal(err)
	}
	v := ce.weeklySeries(f.owner, f.group, "Weekly Go")
	f.params["event_id"], f.params["rsvp_id"], f.params["link_id"] = e.ID, r.ID, l.ID
	f.params["series_id"], f.params["occurrence_id"] = v.Series.ID, v.Occurrences[0].EventID
}

// TestConsoleDoor: an organiser checks people in from the door page and the
// list and counts say so; undoing takes it back; a walk-in is recorded as
// attended; a search finds one person; the list comes a page at a time.
func TestConsoleDoor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		o := ce.organiser("Olive")
		g := ce.group(o, "Oslo Gophers")
		e := ce.publishedEvent(o, g, "Go Night", db.Clock().Now().Add(time.Hour))
		ada, grace := ce.rsvpGoing(e, "Ada Lovelace"), ce.rsvpGoing(e, "Grace Hopper")
		b := ce.browser()
		b.signIn(o)
		door := "/manage/events/" + e.ID + "/door"

		p := b.get(door)
		if p.Status != http.StatusOK || !strings.Contains(p.text(), "0 of 2 checked in") {
			t.Fatalf("door page: %d\n%s", p.Status, p.text())
		}
		if !strings.Contains(p.Body, `id="room-code">`+e.SelfCheckinCode+`<`) {
			t.Errorf("the room code %q is not shown", e.SelfCheckinCode)
		}
		p = b.post(door+"/people/"+ada.ID+"/check-in", nil)
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, door+"?done=checked-in") {
			t.Fatalf("check in: %d to %q", p.Status, p.Location)
		}
		p = b.get(p.Location)
		if txt := p.text(); !strings.Contains(txt, "Checked in.") || !strings.Contains(txt, "1 of 2 checked in") {
			t.Fatalf("after checking in:\n%s", txt)
		}
		if !strings.Contains(p.Body, `action="`+door+`/people/`+ada.ID+`/undo"`) || !strings.Contains(p.Body, `action="`+door+`/people/`+grace.ID+`/check-in"`) {
			t.Errorf("Ada should have an undo button, Grace a check-in button")
		}
		if st, err := db.EventStats(ctx, o.ID, e.ID); err != nil || st.Attended != 1 {
			t.Errorf("stats after one check-in: %+v %v", st, err)
		}

		// Undo.
		p = b.post(door+"/people/"+ada.ID+"/undo", nil)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("undo: %d", p.Status)
		}
		if txt := b.get(p.Location).text(); !strings.Contains(txt, "0 of 2 checked in") || !strings.Contains(txt, "The check-in is undone.") {
			t.Errorf("after undo:\n%s", txt)
		}

		// A walk-in: the form says what is missing, keeps what was typed.
		p = b.post(door+"/walk-ins", url.Values{"name": {"Linus Walker"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.text(), "The e-mail address is required.") ||
			!strings.Contains(p.Body, `value="Linus Walker"`) {
			t.Fatalf("walk-in without an address: %d\n%s", p.Status, p.text())
		}
		p = b.post(door+"/walk-ins", url.Values{"name": {"Linus Walker"}, "email": {"linus@example.org"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("walk-in: %d\n%s", p.Status, p.text())
		}
		p = b.get(p.Location)
		if txt := p.text(); !strings.Contains(txt, "1 of 3 checked in") || !strings.Contains(txt, "Linus Walker walk-in") {
			t.Errorf("after the walk-in:\n%s", txt)
		}

		// Search.
		p = b.get(door + "?q=grace")
		if txt := p.text(); !strings.Contains(txt, "Grace Hopper") || strings.Contains(txt, "Ada Lovelace") {
			t.Errorf("searching for grace:\n%s", txt)
		}
		if p = b.get(door + "?q=" + strings.Repeat("x", 101)); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.text(), "The search") {
			t.Errorf("a search too long: %d", p.Status)
		}

		// A check-in outside the door's hours is refused with a reason.
		later := ce.publishedEvent(o, g, "Next Month", db.Clock().Now().Add(30*24*time.Hour))
		r := ce.rsvpGoing(later, "Ken Thompson")
		p = b.post("/manage/events/"+later.ID+"/door/people/"+r.ID+"/check-in", nil)
		if p.Status != http.StatusConflict || !strings.Contains(p.text(), "Check-in is open from a day before the event") {
			t.Errorf("check-in a month early: %d\n%s", p.Status, p.text())
		}
	})
}

// TestConsoleDoorPages: the door list comes a page at a time, in name
// order, without repeats, and a page's next link leads on.
func TestConsoleDoorPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) { testConsoleDoorPages(t, db) })
}

func testConsoleDoorPages(t *testing.T, db *store.DB) {
	ce := newConsoleEnv(t, db)
	o := ce.organiser("Olive")
	g := ce.group(o, "Oslo Gophers")
	e := ce.publishedEvent(o, g, "Big Night", db.Clock().Now().Add(time.Hour))
	for i := range doorPageSize + 5 {
		ce.rsvpGoing(e, "Person "+string(rune('A'+i/26))+string(rune('a'+i%26)))
	}
	b := ce.browser()
	b.signIn(o)
	p := b.get("/manage/events/" + e.ID + "/door")
	if n := strings.Count(p.Body, "/check-in\""); n != doorPageSize {
		t.Fatalf("first page: %d people, want %d", n, doorPageSize)
	}
	next := regexpFind(t, p.Body, `href="(/manage/events/[^"]+after=[^"#]+)`)
	p = b.get(strings.ReplaceAll(next, "&amp;", "&"))
	if n := strings.Count(p.Body, "/check-in\""); n != 5 || !strings.Contains(p.text(), "Person Cc") || strings.Contains(p.text(), "Person Aa") {
		t.Errorf("second page: %d people\n%s", n, p.text())
	}
	if !strings.Contains(p.text(), "0 of 55 checked in") {
		t.Errorf("the count is the whole event's on every page")
	}
}

// TestConsoleDoorLinks: a door link made on the console page is shown
// once and opens the door list; revoked, it stops working.
func TestConsoleDoorLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		o := ce.organiser("Olive")
		g := ce.group(o, "Oslo Gophers")
		e := ce.publishedEvent(o, g, "Go Night", db.Clock().Now().Add(time.Hour))
		ce.rsvpGoing(e, "Ada Lovelace")
		b := ce.browser()
		b.signIn(o)
		door := "/manage/events/" + e.ID + "/door"
		if p := b.post(door+"/links", url.Values{"label": {strings.Repeat("x", 101)}}); p.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.text(), "The label must be at most 100 characters") {
			t.Fatalf("a label too long: %d\n%s", p.Status, p.text())
		}
		p := b.post(door+"/links", url.Values{"label": {"Anna's phone"}})
		if p.Status != http.StatusCreated {
			t.Fatalf("make a link: %d\n%s", p.Status, p.text())
		}
		link := regexpFind(t, p.Body, `id="new-door-link">([^<]+)<`)
		if !strings.HasPrefix(link, ce.base+"/door/") || !strings.Contains(p.text(), "Anna's phone") && !strings.Contains(p.text(), "Anna’s phone") && !strings.Contains(p.Body, "Anna&#39;s phone") {
			t.Fatalf("the new link %q", link)
		}
		if again := b.get(door); strings.Contains(again.Body, link) {
			t.Errorf("the raw link is shown again")
		}
		staff := ce.browser()
		if sp := staff.get(strings.TrimPrefix(link, ce.base)); sp.Status != http.StatusOK || !strings.Contains(sp.text(), "Ada Lovelace") {
			t.Fatalf("the door link: %d", sp.Status)
		}
		links, err := db.ListDoorLinks(ctx, o.ID, e.ID, domain.ListOptions{})
		if err != nil || len(links.Items) != 1 || links.Items[0].Label != "Anna's phone" {
			t.Fatalf("links: %+v %v", links.Items, err)
		}
		p = b.post(door+"/links/"+links.Items[0].ID+"/revoke", nil)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", p.Status)
		}
		if txt := b.get(p.Location).text(); !strings.Contains(txt, "The door link is revoked") || !strings.Contains(txt, "revoked") {
			t.Errorf("after revoking:\n%s", txt)
		}
		if sp := staff.get(strings.TrimPrefix(link, ce.base)); sp.Status != http.StatusGone {
			t.Errorf("a revoked door link: %d, want 410", sp.Status)
		}
	})
}

// TestConsoleSeries: the form previews the rule in words and the next
// dates without saving anything; saving creates the series; one date is
// cancelled and another moved on the series' page.
func TestConsoleSeries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		o := ce.organiser("Olive")
		g := ce.group(o, "Oslo Gophers")
		b := ce.browser()
		b.signIn(o)
		// The third Tuesday of a month at least a month ahead, 17:00 in Oslo.
		now := db.Clock().Now().In(oslo)
		m := time.Date(now.Year(), now.Month()+2, 1, 17, 0, 0, 0, oslo)
		for m.Weekday() != time.Tuesday {
			m = m.AddDate(0, 0, 1)
		}
		first := m.AddDate(0, 0, 14)
		slug := "essentials-" + storetest.Unique()
		form := url.Values{"title": {"Go Essentials"}, "slug": {slug}, "kind": {"meetup"}, "freq": {"MONTHLY"}, "interval": {"3"},
			"nth": {"3"}, "weekday": {"TU"}, "starts": {first.Format(localLayout)}, "length": {"90"}, "time_zone": {"Europe/Oslo"},
			"venue_name": {"Community Hall"}, "ahead": {"3"}, "action": {"preview"}}
		p := b.post("/manage/groups/"+g.ID+"/series/new", form)
		if p.Status != http.StatusOK {
			t.Fatalf("preview: %d\n%s", p.Status, p.text())
		}
		txt := p.text()
		if !strings.Contains(txt, "Every 3 months on the third Tuesday, 17:00–18:30 (Europe/Oslo, CET)") &&
			!strings.Contains(txt, "Every 3 months on the third Tuesday, 17:00–18:30 (Europe/Oslo, CEST)") {
			t.Errorf("the rule in words is missing:\n%s", txt)
		}
		second := time.Date(first.Year(), first.Month()+3, 1, 17, 0, 0, 0, oslo)
		for second.Weekday() != time.Tuesday {
			second = second.AddDate(0, 0, 1)
		}
		second = second.AddDate(0, 0, 14)
		for _, d := range []time.Time{first, second} {
			if !strings.Contains(txt, d.Format("Monday 2 January 2006")+", 17:00–18:30") {
				t.Errorf("the preview misses %s:\n%s", d.Format("Monday 2 January 2006"), txt)
			}
		}
		if list, err := db.ListSeries(ctx, o.ID, g.ID); err != nil || len(list) != 0 {
			t.Fatalf("the preview saved something: %v %v", list, err)
		}
		if !strings.Contains(p.Body, `value="`+slug+`"`) {
			t.Errorf("the preview lost what was typed")
		}

		// A first date the rule does not give: said next to the field.
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("starts", first.AddDate(0, 0, 1).Format(localLayout))
		if p := b.post("/manage/groups/"+g.ID+"/series/new", bad); p.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.text(), "is not an occurrence of rrule") {
			t.Errorf("a first date off the rule: %d\n%s", p.Status, p.text())
		}

		form.Set("action", "save")
		p = b.post("/manage/groups/"+g.ID+"/series/new", form)
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/manage/series/") {
			t.Fatalf("create: %d %q\n%s", p.Status, p.Location, p.text())
		}
		page := strings.TrimSuffix(p.Location, "?done=series-created")
		p = b.get(p.Location)
		if txt := p.text(); !strings.Contains(txt, "The series is created") || !strings.Contains(txt, "Every 3 months on the third Tuesday") ||
			!strings.Contains(txt, "0 people follow this series") {
			t.Errorf("the series page:\n%s", txt)
		}
		list, err := db.ListSeries(ctx, o.ID, g.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("series: %v %v", list, err)
		}
		v, err := db.FindSeries(ctx, o.ID, list[0].ID)
		if err != nil || len(v.Occurrences) != 3 {
			t.Fatalf("occurrences: %+v %v", v.Occurrences, err)
		}
		if !strings.Contains(b.get("/manage/groups/"+g.ID+"/series").text(), "Go Essentials") {
			t.Errorf("the list does not show the series")
		}

		// Followers: those who confirmed are counted and listed.
		for _, name := range []string{"Fay Follower", "Pat Pending"} {
			addr := strings.ToLower(strings.Fields(name)[0]) + "-" + storetest.Unique() + "@example.org"
			if err := db.FollowSeries(ctx, slug, domain.FollowInput{Name: name, Email: addr, Mode: domain.FollowInvite}); err != nil {
				t.Fatal(err)
			}
			if name == "Fay Follower" {
				_, raw, err := db.LoadFollowConfirmation(ctx, followerID(t, db, addr))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.ConfirmFollow(ctx, raw); err != nil {
					t.Fatal(err)
				}
			}
		}
		if txt := b.get(page).text(); !strings.Contains(txt, "1 person follows this series") || !strings.Contains(txt, "Fay Follower an invitation to each date") ||
			strings.Contains(txt, "Pat Pending") {
			t.Errorf("followers:\n%s", txt)
		}

		// Cancel the first date, move the second an hour later.
		one, two := v.Occurrences[0], v.Occurrences[1]
		if p := b.post(page+"/dates/"+one.EventID+"/cancel", nil); p.Status != http.StatusSeeOther {
			t.Fatalf("cancel: %d", p.Status)
		}
		to := two.StartsAt.Add(time.Hour).In(oslo)
		if p := b.post(page+"/dates/"+two.EventID+"/move", url.Values{"starts": {"tomorrow"}}); p.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.text(), "Give the new date and time") {
			t.Errorf("a move to no date: %d", p.Status)
		}
		p = b.post(page+"/dates/"+two.EventID+"/move", url.Values{"starts": {to.Format(localLayout)}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("move: %d\n%s", p.Status, p.text())
		}
		txt = b.get(p.Location).text()
		if !strings.Contains(txt, "The date is moved") || !strings.Contains(txt, to.Format("Monday 2 January 2006")+", 18:00–19:30") {
			t.Errorf("after moving:\n%s", txt)
		}
		v, _ = db.FindSeries(ctx, o.ID, list[0].ID)
		if v.Occurrences[0].Status != domain.EventCancelled || !v.Occurrences[1].StartsAt.Equal(to) || !v.Occurrences[1].Detached ||
			v.Occurrences[2].Status != domain.EventPublished {
			t.Errorf("occurrences after cancel and move: %+v", v.Occurrences)
		}
		// Another series' date is not this series'.
		other := ce.weeklySeries(o, g, "Weekly")
		if p := b.post(page+"/dates/"+other.Occurrences[0].EventID+"/cancel", nil); p.Status != http.StatusNotFound {
			t.Errorf("cancelling another series' date: %d", p.Status)
		}

		// Edit: preview shows the new rule, nothing changes until saved.
		edit := url.Values{"title": {"Go Essentials"}, "freq": {"MONTHLY"}, "interval": {"1"}, "nth": {"3"}, "weekday": {"TU"},
			"starts": {first.Format(localLayout)}, "length": {"120"}, "venue_name": {"Community Hall"}, "ahead": {"3"}, "action": {"preview"}}
		p = b.post(page+"/edit", edit)
		if p.Status != http.StatusOK || !strings.Contains(p.text(), "Every month on the third Tuesday, 17:00–19:00") {
			t.Fatalf("edit preview: %d\n%s", p.Status, p.text())
		}
		if v, _ := db.FindSeries(ctx, o.ID, list[0].ID); v.Series.RRule != "FREQ=MONTHLY;INTERVAL=3;BYDAY=3TU" {
			t.Errorf("the preview changed the rule: %s", v.Series.RRule)
		}
		edit.Set("action", "save")
		if p = b.post(page+"/edit", edit); p.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d\n%s", p.Status, p.text())
		}
		if v, _ := db.FindSeries(ctx, o.ID, list[0].ID); v.Series.RRule != "FREQ=MONTHLY;BYDAY=3TU" || v.Series.Duration != 2*time.Hour {
			t.Errorf("after saving: %s %s", v.Series.RRule, v.Series.Duration)
		}
		if f := b.get(page + "/edit"); !strings.Contains(f.Body, `<option value="3" selected>third</option>`) {
			t.Errorf("the edit form does not show the rule's fields")
		}
	})
}

// TestConsoleEvidence: the evidence page lists an event's records with its
// numbers, one person's records on their own, and the exports give the
// same records as the JSON API, signed.
func TestConsoleEvidence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		s := storetest.ScriptedEvent(t, db, db.Clock().Now().Add(-5*time.Hour))
		if _, err := db.DeriveContributions(ctx, s.Event.ID, ce.base); err != nil {
			t.Fatal(err)
		}
		b := ce.browser()
		b.signIn(s.Owner)
		base := "/manage/groups/" + s.Group.ID + "/evidence"
		if p := b.get("/manage/groups/" + s.Group.ID); !strings.Contains(p.Body, `href="`+base+`"`) ||
			!strings.Contains(p.Body, `href="/manage/groups/`+s.Group.ID+`/series"`) {
			t.Errorf("the group page does not link to evidence and series")
		}
		p := b.get(base + "?role=speaker")
		txt := p.text()
		if p.Status != http.StatusOK || !strings.Contains(txt, "Sam Speaker") || !strings.Contains(txt, "Go at scale") ||
			strings.Contains(txt, "Attendee 01") {
			t.Fatalf("speakers: %d\n%s", p.Status, txt)
		}
		registered, inPerson := storetest.ScriptedRegistered, storetest.ScriptedDoor+storetest.ScriptedWalkIns
		if !strings.Contains(txt, "40") || !strings.Contains(txt, "28 in person, 5 online") {
			t.Errorf("the event's numbers (%d registered, %d in person) are not shown:\n%s", registered, inPerson, txt)
		}
		if got := regexpFind(t, p.Body, `id="total-events">(\d+)<`); got != "1" {
			t.Errorf("events: %s", got)
		}
		// One person's records.
		person := regexpFind(t, p.Body, `href="(`+base+`\?person=[^"]+)">Sam Speaker`)
		pp := b.get(strings.ReplaceAll(person, "&amp;", "&"))
		if txt := pp.text(); !strings.Contains(txt, "Records of Sam Speaker") || strings.Contains(txt, "Tia Talker") {
			t.Errorf("Sam's records:\n%s", txt)
		}
		if p := b.get(base + "?role=boss"); p.Status != http.StatusUnprocessableEntity && p.Status != http.StatusBadRequest {
			t.Errorf("an unknown role: %d", p.Status)
		}

		// The exports.
		csvPage := b.get(base + ".csv")
		if csvPage.Status != http.StatusOK || !strings.HasPrefix(csvPage.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("CSV: %d %s", csvPage.Status, csvPage.Header.Get("Content-Type"))
		}
		rows, err := csv.NewReader(strings.NewReader(csvPage.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		// 1 host, 2 speakers, 33 attendees.
		if strings.Join(rows[0], ",") != strings.Join(httpkit.ContributionCSVHeader(), ",") || len(rows) != 1+1+2+33 {
			t.Errorf("CSV: header %v, %d rows", rows[0], len(rows))
		}
		jp := b.get(base + ".json?role=speaker")
		var l httpkit.ContributionList
		if err := json.NewDecoder(bytes.NewReader([]byte(jp.Body))).Decode(&l); err != nil || jp.Status != http.StatusOK {
			t.Fatalf("JSON: %d %v", jp.Status, err)
		}
		if len(l.Items) != 2 || l.Items[0].Signature == "" || !strings.HasPrefix(l.Items[0].VerifyURL, ce.base+"/v/") || l.Totals.Events != 1 {
			t.Errorf("JSON: %+v", l)
		}
		// The public page of a record the console links to.
		if vp := ce.browser().get(strings.TrimPrefix(l.Items[0].VerifyURL, ce.base)); vp.Status != http.StatusOK {
			t.Errorf("verify page: %d", vp.Status)
		}
	})
}

// regexpFind returns the first group of re's first match in s.
func regexpFind(t *testing.T, s, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in the page", re)
	}
	return m[1]
}

// followerID is the id of the follower with the address.
func followerID(t *testing.T, db *store.DB, addr string) string {
	t.Helper()
	q := `SELECT id FROM series_followers WHERE email_norm = ?`
	if db.Dialect() == store.Postgres {
		q = `SELECT id FROM series_followers WHERE email_norm = $1`
	}
	var id string
	if err := db.SQL().QueryRow(q, domain.NormalizeEmail(addr)).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
