package web

import (
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
	"github.com/convene/convene/i18n"
)

var activityLabel = map[domain.ActivityType]string{
	domain.ActivitySpeaking:         "Speaking",
	domain.ActivityOrganisingMeetup: "Organising a user-group or meetup event",
	domain.ActivityOrganisingOnline: "Organising an online session",
	domain.ActivityVolunteering:     "Volunteering",
	domain.ActivityAttending:        "Attending",
}

var roleLabel = map[domain.PersonRole]string{
	domain.RoleHost: "Host", domain.RoleSpeaker: "Speaker", domain.RoleVolunteer: "Volunteer", domain.RoleAttendee: "Attendee",
}

var attendedLabel = map[domain.AttendanceMethod]string{
	domain.AttendedDoor: "Checked in at the door", domain.AttendedStaffLink: "Checked in at the door",
	domain.AttendedSelf: "Checked in with the room's code", domain.AttendedOnline: "Joined online",
	domain.AttendedBulk: "On the sign-in sheet", domain.AttendedWalkIn: "Registered at the door",
}

type verifyPageData struct {
	Meta       pageMeta
	Person     string
	Role       string
	Activity   string
	TalkTitle  string
	EventTitle string
	EventURL   string
	EventDate  string // "14 May 2030"
	EventISO   string // 2030-05-14, for <time datetime>
	GroupName  string
	Registered int
	InPerson   int
	Online     int
	Attended   string
	Revision   int
	Previous   *domain.ContributionCounts
	SignedOn   string // "14 May 2030, 19:04:05 UTC"
	SignedISO  string
	KeyID      string
	Signature  string
	Signed     string
	KeyURL     string
	JSONURL    string
	// The same as markup for the page's sentences: the signing time in a
	// <time>, the key's id and the addresses as code.
	SignedAt template.HTML
	KeyCode  template.HTML
	KeyLink  template.HTML
	JSONLink template.HTML
}

// The verify page's words for the record's labels (the console keeps
// English's maps above).
var (
	activityIDs = map[domain.ActivityType]string{
		domain.ActivitySpeaking:         "verify.activity.speaking",
		domain.ActivityOrganisingMeetup: "verify.activity.meetup",
		domain.ActivityOrganisingOnline: "verify.activity.online",
		domain.ActivityVolunteering:     "verify.activity.volunteering",
		domain.ActivityAttending:        "verify.activity.attending",
	}
	roleIDs = map[domain.PersonRole]string{
		domain.RoleHost: "verify.role.host", domain.RoleSpeaker: "verify.role.speaker",
		domain.RoleVolunteer: "verify.role.volunteer", domain.RoleAttendee: "verify.role.attendee",
	}
	attendedIDs = map[domain.AttendanceMethod]string{
		domain.AttendedDoor: "verify.attended.door", domain.AttendedStaffLink: "verify.attended.door",
		domain.AttendedSelf: "verify.attended.self", domain.AttendedOnline: "verify.attended.online",
		domain.AttendedBulk: "verify.attended.bulk", domain.AttendedWalkIn: "verify.attended.walkin",
	}
)

// verifyLabel is the catalogue's message id in l, or "" for none.
func verifyLabel(l *i18n.Lang, id string) string {
	if id == "" {
		return ""
	}
	return l.T(id)
}

// verifyPage is a record's public page: the facts, the signature and how
// to check it. Withdrawn records are 410; nothing on the page is an
// address.
func (s *Server) verifyPage(c echo.Context) error {
	rec, keyID, err := s.findLiveContribution(c)
	// A record keeps no language of its event's: the visitor's, else
	// English.
	l := s.pageLang(c, domain.DefaultLanguage)
	var de *domain.Error
	switch {
	case errors.As(err, &de) && (de.Code == domain.ENOTFOUND || de.Code == domain.EGONE):
		d := verifyMissingData(l, de.Code == domain.EGONE)
		d.Meta = s.meta(d.Heading)
		d.Meta.NoIndex = true
		d.Meta.Languages = pageLanguages(c, l, "")
		return s.render(c, httpkit.StatusOf(err).Status, "message", d)
	case err != nil:
		return err
	}
	d := s.verifyData(l, rec, keyID)
	d.Meta.Languages = pageLanguages(c, l, "")
	c.Response().Header().Set("Cache-Control", "no-cache")
	return s.render(c, http.StatusOK, "verify", d)
}

