// Package calendar builds the iCalendar objects that Convene sends and
// serves: invitations and updates (METHOD:REQUEST), cancellations
// (METHOD:CANCEL), and single-event downloads and feeds (published
// calendars, MethodPublish, which are not iTIP messages and carry no
// METHOD); it also holds the add-to-calendar links and a series'
// recurrence rule (SeriesRule, the only user of rrule-go). It is a library
// without state: it imports domain and notifications/present only.
//
// One builder gets the rules that real calendar clients depend on right in
// one place (see docs/icalendar.md, rules I1–I11): CRLF line endings, folding
// at 75 octets without splitting a UTF-8 character or an escape sequence,
// TEXT escaping with every control character removed, quoted parameter
// values, the properties each iTIP method requires, and times in UTC.
//
// Feeds can also carry recurring series: an event with a
// time zone is written in local time with TZID, with one VTIMEZONE per zone
// generated from Go's time zone data, and may carry an RRULE, EXDATEs and
// overrides of single occurrences (RECURRENCE-ID), so that a weekly meeting
// at 17:00 stays at 17:00 across daylight-saving changes (rule I9).
//
// The content lines are written by this package rather than by
// github.com/arran4/golang-ical's serialiser: at v0.3.4 that serialiser
// backslash-escapes parameter values instead of quoting them, folds at word
// boundaries in a way that can separate a backslash from the character it
// escapes, keeps control characters and writes LF line endings, so every line
// it wrote would have to be unfolded, rewritten and folded again. The tests
// parse the output with golang-ical's parser and with independent parsers.
package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Method is the iTIP method of a calendar object (RFC 5546). It is written as
// the METHOD property and must also be the method parameter of the
// text/calendar MIME part that carries the object.
type Method string

// The methods Convene sends.
const (
	// MethodRequest invites attendees to an event or updates an invitation.
	MethodRequest Method = "REQUEST"
	// MethodCancel withdraws an event from the attendees' calendars.
	MethodCancel Method = "CANCEL"
	// MethodPublish is for downloads and feeds, which carry no attendees.
	// It is not written: a published calendar is a plain iCalendar object,
	// not an iTIP message. RFC 5546 §3.2.1 requires ORGANIZER in every
	// PUBLISH event, which feeds do not have (libical refuses such objects),
	// and without METHOD the object is simply a calendar to show or import.
	MethodPublish Method = "PUBLISH"
	// MethodDeclineCounter answers an attendee's proposal of another time
	// (a COUNTER): the event stays as it is.
	MethodDeclineCounter Method = "DECLINECOUNTER"
)

// Participation statuses of an attendee (the PARTSTAT parameter).
const (
	PartStatNeedsAction = "NEEDS-ACTION"
	PartStatAccepted    = "ACCEPTED"
	PartStatDeclined    = "DECLINED"
	PartStatTentative   = "TENTATIVE"
)

// Statuses of an event (the STATUS property).
const (
	StatusConfirmed = "CONFIRMED"
	StatusTentative = "TENTATIVE"
	StatusCancelled = "CANCELLED"
)

// DefaultProdID is the PRODID written when a Calendar does not name one.
const DefaultProdID = "-//Convene//Convene//EN"

// Person is an organizer or attendee: a display name, written as the quoted
// CN parameter, and a bare email address ("a@example.org"), written as a
// mailto: URI. Since a parameter value can escape nothing, the name is
// written with line breaks and tabs as spaces, other control characters
// dropped, `"` as `'` and `\` as `/`; an empty name writes no CN.
type Person struct {
	Name  string
	Email string
}

// Attendee is a person invited to an event, written as an ATTENDEE property
// with ROLE=REQ-PARTICIPANT.
type Attendee struct {
	Person
	// PartStat is one of the PartStat constants; empty means NEEDS-ACTION.
	PartStat string
	// RSVP asks the attendee's client to offer accept/decline buttons.
	RSVP bool
}

