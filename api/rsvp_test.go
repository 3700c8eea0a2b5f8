package api

import (
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"

	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

func TestRSVPFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		eid, slug := te.event(tok, gid, 2, true)

		pub := te.do("GET", "/api/v1/public/events/"+slug, "", nil)
		wantStatus(t, pub, http.StatusOK)
		if m := pub.m(t); m["seats_left"] != 2.0 || m["rsvp_open"] != true || m["group"].(map[string]any)["name"] != "Oslo .NET User Group" {
			t.Fatalf("public event before RSVPs: %s", pub.Body)
		}

		rsvp := func(name, email string) map[string]any {
			r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": name, "email": email})
			wantStatus(t, r, http.StatusCreated)
			return r.m(t)
		}
		a := rsvp("Grace", "grace@example.org")
		b := rsvp("Linus", "linus@example.org")
		c := rsvp("Barbara", "barbara@example.org")
		if a["status"] != "going" || b["status"] != "going" || c["status"] != "waitlisted" || c["waitlist_position"] != 1.0 {
			t.Fatalf("statuses: %v %v %v", a, b, c)
		}

		t.Run("SameEmailReturnsExistingWithoutToken", func(t *testing.T) {
			r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Mallory", "email": "GRACE@example.org"})
			wantStatus(t, r, http.StatusOK)
			m := r.m(t)
			if m["id"] != a["id"] || m["status"] != "going" {
				t.Fatalf("existing RSVP: %s", r.Body)
			}
			if _, ok := m["manage_token"]; ok {
				t.Fatalf("a repeated RSVP must not reveal the manage token: %s", r.Body)
			}
		})

		pub = te.do("GET", "/api/v1/public/events/"+slug, "", nil)
		if m := pub.m(t); m["seats_left"] != 0.0 || m["going_count"] != 2.0 || m["waitlist_count"] != 1.0 {
			t.Fatalf("public event when full: %s", pub.Body)
		}

		t.Run("ManageTokenShowsRSVP", func(t *testing.T) {
			r := te.do("GET", "/api/v1/rsvps/"+a["manage_token"].(string), "", nil)
			wantStatus(t, r, http.StatusOK)
			m := r.m(t)
			if m["status"] != "going" || m["email"] != "grace@example.org" || m["event"].(map[string]any)["slug"] != slug {
				t.Fatalf("rsvp view: %s", r.Body)
			}
		})

		// Cancelling a going RSVP gives the seat to the first in line.
		r := te.do("DELETE", "/api/v1/rsvps/"+a["manage_token"].(string), "", nil)
		wantStatus(t, r, http.StatusOK)
		if r.m(t)["status"] != "cancelled" {
			t.Fatalf("cancel: %s", r.Body)
		}
		r = te.do("GET", "/api/v1/rsvps/"+c["manage_token"].(string), "", nil)
		if m := r.m(t); m["status"] != "going" || m["waitlist_position"] != nil {
			t.Fatalf("waitlisted person not promoted: %s", r.Body)
		}
		// Cancelling twice changes nothing.
		wantStatus(t, te.do("DELETE", "/api/v1/rsvps/"+a["manage_token"].(string), "", nil), http.StatusOK)
		ev := te.do("GET", "/api/v1/events/"+eid, tok, nil).m(t)
		if ev["going_count"] != 2.0 || ev["waitlist_count"] != 0.0 || ev["seats_left"] != 0.0 {
			t.Fatalf("organiser event after cancel: %v", ev)
		}

		t.Run("CapacityCannotDropBelowGoing", func(t *testing.T) {
			wantProblem(t, te.do("PATCH", "/api/v1/events/"+eid, tok, map[string]any{"capacity": 1}), http.StatusConflict, "capacity_below_going")
		})
		t.Run("RaisingCapacityPromotes", func(t *testing.T) {
			d := rsvp("Dennis", "dennis@example.org")
			e := rsvp("Edsger", "edsger@example.org")
			if d["waitlist_position"] != 1.0 || e["waitlist_position"] != 2.0 {
				t.Fatalf("positions %v %v", d, e)
			}
			r := te.do("PATCH", "/api/v1/events/"+eid, tok, map[string]any{"capacity": 3})
			wantStatus(t, r, http.StatusOK)
			if m := r.m(t); m["going_count"] != 3.0 || m["waitlist_count"] != 1.0 {
				t.Fatalf("after raising capacity: %s", r.Body)
			}
			if m := te.do("GET", "/api/v1/rsvps/"+e["manage_token"].(string), "", nil).m(t); m["waitlist_position"] != 1.0 {
				t.Fatalf("Edsger should now be first in line: %v", m)
			}
			// Unlimited capacity promotes everyone.
			r = te.do("PATCH", "/api/v1/events/"+eid, tok, map[string]any{"capacity": nil})
			if m := r.m(t); m["going_count"] != 4.0 || m["waitlist_count"] != 0.0 || m["seats_left"] != nil {
				t.Fatalf("after unlimited capacity: %s", r.Body)
			}
		})
		t.Run("CancelledEventRefusesRSVPs", func(t *testing.T) {
			wantStatus(t, te.do("POST", "/api/v1/events/"+eid+"/cancel", tok, map[string]any{"reason": "Venue flooded"}), http.StatusOK)
			r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Late", "email": "late@example.org"})
			wantProblem(t, r, http.StatusConflict, "event_cancelled")
			if m := te.do("GET", "/api/v1/public/events/"+slug, "", nil).m(t); m["status"] != "cancelled" || m["cancel_reason"] != "Venue flooded" {
				t.Fatalf("cancelled public event: %v", m)
			}
		})
	})
}

