package api

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/httpkit"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// atClock stops the clock the server and the database share at t, until
// the test ends (the PostgreSQL database is shared by the package's tests);
// Freeze moves it.
func atClock(te *testEnv, db *store.DB, t time.Time) *storetest.Clock {
	c := storetest.ClockOf(te.t, db)
	c.Freeze(t)
	return c
}

// rsvpJSON makes a public RSVP by the API and returns its manage token.
func (te *testEnv) rsvpByAPI(t *testing.T, slug, name, email string) map[string]any {
	t.Helper()
	r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": name, "email": email})
	wantStatus(t, r, http.StatusCreated)
	return r.m(t)
}

// doorEntries maps names to the organiser's door-list entries.
func doorEntries(t *testing.T, te *testEnv, tok, eventID string) (map[string]map[string]any, map[string]any) {
	t.Helper()
	r := te.do("GET", "/api/v1/events/"+eventID+"/checkins", tok, nil)
	wantStatus(t, r, http.StatusOK)
	m := r.m(t)
	out := map[string]map[string]any{}
	for _, it := range m["items"].([]any) {
		e := it.(map[string]any)
		out[e["name"].(string)] = e
	}
	return out, m
}

func TestCheckinAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		id, slug := pageEvent(te, tok, gid, true, map[string]any{"capacity": 3})
		id2, slug2 := pageEvent(te, tok, gid, true, nil)
		u := storetest.Unique()
		grace := te.rsvpByAPI(t, slug, "Grace", "grace-"+u+"@example.org")
		te.rsvpByAPI(t, slug, "Linus", "linus-"+u+"@example.org")
		mary := te.rsvpByAPI(t, slug, "Mary", "mary-"+u+"@example.org")
		wait := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Wanda", "email": "wanda-" + u + "@example.org"})
		if wait.m(t)["status"] != "waitlisted" {
			t.Fatalf("fourth RSVP: %s", wait.Body)
		}
		other := te.rsvpByAPI(t, slug2, "Olga", "olga-"+u+"@example.org")
		clock := atClock(te, db, pageStart.Add(-10*time.Minute))
		path := "/api/v1/events/" + id + "/checkins"

		people, list := doorEntries(t, te, tok, id)
		if list["expected"] != 3.0 || list["in"] != 0.0 || len(people) != 3 {
			t.Fatalf("door list before: %v", list)
		}
		code := people["Linus"]["checkin_code"].(string)
		if !regexp.MustCompile(`^[A-Z2-9]{4}-[A-Z2-9]{4}$`).MatchString(code) {
			t.Fatalf("check-in code %q is not ABCD-EFGH", code)
		}

		// By code, as typed: lower case, no dash.
		r := te.do("POST", path, tok, map[string]any{"code": strings.ToLower(strings.ReplaceAll(code, "-", " "))})
		wantStatus(t, r, http.StatusOK)
		if m := r.m(t); m["already"] != false || m["rsvp"].(map[string]any)["attended_how"] != "door" || m["rsvp"].(map[string]any)["name"] != "Linus" {
			t.Fatalf("check-in by code: %s", r.Body)
		}
		r = te.do("POST", path, tok, map[string]any{"code": code})
		wantStatus(t, r, http.StatusOK)
		if r.m(t)["already"] != true {
			t.Fatalf("second check-in: %s", r.Body)
		}
		// By manage token and by id.
		wantStatus(t, te.do("POST", path, tok, map[string]any{"manage_token": grace["manage_token"]}), http.StatusOK)
		wantStatus(t, te.do("POST", path, tok, map[string]any{"rsvp_id": mary["id"]}), http.StatusOK)
		// Someone checked in can no longer cancel: they came.
		wantProblem(t, te.do("DELETE", "/api/v1/rsvps/"+grace["manage_token"].(string), "", nil), http.StatusConflict, "already_attended")
		wantNoText(t, newPageClient(t, te).get("/r/"+grace["manage_token"].(string)), "Cancel my RSVP")

		// Refused.
		wantProblem(t, te.do("POST", path, tok, map[string]any{"code": "ZZZZ-ZZZZ"}), http.StatusNotFound, "code_not_found")
		wantProblem(t, te.do("POST", path, tok, map[string]any{"code": other["id"]}), http.StatusNotFound, "code_not_found")
		wantProblem(t, te.do("POST", path, tok, map[string]any{"rsvp_id": other["id"]}), http.StatusNotFound, "rsvp_not_found")
		wantProblem(t, te.do("POST", path, tok, map[string]any{"manage_token": other["manage_token"]}), http.StatusNotFound, "rsvp_not_found")
		wantProblem(t, te.do("POST", path, tok, map[string]any{"rsvp_id": wait.m(t)["id"]}), http.StatusConflict, "rsvp_not_going")
		wantProblem(t, te.do("POST", path, tok, map[string]any{}), http.StatusUnprocessableEntity, "")
		wantProblem(t, te.do("POST", path, tok, map[string]any{"code": code, "rsvp_id": mary["id"]}), http.StatusUnprocessableEntity, "")
		wantProblem(t, te.do("POST", path, tok, map[string]any{"name": "No Address"}), http.StatusUnprocessableEntity, "")
		_, stranger := te.organiser("Mallory")
		wantProblem(t, te.do("POST", path, stranger, map[string]any{"code": code}), http.StatusNotFound, "")
		wantProblem(t, te.do("GET", path, stranger, nil), http.StatusNotFound, "")

		// Walk-ins, on a full event: one new, one from the waitlist.
		w := te.do("POST", path, tok, map[string]any{"name": "Walter", "email": "walter-" + u + "@example.org"})
		wantStatus(t, w, http.StatusCreated)
		if m := w.m(t); m["walk_in"] != true || m["rsvp"].(map[string]any)["attended_how"] != "walk_in" {
			t.Fatalf("walk-in: %s", w.Body)
		}
		wantStatus(t, te.do("POST", path, tok, map[string]any{"name": "Wanda", "email": "WANDA-" + u + "@example.org"}), http.StatusCreated)
		if going, waiting := counts(te, tok, id); going != 3 || waiting != 0 {
			t.Fatalf("seats %d/%d after two walk-ins, want 3 going (walk-ins hold none), 0 waiting", going, waiting)
		}
		people, list = doorEntries(t, te, tok, id)
		if list["expected"] != 5.0 || list["in"] != 5.0 || people["Walter"]["walk_in"] != true || people["Wanda"]["walk_in"] != true {
			t.Fatalf("door list after walk-ins: %v", list)
		}

		// Undo: a door check-in is taken back; a walk-in goes away.
		wantStatus(t, te.do("DELETE", path+"/"+mary["id"].(string), tok, nil), http.StatusOK)
		wantStatus(t, te.do("DELETE", path+"/"+people["Walter"]["id"].(string), tok, nil), http.StatusOK)
		people, list = doorEntries(t, te, tok, id)
		if list["expected"] != 4.0 || list["in"] != 3.0 || people["Mary"]["attended_at"] != nil {
			t.Fatalf("door list after undo: %v", list)
		}
		wantStatus(t, te.do("DELETE", path+"/"+mary["id"].(string), tok, nil), http.StatusOK) // harmless twice

		// A day and more before the event, the door is closed.
		clock.Freeze(pageStart.Add(-25 * time.Hour))
		wantProblem(t, te.do("POST", path, tok, map[string]any{"rsvp_id": mary["id"]}), http.StatusConflict, "checkin_closed")
		_ = id2
	})
}

func TestDoorPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		id, slug := pageEvent(te, tok, gid, true, map[string]any{"capacity": 10})
		id2, slug2 := pageEvent(te, tok, gid, true, nil)
		u := storetest.Unique()
		te.rsvpByAPI(t, slug, "Grace Hopper", "grace-"+u+"@example.org")
		te.rsvpByAPI(t, slug, "Alan Turing", "alan-"+u+"@example.org")
		te.rsvpByAPI(t, slug2, "Olga", "olga-"+u+"@example.org")
		clock := atClock(te, db, pageStart.Add(-10*time.Minute))
		people, _ := doorEntries(t, te, tok, id)
		graceCode := people["Grace Hopper"]["checkin_code"].(string)
		others, _ := doorEntries(t, te, tok, id2)
		olga := others["Olga"]

		dl := te.do("POST", "/api/v1/events/"+id+"/door-links", tok, nil)
		wantStatus(t, dl, http.StatusCreated)
		link := dl.m(t)
		door := strings.TrimPrefix(link["url"].(string), te.srv.URL)
		if !strings.HasPrefix(door, "/door/") || link["token"] == "" {
			t.Fatalf("door link: %s", dl.Body)
		}
		wantProblem(t, te.do("POST", "/api/v1/events/"+id+"/door-links", "", nil), http.StatusUnauthorized, "")

		pc := newPageClient(t, te)
		p := pc.get(door)
		wantPage(t, p, http.StatusOK)
		wantText(t, p, "Door list", "Essentials: what you need to know", "<strong>0</strong> of 2 in", "Alan Turing", "Grace Hopper",
			"Check in by code", "Register and check in")
		wantNoText(t, p, "@example.org", "Olga")
		if strings.Index(p.Body, "Alan Turing") > strings.Index(p.Body, "Grace Hopper") {
			t.Error("the door list is not in name order")
		}
		if p.Header.Get("Cache-Control") != "no-store" || p.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("door page headers: %v", p.Header)
		}

		// A typed code.
		r := pc.post(door+"/checkin", url.Values{"_csrf": {p.csrf(t)}, "code": {strings.ToLower(graceCode)}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("check-in by code: %d\n%s", r.Status, r.Body)
		}
		after := pc.get(r.Header.Get("Location"))
		wantText(t, after, "Grace Hopper is checked in.", "<strong>1</strong> of 2 in")
		// A wrong code, and the code of another event's attendee.
		bad := pc.post(door+"/checkin", url.Values{"_csrf": {p.csrf(t)}, "code": {"ZZZZZZZZ"}})
		wantPage(t, bad, http.StatusUnprocessableEntity)
		wantText(t, bad, "No one expected at this event has the code ZZZZ-ZZZZ.")
		wrong := pc.post(door+"/checkin", url.Values{"_csrf": {p.csrf(t)}, "code": {olga["checkin_code"].(string)}})
		wantPage(t, wrong, http.StatusUnprocessableEntity)
		// Another event's RSVP by id: not found, and nothing changes.
		wantPage(t, pc.post(door+"/checkin", url.Values{"_csrf": {p.csrf(t)}, "rsvp_id": {olga["id"].(string)}}), http.StatusNotFound)
		if _, l := doorEntries(t, te, tok, id2); l["in"] != 0.0 {
			t.Fatalf("the door link of one event checked in at another: %v", l)
		}
		// The button, then undo.
		alan := people["Alan Turing"]["id"].(string)
		r = pc.post(door+"/checkin", url.Values{"_csrf": {p.csrf(t)}, "rsvp_id": {alan}})
		wantText(t, pc.get(r.Header.Get("Location")), "Alan Turing is checked in.", "<strong>2</strong> of 2 in")
		r = pc.post(door+"/undo", url.Values{"_csrf": {p.csrf(t)}, "rsvp_id": {alan}})
		wantText(t, pc.get(r.Header.Get("Location")), "Check-in undone.", "<strong>1</strong> of 2 in")
		// A walk-in.
		r = pc.post(door+"/walkin", url.Values{"_csrf": {p.csrf(t)}, "name": {"Walter"}, "email": {"walter-" + u + "@example.org"}})
		wantText(t, pc.get(r.Header.Get("Location")), "Walter is registered as a walk-in and checked in.", "<strong>2</strong> of 3 in", "walk-in")
		bad = pc.post(door+"/walkin", url.Values{"_csrf": {p.csrf(t)}, "name": {"Walter"}, "email": {"not an address"}})
		wantPage(t, bad, http.StatusUnprocessableEntity)
		// No form token, no check-in.
		wantPage(t, pc.post(door+"/checkin", url.Values{"rsvp_id": {alan}}), http.StatusForbidden)

		// A second link, revoked (a lost phone), stops at once; the first
		// still works.
		dl2 := te.do("POST", "/api/v1/events/"+id+"/door-links", tok, nil).m(t)
		door2 := strings.TrimPrefix(dl2["url"].(string), te.srv.URL)
		wantPage(t, pc.get(door2), http.StatusOK)
		_, stranger := te.organiser("Mallory")
		wantProblem(t, te.do("DELETE", "/api/v1/events/"+id+"/door-links/"+dl2["id"].(string), stranger, nil), http.StatusNotFound, "")
		wantStatus(t, te.do("DELETE", "/api/v1/events/"+id+"/door-links/"+dl2["id"].(string), tok, nil), http.StatusNoContent)
		wantStatus(t, te.do("DELETE", "/api/v1/events/"+id+"/door-links/"+dl2["id"].(string), tok, nil), http.StatusNoContent)
		wantPage(t, pc.get(door2), http.StatusGone)
		wantPage(t, pc.get(door), http.StatusOK)
		wantProblem(t, te.do("DELETE", "/api/v1/events/"+id2+"/door-links/"+dl2["id"].(string), tok, nil), http.StatusNotFound, "door_link_not_found")

		// The link ends a day after the event.
		clock.Freeze(pageStart.Add(2*time.Hour + 25*time.Hour))
		gone := pc.get(door)
		wantPage(t, gone, http.StatusGone)
		nf := pc.get("/door/" + strings.Repeat("x", 43))
		wantPage(t, nf, http.StatusNotFound)
		wantText(t, nf, "We can't find that door link")
	})
}

func TestSelfCheckinAndJoinLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		clock := atClock(te, db, pageStart.Add(-2*time.Hour))
		_, tok := te.organiser("Ada")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		meeting := "https://meet.example.org/room-" + storetest.Unique()
		id, slug := pageEvent(te, tok, gid, true, map[string]any{"kind": "live_session", "venue": omit, "online_url": meeting, "capacity": 2})
		u := storetest.Unique()
		pc := newPageClient(t, te)
		grace := pc.rsvp(slug, "Grace", "grace-"+u+"@example.org")
		linus := pc.rsvp(slug, "Linus", "linus-"+u+"@example.org")
		wanda := pc.rsvp(slug, "Wanda", "wanda-"+u+"@example.org")
		cc := te.do("GET", "/api/v1/events/"+id+"/checkin-code", tok, nil)
		wantStatus(t, cc, http.StatusOK)
		room := cc.m(t)["code"].(string)
		if len(room) != 6 || cc.m(t)["opens_at"] != pageStart.Add(-30*time.Minute).Format(time.RFC3339) {
			t.Fatalf("check-in code: %s", cc.Body)
		}

		// Before the window: no form, and the join link records nothing.
		wantNoText(t, pc.get("/r/"+grace), `action="/r/`+grace+`/checkin`)
		j := pc.get("/j/" + grace)
		wantPage(t, j, http.StatusOK)
		wantText(t, j, "The session has not started yet", "Come back from ")
		wantNoText(t, j, meeting)
		wantProblem(t, te.do("POST", "/api/v1/rsvps/"+grace+"/checkin", "", map[string]any{"code": room}), http.StatusConflict, "checkin_closed")

		// In the window.
		clock.Freeze(pageStart.Add(-20 * time.Minute))
		p := pc.get("/r/" + grace)
		wantText(t, p, "Check in", `action="/r/`+grace+`/checkin#checkin"`, "Event code")
		bad := pc.post("/r/"+grace+"/checkin", url.Values{"_csrf": {p.csrf(t)}, "code": {"AAAAAA"}})
		wantPage(t, bad, http.StatusUnprocessableEntity)
		wantText(t, bad, "That is not the code of this event")
		ok := pc.post("/r/"+grace+"/checkin", url.Values{"_csrf": {p.csrf(t)}, "code": {strings.ToLower(room)}})
		if ok.Status != http.StatusSeeOther || ok.Header.Get("Location") != "/r/"+grace+"?checkedin=1" {
			t.Fatalf("self check-in: %d to %q", ok.Status, ok.Header.Get("Location"))
		}
		wantText(t, pc.get("/r/"+grace+"?checkedin=1"), "You're checked in", "Welcome! Checked in at ")
		people, _ := doorEntries(t, te, tok, id)
		if people["Grace"]["attended_how"] != "self" {
			t.Fatalf("Grace's attendance: %v", people["Grace"])
		}
		// The waitlisted person cannot check in, nor join.
		wantProblem(t, te.do("POST", "/api/v1/rsvps/"+wanda+"/checkin", "", map[string]any{"code": room}), http.StatusConflict, "rsvp_not_going")
		wj := pc.get("/j/" + wanda)
		wantPage(t, wj, http.StatusForbidden)
		wantNoText(t, wj, meeting)

		// A rotated code: the old one stops working.
		rot := te.do("POST", "/api/v1/events/"+id+"/checkin-code", tok, nil)
		wantStatus(t, rot, http.StatusOK)
		if rot.m(t)["code"] == room {
			t.Fatal("the code did not change")
		}

		// The join link records online attendance once and forwards.
		for range 2 {
			j := pc.get("/j/" + linus)
			if j.Status != http.StatusSeeOther || j.Header.Get("Location") != meeting {
				t.Fatalf("join link in the window: %d to %q", j.Status, j.Header.Get("Location"))
			}
		}
		people, list := doorEntries(t, te, tok, id)
		if people["Linus"]["attended_how"] != "online" || list["in"] != 2.0 {
			t.Fatalf("after joining: %v", list)
		}
		// After the end: nothing more is recorded, and the page says so.
		clock.Freeze(pageStart.Add(3 * time.Hour))
		end := pc.get("/j/" + grace)
		wantPage(t, end, http.StatusOK)
		wantText(t, end, "This session has ended")
		wantNoText(t, end, meeting)
		wantNoText(t, pc.get("/r/"+linus), `/checkin#checkin"`)
	})
}

