package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// access is who may use a console route.
type access int

const (
	// anyone: the ways in.
	anyone access = iota
	// signedIn: any organiser with a session; the route names no object
	// of anyone else's.
	signedIn
	// self: the signed-in organiser's own things (their sessions, their
	// tokens); anyone else's are "not found".
	self
	// member: a group's things, for its organisers; other organisers
	// get "not found".
	member
	// owner: a group's things only its owners change; its other
	// organisers get "forbidden", everyone else "not found".
	owner
)

// consoleFixture is a world each route is tried in afresh: a group with
// its owner and a co-organiser, an organiser of another group, and the
// things the routes name.
type consoleFixture struct {
	ce                 *consoleEnv
	owner, co, outside domain.Organiser
	group              domain.Group
	event              domain.Event
	// params are the path parameters of the routes, by name.
	params map[string]string
}

func newConsoleFixture(t *testing.T, ce *consoleEnv) *consoleFixture {
	f := &consoleFixture{ce: ce}
	f.owner, f.co, f.outside = ce.organiser("Owner"), ce.organiser("Co"), ce.organiser("Outsider")
	f.group = ce.group(f.owner, "Oslo Gophers")
	ce.group(f.outside, "Bergen Rustaceans")
	if _, _, err := ce.db.AddMember(ctx, f.owner.ID, f.group.ID, f.co.Email, "Co", domain.RoleOrganiser); err != nil {
		t.Fatal(err)
	}
	// A member to remove, a session and a token of the owner's to end.
	extra := ce.organiser("Extra")
	if _, _, err := ce.db.AddMember(ctx, f.owner.ID, f.group.ID, extra.Email, "Extra", domain.RoleOrganiser); err != nil {
		t.Fatal(err)
	}
	other := ce.browser()
	other.signIn(f.owner)
	sessions, err := ce.db.ListSessions(ctx, f.owner.ID)
	if err != nil || len(sessions) != 1 {
		t.Fatalf("sessions: %v %v", sessions, err)
	}
	tok, _, err := ce.db.CreateAPIToken(ctx, f.owner.ID, "script", nil)
	if err != nil {
		t.Fatal(err)
	}
	f.params = map[string]string{
		"group_id": f.group.ID, "organiser_id": extra.ID, "session_id": sessions[0].ID, "token_id": tok.ID,
		"token": "not-a-real-token-but-long-enough-0123456789",
	}
	// A published event of the group, a fortnight away: it can be edited,
	// published (again, harmlessly), cancelled and duplicated.
	f.event = consoleFixtureEvent(t, ce, f.owner, f.group)
	f.params["event_id"] = f.event.ID
	// A passkey of the owner's to rename and remove.
	pk, err := ce.db.AddPasskey(ctx, f.owner.ID, "Phone", []byte("cred-"+storetest.Unique()), []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	f.params["passkey_id"] = pk.ID
	f.addDoorAndSeries(t)
	f.addPeople(t)
	return f
}

// consoleRoute is one console route and how to try it.
type consoleRoute struct {
	method, path string
	access       access
	// form is what a person would fill in; ok is the status of a use
	// that is allowed (a page 200, a form 303 to the next page).
	form url.Values
	ok   int
	// on names, for a parameter, the fixture's value to use instead of
	// the one by the parameter's name: the people routes use an RSVP in
	// line, the door routes one that is going.
	on map[string]string
}

// consoleRoutesTable is every console route. A route missing here fails
// TestConsoleAccess: say who may use it.
var consoleRoutesTable = []consoleRoute{
	{method: "GET", path: "/manage/sign-in", access: anyone, ok: 200},
	{method: "POST", path: "/manage/sign-in", access: anyone, ok: 200, form: url.Values{"email": {"someone@example.org"}}},
	// An unknown link: the same for everyone.
	{method: "GET", path: "/manage/sign-in/:token", access: anyone, ok: 410},
	{method: "POST", path: "/manage/sign-in/:token", access: anyone, ok: 410},
	{method: "POST", path: "/manage/sign-out", access: signedIn, ok: 303},
	{method: "GET", path: "/manage", access: signedIn, ok: 200},
	{method: "GET", path: "/manage/", access: signedIn, ok: 200},
	{method: "GET", path: "/manage/account", access: signedIn, ok: 200},
	{method: "POST", path: "/manage/account/sign-out-everywhere", access: signedIn, ok: 303},
	{method: "POST", path: "/manage/account/sessions/:session_id/end", access: self, ok: 303},
	{method: "POST", path: "/manage/account/tokens", access: signedIn, ok: 201, form: url.Values{"name": {"sync"}}},
	{method: "POST", path: "/manage/account/tokens/:token_id/revoke", access: self, ok: 303},
	{method: "GET", path: "/manage/groups/new", access: signedIn, ok: 200},
	{method: "POST", path: "/manage/groups", access: signedIn, ok: 303,
		form: url.Values{"name": {"Trondheim Gophers"}, "time_zone": {"Europe/Oslo"}}},
	{method: "GET", path: "/manage/groups/:group_id", access: member, ok: 200},
	{method: "GET", path: "/manage/groups/:group_id/settings", access: member, ok: 200},
	{method: "POST", path: "/manage/groups/:group_id/settings", access: owner, ok: 303,
		form: url.Values{"name": {"Oslo Gophers"}, "slug": {"oslo-gophers-" + storetest.Unique()}, "time_zone": {"Europe/Oslo"}}},
	{method: "GET", path: "/manage/groups/:group_id/members", access: member, ok: 200},
	{method: "POST", path: "/manage/groups/:group_id/members", access: owner, ok: 303,
		form: url.Values{"email": {"new-co@example.org"}, "role": {"organiser"}}},
	{method: "POST", path: "/manage/groups/:group_id/members/:organiser_id/remove", access: owner, ok: 303},
	{method: "POST", path: "/manage/groups/:group_id/members/:organiser_id/role", access: owner, ok: 303, form: url.Values{"role": {"owner"}}},
	{method: "GET", path: "/manage/groups/:group_id/events/new", access: member, ok: 200},
	{method: "POST", path: "/manage/groups/:group_id/events", access: member, ok: 303, form: consoleEventForm("Gophers and gløgg")},
	{method: "GET", path: "/manage/events/:event_id", access: member, ok: 200},
	{method: "GET", path: "/manage/events/:event_id/edit", access: member, ok: 200},
	{method: "POST", path: "/manage/events/:event_id/edit", access: member, ok: 303, form: consoleEventForm("Gophers and gløgg, again")},
	{method: "POST", path: "/manage/events/:event_id/publish", access: member, ok: 303},
	{method: "GET", path: "/manage/events/:event_id/cancel", access: member, ok: 200},
	{method: "POST", path: "/manage/events/:event_id/cancel", access: member, ok: 303, form: url.Values{"reason": {"The venue flooded."}}},
	{method: "POST", path: "/manage/events/:event_id/duplicate", access: member, ok: 303, form: url.Values{"date": {"2099-01-15"}}},
	// Passkeys: a ceremony's begin answers options (JSON); its finish
	// without a ceremony under way is refused as gone.
	{method: "POST", path: "/manage/sign-in/passkey/begin", access: anyone, ok: 200},
	{method: "POST", path: "/manage/sign-in/passkey/finish", access: anyone, ok: 410},
	{method: "POST", path: "/manage/account/passkeys/begin", access: signedIn, ok: 200, form: url.Values{"name": {"Work laptop"}}},
	{method: "POST", path: "/manage/account/passkeys/finish", access: signedIn, ok: 410},
	{method: "POST", path: "/manage/account/passkeys/:passkey_id/rename", access: self, ok: 303, form: url.Values{"name": {"Old phone"}}},
	{method: "POST", path: "/manage/account/passkeys/:passkey_id/remove", access: self, ok: 303},
	{method: "GET", path: "/manage/events/:event_id/door", access: member, ok: 200},
	{method: "POST", path: "/manage/events/:event_id/door/people/:rsvp_id/check-in", access: member, ok: 303},
	{method: "POST", path: "/manage/events/:event_id/door/people/:rsvp_id/undo", access: member, ok: 303},
	{method: "POST", path: "/manage/events/:event_id/door/walk-ins", access: member, ok: 303,
		form: url.Values{"name": {"Walk In"}, "email": {"walk-in@example.org"}}},
	{method: "POST", path: "/manage/events/:event_id/door/links", access: member, ok: 201, form: url.Values{"label": {"Front desk"}}},
	{method: "POST", path: "/manage/events/:event_id/door/links/:link_id/revoke", access: member, ok: 303},
	{method: "GET", path: "/manage/groups/:group_id/series", access: member, ok: 200},
	{method: "GET", path: "/manage/groups/:group_id/series/new", access: member, ok: 200},
	{method: "POST", path: "/manage/groups/:group_id/series/new", access: member, ok: 200, form: seriesPreviewForm},
	{method: "GET", path: "/manage/series/:series_id", access: member, ok: 200},
	{method: "GET", path: "/manage/series/:series_id/edit", access: member, ok: 200},
	{method: "POST", path: "/manage/series/:series_id/edit", access: member, ok: 200, form: seriesPreviewForm},
	{method: "POST", path: "/manage/series/:series_id/dates/:occurrence_id/cancel", access: member, ok: 303},
	{method: "POST", path: "/manage/series/:series_id/dates/:occurrence_id/move", access: member, ok: 303,
		form: url.Values{"starts": {fixtureMoveTo}}},
	{method: "GET", path: "/manage/groups/:group_id/evidence", access: member, ok: 200},
	{method: "GET", path: "/manage/groups/:group_id/evidence.csv", access: member, ok: 200},
	{method: "GET", path: "/manage/groups/:group_id/evidence.json", access: member, ok: 200},
	// An event's people, invitations and e-mail (console_people.go): any
	// organiser of the group. Each change done twice is harmless, so the
	// owner's try after the co-organiser's gets the same answer.
	{method: "GET", path: "/manage/events/:event_id/people", access: member, on: peopleParams, ok: 200},
	{method: "GET", path: "/manage/events/:event_id/people.csv", access: member, on: peopleParams, ok: 200},
	{method: "POST", path: "/manage/events/:event_id/people/:rsvp_id/seat", access: member, on: peopleParams, ok: 303, form: url.Values{"add_seat": {"1"}}},
	{method: "POST", path: "/manage/events/:event_id/people/:rsvp_id/remove", access: member, on: peopleParams, ok: 303},
	{method: "GET", path: "/manage/events/:event_id/people/:rsvp_id/erase", access: member, on: peopleParams, ok: 200},
	{method: "POST", path: "/manage/events/:event_id/people/:rsvp_id/erase", access: member, on: peopleParams, ok: 303},
	{method: "GET", path: "/manage/events/:event_id/invitations", access: member, on: peopleParams, ok: 200},
	{method: "POST", path: "/manage/events/:event_id/invitations", access: member, on: peopleParams, ok: 303, form: url.Values{"people": {"Guest <guest@example.org>"}}},
	{method: "GET", path: "/manage/events/:event_id/email", access: member, on: peopleParams, ok: 200},
	{method: "POST", path: "/manage/events/:event_id/email/:delivery_id/retry", access: member, on: peopleParams, ok: 303},
}

// peopleParams: the people, invitations and e-mail routes use the
// fixture's event with one seat taken and one person in line.
var peopleParams = map[string]string{"event_id": "people_event_id", "rsvp_id": "people_rsvp_id"}

// consoleEventForm is the event form as a person fills it in: a meetup
// in Oslo on a date far enough ahead for any test clock.
func consoleEventForm(title string) url.Values {
	return url.Values{"title": {title}, "kind": {"meetup"}, "time_zone": {"Europe/Oslo"},
		"starts_at": {"2099-01-08T18:30"}, "ends_at": {"2099-01-08T21:00"}, "venue_name": {"Kulturhuset"},
		"venue_address": {"Youngs gate 6, Oslo"}, "capacity": {"40"}, "waitlist": {"on"}}
}

// consoleFixtureEvent makes a published meetup of the group, a fortnight
// after the store's now.
func consoleFixtureEvent(t *testing.T, ce *consoleEnv, owner domain.Organiser, g domain.Group) domain.Event {
	t.Helper()
	start := ce.db.Clock().Now().Add(14 * 24 * time.Hour).Truncate(time.Minute)
	e, err := ce.db.CreateEvent(ctx, owner.ID, g.ID, domain.Event{Title: "Fixture meetup", Kind: domain.KindMeetup,
		StartsAt: start, EndsAt: start.Add(2 * time.Hour), Venue: &domain.Venue{Name: "Kulturhuset", Address: "Youngs gate 6"}, Waitlist: true})
	if err != nil {
		t.Fatal(err)
	}
	if e, err = ce.db.PublishEvent(ctx, owner.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	return e
}

// fill puts the fixture's ids in a route path.
func (f *consoleFixture) fill(t *testing.T, r consoleRoute) string {
	path := r.path
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if name, ok := strings.CutPrefix(p, ":"); ok {
			if other, ok := r.on[name]; ok {
				name = other
			}
			v, ok := f.params[name]
			if !ok {
				t.Fatalf("no value for %s in %s", name, path)
			}
			parts[i] = url.PathEscape(v)
		}
	}
	return strings.Join(parts, "/")
}

// TestConsoleAccess tries every console route as nobody, as an organiser
// of another group, as a co-organiser and as the owner: the answer is
// what the route's access says, the same rule as the JSON API's (another
// group's things are "not found", owner-only changes "forbidden"). It
// also fails when a route is not in consoleRoutesTable.
func TestConsoleAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// A domain name, not 127.0.0.1: the passkey routes need one.
		ce := newConsoleEnv(t, db, "http://localhost")
		var registered []string
		for _, r := range ce.web.Echo().Routes() {
			if strings.HasPrefix(r.Path, consolePrefix) && r.Method != echo.RouteNotFound {
				registered = append(registered, r.Method+" "+r.Path)
			}
		}
		var listed []string
		for _, r := range consoleRoutesTable {
			listed = append(listed, r.method+" "+r.path)
		}
		slices.Sort(registered)
		slices.Sort(listed)
		for _, r := range registered {
			if !slices.Contains(listed, r) {
				t.Errorf("console route %s is not in consoleRoutesTable: say who may use it", r)
			}
		}
		for _, r := range listed {
			if !slices.Contains(registered, r) {
				t.Errorf("consoleRoutesTable lists %s, which is not a route", r)
			}
		}
		for _, r := range consoleRoutesTable {
			t.Run(r.method+" "+r.path, func(t *testing.T) {
				tryRoute(t, ce, r)
			})
		}
	})
}

