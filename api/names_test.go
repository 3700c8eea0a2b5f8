package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestAttendeeNamesRefuseLinks: wherever a person's name is taken — the
// public RSVP (API and page), an invitation (the organiser's list, and
// the accept by API and page), following a series (API and page) and a
// walk-in (API and door page) — a name with a web address or an e-mail
// address, or longer than 100 characters, is refused with a field error
// and nothing is stored or mailed: anyone can reply with anyone's address,
// and the service writes the name into the e-mail to it. Organisers keep
// names of up to 200 characters.
func TestAttendeeNamesRefuseLinks(t *testing.T) {
	const (
		link  = "must not contain a web address or link"
		email = "must not contain an e-mail address: give the address in the e-mail field"
	)
	bad := map[string]string{
		"Rita. URGENT: pay at https://evil.example/pay": link,
		"Rita (pay at evil.example/pay)":                link,
		"Rita, see www.evil.example":                    link,
		"Rita, write to rita@evil.example":              email,
		strings.Repeat("R", domain.MaxPersonNameLen+1):  "must be at most 100 characters",
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		eid, slug := te.event(tok, gid, nil, true)
		u := storetest.Unique()
		invitee := "invitee-" + u + "@example.org"
		wantStatus(t, te.do("POST", "/api/v1/events/"+eid+"/invitations", tok, map[string]any{
			"recipients": []map[string]any{{"email": invitee, "name": "Ivy"}}}), http.StatusCreated)
		inv := te.invitationLink(t, tok, eid, invitee)
		dl := te.do("POST", "/api/v1/events/"+eid+"/door-links", tok, nil)
		wantStatus(t, dl, http.StatusCreated)
		door := strings.TrimPrefix(dl.m(t)["url"].(string), te.srv.URL)
		_, start := biEventBase(te)
		series := "s-" + u
		wantStatus(t, te.do("POST", "/api/v1/groups/"+gid+"/series", tok, map[string]any{
			"slug": series, "title": "Essentials", "kind": "live_session", "rrule": "FREQ=WEEKLY",
			"starts_at": start.Format(time.RFC3339), "duration": "PT1H", "time_zone": "UTC",
			"online_url": "https://meet.example.org/essentials",
		}), http.StatusCreated)
		pc := newPageClient(t, te)
		post := func(getPath, postPath, name string, more ...string) page {
			t.Helper()
			p := pc.get(getPath)
			wantPage(t, p, http.StatusOK)
			v := url.Values{"_csrf": {p.csrf(t)}, "name": {name}}
			for i := 0; i+1 < len(more); i += 2 {
				v.Set(more[i], more[i+1])
			}
			return pc.post(postPath, v)
		}

		i := 0
		for name, msg := range bad {
			i++
			addr := "stranger-" + u + "-" + string(rune('a'+i)) + "@example.org"
			t.Run(name[:min(len(name), 20)], func(t *testing.T) {
				wantFieldError(t, te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": name, "email": addr}), "name", msg)
				wantFieldError(t, te.do("POST", "/api/v1/events/"+eid+"/invitations", tok, map[string]any{
					"recipients": []map[string]any{{"email": addr, "name": name}}}), "recipients[0].name", msg)
				wantFieldError(t, te.do("POST", "/api/v1/public/invitations/"+inv+"/accept", "", map[string]any{"name": name}), "name", msg)
				wantFieldError(t, te.do("POST", "/api/v1/public/series/"+series+"/followers", "", map[string]any{"name": name, "email": addr, "mode": "rsvp"}), "name", msg)
				wantFieldError(t, te.do("POST", "/api/v1/events/"+eid+"/checkins", tok, map[string]any{"name": name, "email": addr}), "name", msg)

				for _, p := range []page{
					post("/e/"+slug, "/e/"+slug+"/rsvp", name, "email", addr),
					post("/i/"+inv, "/i/"+inv+"/accept", name),
					post("/s/"+series, "/s/"+series+"/follow", name, "email", addr, "mode", "rsvp"),
					post(door, door+"/walkin", name, "email", addr),
				} {
					wantPage(t, p, http.StatusUnprocessableEntity)
					wantText(t, p, msg)
				}
			})
		}

		// Nothing was stored, so nothing was mailed to the strangers.
		if rs := listAll(t, te, tok, "/api/v1/events/"+eid+"/rsvps?limit=200"); len(rs) != 0 {
			t.Fatalf("refused names made RSVPs: %v", rs)
		}
		if ds := listAll(t, te, tok, "/api/v1/events/"+eid+"/deliveries?limit=200"); len(ds) != 0 {
			t.Fatalf("refused names queued e-mails: %v", ds)
		}
		if invs := listAll(t, te, tok, "/api/v1/events/"+eid+"/invitations?limit=200"); len(invs) != 1 || invs[0]["status"] != "queued" {
			t.Fatalf("invitations: %v", invs)
		}

		// A hundred characters are a name; organisers keep their 200.
		long := strings.Repeat("Å", domain.MaxPersonNameLen)
		r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": long, "email": "long-" + u + "@example.org"})
		if r.Status != http.StatusCreated && r.Status != http.StatusAccepted {
			t.Fatalf("a 100-character name: %d %s", r.Status, r.Body)
		}
		organiser := strings.Repeat("O", domain.MaxNameLen)
		wantStatus(t, te.do("POST", "/api/v1/groups/"+gid+"/members", tok, map[string]any{
			"email": "olive-" + u + "@example.org", "name": organiser, "role": "organiser"}), http.StatusCreated)
	})
}