func TestBulkAttendance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		id, slug := pageEvent(te, tok, gid, true, nil)
		u := storetest.Unique()
		for _, n := range []string{"grace", "linus", "mary"} {
			te.rsvpByAPI(t, slug, n, n+"-"+u+"@example.org")
		}
		clock := atClock(te, db, pageStart.Add(-time.Hour))
		path := "/api/v1/events/" + id + "/attendance"
		wantProblem(t, te.do("POST", path, tok, map[string]any{"emails": []string{"grace-" + u + "@example.org"}}), http.StatusConflict, "event_not_started")

		clock.Freeze(pageStart.Add(3 * time.Hour))
		r := te.do("POST", path, tok, map[string]any{"emails": []string{"GRACE-" + u + "@example.org", "nobody-" + u + "@example.org"}})
		wantStatus(t, r, http.StatusOK)
		if m := r.m(t); m["recorded"] != 1.0 || m["already"] != 0.0 || len(m["unknown"].([]any)) != 1 {
			t.Fatalf("JSON upload: %s", r.Body)
		}
		// A sign-in sheet as CSV: a header row, the e-mail in the second column.
		csv := "Name,Email\r\nGrace,grace-" + u + "@example.org\r\nLinus,linus-" + u + "@example.org\r\n"
		req, _ := http.NewRequest("POST", te.srv.URL+path, strings.NewReader(csv))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "text/csv")
		r = te.send(req)
		wantStatus(t, r, http.StatusOK)
		if m := r.m(t); m["recorded"] != 1.0 || m["already"] != 1.0 {
			t.Fatalf("CSV upload: %s", r.Body)
		}
		people, list := doorEntries(t, te, tok, id)
		if list["in"] != 2.0 || people["linus"]["attended_how"] != "bulk" || people["mary"]["attended_at"] != nil {
			t.Fatalf("after uploads: %v", list)
		}
		wantProblem(t, te.do("POST", path, tok, map[string]any{"emails": []string{"not an address"}}), http.StatusUnprocessableEntity, "")
		wantProblem(t, te.do("POST", path, tok, map[string]any{"emails": []string{}}), http.StatusUnprocessableEntity, "")
	})
}

