package mail

import (
	"bytes"
	htmltemplate "html/template"
	"net/mail"
	"net/url"
	"strings"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/calendar"
	"github.com/convene/convene/notifications/present"
)

var declineCounterHTML = htmltemplate.Must(htmltemplate.New("").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body><p>Hello {{.Name}},</p>
<p>Your calendar proposed another time for <strong>{{.Title}}</strong>. Convene cannot move an event for one person, so the proposal was declined: the event stays at {{.When}}.</p>
<p>If the time does not suit you, you can cancel your place from <a href="{{.EventURL}}">the event page</a> or the link in your first e-mail, or write to the organisers by replying to this e-mail.</p>
<p>— {{.GroupName}}</p></body></html>
`))

// ComposeDeclineCounter writes the answer to an attendee's proposal of
// another time (an iTIP COUNTER, sequence being its SEQUENCE): an e-mail
// carrying METHOD:DECLINECOUNTER, which calendars show as "the organiser
// declined your proposal", and which says the event stays as it is.
// in.Event, in.Group, in.RSVP, in.Organizer, in.ReplyAddress, in.From,
// in.BaseURL and in.Now are used.
func ComposeDeclineCounter(in Invite, sequence int) (Message, error) {
	if in.Now.IsZero() {
		return Message{}, invalidf("Now is required: it is the Date and the DTSTAMP")
	}
	base, err := url.Parse(in.BaseURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Hostname() == "" {
		return Message{}, invalidf("BaseURL %q is not an absolute http or https URL", in.BaseURL)
	}
	e := in.Event
	loc, err := loadZone(e.TimeZone)
	if err != nil {
		return Message{}, err
	}
	org := in.Organizer
	if org.Email == "" {
		org.Email = in.Group.ContactEmail
	}
	org.Name = present.OneLineText(in.Group.Name)
	contact := org
	if in.ReplyAddress != "" {
		org.Email = in.ReplyAddress
	}
	for _, a := range []string{in.RSVP.Email, in.From.Address, org.Email, contact.Email} {
		if !plainAddress(a) {
			return Message{}, invalidf("address %q is not a plain address", a)
		}
	}
	title := present.OneLineText(e.Title)
	ev := calendar.Event{
		UID: calendar.UID(e.ID, base.Hostname()), Sequence: sequence, Stamp: in.Now.UTC(),
		Start: e.StartsAt, End: e.EndsAt, Summary: e.Title, Organizer: &org,
		Attendees: []calendar.Attendee{{Person: calendar.Person{Name: present.OneLineText(in.RSVP.Name), Email: in.RSVP.Email}, PartStat: calendar.PartStatAccepted}},
	}
	cal, err := calendar.Calendar{Method: calendar.MethodDeclineCounter, Events: []calendar.Event{ev}}.Encode()
	if err != nil {
		return Message{}, err
	}
	v := struct{ Subject, Name, Title, When, EventURL, GroupName string }{
		Subject: "Proposal declined: " + title + " — " + subjectDate(e, loc),
		Name:    present.OneLineText(in.RSVP.Name), Title: title, When: when(e, loc),
		EventURL: calendar.EventURL(in.BaseURL, e), GroupName: present.OneLineText(in.Group.Name),
	}
	var html bytes.Buffer
	if err := declineCounterHTML.Execute(&html, v); err != nil {
		return Message{}, err
	}
	text := strings.Join([]string{
		"Hello " + v.Name + ",",
		"Your calendar proposed another time for " + title + ". Convene cannot move an event for one person, so the proposal was declined: the event stays at " + v.When + ".",
		"If the time does not suit you, you can cancel your place from the event page (" + v.EventURL + ") or the link in your first e-mail, or write to the organisers by replying to this e-mail.",
		"— " + v.GroupName,
	}, "\n\n") + "\n"
	return Message{
		ID:   MessageID(in.RSVP.ID, domain.MessageDeclineCounter, sequence, base.Hostname()),
		Kind: domain.MessageDeclineCounter, Date: in.Now,
		From:    GroupFrom(in.From, v.GroupName),
		To:      mail.Address{Name: v.Name, Address: in.RSVP.Email},
		ReplyTo: mail.Address{Name: contact.Name, Address: contact.Email},
		Subject: v.Subject, Text: text, HTML: html.String(),
		Calendar: cal, Method: calendar.MethodDeclineCounter,
	}, nil
}
