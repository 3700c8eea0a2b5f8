package web

import (
	"strings"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
)

// The states of the event's console pages (its overview, form and
// cancelling), the invitations and e-mail pages and the page that asks
// before erasing a person's data, built by the handlers' own functions
// without a store, with the organisers' and attendees' words in Greek.

// consoleEventFixture is an event of the console's states: published,
// with a venue, 20 seats and 17 going.
func consoleEventFixture() (*Server, domain.Event, domain.Group) {
	oslo, _ := time.LoadLocation("Europe/Oslo")
	start := time.Date(2026, 12, 15, 18, 0, 0, 0, oslo)
	capacity := 20
	e := domain.Event{ID: "ev1", Title: "Συνάντηση", Slug: "2026-12-15", Kind: domain.KindMeetup, Status: domain.EventPublished,
		StartsAt: start, EndsAt: start.Add(2 * time.Hour), TimeZone: "Europe/Oslo", Capacity: &capacity, GoingCount: 17, WaitlistCount: 2,
		Venue: &domain.Venue{Name: "Αίθουσα", Address: "Οδός 1"}, Waitlist: true}
	g := domain.Group{ID: "gr1", Name: "Ομάδα", Slug: "omada", TimeZone: "Europe/Oslo"}
	// The site's address is shown (the public page's): Greek, so that the
	// pseudo-locale's check reads only words.
	s := &Server{cfg: Config{BaseURL: "//συνάντηση.ελ", Clock: fixedClock(start.Add(-24 * time.Hour))}}
	return s, e, g
}

// consoleMetaFixture is the frame of a state titled title.
func consoleMetaFixture(title string) consoleMeta {
	return consoleMeta{Title: title, Who: "Άννα", CSRF: "x", Section: "home"}
}

func consoleEventStates(l *i18n.Lang) map[string]pageState {
	s, e, g := consoleEventFixture()
	people := domain.EventPeople{Hosts: []domain.EventPerson{{Name: "Άννα"}, {Name: "Νίκος"}},
		Speakers: []domain.EventPerson{{Name: "Ελένη", TalkTitle: "Ομιλία"}, {Name: "Γιώργος"}}}
	page := func(e domain.Event, p domain.EventPeople, dup dupForm, n *notice) pageState {
		m := consoleMetaFixture(e.Title)
		m.Notice = n
		return pageState{data: consoleEventData(l, s.cfg.BaseURL, m, e, g, domain.EventStats{Attended: 3}, p, dup), want: []string{`href="/manage/events/ev1/edit"`}}
	}
	out := map[string]pageState{}
	opens, closes := e.StartsAt.Add(-72*time.Hour), e.StartsAt.Add(-time.Hour)

	published := e
	published.RSVPConfirmation = domain.ConfirmEmail
	published.OnlineURL = "//ζωντανά.ελ/συνάντηση"
	out["published"] = page(published, people, dupForm{Date: "2026-12-22"}, nil)

	window := e
	window.RSVPOpensAt, window.RSVPClosesAt = &opens, &closes
	out["opens and closes"] = page(window, people, dupForm{}, nil)
	window.RSVPClosesAt = nil
	out["opens"] = page(window, domain.EventPeople{}, dupForm{}, nil)
	window.RSVPOpensAt, window.RSVPClosesAt = nil, &closes
	one := 1
	window.Capacity, window.GoingCount = &one, 0
	out["closes, one seat"] = page(window, domain.EventPeople{}, dupForm{}, nil)

	full := e
	full.GoingCount, full.Venue = 20, &domain.Venue{Name: "Αίθουσα"}
	out["full, no address"] = page(full, people, dupForm{Date: "2026", Error: l.T("console.event.duplicate.date")}, nil)

	draft := e
	draft.Status, draft.Capacity, draft.Venue = domain.EventDraft, nil, nil
	out["draft"] = page(draft, domain.EventPeople{}, dupForm{}, nil)
	past := &domain.Error{Code: domain.EINVALID, Reason: domain.ReasonEventInPast, Message: "An event that has already started cannot be published."}
	out["draft, started"] = page(draft, domain.EventPeople{}, dupForm{}, &notice{Kind: "error", Text: publishRefusal(l, past)})
	var v domain.Validation
	v.Add("venue", "is required for a meetup")
	invalid := v.Err().(*domain.Error)
	out["draft, invalid"] = page(draft, domain.EventPeople{}, dupForm{}, &notice{Kind: "error", Text: publishRefusal(l, invalid)})

	// A copy refused: the domain's error on a field of the copy.
	errs := map[string]string{}
	var dv domain.Validation
	dv.Add("ends_at", "must be after starts_at")
	if _, err := eventErrors(l, errs, dv.Err()); err != nil {
		panic(err)
	}
	out["copy refused"] = page(e, people, dupForm{Date: "2026-12-22", Error: l.T("console.event.duplicate.refused", "Error", errs["ends_at"])}, nil)

	cancelled := e
	cancelled.Status, cancelled.CancelReason = domain.EventCancelled, "Ασθένεια"
	st := page(cancelled, people, dupForm{}, nil)
	st.want = []string{"Ασθένεια"}
	out["cancelled"] = st
	return out
}

