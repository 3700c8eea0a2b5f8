package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// The attendee's own pages (rsvp, cancel, confirm, erase, invitation),
// the message page (errors, a cancelled or erased RSVP, a declined
// invitation, a missing record) and the verify page, in each of their
// states, with organisers' and attendees' words in Greek.

// attendeeFixture is an event, its group and a server whose clock is at
// now.
type attendeeFixture struct {
	start time.Time
	e     domain.Event
	g     domain.Group
}

func newAttendeeFixture() attendeeFixture {
	oslo, _ := time.LoadLocation("Europe/Oslo")
	start := time.Date(2026, 12, 15, 18, 0, 0, 0, oslo)
	capacity := 20
	e := domain.Event{Title: "Συνάντηση", Slug: "synantisi", Kind: domain.KindMeetup, Status: domain.EventPublished,
		StartsAt: start, EndsAt: start.Add(2 * time.Hour), TimeZone: "Europe/Oslo", Capacity: &capacity, GoingCount: 17,
		Venue: &domain.Venue{Name: "Αίθουσα", Address: "Οδός 1"}, OnlineURL: "https://meet.example/x", Waitlist: true}
	return attendeeFixture{start: start, e: e, g: domain.Group{Name: "Ομάδα", Slug: "omada"}}
}

// server is a server whose clock is at start+d.
func (f attendeeFixture) server(d time.Duration) *Server {
	return &Server{cfg: Config{BaseURL: "https://convene.example", Clock: fixedClock(f.start.Add(d))}}
}

func (f attendeeFixture) rsvp() domain.RSVP {
	return domain.RSVP{Name: "Άννα", Email: "άννα@παράδειγμα.ελ", Status: domain.RSVPGoing, CheckinCode: "A2B3C4D5"}
}

func init() {
	pageStates["rsvp"] = rsvpPageStates
	pageStates["cancel"] = func(l *i18n.Lang) map[string]pageState {
		f := newAttendeeFixture()
		s := f.server(-24 * time.Hour)
		going := domain.RSVPView{RSVP: f.rsvp(), Event: f.e, Group: f.g}
		waiting := going
		waiting.RSVP.Status, waiting.RSVP.WaitlistPosition = domain.RSVPWaitlisted, 2
		want := []string{"<strong>Συνάντηση</strong>"}
		return map[string]pageState{
			"going":      {data: s.cancelData(l, going, "t"), want: want},
			"waitlisted": {data: s.cancelData(l, waiting, "t"), want: want},
		}
	}
	pageStates["confirm"] = func(l *i18n.Lang) map[string]pageState {
		f := newAttendeeFixture()
		s := f.server(-24 * time.Hour)
		v := domain.PendingView{Pending: domain.PendingRSVP{Name: "Άννα", ExpiresAt: f.start.Add(-20 * time.Hour)}, Event: f.e, Group: f.g}
		anon := v
		anon.Pending.Name = ""
		cancelled := v
		cancelled.Event.Status, cancelled.Event.CancelReason = domain.EventCancelled, "Ασθένεια"
		return map[string]pageState{
			"named":     {data: s.confirmData(l, v, "t"), want: []string{"Άννα", `<time datetime="2026-12-14T22:00:00+01:00">`}},
			"anonymous": {data: s.confirmData(l, anon, "t")},
			"cancelled": {data: s.confirmData(l, cancelled, "t"), want: []string{"Ασθένεια"}},
		}
	}
	pageStates["erase"] = func(l *i18n.Lang) map[string]pageState {
		f := newAttendeeFixture()
		s := f.server(-24 * time.Hour)
		v := domain.RSVPView{RSVP: f.rsvp(), Event: f.e, Group: f.g}
		one := domain.Erasure{View: v, RSVPs: 1, Upcoming: 1}
		series := domain.Erasure{View: v, Series: &domain.Series{Title: "Σειρά"}, RSVPs: 4, Following: true, Upcoming: 3}
		past := domain.Erasure{View: v, Series: &domain.Series{Title: "Σειρά"}, RSVPs: 2}
		return map[string]pageState{
			"one place":       {data: s.eraseData(l, one, "t"), want: []string{"<strong>Συνάντηση</strong>", "άννα@παράδειγμα.ελ"}},
			"series":          {data: s.eraseData(l, series, "t"), want: []string{"<strong>Σειρά</strong>", "3"}},
			"series, nothing": {data: s.eraseData(l, past, "t")},
		}
	}
	pageStates["invitation"] = invitationPageStates
	pageStates["message"] = messagePageStates
	pageStates["verify"] = verifyPageStates
}

