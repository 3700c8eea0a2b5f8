package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
)

// The states of the console's series, door, people and evidence pages,
// built as their handlers build them, with organisers' and attendees'
// words in Greek.

func init() {
	pageStates["console/series_list"] = seriesListStates
	pageStates["console/series"] = consoleSeriesStates
	pageStates["console/series_form"] = seriesFormStates
	pageStates["console/door"] = consoleDoorStates
	pageStates["console/people"] = peoplePageStates
	pageStates["console/evidence"] = evidencePageStates
}

// consoleStateStart is when the states' events and series start.
var consoleStateStart = time.Date(2026, 12, 15, 18, 0, 0, 0, oslo)

// stateMeta is a console page's frame, as consoleMeta makes it.
func stateMeta(title string) consoleMeta {
	return consoleMeta{Title: title, Who: "Όλγα", CSRF: "x", Section: "home",
		Crumbs: []pageLink{{URL: "/manage/groups/g1", Label: "Ομάδα"}}}
}

// withNotice is d's frame with a notice.
func withNotice(m consoleMeta, n *notice) consoleMeta {
	m.Notice = n
	return m
}

// stateSeries is a series with the rule r.
func stateSeries(r string) domain.Series {
	capacity := 30
	return domain.Series{ID: "s1", GroupID: "g1", Slug: "2026", Title: "Συνάντηση", Kind: domain.KindMeetup, RRule: r,
		StartsAt: consoleStateStart, Duration: 90 * time.Minute, TimeZone: "Europe/Oslo", Venue: &domain.Venue{Name: "Αίθουσα"},
		Capacity: &capacity, Ahead: 3}
}

func seriesListStates(l *i18n.Lang) map[string]pageState {
	d := seriesListData{Meta: stateMeta(l.T("console.series.list.title", "Group", "Ομάδα")), NewURL: "/manage/groups/g1/series/new"}
	empty := d
	// Every rule scheduleIn puts in words, and one it cannot.
	rules := []string{"FREQ=DAILY", "FREQ=DAILY;INTERVAL=2", "FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=2", "FREQ=MONTHLY",
		"FREQ=MONTHLY;INTERVAL=3", "FREQ=YEARLY", "FREQ=YEARLY;INTERVAL=5", "FREQ=HOURLY"}
	for _, day := range ruleDays {
		rules = append(rules, "FREQ=WEEKLY;BYDAY="+day)
		for _, n := range ruleNths {
			if n == "last" {
				n = "-1"
			}
			rules = append(rules, "FREQ=MONTHLY;BYDAY="+n+day)
		}
	}
	for i, r := range rules {
		x := stateSeries(r)
		d.Series = append(d.Series, seriesItem{Title: "Σειρά", URL: fmt.Sprintf("/manage/series/s%d", i), Rule: scheduleIn(l, x, oslo), Ended: i == 0})
	}
	return map[string]pageState{
		"empty": {data: empty},
		"rules": {data: d, want: []string{"(Europe/Oslo, CET)"}},
	}
}

