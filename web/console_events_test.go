package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// createEvent sends the new-event form of the group and returns the new
// event's id, from the page it leads to.
func (b *browser) createEvent(g domain.Group, form url.Values) string {
	b.ce.t.Helper()
	p := b.post("/manage/groups/"+g.ID+"/events", form)
	id, ok := strings.CutPrefix(p.Location, "/manage/events/")
	if p.Status != http.StatusSeeOther || !ok || !strings.HasSuffix(id, "?done=event-created") {
		b.ce.t.Fatalf("creating an event: %d to %q\n%s", p.Status, p.Location, p.text())
	}
	return strings.TrimSuffix(id, "?done=event-created")
}

// TestConsoleEventInItsZone: an organiser in Oslo makes an event in New
// York. The form starts in the group's zone; the time typed is New York's
// (18:30 in January is 23:30 UTC), the store holds that instant, and the
// pages show 18:30 with the zone named. An edit is read in the zone too.
func TestConsoleEventInItsZone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		o := ce.organiser("Olive")
		g := ce.group(o, "Oslo Gophers")
		b := ce.browser()
		b.signIn(o)
		if p := b.get("/manage/groups/" + g.ID + "/events/new"); p.Status != 200 || !strings.Contains(p.Body, `<option value="Europe/Oslo" selected>`) {
			t.Fatalf("new event form: %d, the group's zone is not chosen", p.Status)
		}
		form := consoleEventForm("Gophers in New York")
		form.Set("time_zone", "America/New_York")
		form.Set("starts_at", "2099-01-08T18:30")
		form.Set("ends_at", "2099-01-08T21:00")
		id := b.createEvent(g, form)

		e, err := db.FindEvent(ctx, o.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2099, 1, 8, 23, 30, 0, 0, time.UTC); !e.StartsAt.Equal(want) || e.TimeZone != "America/New_York" {
			t.Errorf("stored start %v in %s, want %v in America/New_York", e.StartsAt, e.TimeZone, want)
		}
		if e.Status != domain.EventDraft || e.Capacity == nil || *e.Capacity != 40 || !e.Waitlist || e.Venue == nil || e.Venue.Address != "Youngs gate 6, Oslo" {
			t.Errorf("stored event %+v", e)
		}
		page := b.get("/manage/events/" + id + "?done=event-created")
		if txt := page.text(); page.Status != 200 || !strings.Contains(txt, "Thursday 8 January 2099, 18:30–21:00 (America/New_York, EST)") ||
			!strings.Contains(txt, "The event is created as a draft") {
			t.Errorf("event page: %d\n%s", page.Status, txt)
		}
		edit := b.get("/manage/events/" + id + "/edit")
		if !strings.Contains(edit.Body, `value="2099-01-08T18:30"`) || !strings.Contains(edit.Body, `<option value="America/New_York" selected>`) {
			t.Errorf("the edit form does not show 18:30 in New York:\n%s", edit.Body)
		}
		form.Set("starts_at", "2099-01-08T19:00")
		form.Set("capacity", "")
		if p := b.post("/manage/events/"+id+"/edit", form); p.Status != http.StatusSeeOther || p.Location != "/manage/events/"+id+"?done=event-saved" {
			t.Fatalf("saving: %d to %q\n%s", p.Status, p.Location, p.text())
		}
		if e, err = db.FindEvent(ctx, o.ID, id); err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2099, 1, 9, 0, 0, 0, 0, time.UTC); !e.StartsAt.Equal(want) || e.Capacity != nil {
			t.Errorf("after the edit: start %v, capacity %v; want %v and no limit", e.StartsAt, e.Capacity, want)
		}
	})
}

