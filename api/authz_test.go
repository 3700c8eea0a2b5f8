package api

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// azFixture is organiser A's world: a group with a published event that
// has an RSVP, and a draft event. Every string in it is unique, so that a
// response can be searched for any of it.
type azFixture struct {
	aID, aTok, aEmail string
	gid, groupSlug    string
	eid, slug         string // published, with an RSVP
	draftID           string
	secrets           []string // A's data that B must never see
}

func azSetup(t *testing.T, te *testEnv) azFixture {
	t.Helper()
	u := storetest.Unique()
	var f azFixture
	f.aID, f.aTok = te.organiser("Ada")
	f.aEmail = te.biGet(t, "/api/v1/me", f.aTok)["email"].(string)
	groupName := "Secret Society " + u
	description := "Members only, " + u
	contact := "contact-" + u + "@example.org"
	f.groupSlug = "secret-" + u
	r := te.do("POST", "/api/v1/groups", f.aTok, map[string]any{
		"slug": f.groupSlug, "name": groupName, "description": description, "time_zone": "Europe/Oslo", "contact_email": contact,
	})
	wantStatus(t, r, http.StatusCreated)
	f.gid = r.m(t)["id"].(string)

	title := "Hidden Gathering " + u
	venue := "Hidden Venue " + u
	start := te.now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Minute)
	f.slug = "hidden-" + u
	r = te.do("POST", "/api/v1/groups/"+f.gid+"/events", f.aTok, map[string]any{
		"title": title, "kind": "meetup", "slug": f.slug, "venue": map[string]any{"name": venue, "address": "Secret Street " + u},
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339), "capacity": 10,
	})
	wantStatus(t, r, http.StatusCreated)
	f.eid = r.m(t)["id"].(string)
	wantStatus(t, te.do("POST", "/api/v1/events/"+f.eid+"/publish", f.aTok, nil), http.StatusOK)
	attendeeName := "Attendee " + u
	attendeeEmail := "attendee-" + u + "@example.org"
	wantStatus(t, te.do("POST", "/api/v1/public/events/"+f.slug+"/rsvps", "", map[string]any{"name": attendeeName, "email": attendeeEmail}), http.StatusCreated)

	draftTitle := "Draft Plans " + u
	r = te.do("POST", "/api/v1/groups/"+f.gid+"/events", f.aTok, map[string]any{
		"title": draftTitle, "kind": "meetup", "slug": "draft-" + u, "venue": map[string]any{"name": venue},
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339),
	})
	wantStatus(t, r, http.StatusCreated)
	f.draftID = r.m(t)["id"].(string)

	f.secrets = []string{groupName, description, contact, f.groupSlug, title, venue, f.slug, attendeeName, attendeeEmail,
		draftTitle, "draft-" + u, f.aEmail, u}
	return f
}

// azNoLeak fails if the body holds any of the secrets.
func azNoLeak(t *testing.T, r response, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(string(r.Body), s) {
			t.Fatalf("response leaks %q: %s", s, r.Body)
		}
	}
}

// azState is everything A can see of A's group, to check that B changed
// nothing.
func (te *testEnv) azState(t *testing.T, f azFixture) map[string]any {
	t.Helper()
	return map[string]any{
		"group":       te.biGet(t, "/api/v1/groups/"+f.gid, f.aTok),
		"members":     listAll(t, te, f.aTok, "/api/v1/groups/"+f.gid+"/members?limit=200"),
		"events":      listAll(t, te, f.aTok, "/api/v1/groups/"+f.gid+"/events?limit=200"),
		"rsvps":       listAll(t, te, f.aTok, "/api/v1/events/"+f.eid+"/rsvps?limit=200"),
		"tokens":      listAll(t, te, f.aTok, "/api/v1/tokens?limit=200"),
		"invitations": listAll(t, te, f.aTok, "/api/v1/events/"+f.eid+"/invitations?limit=200"),
		"door_links":  listAll(t, te, f.aTok, "/api/v1/events/"+f.eid+"/door-links?limit=200"),
	}
}

