package api

import (
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

const alreadyReplied = "This address has already replied. We have e-mailed it the RSVP again, with the link to manage it."

var stylesheetRE = regexp.MustCompile(`<link rel="stylesheet" href="(/static/convene\.[0-9a-f]{12}\.css)">`)

// TestEventPage: what someone who follows an event link sees.
func TestEventPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, gslug := pageGroup(te, tok, "Oslo .NET User Group", "")
		_, slug := pageEvent(te, tok, gid, true, map[string]any{
			"capacity": 2, "description": "First paragraph.\nSecond line.\n\nSecond paragraph.",
		})
		pc := newPageClient(t, te)
		p := pc.get("/e/" + slug)
		wantPage(t, p, http.StatusOK)
		wantText(t, p,
			"<h1>Essentials: what you need to know</h1>",
			`<a href="/g/`+gslug+`">Oslo .NET User Group</a>`,
			// The time in the event's zone, with the zone named.
			`<time datetime="`+pageStart.Add(time.Hour).Format("2006-01-02T15:04:05")+`+01:00">`+pageWhen+`</time>`,
			"(Europe/Oslo, CET)",
			"Community Hall", "Storgata 1, Oslo",
			"2 seats left",
			"<p>First paragraph.<br>Second line.</p>", "<p>Second paragraph.</p>",
			// The form, with a label on every field.
			`<form method="post" action="/e/`+slug+`/rsvp#rsvp">`,
			`<label for="name">Your name</label>`, `<input id="name" name="name" type="text"`,
			`<label for="email">Your e-mail address</label>`, `<input id="email" name="email" type="email"`,
			"I'm going</button>",
			// Add to calendar.
			"https://calendar.google.com/calendar/render?action=TEMPLATE&text=Essentials",
			"https://outlook.live.com/calendar/0/deeplink/compose?",
			`href="`+te.srv.URL+`/api/v1/public/events/`+slug+`/calendar.ics"`,
			// A shared link previews well.
			`<meta property="og:title" content="Essentials: what you need to know">`,
			`<meta property="og:type" content="website">`,
			`<meta property="og:url" content="`+te.srv.URL+`/e/`+slug+`">`,
			`<meta property="og:description" content="`+pageWhen+` (Europe/Oslo, CET) · Community Hall. First paragraph. Second line. Second paragraph.">`,
			`<meta property="og:site_name" content="Oslo .NET User Group">`,
		)
		p.csrf(t)
		// The form's token is private to the visitor: no shared cache.
		if cc := p.Header.Get("Cache-Control"); cc != "private, no-cache" {
			t.Errorf("Cache-Control %q, want private, no-cache", cc)
		}

		t.Run("Stylesheet", func(t *testing.T) {
			m := stylesheetRE.FindStringSubmatch(p.Body)
			if m == nil {
				t.Fatalf("no hashed stylesheet link in the page:\n%s", p.Body)
			}
			css := pc.get(m[1])
			if css.Status != http.StatusOK || css.Header.Get("Content-Type") != "text/css; charset=utf-8" {
				t.Fatalf("GET %s: %d %q", m[1], css.Status, css.Header.Get("Content-Type"))
			}
			if cc := css.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
				t.Errorf("hashed stylesheet Cache-Control %q, want a year, immutable", cc)
			}
			if !strings.Contains(css.Body, "prefers-color-scheme: dark") || !strings.Contains(css.Body, ":focus-visible") {
				t.Errorf("the stylesheet lacks dark mode or focus styles")
			}
			if r := pc.get(m[1], "If-None-Match", css.Header.Get("ETag")); r.Status != http.StatusNotModified {
				t.Errorf("If-None-Match with the ETag: status %d, want 304", r.Status)
			}
			plain := pc.get("/static/convene.css")
			if plain.Status != http.StatusOK || plain.Body != css.Body || plain.Header.Get("Cache-Control") != "public, no-cache" {
				t.Errorf("GET /static/convene.css: %d, Cache-Control %q", plain.Status, plain.Header.Get("Cache-Control"))
			}
			if r := pc.get("/static/nothing.css"); r.Status != http.StatusNotFound {
				t.Errorf("GET /static/nothing.css: status %d, want 404", r.Status)
			}
		})

		t.Run("DraftIsNotFound", func(t *testing.T) {
			_, draft := pageEvent(te, tok, gid, false, nil)
			p := pc.get("/e/" + draft)
			wantPage(t, p, http.StatusNotFound)
			wantText(t, p, "We can't find that event")
			wantNoText(t, p, "Essentials")
		})

		t.Run("OnlineWithoutCapacity", func(t *testing.T) {
			_, live := pageEvent(te, tok, gid, true, map[string]any{"kind": "live_session", "venue": omit,
				"online_url": "https://meet.example.org/secret-" + storetest.Unique()})
			p := pc.get("/e/" + live)
			wantPage(t, p, http.StatusOK)
			wantText(t, p, "<dd>Online</dd>", "No limit on places", `<form method="post"`)
		})
	})
}