// TestConsoleEventFormErrors: a form with mistakes comes back (422) with
// each error next to its field and what the person typed kept; nothing is
// created.
func TestConsoleEventFormErrors(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ce := newConsoleEnv(t, db)
	o := ce.organiser("Olive")
	g := ce.group(o, "Oslo Gophers")
	b := ce.browser()
	b.signIn(o)
	form := consoleEventForm("")
	form.Set("description", "Bring a friend & a laptop.")
	form.Set("ends_at", "2099-01-08T17:00") // before the start
	form.Set("capacity", "lots")
	form.Set("venue_name", "")
	form.Set("venue_address", "")
	form["speaker_name"] = []string{"Ada", ""}
	form["speaker_email"] = []string{"ada-at-example", ""}
	p := b.post("/manage/groups/"+g.ID+"/events", form)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", p.Status)
	}
	for id, msg := range map[string]string{
		"title":           "The title is required.",
		"ends_at":         "The end must be after the start.",
		"capacity":        "The number of seats must be a whole number, or empty for no limit.",
		"speaker-0-email": "address must be a valid e-mail address",
	} {
		// The error is the field's, just above its input.
		i := strings.Index(p.Body, `<p class="error" id="`+id+`-error">`)
		if i < 0 || !strings.Contains(p.Body[i:i+300], msg) || !strings.Contains(p.Body[i:i+600], `<input id="`+id+`"`) {
			t.Errorf("no %q next to %s:\n%s", msg, id, p.Body)
		}
	}
	if !strings.Contains(p.text(), "A venue is required for a meetup") {
		t.Errorf("no error for the missing venue:\n%s", p.text())
	}
	for _, kept := range []string{`value="lots"`, `value="2099-01-08T17:00"`, "Bring a friend &amp; a laptop.", `value="Ada"`, `value="ada-at-example"`} {
		if !strings.Contains(p.Body, kept) {
			t.Errorf("%s is not kept", kept)
		}
	}
	events, err := db.ListEvents(ctx, o.ID, g.ID, domain.EventFilter{})
	if err != nil || len(events.Items) != 0 {
		t.Errorf("events after a refused form: %d, %v", len(events.Items), err)
	}
}