func consoleEventFormStates(l *i18n.Lang) map[string]pageState {
	_, e, g := consoleEventFixture()
	hosts := []hostChoice{{ID: "o1", Name: "Άννα", Checked: true}, {ID: "o2", Name: "Νίκος"}}
	page := func(title, submit, now string, f eventForm) pageState {
		d := eventFormData{Meta: consoleMetaFixture(title), Form: f, Action: "/manage/groups/gr1/events", Submit: submit,
			Hosts: hosts, Speakers: speakerRows(f), BackURL: "/manage/groups/gr1", Now: now}
		// Zones are IANA names, not words: left out, so that the pseudo
		// locale's check reads only words.
		return pageState{data: d, want: []string{`name="speaker_name"`}}
	}
	out := map[string]pageState{}
	newForm := eventForm{Kind: string(domain.KindMeetup), Waitlist: true, Starts: "2026-12-15T18:00", Ends: "2026-12-15T20:00"}
	out["new"] = page(l.T("console.event.form.new", "Group", g.Name), l.T("console.event.form.create"), "", newForm)

	edit := formOf(e, domain.EventPeople{Speakers: []domain.EventPerson{{Name: "Ελένη", TalkTitle: "Ομιλία"}}}, true)
	edit.Confirm = true
	out["edit"] = page(l.T("console.event.form.edit", "Title", e.Title), l.T("console.event.form.save"), eventWhen(l, e), edit)

	// Every error the form words its own way, and the domain's on the
	// fields and the speakers.
	bad := eventForm{Kind: "online", Description: "Περιγραφή", TimeZone: "Europe/Oslo", Starts: "αύριο", Ends: "2026-12-15T20:00",
		Capacity: "πολλά", Opens: "2026-12-16T10:00", Closes: "2026-12-16T09:00",
		Speakers: []domain.PersonInput{{Name: "Ελένη", Email: "όχι-διεύθυνση", SlidesURL: "διαφάνειες"}}}
	var v domain.Validation
	ev := bad.event(&v)
	errs, err := checkEventForm(l, &v, ev, bad.people())
	if err != nil {
		panic(err)
	}
	bad.Errors = errs
	out["errors"] = page(l.T("console.event.form.new", "Group", g.Name), l.T("console.event.form.create"), "", bad)

	rules := eventForm{Kind: string(domain.KindMeetup), TimeZone: "Europe/Oslo", Starts: "2026-12-15T18:00", Ends: "2026-12-15T17:00",
		Capacity: "0", Opens: "2026-12-10T10:00", Closes: "2026-12-09T10:00"}
	var rv domain.Validation
	re := rules.event(&rv)
	if rules.Errors, err = checkEventForm(l, &rv, re, rules.people()); err != nil {
		panic(err)
	}
	online := eventForm{Kind: string(domain.KindLiveSession), TimeZone: "Europe/Oslo", Starts: "2026-12-15T18:00", Ends: "2027-02-15T17:00"}
	var ov domain.Validation
	oe := online.event(&ov)
	if online.Errors, err = checkEventForm(l, &ov, oe, online.people()); err != nil {
		panic(err)
	}
	for k, v := range online.Errors {
		if _, ok := rules.Errors[k]; !ok {
			rules.Errors[k] = v
		}
	}
	noKind := eventForm{Title: "Τίτλος", TimeZone: "Europe/Oslo", Starts: "2026-12-15T18:00", Ends: "2026-12-15T20:00"}
	var kv domain.Validation
	ke := noKind.event(&kv)
	kerrs, err := checkEventForm(l, &kv, ke, noKind.people())
	if err != nil {
		panic(err)
	}
	rules.Errors["kind"] = kerrs["kind"]
	out["the domain's errors"] = page(l.T("console.event.form.new", "Group", g.Name), l.T("console.event.form.create"), "", rules)

	// Every field the form shows, with an error of the domain's.
	var all domain.Validation
	for _, f := range []string{"title", "description", "kind", "starts_at", "ends_at", "time_zone", "venue", "venue.name", "venue.address",
		"online_url", "capacity", "rsvp_opens_at", "rsvp_closes_at", "rsvp_confirmation", "hosts", "speakers",
		"speakers[0].name", "speakers[0].email", "speakers[0].talk_title", "speakers[0].slides_url", "volunteers"} {
		all.Add(f, "is required")
	}
	every := eventForm{Kind: string(domain.KindMeetup), Speakers: []domain.PersonInput{{Name: "Ελένη"}}, Errors: map[string]string{}}
	if _, err := eventErrors(l, every.Errors, all.Err()); err != nil {
		panic(err)
	}
	out["every field"] = page(l.T("console.event.form.edit", "Title", e.Title), l.T("console.event.form.save"), eventWhen(l, e), every)
	for name, st := range out {
		if f := st.data.(eventFormData).Form; name != "new" && name != "edit" && len(f.Errors) == 0 {
			panic(name + " has no errors")
		}
	}
	return out
}