// TestEventPageStates: the form is there only while RSVPs are open, and
// the page says why not otherwise.
func TestEventPageStates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		pc := newPageClient(t, te)

		t.Run("FullWithWaitlist", func(t *testing.T) {
			_, slug := pageEvent(te, tok, gid, true, map[string]any{"capacity": 1})
			pc.rsvp(slug, "Grace", "grace-"+storetest.Unique()+"@example.org")
			p := pc.get("/e/" + slug)
			wantPage(t, p, http.StatusOK)
			wantText(t, p, "Full — waitlist open", "Join the waitlist</button>", `<form method="post"`)
		})
		t.Run("FullWithoutWaitlist", func(t *testing.T) {
			_, slug := pageEvent(te, tok, gid, true, map[string]any{"capacity": 1, "waitlist": false})
			before := pc.get("/e/" + slug) // a form kept open while the last seat goes
			pc.rsvp(slug, "Grace", "grace-"+storetest.Unique()+"@example.org")
			p := pc.get("/e/" + slug)
			wantPage(t, p, http.StatusOK)
			wantText(t, p, "<span class=\"label\">Places:</span> Full</p>", "This event is full.")
			wantNoText(t, p, "<form")
			r := pc.post("/e/"+slug+"/rsvp", url.Values{"_csrf": {before.csrf(t)}, "name": {"Late"}, "email": {"late@example.org"}})
			wantPage(t, r, http.StatusConflict)
			wantText(t, r, "This event is full and has no waitlist.")
			wantNoText(t, r, "<form")
		})
		t.Run("Cancelled", func(t *testing.T) {
			id, slug := pageEvent(te, tok, gid, true, nil)
			p := pc.get("/e/" + slug)
			csrf := p.csrf(t)
			wantStatus(t, te.do("POST", "/api/v1/events/"+id+"/cancel", tok, map[string]any{"reason": "The venue is flooded"}), http.StatusOK)
			p = pc.get("/e/" + slug)
			wantPage(t, p, http.StatusOK)
			wantText(t, p, "This event has been cancelled", "Reason: The venue is flooded", "<h1>Essentials: what you need to know</h1>")
			wantNoText(t, p, "<form", "Add to calendar", "seats left")
			r := pc.post("/e/"+slug+"/rsvp", url.Values{"_csrf": {csrf}, "name": {"Late"}, "email": {"late@example.org"}})
			wantPage(t, r, http.StatusConflict)
			wantText(t, r, "This event has been cancelled.", "Reason: The venue is flooded")
			wantNoText(t, r, "<form")
		})
		t.Run("RSVPsClosed", func(t *testing.T) {
			id, slug := pageEvent(te, tok, gid, true, nil)
			p := pc.get("/e/" + slug)
			csrf := p.csrf(t)
			wantStatus(t, te.do("PATCH", "/api/v1/events/"+id, tok, map[string]any{
				"rsvp_closes_at": te.now().Add(-time.Hour).UTC().Format(time.RFC3339)}), http.StatusOK)
			p = pc.get("/e/" + slug)
			wantPage(t, p, http.StatusOK)
			wantText(t, p, "RSVPs for this event are closed.", "Add to calendar")
			wantNoText(t, p, "<form")
			r := pc.post("/e/"+slug+"/rsvp", url.Values{"_csrf": {csrf}, "name": {"Late"}, "email": {"late@example.org"}})
			wantPage(t, r, http.StatusConflict)
			wantText(t, r, "RSVPs for this event are closed.")
		})
		t.Run("RSVPsNotOpenYet", func(t *testing.T) {
			opens := pageStart.Add(-9*24*time.Hour - 9*time.Hour) // the Sunday before, 09:00 in Oslo
			_, slug := pageEvent(te, tok, gid, true, map[string]any{"rsvp_opens_at": opens})
			p := pc.get("/e/" + slug)
			wantPage(t, p, http.StatusOK)
			wantText(t, p, "RSVPs open "+osloDay(opens)+", 09:00 (Europe/Oslo, CET).")
			wantNoText(t, p, "<form")
		})
		t.Run("Over", func(t *testing.T) {
			_, slug := te.event(tok, gid, 5, true) // a week from now
			storetest.ClockOf(t, db).Advance(30 * 24 * time.Hour)
			p := newPageClient(t, te).get("/e/" + slug)
			wantPage(t, p, http.StatusOK)
			wantText(t, p, "This event is over.")
			wantNoText(t, p, "<form", "Add to calendar", "seats left")
		})
	})
}