func consoleSeriesStates(l *i18n.Lang) map[string]pageState {
	x := stateSeries("FREQ=MONTHLY;INTERVAL=3;BYDAY=3TU")
	base := seriesConsoleURL(x.ID)
	page := func(moveErr string, n *notice) seriesConsoleData {
		d := seriesConsoleData{Meta: withNotice(stateMeta(x.Title), n), Series: x, Rule: scheduleIn(l, x, oslo), RRule: x.RRule,
			PublicURL: "/s/" + x.Slug, EditURL: base + "/edit", Base: base, Zone: "Europe/Oslo"}
		d.Meta.Crumbs = append(d.Meta.Crumbs, pageLink{URL: "/manage/groups/g1/series", Label: l.T("console.series.crumb")})
		for i, st := range []domain.EventStatus{domain.EventPublished, domain.EventCancelled, domain.EventPublished} {
			start := consoleStateStart.AddDate(0, 3*i, 0)
			it := occurrenceItem{ID: fmt.Sprintf("e%d", i), When: whenIn(l, start, start.Add(x.Duration), oslo), Start: start.Format(localLayout),
				Status: string(st), Detached: i == 2, Going: 3, Waitlist: 1, URL: eventConsoleURL(fmt.Sprintf("e%d", i))}
			it.WhenHTML = timeTag(start, it.When)
			if i == 0 {
				it.MoveError = moveErr
			}
			d.Upcoming = append(d.Upcoming, it)
		}
		d.FollowerN, d.FollowerLine = 1, followerLine(l, 1)
		for _, mode := range []domain.FollowMode{domain.FollowInvite, domain.FollowRSVP} {
			d.Followers = append(d.Followers, followerItem{Name: "Ελένη", Mode: l.T(followModeLabel[mode]), Since: instantIn(l, consoleStateStart, time.UTC),
				SinceISO: consoleStateStart.UTC().Format(time.RFC3339)})
		}
		return d
	}
	states := map[string]pageState{"dates": {data: page("", nil), want: []string{`id="follower-count">1</strong>`}}}
	for key, id := range doorSeriesDone {
		if strings.HasPrefix(id, "console.series.") {
			states["done "+key] = pageState{data: page("", doneNotice(l, key))}
		}
	}
	// Why a date was not moved or cancelled.
	for msg, id := range refusals {
		if strings.HasPrefix(id, "console.series.") {
			states["refused "+id] = pageState{data: page(dateRefusal(l, domain.Conflict(domain.ReasonEventCancelled, msg)), nil)}
		}
	}
	states["no such date"] = pageState{data: page(l.T("console.series.error.move"), nil)}
	invalid := &domain.Error{Code: domain.EINVALID, Fields: []domain.FieldError{{Field: "starts_at", Message: "is in the past", Format: "is in the past"}}}
	states["date in the past"] = pageState{data: page(dateRefusal(l, invalid), nil)}
	reason := &domain.Error{Code: domain.EINVALID, Fields: []domain.FieldError{{Field: "reason", Message: "must be at most 500 characters", Format: "must be at most %d characters", Args: []any{500}}}}
	states["reason too long"] = pageState{data: page(dateRefusal(l, reason), nil)}
	other := &domain.Error{Code: domain.EINVALID, Fields: []domain.FieldError{{Field: "capacity", Message: "must be between 1 and 100000", Format: "must be between 1 and %d", Args: []any{100000}}}}
	states["other field"] = pageState{data: page(dateRefusal(l, other), nil)}

	many := page("", nil)
	many.FollowerN, many.FollowerLine, many.MoreFollower = 120, followerLine(l, 120), true
	states["many followers"] = pageState{data: many}

	ended := x
	now := consoleStateStart
	ended.EndedAt = &now
	none := seriesConsoleData{Meta: stateMeta(x.Title), Series: ended, Rule: scheduleIn(l, ended, oslo), RRule: ended.RRule, PublicURL: "/s/2026",
		Base: base, Ended: true, Zone: "Europe/Oslo", FollowerLine: followerLine(l, 0)}
	states["ended"] = pageState{data: none, want: []string{`id="follower-count">0</strong>`}}
	return states
}

