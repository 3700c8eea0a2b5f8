package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestOrganisersPeopleCalls: the calls behind the console's people and
// e-mail pages. The RSVP list searches by name or address and by
// check-in; an organiser seats a waitlisted person (on a full event only
// by adding a seat), removes someone (the line moves up), and sends a
// failed e-mail again; another group's organiser reaches none of it.
func TestOrganisersPeopleCalls(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		eid, slug := te.event(tok, te.group(tok), 1, true)
		ids := map[string]string{}
		for _, p := range []struct{ name, email string }{{"Grace", "grace@example.org"}, {"Linus", "linus@example.org"}, {"Margaret", "margaret@example.org"}} {
			r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": p.name, "email": p.email})
			wantStatus(t, r, http.StatusCreated)
			ids[p.name] = r.m(t)["id"].(string)
		}
		found := listAll(t, te, tok, "/api/v1/events/"+eid+"/rsvps?q=LINUS&limit=1")
		if len(found) != 1 || found[0]["name"] != "Linus" {
			t.Fatalf("q=LINUS: %v", found)
		}
		if got := listAll(t, te, tok, "/api/v1/events/"+eid+"/rsvps?checked_in=true"); len(got) != 0 {
			t.Errorf("checked in before the event: %v", got)
		}
		if got := listAll(t, te, tok, "/api/v1/events/"+eid+"/rsvps?status=waitlisted&limit=1"); len(got) != 2 {
			t.Errorf("waitlisted: %v", got)
		}
		wantProblem(t, te.do("GET", "/api/v1/events/"+eid+"/rsvps?checked_in=maybe", tok, nil), http.StatusUnprocessableEntity, "validation_failed")

		// Margaret, second in line, is seated: the full event needs a seat added.
		seat := "/api/v1/events/" + eid + "/rsvps/" + ids["Margaret"] + "/seat"
		wantProblem(t, te.do("POST", seat, tok, nil), http.StatusConflict, domain.ReasonEventFull)
		r := te.do("POST", seat, tok, map[string]any{"add_seat": true})
		wantStatus(t, r, http.StatusOK)
		if r.m(t)["status"] != "going" {
			t.Errorf("seated: %s", r.Body)
		}
		ev := te.do("GET", "/api/v1/events/"+eid, tok, nil).m(t)
		if ev["capacity"] != float64(2) {
			t.Errorf("capacity after a seat was added: %v", ev["capacity"])
		}

		// Grace is removed: Linus, first in line, takes her seat.
		r = te.do("DELETE", "/api/v1/events/"+eid+"/rsvps/"+ids["Grace"], tok, nil)
		wantStatus(t, r, http.StatusOK)
		if r.m(t)["status"] != "cancelled" {
			t.Errorf("removed: %s", r.Body)
		}
		going := listAll(t, te, tok, "/api/v1/events/"+eid+"/rsvps?status=going")
		if len(going) != 2 || going[0]["name"] != "Linus" || going[1]["name"] != "Margaret" {
			t.Errorf("going after Grace was removed: %v", going)
		}

		// Grace's invite failed; it is sent again, once.
		var failed string
		for _, d := range listAll(t, te, tok, "/api/v1/events/"+eid+"/deliveries?limit=50") {
			if d["email"] == "grace@example.org" && d["kind"] == "going" {
				failed = d["id"].(string)
			}
		}
		if err := db.MarkDelivery(context.Background(), failed, domain.DeliveryFailed, "550 5.1.1 User unknown"); err != nil {
			t.Fatal(err)
		}
		retry := "/api/v1/events/" + eid + "/deliveries/" + failed + "/retry"
		r = te.do("POST", retry, tok, nil)
		wantStatus(t, r, http.StatusOK)
		if m := r.m(t); m["status"] != "queued" || m["last_error"] != "550 5.1.1 User unknown" {
			t.Errorf("retried: %s", r.Body)
		}
		wantStatus(t, te.do("POST", retry, tok, nil), http.StatusOK)
		if err := db.MarkDelivery(context.Background(), failed, domain.DeliverySent, ""); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, te.do("POST", retry, tok, nil), http.StatusConflict, domain.ReasonDeliveryNotFailed)

		_, other := te.organiser("Mallory")
		wantProblem(t, te.do("POST", retry, other, nil), http.StatusNotFound, "")
		wantProblem(t, te.do("POST", seat, other, map[string]any{"add_seat": true}), http.StatusNotFound, "")
		wantProblem(t, te.do("DELETE", "/api/v1/events/"+eid+"/rsvps/"+ids["Linus"], other, nil), http.StatusNotFound, "")
		wantProblem(t, te.do("GET", "/api/v1/events/"+eid+"/rsvps?q=a", other, nil), http.StatusNotFound, "")
	})
}
