package web

import (
	"errors"
	"html/template"
	"strings"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/present"
)

// The words the door, series, evidence and people pages share: the
// notices of their forms (?done=), the names of their form fields in error
// sentences, the store's refusals said in the organiser's language, and
// times written as the language writes them.

// doorSeriesDone are the ?done= notices of the door, series and people
// pages, by key: the message ids that replace the frame's English notice
// (consoleMeta only shows keys it knows, so each key is in consoleDone
// too).
var doorSeriesDone = map[string]string{
	"checked-in":        "console.door.done.checked-in",
	"already-in":        "console.door.done.already-in",
	"checkin-undone":    "console.door.done.checkin-undone",
	"walk-in":           "console.door.done.walk-in",
	"door-link-revoked": "console.door.done.link-revoked",
	"series-created":    "console.series.done.created",
	"series-saved":      "console.series.done.saved",
	"date-cancelled":    "console.series.done.date-cancelled",
	"date-moved":        "console.series.done.date-moved",
	"seated":            "console.people.done.seated",
	"removed":           "console.people.done.removed",
	"erased":            "console.people.done.erased",
}

func init() {
	// The frame shows them (consoleMeta), as it shows the others.
	for k, id := range doorSeriesDone {
		consoleDone[k] = id
	}
	for _, k := range []string{"label", "rrule", "duration", "ahead"} {
		if _, ok := consoleLabels[k]; !ok {
			consoleLabels[k] = "console.label." + k
		}
	}
}

// doneNotice is the notice of a ?done= key in l, nil for a key of
// another page.
func doneNotice(l *i18n.Lang, key string) *notice {
	if _, ok := doorSeriesDone[key]; !ok {
		return nil
	}
	return consoleNotice(l, key)
}

// fieldErrorsIn is formErrors in l: each field's first error as a
// sentence, the field named by labels (message ids by field; a field
// without one is "This").
func fieldErrorsIn(l *i18n.Lang, err error, labels map[string]string) (map[string]string, error) {
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EINVALID || len(de.Fields) == 0 {
		return nil, err
	}
	out := make(map[string]string, len(de.Fields))
	for _, f := range de.Fields {
		if _, ok := out[f.Field]; !ok {
			out[f.Field] = fieldIn(l, f, labels)
		}
	}
	return out, nil
}

// fieldIn is one field error as a sentence in l.
func fieldIn(l *i18n.Lang, f domain.FieldError, labels map[string]string) string {
	id, ok := labels[f.Field]
	if !ok {
		id = "console.series.label.this"
	}
	return l.Field(f, l.T(id))
}

// refusals are the store's refusals (ECONFLICT, EGONE) that the door,
// series and people pages show, by their English message: the message
// ids that say them in the organiser's language.
var refusals = map[string]string{
	"Only a published event takes check-ins.":                                "console.door.refused.unpublished",
	"Check-in is open from a day before the event until a day after it.":     "console.door.refused.closed",
	"Door links are for published events.":                                   "console.door.refused.links-unpublished",
	"This event ended more than a day ago.":                                  "console.door.refused.over",
	"The data of this RSVP was erased at the attendee's request.":            "console.door.refused.erased",
	"This person is not on the waitlist.":                                    "console.people.refused.not-waitlisted",
	"The event is full: add a seat for this person, or free one first.":      "console.people.refused.full",
	"The event is not published.":                                            "console.people.refused.unpublished",
	"The event is over.":                                                     "console.people.refused.over",
	"You are checked in to this event; the RSVP can no longer be cancelled.": "console.people.refused.attended",
	"This series has ended and cannot be changed.":                           "console.series.refused.ended",
	"A cancelled event cannot be changed.":                                   "console.series.refused.cancelled",
	"This event has been cancelled.":                                         "console.series.refused.cancelled-already",
	"A draft event is not cancelled but deleted.":                            "console.series.refused.draft",
}

// refusal says a refusal of the store in l: a known one translated, a
// person without a place with their status, else the store's English.
func refusal(l *i18n.Lang, err error) string {
	msg := domain.ErrorMessage(err)
	if id, ok := refusals[msg]; ok {
		return l.T(id)
	}
	var de *domain.Error
	if errors.As(err, &de) && de.Reason == domain.ReasonRSVPNotGoing && strings.HasPrefix(msg, "This person has no place") {
		for _, st := range []domain.RSVPStatus{domain.RSVPWaitlisted, domain.RSVPCancelled} {
			if strings.Contains(msg, " "+string(st)+".") {
				return l.T("console.door.refused.no-place." + string(st))
			}
		}
	}
	return msg
}

// timeTag is a time as a page shows it: the words in l inside a <time>
// with the instant for machines.
func timeTag(at time.Time, words string) template.HTML {
	return template.HTML(`<time datetime="` + at.UTC().Format(time.RFC3339) + `">` + template.HTMLEscapeString(words) + `</time>`)
}

// whenIn is present.When in l: a span of time in loc, the zone named.
func whenIn(l *i18n.Lang, start, end time.Time, loc *time.Location) string {
	return present.SpanIn(start, end, loc, format(l)) + " " + present.SpanZoneLabel(loc, start, end)
}

// instantIn is present.Instant in l: "Monday 7 December 2026, 09:00
// (Europe/Oslo, CET)".
func instantIn(l *i18n.Lang, t time.Time, loc *time.Location) string {
	return present.SpanIn(t, time.Time{}, loc, format(l)) + " " + present.ZoneLabel(loc, t)
}

// compactWhen is whenIn with short days where the language has them:
// English keeps its short days ("Tue 15 Dec 2026, 18:00–20:00 (Europe/Oslo,
// CET)"), as the people list and the door's room code always had; the
// other languages write them in full, as CLDR does.
func compactWhen(l *i18n.Lang, start, end time.Time, loc *time.Location) string {
	f := format(l)
	if englishForms(l) {
		f = present.LayoutFormat(present.ShortDate)
	}
	return present.SpanIn(start, end, loc, f) + " " + present.SpanZoneLabel(loc, start, end)
}

// englishForms tells English and its pseudo-locale, whose days keep
// Convene's English forms.
func englishForms(l *i18n.Lang) bool { return l.Tag() == english.Tag() || l.Tag() == i18n.Pseudo }
