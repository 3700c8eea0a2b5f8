package web

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

// The states of the group, series, follow, feedback, door and join pages,
// with the organisers' and attendees' words in Greek (see
// eventPageStates).

func init() {
	pageStates["group"] = groupPageStates
	pageStates["series"] = seriesPageStates
	pageStates["follow"] = followPageStates
	pageStates["feedback"] = feedbackPageStates
	pageStates["door"] = doorPageStates
	pageStates["join"] = joinPageStates
}

// statesStart is when the states' event starts; their server's clock is a
// day before.
var statesStart = time.Date(2026, 12, 15, 18, 0, 0, 0, oslo)

func statesServer() *Server {
	return &Server{cfg: Config{BaseURL: "https://convene.example", Clock: fixedClock(statesStart.Add(-24 * time.Hour))}}
}

var statesGroup = domain.Group{Name: "Ομάδα", Slug: "omada", Description: "Περιγραφή\n\nΔεύτερη"}

func statesEvent() domain.Event {
	capacity := 20
	return domain.Event{ID: "e1", Title: "Συνάντηση", Slug: "synantisi", Kind: domain.KindMeetup, Status: domain.EventPublished,
		StartsAt: statesStart, EndsAt: statesStart.Add(2 * time.Hour), TimeZone: "Europe/Oslo", Capacity: &capacity, GoingCount: 3,
		Venue: &domain.Venue{Name: "Αίθουσα", Address: "Οδός 1"}}
}

// switchFor is the language switch of a state: the language alone.
func switchFor(l *i18n.Lang, path string) []langLink {
	return []langLink{{Tag: l.Tag(), Name: l.Name(), URL: path + "?lang=" + l.Tag(), Current: true}}
}

func groupPageStates(l *i18n.Lang) map[string]pageState {
	s := statesServer()
	now := s.now()
	online := statesEvent()
	online.Slug, online.Venue, online.OnlineURL = "diadiktyo", nil, "https://meet.example/x"
	cancelled := statesEvent()
	cancelled.Slug, cancelled.Status = "akyrosi", domain.EventCancelled
	past := statesEvent()
	past.Slug, past.StartsAt, past.EndsAt = "palia", statesStart.Add(-72*time.Hour), statesStart.Add(-70*time.Hour)
	noName := statesEvent()
	noName.Slug, noName.Venue = "odos", &domain.Venue{Address: "Οδός 2"}
	want := []string{`href="/e/synantisi">Συνάντηση</a>`, "<h1>Ομάδα</h1>"}
	out := map[string]pageState{}
	full := s.groupView(statesGroup, []domain.Event{past, statesEvent(), online, cancelled, noName}, now, l)
	full.Meta.Languages = switchFor(l, "/g/omada")
	out["events, past and upcoming"] = pageState{data: full, want: append(want, `href="/e/palia"`)}
	bare := statesGroup
	bare.Description = ""
	empty := s.groupView(bare, nil, now, l)
	empty.Meta.Languages = switchFor(l, "/g/omada")
	out["no events, no description"] = pageState{data: empty, want: []string{"<h1>Ομάδα</h1>", "/calendar.ics"}}
	return out
}

func statesSeries(rule string) domain.SeriesView {
	capacity := 20
	start := statesStart
	x := domain.Series{Title: "Σειρά", Slug: "seira", Description: "Σχετικά", RRule: rule, StartsAt: start, Duration: 90 * time.Minute,
		TimeZone: "Europe/Oslo", Capacity: &capacity, Waitlist: true}
	left, none := 5, 0
	return domain.SeriesView{Series: x, Group: statesGroup, Occurrences: []domain.Occurrence{
		{Slug: "seira-1", StartsAt: start, EndsAt: start.Add(90 * time.Minute), Status: domain.EventPublished, SeatsLeft: &left},
		{Slug: "seira-2", StartsAt: start.AddDate(0, 1, 0), EndsAt: start.AddDate(0, 1, 0).Add(90 * time.Minute), Status: domain.EventCancelled},
		{Slug: "seira-3", StartsAt: start.AddDate(0, 2, 0), EndsAt: start.AddDate(0, 2, 0).Add(90 * time.Minute), Status: domain.EventPublished, SeatsLeft: &none},
		{Slug: "seira-4", StartsAt: start.AddDate(0, 3, 0), EndsAt: start.AddDate(0, 3, 0).Add(90 * time.Minute), Status: domain.EventPublished},
	}}
}