// rsvpPageStates are the attendee's page: going or waitlisted, new,
// reconfirming, checking in, checked in, online or not, cancelled, over.
func rsvpPageStates(l *i18n.Lang) map[string]pageState {
	f := newAttendeeFixture()
	before := f.server(-24 * time.Hour)
	door := f.server(-10 * time.Minute) // check-in is open
	asked := f.start.Add(-48 * time.Hour)
	received := f.start.Add(-30 * time.Hour)
	reply := func(st domain.ReplyStatus) *domain.LastReply {
		return &domain.LastReply{Status: st, ReceivedAt: received}
	}
	out := map[string]pageState{}
	add := func(name string, s *Server, v domain.RSVPView, q rsvpQuery, checkinErr error, want ...string) {
		d := s.rsvpData(l, v, "t", q, checkinErr)
		d.CSRF = "x"
		d.Meta.Languages = []langLink{{Tag: l.Tag(), Name: l.Name(), URL: "/r/t?lang=" + l.Tag(), Current: true}}
		out[name] = pageState{data: d, want: append(want, "Άννα")}
	}

	going := domain.RSVPView{RSVP: f.rsvp(), Event: f.e, Group: f.g}
	going.Event.Reconfirm = true
	going.RSVP.ReconfirmAskedAt = &asked
	going.RSVP.LastReply = reply(domain.ReplyTentative)
	add("going, new, asked to reconfirm", before, going, rsvpQuery{New: true}, nil, "A2B3-C4D5", "<svg", "<strong><time")

	accepted := going
	accepted.RSVP.LastReply = reply(domain.ReplyAccepted)
	accepted.RSVP.ReconfirmedAt = &received
	add("going, reconfirmed just now", before, accepted, rsvpQuery{Reconfirmed: true}, nil)
	declined := going
	declined.RSVP.LastReply = reply(domain.ReplyDeclined)
	declined.RSVP.ReconfirmedAt = &received
	add("going, reconfirmed", before, declined, rsvpQuery{}, nil)

	waiting := domain.RSVPView{RSVP: f.rsvp(), Event: f.e, Group: f.g}
	waiting.RSVP.Status, waiting.RSVP.WaitlistPosition = domain.RSVPWaitlisted, 3
	waiting.RSVP.LastReply = reply(domain.ReplyAccepted)
	add("waitlisted, new", before, waiting, rsvpQuery{New: true}, nil)
	waiting.RSVP.LastReply = reply(domain.ReplyTentative)
	add("waitlisted, maybe", before, waiting, rsvpQuery{}, nil)

	room := domain.RSVPView{RSVP: f.rsvp(), Event: f.e, Group: f.g}
	room.Event.OnlineURL = ""
	add("check-in open, in the room", door, room, rsvpQuery{}, nil)
	add("check-in, wrong code", door, room, rsvpQuery{}, &domain.Error{Code: domain.EINVALID, Message: "wrong code"})
	add("check-in, refused", door, going, rsvpQuery{}, domain.Conflict(domain.ReasonCheckinClosed, "Check-in is not open now."))
	in := going
	at := f.start.Add(-5 * time.Minute)
	in.RSVP.AttendedAt = &at
	add("checked in", door, in, rsvpQuery{CheckedIn: true}, nil)

	cancelled := going
	cancelled.Event.Status, cancelled.Event.CancelReason = domain.EventCancelled, "Ασθένεια"
	add("event cancelled", before, cancelled, rsvpQuery{}, nil, "Ασθένεια")
	over := in
	add("over, feedback", f.server(3*time.Hour), over, rsvpQuery{}, nil, `href="/f/t"`)
	return out
}

