package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// label is a calendar message of the language without its link.
func label(tag, id string) string { return i18n.Get(tag).T(id, "URL", "") }

// TestFeedsSpeakTheirLanguages: an event's download speaks the event's
// language, a group's feed each event's, a series' feed its group's, a
// personal feed each entry in the language of the RSVP to that event and
// its name in the language of the RSVP whose link it is; the public
// event's add-to-calendar links speak the event's.
func TestFeedsSpeakTheirLanguages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		wantStatus(t, te.do("PATCH", "/api/v1/groups/"+gid, tok, map[string]any{"locale": "fr"}), http.StatusOK)
		groupSlug := te.do("GET", "/api/v1/groups/"+gid, tok, nil).m(t)["slug"].(string)
		start := te.now().Add(24 * time.Hour).UTC().Truncate(time.Minute)
		r := te.do("POST", "/api/v1/groups/"+gid+"/events", tok, map[string]any{
			"title": "Online hour", "kind": "live_session", "online_url": "https://meet.example.org/room-42", "locale": "ja",
			"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339), "slug": "on-" + storetest.Unique(),
		})
		wantStatus(t, r, http.StatusCreated)
		online := r.m(t)
		onlineSlug := online["slug"].(string)
		wantStatus(t, te.do("POST", "/api/v1/events/"+online["id"].(string)+"/publish", tok, nil), http.StatusOK)
		_, meetupSlug := te.event(tok, gid, nil, true)

		get := func(path string) string {
			t.Helper()
			r := te.do("GET", path, "", nil)
			wantStatus(t, r, http.StatusOK)
			return unfold(string(r.Body))
		}
		wantIn := func(what, body string, wants ...string) {
			t.Helper()
			for _, w := range wants {
				if !strings.Contains(body, w) {
					t.Errorf("%s lacks %q:\n%s", what, w, body)
				}
			}
			for _, en := range []string{"Event page:", "Join:", "LOCATION:Online", "My events"} {
				if strings.Contains(body, en) {
					t.Errorf("%s has English %q:\n%s", what, en, body)
				}
			}
		}

		wantIn("the Japanese event's download", get("/api/v1/public/events/"+onlineSlug+"/calendar.ics"),
			label("ja", "ics.event_page"), "LOCATION:"+label("ja", "mail.online"))
		wantIn("the French group's feed", get("/api/v1/public/groups/"+groupSlug+"/calendar.ics"),
			label("ja", "ics.event_page"), "LOCATION:"+label("ja", "mail.online"), label("fr", "ics.event_page"))

		links := te.do("GET", "/api/v1/public/events/"+onlineSlug, "", nil).m(t)["calendar_links"].(map[string]any)
		for name, param := range map[string]string{"google": "details", "outlook": "body"} {
			u, err := url.Parse(links[name].(string))
			if err != nil {
				t.Fatal(err)
			}
			if q := u.Query(); !strings.Contains(q.Get(param), label("ja", "ics.event_page")) || q.Get("location") != label("ja", "mail.online") {
				t.Errorf("the public event's %s link is not in Japanese: %s", name, links[name])
			}
		}

		// One address going to both events, replying in Arabic and in
		// German; the feed of the Arabic reply's e-mailed link.
		email := "grace-" + storetest.Unique() + "@example.org"
		rsvp := func(slug, locale string) map[string]any {
			r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Grace", "email": email, "locale": locale})
			wantStatus(t, r, http.StatusCreated)
			return r.m(t)
		}
		mine := rsvp(onlineSlug, "ar")
		rsvp(meetupSlug, "de")
		emailed, err := db.MintManageToken(t.Context(), mine["id"].(string))
		if err != nil {
			t.Fatal(err)
		}
		personal := get("/api/v1/rsvps/" + domain.FeedToken(emailed) + "/calendar.ics")
		wantIn("the personal feed", personal, "X-WR-CALNAME:"+i18n.Get("ar").T("feed.personal.name"),
			label("ar", "ics.join"), label("ar", "ics.event_page"), label("de", "ics.event_page"))
		if strings.Contains(personal, label("ja", "ics.event_page")) || strings.Contains(personal, label("fr", "ics.event_page")) {
			t.Errorf("the personal feed speaks the events' languages, not the replies':\n%s", personal)
		}

		series := "s-" + storetest.Unique()
		wantStatus(t, te.do("POST", "/api/v1/groups/"+gid+"/series", tok, map[string]any{
			"slug": series, "title": "Essentials", "kind": "live_session", "rrule": "FREQ=WEEKLY",
			"starts_at": start.Format(time.RFC3339), "duration": "PT1H", "time_zone": "Europe/Oslo",
			"online_url": "https://meet.example.org/essentials",
		}), http.StatusCreated)
		wantIn("the French group's series feed", get("/api/v1/public/series/"+series+"/calendar.ics"),
			label("fr", "ics.event_page"), "LOCATION:"+label("fr", "mail.online"))
	})
}