func seriesPageStates(l *i18n.Lang) map[string]pageState {
	s := statesServer()
	out := map[string]pageState{}
	page := func(v domain.SeriesView) seriesPageData {
		d := s.seriesView(v, l)
		d.CSRF = "x"
		d.Meta.Languages = switchFor(l, "/s/seira")
		return d
	}
	want := []string{"<h1>Σειρά</h1>", `<a href="/g/omada">Ομάδα</a>`}
	// Each way a rule is said: every weekday as the nth of the month
	// (each ordinal), on a weekday, every n units, and a rule as it is.
	rules := []string{"FREQ=MONTHLY;BYDAY=1MO", "FREQ=MONTHLY;INTERVAL=3;BYDAY=2TU", "FREQ=MONTHLY;BYDAY=3WE",
		"FREQ=MONTHLY;INTERVAL=2;BYDAY=4TH", "FREQ=YEARLY;BYDAY=5FR", "FREQ=MONTHLY;BYDAY=-1SA", "FREQ=MONTHLY;BYDAY=+3SU",
		"FREQ=MONTHLY;BYDAY=1SU", "FREQ=MONTHLY;BYDAY=-1WE",
		"FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "FREQ=WEEKLY;BYDAY=WE", "FREQ=WEEKLY;BYDAY=TH",
		"FREQ=WEEKLY;BYDAY=FR", "FREQ=WEEKLY;BYDAY=SA", "FREQ=WEEKLY;BYDAY=SU",
		"FREQ=DAILY", "FREQ=DAILY;INTERVAL=3", "FREQ=WEEKLY", "FREQ=MONTHLY", "FREQ=YEARLY", "FREQ=YEARLY;INTERVAL=2",
		"FREQ=MONTHLY;INTERVAL=12", "FREQ=HOURLY"}
	for _, r := range rules {
		out["rule "+r] = pageState{data: page(statesSeries(r)), want: want}
	}
	errs := page(statesSeries("FREQ=WEEKLY"))
	errs.Form = rsvpForm{Name: "Ελένη", Email: "x"}
	errs.Form.setFieldErrors(l, []domain.FieldError{
		{Field: "name", Message: "must not contain a web address or link", Format: "must not contain a web address or link"},
		{Field: "email", Message: "must be a valid e-mail address like name@example.org", Format: "must be a valid e-mail address like name@example.org"},
		{Field: "mode", Message: `must be "invite" (an e-mail for each session) or "rsvp" (sign me up for every session)`,
			Format: `must be "invite" (an e-mail for each session) or "rsvp" (sign me up for every session)`},
	}, "series.mode.label", "mode-invite")
	errs.Mode = "rsvp"
	out["form errors"] = pageState{data: errs, want: []string{`href="#mode-invite"`, `id="email-error"`}}
	sent := page(statesSeries("FREQ=WEEKLY"))
	sent.Notice = &notice{Kind: "ok", Text: l.T("series.follow.sent", "Email", "ελένη@παράδειγμα.ελ")}
	out["sent"] = pageState{data: sent, want: []string{"ελένη@παράδειγμα.ελ"}}
	for _, reason := range []string{domain.ReasonSeriesEnded, domain.ReasonNoUpcomingSession} {
		d := page(statesSeries("FREQ=WEEKLY"))
		d.Notice = &notice{Kind: "error", Text: conflictText(l, &domain.Error{Code: domain.ECONFLICT, Reason: reason}, seriesRefusals)}
		out["refused, "+reason] = pageState{data: d, want: want}
	}
	ended := statesSeries("FREQ=WEEKLY")
	end := statesStart
	ended.Series.EndedAt, ended.Occurrences = &end, nil
	out["ended"] = pageState{data: page(ended), want: want}
	return out
}

func followPageStates(l *i18n.Lang) map[string]pageState {
	s := statesServer()
	v := domain.FollowerView{Follower: domain.Follower{Name: "Ελένη", Status: domain.FollowPending, Mode: domain.FollowInvite},
		Series: statesSeries("FREQ=WEEKLY").Series, Group: statesGroup}
	out := map[string]pageState{}
	add := func(name string, v domain.FollowerView, step string, want ...string) {
		d := s.followView(v, l, step, "/follow/t")
		d.CSRF = "x"
		d.Meta.Languages = switchFor(l, "/follow/t")
		out[name] = pageState{data: d, want: append(want, `<a href="/s/seira">Σειρά</a>`)}
	}
	add("asks, invite", v, stepFollow, "Ελένη")
	rsvp := v
	rsvp.Follower.Mode = domain.FollowRSVP
	add("asks, rsvp", rsvp, stepFollow, "Ελένη")
	active := rsvp
	active.Follower.Status = domain.FollowActive
	add("already", active, stepFollow)
	add("followed, invite", v, stepFollowed)
	add("followed, rsvp", rsvp, stepFollowed)
	add("asks to stop", active, stepUnfollow, "button-danger")
	stopped := active
	stopped.Follower.Status = domain.FollowUnfollowed
	add("already stopped", stopped, stepUnfollow)
	add("stopped", active, stepUnfollowed)
	return out
}