// invitationPageStates are the invitation: not answered (with the answer
// picked in the e-mail, or not), full, answered each way, refused, with
// a form's mistakes, the event cancelled or over.
func invitationPageStates(l *i18n.Lang) map[string]pageState {
	f := newAttendeeFixture()
	s := f.server(-24 * time.Hour)
	inv := domain.Invitation{Name: "Άννα", Message: "Έλα!\n\nΘα είναι ωραία.", Status: domain.InvitationSent}
	v := domain.InvitationView{Invitation: inv, Event: f.e, Group: f.g}
	out := map[string]pageState{}
	add := func(name string, s *Server, v domain.InvitationView, only string, form rsvpForm, n *notice, want ...string) {
		d := s.invitationData(l, v, "t", only, form, n)
		d.CSRF = "x"
		out[name] = pageState{data: d, want: append(want, `<a href="/g/omada">Ομάδα</a>`)}
	}
	add("sent", s, v, "", rsvpForm{Name: "Άννα"}, nil, "Θα είναι ωραία.")
	add("yes picked", s, v, "yes", rsvpForm{Name: "Άννα"}, nil)
	add("no picked", s, v, "no", rsvpForm{Name: "Άννα"}, nil)
	anon := v
	anon.Invitation.Name = ""
	var mistakes rsvpForm
	mistakes.setErrors(l, []domain.FieldError{{Field: "name", Message: "is required", Format: "is required"},
		{Field: "rating", Message: "is required", Format: "is required"}, {Field: "comment", Message: "is required", Format: "is required"},
		{Field: "email", Message: "is required", Format: "is required"}})
	add("anonymous, mistakes", s, anon, "", mistakes, nil)
	full := v
	full.Event.GoingCount = *full.Event.Capacity
	add("full", s, full, "", rsvpForm{Name: "Άννα"}, nil)
	noWait := full
	noWait.Event.Waitlist = false
	add("full, no waitlist", s, noWait, "", rsvpForm{Name: "Άννα"}, &notice{Kind: "error", Text: domainText(l, domain.ErrEventFull)})

	r := domain.RSVP{Name: "Άννα", Status: domain.RSVPGoing}
	yes := v
	yes.Invitation.Status, yes.RSVP = domain.InvitationAccepted, &r
	add("accepted", s, yes, "", rsvpForm{}, nil)
	w := r
	w.Status, w.WaitlistPosition = domain.RSVPWaitlisted, 2
	yesWaiting := yes
	yesWaiting.RSVP = &w
	add("accepted, waitlisted", s, yesWaiting, "", rsvpForm{}, nil)
	c := r
	c.Status = domain.RSVPCancelled
	yesCancelled := yes
	yesCancelled.RSVP = &c
	add("accepted, cancelled", s, yesCancelled, "", rsvpForm{Name: "Άννα"}, &notice{Kind: "error", Text: domainText(l, domain.Conflict(domain.ReasonNoRSVP, "You have no RSVP from this invitation: say yes first."))})
	no := v
	no.Invitation.Status = domain.InvitationDeclined
	add("declined", s, no, "", rsvpForm{Name: "Άννα"}, nil)

	cancelled := v
	cancelled.Event.Status, cancelled.Event.CancelReason = domain.EventCancelled, "Ασθένεια"
	add("event cancelled", s, cancelled, "", rsvpForm{Name: "Άννα"}, nil, "Ασθένεια")
	add("event over", f.server(3*time.Hour), v, "", rsvpForm{Name: "Άννα"}, nil)
	closes := f.start.Add(-48 * time.Hour)
	closed := v
	closed.Event.RSVPClosesAt = &closes
	add("closed", s, closed, "", rsvpForm{Name: "Άννα"}, nil)
	return out
}