func consoleCancelStates(l *i18n.Lang) map[string]pageState {
	_, e, _ := consoleEventFixture()
	page := func(going, waiting int, reason, errText string) pageState {
		d := cancelData{Meta: consoleMetaFixture(l.T("console.event.cancel.title", "Title", e.Title)), Event: e, When: eventWhen(l, e),
			Going: going, Waiting: waiting, Reason: reason, Error: errText, Action: "/manage/events/ev1/cancel", BackURL: "/manage/events/ev1",
			Max: domain.MaxReasonLen}
		return pageState{data: d, want: []string{`name="reason"`}}
	}
	out := map[string]pageState{}
	for _, n := range []int{0, 1, 2, 3, 5, 11, 22, 100} {
		out["going "+string(rune('0'+n%10))+string(rune('a'+n/10))] = page(n, n+1, "", "")
	}
	out["no reason"] = page(17, 2, "", l.T("console.event.cancel.required"))
	var v domain.Validation
	domain.CheckText(&v, "reason", strings.Repeat("α", domain.MaxReasonLen+1), domain.MaxReasonLen)
	errs := map[string]string{}
	if _, err := eventErrors(l, errs, v.Err()); err != nil {
		panic(err)
	}
	out["reason too long"] = page(17, 2, "Ασθένεια", errs["reason"])
	return out
}