// verifyMissingData is the page of a record there is none of, or of a
// withdrawn one, in l.
func verifyMissingData(l *i18n.Lang, withdrawn bool) messagePageData {
	if withdrawn {
		return messagePageData{Heading: l.T("verify.withdrawn.heading"),
			Text: []string{l.T("verify.withdrawn.text"), l.T("verify.withdrawn.trust")}}
	}
	return messagePageData{Heading: l.T("verify.notfound.heading"), Text: []string{l.T("verify.notfound.text")}}
}

// verifyData is the page of the record rec, signed with the key keyID,
// in l.
func (s *Server) verifyData(l *i18n.Lang, rec domain.Contribution, keyID string) verifyPageData {
	d := verifyPageData{
		Person: rec.PersonName, Role: verifyLabel(l, roleIDs[rec.Role]), Activity: verifyLabel(l, activityIDs[rec.ActivityType]), TalkTitle: rec.TalkTitle,
		EventTitle: rec.EventTitle, EventURL: rec.EventURL, EventDate: rec.EventDate, EventISO: rec.EventDate, GroupName: rec.GroupName,
		Registered: rec.Counts.Registered, InPerson: rec.Counts.AttendedInPerson, Online: rec.Counts.AttendedOnline,
		Attended: verifyLabel(l, attendedIDs[rec.AttendedHow]), Revision: rec.Revision, Previous: rec.Previous,
		SignedOn:  rec.VerifiedAt.UTC().Format("2 January 2006, 15:04:05 UTC"),
		SignedISO: rec.VerifiedAt.UTC().Format(time.RFC3339), KeyID: keyID, Signature: rec.Signature,
		Signed: string(rec.SignedForm(keyID)), KeyURL: s.cfg.BaseURL + httpkit.SigningKeyPath,
		JSONURL: s.cfg.BaseURL + "/api/v1/public/contributions/" + rec.ID,
	}
	if t, err := time.Parse(time.DateOnly, rec.EventDate); err == nil {
		d.EventDate = t.Format("2 January 2006")
		if l.Tag() != domain.DefaultLanguage && l.Tag() != i18n.Pseudo {
			d.EventDate = l.Date(t)
		}
	}
	if l.Tag() != domain.DefaultLanguage && l.Tag() != i18n.Pseudo {
		at := rec.VerifiedAt.UTC()
		d.SignedOn = l.DateTime(l.Date(at), l.Time(at)) + " UTC"
	}
	codeLink := func(u string) template.HTML {
		u = template.HTMLEscapeString(u)
		return template.HTML(`<a href="` + u + `"><code class="url">` + u + `</code></a>`)
	}
	d.SignedAt = template.HTML(`<time datetime="` + d.SignedISO + `">` + template.HTMLEscapeString(d.SignedOn) + `</time>`)
	d.KeyCode = template.HTML(`<code class="url">` + template.HTMLEscapeString(keyID) + `</code>`)
	d.KeyLink, d.JSONLink = codeLink(d.KeyURL), codeLink(d.JSONURL)
	if d.Person == "" {
		d.Person = l.T("verify.organiser", "Group", rec.GroupName)
	}
	d.Meta = s.meta(l.T("verify.title", "Person", d.Person, "Activity", d.Activity))
	d.Meta.NoIndex = true // a person's record is theirs to share, not for search engines
	d.Meta.Description = l.T("verify.description", "Activity", d.Activity, "Event", rec.EventTitle, "Date", d.EventDate, "Revision", rec.Revision)
	return d
}

// findLiveContribution returns a record that stands, with the id of the
// key that signed it; ENOTFOUND, or EGONE for a withdrawn one.
func (s *Server) findLiveContribution(c echo.Context) (domain.Contribution, string, error) {
	id, err := httpkit.ID(c, "id", "contribution")
	if err != nil {
		return domain.Contribution{}, "", err
	}
	ctx := c.Request().Context()
	rec, err := s.store.FindContribution(ctx, id)
	if err != nil {
		return rec, "", err
	}
	if err := rec.CheckStands(); err != nil {
		return rec, "", err
	}
	k, err := s.store.SigningKey(ctx)
	return rec, k.ID, err
}
