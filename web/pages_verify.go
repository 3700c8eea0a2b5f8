package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
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
}

// verifyPage is a record's public page: the facts, the signature and how
// to check it. Withdrawn records are 410; nothing on the page is an
// address.
func (s *Server) verifyPage(c echo.Context) error {
	rec, keyID, err := s.findLiveContribution(c)
	var de *domain.Error
	switch {
	case errors.As(err, &de) && de.Code == domain.ENOTFOUND:
		d := messagePageData{Meta: s.meta("We can't find that record"), Heading: "We can't find that record",
			Text: []string{"There is no contribution record at this address. Check that you copied the whole link."}}
		d.Meta.NoIndex = true
		return s.render(c, http.StatusNotFound, "message", d)
	case errors.As(err, &de) && de.Code == domain.EGONE:
		d := messagePageData{Meta: s.meta("This record was withdrawn"), Heading: "This record was withdrawn",
			Text: []string{"This contribution record no longer stands: the event's organisers corrected who took part, or the person asked for their data to be erased.",
				"It should not be relied on."}}
		d.Meta.NoIndex = true
		return s.render(c, http.StatusGone, "message", d)
	case err != nil:
		return err
	}
	d := verifyPageData{
		Person: rec.PersonName, Role: roleLabel[rec.Role], Activity: activityLabel[rec.ActivityType], TalkTitle: rec.TalkTitle,
		EventTitle: rec.EventTitle, EventURL: rec.EventURL, EventDate: rec.EventDate, GroupName: rec.GroupName,
		Registered: rec.Counts.Registered, InPerson: rec.Counts.AttendedInPerson, Online: rec.Counts.AttendedOnline,
		Attended: attendedLabel[rec.AttendedHow], Revision: rec.Revision, Previous: rec.Previous,
		SignedOn:  rec.VerifiedAt.UTC().Format("2 January 2006, 15:04:05 UTC"),
		SignedISO: rec.VerifiedAt.UTC().Format(time.RFC3339), KeyID: keyID, Signature: rec.Signature,
		Signed: string(rec.SignedForm(keyID)), KeyURL: s.cfg.BaseURL + httpkit.SigningKeyPath,
		JSONURL: s.cfg.BaseURL + "/api/v1/public/contributions/" + rec.ID,
	}
	if t, err := time.Parse(time.DateOnly, rec.EventDate); err == nil {
		d.EventDate = t.Format("2 January 2006")
	}
	if d.Person == "" {
		d.Person = "An organiser of " + rec.GroupName
	}
	title := d.Person + ": " + d.Activity
	d.Meta = s.meta(title)
	d.Meta.NoIndex = true // a person's record is theirs to share, not for search engines
	d.Meta.Description = d.Activity + " at " + rec.EventTitle + ", " + d.EventDate + " — revision " + strconv.Itoa(rec.Revision) + "."
	c.Response().Header().Set("Cache-Control", "no-cache")
	return s.render(c, http.StatusOK, "verify", d)
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