// messagePageStates are the pages that say one thing: each error, a
// cancelled RSVP, an erased one, a declined invitation, a record there
// is none of or that was withdrawn.
func messagePageStates(l *i18n.Lang) map[string]pageState {
	f := newAttendeeFixture()
	s := f.server(-24 * time.Hour)
	out := map[string]pageState{}
	add := func(name string, d messagePageData, want ...string) {
		if d.Meta.CSS == "" {
			d.Meta = s.meta(d.Heading)
		}
		out[name] = pageState{data: d, want: want}
	}
	e := echo.New()
	back := func(path, route string) *pageLink {
		c := e.NewContext(httptest.NewRequest(http.MethodPost, path, nil), httptest.NewRecorder())
		c.SetPath(route)
		if name := map[bool]string{true: "slug", false: "token"}[route == "/e/:slug/rsvp"]; true {
			c.SetParamNames(name)
			c.SetParamValues("t")
		}
		b, _ := backLink(c, l)
		return &b
	}
	errPage := func(name string, status int, reason string, err error, b *pageLink) {
		add("error "+name, errorPageData(l, status, reason, err, b))
	}
	for _, r := range []string{"", domain.ReasonEventNotFound, domain.ReasonGroupNotFound, domain.ReasonRSVPNotFound,
		domain.ReasonInvitationNotFound, domain.ReasonDoorLinkNotFound, domain.ReasonConfirmationNotFound} {
		errPage("404 "+r, http.StatusNotFound, r, nil, nil)
	}
	errPage("410 expired", http.StatusGone, domain.ReasonConfirmationExpired, nil, nil)
	errPage("410 sign-in", http.StatusGone, domain.ReasonSignInLinkInvalid, nil, nil)
	for msg := range domainMessageIDs {
		errPage("410/409 "+msg, http.StatusGone, "", &domain.Error{Code: domain.EGONE, Message: msg}, nil)
		errPage("409 "+msg, http.StatusConflict, "", &domain.Error{Code: domain.ECONFLICT, Message: msg}, nil)
	}
	errPage("401", http.StatusUnauthorized, "", nil, nil)
	for _, b := range [][2]string{{"/e/t/rsvp", "/e/:slug/rsvp"}, {"/i/t/accept", "/i/:token/accept"}, {"/c/t", "/c/:token"},
		{"/f/t", "/f/:token"}, {"/door/t/undo", "/door/:token/undo"}, {"/r/t/cancel", "/r/:token/cancel"}} {
		errPage("403 "+b[0], http.StatusForbidden, "csrf", nil, back(b[0], b[1]))
		errPage("429 "+b[0], http.StatusTooManyRequests, "", nil, back(b[0], b[1]))
	}
	errPage("503", http.StatusServiceUnavailable, "", nil, nil)
	errPage("500", http.StatusInternalServerError, "", nil, nil)
	for _, st := range []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity} {
		errPage(http.StatusText(st), st, "", &domain.Error{Code: domain.EINVALID, Message: "This event has been cancelled."}, nil)
	}

	r := domain.RSVP{Name: "Άννα", Status: domain.RSVPCancelled, LastReply: &domain.LastReply{Status: domain.ReplyDeclined, ReceivedAt: f.start.Add(-30 * time.Hour)}}
	v := domain.RSVPView{RSVP: r, Event: f.e, Group: f.g}
	add("cancelled, RSVPs open", s.cancelledData(l, v), "Συνάντηση", "<time ")
	closes := f.start.Add(-48 * time.Hour)
	closed := v
	closed.Event.RSVPClosesAt, closed.RSVP.LastReply = &closes, nil
	add("cancelled, RSVPs closed", s.cancelledData(l, closed))
	add("erased", s.erasedData(l, v), "Συνάντηση")
	series := v
	series.Event.SeriesID = "s"
	add("erased, series", s.erasedData(l, series))
	inv := domain.InvitationView{Invitation: domain.Invitation{Name: "Άννα"}, Event: f.e, Group: f.g}
	add("declined", s.declinedData(l, inv, "t"), "Ομάδα")
	add("no record", verifyMissingData(l, false))
	add("withdrawn record", verifyMissingData(l, true))
	return out
}

