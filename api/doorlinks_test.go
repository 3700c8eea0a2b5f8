package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// doorLinks lists an event's door links by id.
func doorLinks(t *testing.T, te *testEnv, tok, eventID string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, l := range listAll(t, te, tok, "/api/v1/events/"+eventID+"/door-links?limit=200") {
		out[l["id"].(string)] = l
	}
	return out
}

// TestDoorLinksGoWithTheirMaker (issue 13, point 2): the door links an
// organiser made stop working when they leave or are removed from the
// group, and stay so should they come back; every member of the group can
// list an event's door links — who made each, when it was last used,
// whether it works, never the link itself — and revoke any of them.
func TestDoorLinksGoWithTheirMaker(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, aTok := te.organiser("Ada")
		bID, bTok := te.organiser("Bob")
		cID, cTok := te.organiser("Cleo")
		gid := te.group(aTok)
		for _, tk := range []string{bTok, cTok} {
			email := te.biGet(t, "/api/v1/me", tk)["email"].(string)
			wantStatus(t, te.do("POST", "/api/v1/groups/"+gid+"/members", aTok, map[string]any{"email": email, "role": "organiser"}), http.StatusCreated)
		}
		eid, _ := te.event(aTok, gid, 10, true)

		type link struct{ id, token, path string }
		makeLink := func(t *testing.T, tok string) link {
			t.Helper()
			r := te.do("POST", "/api/v1/events/"+eid+"/door-links", tok, nil)
			wantStatus(t, r, http.StatusCreated)
			m := r.m(t)
			return link{m["id"].(string), m["token"].(string), strings.TrimPrefix(m["url"].(string), te.srv.URL)}
		}
		la, lb, lc := makeLink(t, aTok), makeLink(t, bTok), makeLink(t, cTok)
		pc := newPageClient(t, te)
		doorB := pc.get(lb.path)
		wantPage(t, doorB, http.StatusOK)
		wantPage(t, pc.get(la.path), http.StatusOK)

		t.Run("EveryMemberSeesEveryLink", func(t *testing.T) {
			for _, tok := range []string{aTok, bTok, cTok} {
				r := te.do("GET", "/api/v1/events/"+eid+"/door-links", tok, nil)
				wantStatus(t, r, http.StatusOK)
				// Never the link itself.
				azNoLeak(t, r, []string{la.token, lb.token, lc.token, "/door/", `"token"`, `"url"`})
				ls := doorLinks(t, te, tok, eid)
				if len(ls) != 3 {
					t.Fatalf("%d links listed, want 3: %s", len(ls), r.Body)
				}
				if paged := listAll(t, te, tok, "/api/v1/events/"+eid+"/door-links?limit=1"); len(paged) != 3 || paged[0]["id"] != la.id {
					t.Fatalf("one link a page: %v", paged)
				}
				for want, by := range map[link]string{la: "Ada", lb: "Bob", lc: "Cleo"} {
					l := ls[want.id]
					if l["state"] != "active" || l["created_by"].(map[string]any)["name"] != by || l["revoked_at"] != nil {
						t.Fatalf("link made by %s: %v", by, l)
					}
				}
				// Door staff used A's and B's links.
				if ls[la.id]["last_used_at"] == nil || ls[lb.id]["last_used_at"] == nil || ls[lc.id]["last_used_at"] != nil {
					t.Fatalf("last uses: %v", ls)
				}
			}
		})

		t.Run("RemovedMembersLinksStop", func(t *testing.T) {
			wantStatus(t, te.do("DELETE", "/api/v1/groups/"+gid+"/members/"+bID, aTok, nil), http.StatusNoContent)
			wantPage(t, pc.get(lb.path), http.StatusGone)
			// Nor does a page opened before the removal check anyone in.
			wantPage(t, pc.post(lb.path+"/walkin", url.Values{"_csrf": {doorB.csrf(t)}, "name": {"Walter"},
				"email": {"walter-" + storetest.Unique() + "@example.org"}}), http.StatusGone)
			if n := len(listAll(t, te, aTok, "/api/v1/events/"+eid+"/rsvps?limit=200")); n != 0 {
				t.Fatalf("%d RSVPs after a walk-in through a removed member's link", n)
			}
			// The others' links keep working.
			wantPage(t, pc.get(la.path), http.StatusOK)
			wantPage(t, pc.get(lc.path), http.StatusOK)
			ls := doorLinks(t, te, aTok, eid)
			if l := ls[lb.id]; l["state"] != "revoked" || l["revoked_at"] == nil || l["created_by"].(map[string]any)["id"] != bID {
				t.Fatalf("the removed member's link: %v", l)
			}
			// B no longer sees the event's links; back in the group, B's old
			// link stays revoked.
			wantProblem(t, te.do("GET", "/api/v1/events/"+eid+"/door-links", bTok, nil), http.StatusNotFound, "event_not_found")
			bEmail := te.biGet(t, "/api/v1/me", bTok)["email"].(string)
			wantStatus(t, te.do("POST", "/api/v1/groups/"+gid+"/members", aTok, map[string]any{"email": bEmail, "role": "organiser"}), http.StatusCreated)
			wantPage(t, pc.get(lb.path), http.StatusGone)
		})

		t.Run("LeavingStopsOnesLinks", func(t *testing.T) {
			wantStatus(t, te.do("DELETE", "/api/v1/groups/"+gid+"/members/"+cID, cTok, nil), http.StatusNoContent)
			wantPage(t, pc.get(lc.path), http.StatusGone)
			if l := doorLinks(t, te, aTok, eid)[lc.id]; l["state"] != "revoked" {
				t.Fatalf("the link of a member who left: %v", l)
			}
		})

		t.Run("CheckedAtUse", func(t *testing.T) {
			// A membership that ends without RemoveMember (data from before
			// links were revoked at removal) stops the links too.
			ld := makeLink(t, bTok)
			wantPage(t, pc.get(ld.path), http.StatusOK)
			q := `DELETE FROM group_members WHERE group_id = ? AND organiser_id = ?`
			if db.Dialect() == store.Postgres {
				q = `DELETE FROM group_members WHERE group_id = $1 AND organiser_id = $2`
			}
			if _, err := db.SQL().Exec(q, gid, bID); err != nil {
				t.Fatal(err)
			}
			wantPage(t, pc.get(ld.path), http.StatusGone)
			if l := doorLinks(t, te, aTok, eid)[ld.id]; l["state"] != "maker_removed" || l["revoked_at"] != nil {
				t.Fatalf("the link of a maker gone from the group: %v", l)
			}
		})

		t.Run("OtherGroups", func(t *testing.T) {
			_, eTok := te.organiser("Eve")
			te.group(eTok)
			for _, rt := range [][2]string{{"GET", "/api/v1/events/" + eid + "/door-links"}, {"DELETE", "/api/v1/events/" + eid + "/door-links/" + la.id}} {
				r := te.do(rt[0], rt[1], eTok, nil)
				wantProblem(t, r, http.StatusNotFound, "")
				azNoLeak(t, r, []string{la.id, "Ada", "Bob"})
			}
			wantPage(t, pc.get(la.path), http.StatusOK)
		})

		t.Run("OwnerRevokesAnyLink", func(t *testing.T) {
			bEmail := te.biGet(t, "/api/v1/me", bTok)["email"].(string)
			wantStatus(t, te.do("POST", "/api/v1/groups/"+gid+"/members", aTok, map[string]any{"email": bEmail, "role": "organiser"}), http.StatusCreated)
			lb2 := makeLink(t, bTok)
			wantStatus(t, te.do("DELETE", "/api/v1/events/"+eid+"/door-links/"+lb2.id, aTok, nil), http.StatusNoContent)
			wantPage(t, pc.get(lb2.path), http.StatusGone)
			if l := doorLinks(t, te, aTok, eid)[lb2.id]; l["state"] != "revoked" {
				t.Fatalf("revoked link: %v", l)
			}
		})
	})
}