func seriesFormStates(l *i18n.Lang) map[string]pageState {
	g := domain.Group{ID: "g1", Name: "Ομάδα", TimeZone: "Europe/Oslo"}
	newData := func() seriesFormData {
		d := seriesFormData{Meta: stateMeta(l.T("console.series.new.title")), New: true, Action: groupConsoleURL(g.ID) + "/series/new",
			Submit: l.T("console.series.new.submit"), Back: groupConsoleURL(g.ID) + "/series", Zones: commonZones}
		d.Meta.Crumbs = append(d.Meta.Crumbs, pageLink{URL: d.Back, Label: l.T("console.series.crumb")})
		return d
	}
	form := seriesForm{Title: "Συνάντηση", Kind: string(domain.KindMeetup), Freq: "MONTHLY", Interval: "3", Nth: "3", Weekday: "TU",
		Starts: "2027-01-19T17:00", Length: "90", TimeZone: "Europe/Oslo", VenueName: "Αίθουσα", Ahead: "3"}
	states := map[string]pageState{}

	blank := newData()
	blank.Form = seriesForm{Kind: string(domain.KindMeetup), Freq: "MONTHLY", Interval: "1", Length: "90", TimeZone: "Europe/Oslo", Ahead: "4"}
	states["new"] = pageState{data: blank}

	x, errs := form.series(g.TimeZone, l)
	if len(errs) > 0 {
		panic(fmt.Sprint("the states' series does not read: ", errs))
	}
	preview := newData()
	preview.Form = form
	start := time.Date(2027, 1, 19, 17, 0, 0, 0, oslo)
	preview.Preview = &seriesPreview{Rule: scheduleIn(l, x, oslo), RRule: x.RRule}
	for i := range 3 {
		t := start.AddDate(0, 3*i, 0)
		preview.Preview.Dates = append(preview.Preview.Dates, previewDate{ISO: t.Format(time.RFC3339), Text: whenIn(l, t, t.Add(90*time.Minute), oslo)})
	}
	states["preview"] = pageState{data: preview}
	noDates := preview
	noDates.Preview = &seriesPreview{Rule: preview.Preview.Rule, RRule: x.RRule}
	states["preview without dates"] = pageState{data: noDates}

	// What the form cannot read.
	bad := form
	bad.TimeZone, bad.Starts, bad.Length, bad.Interval, bad.Capacity, bad.Ahead = "Mars/Olympus", "", "λ", "100", "λ", "λ"
	_, errs = bad.series(g.TimeZone, l)
	unread := newData()
	unread.Form = bad
	unread.Form.Errors = errs
	states["unreadable"] = pageState{data: unread}
	bad2 := form
	bad2.Starts = "αύριο"
	_, errs = bad2.series(g.TimeZone, l)
	unread2 := newData()
	unread2.Form, unread2.Form.Errors = bad2, errs
	states["unreadable start"] = pageState{data: unread2}

	// What the domain refuses, each field once; the form's fields take
	// the errors of the domain's (seriesFieldOf).
	fieldSets := [][]string{
		{"title", "slug", "description", "kind", "rrule", "starts_at", "duration", "time_zone", "venue", "venue.address", "online_url", "capacity", "ahead", "waitlist"},
		{"venue.name"},
	}
	for i, fields := range fieldSets {
		de := &domain.Error{Code: domain.EINVALID}
		for _, f := range fields {
			de.Fields = append(de.Fields, domain.FieldError{Field: f, Message: "is required", Format: "is required"})
		}
		errs, err := seriesErrors(l, map[string]string{}, de)
		if err != nil {
			panic(err)
		}
		d := newData()
		d.Form, d.Form.Errors = form, errs
		states[fmt.Sprintf("refused fields %d", i)] = pageState{data: d}
	}
	taken, _ := seriesErrors(l, map[string]string{}, &domain.Error{Code: domain.ECONFLICT, Reason: domain.ReasonSlugTaken, Message: "slug: is already taken"})
	takenData := newData()
	takenData.Form, takenData.Form.Errors = form, taken
	states["address taken"] = pageState{data: takenData}

	edit := func(kind domain.EventKind, errs map[string]string) seriesFormData {
		d := seriesFormData{Meta: stateMeta(l.T("console.series.edit.title", "Title", "Συνάντηση")), Action: "/manage/series/s1/edit",
			Submit: l.T("console.series.edit.submit"), Back: "/manage/series/s1", Zones: commonZones}
		d.Form = form
		d.Form.Slug, d.Form.Kind, d.Form.Errors = "2026", string(kind), errs
		d.ZoneHTML = zoneHTML(d.Form.TimeZone)
		return d
	}
	states["edit meetup"] = pageState{data: edit(domain.KindMeetup, nil), want: []string{"/s/2026"}}
	states["edit live session"] = pageState{data: edit(domain.KindLiveSession, nil)}
	states["edit refused"] = pageState{data: edit(domain.KindMeetup, map[string]string{"form": refusal(l, domain.Conflict(domain.ReasonSeriesEnded, "This series has ended and cannot be changed."))})}
	return states
}