// TestPublicPagesHidePrivateData: the event and group pages never show the
// join link or anyone who replied, whatever happens on them.
func TestPublicPagesHidePrivateData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, gslug := pageGroup(te, tok, "Oslo .NET User Group", "")
		u := storetest.Unique()
		joinURL := "https://meet.example.org/room-" + u
		_, slug := pageEvent(te, tok, gid, true, map[string]any{"kind": "live_session", "venue": omit, "online_url": joinURL, "capacity": 3})
		name, email := "Private Person "+u, "private-"+u+"@example.org"
		r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": name, "email": email})
		wantStatus(t, r, http.StatusCreated)
		manage := r.m(t)["manage_token"].(string)

		pc := newPageClient(t, te)
		secrets := []string{joinURL, "room-" + u, name, email, manage}
		event := pc.get("/e/" + slug)
		wantPage(t, event, http.StatusOK)
		wantText(t, event, "<dd>Online</dd>", "2 seats left")
		wantNoText(t, event, secrets...)
		group := pc.get("/g/" + gslug)
		wantPage(t, group, http.StatusOK)
		wantNoText(t, group, secrets...)
		// Nor when the form comes back: with errors, or for an address
		// that has replied.
		bad := pc.post("/e/"+slug+"/rsvp", url.Values{"_csrf": {event.csrf(t)}, "name": {""}, "email": {"x"}})
		wantPage(t, bad, http.StatusUnprocessableEntity)
		wantNoText(t, bad, secrets...)
		again := pc.post("/e/"+slug+"/rsvp", url.Values{"_csrf": {event.csrf(t)}, "name": {"Someone"}, "email": {strings.ToUpper(email)}})
		wantPage(t, again, http.StatusOK)
		wantText(t, again, alreadyReplied)
		wantNoText(t, again, append(secrets, strings.ToUpper(email), "/r/", "You're going", "waitlist at position")...)
	})
}

// TestRSVPFormFlow: reply on the event page, land on your own page, cancel
// with the confirm step, and see the seat come back.
func TestRSVPFormFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, gslug := pageGroup(te, tok, "Oslo .NET User Group", "")
		id, slug := pageEvent(te, tok, gid, true, map[string]any{"capacity": 2})
		u := storetest.Unique()
		pc := newPageClient(t, te)

		grace := pc.rsvp(slug, "Grace Hopper", "grace-"+u+"@example.org")
		p := pc.get("/r/" + grace + "?new=1")
		wantPage(t, p, http.StatusOK)
		wantText(t, p,
			`<div class="notice notice-ok" role="status">`, "You're going.",
			"<a href=\"/e/"+slug+"\">Essentials: what you need to know</a>",
			"Replied as Grace Hopper (grace-"+u+"@example.org)",
			pageWhen, "(Europe/Oslo, CET)", "Community Hall",
			"Add to calendar", "https://calendar.google.com/calendar/render?",
			`href="`+te.srv.URL+`/api/v1/rsvps/`+domain.FeedToken(grace)+`/calendar.ics"`,
			`href="webcal://`+strings.TrimPrefix(te.srv.URL, "http://")+`/api/v1/rsvps/`+domain.FeedToken(grace)+`/calendar.ics"`,
			`href="/r/`+grace+`/cancel">Cancel my RSVP</a>`,
			`<a class="brand" href="/g/`+gslug+`">`,
		)
		// Without ?new=1 the page has no confirmation line.
		plain := pc.get("/r/" + grace)
		wantPage(t, plain, http.StatusOK)
		wantText(t, plain, "You're going")
		wantNoText(t, plain, "notice-ok")

		if going, _ := counts(te, tok, id); going != 1 {
			t.Fatalf("going %d after one RSVP, want 1", going)
		}
		wantText(t, pc.get("/e/"+slug), "1 seat left")
		linus := pc.rsvp(slug, "Linus", "linus-"+u+"@example.org")
		wantText(t, pc.get("/e/"+slug), "Full — waitlist open")
		barbara := pc.rsvp(slug, "Barbara", "barbara-"+u+"@example.org")
		p = pc.get("/r/" + barbara + "?new=1")
		wantPage(t, p, http.StatusOK)
		wantText(t, p, "You're on the waitlist at position 1.", "You're on the waitlist, at position 1")

		t.Run("SameAddressAgain", func(t *testing.T) {
			e := pc.get("/e/" + slug)
			r := pc.post("/e/"+slug+"/rsvp", url.Values{"_csrf": {e.csrf(t)}, "name": {"Mallory"}, "email": {"Grace-" + u + "@Example.org"}})
			wantPage(t, r, http.StatusOK)
			wantText(t, r, alreadyReplied, `<form method="post"`)
			wantNoText(t, r, grace, "Grace Hopper", "Mallory", "@Example.org", "You're going", "/r/")
			if going, waiting := counts(te, tok, id); going != 2 || waiting != 1 {
				t.Fatalf("counts %d/%d after a repeated address, want 2/1", going, waiting)
			}
		})

		t.Run("CancelWithConfirm", func(t *testing.T) {
			confirm := pc.get("/r/" + grace + "/cancel")
			wantPage(t, confirm, http.StatusOK)
			wantText(t, confirm, "Cancel your RSVP?", "You're going to <strong>Essentials: what you need to know</strong>",
				`<form method="post" action="/r/`+grace+`/cancel"`, "Yes, cancel</button>",
				`href="/r/`+grace+`">Keep my place</a>`)
			if rp := confirm.Header.Get("Referrer-Policy"); rp != "no-referrer" {
				t.Errorf("Referrer-Policy %q on the confirm page", rp)
			}
			r := pc.post("/r/"+grace+"/cancel", url.Values{"_csrf": {confirm.csrf(t)}})
			if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/r/"+grace {
				t.Fatalf("cancel: status %d, Location %q; want 303 to /r/{token}", r.Status, r.Header.Get("Location"))
			}
			gone := pc.get("/r/" + grace)
			wantPage(t, gone, http.StatusGone)
			wantText(t, gone, "You cancelled this RSVP", `<a href="/e/`+slug+`">`)
			wantNoText(t, gone, "Yes, cancel")
			wantPage(t, pc.get("/r/"+grace+"/cancel"), http.StatusGone)
			// The seat went to Barbara, first in line.
			wantText(t, pc.get("/r/"+barbara), "You're going")
			wantText(t, pc.get("/e/"+slug), "Full — waitlist open")
			// Cancelling again is harmless.
			r = pc.post("/r/"+grace+"/cancel", url.Values{"_csrf": {confirm.csrf(t)}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("second cancel: status %d", r.Status)
			}
			// Linus cancels: now a seat is back on the event page.
			c := pc.get("/r/" + linus + "/cancel")
			pc.post("/r/"+linus+"/cancel", url.Values{"_csrf": {c.csrf(t)}})
			e := pc.get("/e/" + slug)
			wantText(t, e, "1 seat left", "I'm going</button>")
			if going, waiting := counts(te, tok, id); going != 1 || waiting != 0 {
				t.Fatalf("counts %d/%d after two cancellations, want 1/0", going, waiting)
			}
			// Grace can reply again from the event page.
			again := pc.rsvp(slug, "Grace Hopper", "grace-"+u+"@example.org")
			wantText(t, pc.get("/r/"+again+"?new=1"), "You're going.")
		})
	})
}

