package mail

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/calendar"
	"github.com/convene/convene/notifications/present"
)

// Invite is everything Compose needs to write one email to one attendee.
// The caller loads it; Compose does no I/O.
type Invite struct {
	Event domain.Event
	// Previous is the event as attendees last heard of it, for domain.MessageUpdated:
	// the sentences about changes then say what it was ("was 18:00–20:00").
	// A domain.EventSnapshot converts into one. May be nil.
	Previous *domain.Event
	// Changed are the JSON names of the changed fields, for domain.MessageUpdated
	// (domain.EventChange.Changed or EventSnapshot.Changes).
	Changed []string

	Group domain.Group
	// Organizer is the iCalendar ORGANIZER. An empty Name means the group's
	// name; an empty Email means the group's contact_email. When the group
	// has none, the caller passes the first owner's email here.
	Organizer calendar.Person
	// ReplyAddress, when set, is the RSVP's own reply address
	// (domain.ReplyAddress): it becomes the ORGANIZER's address, so that
	// the attendee's calendar sends its answer there, while the e-mail's
	// Reply-To stays Organizer's, a person's mailbox.
	ReplyAddress string
	RSVP         domain.RSVP

	// From is the service's sender (CONVENE_MAIL_FROM). The e-mail is
	// from the group through it: "Oslo Go via Convene" (see GroupFrom);
	// the address is the service's own (replies go to the organiser
	// through Reply-To).
	From mail.Address

	// BaseURL is the public address of the service ("https://convene.example").
	// Its host makes the iCalendar UID and the Message-ID.
	BaseURL string
	// ManageURL is the attendee's manage link (see ManageURL). It is only
	// known while the raw token is, so it may be "": the email then says to
	// use the link from the first email.
	ManageURL string
	// JoinURL is the link to join an online event; "" means Event.OnlineURL.
	JoinURL string

	// Sequence is the invitation's SEQUENCE: 0 for a first invitation,
	// higher for every update, and higher again for a cancellation (rule I7,
	// I8). It is also part of the Message-ID.
	Sequence int
	// WaitlistPosition is the place in line, for domain.MessageWaitlisted; 0 means
	// RSVP.WaitlistPosition.
	WaitlistPosition int
	// Reason is the organisers' reason, for domain.MessageEventCancelled; "" means
	// Event.CancelReason.
	Reason string
	// SeriesTitle and UnfollowURL are set for an RSVP made for a follower
	// of a series: the e-mail offers the one-click unfollow link (and
	// carries List-Unsubscribe). SeriesTitle without UnfollowURL is an
	// RSVP made for somebody who no longer follows the series: the footer
	// says they get the e-mail because they still hold that RSVP.
	SeriesTitle string
	UnfollowURL string

	// Before is how long before the start a reminder is sent, for
	// domain.MessageReminder ("starts in 24 hours").
	Before time.Duration
	// ConfirmBy is the deadline of a reconfirmation, for domain.MessageReconfirm.
	ConfirmBy time.Time
	// Why says why Convene cancelled the RSVP, for domain.MessageRSVPCancelled:
	// domain.CancelNotReconfirmed or domain.CancelByOrganiser, or "" when
	// the attendee cancelled.
	Why string
	// Repeat, when above zero, says a going or waitlisted e-mail is sent
	// again because somebody replied again with the address (the how
	// many-th time): it says so, and has a Message-ID of its own.
	Repeat int
	// Now is when the message is made: its Date and the calendar's DTSTAMP.
	Now time.Time
}

// messageIDOf is the Message-ID of in's e-mail of a kind: one per RSVP,
// kind and SEQUENCE, so that a retry is recognised as the same message,
// and one per repeat notice.
func messageIDOf(in Invite, kind domain.MessageKind, host string) string {
	if in.Repeat > 0 {
		return MessageID(in.RSVP.ID, domain.MessageKind(domain.MessageRepeat), in.Repeat, host)
	}
	return MessageID(in.RSVP.ID, kind, in.Sequence, host)
}

// repeatWhy is the sentence that says why a repeat notice is sent: their
// calendar asked for the invite again, or somebody replied again with
// their address.
func repeatWhy(l *i18n.Lang, in Invite) string {
	if in.Why == domain.RepeatRefresh {
		return l.T("mail.repeat.refresh")
	}
	return l.T("mail.repeat.reply")
}