// TestConsolePublishAndCancel: a draft is published from its page and
// takes replies; cancelling asks for the reason attendees read, which the
// public page then shows, and the cancellation is on its way to the person
// going, as for the API.
func TestConsolePublishAndCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		o := ce.organiser("Olive")
		g := ce.group(o, "Oslo Gophers")
		b := ce.browser()
		b.signIn(o)
		id := b.createEvent(g, consoleEventForm("Gophers and gløgg"))
		if p := b.get("/manage/events/" + id); !strings.Contains(p.Body, `action="/manage/events/`+id+`/publish"`) || strings.Contains(p.Body, "/cancel") {
			t.Errorf("a draft's page should offer Publish and not Cancel")
		}
		if p := b.post("/manage/events/"+id+"/publish", nil); p.Status != http.StatusSeeOther || p.Location != "/manage/events/"+id+"?done=event-published" {
			t.Fatalf("publishing: %d to %q", p.Status, p.Location)
		}
		e, err := db.FindEvent(ctx, o.ID, id)
		if err != nil || e.Status != domain.EventPublished {
			t.Fatalf("after publishing: %v, %v", e.Status, err)
		}
		if _, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Ann", Email: "ann-" + storetest.Unique() + "@example.org"}); err != nil {
			t.Fatal(err)
		}
		page := b.get("/manage/events/" + id)
		if txt := page.text(); !strings.Contains(txt, "Going 1") || !strings.Contains(txt, "39 seats left") || !strings.Contains(page.Body, `href="/e/`+e.Slug+`"`) {
			t.Errorf("published event page:\n%s", txt)
		}
		if p := b.get("/manage/events/" + id + "/cancel"); p.Status != 200 || !strings.Contains(p.text(), "1 going and 0 on the waitlist are e-mailed") {
			t.Errorf("cancel page: %d\n%s", p.Status, p.text())
		}
		if p := b.post("/manage/events/"+id+"/cancel", url.Values{"reason": {"  "}}); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.text(), "The reason is required") {
			t.Errorf("cancelling without a reason: %d", p.Status)
		}
		if e, _ := db.FindEvent(ctx, o.ID, id); e.Status != domain.EventPublished {
			t.Errorf("cancelled without a reason")
		}
		reason := "The venue flooded; we will announce a new date."
		if p := b.post("/manage/events/"+id+"/cancel", url.Values{"reason": {reason}}); p.Status != http.StatusSeeOther || p.Location != "/manage/events/"+id+"?done=event-cancelled" {
			t.Fatalf("cancelling: %d to %q", p.Status, p.Location)
		}
		if e, err = db.FindEvent(ctx, o.ID, id); err != nil || e.Status != domain.EventCancelled || e.CancelReason != reason {
			t.Fatalf("after cancelling: %v %q, %v", e.Status, e.CancelReason, err)
		}
		if pub := b.get("/e/" + e.Slug); !strings.Contains(pub.text(), reason) {
			t.Errorf("the public page does not give the reason:\n%s", pub.text())
		}
		var jobs int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE kind = 'event_fanout' AND args->>'event_id' = $1 AND args->>'message' = 'event_cancelled'`, id).Scan(&jobs); err != nil {
			t.Fatal(err)
		}
		if jobs != 1 {
			t.Errorf("%d cancellation jobs, want 1", jobs)
		}
		// What that job does: one e-mail to the person going.
		if n, err := db.FanOut(ctx, id, domain.MessageEventCancelled); err != nil || n != 1 {
			t.Errorf("fan-out: %d, %v; want 1", n, err)
		}
		ds, err := db.ListDeliveries(ctx, o.ID, id, domain.ListOptions{})
		if err != nil || len(ds.Items) == 0 || ds.Items[len(ds.Items)-1].Kind != domain.MessageEventCancelled {
			t.Errorf("deliveries: %+v, %v", ds.Items, err)
		}
		if p := b.get("/manage/events/" + id); !strings.Contains(p.text(), reason) || strings.Contains(p.Body, "/edit\"") {
			t.Errorf("a cancelled event's page gives the reason and offers no edit:\n%s", p.text())
		}
	})
}

// TestConsoleDuplicate: a copy is a draft with the same details, hosts
// and speakers on the date chosen, at the same local time even across a
// change of the clocks (18:00 in Oslo is 17:00 UTC in March, 16:00 in
// April), and the organiser lands on its form.
func TestConsoleDuplicate(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ce := newConsoleEnv(t, db)
	o := ce.organiser("Olive")
	g := ce.group(o, "Oslo Gophers")
	co := ce.organiser("Hugo")
	if _, _, err := db.AddMember(ctx, o.ID, g.ID, co.Email, "Hugo", domain.RoleOrganiser); err != nil {
		t.Fatal(err)
	}
	b := ce.browser()
	b.signIn(o)
	form := consoleEventForm("Spring meetup")
	form.Set("starts_at", "2099-03-20T18:00")
	form.Set("ends_at", "2099-03-20T20:00")
	form.Set("rsvp_closes_at", "2099-03-20T12:00")
	form["host"] = []string{co.ID}
	form["speaker_name"] = []string{"Ada Lovelace"}
	form["speaker_talk"] = []string{"Engines"}
	id := b.createEvent(g, form)
	if p := b.get("/manage/events/" + id); !strings.Contains(p.Body, `value="2099-03-27"`) {
		t.Errorf("the copy's date is not a week later by default")
	}
	if p := b.post("/manage/events/"+id+"/duplicate", url.Values{"date": {"someday"}}); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.text(), "The date of the copy must be a date") {
		t.Errorf("a bad date: %d", p.Status)
	}
	p := b.post("/manage/events/"+id+"/duplicate", url.Values{"date": {"2099-04-03"}})
	copyID, ok := strings.CutPrefix(p.Location, "/manage/events/")
	copyID, ok2 := strings.CutSuffix(copyID, "/edit?done=event-duplicated")
	if p.Status != http.StatusSeeOther || !ok || !ok2 || copyID == id {
		t.Fatalf("duplicating: %d to %q", p.Status, p.Location)
	}
	c, err := db.FindEvent(ctx, o.ID, copyID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != domain.EventDraft || c.Title != "Spring meetup" || c.Venue == nil || c.Venue.Name != "Kulturhuset" || c.Capacity == nil || *c.Capacity != 40 {
		t.Errorf("copy: %+v", c)
	}
	if want := time.Date(2099, 4, 3, 16, 0, 0, 0, time.UTC); !c.StartsAt.Equal(want) || !c.EndsAt.Equal(want.Add(2*time.Hour)) {
		t.Errorf("copy at %v–%v, want %v (18:00 in Oslo)", c.StartsAt, c.EndsAt, want)
	}
	if want := time.Date(2099, 4, 3, 10, 0, 0, 0, time.UTC); c.RSVPClosesAt == nil || !c.RSVPClosesAt.Equal(want) {
		t.Errorf("copy's replies close %v, want %v", c.RSVPClosesAt, want)
	}
	people, def, err := db.FindEventPeople(ctx, o.ID, copyID)
	if err != nil || def || len(people.Hosts) != 1 || people.Hosts[0].OrganiserID != co.ID ||
		len(people.Speakers) != 1 || people.Speakers[0].TalkTitle != "Engines" {
		t.Errorf("copy's people: %+v (default hosts %v), %v", people, def, err)
	}
	edit := b.get(p.Location)
	if txt := edit.text(); !strings.Contains(txt, "This is a draft copy") || !strings.Contains(edit.Body, `value="2099-04-03T18:00"`) {
		t.Errorf("the copy's form:\n%s", txt)
	}
}

// TestConsoleHomeAttention: the home page points at what needs doing in
// the organiser's groups — failed e-mails (to the event's e-mail page),
// a meetup without an address (to its form), replies closing within two
// days — and shows another group's organiser none of it.
func TestConsoleHomeAttention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		o := ce.organiser("Olive")
		g := ce.group(o, "Oslo Gophers")
		now := db.Clock().Now()
		start := now.Add(5 * 24 * time.Hour).Truncate(time.Minute)
		publish := func(e domain.Event) domain.Event {
			t.Helper()
			e.StartsAt, e.EndsAt, e.Waitlist = start, start.Add(2*time.Hour), true
			e, err := db.CreateEvent(ctx, o.ID, g.ID, e)
			if err != nil {
				t.Fatal(err)
			}
			if e, err = db.PublishEvent(ctx, o.ID, e.ID); err != nil {
				t.Fatal(err)
			}
			return e
		}
		online := "https://meet.example.org/x"
		closes := now.Add(20 * time.Hour)
		unplaced := publish(domain.Event{Title: "Pub night", Kind: domain.KindMeetup, Venue: &domain.Venue{Name: "The pub"}})
		closing := publish(domain.Event{Title: "Closing soon", Kind: domain.KindLiveSession, OnlineURL: online, RSVPClosesAt: &closes})
		bounced := publish(domain.Event{Title: "Bounced", Kind: domain.KindLiveSession, OnlineURL: online})
		if _, err := db.CreateRSVP(ctx, bounced.Slug, domain.RSVPInput{Name: "Ann", Email: "ann-" + storetest.Unique() + "@example.org"}); err != nil {
			t.Fatal(err)
		}
		ds, err := db.ListDeliveries(ctx, o.ID, bounced.ID, domain.ListOptions{})
		if err != nil || len(ds.Items) != 1 {
			t.Fatalf("deliveries: %v, %v", ds.Items, err)
		}
		if err := db.MarkDelivery(ctx, ds.Items[0].ID, domain.DeliveryFailed, "550 no such mailbox"); err != nil {
			t.Fatal(err)
		}
		b := ce.browser()
		b.signIn(o)
		home := b.get("/manage/")
		for link, text := range map[string]string{
			"/manage/events/" + bounced.ID + "/email": "1 e-mail could not be delivered",
			"/manage/events/" + unplaced.ID + "/edit": "No address: people going do not know where to go",
			"/manage/events/" + closing.ID:            "Replies close",
		} {
			i := strings.Index(home.Body, `<a href="`+link+`">`)
			if i < 0 || !strings.Contains(home.Body[i:min(len(home.Body), i+400)], text) {
				t.Errorf("the home page has no link to %s saying %q:\n%s", link, text, home.text())
			}
		}
		other := ce.browser()
		other.signIn(ce.organiser("Otto"))
		if p := other.get("/manage/"); !strings.Contains(p.text(), "Nothing needs your attention.") {
			t.Errorf("another organiser's home:\n%s", p.text())
		}
	})
}