func tryRoute(t *testing.T, ce *consoleEnv, r consoleRoute) {
	f := newConsoleFixture(t, ce)
	path := f.fill(t, r)
	send := func(b *browser) page {
		if r.method == http.MethodGet {
			return b.get(path)
		}
		return b.post(path, r.form)
	}
	// Nobody: a page leads to signing in (and back), a form is refused.
	anon := send(ce.browser())
	switch {
	case r.access == anyone:
		if anon.Status != r.ok {
			t.Errorf("signed out: %d, want %d", anon.Status, r.ok)
		}
		return
	case r.method == http.MethodGet:
		if anon.Status != http.StatusSeeOther || !strings.HasPrefix(anon.Location, "/manage/sign-in?next=") {
			t.Errorf("signed out: %d to %q, want 303 to the sign-in page", anon.Status, anon.Location)
		}
	default:
		if anon.Status != http.StatusUnauthorized || !strings.Contains(anon.Body, "You are signed out") {
			t.Errorf("signed out: %d, want 401 with a page that says so", anon.Status)
		}
	}
	as := func(o domain.Organiser) page {
		b := ce.browser()
		b.signIn(o)
		return send(b)
	}
	want := func(who string, got page, status int) {
		t.Helper()
		if got.Status != status {
			t.Errorf("as %s: %d, want %d\n%s", who, got.Status, status, got.text())
		}
	}
	switch r.access {
	case signedIn:
		want("an outsider", as(f.outside), r.ok)
	case self:
		want("an outsider", as(f.outside), http.StatusNotFound)
		want("a co-organiser", as(f.co), http.StatusNotFound)
	case member:
		want("an outsider", as(f.outside), http.StatusNotFound)
		want("a co-organiser", as(f.co), r.ok)
	case owner:
		want("an outsider", as(f.outside), http.StatusNotFound)
		want("a co-organiser", as(f.co), http.StatusForbidden)
	}
	if r.access != signedIn {
		want("the owner", as(f.owner), r.ok)
	}
}