// TestAttendeeRecordsLink: the RSVP page links the attendee's own records
// as a CSV file a browser can download.
func TestAttendeeRecordsLink(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	te := newTestEnv(t, db)
	_, tok := te.organiser("Ada")
	gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
	_, slug := pageEvent(te, tok, gid, true, nil)
	pc := newPageClient(t, te)
	m := pc.rsvp(slug, "Grace", "grace-"+storetest.Unique()+"@example.org")
	wantText(t, pc.get("/r/"+m), `href="/api/v1/rsvps/`+m+`/contributions?format=csv"`)
	csv := pc.get("/api/v1/rsvps/" + m + "/contributions?format=csv")
	if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || !strings.Contains(csv.Body, "person_name") {
		t.Fatalf("records as CSV: %d %s\n%s", csv.Status, csv.Header.Get("Content-Type"), csv.Body)
	}
	wantProblem(t, te.do("GET", "/api/v1/rsvps/"+m+"/contributions?format=xml", "", nil), http.StatusUnprocessableEntity, "")
	r := te.do("GET", "/api/v1/rsvps/"+m+"/contributions?format=json", "", nil)
	wantStatus(t, r, http.StatusOK)
}

// TestEventPagePeople: the event page names its hosts and speakers (a
// public role), never volunteers nor anyone's address.
func TestEventPagePeople(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Adaorganiser")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		id, slug := pageEvent(te, tok, gid, true, nil)
		pc := newPageClient(t, te)
		// With no hosts set, the group's owner hosts.
		wantText(t, pc.get("/e/"+slug), "Hosted by Adaorganiser")
		r := te.do("PUT", "/api/v1/events/"+id+"/people", tok, map[string]any{
			"speakers":   []map[string]any{{"name": "Grace <Hopper>", "email": "grace@example.org", "talk_title": "Compilers & you"}},
			"volunteers": []map[string]any{{"name": "Victor Volunteer", "email": "victor@example.org"}},
		})
		wantStatus(t, r, http.StatusOK)
		p := pc.get("/e/" + slug)
		wantPage(t, p, http.StatusOK)
		wantText(t, p, "Speakers", "Grace <Hopper>", "Compilers & you", "Hosted by Adaorganiser")
		wantNoText(t, p, "Victor", "@example.org")
		if strings.Contains(p.Body, "<Hopper>") {
			t.Error("a speaker's name is not escaped")
		}
	})
}