func consoleDoorStates(l *i18n.Lang) map[string]pageState {
	e := domain.Event{ID: "e1", GroupID: "g1", Title: "Συνάντηση", Slug: "2026", Status: domain.EventPublished, StartsAt: consoleStateStart,
		EndsAt: consoleStateStart.Add(2 * time.Hour), TimeZone: "Europe/Oslo"}
	at := consoleStateStart.Add(10 * time.Minute)
	page := func(e domain.Event, n *notice) consoleDoorData {
		d := consoleDoorData{Meta: withNotice(stateMeta(l.T("console.door.title", "Title", e.Title)), n), Event: e, Base: doorConsoleURL(e.ID),
			Expected: 20, In: 2, Published: e.Status == domain.EventPublished, When: whenIn(l, e.StartsAt, e.EndsAt, oslo),
			StartISO: e.StartsAt.UTC().Format(time.RFC3339), Zone: "(Europe/Oslo, CET)", Count: doorCount(l, 2, 20)}
		d.Meta.Crumbs = append(d.Meta.Crumbs, pageLink{URL: eventConsoleURL(e.ID), Label: e.Title})
		for i, how := range []domain.AttendanceMethod{"", domain.AttendedDoor, domain.AttendedSelf, domain.AttendedOnline, domain.AttendedBulk, domain.AttendedWalkIn} {
			p := consoleDoorPerson{ID: fmt.Sprintf("r%d", i), Name: "Νίκος", Email: "νίκος@παράδειγμα.ελ", Code: "ΑΒΓ-123", WalkIn: how == domain.AttendedWalkIn}
			if how != "" {
				p.In, p.At, p.How = true, l.Time(at.In(oslo)), attendedIn(l, how)
				p.AtHTML = timeTag(at, p.At)
			}
			d.People = append(d.People, p)
		}
		d.People = append(d.People, consoleDoorPerson{ID: "r9", Name: l.T("console.door.erased"), Code: "ΔΕΖ-456"})
		if d.Published {
			from, to := e.CheckinWindow()
			d.RoomCode, d.CodeWindow = "ΗΘΙ-789", compactWhen(l, from, to, oslo)
			d.CodeWindowHTML = timeTag(from, d.CodeWindow)
		}
		states := []domain.DoorLinkState{domain.DoorLinkActive, domain.DoorLinkRevoked, domain.DoorLinkExpired, domain.DoorLinkMakerRemoved}
		for i, st := range states {
			it := consoleDoorLink{ID: fmt.Sprintf("k%d", i), Label: "Είσοδος", MadeBy: "Όλγα", Made: instantIn(l, at, oslo), Expires: instantIn(l, e.EndsAt.Add(24*time.Hour), oslo),
				State: l.T(doorLinkStateLabel[st]), Active: st == domain.DoorLinkActive}
			it.ExpiresHTML = timeTag(e.EndsAt, it.Expires)
			if i == 0 {
				it.LastUsed = instantIn(l, at, oslo)
				it.Label = l.T("console.door.links.nolabel")
			}
			d.Links = append(d.Links, it)
		}
		d.Next, d.First = d.Base+"?after=x#people", d.Base+"#people"
		return d
	}
	out := map[string]pageState{"published": {data: page(e, nil), want: []string{"ΗΘΙ-789", "<strong>2</strong>"}}}
	open := page(e, nil)
	open.CodeOpen = true
	out["room code open"] = pageState{data: open}
	for _, st := range []domain.EventStatus{domain.EventDraft, domain.EventCancelled} {
		x := e
		x.Status = st
		out[string(st)] = pageState{data: page(x, nil)}
	}
	for key := range doorSeriesDone {
		out["done "+key] = pageState{data: page(e, doneNotice(l, key))}
	}
	for msg := range refusals {
		out["refused "+msg] = pageState{data: page(e, &notice{Kind: "error", Text: refusal(l, domain.Conflict(domain.ReasonCheckinClosed, msg))})}
	}
	for _, st := range []domain.RSVPStatus{domain.RSVPWaitlisted, domain.RSVPCancelled} {
		msg := "This person has no place: they are " + string(st) + ". Register them as a walk-in instead."
		out["no place "+string(st)] = pageState{data: page(e, &notice{Kind: "error", Text: refusal(l, domain.Conflict(domain.ReasonRSVPNotGoing, msg))})}
	}
	found := page(e, nil)
	found.Query, found.People, found.Next, found.First = "Ξένια", nil, "", ""
	out["nobody matches"] = pageState{data: found}
	nobody := page(e, nil)
	nobody.People, nobody.Links = nil, nil
	out["nobody"] = pageState{data: nobody}
	link := page(e, nil)
	link.NewLink, link.NewLinkLabel = "//παράδειγμα.ελ/1", "Είσοδος"
	out["new link"] = pageState{data: link}
	// A search too long, a page from elsewhere, a walk-in and a label
	// with mistakes.
	long, _ := fieldErrorsIn(l, &domain.Error{Code: domain.EINVALID, Fields: []domain.FieldError{{Field: "q", Message: "must be at most 100 characters",
		Format: "must be at most %d characters", Args: []any{100}}}}, doorLabels)
	searched := page(e, nil)
	searched.QueryError = long["q"]
	out["search too long"] = pageState{data: searched}
	lost := page(e, nil)
	lost.QueryError = l.T("console.door.error.page")
	out["page lost"] = pageState{data: lost}
	walkIn, _ := fieldErrorsIn(l, &domain.Error{Code: domain.EINVALID, Fields: []domain.FieldError{
		{Field: "name", Message: "is required", Format: "is required"},
		{Field: "email", Message: "must be a valid e-mail address like name@example.org", Format: "must be a valid e-mail address like name@example.org"},
		{Field: "label", Message: "must be at most 100 characters", Format: "must be at most %d characters", Args: []any{100}}}}, doorLabels)
	wrong := page(e, nil)
	wrong.Form = doorForm{Name: "", Email: "nikos", Label: "Είσοδος", Errors: walkIn}
	out["form errors"] = pageState{data: wrong}
	return out
}