// Event is one VEVENT. Times are instants. Without a Zone they are written
// in UTC, which every client reads correctly for single events; invitations
// and cancellations are always single events in UTC. In a feed, an event
// with a Zone is written in local time with a TZID, and may be a recurring
// series (RRule, ExDates) or an override of one occurrence (RecurrenceID).
type Event struct {
	// UID identifies the event across all messages about it; see UID.
	UID string
	// Sequence is raised every time the organizer changes the event, so that
	// clients apply an update or a cancellation instead of ignoring it.
	Sequence int
	// Stamp is DTSTAMP: the time the message was created (for a feed, a
	// stable time such as the event's last change keeps the bytes stable).
	Stamp time.Time

	Start, End time.Time // End may be zero.

	Summary, Description, Location string
	// URL is an absolute http or https URL, such as the event page or a
	// join link.
	URL string
	// Status is one of the Status constants, or empty.
	Status string

	Organizer *Person
	Attendees []Attendee

	Created, LastModified time.Time // Optional.

	// Conference is an optional join link written as the RFC 7986
	// CONFERENCE property. Most clients ignore it, so the caller should also
	// put the link where people look: URL, LOCATION and DESCRIPTION.
	Conference string

	// Zone is the event's IANA time zone, such as Europe/Berlin (PUBLISH
	// only). When it is set and not UTC, DTSTART, DTEND, EXDATE and
	// RECURRENCE-ID are written as local times with ;TZID=<zone name>, and
	// the calendar carries a VTIMEZONE for the zone. Zones are told apart by
	// name; time.Local, whose name is "Local", is refused.
	Zone *time.Location
	// RRule makes the event a recurring series (PUBLISH only): an RFC 5545
	// RRULE value without the "RRULE:" prefix, such as
	// FREQ=MONTHLY;INTERVAL=3;BYDAY=3TU. It must not contain DTSTART (the
	// event's Start is the first occurrence), and UNTIL, when present, must
	// be a UTC date-time (20271231T230000Z). Occurrences keep Start's local
	// time in Zone.
	RRule string
	// ExDates are the original starts of cancelled occurrences of a series,
	// written as EXDATE in Zone. They need RRule.
	ExDates []time.Time
	// RecurrenceID makes the event an override of one occurrence of a series
	// (PUBLISH only): it is the occurrence's original start, and the event
	// carries the same UID and Zone as the series, no RRule, and its own
	// Start, End, Sequence, Status and text. The series must be in the same
	// calendar and RecurrenceID must be one of its occurrences.
	RecurrenceID time.Time
}

// zone returns the location the event's times are written in.
func (e Event) zone() *time.Location {
	if e.Zone == nil {
		return time.UTC
	}
	return e.Zone
}

// local reports whether the event's times are written with a TZID.
func (e Event) local() bool {
	return e.Zone != nil && e.Zone.String() != "UTC"
}

// timeProp writes an event time property: local with TZID when the event
// has a zone, else UTC.
func (e Event) timeProp(name string, t time.Time) string {
	if e.local() {
		return name + ";TZID=" + e.Zone.String() + ":" + t.In(e.Zone).Format(localFormat)
	}
	return name + ":" + utc(t)
}

// startOrEnd writes DTSTART or DTEND like timeProp, except when the local
// time happens twice (the hour repeated when clocks go back): RFC 5545
// §3.3.5 reads such a local time as the first of the two instants, while
// python-icalendar and ical.js read it as the second, so the instant is
// written in UTC, which DTSTART and DTEND may always be. A series' DTSTART
// must stay local: validate refuses the second instant, and the first is
// written as the RFC reads it.
func (e Event) startOrEnd(name string, t time.Time) string {
	if e.local() && (name != "DTSTART" || e.RRule == "") {
		if _, twice := localTimeOnce(t, e.Zone); twice {
			return name + ":" + utc(t)
		}
	}
	return e.timeProp(name, t)
}

// firstLocal reports whether t is the first instant showing its local time.
func firstLocal(t time.Time, loc *time.Location) bool {
	first, _ := localTimeOnce(t, loc)
	return first
}

