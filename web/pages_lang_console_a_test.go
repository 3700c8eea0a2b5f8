package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// The console's ways in, the account page, the home page and a group's
// pages, in each of their states (TestPagesEveryLanguage), with
// organisers' words in Greek.

// consoleStateMeta is the frame of a console page in a state: signed in
// as Άννα unless who is "".
func consoleStateMeta(title, who string) consoleMeta {
	return consoleMeta{Title: title, CSS: "/static/convene.css", Icon: "/static/favicon.svg", Who: who, CSRF: "x"}
}

// stateGroup is the group of the console's states.
var stateGroup = domain.Group{ID: "g1", Name: "Ομάδα", Slug: "42", TimeZone: "Europe/Oslo"}

const stateEmail = "άννα@παράδειγμα.ελ"

// stateEvents are a group's events in each of their states in a list.
func stateEvents(l *i18n.Lang) []consoleEvent {
	oslo, _ := time.LoadLocation("Europe/Oslo")
	start := time.Date(2026, 12, 15, 18, 0, 0, 0, oslo)
	one, twenty := 1, 20
	s := &Server{}
	var out []consoleEvent
	for _, e := range []domain.Event{
		{ID: "e1", Title: "Συνάντηση", Status: domain.EventPublished, StartsAt: start, EndsAt: start.Add(2 * time.Hour), TimeZone: "Europe/Oslo", Capacity: &twenty, GoingCount: 17, WaitlistCount: 0},
		{ID: "e2", Title: "Πρόχειρο", Status: domain.EventDraft, StartsAt: start, EndsAt: start.Add(26 * time.Hour), TimeZone: "Europe/Oslo"},
		{ID: "e3", Title: "Ακυρωμένη", Status: domain.EventCancelled, StartsAt: start, EndsAt: start.Add(time.Hour), TimeZone: "Europe/Oslo", Capacity: &one, GoingCount: 1, WaitlistCount: 2},
		{ID: "e4", Title: "Γεμάτη", Status: domain.EventPublished, StartsAt: start, EndsAt: start.Add(time.Hour), TimeZone: "Europe/Oslo", Capacity: &twenty, GoingCount: 19, WaitlistCount: 4},
	} {
		out = append(out, s.consoleEvent(e, stateGroup, l))
	}
	return out
}

// someFieldErrors are errors of the fields named, as formErrors says
// them.
func someFieldErrors(l *i18n.Lang, add func(v *domain.Validation)) map[string]string {
	var v domain.Validation
	add(&v)
	out, err := formErrors(l, v.Err())
	if err != nil || len(out) == 0 {
		panic("no field errors")
	}
	return out
}