func consoleInvitationsStates(l *i18n.Lang) map[string]pageState {
	s, e, _ := consoleEventFixture()
	loc := present0(e)
	sent, answered := e.StartsAt.Add(-48*time.Hour), e.StartsAt.Add(-30*time.Hour)
	rows := []invitationRow{
		invitationRowOf(l, loc, domain.Invitation{Name: "Άννα", Email: "άννα@παράδειγμα.ελ", Status: domain.InvitationQueued}),
		invitationRowOf(l, loc, domain.Invitation{Email: "νίκος@παράδειγμα.ελ", Status: domain.InvitationSent, SentAt: &sent}),
		invitationRowOf(l, loc, domain.Invitation{Name: "Ελένη", Email: "ελένη@παράδειγμα.ελ", Status: domain.InvitationBounced, SentAt: &sent,
			LastError: "550 Άγνωστος παραλήπτης"}),
		invitationRowOf(l, loc, domain.Invitation{Name: "Γιώργος", Email: "γιώργος@παράδειγμα.ελ", Status: domain.InvitationAccepted, SentAt: &sent, RespondedAt: &answered}),
		invitationRowOf(l, loc, domain.Invitation{Status: domain.InvitationDeclined, SentAt: &sent, RespondedAt: &answered}),
	}
	frame := eventFrame{Event: e, loc: loc, URL: "/manage/events/ev1", When: eventWhen(l, e)}
	page := func(open bool, form invitationsForm, rows []invitationRow, n *notice) pageState {
		d := invitationsData{Meta: consoleMetaFixture(l.T("console.invitations.title", "Title", e.Title)), Frame: frame, Form: form, Rows: rows,
			Action: "/manage/events/ev1/invitations", Open: open, Max: domain.MaxInvitationsPerRequest}
		d.Meta.Notice = n
		for i, p := range d.Form.Lines {
			d.Form.Lines[i].Message = pastedText(l, p)
		}
		return pageState{data: d, want: []string{`href="/manage/events/ev1/email"`}}
	}
	out := map[string]pageState{}
	out["empty"] = page(true, invitationsForm{}, nil, nil)
	out["invited"] = page(true, invitationsForm{}, rows, nil)
	paged := page(true, invitationsForm{}, rows, nil)
	d := paged.data.(invitationsData)
	d.FirstURL, d.NextURL = "/manage/events/ev1/invitations", "/manage/events/ev1/invitations?cursor=x"
	paged.data = d
	out["a later page"] = paged

	bad := invitationsForm{People: "άννα@\nΆννα <άννα@παράδειγμα.ελ\nΆννα, Νίκος\nα, β, γ\nάννα@παράδειγμα.ελ, " + strings.Repeat("α", 300)}
	bad.read(l)
	bad.People = "Άννα" // as typed, but without the markup that the page escapes (the check reads &lt; as a word)
	out["lines not read"] = page(true, bad, rows, nil)
	one := invitationsForm{People: "άννα@"}
	one.read(l)
	out["a line not read"] = page(true, one, nil, nil)
	empty := invitationsForm{People: "\n \n"}
	empty.read(l)
	out["nobody"] = page(true, empty, nil, nil)
	many := invitationsForm{People: strings.Repeat("a@b.c\n", domain.MaxInvitationsPerRequest+1)}
	many.read(l)
	many.People = ""
	out["too many"] = page(true, many, nil, nil)
	req := domain.InvitationRequest{Recipients: []domain.InvitationRecipient{{Email: "άννα@παράδειγμα.ελ"}}, Message: strings.Repeat("α", domain.MaxInvitationMessageLen+1)}
	var de *domain.Error
	if err := req.Validate(); err == nil || !asDomainError(err, &de) {
		panic("the long message is accepted")
	}
	out["message too long"] = page(true, invitationsForm{Errors: invitationErrors(l, de)}, nil, nil)
	if err := (domain.InvitationRequest{}).Validate(); err == nil || !asDomainError(err, &de) {
		panic("an empty request is accepted")
	}
	errs := invitationErrors(l, de)
	out["nobody, from the store"] = page(true, invitationsForm{Errors: map[string]string{"people": errs["recipients"]}}, nil, nil)
	for _, reason := range []string{domain.ReasonEventNotPublished, domain.ReasonEventCancelled, domain.ReasonRSVPNotOpen, domain.ReasonRSVPClosed} {
		out["refused, "+reason] = page(false, invitationsForm{}, rows, &notice{Kind: "error", Text: refusalText(l, domain.Conflict(reason, "English"))})
	}
	_ = s
	return out
}