// The templates, parsed once and cloned per language (see lang.go).
//
//go:embed templates
var templateFS embed.FS

// view is what the templates see. Every string in it is plain text; the
// HTML template escapes it. CheckinQR is the one field of HTML: qrTable
// builds it from the QR code's modules and escapes the one text it holds.
type view struct {
	Kind      string
	Subject   string
	Name      string
	Title     string
	When      string
	Where     string
	JoinURL   string
	EventURL  string
	ManageURL string
	// GoogleURL and OutlookURL are the add-to-calendar links.
	GoogleURL  string
	OutlookURL string
	// Changes are the sentences that start an update.
	Changes     []string
	Description string
	Reason      string
	Position    int
	GroupName   string
	// HasCalendar says that an invite.ics (REQUEST or CANCEL) is attached.
	HasCalendar bool
	// CheckinCode is the attendee's check-in code for reading
	// ("ABCD-EFGH"), in the going and updated emails; "" for an RSVP made
	// before codes existed. CheckinQR is its QR code, an HTML table.
	CheckinCode string
	CheckinQR   htmltemplate.HTML
	// Series and Unfollow: the series a follower was signed up from, and
	// their one-click unfollow link ("" once they no longer follow it).
	Series   string
	Unfollow string
	// StartsIn is how soon a reminded event starts ("24 hours").
	StartsIn string
	// ConfirmBy is the local deadline of a reconfirmation.
	ConfirmBy string
	// Why is the sentence that says why Convene cancelled an RSVP.
	Why string
	// Promoted says a going e-mail is for someone who moved up from the
	// waitlist.
	Promoted bool
	// Waitlisted says an event's cancellation goes to someone on its
	// waitlist, who had no invitation.
	Waitlisted bool
}

// Compose writes the email of the given kind to in.RSVP's person. It
// returns an error matching ErrInvalid when the input cannot make a valid
// message (a missing organiser address, a SEQUENCE that would not update
// calendars...): retrying with the same input cannot help. When the RSVP's
// or the event's status does not fit the kind (the news was overtaken by a
// later change), the error also matches ErrStale.
//
// The e-mail speaks the attendee's language (domain.RSVP.Language: the
// one they replied in, else the event's, else its group's), its words and
// its dates, and so does the calendar's DESCRIPTION.
//
// Every kind has a text and an HTML body that say everything on their own
// (Outlook shows the body, not the calendar's DESCRIPTION): the title, the
// local time in the event's zone with the zone named, the place or "Online"
// and, for online and hybrid events, the join link, and the manage link. Going,
// Updated, EventCancelled and RSVPCancelled carry a calendar object for this
// one attendee (rule M3): a REQUEST in which they have accepted, or a
// CANCEL. EventCancelled sends the CANCEL to waitlisted people too: they
// may hold the event from elsewhere (a download from the public page should
// use the same calendar.UID, so the CANCEL removes it), and a CANCEL for an
// event a calendar does not hold changes nothing.
func Compose(kind domain.MessageKind, in Invite) (Message, error) {
	c, err := checkInvite(kind, in)
	if err != nil {
		return Message{}, err
	}
	pers, err := personalOf(kind, in, c)
	if err != nil {
		return Message{}, err
	}
	d, err := newDraft(kind, in, c, pers)
	if err != nil {
		return Message{}, err
	}
	var cal []byte
	if d.cal != nil {
		cal, err = d.cal.Encode()
		if err != nil {
			return Message{}, invalidf("calendar: %v", err)
		}
	}
	text, html, err := render(c.lang, "email", d.v)
	if err != nil {
		return Message{}, err
	}
	return d.message(in, c, pers, text, html, cal), nil
}

// checked is what checkInvite settled about an invite.
type checked struct {
	parties
	// lang is the attendee's language (langOf).
	lang *i18n.Lang
	// joinURL is the join link of an online or hybrid event ("" for an
	// event with only a venue): the attendee's own, or the event's.
	joinURL string
}

