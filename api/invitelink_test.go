package api

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestInvitationLinkChangesNothing (issue 13, point 3): following
// /i/{token}/rsvp — as a mail scanner or a link preview does — neither
// answers the invitation (not even after a "no" or a cancelled RSVP) nor
// mints a manage token; only the page's buttons (posts) change anything,
// they do what the page offers, and an invitation always leads to the same
// manage token however often it is answered or opened.
func TestInvitationLinkChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		id, _ := pageEvent(te, tok, gid, true, map[string]any{"capacity": 5})
		grace := "grace-" + storetest.Unique() + "@example.org"
		wantStatus(t, te.do("POST", "/api/v1/events/"+id+"/invitations", tok, map[string]any{
			"recipients": []map[string]any{{"email": grace, "name": "Grace"}}}), http.StatusCreated)
		inv := te.invitationLink(t, tok, id, grace)
		pc := newPageClient(t, te)

		// What a person or an organiser could notice: the answer, the RSVPs
		// and their statuses, the e-mails queued, and the links that lead to
		// an RSVP of the event.
		tokensQ := `SELECT count(*) FROM rsvp_tokens t JOIN rsvps r ON r.id = t.rsvp_id WHERE r.event_id = ?`
		if db.Dialect() == store.Postgres {
			tokensQ = `SELECT count(*) FROM rsvp_tokens t JOIN rsvps r ON r.id = t.rsvp_id WHERE r.event_id = $1`
		}
		state := func(t *testing.T) map[string]any {
			t.Helper()
			var links int
			if err := db.SQL().QueryRow(tokensQ, id).Scan(&links); err != nil {
				t.Fatal(err)
			}
			rsvps := map[string]any{}
			for _, r := range listAll(t, te, tok, "/api/v1/events/"+id+"/rsvps?limit=200") {
				rsvps[r["id"].(string)] = r["status"]
			}
			return map[string]any{
				"invitation": te.biGet(t, "/api/v1/public/invitations/"+inv, "")["status"],
				"rsvps":      rsvps,
				"deliveries": len(listAll(t, te, tok, "/api/v1/events/"+id+"/deliveries?limit=200")),
				"links":      links,
			}
		}
		follow := func(t *testing.T) {
			t.Helper()
			before := state(t)
			var got []page
			for range 3 {
				got = append(got, pc.get("/i/"+inv+"/rsvp"))
			}
			if after := state(t); !reflect.DeepEqual(before, after) {
				t.Fatalf("following /i/{token}/rsvp changed something:\nbefore %v\nafter  %v", before, after)
			}
			for _, p := range got {
				if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/i/"+inv {
					t.Fatalf("GET /i/{token}/rsvp: %d to %q, want 303 to the invitation", p.Status, p.Header.Get("Location"))
				}
			}
		}

		t.Run("BeforeAnswering", func(t *testing.T) { follow(t) })

		t.Run("AfterDeclining", func(t *testing.T) {
			wantStatus(t, te.do("POST", "/api/v1/public/invitations/"+inv+"/decline", "", nil), http.StatusOK)
			follow(t)
			if s := state(t); s["invitation"] != "declined" || len(s["rsvps"].(map[string]any)) != 0 {
				t.Fatalf("after declining and following the link: %v", s)
			}
		})

		var manage string
		t.Run("YesAfterNo", func(t *testing.T) {
			// The page offers "yes" after a "no", and its button does it.
			p := pc.get("/i/" + inv)
			wantText(t, p, "You said no, thanks. You can still change your mind.", "Yes, I'll come</button>")
			r := pc.post("/i/"+inv+"/accept", url.Values{"_csrf": {p.csrf(t)}, "name": {"Grace"}})
			loc := rsvpLocationRE.FindStringSubmatch(r.Header.Get("Location"))
			if r.Status != http.StatusSeeOther || loc == nil {
				t.Fatalf("accept: %d to %q", r.Status, r.Header.Get("Location"))
			}
			manage = loc[1]
			if m := te.biGet(t, "/api/v1/rsvps/"+manage, ""); m["status"] != "going" {
				t.Fatalf("RSVP after saying yes: %v", m)
			}
		})
		if manage == "" {
			t.FailNow()
		}

		t.Run("AfterAccepting", func(t *testing.T) {
			follow(t)
			before := state(t)
			// Saying yes again and opening the RSVP from the invitation lead
			// to the same link, and mint nothing.
			for range 2 {
				r := te.do("POST", "/api/v1/public/invitations/"+inv+"/accept", "", nil)
				wantStatus(t, r, http.StatusOK)
				if got := r.m(t)["manage_token"]; got != manage {
					t.Fatalf("accepting again: manage token %v, want %s", got, manage)
				}
				p := pc.get("/i/" + inv)
				wantText(t, p, "You said yes. You're going.", "See your RSVP</button>")
				see := pc.post("/i/"+inv+"/rsvp", url.Values{"_csrf": {p.csrf(t)}})
				if see.Status != http.StatusSeeOther || see.Header.Get("Location") != "/r/"+manage {
					t.Fatalf("See your RSVP: %d to %q, want /r/%s", see.Status, see.Header.Get("Location"), manage)
				}
			}
			if after := state(t); !reflect.DeepEqual(before, after) {
				t.Fatalf("answering yes again changed something:\nbefore %v\nafter  %v", before, after)
			}
		})

		t.Run("AfterCancelling", func(t *testing.T) {
			wantStatus(t, te.do("DELETE", "/api/v1/rsvps/"+manage, "", nil), http.StatusOK)
			follow(t)
			if m := te.biGet(t, "/api/v1/rsvps/"+manage, ""); m["status"] != "cancelled" {
				t.Fatalf("following the link after cancelling: %v", m)
			}
			// The page says so and offers "yes" again; "See your RSVP" is
			// gone, and its post answers nothing.
			p := pc.get("/i/" + inv)
			wantText(t, p, "You said yes, then cancelled your RSVP.", "Yes, I'll come</button>")
			wantNoText(t, p, "See your RSVP")
			before := state(t)
			wantPage(t, pc.post("/i/"+inv+"/rsvp", url.Values{"_csrf": {p.csrf(t)}}), http.StatusConflict)
			if after := state(t); !reflect.DeepEqual(before, after) {
				t.Fatalf("See your RSVP without an RSVP changed something:\nbefore %v\nafter  %v", before, after)
			}
			// Yes again: a new RSVP, reached through the same link.
			r := pc.post("/i/"+inv+"/accept", url.Values{"_csrf": {p.csrf(t)}, "name": {"Grace"}})
			if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/r/"+manage+"?new=1" {
				t.Fatalf("accepting after cancelling: %d to %q", r.Status, r.Header.Get("Location"))
			}
			if m := te.biGet(t, "/api/v1/rsvps/"+manage, ""); m["status"] != "going" {
				t.Fatalf("the invitation's link after saying yes again: %v", m)
			}
			if going, _ := counts(te, tok, id); going != 1 {
				t.Fatalf("%d going, want 1", going)
			}
		})
	})
}