func init() {
	pageStates["console/signin"] = func(l *i18n.Lang) map[string]pageState {
		title := l.T("console.signin.title")
		out := map[string]pageState{}
		out["form"] = pageState{data: signInData{Meta: consoleStateMeta(title, ""), Next: "/manage/"}}
		withKeys := signInData{Meta: consoleStateMeta(title, ""), Next: "/manage/", Passkeys: true}
		withKeys.Meta.Script = "/static/passkeys.js"
		out["form with passkeys"] = pageState{data: withKeys, want: []string{`data-say-refused="`}}
		bad := signInData{Meta: consoleStateMeta(title, ""), Email: "άννα"}
		bad.Error = someFieldErrors(l, func(v *domain.Validation) {
			v.Add("email", "must be a valid e-mail address like name@example.org")
		})["email"]
		out["error"] = pageState{data: bad, want: []string{`aria-invalid="true"`}}
		out["sent"] = pageState{data: signInData{Meta: consoleStateMeta(l.T("console.signin.sent.title"), ""), Email: stateEmail, Sent: true,
			Minute: int(domain.SignInLinkLifetime.Minutes())}, want: []string{"<strong>" + stateEmail + "</strong>"}}
		for _, key := range []string{"signed-out", "signed-out-all"} {
			d := signInData{Meta: consoleStateMeta(title, "")}
			d.Meta.Notice = consoleNotice(l, key)
			out["notice "+key] = pageState{data: d}
		}
		// The passkey ceremonies' refusals, which the error page shows
		// (and the script, from it, on this page).
		if domain.ErrorMessage(passkeyInvalid(l)) == "" || domain.ErrorMessage(ceremonyGone(l)) == "" {
			panic("a passkey refusal without words")
		}
		return out
	}
	pageStates["console/signin_link"] = func(l *i18n.Lang) map[string]pageState {
		return map[string]pageState{"button": {data: signInLinkData{Meta: consoleStateMeta(l.T("console.signin.link.title"), ""),
			Email: stateEmail, Action: "/manage/sign-in/x"}, want: []string{"<strong>" + stateEmail + "</strong>"}}}
	}
	pageStates["console/account"] = func(l *i18n.Lang) map[string]pageState {
		at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		base := func() accountData {
			d := accountData{Meta: consoleStateMeta(l.T("console.account.title"), "Άννα"), Email: stateEmail, NameMax: domain.PasskeyNameMax,
				Sessions: []browserSession{{ID: "s1", Browser: browserText(l, "Φαϊρφοξ on Λίνουξ"), Method: l.T("console.account.session.by-link"),
					Since: consoleTime(l, at), LastSeen: consoleTime(l, at), Current: true}}}
			d.Meta.Section = "account"
			d.Meta.Script = "/static/passkeys.js"
			return d
		}
		out := map[string]pageState{}
		out["nothing yet"] = pageState{data: base(), want: []string{`data-say-exists="`}}
		full := base()
		full.Sessions = append(full.Sessions,
			browserSession{ID: "s2", Browser: browserText(l, "A browser on Ιος"), Method: l.T("console.account.session.by-passkey"), Since: consoleTime(l, at), LastSeen: consoleTime(l, at)},
			browserSession{ID: "s3", Browser: browserText(l, "Unknown browser"), Method: l.T("console.account.session.by-link"), Since: consoleTime(l, at), LastSeen: consoleTime(l, at)},
			browserSession{ID: "s4", Browser: browserText(l, "Σαφάρι"), Method: l.T("console.account.session.by-link"), Since: consoleTime(l, at), LastSeen: consoleTime(l, at)})
		full.Passkeys = []passkeyItem{{ID: "p1", Name: "Φορητός", Created: consoleTime(l, at), LastUsed: consoleTime(l, at), Value: "Φορητός"},
			{ID: "p2", Name: "Κλειδί", Created: consoleTime(l, at), Value: "Κλειδί"}}
		full.Tokens = []tokenItem{{ID: "t1", Name: "Ημερολόγιο", Created: consoleTime(l, at), Expires: consoleTime(l, at.Add(24*time.Hour)), LastUsed: consoleTime(l, at)},
			{ID: "t2", Name: "Σενάριο", Created: consoleTime(l, at)}}
		full.NewToken = "x"
		full.Meta.Notice = consoleNotice(l, "passkey-added")
		out["everything"] = pageState{data: full, want: []string{"Φαϊρφοξ", "Ιος"}}
		off := base()
		off.PasskeysOff, off.Meta.Script = true, ""
		out["passkeys off"] = pageState{data: off}
		bad := base()
		bad.TokenForm = tokenForm{Name: "", Expires: "αύριο", Errors: someFieldErrors(l, func(v *domain.Validation) { v.Add("name", "is required") })}
		bad.TokenForm.Errors["expires"] = l.T("console.account.token.expires.invalid")
		renamed := someFieldErrors(l, func(v *domain.Validation) { v.Add("name", "must be at most %d characters", domain.PasskeyNameMax) })["name"]
		bad.Passkeys = []passkeyItem{{ID: "p1", Name: "Φορητός", Created: consoleTime(l, at), Value: "Φορητός Φορητός", Error: renamed}}
		bad.Rename = &renameForm{ID: "p1", Name: "Φορητός Φορητός", Error: renamed}
		out["errors"] = pageState{data: bad, want: []string{`id="passkey-rename-p1-error"`}}
		for _, key := range []string{"session-ended", "token-revoked", "passkey-renamed", "passkey-removed"} {
			d := base()
			d.Meta.Notice = consoleNotice(l, key)
			out["notice "+key] = pageState{data: d}
		}
		return out
	}
	pageStates["console/home"] = func(l *i18n.Lang) map[string]pageState {
		title := l.T("console.home.title")
		home := func() homeData {
			d := homeData{Meta: consoleStateMeta(title, "Άννα")}
			d.Meta.Section = "home"
			return d
		}
		out := map[string]pageState{"no group": {data: home()}}
		full := home()
		full.Groups = []groupItem{{Name: stateGroup.Name, URL: groupConsoleURL(stateGroup.ID)}, {Name: "Άλλη", URL: groupConsoleURL("g2")}}
		full.Upcoming = stateEvents(l)
		oslo, _ := time.LoadLocation("Europe/Oslo")
		start := time.Date(2026, 12, 15, 18, 0, 0, 0, oslo)
		closes := start.Add(-24 * time.Hour)
		ev := func(title string) domain.Event {
			return domain.Event{ID: "e", GroupID: stateGroup.ID, Title: title, Kind: domain.KindMeetup, Status: domain.EventPublished,
				StartsAt: start, EndsAt: start.Add(time.Hour), TimeZone: "Europe/Oslo", RSVPClosesAt: &closes}
		}
		online := ev("Διαδικτυακή")
		online.Kind = domain.KindLiveSession
		full.Attention = attentionItems(l, domain.Attention{
			FailedEmails: []domain.EventFailures{{Event: ev("Μία"), Failed: 1}, {Event: ev("Τρεις"), Failed: 3}},
			Unplaced:     []domain.Event{ev("Χωρίς τόπο"), online},
			ClosingSoon:  []domain.Event{ev("Κλείνει")},
		}, []domain.Group{stateGroup})
		if len(full.Attention) != 5 || full.Attention[3].Text == full.Attention[2].Text {
			panic("the attention states are not all there")
		}
		out["groups, attention, events"] = pageState{data: full, want: []string{`<a href="/manage/events/e/email">Μία</a>`, `<span class="meta">`}}
		// Every notice shows in the frame; those of this branch's pages
		// show on them, and the rest here.
		shown := map[string]bool{"signed-out": true, "signed-out-all": true, "session-ended": true, "token-revoked": true,
			"passkey-added": true, "passkey-renamed": true, "passkey-removed": true, "group-saved": true, "member-added": true,
			"member-removed": true, "role-saved": true, "already-member": true}
		for key := range consoleDone {
			if shown[key] {
				continue
			}
			d := home()
			d.Meta.Notice = consoleNotice(l, key)
			out["notice "+key] = pageState{data: d, want: []string{`<div class="notice notice-ok" role="status">`}}
		}
		return out
	}
	pageStates["console/group"] = func(l *i18n.Lang) map[string]pageState {
		page := func() consoleGroupData {
			d := consoleGroupData{Meta: consoleStateMeta(stateGroup.Name, "Άννα"), Group: stateGroup, PublicURL: "/g/42", PastDays: pastDays,
				Links: groupLinks(l, stateGroup.ID), FeedURL: "https://convene.example/api/v1/public/groups/42/calendar.ics",
				FeedWebcal: "webcal://convene.example/api/v1/public/groups/42/calendar.ics", EvidenceURL: "/manage/groups/g1/evidence"}
			d.Meta.Section = "home"
			return d
		}
		out := map[string]pageState{"no events": {data: page(), want: []string{`<a href="webcal://convene.example/api/v1/public/groups/42/calendar.ics">`}}}
		full := page()
		events := stateEvents(l)
		full.Upcoming, full.Drafts, full.Past = events[:1], events[1:2], events[2:]
		out["events"] = pageState{data: full, want: []string{"Συνάντηση", "Πρόχειρο"}}
		for _, key := range []string{"group-saved"} {
			d := page()
			d.Meta.Notice = consoleNotice(l, key)
			out["notice "+key] = pageState{data: d}
		}
		return out
	}
	pageStates["console/group_form"] = func(l *i18n.Lang) map[string]pageState {
		newGroup := func() groupFormData {
			d := groupFormData{Meta: consoleStateMeta(l.T("console.group.new.title"), "Άννα"), Action: "/manage/groups",
				Submit: l.T("console.group.new.submit"), Zones: []string{"Europe/Oslo"}, Form: groupForm{TimeZone: "Europe/Oslo"}}
			d.Meta.Section = "home"
			return d
		}
		out := map[string]pageState{"new": {data: newGroup()}}
		settings := groupFormData{Meta: consoleStateMeta(l.T("console.group.settings.title", "Group", stateGroup.Name), "Άννα"),
			Action: "/manage/groups/g1/settings", Submit: l.T("console.common.save"), Zones: []string{"Europe/Oslo"}, GroupURL: "/manage/groups/g1",
			Form: groupForm{Name: stateGroup.Name, Slug: "42", Description: "Περιγραφή", TimeZone: "Europe/Oslo", ContactEmail: stateEmail}}
		settings.Meta.Crumbs = []pageLink{{URL: "/manage/groups/g1", Label: stateGroup.Name}}
		out["settings"] = pageState{data: settings, want: []string{`<a href="/manage/groups/g1">Ομάδα</a>`}}
		bad := newGroup()
		bad.Form.Errors = someFieldErrors(l, func(v *domain.Validation) {
			v.Add("name", "is required")
			v.Add("description", "must be at most %d characters", 2000)
			v.Add("time_zone", "must be an IANA time zone name like \"Europe/Oslo\"")
			v.Add("contact_email", "must be a valid e-mail address like name@example.org")
		})
		taken, err := formErrors(l, consoleConflict(&domain.Error{Code: domain.ECONFLICT, Reason: domain.ReasonSlugTaken, Message: "taken"}, "slug"))
		if err != nil {
			panic(err)
		}
		bad.Form.Errors["slug"] = taken["slug"]
		out["errors"] = pageState{data: bad, want: []string{`id="slug-error"`, `id="description-error"`}}
		// Each field's name, which the other console forms' errors use
		// too, in a sentence on this one.
		for field := range consoleLabels {
			d := newGroup()
			d.Form.Errors = map[string]string{"name": fieldSentence(l, domain.FieldError{Field: field, Message: "is required", Format: "is required"})}
			out["error naming "+field] = pageState{data: d}
		}
		d := newGroup()
		d.Form.Errors = map[string]string{"name": fieldSentence(l, domain.FieldError{Field: "no_such_field", Message: "is required", Format: "is required"})}
		out["error naming an unknown field"] = pageState{data: d}
		return out
	}
	pageStates["console/members"] = func(l *i18n.Lang) map[string]pageState {
		at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		page := func(owner bool) membersData {
			d := membersData{Meta: consoleStateMeta(l.T("console.members.title", "Group", stateGroup.Name), "Άννα"), Group: stateGroup, Owner: owner,
				Action: "/manage/groups/g1/members", Form: memberForm{Role: string(domain.RoleOrganiser)},
				Members: []memberItem{
					{ID: "o1", Name: "Άννα", Email: stateEmail, Role: string(domain.RoleOwner), RoleText: roleText(l, domain.RoleOwner), Joined: consoleTime(l, at), Self: true},
					{ID: "o2", Email: "νίκος@παράδειγμα.ελ", Role: string(domain.RoleOrganiser), RoleText: roleText(l, domain.RoleOrganiser), Joined: consoleTime(l, at)},
				}}
			d.Meta.Section = "home"
			d.Meta.Crumbs = []pageLink{{URL: "/manage/groups/g1", Label: stateGroup.Name}}
			return d
		}
		out := map[string]pageState{"owner": {data: page(true), want: []string{`action="/manage/groups/g1/members/o2/remove"`}},
			"organiser": {data: page(false)}}
		bad := page(true)
		bad.Form = memberForm{Email: "νίκος", Role: string(domain.RoleOwner), Errors: someFieldErrors(l, func(v *domain.Validation) {
			v.Add("email", "must be a valid e-mail address like name@example.org")
			v.Add("name", "must be at most %d characters", 100)
		})}
		out["errors"] = pageState{data: bad, want: []string{`id="member-email-error"`}}
		for _, key := range []string{"member-added", "member-removed", "role-saved", "already-member"} {
			d := page(true)
			d.Meta.Notice = consoleNotice(l, key)
			out["notice "+key] = pageState{data: d}
		}
		return out
	}
}