// checkInvite refuses, in this order, an unknown kind, a status that does
// not fit it (ErrStale), the parties (see parties) and links that are not
// absolute http or https URLs. What is left to refuse depends on the kind
// (see newDraft).
func checkInvite(kind domain.MessageKind, in Invite) (checked, error) {
	if !attendeeKind(kind) {
		return checked{}, invalidf("unknown kind %q", kind)
	}
	if err := checkStatus(kind, in); err != nil {
		return checked{}, err
	}
	p, err := in.parties()
	if err != nil {
		return checked{}, err
	}
	if in.ManageURL != "" && !webURL(in.ManageURL) {
		return checked{}, invalidf("ManageURL is not an absolute http or https URL")
	}
	c := checked{parties: p, lang: langOf(in)}
	if present.Joinable(in.Event) { // online or hybrid: the join link goes everywhere
		c.joinURL = in.JoinURL
		if c.joinURL == "" {
			c.joinURL = in.Event.OnlineURL
		}
		if c.joinURL == "" || !webURL(c.joinURL) {
			return checked{}, invalidf("an online event needs an absolute http or https join link")
		}
	}
	if in.UnfollowURL != "" && !webURL(in.UnfollowURL) {
		return checked{}, invalidf("UnfollowURL is not an absolute http or https URL")
	}
	return c, nil
}

// personal are the parts of an attendee's e-mail that are theirs alone,
// as the templates show them. newDraft takes them from here rather than
// from the Invite, so that a Composer can draft an e-mail once with
// placeholders and fill in each attendee's.
type personal struct {
	name      string // the attendee's name, one line
	manageURL string
	joinURL   string // checked.joinURL
	unfollow  string
	// code is the check-in code for reading ("ABCD-EFGH") where the kind
	// shows it (going, updated, reminder) and the event has a door; qr is
	// its QR code (going and updated).
	code string
	qr   htmltemplate.HTML
	// google and outlook are the add-to-calendar links (going and
	// updated), which carry the join link.
	google, outlook string
}

// personalOf is the attendee's own parts of in's e-mail.
func personalOf(kind domain.MessageKind, in Invite, c checked) (personal, error) {
	pers, err := ownOf(kind, in, c)
	if err == nil && (kind == domain.MessageGoing || kind == domain.MessageUpdated) {
		pers.google, pers.outlook = calendarLinks(c.lang, in.Event, calendar.EventURL(in.BaseURL, in.Event), c.joinURL)
	}
	return pers, err
}

// ownOf is personalOf without the add-to-calendar links, which are the
// same for every attendee of an event without a join link.
func ownOf(kind domain.MessageKind, in Invite, c checked) (personal, error) {
	e := in.Event
	pers := personal{
		name:      present.OneLineText(in.RSVP.Name),
		manageURL: in.ManageURL,
		joinURL:   c.joinURL,
		unfollow:  in.UnfollowURL,
	}
	if in.RSVP.CheckinCode != "" && present.HasDoor(e) {
		switch kind {
		case domain.MessageReminder: // a code for the door, if there is one
			pers.code = domain.FormatCode(in.RSVP.CheckinCode)
		case domain.MessageGoing, domain.MessageUpdated:
			// Only people with a place get the code they check in with, and
			// only for an event with a door (a venue): online, nobody shows it.
			bitmap, err := present.CheckinQR(in.RSVP.CheckinCode)
			if err != nil {
				return personal{}, invalidf("check-in code: %v", err)
			}
			pers.code = domain.FormatCode(in.RSVP.CheckinCode)
			pers.qr = present.CheckinQRTable(bitmap, c.lang.T("mail.checkin.qr_label", "Code", pers.code))
		}
	}
	return pers, nil
}

// placeOf is what the calendar and the add-to-calendar links say about
// where the event is, in l. The calendar's DESCRIPTION and the
// add-to-calendar links carry the join link and the event page, never
// the manage link: calendars are often shared, and the manage link lets
// whoever holds it cancel.
func placeOf(l *i18n.Lang, e domain.Event, eventURL, joinURL string) (details, location, pageURL string) {
	details = present.BodyText(e.Description)
	if joinURL != "" {
		details = strings.TrimSpace(l.T("ics.join", "URL", joinURL) + "\n\n" + details)
	}
	details = strings.TrimSpace(details + "\n\n" + l.T("ics.event_page", "URL", eventURL))
	location, pageURL = placeIn(l, e), eventURL
	if joinURL != "" {
		pageURL = joinURL // rule I11
		if present.Online(e) {
			location = joinURL // a hybrid event keeps its venue
		}
	}
	return details, location, pageURL
}