// localTimeOnce reports whether t, to the second, is the first instant that
// shows its local time in loc, and whether another instant shows the same
// local time (when clocks go back).
func localTimeOnce(t time.Time, loc *time.Location) (first, twice bool) {
	t = t.Truncate(time.Second)
	wall := t.In(loc).Format(localFormat)
	asUTC, _ := time.Parse(localFormat, wall)
	first = true
	for _, probe := range []time.Time{t.Add(-26 * time.Hour), t.Add(26 * time.Hour)} {
		_, offset := probe.In(loc).Zone()
		other := asUTC.Add(-time.Duration(offset) * time.Second)
		if !other.Equal(t) && other.In(loc).Format(localFormat) == wall {
			twice = true
			first = first && t.Before(other)
		}
	}
	return first, twice
}

// Calendar is one VCALENDAR object.
type Calendar struct {
	Method Method
	// ProdID names the product that made the object; empty means DefaultProdID.
	ProdID string

	// Name, RefreshInterval and PublishedTTL describe a subscribed feed and
	// are written only for MethodPublish and only when set. Name is written
	// as NAME and X-WR-CALNAME; the durations as REFRESH-INTERVAL and
	// X-PUBLISHED-TTL, in whole seconds.
	Name            string
	RefreshInterval time.Duration
	PublishedTTL    time.Duration

	// ZoneHorizon is the last instant an open-ended series (an RRule with
	// neither UNTIL nor COUNT) needs its zone's VTIMEZONE to list the
	// daylight-saving changes for, up to the end of its year; zero means two
	// years after the series' start. Past the years listed, clients follow
	// the zone's yearly RRULEs.
	ZoneHorizon time.Time

	Events []Event
}

// UID returns the globally unique, stable identifier of an event:
// "<event-id>@<host>", with the host in lower case so that one event never
// gets two UIDs.
func UID(eventID, host string) string {
	return eventID + "@" + strings.ToLower(host)
}

// ErrInvalid is matched (with errors.Is) by every error that Encode returns.
var ErrInvalid = errors.New("ics: invalid calendar")

// ValidationError lists every rule a Calendar breaks. Its problems name the
// iCalendar property concerned, for example "event 0: REQUEST needs ORGANIZER".
type ValidationError struct {
	Problems []string
}