// verifyPageStates are a record of each role, activity and way of
// attending, with and without a talk, a name and a correction.
func verifyPageStates(l *i18n.Lang) map[string]pageState {
	s := newAttendeeFixture().server(0)
	rec := domain.Contribution{ID: "c1", PersonName: "Άννα", Role: domain.RoleSpeaker, ActivityType: domain.ActivitySpeaking,
		TalkTitle: "Ομιλία", EventTitle: "Συνάντηση", EventDate: "2026-12-15", GroupName: "Ομάδα", EventURL: "https://convene.example/e/synantisi",
		Counts: domain.ContributionCounts{Registered: 40, AttendedInPerson: 28, AttendedOnline: 5}, Revision: 2,
		Previous:   &domain.ContributionCounts{Registered: 41, AttendedInPerson: 27, AttendedOnline: 5},
		VerifiedAt: time.Date(2026, 12, 16, 9, 0, 5, 0, time.UTC), Signature: "c2ln"}
	out := map[string]pageState{}
	add := func(name string, rec domain.Contribution, want ...string) {
		out[name] = pageState{data: s.verifyData(l, rec, "k1"), want: append(want, "Συνάντηση")}
	}
	add("speaker", rec, "Ομιλία", "Άννα", `<time datetime="2026-12-15">`)
	roles := []domain.PersonRole{domain.RoleHost, domain.RoleVolunteer, domain.RoleAttendee}
	activities := []domain.ActivityType{domain.ActivityOrganisingMeetup, domain.ActivityOrganisingOnline, domain.ActivityVolunteering, domain.ActivityAttending}
	for i, a := range activities {
		r := rec
		r.TalkTitle, r.Previous, r.Role, r.ActivityType = "", nil, roles[min(i, len(roles)-1)], a
		if i == 0 {
			r.PersonName = ""
		}
		add(string(a), r)
	}
	for _, how := range []domain.AttendanceMethod{domain.AttendedDoor, domain.AttendedStaffLink, domain.AttendedSelf,
		domain.AttendedOnline, domain.AttendedBulk, domain.AttendedWalkIn} {
		r := rec
		r.Role, r.ActivityType, r.TalkTitle, r.AttendedHow = domain.RoleAttendee, domain.ActivityAttending, "", how
		add("attendee, "+string(how), r)
	}
	return out
}

// TestAttendeePagesLanguage: an RSVP's page speaks the browser's
// language, an error page the language chosen with ?lang=, and a
// check-in sent from a page in Polish is answered in Polish.
func TestAttendeePagesLanguage(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ce := newConsoleEnv(t, db)
	owner := ce.organiser("Ada")
	g := ce.group(owner, "Polyglots")
	e := ce.publishedEvent(owner, g, "Babel", time.Now().Add(storetest.Offset()+7*24*time.Hour))
	_, link := ce.rsvpWithLink(e, "Grace")
	b := ce.browser()
	get := func(path, accept string) page {
		req, err := http.NewRequest(http.MethodGet, ce.base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		return b.do(req)
	}
	de := i18n.Get("de")
	if p := get("/r/"+link, "de-AT"); !strings.Contains(p.Body, `<html lang="de"`) || !strings.Contains(p.Body, de.T("status.going")) ||
		!strings.Contains(p.Body, de.T("rsvppage.data.heading")) {
		t.Errorf("a German browser's RSVP page: %d %.300s", p.Status, p.Body)
	}
	fr := i18n.Get("fr")
	if p := get("/r/no-such-token-at-all?lang=fr", ""); p.Status != http.StatusNotFound || !strings.Contains(p.Body, `<html lang="fr"`) ||
		!strings.Contains(p.Body, fr.T("error.rsvp.heading")) {
		t.Errorf("an unknown RSVP with ?lang=fr: %d %.300s", p.Status, p.Body)
	}
	b = ce.browser() // without the French cookie
	if p := get("/c/no-such-token-at-all", "ja"); p.Status != http.StatusNotFound || !strings.Contains(p.Body, i18n.Get("ja").T("error.confirmation.heading")) {
		t.Errorf("an unknown confirmation link in Japanese: %d %.300s", p.Status, p.Body)
	}
	pl := ce.browser()
	pl.get("/r/" + link) // a CSRF token
	req, err := http.NewRequest(http.MethodPost, ce.base+"/r/"+link+"/checkin", strings.NewReader(url.Values{
		"_csrf": {pl.csrf}, "lang": {"pl"}, "code": {"WRONG"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	p := pl.do(req)
	if !strings.Contains(p.Body, `<html lang="pl"`) || p.Status < 400 {
		t.Errorf("a check-in sent in Polish: %d %.300s", p.Status, p.Body)
	}
}
