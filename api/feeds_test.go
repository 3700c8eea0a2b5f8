package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

func unfold(ics string) string { return strings.ReplaceAll(ics, "\r\n ", "") }

func TestEventDownloadAndConditionalGET(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		start := te.now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
		r := te.do("POST", "/api/v1/groups/"+gid+"/events", tok, map[string]any{
			"title": "Essentials, live; \"Q1\"", "kind": "live_session", "online_url": "https://meet.example.org/secret-room",
			"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339),
		})
		wantStatus(t, r, http.StatusCreated)
		eid, slug := r.m(t)["id"].(string), r.m(t)["slug"].(string)
		wantStatus(t, te.do("POST", "/api/v1/events/"+eid+"/publish", tok, nil), http.StatusOK)

		links := te.do("GET", "/api/v1/public/events/"+slug, "", nil).m(t)["calendar_links"].(map[string]any)
		if !strings.HasPrefix(links["google"].(string), "https://calendar.google.com/") ||
			!strings.HasPrefix(links["outlook"].(string), "https://outlook.live.com/") ||
			!strings.HasSuffix(links["ics"].(string), "/api/v1/public/events/"+slug+"/calendar.ics") {
			t.Fatalf("calendar_links %v", links)
		}

		path := "/api/v1/public/events/" + slug + "/calendar.ics"
		r = te.do("GET", path, "", nil)
		wantStatus(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
			t.Fatalf("Content-Type %q", ct)
		}
		body := unfold(string(r.Body))
		for _, want := range []string{"UID:" + eid + "@", `SUMMARY:Essentials\, live\; "Q1"`, "STATUS:CONFIRMED"} {
			if !strings.Contains(body, want) {
				t.Fatalf("download lacks %q:\n%s", want, body)
			}
		}
		if strings.Contains(body, "ATTENDEE") || strings.Contains(body, "secret-room") {
			t.Fatalf("a public download shows attendees or the join link:\n%s", body)
		}
		etag, lm := r.Header.Get("ETag"), r.Header.Get("Last-Modified")
		if etag == "" || lm == "" {
			t.Fatalf("no validators: ETag %q Last-Modified %q", etag, lm)
		}
		req, _ := http.NewRequest("GET", te.srv.URL+path, nil)
		req.Header.Set("If-None-Match", etag)
		if r := te.send(req); r.Status != http.StatusNotModified || len(r.Body) != 0 {
			t.Fatalf("If-None-Match: %d %q", r.Status, r.Body)
		}
		req, _ = http.NewRequest("GET", te.srv.URL+path, nil)
		req.Header.Set("If-Modified-Since", lm)
		if r := te.send(req); r.Status != http.StatusNotModified {
			t.Fatalf("If-Modified-Since: %d", r.Status)
		}
		// A change makes a new ETag.
		wantStatus(t, te.do("PATCH", "/api/v1/events/"+eid, tok, map[string]any{"title": "Essentials Q1"}), http.StatusOK)
		req, _ = http.NewRequest("GET", te.srv.URL+path, nil)
		req.Header.Set("If-None-Match", etag)
		if r := te.send(req); r.Status != http.StatusOK || r.Header.Get("ETag") == etag {
			t.Fatalf("after a change: %d, ETag %q", r.Status, r.Header.Get("ETag"))
		}
	})
}