// calendarLinks are the add-to-calendar links of an event, their details
// in l.
func calendarLinks(l *i18n.Lang, e domain.Event, eventURL, joinURL string) (google, outlook string) {
	details, location, _ := placeOf(l, e, eventURL, joinURL)
	return calendar.GoogleCalendarURL(e, details, location), calendar.OutlookCalendarURL(e, details, location)
}

// draft is an e-mail before its templates are run and its calendar
// encoded.
type draft struct {
	v   view
	cal *calendar.Calendar // nil for none
}

// newDraft sets out the e-mail of the kind to in.RSVP's person, with
// pers as their own parts.
func newDraft(kind domain.MessageKind, in Invite, c checked, pers personal) (draft, error) {
	var err error
	l, loc, e := c.lang, c.loc, in.Event
	eventURL := calendar.EventURL(in.BaseURL, e)
	v := view{
		Kind:        string(kind),
		Name:        pers.name,
		Title:       present.OneLineText(e.Title),
		When:        whenIn(l, e, loc),
		Where:       placeIn(l, e),
		EventURL:    eventURL,
		ManageURL:   pers.manageURL,
		Description: present.BodyText(e.Description),
		GroupName:   present.OneLineText(in.Group.Name),
		Series:      present.OneLineText(in.SeriesTitle),
		Unfollow:    pers.unfollow,
		CheckinCode: pers.code,
		CheckinQR:   pers.qr,
		GoogleURL:   pers.google,
		OutlookURL:  pers.outlook,
	}
	if kind != domain.MessageEventCancelled && kind != domain.MessageRSVPCancelled {
		v.JoinURL = pers.joinURL
	}

	subjectDate := subjectDateIn(l, e, loc)
	subject := func(id string) string { return l.T(id, "Title", v.Title, "Date", subjectDate) }
	switch kind {
	case domain.MessageGoing:
		v.Subject = subject("mail.subject.going")
		if in.Repeat > 0 {
			v.Why = repeatWhy(l, in)
		} else if in.RSVP.WasWaitlisted {
			v.Promoted = true
			v.Subject = subject("mail.subject.promoted")
		}
	case domain.MessageUpdated:
		if in.Sequence < 1 {
			return draft{}, invalidf("an update needs a SEQUENCE above the first invitation's, not %d (rule I7)", in.Sequence)
		}
		v.Changes, err = changeSentencesIn(l, in.Changed, e, in.Previous, loc, pers.joinURL)
		if err != nil {
			return draft{}, err
		}
		v.Subject = subject("mail.subject.updated")
	case domain.MessageWaitlisted:
		v.Position = in.WaitlistPosition
		if v.Position == 0 {
			v.Position = in.RSVP.WaitlistPosition
		}
		v.Subject = subject("mail.subject.waitlisted")
		if in.Repeat > 0 {
			v.Why = repeatWhy(l, in)
		}
	case domain.MessageEventCancelled:
		if in.Sequence < 1 {
			return draft{}, invalidf("a cancellation needs a SEQUENCE above the invitation's, not %d (rule I8)", in.Sequence)
		}
		v.Waitlisted = in.RSVP.Status == domain.RSVPWaitlisted
		v.Reason = in.Reason
		if v.Reason == "" {
			v.Reason = e.CancelReason
		}
		v.Reason = present.BodyText(v.Reason)
		v.Subject = subject("mail.subject.event_cancelled")
	case domain.MessageRSVPCancelled:
		if in.Sequence < 1 {
			return draft{}, invalidf("a cancellation needs a SEQUENCE above the invitation's, not %d (rule I8)", in.Sequence)
		}
		v.Subject = subject("mail.subject.rsvp_cancelled")
		switch in.Why {
		case domain.CancelNotReconfirmed:
			v.Why = l.T("mail.rsvp_cancelled.not_reconfirmed")
		case domain.CancelByOrganiser:
			v.Why = l.T("mail.rsvp_cancelled.by_organiser")
		}
	case domain.MessageReminder:
		if in.Before <= 0 {
			return draft{}, invalidf("a reminder needs how long before the start it is sent")
		}
		v.StartsIn = humanDurationIn(l, in.Before)
		v.Subject = subject("mail.subject.reminder")
	case domain.MessageReconfirm:
		if in.ConfirmBy.IsZero() || pers.manageURL == "" {
			return draft{}, invalidf("a reconfirmation needs its deadline and the manage link")
		}
		v.ConfirmBy = deadlineIn(l, in.ConfirmBy, loc, "Monday 2 January, 15:04")
		v.Subject = subject("mail.subject.reconfirm")
	}
	v.Subject = present.OneLineText(v.Subject)

	cal := invitationOf(kind, in, c, pers)
	v.HasCalendar = cal != nil
	return draft{v: v, cal: cal}, nil
}