func feedbackPageStates(l *i18n.Lang) map[string]pageState {
	s := statesServer()
	over := statesEvent()
	over.StartsAt, over.EndsAt = statesStart.Add(-48*time.Hour), statesStart.Add(-46*time.Hour)
	came := over.StartsAt.Add(time.Hour)
	fv := domain.FeedbackView{View: domain.RSVPView{Event: over, Group: statesGroup,
		RSVP: domain.RSVP{Name: "Ελένη", Status: domain.RSVPGoing, AttendedAt: &came}}}
	out := map[string]pageState{}
	add := func(name string, fv domain.FeedbackView, rating int, comment string, fields []domain.FieldError, sent bool, want ...string) {
		d := s.feedbackView(fv, l, rating, comment, fields, sent)
		d.Action, d.CSRF = "/f/t", "x"
		d.Meta.Languages = switchFor(l, "/f/t")
		out[name] = pageState{data: d, want: append(want, `href="/e/synantisi"`)}
	}
	add("new, named", fv, 0, "", nil, false, "Ελένη")
	anon := fv
	anon.View.RSVP.Name = ""
	anon.Feedback = &domain.Feedback{Rating: 4, Comment: "Ωραία"}
	add("answered, sent, no name", anon, 4, "Ωραία", nil, true, `value="4" required checked`)
	add("errors", fv, 0, "Σχόλιο", []domain.FieldError{
		{Field: "rating", Message: "must be a whole number from 1 to 5", Format: "must be a whole number from %d to %d", Args: []any{1, 5}},
		{Field: "comment", Message: "must be at most 2000 characters", Format: "must be at most %d characters", Args: []any{2000}},
	}, false, `href="#rating-1"`, `aria-describedby="rating-error"`)
	absent := fv
	absent.View.RSVP.AttendedAt = nil
	add("absent", absent, 0, "", nil, false)
	return out
}

func doorPageStates(l *i18n.Lang) map[string]pageState {
	s := statesServer()
	at := statesStart.Add(-10 * time.Minute)
	dl := domain.DoorList{Event: statesEvent(), Group: statesGroup, Expected: 4, In: 2, Items: []domain.RSVP{
		{ID: "r1", Name: "Άννα", CheckinCode: "23452345", AttendedAt: &at},
		{ID: "r2", Name: "Νίκος", CheckinCode: "34563456", AttendedAt: &at, AttendedHow: domain.AttendedOnline, WalkIn: true},
		{ID: "r3", Name: "Ελένη", CheckinCode: "45674567"},
		{ID: "r4", Name: ""},
	}}
	out := map[string]pageState{}
	add := func(name string, dl domain.DoorList, a doorAnswer, want ...string) {
		d := s.doorView(dl, l, a)
		d.Base, d.CSRF = "/door/t", "x"
		d.Meta.Languages = switchFor(l, "/door/t")
		out[name] = pageState{data: d, want: append(want, "<h1>Συνάντηση</h1>")}
	}
	add("list", dl, doorAnswer{}, "<strong>2</strong>", "…2345", "Ελένη")
	add("checked in", dl, doorAnswer{did: "in", about: "r1"}, "notice-ok", "Άννα")
	add("already", dl, doorAnswer{did: "already", about: "r1"}, "notice-info")
	add("walk-in", dl, doorAnswer{did: "walkin", about: "r2"}, "notice-ok")
	add("undone", dl, doorAnswer{did: "undone", about: "r3"}, "notice-info")
	add("no code", dl, doorAnswer{codeErr: "door.code.empty"}, `id="code-error"`)
	add("unknown code", dl, doorAnswer{code: "zzzzzzzz", codeErr: "door.code.unknown"}, "ZZZZ-ZZZZ")
	for _, de := range []*domain.Error{
		domain.Conflict(domain.ReasonEventNotPublished, "Only a published event takes check-ins."),
		domain.Conflict(domain.ReasonCheckinClosed, "Check-in is open from a day before the event until a day after it."),
		domain.Conflict(domain.ReasonRSVPNotGoing, "This person has no place: they are waitlisted. Register them as a walk-in instead."),
		domain.Conflict(domain.ReasonRSVPNotGoing, "This person has no place: they are cancelled. Register them as a walk-in instead."),
	} {
		add("refused: "+de.Message, dl, doorAnswer{refused: de}, "notice-error")
	}
	add("walk-in errors", dl, doorAnswer{form: rsvpForm{Email: "x"}, fields: []domain.FieldError{
		{Field: "name", Message: "is required", Format: "is required"},
		{Field: "email", Message: "must be a valid e-mail address like name@example.org", Format: "must be a valid e-mail address like name@example.org"},
	}}, `href="#walkin-name"`, `href="#walkin-email"`)
	empty := dl
	empty.Items, empty.Expected, empty.In = nil, 0, 0
	add("nobody", empty, doorAnswer{})
	return out
}