// TestAuthzMatrix: an organiser who is not a member of a group gets 404 on
// every organiser route for the group and its events, exactly as if they
// did not exist, learns nothing of them and changes nothing. Made a member
// with role organiser, they may read and run events but not do what only
// owners may.
func TestAuthzMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		f := azSetup(t, te)
		bID, bTok := te.organiser("Bob")
		bEmail := te.biGet(t, "/api/v1/me", bTok)["email"].(string)
		evBody, _ := biEventBase(te)
		aTokenID := listAll(t, te, f.aTok, "/api/v1/tokens?limit=200")[0]["id"].(string)
		r := te.do("POST", "/api/v1/events/"+f.eid+"/door-links", f.aTok, nil)
		wantStatus(t, r, http.StatusCreated)
		doorLinkID, doorToken := r.m(t)["id"].(string), r.m(t)["token"].(string)
		f.secrets = append(f.secrets, doorToken)

		routes := []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/groups/" + f.gid, nil},
			{"PATCH", "/api/v1/groups/" + f.gid, map[string]any{"name": "Taken Over"}},
			{"GET", "/api/v1/groups/" + f.gid + "/members", nil},
			{"POST", "/api/v1/groups/" + f.gid + "/members", map[string]any{"email": bEmail, "role": "owner"}},
			{"DELETE", "/api/v1/groups/" + f.gid + "/members/" + f.aID, nil},
			{"DELETE", "/api/v1/groups/" + f.gid + "/members/" + bID, nil},
			{"POST", "/api/v1/groups/" + f.gid + "/events", evBody},
			{"GET", "/api/v1/groups/" + f.gid + "/events", nil},
			{"GET", "/api/v1/groups/" + f.gid + "/events?status=published", nil},
			{"GET", "/api/v1/events/" + f.eid, nil},
			{"PATCH", "/api/v1/events/" + f.eid, map[string]any{"title": "Taken Over"}},
			{"PATCH", "/api/v1/events/" + f.eid, map[string]any{"capacity": nil}},
			{"DELETE", "/api/v1/events/" + f.draftID, nil},
			{"POST", "/api/v1/events/" + f.draftID + "/publish", nil},
			{"POST", "/api/v1/events/" + f.eid + "/cancel", map[string]any{"reason": "Taken over"}},
			{"POST", "/api/v1/events/" + f.eid + "/cancel", nil},
			{"GET", "/api/v1/events/" + f.eid + "/rsvps", nil},
			{"GET", "/api/v1/events/" + f.eid + "/rsvps?status=going", nil},
			{"GET", "/api/v1/events/" + f.eid + "/deliveries", nil},
			{"POST", "/api/v1/events/" + f.eid + "/invitations", map[string]any{"recipients": []map[string]any{{"email": "victim@example.org"}}}},
			{"GET", "/api/v1/events/" + f.eid + "/invitations", nil},
			{"POST", "/api/v1/events/" + f.eid + "/door-links", nil},
			{"GET", "/api/v1/events/" + f.eid + "/door-links", nil},
			{"GET", "/api/v1/events/" + f.eid + "/door-links?limit=1", nil},
			{"DELETE", "/api/v1/events/" + f.eid + "/door-links/" + doorLinkID, nil},
			{"DELETE", "/api/v1/tokens/" + aTokenID, nil},
		}

		t.Run("NonMember", func(t *testing.T) {
			before := te.azState(t, f)
			for _, rt := range routes {
				t.Run(rt.method+strings.ReplaceAll(strings.TrimPrefix(rt.path, "/api/v1"), "/", "_"), func(t *testing.T) {
					r := te.do(rt.method, rt.path, bTok, rt.body)
					wantProblem(t, r, http.StatusNotFound, "")
					azNoLeak(t, r, f.secrets)
				})
			}
			// B's own lists show nothing of A's.
			for _, p := range []string{"/api/v1/groups", "/api/v1/tokens"} {
				r := te.do("GET", p, bTok, nil)
				wantStatus(t, r, http.StatusOK)
				azNoLeak(t, r, append(f.secrets, f.gid, f.eid, aTokenID))
			}
			if after := te.azState(t, f); !reflect.DeepEqual(before, after) {
				t.Fatalf("a non-member changed A's group:\nbefore %v\nafter  %v", before, after)
			}
			// A's token still works.
			wantStatus(t, te.do("GET", "/api/v1/me", f.aTok, nil), http.StatusOK)
		})

		// The same 404 as for a group or event that does not exist at all:
		// the answer does not tell B that the id is taken.
		t.Run("IndistinguishableFromMissing", func(t *testing.T) {
			for _, p := range [][2]string{
				{"/api/v1/groups/" + f.gid, "/api/v1/groups/" + domain.NewID()},
				{"/api/v1/events/" + f.eid, "/api/v1/events/" + domain.NewID()},
				{"/api/v1/events/" + f.eid + "/rsvps", "/api/v1/events/" + domain.NewID() + "/rsvps"},
				{"/api/v1/events/" + f.eid + "/deliveries", "/api/v1/events/" + domain.NewID() + "/deliveries"},
				{"/api/v1/events/" + f.eid + "/invitations", "/api/v1/events/" + domain.NewID() + "/invitations"},
				{"/api/v1/events/" + f.eid + "/door-links", "/api/v1/events/" + domain.NewID() + "/door-links"},
			} {
				a, b := te.do("GET", p[0], bTok, nil), te.do("GET", p[1], bTok, nil)
				if a.Status != b.Status || string(a.Body) != string(b.Body) {
					t.Fatalf("A's object and a missing one answer differently:\n%d %s\n%d %s", a.Status, a.Body, b.Status, b.Body)
				}
			}
		})

		t.Run("OrganiserMember", func(t *testing.T) {
			r := te.do("POST", "/api/v1/groups/"+f.gid+"/members", f.aTok, map[string]any{"email": bEmail, "role": "organiser"})
			wantStatus(t, r, http.StatusCreated)
			if m := r.m(t); m["organiser_id"] != bID || m["role"] != "organiser" {
				t.Fatalf("B as member: %s", r.Body)
			}
			// B may now read the group, its members, events and RSVPs.
			if m := te.biGet(t, "/api/v1/groups/"+f.gid, bTok); m["slug"] != f.groupSlug {
				t.Fatalf("B's view of the group: %v", m)
			}
			if n := len(listAll(t, te, bTok, "/api/v1/groups/"+f.gid+"/members?limit=200")); n != 2 {
				t.Fatalf("B sees %d members, want 2", n)
			}
			if n := len(listAll(t, te, bTok, "/api/v1/groups/"+f.gid+"/events?limit=200")); n != 2 {
				t.Fatalf("B sees %d events, want 2", n)
			}
			if m := te.biGet(t, "/api/v1/events/"+f.eid, bTok); m["slug"] != f.slug {
				t.Fatalf("B's view of the event: %v", m)
			}
			if n := len(listAll(t, te, bTok, "/api/v1/events/"+f.eid+"/rsvps?limit=200")); n != 1 {
				t.Fatalf("B sees %d RSVPs, want 1", n)
			}
			// Every member sees the event's door links, without their tokens.
			r = te.do("GET", "/api/v1/events/"+f.eid+"/door-links", bTok, nil)
			wantStatus(t, r, http.StatusOK)
			azNoLeak(t, r, []string{doorToken})
			if n := len(r.m(t)["items"].([]any)); n != 1 {
				t.Fatalf("B sees %d door links, want 1: %s", n, r.Body)
			}
			// Organisers run events.
			wantStatus(t, te.do("PATCH", "/api/v1/events/"+f.draftID, bTok, map[string]any{"description": "Edited by Bob"}), http.StatusOK)

			// Owner-only routes: 403, and nothing changes.
			before := te.azState(t, f)
			for _, rt := range []struct {
				name, method, path string
				body               any
			}{
				{"PatchGroup", "PATCH", "/api/v1/groups/" + f.gid, map[string]any{"name": "Taken Over"}},
				{"AddMember", "POST", "/api/v1/groups/" + f.gid + "/members", map[string]any{"email": "third-" + storetest.Unique() + "@example.org", "role": "organiser"}},
				{"PromoteSelf", "POST", "/api/v1/groups/" + f.gid + "/members", map[string]any{"email": bEmail, "role": "owner"}},
				{"DemoteOwner", "POST", "/api/v1/groups/" + f.gid + "/members", map[string]any{"email": f.aEmail, "role": "organiser"}},
				{"RemoveOwner", "DELETE", "/api/v1/groups/" + f.gid + "/members/" + f.aID, nil},
			} {
				t.Run(rt.name, func(t *testing.T) {
					wantProblem(t, te.do(rt.method, rt.path, bTok, rt.body), http.StatusForbidden, "owner_required")
				})
			}
			if after := te.azState(t, f); !reflect.DeepEqual(before, after) {
				t.Fatalf("refused owner-only requests changed the group:\nbefore %v\nafter  %v", before, after)
			}

			// A member may leave; afterwards the group is gone for them.
			wantStatus(t, te.do("DELETE", "/api/v1/groups/"+f.gid+"/members/"+bID, bTok, nil), http.StatusNoContent)
			r = te.do("GET", "/api/v1/groups/"+f.gid, bTok, nil)
			wantProblem(t, r, http.StatusNotFound, "")
			azNoLeak(t, r, f.secrets)
			wantProblem(t, te.do("GET", "/api/v1/events/"+f.eid+"/rsvps", bTok, nil), http.StatusNotFound, "")
		})

		t.Run("LastOwner", func(t *testing.T) {
			members := func() map[string]string {
				out := map[string]string{}
				for _, m := range listAll(t, te, f.aTok, "/api/v1/groups/"+f.gid+"/members?limit=200") {
					out[m["organiser_id"].(string)] = m["role"].(string)
				}
				return out
			}
			wantProblem(t, te.do("DELETE", "/api/v1/groups/"+f.gid+"/members/"+f.aID, f.aTok, nil), http.StatusConflict, "last_owner")
			wantProblem(t, te.do("POST", "/api/v1/groups/"+f.gid+"/members", f.aTok, map[string]any{"email": f.aEmail, "role": "organiser"}),
				http.StatusConflict, "last_owner")
			if m := members(); len(m) != 1 || m[f.aID] != "owner" {
				t.Fatalf("members after refused last-owner changes: %v", m)
			}
			// With a second owner, A may step down and then is an organiser.
			wantStatus(t, te.do("POST", "/api/v1/groups/"+f.gid+"/members", f.aTok, map[string]any{"email": bEmail, "role": "owner"}), http.StatusCreated)
			r := te.do("POST", "/api/v1/groups/"+f.gid+"/members", f.aTok, map[string]any{"email": f.aEmail, "role": "organiser"})
			wantStatus(t, r, http.StatusOK)
			if r.m(t)["role"] != "organiser" {
				t.Fatalf("A stepping down: %s", r.Body)
			}
			wantProblem(t, te.do("PATCH", "/api/v1/groups/"+f.gid, f.aTok, map[string]any{"name": "Renamed"}), http.StatusForbidden, "owner_required")
			// Now B is the last owner.
			wantProblem(t, te.do("DELETE", "/api/v1/groups/"+f.gid+"/members/"+bID, bTok, nil), http.StatusConflict, "last_owner")
			wantProblem(t, te.do("POST", "/api/v1/groups/"+f.gid+"/members", bTok, map[string]any{"email": bEmail, "role": "organiser"}),
				http.StatusConflict, "last_owner")
			if m := members(); len(m) != 2 || m[bID] != "owner" || m[f.aID] != "organiser" {
				t.Fatalf("members: %v", m)
			}
			// An owner may remove another member.
			wantStatus(t, te.do("DELETE", "/api/v1/groups/"+f.gid+"/members/"+f.aID, bTok, nil), http.StatusNoContent)
			wantProblem(t, te.do("GET", "/api/v1/groups/"+f.gid, f.aTok, nil), http.StatusNotFound, "")
		})
	})
}