func peoplePageStates(l *i18n.Lang) map[string]pageState {
	capacity := 20
	e := domain.Event{ID: "e1", GroupID: "g1", Title: "Συνάντηση", Slug: "2026", Status: domain.EventPublished, StartsAt: consoleStateStart,
		EndsAt: consoleStateStart.Add(2 * time.Hour), TimeZone: "Europe/Oslo", Capacity: &capacity, GoingCount: 1, WaitlistCount: 2}
	f := eventFrame{Event: e, Group: domain.Group{ID: "g1", Name: "Ομάδα"}, loc: oslo, URL: eventConsoleURL(e.ID)}
	at := func(t time.Time) template.HTML { return timeTag(t, peopleAt(l, oslo, t)) }
	replied := consoleStateStart.Add(-72 * time.Hour)
	page := func(e domain.Event, q peopleQuery, n *notice) peopleData {
		f := f
		f.Event = e
		d := peopleData{Meta: withNotice(stateMeta(l.T("console.people.title", "Title", e.Title)), n), Frame: f, Query: q, Action: peopleURL(e.ID),
			CSVURL: peopleURL(e.ID) + ".csv", Filtered: q.Q != "" || q.Status != "" || q.CheckedIn, Counts: peopleCounts(l, e),
			When: timeTag(e.StartsAt, compactWhen(l, e.StartsAt, e.EndsAt, oslo))}
		for _, st := range peopleStatuses {
			d.Statuses = append(d.Statuses, struct{ Value, Label string }{st.Value, l.T(st.Label)})
		}
		rows := []personRow{
			{ID: "r1", Status: "going", Seat: false, Remove: true, Erase: true},
			{ID: "r2", Status: "waitlisted", Position: 1, Seat: true, Remove: true, Erase: true},
			{ID: "r3", Status: "waitlisted", Position: 2, Seat: true, AddSeat: true, Remove: true, Erase: true, WalkIn: true},
			{ID: "r4", Status: "cancelled", Erase: true},
			{ID: "r5", Status: "going", Erased: true},
		}
		replies := []*domain.LastReply{
			{Status: domain.ReplyAccepted, Client: "Ημερολόγιο", Via: domain.ViaSMTP, ReceivedAt: replied},
			{Status: domain.ReplyTentative, Via: domain.ViaLMTP, ReceivedAt: replied},
			{Status: domain.ReplyDeclined, Client: "Ημερολόγιο", Via: domain.ViaWebhook, ReceivedAt: replied},
			{Status: domain.ReplyAccepted, Client: "Ημερολόγιο", Via: domain.ViaPipe, ReceivedAt: replied},
			{Status: domain.ReplyAccepted, Client: "Ημερολόγιο", Via: "", ReceivedAt: replied},
		}
		for i, r := range rows {
			r.Name, r.Email, r.Replied = "Νίκος", "νίκος@παράδειγμα.ελ", at(replied)
			if i == 0 {
				r.CheckedIn = at(consoleStateStart.Add(5 * time.Minute))
			}
			r.Calendar, r.CalendarVia = consoleReply(l, replies[i], at)
			r.EraseURL = peopleURL(e.ID) + "/" + r.ID + "/erase"
			d.Rows = append(d.Rows, r)
		}
		d.NextURL, d.PrevURL = peopleURL(e.ID)+"?cursor=n", peopleURL(e.ID)+"?cursor=p"
		return d
	}
	out := map[string]pageState{"list": {data: page(e, peopleQuery{}, nil), want: []string{"Ημερολόγιο"}}}
	unlimited := e
	unlimited.Capacity, unlimited.GoingCount, unlimited.WaitlistCount = nil, 5, 1
	out["no limit"] = pageState{data: page(unlimited, peopleQuery{Status: "going", CheckedIn: true}, nil)}
	one := e
	one.Capacity = new(int)
	*one.Capacity = 1
	out["one seat"] = pageState{data: page(one, peopleQuery{}, nil)}
	for key := range doorSeriesDone {
		out["done "+key] = pageState{data: page(e, peopleQuery{}, doneNotice(l, key))}
	}
	for msg := range refusals {
		out["refused "+msg] = pageState{data: page(e, peopleQuery{}, &notice{Kind: "error", Text: refusal(l, domain.Conflict(domain.ReasonEventFull, msg))})}
	}
	empty := page(e, peopleQuery{}, nil)
	empty.Rows, empty.NextURL, empty.PrevURL = nil, "", ""
	out["nobody"] = pageState{data: empty}
	nomatch := page(e, peopleQuery{Q: "Ξένια"}, nil)
	nomatch.Rows, nomatch.NextURL, nomatch.PrevURL = nil, "", ""
	out["nobody matches"] = pageState{data: nomatch}
	errs, _ := fieldErrorsIn(l, &domain.Error{Code: domain.EINVALID, Fields: []domain.FieldError{
		{Field: "q", Message: "must be at most 200 characters", Format: "must be at most %d characters", Args: []any{200}},
		{Field: "status", Message: "must be going, waitlisted or cancelled", Format: "must be going, waitlisted or cancelled"},
		{Field: "cursor", Message: "is not valid UTF-8", Format: "is not valid UTF-8"}}}, peopleLabels)
	wrongStatus := page(e, peopleQuery{Q: "Ξένια"}, nil)
	wrongStatus.Rows, wrongStatus.Errors = nil, map[string]string{"q": errs["q"], "status": errs["status"]}
	out["search errors"] = pageState{data: wrongStatus}
	wrongPage := page(e, peopleQuery{}, nil)
	wrongPage.Rows, wrongPage.Errors = nil, map[string]string{"cursor": l.T("console.people.error.cursor"), "other": errs["cursor"]}
	out["page link broken"] = pageState{data: wrongPage}
	return out
}

