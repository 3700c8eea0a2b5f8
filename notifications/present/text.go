package present

import (
	"strings"
	"unicode"

	"github.com/convene/convene/domain"
)

// Place is what the body says under "Where": the venue's name and address,
// or "Online".
func Place(e domain.Event) string { return PlaceIn(e, "Online") }

// PlaceIn is Place in a language whose word for "Online" is online.
func PlaceIn(e domain.Event, online string) string {
	if e.Venue == nil {
		if e.OnlineURL != "" || e.Kind == domain.KindLiveSession {
			return online
		}
		return ""
	}
	return VenueText(*e.Venue)
}

// VenueText is a venue on one line: "Kulturhuset, Youngstorget 3".
func VenueText(v domain.Venue) string {
	name, addr := OneLineText(v.Name), OneLineText(v.Address)
	switch {
	case addr == "":
		return name
	case name == "":
		return addr
	}
	return name + ", " + addr
}

// Joinable reports whether people can join the event through a link: an
// online event, or a hybrid one with a venue and a join link. Every
// attendee's message and personal calendar of such an event carries their
// join link.
func Joinable(e domain.Event) bool {
	return e.Kind == domain.KindLiveSession || e.OnlineURL != ""
}

// Online reports whether people join the event only through a link: it has
// no venue, so the join link is its place (a calendar's LOCATION).
func Online(e domain.Event) bool {
	return Joinable(e) && e.Venue == nil
}

// Hybrid reports whether the event has a venue and a join link: people
// come to the room or join online, and both are said everywhere.
func Hybrid(e domain.Event) bool {
	return Joinable(e) && e.Venue != nil
}

// HasDoor reports whether people come in through a door, where a
// check-in code is shown: the event has a venue (a hybrid event too). An
// online-only event has none, so its e-mails show no code to show there.
func HasDoor(e domain.Event) bool {
	return e.Venue != nil
}

// BodyText cleans multi-line user text (a description, a reason) for a
// body: invalid UTF-8 becomes U+FFFD, CRLF and CR become LF, tabs stay,
// other control characters are removed, trailing space on lines and blank
// lines at either end are dropped.
func BodyText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\u2028' || r == '\u2029':
			return '\n'
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// OneLineText turns user text into one line: invalid UTF-8 becomes U+FFFD,
// line breaks and tabs become spaces, other control characters are
// removed, and spaces are collapsed and trimmed.
func OneLineText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r' || r == '\n' || r == '\t' || r == '\u2028' || r == '\u2029':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