// TestFeedsCarryNoMethod: the event download, the group feed, the
// personal feed and the series feed are published calendars, not iTIP
// messages: they say no METHOD (METHOD:PUBLISH without an ORGANIZER breaks
// RFC 5546, and libical refuses every such feed) and their Content-Type
// names no method either. E-mail invites keep METHOD:REQUEST and CANCEL
// (notifications/mail tests).
func TestFeedsCarryNoMethod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		_, slug := te.event(tok, gid, 10, true)
		r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Grace", "email": "grace-" + storetest.Unique() + "@example.org"})
		wantStatus(t, r, http.StatusCreated)
		manage := r.m(t)["manage_token"].(string)
		groupSlug := te.do("GET", "/api/v1/groups/"+gid, tok, nil).m(t)["slug"].(string)
		_, start := biEventBase(te)
		series := "s-" + storetest.Unique()
		wantStatus(t, te.do("POST", "/api/v1/groups/"+gid+"/series", tok, map[string]any{
			"slug": series, "title": "Essentials", "kind": "live_session", "rrule": "FREQ=WEEKLY",
			"starts_at": start.Format(time.RFC3339), "duration": "PT1H", "time_zone": "Europe/Oslo",
			"online_url": "https://meet.example.org/essentials",
		}), http.StatusCreated)

		for _, path := range []string{
			"/api/v1/public/events/" + slug + "/calendar.ics",
			"/api/v1/public/groups/" + groupSlug + "/calendar.ics",
			"/api/v1/rsvps/" + manage + "/calendar.ics",
			"/api/v1/public/series/" + series + "/calendar.ics",
		} {
			r := te.do("GET", path, "", nil)
			wantStatus(t, r, http.StatusOK)
			body := unfold(string(r.Body))
			if !strings.Contains(body, "BEGIN:VEVENT\r\n") {
				t.Fatalf("%s has no event:\n%s", path, body)
			}
			for _, line := range strings.Split(body, "\r\n") {
				if strings.HasPrefix(strings.ToUpper(line), "METHOD") {
					t.Errorf("%s says %q; a published calendar has no METHOD", path, line)
				}
			}
			if ct := r.Header.Get("Content-Type"); strings.Contains(strings.ToLower(ct), "method") {
				t.Errorf("%s: Content-Type %q names a method", path, ct)
			}
		}
	})
}

func TestGroupAndPersonalFeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		slugOf := func(gid string) string {
			return te.do("GET", "/api/v1/groups/"+gid, tok, nil).m(t)["slug"].(string)
		}
		keep, keepSlug := te.event(tok, gid, 10, true)
		gone, _ := te.event(tok, gid, 10, true)
		draft, _ := te.event(tok, gid, 10, false)
		wantStatus(t, te.do("POST", "/api/v1/events/"+gone+"/cancel", tok, map[string]any{"reason": "Snow"}), http.StatusOK)

		r := te.do("GET", "/api/v1/public/groups/"+slugOf(gid)+"/calendar.ics", "", nil)
		wantStatus(t, r, http.StatusOK)
		feed := unfold(string(r.Body))
		for _, want := range []string{"X-WR-CALNAME:Oslo .NET User Group", "NAME:Oslo .NET User Group",
			"REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H", "UID:" + keep + "@", "UID:" + gone + "@"} {
			if !strings.Contains(feed, want) {
				t.Fatalf("group feed lacks %q:\n%s", want, feed)
			}
		}
		if strings.Contains(feed, draft) || strings.Count(feed, "STATUS:CANCELLED") != 1 || strings.Contains(feed, "ATTENDEE") {
			t.Fatalf("group feed: drafts must be absent, the cancelled event marked, no attendees:\n%s", feed)
		}
		wantProblem(t, te.do("GET", "/api/v1/public/groups/no-such-group/calendar.ics", "", nil), http.StatusNotFound, "group_not_found")

		// A person going to events of two groups gets both in their feed,
		// with join links; an event where they only wait in line is absent.
		gid2 := te.group(tok)
		start := te.now().Add(24 * time.Hour).UTC().Truncate(time.Minute)
		r = te.do("POST", "/api/v1/groups/"+gid2+"/events", tok, map[string]any{
			"title": "Online hour", "kind": "live_session", "online_url": "https://meet.example.org/room-42", "capacity": 1,
			"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339),
		})
		online := r.m(t)
		wantStatus(t, te.do("POST", "/api/v1/events/"+online["id"].(string)+"/publish", tok, nil), http.StatusOK)
		full, fullSlug := te.event(tok, gid2, 1, true)
		rsvp := func(slug, email string) map[string]any {
			r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Grace", "email": email})
			wantStatus(t, r, http.StatusCreated)
			return r.m(t)
		}
		mine := rsvp(keepSlug, "grace@example.org")
		rsvp(online["slug"].(string), "GRACE@example.org")
		rsvp(fullSlug, "someone@example.org")
		rsvp(fullSlug, "grace@example.org") // waitlisted
		// The token handed back by the RSVP call proves nothing about the
		// address (anyone may RSVP with anyone's): its feed is its own event.
		r = te.do("GET", "/api/v1/rsvps/"+domain.FeedToken(mine["manage_token"].(string))+"/calendar.ics", "", nil)
		wantStatus(t, r, http.StatusOK)
		if own := unfold(string(r.Body)); !strings.Contains(own, "UID:"+keep+"@") || strings.Contains(own, "room-42") {
			t.Fatalf("the RSVP-call token's feed must list only its own event:\n%s", own)
		}
		// A token e-mailed to the attendee proves the mailbox.
		emailed, err := db.MintManageToken(t.Context(), mine["id"].(string))
		if err != nil {
			t.Fatal(err)
		}
		r = te.do("GET", "/api/v1/rsvps/"+domain.FeedToken(emailed)+"/calendar.ics", "", nil)
		wantStatus(t, r, http.StatusOK)
		personal := unfold(string(r.Body))
		// The online event carries a personal join link (which records
		// attendance) naming that event, never the meeting's own link.
		joinLink := te.srv.URL + "/j/" + domain.JoinTokenOf(emailed) + "?event=" + online["slug"].(string)
		if !strings.Contains(personal, "UID:"+keep+"@") || !strings.Contains(personal, "UID:"+online["id"].(string)+"@") ||
			!strings.Contains(personal, joinLink) || strings.Contains(personal, "room-42") ||
			strings.Contains(personal, full) || strings.Contains(personal, gone) {
			t.Fatalf("personal feed:\n%s", personal)
		}
		// Followed in the check-in window, it records the online attendance
		// of the same address's RSVP to that event, and forwards.
		onlineStart, _ := time.Parse(time.RFC3339, online["starts_at"].(string))
		atClock(te, db, onlineStart.Add(5*time.Minute))
		pc := newPageClient(t, te)
		j := pc.get(strings.TrimPrefix(joinLink, te.srv.URL))
		if j.Status != http.StatusSeeOther || j.Header.Get("Location") != "https://meet.example.org/room-42" {
			t.Fatalf("the feed's join link: %d to %q", j.Status, j.Header.Get("Location"))
		}
		if _, l := doorEntries(t, te, tok, online["id"].(string)); l["in"] != 1.0 {
			t.Fatalf("the feed's join link recorded nothing: %v", l)
		}
		// The RSVP call's token cannot stand for another event.
		wantPage(t, pc.get("/j/"+mine["manage_token"].(string)+"?event="+online["slug"].(string)), http.StatusNotFound)
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
			t.Fatalf("personal feed Cache-Control %q", cc)
		}
	})
}