func evidencePageStates(l *i18n.Lang) map[string]pageState {
	base := "/manage/groups/g1/evidence"
	page := func(role domain.PersonRole, person string) evidenceData {
		d := evidenceData{Meta: stateMeta(l.T("console.evidence.title", "Group", "Ομάδα")), Base: base, Role: string(role), PersonID: person,
			Totals: domain.ContributionTotals{Events: 3, UniqueAttendees: 40, AttendedInPerson: 50, AttendedOnline: 10, RepeatAttendees: 12},
			AllURL: base, CSVURL: base + ".csv", JSONURL: base + ".json", Next: base + "?after=x", First: base}
		d.Roles = []roleChoice{{Value: "", Label: l.T("console.evidence.role.every")}}
		for _, r := range []domain.PersonRole{domain.RoleHost, domain.RoleSpeaker, domain.RoleVolunteer, domain.RoleAttendee} {
			d.Roles = append(d.Roles, roleChoice{Value: string(r), Label: roleIn(l, r), Selected: r == role})
		}
		records := []recordItem{
			{Role: roleIn(l, domain.RoleHost), Revision: 2},
			{Role: roleIn(l, domain.RoleSpeaker), TalkTitle: "Ομιλία"},
			{Role: roleIn(l, domain.RoleVolunteer), Withdrawn: true},
			{Role: roleIn(l, domain.RoleAttendee), Attended: attendedIn(l, domain.AttendedSelf)},
		}
		for i, r := range records {
			r.ID, r.Person, r.PersonURL, r.EventTitle, r.EventDate = fmt.Sprintf("c%d", i), "Νίκος", base+"?person=c1", "Συνάντηση", "2026-12-15"
			r.Registered, r.InPerson, r.Online, r.VerifyURL = 20, 15, 3, "/v/c1"
			d.Records = append(d.Records, r)
		}
		if person != "" {
			d.Person = "Νίκος"
		}
		return d
	}
	none := page("", "")
	none.Records, none.Next, none.First = nil, "", ""
	noMatch := page(domain.RoleSpeaker, "")
	noMatch.Records = nil
	return map[string]pageState{
		"records":        {data: page("", "")},
		"one person":     {data: page(domain.RoleSpeaker, "c1")},
		"none":           {data: none},
		"none match":     {data: noMatch},
		"erased persons": {data: func() evidenceData { d := page("", ""); d.Records[0].Person = l.T("console.door.erased"); return d }()},
	}
}