// TestBrowserText: the sessions' browsers, as domain.BrowserOf writes
// them, are said in each language with their names kept.
func TestBrowserText(t *testing.T) {
	for _, ua := range []string{
		"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
		"curl/8.0", "", "Something/1.0",
	} {
		b := domain.BrowserOf(ua)
		if got := browserText(english, b); got != b {
			t.Errorf("English %q: %q", b, got)
		}
		for _, l := range i18n.All() {
			got := browserText(l, b)
			if strings.Contains(got, "[") {
				t.Errorf("%s, %q: %q", l.Tag(), b, got)
			}
			for _, name := range strings.Fields(b) {
				if name[0] >= 'A' && name[0] <= 'Z' && !slices.Contains([]string{"A", "Unknown"}, name) && !strings.Contains(got, name) {
					t.Errorf("%s, %q: %q lost %s", l.Tag(), b, got, name)
				}
			}
		}
	}
}

// TestConsoleInBrowsersLanguage: the console speaks the language the
// organiser's browser asks for, its forms' mistakes too; a taken web
// address is said in one sentence.
func TestConsoleInBrowsersLanguage(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ce := newConsoleEnv(t, db)
	owner := ce.organiser("Ada")
	taken := ce.group(owner, "Taken")
	b := ce.browser()
	b.signIn(owner)
	in := func(method, path, accept string, form url.Values) page {
		t.Helper()
		var body *strings.Reader
		if form != nil {
			form.Set("_csrf", b.csrf)
			body = strings.NewReader(form.Encode())
		} else {
			body = strings.NewReader("")
		}
		req, err := http.NewRequest(method, ce.base+path, body)
		if err != nil {
			t.Fatal(err)
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("Accept-Language", accept)
		return b.do(req)
	}
	de, ja := i18n.Get("de"), i18n.Get("ja")
	if p := in(http.MethodGet, "/manage/", "de-AT,de;q=0.9", nil); !strings.Contains(p.Body, `<html lang="de" dir="ltr">`) ||
		!strings.Contains(p.Body, "<h1>"+de.T("console.home.title")+"</h1>") || !strings.Contains(p.Body, ">Taken</a>") {
		t.Errorf("a German browser's home page:\n%s", p.text())
	}
	p := in(http.MethodPost, "/manage/groups", "de", url.Values{"name": {"Oslo"}, "time_zone": {"Europe/Osloo"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, de.T("console.label.time_zone")) ||
		!strings.Contains(p.Body, de.T("console.group.new.submit")) {
		t.Errorf("a German browser's form sent back: %d\n%s", p.Status, p.text())
	}
	if p := in(http.MethodGet, "/manage/account", "ja", nil); !strings.Contains(p.Body, ja.T("console.account.sessions.current")) ||
		!strings.Contains(p.Body, browserText(ja, "Firefox on Linux")) || !strings.Contains(p.Body, ja.T("console.account.session.by-link")) {
		t.Errorf("a Japanese browser's account page:\n%s", p.text())
	}
	p = in(http.MethodPost, "/manage/groups", "en", url.Values{"name": {"Another"}, "slug": {taken.Slug}, "time_zone": {"Europe/Oslo"}})
	if want := `<p class="error" id="slug-error">This address is taken: choose another.</p>`; p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, want) {
		t.Errorf("a taken address: %d, want %s\n%s", p.Status, want, p.text())
	}
}