// TestRSVPPageJoinLink: the join link of an online event is on the
// attendee's page only while they are going.
func TestRSVPPageJoinLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		joinURL := "https://meet.example.org/room-" + storetest.Unique()
		_, slug := pageEvent(te, tok, gid, true, map[string]any{"kind": "live_session", "venue": omit, "online_url": joinURL, "capacity": 1})
		u := storetest.Unique()
		pc := newPageClient(t, te)
		first := pc.rsvp(slug, "Ada", "ada-"+u+"@example.org")
		second := pc.rsvp(slug, "Bob", "bob-"+u+"@example.org")

		p := pc.get("/r/" + first)
		wantPage(t, p, http.StatusOK)
		// The page links the personal /j/ link, which records attendance
		// and forwards to the meeting; the meeting's own link is not shown.
		wantText(t, p, "You're going", `<a class="button" href="/j/`+domain.JoinTokenOf(first)+`" rel="noopener noreferrer">Join the session</a>`)
		wantNoText(t, p, joinURL)
		w := pc.get("/r/" + second)
		wantPage(t, w, http.StatusOK)
		wantText(t, w, "You're on the waitlist, at position 1", "You will get the join link when you have a place.")
		wantNoText(t, w, joinURL, "room-")

		// When the first cancels, the second is going and gets the link.
		c := pc.get("/r/" + first + "/cancel")
		pc.post("/r/"+first+"/cancel", url.Values{"_csrf": {c.csrf(t)}})
		wantNoText(t, pc.get("/r/"+first), "/j/")
		wantText(t, pc.get("/r/"+second), `href="/j/`+domain.JoinTokenOf(second)+`"`)
	})
}