// TestGroupFeedFollowsChanges: the group feed is kept encoded between polls
// (see feedCache), yet every change that shows in it — an event edited,
// cancelled, published, the group renamed — shows at the next poll, and
// an unchanged feed keeps its ETag (304 to If-None-Match).
func TestGroupFeedFollowsChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		slug := te.do("GET", "/api/v1/groups/"+gid, tok, nil).m(t)["slug"].(string)
		path := "/api/v1/public/groups/" + slug + "/calendar.ics"
		first, _ := te.event(tok, gid, 10, true)
		etag := ""
		poll := func(want string) string {
			t.Helper()
			r := te.do("GET", path, "", nil)
			wantStatus(t, r, http.StatusOK)
			if feed := unfold(string(r.Body)); !strings.Contains(feed, want) {
				t.Fatalf("feed lacks %q:\n%s", want, feed)
			}
			if r.Header.Get("ETag") == etag {
				t.Fatalf("the feed changed but kept its ETag %s", etag)
			}
			etag = r.Header.Get("ETag")
			req, _ := http.NewRequest("GET", te.srv.URL+path, nil)
			req.Header.Set("If-None-Match", etag)
			if res := te.send(req); res.Status != http.StatusNotModified {
				t.Fatalf("unchanged feed: %d to If-None-Match", res.Status)
			}
			return etag
		}
		poll("UID:" + first + "@")
		wantStatus(t, te.do("PATCH", "/api/v1/events/"+first, tok, map[string]any{"title": "Essentials renamed"}), http.StatusOK)
		poll("SUMMARY:Essentials renamed")
		second, _ := te.event(tok, gid, 10, true)
		poll("UID:" + second + "@")
		wantStatus(t, te.do("POST", "/api/v1/events/"+second+"/cancel", tok, map[string]any{"reason": "Snow"}), http.StatusOK)
		poll("STATUS:CANCELLED")
		wantStatus(t, te.do("PATCH", "/api/v1/groups/"+gid, tok, map[string]any{"name": "Oslo Gophers"}), http.StatusOK)
		poll("X-WR-CALNAME:Oslo Gophers")
	})
}