// TestOrganiserErasesAttendee: an organiser erases an attendee who asked
// them to: name and address are gone everywhere the organisers look, the
// counts stay (the event has started), and the attendee's link says so.
func TestOrganiserErasesAttendee(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		id, slug := pageEvent(te, tok, gid, true, nil)
		u := storetest.Unique()
		grace := te.rsvpByAPI(t, slug, "Grace", "grace-"+u+"@example.org")
		atClock(te, db, pageStart.Add(30*time.Minute))
		wantStatus(t, te.do("POST", "/api/v1/events/"+id+"/checkins", tok, map[string]any{"rsvp_id": grace["id"]}), http.StatusOK)
		_, other := te.organiser("Mallory")
		path := "/api/v1/events/" + id + "/rsvps/" + grace["id"].(string) + "/data"
		wantProblem(t, te.do("DELETE", path, other, nil), http.StatusNotFound, "")
		wantStatus(t, te.do("DELETE", path, tok, nil), http.StatusNoContent)
		wantStatus(t, te.do("DELETE", path, tok, nil), http.StatusNoContent)
		r := te.do("GET", "/api/v1/events/"+id+"/rsvps", tok, nil)
		if strings.Contains(string(r.Body), "grace") || strings.Contains(string(r.Body), "Grace") {
			t.Fatalf("the organiser still sees Grace: %s", r.Body)
		}
		if going, _ := counts(te, tok, id); going != 1 {
			t.Fatalf("going %d after erasing an attendee of a started event, want 1", going)
		}
		if _, l := doorEntries(t, te, tok, id); l["in"] != 1.0 {
			t.Fatalf("attended count after erasure: %v", l)
		}
		wantProblem(t, te.do("GET", "/api/v1/rsvps/"+grace["manage_token"].(string), "", nil), http.StatusGone, "rsvp_erased")
	})
}

// TestWrongCodesLimited: wrong codes are limited per address; right ones
// never are, so a room checking in from one Wi-Fi is not slowed down.
func TestWrongCodesLimited(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	te := newTestEnv(t, db)
	_, tok := te.organiser("Ada")
	gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
	id, slug := pageEvent(te, tok, gid, true, nil)
	u := storetest.Unique()
	var tokens []string
	for i := range 25 {
		tokens = append(tokens, te.rsvpByAPI(t, slug, "P", "p"+itoa(i)+"-"+u+"@example.org")["manage_token"].(string))
	}
	atClock(te, db, pageStart.Add(-10*time.Minute))
	room := te.do("GET", "/api/v1/events/"+id+"/checkin-code", tok, nil).m(t)["code"].(string)
	// 25 people check in from one address with the right code.
	for _, m := range tokens {
		wantStatus(t, te.do("POST", "/api/v1/rsvps/"+m+"/checkin", "", map[string]any{"code": room}), http.StatusOK)
	}
	// Wrong codes: ten are answered, then the address waits.
	for range httpkit.WrongCodesPerMinute {
		wantProblem(t, te.do("POST", "/api/v1/rsvps/"+tokens[0]+"/checkin", "", map[string]any{"code": "AAAAAA"}), http.StatusUnprocessableEntity, "validation_failed")
	}
	r := te.do("POST", "/api/v1/rsvps/"+tokens[1]+"/checkin", "", map[string]any{"code": room})
	wantProblem(t, r, http.StatusTooManyRequests, "rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	// The organiser's door API guesses codes no faster.
	path := "/api/v1/events/" + id + "/checkins"
	wantProblem(t, te.do("POST", path, tok, map[string]any{"code": "ZZZZ-ZZZZ"}), http.StatusTooManyRequests, "rate_limited")
}