// TestAuthzLastOwnerRace: two owners leave (or step down) at the same
// moment. Both requests see two owners if the check is not serialised; one
// of them must be refused, every round, so that the group keeps an owner.
func TestAuthzLastOwnerRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		for round := range 8 {
			aID, aTok := te.organiser("Ada")
			bID, bTok := te.organiser("Bob")
			aEmail := te.biGet(t, "/api/v1/me", aTok)["email"].(string)
			bEmail := te.biGet(t, "/api/v1/me", bTok)["email"].(string)
			gid := te.group(aTok)
			wantStatus(t, te.do("POST", "/api/v1/groups/"+gid+"/members", aTok, map[string]any{"email": bEmail, "role": "owner"}), http.StatusCreated)
			type req struct {
				method, path, tok string
				body              any
			}
			leave := map[string]req{
				aID: {"DELETE", "/api/v1/groups/" + gid + "/members/" + aID, aTok, nil},
				bID: {"DELETE", "/api/v1/groups/" + gid + "/members/" + bID, bTok, nil},
			}
			if round%2 == 1 { // step down instead of leaving
				leave[aID] = req{"POST", "/api/v1/groups/" + gid + "/members", aTok, map[string]any{"email": aEmail, "role": "organiser"}}
			}
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				results []int
				start   = make(chan struct{})
			)
			for _, rq := range leave {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					r := te.do(rq.method, rq.path, rq.tok, rq.body)
					if r.Status == http.StatusConflict && r.m(t)["code"] != "last_owner" {
						t.Errorf("round %d: 409 with code %v", round, r.m(t)["code"])
					}
					mu.Lock()
					results = append(results, r.Status)
					mu.Unlock()
				}()
			}
			close(start)
			wg.Wait()
			refused := 0
			for _, st := range results {
				switch st {
				case http.StatusConflict:
					refused++
				case http.StatusOK, http.StatusNoContent:
				default:
					t.Fatalf("round %d: statuses %v", round, results)
				}
			}
			if refused != 1 {
				t.Fatalf("round %d: %d of the two owners were refused (statuses %v), want exactly 1", round, refused, results)
			}
			owners := 0
			for _, tk := range []string{aTok, bTok} {
				r := te.do("GET", "/api/v1/groups/"+gid+"/members", tk, nil)
				if r.Status != http.StatusOK {
					continue
				}
				for _, m := range r.m(t)["items"].([]any) {
					if m.(map[string]any)["role"] == "owner" {
						owners++
					}
				}
				break
			}
			if owners != 1 {
				t.Fatalf("round %d: the group has %d owners", round, owners)
			}
		}
	})
}

