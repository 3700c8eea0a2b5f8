package api

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestRemindersSetting: an event's reminders default to 24 hours and 1
// hour before the start, can be set on create and changed or turned off
// ([]) on update, come back earliest first, and bad lists are refused
// with a field error per mistake.
func TestRemindersSetting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		id, _ := te.event(tok, gid, 10, false)
		r := te.do("GET", "/api/v1/events/"+id, tok, nil)
		wantStatus(t, r, http.StatusOK)
		m := r.m(t)
		if got := strs(m["reminders"]); !slices.Equal(got, []string{"PT24H", "PT1H"}) || m["reconfirm"] != false {
			t.Fatalf("defaults: reminders %v reconfirm %v", got, m["reconfirm"])
		}
		start := te.now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Hour)
		r = te.do("POST", "/api/v1/groups/"+gid+"/events", tok, map[string]any{
			"title": "Live", "kind": "live_session", "online_url": "https://meet.example.org/x",
			"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339),
			"reminders": []string{"PT30M", "P2D"}, "reconfirm": true,
		})
		wantStatus(t, r, http.StatusCreated)
		m = r.m(t)
		if got := strs(m["reminders"]); !slices.Equal(got, []string{"P2D", "PT30M"}) || m["reconfirm"] != true {
			t.Fatalf("created with reminders %v reconfirm %v", got, m["reconfirm"])
		}
		r = te.do("PATCH", "/api/v1/events/"+id, tok, map[string]any{"reminders": []string{}})
		wantStatus(t, r, http.StatusOK)
		if got := r.m(t)["reminders"].([]any); len(got) != 0 {
			t.Fatalf("after turning them off: %v", got)
		}
		for _, c := range []struct {
			body  any
			field string
		}{
			{[]string{"PT1H", "PT1H"}, "reminders[1]"},
			{[]string{"an hour"}, "reminders[0]"},
			{[]string{"PT1M"}, "reminders[0]"},
			{[]string{"PT1M", "PT1H"}, "reminders[0]"}, // the index given, not the sorted one
			{[]string{"P31D"}, "reminders[0]"},
			{[]string{"PT1H", "PT2H", "PT3H", "PT4H", "PT5H", "PT6H"}, "reminders"},
			{nil, "reminders"},
		} {
			r := te.do("PATCH", "/api/v1/events/"+id, tok, map[string]any{"reminders": c.body})
			p := wantProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
			found := false
			for _, f := range p["errors"].([]any) {
				if f.(map[string]any)["field"] == c.field {
					found = true
				}
			}
			if !found {
				t.Errorf("reminders %v: no error for %s: %s", c.body, c.field, r.Body)
			}
		}
	})
}

// TestReconfirmRoutes: the RSVP page of a person asked to confirm shows a
// button (viewing it changes nothing); the button, or the JSON route,
// confirms; the page then says so. Someone on the waitlist cannot
// confirm a seat they do not hold.
func TestReconfirmRoutes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		id, slug := te.event(tok, te.group(tok), 2, false)
		wantStatus(t, te.do("PATCH", "/api/v1/events/"+id, tok, map[string]any{"reconfirm": true}), http.StatusOK)
		wantStatus(t, te.do("POST", "/api/v1/events/"+id+"/publish", tok, nil), http.StatusOK)
		pc := newPageClient(t, te)
		grace := pc.rsvp(slug, "Grace", "grace@example.org")
		linus := pc.rsvp(slug, "Linus", "linus@example.org")
		wait := pc.rsvp(slug, "Wait", "wait@example.org")

		p := pc.get("/r/" + grace)
		wantPage(t, p, http.StatusOK)
		wantNoText(t, p, "Are you still coming?") // not asked yet
		ev := te.do("GET", "/api/v1/events/"+id, tok, nil).m(t)
		startsAt, _ := time.Parse(time.RFC3339, ev["starts_at"].(string))
		if n, err := db.RequestReconfirmation(context.Background(), domain.ReconfirmArgs{EventID: id, Step: domain.ReconfirmAsk, StartsAt: startsAt}); err != nil || n != 2 {
			t.Fatalf("asked %d: %v", n, err)
		}
		p = pc.get("/r/" + grace)
		wantPage(t, p, http.StatusOK)
		wantText(t, p, "Are you still coming?", "Yes, I'm coming", "(Europe/Oslo")
		r := te.do("GET", "/api/v1/rsvps/"+grace, "", nil)
		if m := r.m(t); m["reconfirm_requested_at"] == nil || m["reconfirmed_at"] != nil {
			t.Fatalf("after viewing the page: %s", r.Body)
		}
		wantPage(t, pc.post("/r/"+grace+"/reconfirm", url.Values{}), http.StatusForbidden) // no CSRF token
		p = pc.post("/r/"+grace+"/reconfirm", url.Values{"_csrf": {p.csrf(t)}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("confirm form: %d %s", p.Status, p.Body)
		}
		p = pc.get(p.Header.Get("Location"))
		wantPage(t, p, http.StatusOK)
		wantText(t, p, "You confirmed you're coming", "Your place is kept")

		r = te.do("POST", "/api/v1/rsvps/"+linus+"/reconfirm", "", nil)
		wantStatus(t, r, http.StatusOK)
		if r.m(t)["reconfirmed_at"] == nil {
			t.Fatalf("JSON confirm: %s", r.Body)
		}
		wantProblem(t, te.do("POST", "/api/v1/rsvps/"+wait+"/reconfirm", "", nil), http.StatusConflict, "not_going")
		// The organisers see who confirmed.
		r = te.do("GET", "/api/v1/events/"+id+"/rsvps?status=going", tok, nil)
		wantStatus(t, r, http.StatusOK)
		for _, it := range r.m(t)["items"].([]any) {
			if m := it.(map[string]any); m["reconfirm_requested_at"] == nil || m["reconfirmed_at"] == nil {
				t.Errorf("the organisers' view of %v", m)
			}
		}
		wantProblem(t, te.do("POST", "/api/v1/rsvps/nosuchtokennosuchtokennosuchtoken/reconfirm", "", nil), http.StatusNotFound, "")
	})
}