func consoleEmailStates(l *i18n.Lang) map[string]pageState {
	_, e, _ := consoleEventFixture()
	loc := present0(e)
	queued, sent := e.StartsAt.Add(-48*time.Hour), e.StartsAt.Add(-47*time.Hour)
	var rows []emailRow
	for i, k := range []domain.MessageKind{domain.MessageGoing, domain.MessageWaitlisted, domain.MessageUpdated, domain.MessageEventCancelled,
		domain.MessageRSVPCancelled, domain.MessageReminder, domain.MessageReconfirm, domain.MessageThankYou, domain.MessageRepeat} {
		d := domain.Delivery{ID: "d" + string(rune('0'+i)), Name: "Άννα", Email: "άννα@παράδειγμα.ελ", Kind: k, Status: domain.DeliverySent,
			Attempts: 1, CreatedAt: queued, SentAt: &sent}
		switch i {
		case 1:
			d.Status, d.SentAt, d.Attempts = domain.DeliveryQueued, nil, 0
		case 2:
			d.Status, d.SentAt, d.Attempts, d.LastError = domain.DeliveryFailed, nil, 3, "550 Άγνωστος παραλήπτης"
		case 3:
			d.Status, d.SentAt = domain.DeliverySkipped, nil
		case 4:
			d.Name, d.Email, d.Attempts = "", "", 2
		}
		rows = append(rows, emailRowOf(l, loc, d))
	}
	frame := eventFrame{Event: e, loc: loc, URL: "/manage/events/ev1", When: eventWhen(l, e)}
	page := func(rows []emailRow, n *notice) pageState {
		d := emailData{Meta: consoleMetaFixture(l.T("console.email.title", "Title", e.Title)), Frame: frame, Rows: rows, Action: "/manage/events/ev1/email"}
		d.Meta.Notice = n
		return pageState{data: d, want: []string{`href="/manage/events/ev1/invitations"`}}
	}
	out := map[string]pageState{}
	out["nothing yet"] = page(nil, nil)
	out["sent"] = page(rows, nil)
	for _, st := range []domain.DeliveryStatus{domain.DeliverySent, domain.DeliverySkipped} {
		out["not failed, "+string(st)] = page(rows, &notice{Kind: "error", Text: retryFailure(l, domain.Conflict(domain.ReasonDeliveryNotFailed, "English"), st)})
	}
	out["erased"] = page(rows, &notice{Kind: "error", Text: retryFailure(l, domain.ErrRSVPErased, domain.DeliveryFailed)})
	paged := page(rows, nil)
	d := paged.data.(emailData)
	d.FirstURL, d.NextURL = "/manage/events/ev1/email", "/manage/events/ev1/email?cursor=x"
	paged.data = d
	out["a later page"] = paged
	return out
}

func consoleEraseStates(l *i18n.Lang) map[string]pageState {
	_, e, _ := consoleEventFixture()
	r := domain.RSVP{ID: "r1", Name: "Άννα <Νίκος>", Email: "άννα@παράδειγμα.ελ"}
	page := func(series, erased bool) pageState {
		d := eraseRSVPData{Meta: consoleMetaFixture(l.T("console.erase.title")), Frame: eventFrame{Event: e}, Series: series,
			Person: personRow{Name: r.Name, Email: r.Email, Erased: erased}, Lead: eraseLead(l, r, series),
			Action: "/manage/events/ev1/people/r1/erase", Back: "/manage/events/ev1/people"}
		d.Meta.Crumbs = []pageLink{{URL: "/manage/events/ev1/people", Label: l.T("console.event.link.people")}}
		want := []string{"<strong>Άννα &lt;Νίκος&gt;</strong>"}
		if erased {
			want = nil
		}
		return pageState{data: d, want: want}
	}
	return map[string]pageState{"event": page(false, false), "series": page(true, false), "erased already": page(false, true)}
}

// present0 is the fixture event's zone.
func present0(e domain.Event) *time.Location {
	loc, err := time.LoadLocation(e.TimeZone)
	if err != nil {
		panic(err)
	}
	return loc
}

func asDomainError(err error, de **domain.Error) bool {
	e, ok := err.(*domain.Error)
	*de = e
	return ok
}

func init() {
	pageStates["console/event"] = consoleEventStates
	pageStates["console/event_form"] = consoleEventFormStates
	pageStates["console/event_cancel"] = consoleCancelStates
	pageStates["console/invitations"] = consoleInvitationsStates
	pageStates["console/email"] = consoleEmailStates
	pageStates["console/erase_rsvp"] = consoleEraseStates
}
