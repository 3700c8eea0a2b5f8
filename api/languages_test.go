package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestLanguagesStored: a group's language, an event's own and the one an
// attendee replied in are kept and shown as Convene spells them; a
// language Convene does not speak is a field error; clearing an event's
// gives it its group's again.
func TestLanguagesStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		if got := te.do("GET", "/api/v1/groups/"+gid, tok, nil).m(t)["locale"]; got != "en" {
			t.Errorf("a new group speaks %v, want en", got)
		}
		wantFieldError(t, te.do("PATCH", "/api/v1/groups/"+gid, tok, map[string]any{"locale": "tlh"}), "locale",
			"must be one of Convene's languages: en, de, fr, es, pt-BR, it, nl, pl, ja, zh-Hans, ar")
		r := te.do("PATCH", "/api/v1/groups/"+gid, tok, map[string]any{"locale": "de"})
		wantStatus(t, r, http.StatusOK)
		if got := r.m(t)["locale"]; got != "de" {
			t.Errorf("group locale after PATCH: %v", got)
		}

		eid, slug := te.event(tok, gid, nil, true)
		public := func() any { return te.do("GET", "/api/v1/public/events/"+slug, "", nil).m(t)["locale"] }
		if got := public(); got != "de" {
			t.Errorf("an event without its own language speaks %v, want its group's, de", got)
		}
		r = te.do("PATCH", "/api/v1/events/"+eid, tok, map[string]any{"locale": "pt-br"})
		wantStatus(t, r, http.StatusOK)
		if got := r.m(t)["locale"]; got != "pt-BR" {
			t.Errorf("event locale: %v, want pt-BR as Convene spells it", got)
		}
		if got := public(); got != "pt-BR" {
			t.Errorf("public event speaks %v", got)
		}
		wantFieldError(t, te.do("PATCH", "/api/v1/events/"+eid, tok, map[string]any{"locale": "xx"}), "locale",
			"must be one of Convene's languages: en, de, fr, es, pt-BR, it, nl, pl, ja, zh-Hans, ar")

		u := storetest.Unique()
		wantFieldError(t, te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{
			"name": "Grace", "email": "grace-" + u + "@example.org", "locale": "klingon"}), "locale",
			"must be one of Convene's languages: en, de, fr, es, pt-BR, it, nl, pl, ja, zh-Hans, ar")
		rsvp := func(name, locale string) map[string]any {
			body := map[string]any{"name": name, "email": name + "-" + u + "@example.org"}
			if locale != "" {
				body["locale"] = locale
			}
			r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", body)
			wantStatus(t, r, http.StatusCreated)
			return te.do("GET", "/api/v1/rsvps/"+r.m(t)["manage_token"].(string), "", nil).m(t)
		}
		if got := rsvp("yuki", "JA")["locale"]; got != "ja" {
			t.Errorf("an attendee who replied in Japanese gets e-mails in %v", got)
		}
		if got := rsvp("ana", "")["locale"]; got != "pt-BR" {
			t.Errorf("an attendee who gave no language gets e-mails in %v, want the event's", got)
		}
		// A reply waiting for its confirmation keeps its language: the
		// request e-mail speaks it, and so does the RSVP it becomes.
		cid, cslug := te.event(tok, gid, nil, false)
		wantStatus(t, te.do("PATCH", "/api/v1/events/"+cid, tok, map[string]any{"rsvp_confirmation": "email"}), http.StatusOK)
		wantStatus(t, te.do("POST", "/api/v1/events/"+cid+"/publish", tok, nil), http.StatusOK)
		addr := "kenji-" + u + "@example.org"
		wantStatus(t, te.do("POST", "/api/v1/public/events/"+cslug+"/rsvps", "", map[string]any{"name": "Kenji", "email": addr, "locale": "ja"}),
			http.StatusAccepted)
		raw := te.confirmLink(t, addr)
		c := te.do("POST", "/api/v1/public/confirmations/"+raw, "", nil)
		wantStatus(t, c, http.StatusCreated)
		if got := te.do("GET", "/api/v1/rsvps/"+c.m(t)["manage_token"].(string), "", nil).m(t)["locale"]; got != "ja" {
			t.Errorf("a confirmed reply made in Japanese speaks %v", got)
		}

		// An invitation accepted in French: the RSVP it makes speaks French.
		invitee := "amelie-" + u + "@example.org"
		wantStatus(t, te.do("POST", "/api/v1/events/"+eid+"/invitations", tok, map[string]any{
			"recipients": []map[string]any{{"email": invitee, "name": "Amélie"}}}), http.StatusCreated)
		acc := te.do("POST", "/api/v1/public/invitations/"+te.invitationLink(t, tok, eid, invitee)+"/accept", "", map[string]any{"locale": "fr"})
		wantStatus(t, acc, http.StatusCreated)
		if got := te.do("GET", "/api/v1/rsvps/"+acc.m(t)["manage_token"].(string), "", nil).m(t)["locale"]; got != "fr" {
			t.Errorf("an invitation accepted in French makes an RSVP that speaks %v", got)
		}

		r = te.do("PATCH", "/api/v1/events/"+eid, tok, map[string]any{"locale": nil})
		wantStatus(t, r, http.StatusOK)
		if got := public(); got != "de" {
			t.Errorf("after clearing its own, the event speaks %v, want its group's", got)
		}
	})
}

// TestFollowerLanguage: a series followed in Dutch keeps Dutch — its
// confirmation e-mail and the RSVPs made for the follower speak it.
func TestFollowerLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		atClock(te, db, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		slug := "essentials-" + storetest.Unique()
		wantStatus(t, te.do("POST", "/api/v1/groups/"+gid+"/series", tok, seriesBody(slug)), http.StatusCreated)
		addr := "daan-" + storetest.Unique() + "@example.org"
		wantStatus(t, te.do("POST", "/api/v1/public/series/"+slug+"/followers", "", map[string]any{
			"name": "Daan", "email": addr, "mode": "rsvp", "locale": "nl"}), http.StatusAccepted)
		out, _, err := te.db.LoadFollowConfirmation(t.Context(), mustFollowerID(t, te, addr))
		if err != nil || out.Follower.Locale != "nl" {
			t.Fatalf("the follower's language: %q, %v", out.Follower.Locale, err)
		}
		wantStatus(t, te.do("POST", "/api/v1/public/followers/"+te.followLink(t, addr)+"/confirm", "", nil), http.StatusOK)
		q := `SELECT locale FROM rsvps WHERE email_norm = ?`
		if te.db.Dialect() == store.Postgres {
			q = `SELECT locale FROM rsvps WHERE email_norm = $1`
		}
		rows, err := te.db.SQL().Query(q, domain.NormalizeEmail(addr))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				t.Fatal(err)
			}
			if n++; l != "nl" {
				t.Errorf("an RSVP made for a Dutch follower speaks %q", l)
			}
		}
		if n == 0 {
			t.Fatal("no RSVP was made for the follower")
		}
	})
}