// TestConsoleCSRF: every console form sent without its CSRF token, or from
// another site, is refused (403, "This form has expired") and changes
// nothing the next page shows.
func TestConsoleCSRF(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ce := newConsoleEnv(t, db)
	for _, r := range consoleRoutesTable {
		if r.method != http.MethodPost {
			continue
		}
		t.Run(r.path, func(t *testing.T) {
			f := newConsoleFixture(t, ce)
			b := ce.browser()
			b.signIn(f.owner)
			path := f.fill(t, r)
			before := b.get("/manage/account").text() + b.get("/manage/groups/"+f.group.ID+"/members").text()
			form := url.Values{}
			for k, v := range r.form {
				form[k] = v
			}
			if p := b.postRaw(path, form); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "This form has expired") {
				t.Errorf("without a token: %d", p.Status)
			}
			form.Set("_csrf", "x"+b.csrf)
			if p := b.postRaw(path, form); p.Status != http.StatusForbidden {
				t.Errorf("with a wrong token: %d", p.Status)
			}
			form.Set("_csrf", b.csrf)
			req, _ := http.NewRequest(http.MethodPost, ce.base+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			if p := b.do(req); p.Status != http.StatusForbidden {
				t.Errorf("from another site: %d", p.Status)
			}
			after := b.get("/manage/account").text() + b.get("/manage/groups/"+f.group.ID+"/members").text()
			if after != before {
				t.Errorf("a refused form changed what the pages show")
			}
		})
	}
}