// TestRSVPFormValidation: errors come back next to the fields, with what
// was typed kept, and nothing is created.
func TestRSVPFormValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		id, slug := pageEvent(te, tok, gid, true, map[string]any{"capacity": 2})
		pc := newPageClient(t, te)
		csrf := pc.get("/e/" + slug).csrf(t)

		p := pc.post("/e/"+slug+"/rsvp", url.Values{"_csrf": {csrf}, "name": {" "}, "email": {"not-an-email"}})
		wantPage(t, p, http.StatusUnprocessableEntity)
		wantText(t, p,
			"Please check the form",
			`<a href="#name">Name is required.</a>`,
			`<a href="#email">E-mail address must be a valid e-mail address like name@example.org.</a>`,
			`<p class="error" id="name-error">Name is required.</p>`,
			`aria-invalid="true" aria-describedby="name-error"`,
			`<p class="error" id="email-error">E-mail address must be a valid e-mail address like name@example.org.</p>`,
			`value="not-an-email" aria-describedby="email-hint email-error" aria-invalid="true"`,
			"2 seats left", `<form method="post"`,
		)
		// What was typed comes back escaped.
		p = pc.post("/e/"+slug+"/rsvp", url.Values{"_csrf": {csrf}, "name": {`Grace "<b>" Hopper`}, "email": {"grace@"}})
		wantPage(t, p, http.StatusUnprocessableEntity)
		if !strings.Contains(p.Body, `value="Grace &#34;&lt;b&gt;&#34; Hopper"`) {
			t.Errorf("the typed name is not kept, escaped:\n%s", p.Body)
		}
		wantNoText(t, p, "Name is required")
		if going, waiting := counts(te, tok, id); going != 0 || waiting != 0 {
			t.Fatalf("counts %d/%d after invalid forms, want 0/0", going, waiting)
		}
		// Fixed, the same form goes through.
		r := pc.post("/e/"+slug+"/rsvp", url.Values{"_csrf": {p.csrf(t)}, "name": {"Grace"}, "email": {"grace-" + storetest.Unique() + "@example.org"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("corrected form: status %d:\n%s", r.Status, r.Body)
		}
	})
}

// TestPageForms CSRF: a form post without the visitor's token, or from
// another site, is refused and changes nothing.
func TestPageFormsCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		id, slug := pageEvent(te, tok, gid, true, map[string]any{"capacity": 2})
		pc := newPageClient(t, te)
		p := pc.get("/e/" + slug)
		csrf := p.csrf(t)

		cookie := p.Header.Get("Set-Cookie")
		for _, want := range []string{"convene_csrf=", "Path=/", "HttpOnly", "SameSite=Strict"} {
			if !strings.Contains(cookie, want) {
				t.Errorf("CSRF cookie %q lacks %s", cookie, want)
			}
		}
		if strings.Contains(cookie, "Secure") {
			t.Errorf("CSRF cookie %q is Secure on an http base URL: browsers would drop it", cookie)
		}

		form := func(token string) url.Values {
			v := url.Values{"name": {"Eve"}, "email": {"eve-" + storetest.Unique() + "@example.org"}}
			if token != "" {
				v.Set("_csrf", token)
			}
			return v
		}
		stranger := newPageClient(t, te) // has no cookie
		for name, r := range map[string]page{
			"NoToken":       pc.post("/e/"+slug+"/rsvp", form("")),
			"WrongToken":    pc.post("/e/"+slug+"/rsvp", form(csrf+"x")),
			"NoCookie":      stranger.post("/e/"+slug+"/rsvp", form(csrf)),
			"CrossSite":     pc.post("/e/"+slug+"/rsvp", form(csrf), "Sec-Fetch-Site", "cross-site"),
			"SameSiteOther": stranger.post("/e/"+slug+"/rsvp", form(csrf), "Sec-Fetch-Site", "same-site"),
		} {
			t.Run(name, func(t *testing.T) {
				wantPage(t, r, http.StatusForbidden)
				wantText(t, r, "This form has expired", "Nothing was changed.", `<a href="/e/`+slug+`">`)
			})
		}
		if going, waiting := counts(te, tok, id); going != 0 || waiting != 0 {
			t.Fatalf("counts %d/%d after refused forms, want 0/0", going, waiting)
		}
		// Browsers that say a post is same-origin are believed (Echo's
		// Fetch Metadata check); this is how they post when the page came
		// without a cookie.
		r := stranger.post("/e/"+slug+"/rsvp", form("_echo_csrf_using_sec_fetch_site_"), "Sec-Fetch-Site", "same-origin")
		if r.Status != http.StatusSeeOther {
			t.Fatalf("same-origin post: status %d", r.Status)
		}

		t.Run("Cancel", func(t *testing.T) {
			manage := pc.rsvp(slug, "Grace", "grace-"+storetest.Unique()+"@example.org")
			wantPage(t, pc.post("/r/"+manage+"/cancel", url.Values{}), http.StatusForbidden)
			wantPage(t, stranger.post("/r/"+manage+"/cancel", url.Values{"_csrf": {csrf}}), http.StatusForbidden)
			wantPage(t, pc.post("/r/"+manage+"/cancel", url.Values{"_csrf": {csrf}}, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
			wantText(t, pc.get("/r/"+manage), "You're going")
		})

		t.Run("SecureCookieOnHTTPS", func(t *testing.T) {
			tls := newTestEnv(t, db, func(c *siteConfig) { c.BaseURL = "https://convene.example" })
			p := newPageClient(t, tls).get("/e/" + slug)
			cookie := p.Header.Get("Set-Cookie")
			for _, want := range []string{"__Host-convene_csrf=", "Path=/", "HttpOnly", "SameSite=Strict", "Secure"} {
				if !strings.Contains(cookie, want) {
					t.Errorf("CSRF cookie %q lacks %s", cookie, want)
				}
			}
		})
	})
}