func joinPageStates(l *i18n.Lang) map[string]pageState {
	s := statesServer()
	e := statesEvent()
	e.Kind, e.Venue, e.OnlineURL = domain.KindLiveSession, nil, "https://meet.example/x"
	out := map[string]pageState{}
	add := func(name string, v domain.RSVPView, now time.Time, status int) {
		got, d := s.joinView(v, now, l)
		if got != status {
			panic(name + ": the join page's status is wrong")
		}
		d.Meta.Languages = switchFor(l, "/j/t")
		out[name] = pageState{data: d, want: []string{`<a href="/e/synantisi">Συνάντηση</a>`}}
	}
	going := domain.RSVPView{Event: e, Group: statesGroup, RSVP: domain.RSVP{Status: domain.RSVPGoing}}
	add("early", going, statesStart.Add(-24*time.Hour), http.StatusOK)
	add("ended", going, statesStart.Add(48*time.Hour), http.StatusOK)
	cancelled := going
	cancelled.Event.Status = domain.EventCancelled
	add("session cancelled", cancelled, statesStart.Add(-24*time.Hour), http.StatusGone)
	waiting := going
	waiting.RSVP.Status = domain.RSVPWaitlisted
	add("waitlisted", waiting, statesStart.Add(-24*time.Hour), http.StatusForbidden)
	gone := going
	gone.RSVP.Status = domain.RSVPCancelled
	add("RSVP cancelled", gone, statesStart.Add(-24*time.Hour), http.StatusGone)
	return out
}

// TestGroupAndDoorLanguage: the group page speaks the browser's language
// (its group's when the browser asks for none of Convene's), and a door
// form sent back with a mistake answers in the language it was shown in.
func TestGroupAndDoorLanguage(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ce := newConsoleEnv(t, db)
	owner := ce.organiser("Ada")
	g := ce.group(owner, "Polyglots")
	e := ce.publishedEvent(owner, g, "Babel", time.Now().Add(storetest.Offset()+7*24*time.Hour))
	b := ce.browser()
	get := func(path, accept string) page {
		req, err := http.NewRequest(http.MethodGet, ce.base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Language", accept)
		return b.do(req)
	}
	lang := func(p page) string {
		if m := htmlLangRE.FindStringSubmatch(p.Body); m != nil {
			return m[1]
		}
		return ""
	}
	p := get("/g/"+g.Slug, "ja,en;q=0.5")
	if lang(p) != "ja" || !strings.Contains(p.Body, i18n.Get("ja").T("group.upcoming")) || !strings.Contains(p.Body, `href="/e/`+e.Slug+`"`) {
		t.Errorf("a Japanese browser on the group page: %s\n%.400s", lang(p), p.Body)
	}
	if v := strings.Join(p.Header.Values("Vary"), ","); !strings.Contains(v, "Accept-Language") {
		t.Errorf("Vary: %q", v)
	}
	if p := get("/g/"+g.Slug, "ko"); lang(p) != "en" {
		t.Errorf("a Korean browser on an English group's page: %s", lang(p))
	}
	_, raw, err := db.CreateDoorLink(ctx, owner.ID, e.ID, "Door")
	if err != nil {
		t.Fatal(err)
	}
	door := "/door/" + url.PathEscape(raw)
	staff := ce.browser()
	staff.get("/manage/sign-in") // a CSRF token
	req, err := http.NewRequest(http.MethodPost, ce.base+door+"/checkin", strings.NewReader(url.Values{
		"_csrf": {staff.csrf}, "lang": {"pl"}, "code": {""}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "de")
	p = staff.do(req)
	if lang(p) != "pl" || p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, i18n.Get("pl").T("door.code.empty")) {
		t.Errorf("a Polish door form sent back without a code: %d, %s", p.Status, lang(p))
	}
	if !strings.Contains(p.Body, `href="`+door+`?lang=de"`) {
		t.Errorf("the door form's answer switches language on the door list's address:\n%.400s", p.Body)
	}
}