// Error joins the problems into one message.
func (e *ValidationError) Error() string {
	return "ics: invalid calendar: " + strings.Join(e.Problems, "; ")
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Encode checks the calendar against the rules of its method and returns the
// iCalendar object as CRLF-terminated, folded lines. The same Calendar always
// gives the same bytes. Free text (titles, names, descriptions, locations) is
// cleaned rather than refused: control characters are removed, a tab becomes
// a space and CR or CRLF becomes a newline. Identifiers, addresses and URLs
// that are malformed are refused with a *ValidationError.
//
// REQUEST and CANCEL objects carry exactly one event (one message per event
// and attendee). REQUEST needs UID, DTSTAMP, DTSTART, SUMMARY, ORGANIZER and at
// least one ATTENDEE, and must not be cancelled. CANCEL needs UID, DTSTAMP,
// ORGANIZER and a SEQUENCE of at least 1, and is always written with
// STATUS:CANCELLED; both are written with their METHOD. PUBLISH (a download
// or a feed) is written without METHOD, needs UID, DTSTAMP, DTSTART and
// SUMMARY in every event and refuses attendees, which a download or a feed
// must not expose.
//
// Only PUBLISH carries zones and recurrence; REQUEST and CANCEL refuse Zone
// (other than UTC), RRule, ExDates and RecurrenceID. In a feed, each zone
// used is written once as a VTIMEZONE before the events, and an override
// shares its UID with the series it belongs to.
func (c Calendar) Encode() ([]byte, error) {
	if problems := c.validate(); len(problems) > 0 {
		return nil, &ValidationError{Problems: problems}
	}

	var w lineWriter
	c.encodeHead(&w)
	// Only an iTIP message (an invitation or a cancellation) says METHOD;
	// a published calendar has no method (see MethodPublish).
	if c.Method != MethodPublish {
		w.raw("METHOD:" + string(c.Method))
	} else {
		if name := cleanText(c.Name); name != "" {
			w.text("NAME", name)
			w.text("X-WR-CALNAME", name)
		}
		if c.RefreshInterval > 0 {
			w.raw("REFRESH-INTERVAL;VALUE=DURATION:" + duration(c.RefreshInterval))
		}
		if c.PublishedTTL > 0 {
			w.raw("X-PUBLISHED-TTL:" + duration(c.PublishedTTL))
		}
	}
	for _, z := range c.zones() {
		writeTimezone(&w, z.loc, z.first, z.last)
	}
	for _, e := range c.Events {
		c.encodeEvent(&w, e)
	}
	w.raw("END:VCALENDAR")
	return w.buf.Bytes(), nil
}

func (c Calendar) encodeEvent(w *lineWriter, e Event) {
	c.encodeEventHead(w, e)
	encodeParties(w, e.Organizer, e.Attendees)
	encodeEventTail(w, e)
}

// encodeEventHead writes the event's lines before its ORGANIZER.
func (c Calendar) encodeEventHead(w *lineWriter, e Event) {
	status := e.Status
	if c.Method == MethodCancel {
		status = StatusCancelled
	}

	w.raw("BEGIN:VEVENT")
	w.text("UID", e.UID)
	w.raw("SEQUENCE:" + strconv.Itoa(e.Sequence))
	w.raw("DTSTAMP:" + utc(e.Stamp))
	if !e.RecurrenceID.IsZero() {
		w.raw(e.timeProp("RECURRENCE-ID", e.RecurrenceID))
	}
	if !e.Start.IsZero() {
		w.raw(e.startOrEnd("DTSTART", e.Start))
	}
	if !e.End.IsZero() {
		w.raw(e.startOrEnd("DTEND", e.End))
	}
	if e.RRule != "" {
		w.raw("RRULE:" + e.RRule)
	}
	for _, t := range sortedTimes(e.ExDates) {
		w.raw(e.timeProp("EXDATE", t))
	}
	if s := cleanText(e.Summary); s != "" {
		w.text("SUMMARY", s)
	}
	if s := cleanText(e.Description); s != "" {
		w.text("DESCRIPTION", s)
	}
	if s := cleanText(e.Location); s != "" {
		w.text("LOCATION", s)
	}
	if e.URL != "" {
		w.raw("URL:" + e.URL)
	}
	if e.Conference != "" {
		w.raw("CONFERENCE;VALUE=URI:" + e.Conference)
	}
	if status != "" {
		w.raw("STATUS:" + status)
	}
}

// encodeParties writes the ORGANIZER and ATTENDEE lines.
func encodeParties(w *lineWriter, org *Person, attendees []Attendee) {
	if org != nil {
		w.raw("ORGANIZER" + cnParam(org.Name) + ":mailto:" + org.Email)
	}
	for _, a := range attendees {
		partStat := a.PartStat
		if partStat == "" {
			partStat = PartStatNeedsAction
		}
		line := "ATTENDEE" + cnParam(a.Name) + ";ROLE=REQ-PARTICIPANT;PARTSTAT=" + partStat
		if a.RSVP {
			line += ";RSVP=TRUE"
		}
		w.raw(line + ":mailto:" + a.Email)
	}
}

// encodeEventTail writes the event's lines after its ATTENDEEs.
func encodeEventTail(w *lineWriter, e Event) {
	if !e.Created.IsZero() {
		w.raw("CREATED:" + utc(e.Created))
	}
	if !e.LastModified.IsZero() {
		w.raw("LAST-MODIFIED:" + utc(e.LastModified))
	}
	w.raw("END:VEVENT")
}

// Invitation is an iTIP message (a REQUEST or a CANCEL of one event)
// encoded once for many attendees: each copy differs only in its
// ORGANIZER line (an RSVP's own reply address) and its one ATTENDEE line,
// which For writes between the lines every copy shares. A fan-out to
// thousands thus folds and escapes the event's text once.
type Invitation struct {
	c          Calendar // as prepared, for the errors of For
	head, tail []byte
}

// encodeHead writes the lines that open every calendar, up to its METHOD.
func (c Calendar) encodeHead(w *lineWriter) {
	w.raw("BEGIN:VCALENDAR")
	w.raw("VERSION:2.0")
	prodID := c.ProdID
	if prodID == "" {
		prodID = DefaultProdID
	}
	w.text("PRODID", prodID)
	w.raw("CALSCALE:GREGORIAN")
}

// Invitation checks and encodes the calendar as Encode does, for one
// event with an ORGANIZER and one ATTENDEE (those of any one copy), and
// keeps what every copy shares. It returns Encode's error for a calendar
// Encode refuses, and an error matching ErrInvalid for one that is not
// an iTIP message with one event, one organizer and one attendee.
func (c Calendar) Invitation() (*Invitation, error) {
	if problems := c.validate(); len(problems) > 0 {
		return nil, &ValidationError{Problems: problems}
	}
	if c.Method == MethodPublish || len(c.Events) != 1 || c.Events[0].Organizer == nil || len(c.Events[0].Attendees) != 1 {
		return nil, &ValidationError{Problems: []string{"an invitation for many attendees is an iTIP message with one event, its ORGANIZER and one ATTENDEE"}}
	}
	var w lineWriter
	c.encodeHead(&w)
	w.raw("METHOD:" + string(c.Method))
	e := c.Events[0]
	c.encodeEventHead(&w, e)
	head := bytes.Clone(w.buf.Bytes())
	w.buf.Reset()
	encodeEventTail(&w, e)
	w.raw("END:VCALENDAR")
	return &Invitation{c: c, head: head, tail: bytes.Clone(w.buf.Bytes())}, nil
}

// For returns the copy for one attendee, organised by org: the bytes
// Encode gives for the prepared calendar with org as its event's
// ORGANIZER and a as its one ATTENDEE, and its error when it refuses
// them.
func (inv *Invitation) For(org Person, a Attendee) ([]byte, error) {
	if !validEmail(org.Email) || !validEmail(a.Email) || !knownPartStat(a.PartStat) {
		c := inv.c
		e := c.Events[0]
		e.Organizer, e.Attendees = &org, []Attendee{a}
		c.Events = []Event{e}
		return c.Encode()
	}
	var w lineWriter
	w.buf.Grow(len(inv.head) + len(inv.tail) + 256)
	w.buf.Write(inv.head)
	encodeParties(&w, &org, []Attendee{a})
	w.buf.Write(inv.tail)
	return w.buf.Bytes(), nil
}

func knownPartStat(s string) bool {
	switch s {
	case "", PartStatNeedsAction, PartStatAccepted, PartStatDeclined, PartStatTentative:
		return true
	}
	return false
}

// validate returns every rule the calendar breaks, in a stable order.
func (c Calendar) validate() []string {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}

	switch c.Method {
	case MethodRequest, MethodCancel, MethodDeclineCounter:
		if len(c.Events) != 1 {
			add("%s carries exactly one event, not %d", c.Method, len(c.Events))
		}
		if c.Name != "" || c.RefreshInterval != 0 || c.PublishedTTL != 0 {
			add("%s must not carry feed properties (NAME, REFRESH-INTERVAL, X-PUBLISHED-TTL)", c.Method)
		}
	case MethodPublish:
		if c.RefreshInterval < 0 || c.PublishedTTL < 0 {
			add("REFRESH-INTERVAL and X-PUBLISHED-TTL must not be negative")
		}
	default:
		add("METHOD %q is not REQUEST, CANCEL, DECLINECOUNTER or PUBLISH", string(c.Method))
		return problems
	}
	if c.ProdID != "" && hasControlOrInvalid(c.ProdID) {
		add("PRODID has control characters or invalid UTF-8")
	}

	uids := make(map[string]bool)
	series := make(map[string]Event) // the first event without RECURRENCE-ID per UID
	for _, e := range c.Events {
		if _, ok := series[e.UID]; !ok && e.RecurrenceID.IsZero() {
			series[e.UID] = e
		}
	}
	overrides := make(map[string]bool)
	for i, e := range c.Events {
		at := func(format string, args ...any) {
			add("event %d: "+format, append([]any{i}, args...)...)
		}

		// Every method.
		switch {
		case e.UID == "":
			at("missing UID")
		case hasControlOrInvalid(e.UID):
			at("UID has control characters or invalid UTF-8")
		case uids[e.UID] && e.RecurrenceID.IsZero():
			at("UID %q appears twice", e.UID)
		}
		if e.RecurrenceID.IsZero() {
			uids[e.UID] = true
		}
		if e.Stamp.IsZero() {
			at("missing DTSTAMP")
		}
		if e.Sequence < 0 {
			at("SEQUENCE must not be negative")
		}
		if !e.End.IsZero() && !e.Start.IsZero() && e.End.Before(e.Start) {
			at("DTEND is before DTSTART")
		}
		if !e.End.IsZero() && e.Start.IsZero() {
			at("DTEND without DTSTART")
		}
		if e.URL != "" && !validURI(e.URL, "http", "https") {
			at("URL must be an absolute http or https URL without spaces")
		}
		if e.Conference != "" && !validURI(e.Conference, "http", "https", "tel", "sip", "sips") {
			at("CONFERENCE must be an absolute http, https, tel or sip URI without spaces")
		}
		if e.Organizer != nil && !validEmail(e.Organizer.Email) {
			at("ORGANIZER email %q is not a plain address", e.Organizer.Email)
		}
		emails := make(map[string]bool)
		for j, a := range e.Attendees {
			if !validEmail(a.Email) {
				at("ATTENDEE %d email %q is not a plain address", j, a.Email)
			}
			if key := strings.ToLower(a.Email); emails[key] {
				at("ATTENDEE %q appears twice", a.Email)
			} else {
				emails[key] = true
			}
			if !knownPartStat(a.PartStat) {
				at("ATTENDEE %d PARTSTAT %q is not NEEDS-ACTION, ACCEPTED, DECLINED or TENTATIVE", j, a.PartStat)
			}
		}
		switch e.Status {
		case "", StatusConfirmed, StatusTentative, StatusCancelled:
		default:
			at("STATUS %q is not CONFIRMED, TENTATIVE or CANCELLED", e.Status)
		}

		// Per method (RFC 5546 §3.2).
		switch c.Method {
		case MethodRequest:
			if e.Start.IsZero() {
				at("REQUEST needs DTSTART")
			}
			if strings.TrimSpace(cleanText(e.Summary)) == "" {
				at("REQUEST needs SUMMARY")
			}
			if e.Organizer == nil {
				at("REQUEST needs ORGANIZER")
			}
			if len(e.Attendees) == 0 {
				at("REQUEST needs at least one ATTENDEE")
			}
			if e.Status == StatusCancelled {
				at("REQUEST must not be CANCELLED: send METHOD:CANCEL instead")
			}
		case MethodCancel:
			if e.Organizer == nil {
				at("CANCEL needs ORGANIZER")
			}
			if e.Sequence < 1 {
				at("CANCEL needs a SEQUENCE above the invitation's (at least 1)")
			}
			if e.Status != "" && e.Status != StatusCancelled {
				at("CANCEL is always STATUS:CANCELLED, not %q", e.Status)
			}
		case MethodDeclineCounter:
			if e.Organizer == nil {
				at("DECLINECOUNTER needs ORGANIZER")
			}
			if len(e.Attendees) == 0 {
				at("DECLINECOUNTER needs the ATTENDEE who proposed")
			}
		case MethodPublish:
			if e.Start.IsZero() {
				at("PUBLISH needs DTSTART")
			}
			if strings.TrimSpace(cleanText(e.Summary)) == "" {
				at("PUBLISH needs SUMMARY")
			}
			if len(e.Attendees) > 0 {
				at("PUBLISH must not carry ATTENDEE")
			}
		}

		// Zones and recurrence (feeds only).
		if c.Method != MethodPublish {
			if e.local() {
				at("%s is always written in UTC: Zone is for feeds (PUBLISH)", c.Method)
			}
			if e.RRule != "" || len(e.ExDates) > 0 || !e.RecurrenceID.IsZero() {
				at("%s is a single event: RRULE, EXDATE and RECURRENCE-ID are for feeds (PUBLISH)", c.Method)
			}
			continue
		}
		if e.Zone != nil && !validZoneName(e.Zone.String()) {
			at("Zone %q is not an IANA time zone name such as Europe/Berlin", e.Zone.String())
		}
		if e.RRule != "" {
			if err := checkRule(e.RRule); err != nil {
				at("RRULE %q: %v", e.RRule, err)
			}
			if sr, ok := newSeries(e); ok && !e.Start.IsZero() && !sr.opt.Until.IsZero() && sr.opt.Until.Before(e.Start.Truncate(time.Second)) {
				at("RRULE UNTIL %s is before DTSTART %s: some clients refuse the event, others show DTSTART alone (RFC 5545 §3.8.5.3); write a single event instead",
					utc(sr.opt.Until), utc(e.Start))
			}
			if e.local() && !e.Start.IsZero() && !firstLocal(e.Start, e.Zone) {
				at("DTSTART %s is the second %s in %s, which a series cannot start at: that hour happens twice when clocks go back",
					utc(e.Start), e.Start.In(e.Zone).Format("15:04"), e.Zone.String())
			}
			if !e.RecurrenceID.IsZero() {
				at("an override (RECURRENCE-ID) must not carry RRULE")
			}
		}
		if len(e.ExDates) > 0 && e.RRule == "" {
			at("EXDATE needs RRULE")
		}
		for j, t := range e.ExDates {
			if t.IsZero() {
				at("EXDATE %d is zero", j)
			}
		}
		if rid := e.RecurrenceID; !rid.IsZero() {
			key := e.UID + "\x00" + utc(rid)
			master, ok := series[e.UID]
			switch {
			case !ok || master.RRule == "":
				at("RECURRENCE-ID needs a series (an event with RRULE) with UID %q in the same calendar", e.UID)
			case master.zone().String() != e.zone().String():
				at("an override must have the series' Zone %q, not %q", master.zone().String(), e.zone().String())
			case overrides[key]:
				at("RECURRENCE-ID %s is overridden twice", utc(rid))
			case containsTime(master.ExDates, rid):
				at("RECURRENCE-ID %s is an EXDATE of the series", utc(rid))
			case checkRule(master.RRule) == nil && !master.Start.IsZero():
				if s, ok := newSeries(master); ok {
					if has, known := s.has(rid); known && !has {
						at("RECURRENCE-ID %s is not an occurrence of the series", utc(rid))
					}
				}
			}
			overrides[key] = true
		}
	}
	return problems
}