// TestPagesNotFound: unknown slugs and tokens get a friendly HTML page;
// the JSON API and unknown paths keep their problem documents.
func TestPagesNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		pc := newPageClient(t, te)
		unknownToken := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		for path, want := range map[string]string{
			"/e/no-such-event":               "We can't find that event",
			"/e/Not_A_Slug":                  "We can't find that event",
			"/g/no-such-group":               "We can't find that group",
			"/g/Not_A_Slug":                  "We can't find that group",
			"/r/" + unknownToken:             "We can't find that RSVP",
			"/r/short":                       "We can't find that RSVP",
			"/r/" + unknownToken + "/cancel": "We can't find that RSVP",
		} {
			p := pc.get(path)
			wantPage(t, p, http.StatusNotFound)
			wantText(t, p, want, "<h1>")
			if strings.HasPrefix(path, "/r/") && (p.Header.Get("Cache-Control") != "no-store" || p.Header.Get("Referrer-Policy") != "no-referrer") {
				t.Errorf("%s: Cache-Control %q, Referrer-Policy %q", path, p.Header.Get("Cache-Control"), p.Header.Get("Referrer-Policy"))
			}
		}
		// Forms sent to unknown events and RSVPs (past the CSRF check, as
		// a browser's same-origin post) are 404 too.
		for _, path := range []string{"/e/no-such-event/rsvp", "/r/" + unknownToken + "/cancel"} {
			p := pc.post(path, url.Values{"name": {"Grace"}, "email": {"grace@example.org"}}, "Sec-Fetch-Site", "same-origin")
			wantPage(t, p, http.StatusNotFound)
			wantText(t, p, "We can't find that")
		}
		for _, path := range []string{"/api/v1/public/events/no-such-event", "/nowhere", "/e", "/e/a/b"} {
			r := te.do("GET", path, "", nil)
			if r.Status != http.StatusNotFound || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("GET %s: %d %q, want a 404 problem document", path, r.Status, r.Header.Get("Content-Type"))
			}
		}
	})
}

// TestPagesEscapeUserText: whatever organisers and attendees type is shown
// as text, never run as markup.
func TestPagesEscapeUserText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, gslug := pageGroup(te, tok, `<b>Hack</b> "Group" & Co`, `<img src=x onerror=alert(2)>`)
		_, slug := pageEvent(te, tok, gid, true, map[string]any{
			"title":       "<script>alert(1)</script>",
			"description": "<img src=x onerror=alert(3)>\n\n<a href=\"javascript:alert(4)\">click</a>",
			"venue":       map[string]any{"name": "<iframe src=//evil.example>", "address": "'><svg onload=alert(5)>"},
		})
		pc := newPageClient(t, te)
		manage := pc.rsvp(slug, "<script>alert(6)</script>", "hostile-"+storetest.Unique()+"@example.org")
		for _, path := range []string{"/e/" + slug, "/g/" + gslug, "/r/" + manage + "?new=1", "/r/" + manage + "/cancel"} {
			p := pc.get(path)
			wantPage(t, p, http.StatusOK) // no <script, no on…= attributes, no javascript:
			// "<svg onload", not "<svg": the RSVP page draws the check-in
			// QR code as an svg of its own.
			for _, raw := range []string{"<b>Hack", "<img", "<iframe", "<svg onload", "<a href=\"javascript"} {
				if strings.Contains(p.Body, raw) {
					t.Errorf("%s: %q appears unescaped", path, raw)
				}
			}
			if path != "/g/"+gslug && !strings.Contains(p.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("%s: the title is not shown escaped:\n%s", path, p.Body)
			}
		}
		p := pc.get("/e/" + slug)
		wantText(t, p, `<meta property="og:title" content="<script>alert(1)</script>">`) // decoded view of the escaped attribute
		if !strings.Contains(p.Body, `<meta property="og:title" content="&lt;script&gt;alert(1)&lt;/script&gt;">`) {
			t.Errorf("og:title is not escaped:\n%s", p.Body)
		}
		if !strings.Contains(pc.get("/r/"+manage).Body, "Replied as &lt;script&gt;alert(6)&lt;/script&gt;") {
			t.Errorf("the attendee's name is not escaped on their page")
		}
	})
}