func TestRSVPFullWithoutWaitlist(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		eid, slug := te.event(tok, te.group(tok), 1, false)
		wantStatus(t, te.do("PATCH", "/api/v1/events/"+eid, tok, map[string]any{"waitlist": false}), http.StatusOK)
		wantProblem(t, te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "A", "email": "a@example.org"}),
			http.StatusNotFound, "event_not_found") // still a draft
		wantStatus(t, te.do("POST", "/api/v1/events/"+eid+"/publish", tok, nil), http.StatusOK)
		first := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "A", "email": "a@example.org"})
		wantStatus(t, first, http.StatusCreated)
		wantProblem(t, te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "B", "email": "b@example.org"}),
			http.StatusConflict, "event_full")
		// The person holding the seat who replies again is told the same
		// as anyone: the answer does not tell strangers who replied (their
		// manage link is in their e-mail).
		again := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "A", "email": "A@Example.org"})
		wantProblem(t, again, http.StatusConflict, "event_full")
	})
}

// TestRSVPConcurrency releases 300 RSVPs at once through the HTTP handler
// against capacity 25, then cancels 10 going RSVPs concurrently: capacity
// and waitlist positions must be exact on both dialects, every round.
func TestRSVPConcurrency(t *testing.T) {
	const (
		people   = 300
		capacity = 25
		cancels  = 10
		rounds   = 3
	)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		for round := range rounds {
			eid, slug := te.event(tok, gid, capacity, true)
			type result struct {
				status   string
				position int
				token    string
				email    string
			}
			results := make([]result, people)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range people {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					email := fmt.Sprintf("p%03d-r%d@example.org", i, round)
					r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": fmt.Sprintf("Person %d", i), "email": email})
					if r.Status != http.StatusCreated {
						t.Errorf("RSVP %d: status %d: %s", i, r.Status, r.Body)
						return
					}
					m := r.m(t)
					res := result{status: m["status"].(string), token: m["manage_token"].(string), email: email}
					if p, ok := m["waitlist_position"].(float64); ok {
						res.position = int(p)
					}
					results[i] = res
				}()
			}
			close(start)
			wg.Wait()
			if t.Failed() {
				return
			}
			var going []result
			var positions []int
			for _, r := range results {
				switch r.status {
				case "going":
					going = append(going, r)
				case "waitlisted":
					positions = append(positions, r.position)
				}
			}
			sort.Ints(positions)
			if len(going) != capacity || len(positions) != people-capacity {
				t.Fatalf("round %d: %d going, %d waitlisted; want %d and %d", round, len(going), len(positions), capacity, people-capacity)
			}
			for i, p := range positions {
				if p != i+1 {
					t.Fatalf("round %d: waitlist positions are not 1..%d without gaps: %v", round, people-capacity, positions)
				}
			}
			// The positions the server reports afterwards agree with those
			// handed out.
			listed := listAll(t, te, tok, "/api/v1/events/"+eid+"/rsvps?status=waitlisted&limit=200")
			if len(listed) != people-capacity {
				t.Fatalf("round %d: list shows %d waitlisted", round, len(listed))
			}
			byPos := map[int]string{}
			for _, r := range listed {
				byPos[int(r["waitlist_position"].(float64))] = r["email"].(string)
			}
			first := map[string]bool{}
			for p := 1; p <= cancels; p++ {
				first[byPos[p]] = true
			}

			// Ten going people cancel at once: the first ten in line move up,
			// each exactly once.
			start = make(chan struct{})
			for _, g := range going[:cancels] {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					if r := te.do("DELETE", "/api/v1/rsvps/"+g.token, "", nil); r.Status != http.StatusOK {
						t.Errorf("cancel: %d %s", r.Status, r.Body)
					}
				}()
			}
			close(start)
			wg.Wait()
			ev := te.do("GET", "/api/v1/events/"+eid, tok, nil).m(t)
			if ev["going_count"] != float64(capacity) || ev["waitlist_count"] != float64(people-capacity-cancels) {
				t.Fatalf("round %d: after cancels going=%v waitlist=%v", round, ev["going_count"], ev["waitlist_count"])
			}
			goingNow := listAll(t, te, tok, "/api/v1/events/"+eid+"/rsvps?status=going&limit=200")
			promoted := 0
			for _, r := range goingNow {
				if first[r["email"].(string)] {
					promoted++
				}
			}
			if len(goingNow) != capacity || promoted != cancels {
				t.Fatalf("round %d: %d going, %d of the first %d in line promoted", round, len(goingNow), promoted, cancels)
			}
			rest := listAll(t, te, tok, "/api/v1/events/"+eid+"/rsvps?status=waitlisted&limit=200")
			seen := map[int]bool{}
			for _, r := range rest {
				p := int(r["waitlist_position"].(float64))
				if p < 1 || p > len(rest) || seen[p] {
					t.Fatalf("round %d: bad position %d after promotion", round, p)
				}
				seen[p] = true
			}
		}
	})
}

// listAll follows next_cursor to the end of a list.
func listAll(t testing.TB, te *testEnv, token, path string) []map[string]any {
	t.Helper()
	var all []map[string]any
	next := path
	for {
		r := te.do("GET", next, token, nil)
		wantStatus(t, r, http.StatusOK)
		var page struct {
			Items      []map[string]any `json:"items"`
			NextCursor *string          `json:"next_cursor"`
		}
		r.decode(t, &page)
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		next = path + "&cursor=" + *page.NextCursor
	}
}
