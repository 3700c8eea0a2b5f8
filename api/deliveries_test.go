package api

import (
	"net/http"
	"testing"

	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestDeliveriesListed: each RSVP queues its e-mail in the same
// transaction, and the organiser sees it per recipient.
func TestDeliveriesListed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		eid, slug := te.event(tok, te.group(tok), 1, true)
		for _, p := range []struct{ name, email string }{{"Grace", "grace@example.org"}, {"Linus", "linus@example.org"}} {
			wantStatus(t, te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": p.name, "email": p.email}), http.StatusCreated)
		}
		items := listAll(t, te, tok, "/api/v1/events/"+eid+"/deliveries?limit=1")
		if len(items) != 2 {
			t.Fatalf("%d deliveries, want 2: %v", len(items), items)
		}
		want := map[string]string{"grace@example.org": "going", "linus@example.org": "waitlisted"}
		for _, d := range items {
			if want[d["email"].(string)] != d["kind"] || d["status"] != "queued" || d["sent_at"] != nil {
				t.Fatalf("delivery %v", d)
			}
		}
	})
}