// TestGroupPage: upcoming and past events, the feed, and nothing that is
// not published.
func TestGroupPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, gslug := pageGroup(te, tok, "Oslo .NET User Group", "We meet monthly.\n\nEveryone is welcome.")
		clock := storetest.ClockOf(t, db)
		now := clock.Now().UTC().Truncate(time.Minute)
		at := func(days int) map[string]any {
			start := now.Add(time.Duration(days) * 24 * time.Hour)
			return map[string]any{"starts_at": start, "ends_at": start.Add(2 * time.Hour)}
		}
		with := func(m map[string]any, k string, v any) map[string]any { m[k] = v; return m }
		_, past := pageEvent(te, tok, gid, true, with(at(7), "title", "Past meetup"))
		_, soon := pageEvent(te, tok, gid, true, with(at(30), "title", "Next meetup"))
		_, later := pageEvent(te, tok, gid, true, with(at(60), "title", "Later meetup"))
		cid, cancelled := pageEvent(te, tok, gid, true, with(at(40), "title", "Called-off meetup"))
		wantStatus(t, te.do("POST", "/api/v1/events/"+cid+"/cancel", tok, map[string]any{"reason": "Snow"}), http.StatusOK)
		pageEvent(te, tok, gid, false, with(at(50), "title", "Draft meetup"))

		// Ten days from now, the first event is past.
		clock.Set(now.Add(10 * 24 * time.Hour))
		ten := te
		pc := newPageClient(t, ten)
		p := pc.get("/g/" + gslug)
		wantPage(t, p, http.StatusOK)
		if cc := p.Header.Get("Cache-Control"); cc != "public, max-age=60" {
			t.Errorf("Cache-Control %q, want public, max-age=60", cc)
		}
		wantText(t, p, "<h1>Oslo .NET User Group</h1>", "<p>We meet monthly.</p>", "<p>Everyone is welcome.</p>",
			`<a class="event-title" href="/e/`+cancelled+`">Called-off meetup</a> <span class="tag">Cancelled</span>`,
			`href="`+ten.srv.URL+`/api/v1/public/groups/`+gslug+`/calendar.ics"`,
			`href="webcal://`+strings.TrimPrefix(ten.srv.URL, "http://")+`/api/v1/public/groups/`+gslug+`/calendar.ics"`,
			`<meta property="og:url" content="`+ten.srv.URL+`/g/`+gslug+`">`,
			"(Europe/Oslo, C", // CET or CEST, depending on the season
		)
		wantNoText(t, p, "Draft meetup")
		body := p.Body
		order := []string{"Upcoming events", "/e/" + soon + `"`, "/e/" + cancelled + `"`, "/e/" + later + `"`, "Past events", "/e/" + past + `"`, "Subscribe"}
		last := -1
		for _, s := range order {
			i := strings.Index(body, s)
			if i < 0 || i < last {
				t.Fatalf("the group page does not list, in order, %q:\n%s", order, body)
			}
			last = i
		}

		// Today nothing is past: no past section.
		clock.Reset()
		p = newPageClient(t, te).get("/g/" + gslug)
		wantPage(t, p, http.StatusOK)
		wantNoText(t, p, "Past events")
		wantText(t, p, "Past meetup")
	})
}

// TestPageHeaders: every page carries the CSP and the hardening headers;
// pages with a token in their address are neither stored nor sent on as a
// referrer.
func TestPageHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, gslug := pageGroup(te, tok, "Oslo .NET User Group", "")
		_, slug := pageEvent(te, tok, gid, true, nil)
		pc := newPageClient(t, te)
		manage := pc.rsvp(slug, "Grace", "grace-"+storetest.Unique()+"@example.org")
		for _, c := range []struct {
			path   string
			status int
			token  bool
		}{
			{"/e/" + slug, 200, false},
			{"/g/" + gslug, 200, false},
			{"/r/" + manage, 200, true},
			{"/r/" + manage + "?new=1", 200, true},
			{"/r/" + manage + "/cancel", 200, true},
			{"/e/nothing-here", 404, false},
			{"/r/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 404, true},
			{"POST /r/" + manage + "/cancel", 403, true}, // refused before the handler runs
		} {
			var p page
			if path, ok := strings.CutPrefix(c.path, "POST "); ok {
				p = pc.post(path, url.Values{"_csrf": {"forged"}})
			} else {
				p = pc.get(c.path)
			}
			wantPage(t, p, c.status)
			csp := p.Header.Get("Content-Security-Policy")
			for _, d := range strings.Split(csp, ";") {
				if d = strings.TrimSpace(d); strings.HasPrefix(d, "script-src") && strings.Contains(d, "unsafe-inline") {
					t.Errorf("%s: script-src allows inline scripts: %s", c.path, d)
				}
			}
			if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "form-action 'self'") {
				t.Errorf("%s: CSP %q", c.path, csp)
			}
			if rp := p.Header.Get("Referrer-Policy"); rp != "no-referrer" {
				t.Errorf("%s: Referrer-Policy %q, want no-referrer", c.path, rp)
			}
			if c.token {
				if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("%s: Cache-Control %q, want no-store", c.path, cc)
				}
				wantText(t, p, `<meta name="robots" content="noindex, nofollow">`)
				if xr := p.Header.Get("X-Robots-Tag"); xr != "noindex, nofollow" {
					t.Errorf("%s: X-Robots-Tag %q", c.path, xr)
				}
			}
		}
	})
}