// TestAuthzAPITokens: organiser routes need a live token of their own.
func TestAuthzAPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		aID, aTok := te.organiser("Ada")
		_, bTok := te.organiser("Bob")
		gid := te.group(aTok)

		want401 := func(t *testing.T, r response) {
			t.Helper()
			wantProblem(t, r, http.StatusUnauthorized, "")
			if h := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
				t.Fatalf("401 without a Bearer WWW-Authenticate challenge (%q): %s", h, r.Body)
			}
			azNoLeak(t, r, []string{aTok, bTok, gid})
		}

		t.Run("NoToken", func(t *testing.T) {
			for _, rt := range [][2]string{
				{"GET", "/api/v1/me"}, {"POST", "/api/v1/tokens"}, {"GET", "/api/v1/tokens"}, {"DELETE", "/api/v1/tokens/" + domain.NewID()},
				{"POST", "/api/v1/groups"}, {"GET", "/api/v1/groups"}, {"GET", "/api/v1/groups/" + gid}, {"PATCH", "/api/v1/groups/" + gid},
				{"GET", "/api/v1/groups/" + gid + "/members"}, {"POST", "/api/v1/groups/" + gid + "/members"},
				{"DELETE", "/api/v1/groups/" + gid + "/members/" + aID}, {"POST", "/api/v1/groups/" + gid + "/events"},
				{"GET", "/api/v1/groups/" + gid + "/events"}, {"GET", "/api/v1/events/" + domain.NewID()},
				{"PATCH", "/api/v1/events/" + domain.NewID()}, {"DELETE", "/api/v1/events/" + domain.NewID()},
				{"POST", "/api/v1/events/" + domain.NewID() + "/publish"}, {"POST", "/api/v1/events/" + domain.NewID() + "/cancel"},
				{"GET", "/api/v1/events/" + domain.NewID() + "/rsvps"},
				{"GET", "/api/v1/events/" + domain.NewID() + "/deliveries"},
				{"GET", "/api/v1/events/" + domain.NewID() + "/door-links"},
			} {
				r := te.do(rt[0], rt[1], "", nil)
				want401(t, r)
				if m := r.m(t); m["code"] != "missing_token" {
					t.Fatalf("%s %s without a token: code %v", rt[0], rt[1], m["code"])
				}
			}
			// The owner's group is untouched.
			if m := te.biGet(t, "/api/v1/groups/"+gid, aTok); m["name"] != "Oslo .NET User Group" {
				t.Fatalf("group: %v", m)
			}
		})

		t.Run("BadHeaders", func(t *testing.T) {
			for name, h := range map[string]string{
				"Garbage":      "Bearer garbage",
				"Prefixed":     "Bearer cvn_" + domain.NewSecret(),
				"Altered":      "Bearer " + aTok + "x",
				"Truncated":    "Bearer " + aTok[:len(aTok)-1],
				"Basic":        "Basic " + aTok,
				"NoScheme":     aTok,
				"EmptyBearer":  "Bearer ",
				"Overlong":     "Bearer " + strings.Repeat("a", 5000),
				"TwoTokens":    "Bearer " + aTok + " " + bTok,
				"TokenAsQuery": "",
			} {
				t.Run(name, func(t *testing.T) {
					path := "/api/v1/me"
					if name == "TokenAsQuery" {
						path += "?access_token=" + aTok
					}
					req, _ := http.NewRequest("GET", te.srv.URL+path, nil)
					if h != "" {
						req.Header.Set("Authorization", h)
					}
					want401(t, te.send(req))
				})
			}
		})

		t.Run("Revoked", func(t *testing.T) {
			r := te.do("POST", "/api/v1/tokens", aTok, map[string]any{"name": "ci"})
			wantStatus(t, r, http.StatusCreated)
			m := r.m(t)
			id, raw := m["id"].(string), m["token"].(string)
			if !strings.HasPrefix(raw, domain.TokenPrefix) {
				t.Fatalf("new token: %s", r.Body)
			}
			wantStatus(t, te.do("GET", "/api/v1/me", raw, nil), http.StatusOK)

			// Listing never shows a secret.
			r = te.do("GET", "/api/v1/tokens", aTok, nil)
			wantStatus(t, r, http.StatusOK)
			azNoLeak(t, r, []string{raw, aTok, domain.HashToken(raw), domain.HashToken(aTok)})
			var page struct{ Items []map[string]any }
			r.decode(t, &page)
			if len(page.Items) != 2 {
				t.Fatalf("tokens: %s", r.Body)
			}
			for _, it := range page.Items {
				if _, ok := it["token"]; ok {
					t.Fatalf("GET /tokens shows a token field: %s", r.Body)
				}
			}

			// B cannot revoke A's token, nor learn that it exists.
			rb := te.do("DELETE", "/api/v1/tokens/"+id, bTok, nil)
			wantProblem(t, rb, http.StatusNotFound, "token_not_found")
			rm := te.do("DELETE", "/api/v1/tokens/"+domain.NewID(), bTok, nil)
			if string(rb.Body) != string(rm.Body) {
				t.Fatalf("another's token and a missing one answer differently:\n%s\n%s", rb.Body, rm.Body)
			}
			wantStatus(t, te.do("GET", "/api/v1/me", raw, nil), http.StatusOK)

			// A revokes it: it stops working at once, and is no longer listed.
			wantStatus(t, te.do("DELETE", "/api/v1/tokens/"+id, aTok, nil), http.StatusNoContent)
			r = te.do("GET", "/api/v1/me", raw, nil)
			want401(t, r)
			if r.m(t)["code"] != "invalid_token" {
				t.Fatalf("revoked token: %s", r.Body)
			}
			wantProblem(t, te.do("DELETE", "/api/v1/tokens/"+id, aTok, nil), http.StatusNotFound, "token_not_found")
			if items := listAll(t, te, aTok, "/api/v1/tokens?limit=200"); len(items) != 1 || items[0]["id"] == id {
				t.Fatalf("tokens after revoking: %v", items)
			}
			// A token may revoke itself.
			r = te.do("POST", "/api/v1/tokens", aTok, map[string]any{"name": "self"})
			wantStatus(t, r, http.StatusCreated)
			self := r.m(t)
			wantStatus(t, te.do("DELETE", "/api/v1/tokens/"+self["id"].(string), self["token"].(string), nil), http.StatusNoContent)
			want401(t, te.do("GET", "/api/v1/groups", self["token"].(string), nil))
		})

		t.Run("Expired", func(t *testing.T) {
			ctx := context.Background()
			past := te.now().Add(-time.Minute)
			if _, _, err := db.CreateAPIToken(ctx, aID, "past", &past); domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("store.CreateAPIToken with a past expiry: %v, want %s", err, domain.EINVALID)
			}
			now := te.now()
			if _, _, err := db.CreateAPIToken(ctx, aID, "now", &now); domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("store.CreateAPIToken expiring now: %v, want %s", err, domain.EINVALID)
			}
			biCheck(t, te.do("POST", "/api/v1/tokens", aTok, map[string]any{"name": "past", "expires_at": past.UTC().Format(time.RFC3339)}),
				biInvalid("", nil, "expires_at"))

			exp := te.now().Add(1500 * time.Millisecond)
			_, raw, err := db.CreateAPIToken(ctx, aID, "short-lived", &exp)
			if err != nil {
				t.Fatal(err)
			}
			wantStatus(t, te.do("GET", "/api/v1/me", raw, nil), http.StatusOK)
			time.Sleep(exp.Sub(te.now()) + 200*time.Millisecond)
			r := te.do("GET", "/api/v1/me", raw, nil)
			want401(t, r)
			if r.m(t)["code"] != "invalid_token" {
				t.Fatalf("expired token: %s", r.Body)
			}
			// Through the API: an expiry an hour ahead is kept and shown.
			r = te.do("POST", "/api/v1/tokens", aTok, map[string]any{"name": "hour", "expires_at": te.now().Add(time.Hour).UTC().Format(time.RFC3339)})
			wantStatus(t, r, http.StatusCreated)
			if m := r.m(t); m["expires_at"] == nil {
				t.Fatalf("expiry not kept: %s", r.Body)
			}
		})
	})
}