// invitationOf is the calendar object of the e-mail for this one attendee
// (rule M3): a REQUEST in which they have accepted, or a CANCEL; nil for
// the kinds that carry none.
func invitationOf(kind domain.MessageKind, in Invite, c checked, pers personal) *calendar.Calendar {
	e := in.Event
	details, location, pageURL := placeOf(c.lang, e, calendar.EventURL(in.BaseURL, e), pers.joinURL)
	org := c.org
	ev := calendar.Event{
		UID:          calendar.UID(e.ID, c.host),
		Sequence:     in.Sequence,
		Stamp:        in.Now.UTC(),
		Start:        e.StartsAt,
		End:          e.EndsAt,
		Summary:      e.Title,
		Description:  details,
		Location:     location,
		URL:          pageURL,
		Status:       calendar.StatusConfirmed,
		Organizer:    &org,
		Created:      e.CreatedAt,
		LastModified: e.UpdatedAt,
	}
	if pers.joinURL != "" {
		ev.Conference = pers.joinURL
	}
	attendee := calendar.Attendee{Person: calendar.Person{Name: pers.name, Email: in.RSVP.Email}}
	var method calendar.Method
	switch kind {
	case domain.MessageGoing, domain.MessageUpdated:
		method = calendar.MethodRequest
		attendee.PartStat, attendee.RSVP = calendar.PartStatAccepted, true
	case domain.MessageEventCancelled:
		method = calendar.MethodCancel
		ev.Status = calendar.StatusCancelled
		if in.RSVP.Status == domain.RSVPGoing {
			attendee.PartStat = calendar.PartStatAccepted
		}
	case domain.MessageRSVPCancelled:
		method = calendar.MethodCancel
		ev.Status = calendar.StatusCancelled
		attendee.PartStat = calendar.PartStatDeclined
	default:
		return nil
	}
	ev.Attendees = []calendar.Attendee{attendee}
	return &calendar.Calendar{Method: method, Events: []calendar.Event{ev}}
}

// message is the e-mail of the draft with its bodies and calendar.
func (d draft) message(in Invite, c checked, pers personal, text, html string, cal []byte) Message {
	var method calendar.Method
	if d.cal != nil {
		method = d.cal.Method
	}
	return Message{
		Headers:  unfollowHeaders(pers.unfollow),
		ID:       messageIDOf(in, domain.MessageKind(d.v.Kind), c.host),
		Kind:     domain.MessageKind(d.v.Kind),
		Date:     in.Now,
		From:     GroupFrom(in.From, d.v.GroupName),
		To:       mail.Address{Name: pers.name, Address: in.RSVP.Email},
		ReplyTo:  mail.Address{Name: c.contact.Name, Address: c.contact.Email},
		Subject:  d.v.Subject,
		Text:     text,
		HTML:     html,
		Calendar: cal,
		Method:   method,
	}
}

// serviceName is the sender's name when CONVENE_MAIL_FROM has none.
const serviceName = "Convene"

// GroupFrom is the sender of a group's e-mail: the group's name through
// the service's sender, "Oslo Go via Convene", at the service's address
// (from.Address: the configured one, which the mail server is allowed
// to send as). The service's name is from's name, or "Convene"; where it
// is the group's name already, or there is no group, it stands alone.
// The name is one line of text; the message writes it encoded (RFC 2047)
// when it is not ASCII, and quoted when it holds specials.
func GroupFrom(from mail.Address, group string) mail.Address {
	service := present.OneLineText(from.Name)
	if service == "" {
		service = serviceName
	}
	name := service
	if g := present.OneLineText(group); g != "" && !strings.EqualFold(g, service) {
		name = g + " via " + service
	}
	return mail.Address{Name: name, Address: from.Address}
}

