package mail

import (
	"bytes"
	htmltemplate "html/template"
	"net/mail"
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
// in.BaseURL and in.Now are used, checked as Compose checks them.
func ComposeDeclineCounter(in Invite, sequence int) (Message, error) {
	p, err := in.parties()
	if err != nil {
		return Message{}, err
	}
	e, org := in.Event, p.org
	title := present.OneLineText(e.Title)
	ev := calendar.Event{
		UID: calendar.UID(e.ID, p.host), Sequence: sequence, Stamp: in.Now.UTC(),
		Start: e.StartsAt, End: e.EndsAt, Summary: e.Title, Organizer: &org,
		Attendees: []calendar.Attendee{{Person: calendar.Person{Name: present.OneLineText(in.RSVP.Name), Email: in.RSVP.Email}, PartStat: calendar.PartStatAccepted}},
	}
	cal, err := calendar.Calendar{Method: calendar.MethodDeclineCounter, Events: []calendar.Event{ev}}.Encode()
	if err != nil {
		return Message{}, err
	}
	v := struct{ Subject, Name, Title, When, EventURL, GroupName string }{
		Subject: "Proposal declined: " + title + " — " + subjectDate(e, p.loc),
		Name:    present.OneLineText(in.RSVP.Name), Title: title, When: when(e, p.loc),
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
		ID:   MessageID(in.RSVP.ID, domain.MessageDeclineCounter, sequence, p.host),
		Kind: domain.MessageDeclineCounter, Date: in.Now,
		From:    GroupFrom(in.From, v.GroupName),
		To:      mail.Address{Name: v.Name, Address: in.RSVP.Email},
		ReplyTo: mail.Address{Name: p.contact.Name, Address: p.contact.Email},
		Subject: v.Subject, Text: text, HTML: html.String(),
		Calendar: cal, Method: calendar.MethodDeclineCounter,
	}, nil
}
