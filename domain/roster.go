package domain

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// The organisers' list of the people who replied to an event: search and
// filters, moving someone from the waitlist by hand, removing a reply, and
// pasted lists of people to invite.

// RosterFilter selects an event's RSVPs for the organisers' list.
type RosterFilter struct {
	// Query keeps the RSVPs whose name or address contains it, ignoring
	// case; "" keeps all.
	Query string
	// Status keeps one status ("" for all).
	Status RSVPStatus
	// CheckedIn keeps only the people who came.
	CheckedIn bool
	// Cursor is a cursor a RosterPage returned: the page after its
	// NextCursor, or before its PrevCursor. "" is the first page.
	Cursor string
	// Limit is the page size (DefaultPageSize when 0, at most
	// MaxPageSize).
	Limit int
}

// MaxRosterQuery bounds the search text.
const MaxRosterQuery = 200

// Validate checks the filter's search text and status.
func (f RosterFilter) Validate() error {
	var v Validation
	if len(f.Query) > MaxRosterQuery {
		v.Add("q", "must be at most %d characters", MaxRosterQuery)
	}
	if f.Status != "" && !f.Status.Valid() {
		v.Add("status", "must be going, waitlisted or cancelled")
	}
	return v.Err()
}

// RosterPage is one page of an event's RSVPs, in the order they were
// made, with the cursors of the pages after and before it ("" when there
// is none).
type RosterPage struct {
	Items      []RSVP
	NextCursor string
	PrevCursor string
}

// CancelByOrganiser says, in a cancellation e-mail, that the organisers
// removed the person's RSVP (see CancelNotReconfirmed).
const CancelByOrganiser = "by_organiser"

// Seating is how an organiser gives a waitlisted person a seat by hand.
type Seating struct {
	// AddSeat: when the event is full, its capacity goes up by one so
	// that the person has a seat of their own. Without it a full event
	// refuses (event_full). Capacity is never below the number of people
	// going (ReasonCapacityBelowGoing), so over-filling is adding a seat.
	AddSeat bool
}

// ErrNotWaitlisted refuses to seat someone who is not on the waitlist.
var ErrNotWaitlisted = Conflict(ReasonNotWaitlisted, "This person is not on the waitlist.")

// errFullNoSeat refuses a seat by hand on a full event unless a seat is
// added for it.
var errFullNoSeat = Conflict(ReasonEventFull, "The event is full: add a seat for this person, or free one first.")

// Seat decides whether r, an RSVP of e, may be moved from the waitlist to
// going by an organiser, and whether a seat is added for it: it returns
// the capacity the event has afterwards (nil: unlimited). The organiser
// may seat anyone in the line, not only the first, on a published event
// that has not ended; a full event takes them only with s.AddSeat.
func (e *Event) Seat(r RSVP, s Seating, now time.Time) (*int, error) {
	switch {
	case e.Status == EventCancelled:
		return nil, ErrEventCancelled
	case e.Status != EventPublished:
		return nil, Conflict(ReasonEventNotPublished, "The event is not published.")
	case !now.Before(e.EndsAt):
		return nil, Conflict(ReasonEventOver, "The event is over.")
	case r.Status != RSVPWaitlisted:
		return nil, ErrNotWaitlisted
	}
	if e.HasFreeSeat() {
		return e.Capacity, nil
	}
	if !s.AddSeat {
		return nil, errFullNoSeat
	}
	n := e.GoingCount + 1
	return &n, nil
}

// PastedLine is one line of a pasted list of people that could not be
// read, for the form shown again: Message says why in English, Problem
// (with Parts or Field) says it for a message in another language.
type PastedLine struct {
	Line    int // 1-based
	Text    string
	Message string
	Problem PastedProblem
	// Parts is how many parts a PastedParts line has.
	Parts int
	// Field is the error of a PastedField line's address ("email") or
	// name ("name").
	Field FieldError
}

// PastedProblem is why a pasted line could not be read.
type PastedProblem string

// Why pasted lines cannot be read.
const (
	PastedAngle PastedProblem = "angle" // "Name <address>" that does not parse
	PastedCells PastedProblem = "cells" // two cells, not one address and one name
	PastedParts PastedProblem = "parts" // more than two cells
	PastedField PastedProblem = "field" // the address or the name breaks its rule
)

// ParseInvitees reads a pasted list of people to invite, one a line: an
// address alone, "Name <address>", or two comma- (or semicolon- or
// tab-) separated cells "name,address" or "address,name" in either order
// (the cell with an @ is the address; quotes around cells are dropped).
// Blank lines and a header line such as "name,email" are skipped. It
// returns the people read and every line that could not be, with why.
func ParseInvitees(text string) ([]InvitationRecipient, []PastedLine) {
	var (
		out []InvitationRecipient
		bad []PastedLine
	)
	for i, raw := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line := strings.TrimSpace(strings.TrimPrefix(raw, "\ufeff"))
		if line == "" || (i == 0 && isHeader(line)) {
			continue
		}
		rc, p := parseInvitee(line)
		if p.Message == "" {
			var v Validation
			CheckEmail(&v, "email", rc.Email, true)
			CheckPersonName(&v, "name", rc.Name, false)
			if len(v.fields) > 0 {
				what := "The address"
				if v.fields[0].Field == "name" {
					what = "The name"
				}
				p = PastedLine{Message: what + " " + strings.TrimSuffix(v.fields[0].Message, ".") + ".", Problem: PastedField, Field: v.fields[0]}
			}
		}
		if p.Message != "" {
			p.Line, p.Text = i+1, line
			bad = append(bad, p)
			continue
		}
		out = append(out, rc)
	}
	return out, bad
}

// isHeader reports whether a first line names columns rather than a person.
func isHeader(line string) bool {
	l := strings.ToLower(line)
	return !strings.Contains(l, "@") && (strings.Contains(l, "email") || strings.Contains(l, "e-mail") || strings.Contains(l, "address"))
}

// parseInvitee reads one non-empty line, or says why it cannot (the
// PastedLine's Message, Problem and Parts).
func parseInvitee(line string) (InvitationRecipient, PastedLine) {
	if strings.Contains(line, "<") || strings.Contains(line, ">") {
		a, err := mail.ParseAddress(line)
		if err != nil {
			return InvitationRecipient{}, PastedLine{Message: `Write the address as "Name <name@example.org>", or the address alone.`, Problem: PastedAngle}
		}
		return InvitationRecipient{Name: strings.TrimSpace(a.Name), Email: a.Address}, PastedLine{}
	}
	cells := strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ';' || r == '\t' })
	for i := range cells {
		cells[i] = strings.Trim(strings.TrimSpace(cells[i]), `"'`)
	}
	switch {
	case len(cells) == 1:
		return InvitationRecipient{Email: cells[0]}, PastedLine{}
	case len(cells) == 2:
		a, b := cells[0], cells[1]
		if strings.Contains(a, "@") && !strings.Contains(b, "@") {
			return InvitationRecipient{Email: a, Name: b}, PastedLine{}
		}
		if strings.Contains(b, "@") && !strings.Contains(a, "@") {
			return InvitationRecipient{Email: b, Name: a}, PastedLine{}
		}
		return InvitationRecipient{}, PastedLine{Message: "Give one address and one name on a line.", Problem: PastedCells}
	}
	return InvitationRecipient{}, PastedLine{Message: fmt.Sprintf("A line holds a name and an address; this one has %d parts.", len(cells)),
		Problem: PastedParts, Parts: len(cells)}
}