// checkStatus refuses an RSVP or event whose status does not fit the news
// (ErrStale): a message queued before a later change must not contradict
// it.
func checkStatus(kind domain.MessageKind, in Invite) error {
	s := in.RSVP.Status
	if in.RSVP.ID == "" {
		return invalidf("the RSVP needs an ID: it makes the Message-ID")
	}
	ok := false
	switch kind {
	case domain.MessageGoing, domain.MessageUpdated, domain.MessageReminder, domain.MessageReconfirm:
		ok = s == domain.RSVPGoing
		if in.Event.Status == domain.EventCancelled {
			return staleErr(kind, "the event is cancelled")
		}
		if kind == domain.MessageReconfirm && in.RSVP.ReconfirmedAt != nil {
			return staleErr(kind, "the attendee confirmed already")
		}
	case domain.MessageWaitlisted:
		ok = s == domain.RSVPWaitlisted
	case domain.MessageEventCancelled:
		ok = s == domain.RSVPGoing || s == domain.RSVPWaitlisted
	case domain.MessageRSVPCancelled:
		ok = s == domain.RSVPCancelled
	}
	if !ok {
		return staleErr(kind, fmt.Sprintf("the RSVP is %q", s))
	}
	return nil
}

func staleErr(kind domain.MessageKind, why string) error {
	return fmt.Errorf("%w: %w: no %s email: %s", ErrInvalid, ErrStale, kind, why)
}

// webURL reports whether s is an absolute http or https URL that a body or
// an href can carry as it is.
func webURL(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\r\n\"<>") || !oneLine(s) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// tidyText drops the blank lines that template actions leave behind: no
// more than one blank line in a row, none at either end, and a final
// newline.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := true
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n"
}

// paragraphs splits text into paragraphs of lines for the HTML template,
// which escapes each line and joins them with <br>.
func paragraphs(s string) [][]string {
	var out [][]string
	for _, p := range strings.Split(s, "\n\n") {
		if p = strings.Trim(p, "\n"); p != "" {
			out = append(out, strings.Split(p, "\n"))
		}
	}
	return out
}

// parties are what every e-mail to an attendee needs checked and settled
// first: the service's host (for UIDs and Message-IDs), the event's zone,
// the calendar's ORGANIZER and the e-mail's Reply-To.
type parties struct {
	host string
	loc  *time.Location
	// org is the ORGANIZER: the RSVP's reply address when it has one,
	// else the group's contact; contact (the Reply-To) is always the
	// group's contact, the people behind the group.
	org, contact calendar.Person
}

// parties checks what an invite's e-mail needs (Now, BaseURL, the event's
// id, start and zone, the addresses) and settles who it is between.
func (in Invite) parties() (parties, error) {
	if in.Now.IsZero() {
		return parties{}, invalidf("Now is required: it is the Date and the DTSTAMP")
	}
	base, err := url.Parse(in.BaseURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Hostname() == "" {
		return parties{}, invalidf("BaseURL %q is not an absolute http or https URL", in.BaseURL)
	}
	e := in.Event
	if e.ID == "" || e.StartsAt.IsZero() {
		return parties{}, invalidf("the event needs an ID and a start")
	}
	loc, err := loadZone(e.TimeZone)
	if err != nil {
		return parties{}, err
	}
	if !plainAddress(in.RSVP.Email) {
		return parties{}, invalidf("attendee address %q is not a plain address", in.RSVP.Email)
	}
	if !plainAddress(in.From.Address) {
		return parties{}, invalidf("From address %q is not a plain address", in.From.Address)
	}
	org := in.Organizer
	if org.Email == "" {
		org.Email = in.Group.ContactEmail
	}
	if org.Name == "" {
		org.Name = in.Group.Name
	}
	org.Name = present.OneLineText(org.Name)
	if !plainAddress(org.Email) {
		return parties{}, invalidf("organizer address %q is not a plain address: pass the group's contact_email or the first owner's email", org.Email)
	}
	contact := org
	if in.ReplyAddress != "" {
		if !plainAddress(in.ReplyAddress) {
			return parties{}, invalidf("reply address %q is not a plain address", in.ReplyAddress)
		}
		org.Email = in.ReplyAddress
	}
	return parties{host: base.Hostname(), loc: loc, org: org, contact: contact}, nil
}
