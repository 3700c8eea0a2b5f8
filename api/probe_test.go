package api

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestRSVPAnswerTellsStrangersNothing: a public RSVP with somebody's
// address is no free way to learn whether they replied. On an event that
// takes no new RSVP — full without a waitlist, closed, not open yet,
// cancelled, over — the answer, by the API and by the page's form, is the
// same whether or not the address replied. On an open event a repeat gets
// its status back, and so the address's owner is e-mailed their RSVP again
// (at most once in ten minutes): the asking leaves a trace they see.
func TestRSVPAnswerTellsStrangersNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		u := storetest.Unique()
		replied, stranger := "replied-"+u+"@example.org", "stranger-"+u+"@example.org"
		rsvp := func(slug, email string) response {
			return te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Pat", "email": email})
		}
		// The page as the asker sees it, less what differs by their own
		// input or session: the address they typed, the form's token.
		csrfRE := regexp.MustCompile(`name="_csrf" value="[^"]*"`)
		_, open := te.event(tok, gid, nil, true) // any page with a form gives the form's token
		pc := newPageClient(t, te)
		csrf := pc.get("/e/" + open).csrf(t)
		page := func(slug, email string) response {
			r := pc.post("/e/"+slug+"/rsvp", url.Values{"_csrf": {csrf}, "name": {"Pat"}, "email": {email}})
			body := csrfRE.ReplaceAllString(strings.ReplaceAll(r.Body, email, "ADDRESS"), "")
			return response{Status: r.Status, Body: []byte(body)}
		}
		same := func(t *testing.T, what string, a, b response) {
			t.Helper()
			if a.Status != b.Status || string(a.Body) != string(b.Body) {
				t.Errorf("%s: the address that replied gets %d %s\nthe stranger gets %d %s", what, a.Status, a.Body, b.Status, b.Body)
			}
			if a.Status < 400 {
				t.Errorf("%s: %d, want a refusal", what, a.Status)
			}
		}
		// Each case: an event the address replied to, then what makes it
		// take no new RSVP.
		cases := []struct {
			name     string
			capacity any
			after    func(t *testing.T, id string)
		}{
			{"Full", 1, func(t *testing.T, id string) {
				wantStatus(t, te.do("PATCH", "/api/v1/events/"+id, tok, map[string]any{"waitlist": false}), http.StatusOK)
			}},
			{"Closed", nil, func(t *testing.T, id string) {
				closes := te.now().Add(time.Hour)
				wantStatus(t, te.do("PATCH", "/api/v1/events/"+id, tok, map[string]any{"rsvp_closes_at": closes.UTC().Format(time.RFC3339)}), http.StatusOK)
				storetest.ClockOf(t, db).Set(closes.Add(time.Minute))
			}},
			{"NotOpenYet", nil, func(t *testing.T, id string) {
				opens := te.now().Add(24 * time.Hour)
				wantStatus(t, te.do("PATCH", "/api/v1/events/"+id, tok, map[string]any{"rsvp_opens_at": opens.UTC().Format(time.RFC3339)}), http.StatusOK)
			}},
			{"Cancelled", nil, func(t *testing.T, id string) {
				wantStatus(t, te.do("POST", "/api/v1/events/"+id+"/cancel", tok, map[string]any{"reason": "Snow"}), http.StatusOK)
			}},
			{"Over", nil, func(t *testing.T, id string) {
				storetest.ClockOf(t, db).Advance(8 * 24 * time.Hour)
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				id, slug := te.event(tok, gid, c.capacity, true)
				wantStatus(t, rsvp(slug, replied), http.StatusCreated)
				c.after(t, id)
				same(t, "API", rsvp(slug, replied), rsvp(slug, stranger))
				same(t, "page", page(slug, replied), page(slug, stranger))
			})
		}

		t.Run("OpenEventRepeatIsMailed", func(t *testing.T) {
			id, slug := te.event(tok, gid, 1, true)
			wantStatus(t, rsvp(slug, replied), http.StatusCreated)
			wantStatus(t, rsvp(slug, "second-"+u+"@example.org"), http.StatusCreated) // waitlisted
			mails := func() map[string]int {
				n := map[string]int{}
				for _, d := range listAll(t, te, tok, "/api/v1/events/"+id+"/deliveries?limit=200") {
					n[d["email"].(string)]++
				}
				return n
			}
			before := mails()
			for _, who := range []string{replied, "second-" + u + "@example.org"} {
				r := rsvp(slug, who)
				wantStatus(t, r, http.StatusOK)
				if r.m(t)["manage_token"] != nil {
					t.Fatalf("a repeat got a manage token: %s", r.Body)
				}
				if got := mails()[who]; got != before[who]+1 {
					t.Fatalf("%s asked again: %d e-mails to the address, want %d (its RSVP again)", who, got, before[who]+1)
				}
				// Asking again at once sends nothing more.
				wantStatus(t, rsvp(slug, who), http.StatusOK)
				if got := mails()[who]; got != before[who]+1 {
					t.Fatalf("%s asked a third time: %d e-mails, want still %d", who, got, before[who]+1)
				}
			}
		})
	})
}