// TestPageFormsRateLimit: the form posts are limited like the API's.
func TestPageFormsRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db, func(c *siteConfig) { c.RSVPRatePerMinute = 2 })
		_, tok := te.organiser("Ada")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		id, slug := pageEvent(te, tok, gid, true, nil)
		pc := newPageClient(t, te)
		pc.rsvp(slug, "One", "one-"+storetest.Unique()+"@example.org")
		pc.rsvp(slug, "Two", "two-"+storetest.Unique()+"@example.org")
		p := pc.get("/e/" + slug) // reading is not limited
		r := pc.post("/e/"+slug+"/rsvp", url.Values{"_csrf": {p.csrf(t)}, "name": {"Three"}, "email": {"three@example.org"}})
		wantPage(t, r, http.StatusTooManyRequests)
		wantText(t, r, "Too many tries")
		if r.Header.Get("Retry-After") != "30" {
			t.Errorf("Retry-After %q, want 30", r.Header.Get("Retry-After"))
		}
		if going, _ := counts(te, tok, id); going != 2 {
			t.Fatalf("going %d, want 2", going)
		}
	})
}

// TestPageLogs: the request log names route patterns, never a token, a
// name or an address.
func TestPageLogs(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	var logs syncBuf
	te := newTestEnv(t, db, func(c *siteConfig) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	_, tok := te.organiser("Ada")
	gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
	_, slug := pageEvent(te, tok, gid, true, nil)
	pc := newPageClient(t, te)
	manage := pc.rsvp(slug, "Secret Person", "secret.person@example.org")
	pc.get("/r/" + manage + "?new=1")
	c := pc.get("/r/" + manage + "/cancel")
	pc.post("/r/"+manage+"/cancel", url.Values{"_csrf": {c.csrf(t)}})
	pc.get("/r/" + manage)
	pc.post("/r/"+manage+"/cancel", url.Values{"_csrf": {"forged"}})
	// The pages behind e-mailed links: an invitation, a confirmation, an
	// erasure.
	id2, slug2 := pageEvent(te, tok, gid, true, map[string]any{"rsvp_confirmation": "email"})
	wantStatus(t, te.do("POST", "/api/v1/events/"+id2+"/invitations", tok, map[string]any{
		"recipients": []map[string]any{{"email": "invited.person@example.org", "name": "Invited Person"}}}), http.StatusCreated)
	invite := te.invitationLink(t, tok, id2, "invited.person@example.org")
	ip := pc.get("/i/" + invite)
	pc.post("/i/"+invite+"/accept", url.Values{"_csrf": {ip.csrf(t)}, "name": {"Invited Person"}})
	e2 := pc.get("/e/" + slug2)
	pc.post("/e/"+slug2+"/rsvp", url.Values{"_csrf": {e2.csrf(t)}, "name": {"Pending Person"}, "email": {"pending.person@example.org"}})
	confirm := te.confirmLink(t, "pending.person@example.org")
	cp := pc.get("/c/" + confirm)
	pc.post("/c/"+confirm, url.Values{"_csrf": {cp.csrf(t)}})
	ep := pc.get("/r/" + manage + "/erase")
	pc.post("/r/"+manage+"/erase", url.Values{"_csrf": {ep.csrf(t)}})
	out := logs.String()
	for _, s := range []string{manage, c.csrf(t), "Secret Person", "secret.person", slug, invite, confirm,
		"Invited Person", "invited.person", "Pending Person", "pending.person"} {
		if strings.Contains(out, s) {
			t.Fatalf("logs contain %q:\n%s", s, out)
		}
	}
	for _, route := range []string{`"route":"/e/:slug/rsvp"`, `"route":"/r/:token"`, `"route":"/r/:token/cancel"`,
		`"route":"/i/:token/accept"`, `"route":"/c/:token"`, `"route":"/r/:token/erase"`} {
		if !strings.Contains(out, route) {
			t.Errorf("logs do not name %s:\n%s", route, out)
		}
	}
}