// validZoneName accepts the shape of IANA time zone names (Europe/Berlin,
// America/Argentina/Buenos_Aires, Etc/GMT-3), which a TZID parameter can
// carry unquoted, and refuses time.Local ("Local"), which names no zone.
func validZoneName(name string) bool {
	if name == "" || name == "Local" || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") || strings.Contains(name, "//") {
		return false
	}
	return !strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("/_+-", r))
	})
}

// zoneSpan is a zone used by the calendar and the years its VTIMEZONE must
// cover.
type zoneSpan struct {
	loc         *time.Location
	first, last int
}

// zones returns the zones of the events written with a TZID, in order of
// first use, each with the years from the earliest time written in it to the
// last one needed: the last DTEND, EXDATE or RECURRENCE-ID, a series' UNTIL
// or last counted occurrence, or for an open-ended series the horizon.
func (c Calendar) zones() []zoneSpan {
	var out []zoneSpan
	index := map[string]int{}
	for _, e := range c.Events {
		if !e.local() {
			continue
		}
		name := e.Zone.String()
		i, ok := index[name]
		if !ok {
			i = len(out)
			index[name] = i
			y := e.Start.In(e.Zone).Year()
			out = append(out, zoneSpan{loc: e.Zone, first: y, last: y})
		}
		z := &out[i]
		times := append([]time.Time{e.Start, e.End, e.RecurrenceID}, e.ExDates...)
		if e.RRule != "" {
			if s, ok := newSeries(e); ok {
				if end, ok := s.end(); ok {
					times = append(times, end)
				} else if !c.ZoneHorizon.IsZero() {
					times = append(times, c.ZoneHorizon)
				} else {
					times = append(times, e.Start.AddDate(2, 0, 0))
				}
			}
		}
		for _, t := range times {
			if t.IsZero() {
				continue
			}
			y := t.In(e.Zone).Year()
			z.first, z.last = min(z.first, y), max(z.last, y)
		}
	}
	return out
}

