package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// wantFieldError checks a 422 problem+json whose errors name the field
// with the message.
func wantFieldError(t *testing.T, r response, field, message string) {
	t.Helper()
	m := wantProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
	errs, _ := m["errors"].([]any)
	for _, e := range errs {
		if e, _ := e.(map[string]any); e["field"] == field && e["message"] == message {
			return
		}
	}
	t.Fatalf("errors %v lack {%s: %s}", m["errors"], field, message)
}

// TestURLFieldsRefuseDeception: every URL field — an event's and a
// series' join link, a recording, a speaker's slides — refuses a link with
// user-info before the host (https://good.example@evil.example/ leads to
// evil.example, and /j/ would redirect there from the service's own
// domain) and one with bidirectional or other invisible characters, on
// create and on change, with a field error that says why.
func TestURLFieldsRefuseDeception(t *testing.T) {
	const (
		userInfo = "must not have a user name or password before the host (\"name@\")"
		hidden   = "must not contain invisible or text-direction characters"
	)
	bad := map[string]string{
		"https://good.example@evil.example/":         userInfo,
		"https://meet.example.org:443@evil.example/": userInfo,
		"https://meet.example.org/\u202Egpj.exe":     hidden, // RIGHT-TO-LEFT OVERRIDE
		"https://meet.example.org/\u200Fj/1":         hidden, // RIGHT-TO-LEFT MARK
		"https://meet.example.org/\u2066j/1\u2069":   hidden, // LEFT-TO-RIGHT ISOLATE … POP
		"https://meet.exa\u200Bmple.org/":            hidden, // ZERO WIDTH SPACE
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		eid, _ := te.event(tok, gid, nil, false)
		base, start := biEventBase(te)
		live := biObj(base, "kind", "live_session", "venue", biDrop, "online_url", "https://meet.example.org/room")
		series := map[string]any{
			"slug": "s-" + storetest.Unique(), "title": "Essentials", "kind": "live_session", "rrule": "FREQ=WEEKLY",
			"starts_at": start.Format(time.RFC3339), "duration": "PT1H", "time_zone": "UTC",
			"online_url": "https://meet.example.org/essentials",
		}
		r := te.do("POST", "/api/v1/groups/"+gid+"/series", tok, series)
		wantStatus(t, r, http.StatusCreated)
		sid := r.m(t)["id"].(string)

		for u, msg := range bad {
			t.Run(u, func(t *testing.T) {
				wantFieldError(t, te.do("POST", "/api/v1/groups/"+gid+"/events", tok, biObj(live, "slug", "ev-"+storetest.Unique(), "online_url", u)), "online_url", msg)
				wantFieldError(t, te.do("POST", "/api/v1/groups/"+gid+"/events", tok, biObj(base, "slug", "ev-"+storetest.Unique(), "recording_url", u)), "recording_url", msg)
				wantFieldError(t, te.do("PATCH", "/api/v1/events/"+eid, tok, map[string]any{"online_url": u}), "online_url", msg)
				wantFieldError(t, te.do("PATCH", "/api/v1/events/"+eid, tok, map[string]any{"recording_url": u}), "recording_url", msg)
				wantFieldError(t, te.do("POST", "/api/v1/groups/"+gid+"/series", tok, biObj(series, "slug", "s-"+storetest.Unique(), "online_url", u)), "online_url", msg)
				wantFieldError(t, te.do("PATCH", "/api/v1/series/"+sid, tok, map[string]any{"online_url": u}), "online_url", msg)
				wantFieldError(t, te.do("PUT", "/api/v1/events/"+eid+"/people", tok, map[string]any{
					"speakers": []any{map[string]any{"name": "Sam Speaker", "talk_title": "Go", "slides_url": u}}}), "speakers[0].slides_url", msg)
			})
		}
		// Nothing was stored.
		ev := te.biGet(t, "/api/v1/events/"+eid, tok)
		if ev["online_url"] != "" || ev["recording_url"] != "" {
			t.Fatalf("event links changed: %v %v", ev["online_url"], ev["recording_url"])
		}
		if s := te.biGet(t, "/api/v1/series/"+sid, tok); s["online_url"] != "https://meet.example.org/essentials" {
			t.Fatalf("series link changed: %v", s["online_url"])
		}
	})
}