// TestAttendeePrivacy: the public event never shows attendees nor the join
// link; a manage token shows its own RSVP only, and the join link only
// while its holder is going to a published event.
func TestAttendeePrivacy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		u := storetest.Unique()
		onlineURL := "https://meet.example.org/room-" + u + "?pwd=s3cret"
		start := te.now().Add(5 * 24 * time.Hour).UTC().Truncate(time.Minute)
		r := te.do("POST", "/api/v1/groups/"+gid+"/events", tok, map[string]any{
			"title": "Online Session", "kind": "live_session", "online_url": onlineURL, "slug": "live-" + u,
			"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339), "capacity": 1,
		})
		wantStatus(t, r, http.StatusCreated)
		eid, slug := r.m(t)["id"].(string), "live-"+u
		wantStatus(t, te.do("POST", "/api/v1/events/"+eid+"/publish", tok, nil), http.StatusOK)
		linkSecrets := []string{onlineURL, "room-" + u, "s3cret", "meet.example.org", `"online_url"`}

		publicEvent := func(t *testing.T, people ...string) {
			t.Helper()
			r := te.do("GET", "/api/v1/public/events/"+slug, "", nil)
			wantStatus(t, r, http.StatusOK)
			azNoLeak(t, r, append(linkSecrets, people...))
			if m := r.m(t); m["online"] != true || m["kind"] != "live_session" {
				t.Fatalf("public event: %s", r.Body)
			}
		}
		publicEvent(t)

		type person struct{ name, email, token string }
		grace := person{name: "Grace " + u, email: "grace-" + u + "@example.org"}
		linus := person{name: "Linus " + u, email: "linus-" + u + "@example.org"}
		for _, p := range []*person{&grace, &linus} {
			r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": p.name, "email": p.email})
			wantStatus(t, r, http.StatusCreated)
			azNoLeak(t, r, append(linkSecrets, grace.email, grace.name, linus.email, linus.name))
			p.token = r.m(t)["manage_token"].(string)
		}
		everyone := []string{grace.email, grace.name, linus.email, linus.name}
		publicEvent(t, everyone...)

		view := func(t *testing.T, p person) map[string]any {
			t.Helper()
			r := te.do("GET", "/api/v1/rsvps/"+p.token, "", nil)
			wantStatus(t, r, http.StatusOK)
			var others []string
			for _, q := range []person{grace, linus} {
				if q != p {
					others = append(others, q.email, q.name, q.token)
				}
			}
			azNoLeak(t, r, others)
			m := r.m(t)
			if m["email"] != p.email || m["name"] != p.name {
				t.Fatalf("manage view of %s shows another RSVP: %s", p.email, r.Body)
			}
			return m
		}
		link := func(m map[string]any) (string, bool) {
			v, ok := m["event"].(map[string]any)["online_url"]
			s, _ := v.(string)
			return s, ok && s != ""
		}

		t.Run("GoingSeesLink", func(t *testing.T) {
			m := view(t, grace)
			// The personal join link, never the meeting's own.
			if l, _ := link(m); m["status"] != "going" || l != te.srv.URL+"/j/"+domain.JoinTokenOf(grace.token) {
				t.Fatalf("going attendee: status %v, link %q", m["status"], l)
			}
		})
		t.Run("WaitlistedDoesNotSeeLink", func(t *testing.T) {
			r := te.do("GET", "/api/v1/rsvps/"+linus.token, "", nil)
			azNoLeak(t, r, linkSecrets)
			m := view(t, linus)
			if m["status"] != "waitlisted" {
				t.Fatalf("status %v", m["status"])
			}
		})
		t.Run("RepeatRSVPRevealsNothing", func(t *testing.T) {
			r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Mallory", "email": strings.ToUpper(grace.email)})
			wantStatus(t, r, http.StatusOK)
			azNoLeak(t, r, append(linkSecrets, grace.token, grace.name, linus.email))
			if _, ok := r.m(t)["manage_token"]; ok {
				t.Fatalf("repeat RSVP shows a manage token: %s", r.Body)
			}
		})
		t.Run("CancelledLosesLinkPromotedGetsIt", func(t *testing.T) {
			r := te.do("DELETE", "/api/v1/rsvps/"+grace.token, "", nil)
			wantStatus(t, r, http.StatusOK)
			azNoLeak(t, r, append(linkSecrets, linus.email, linus.name))
			m := view(t, grace)
			if _, ok := link(m); m["status"] != "cancelled" || ok {
				t.Fatalf("cancelled attendee: %v", m)
			}
			m = view(t, linus)
			if l, _ := link(m); m["status"] != "going" || l != te.srv.URL+"/j/"+domain.JoinTokenOf(linus.token) {
				t.Fatalf("promoted attendee: status %v, link %q", m["status"], l)
			}
		})
		t.Run("CancelledEventHidesLink", func(t *testing.T) {
			wantStatus(t, te.do("POST", "/api/v1/events/"+eid+"/cancel", tok, map[string]any{"reason": "Speaker ill"}), http.StatusOK)
			r := te.do("GET", "/api/v1/rsvps/"+linus.token, "", nil)
			wantStatus(t, r, http.StatusOK)
			azNoLeak(t, r, linkSecrets)
			publicEvent(t, everyone...)
		})
		// The organiser, of course, sees the link and the attendees.
		r = te.do("GET", "/api/v1/events/"+eid, tok, nil)
		if m := r.m(t); m["online_url"] != onlineURL {
			t.Fatalf("organiser view: %s", r.Body)
		}
	})
}