// sortedTimes returns the instants in order, to the second, without repeats.
func sortedTimes(ts []time.Time) []time.Time {
	out := make([]time.Time, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.Truncate(time.Second))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return slices.CompactFunc(out, time.Time.Equal)
}

func containsTime(ts []time.Time, t time.Time) bool {
	for _, u := range ts {
		if u.Truncate(time.Second).Equal(t.Truncate(time.Second)) {
			return true
		}
	}
	return false
}

// utc formats an instant as a UTC DATE-TIME (RFC 5545 §3.3.5, form 2).
// Fractions of a second are dropped.
func utc(t time.Time) string {
	return t.UTC().Format("20060102T150405Z")
}

// duration formats a positive duration as an RFC 5545 dur-time such as
// PT1H30M, in whole seconds (at least one).
func duration(d time.Duration) string {
	s := int64(d / time.Second)
	if s < 1 {
		s = 1
	}
	var b strings.Builder
	b.WriteString("PT")
	if h := s / 3600; h > 0 {
		b.WriteString(strconv.FormatInt(h, 10) + "H")
	}
	if m := s % 3600 / 60; m > 0 {
		b.WriteString(strconv.FormatInt(m, 10) + "M")
	}
	if sec := s % 60; sec > 0 {
		b.WriteString(strconv.FormatInt(sec, 10) + "S")
	}
	return b.String()
}

// validEmail accepts a bare address ("a@example.org") and nothing that could
// change the meaning of a content line or a mailto: URI.
func validEmail(s string) bool {
	if s == "" || !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || unicode.IsSpace(r) || strings.ContainsRune(`"<>()[]\,;:`, r)
	}) {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// validURI accepts an absolute URI with one of the schemes and no spaces,
// control characters or quotes, which URI values cannot escape.
func validURI(s string, schemes ...string) bool {
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || unicode.IsSpace(r) || r == '"'
	}) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return false
	}
	for _, scheme := range schemes {
		if strings.EqualFold(u.Scheme, scheme) {
			if scheme == "http" || scheme == "https" {
				return u.Host != ""
			}
			return u.Opaque != ""
		}
	}
	return false
}

func hasControlOrInvalid(s string) bool {
	return !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl)
}

// lineWriter collects content lines, folding each one and ending it in CRLF.
type lineWriter struct {
	buf bytes.Buffer
}

// raw writes a content line whose value needs no escaping.
func (w *lineWriter) raw(line string) {
	fold(&w.buf, line)
}

// text writes a property with a TEXT value; the value must already be clean.
func (w *lineWriter) text(name, value string) {
	fold(&w.buf, name+":"+escapeText(value))
}
