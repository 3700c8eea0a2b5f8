package mail

import (
	"bytes"
	htmltemplate "html/template"
	"net/mail"
	"strings"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/calendar"
	"github.com/convene/convene/notifications/present"
)

// declineCounterSource is the HTML of the answer to a proposal of another
// time; declineCounterHTML has it in each language, by tag.
const declineCounterSource = `<!DOCTYPE html>
<html lang="{{lang.Tag}}"{{if ne lang.Tag "en"}} dir="{{lang.Dir}}"{{end}}><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body><p>{{if .Name}}{{t "mail.decline_counter.greeting" "Name" .Name}}{{else}}{{t "mail.decline_counter.greeting.anonymous"}}{{end}}</p>
<p>{{t "mail.decline_counter.lead" "Title" (b .Title) "When" .When}}</p>
<p>{{t "mail.decline_counter.cancel" "EventPage" (link .EventURL "" (t "mail.decline_counter.event_page"))}}</p>
<p>— {{.GroupName}}</p></body></html>
`

var declineCounterHTML = map[string]*htmltemplate.Template{}

func init() {
	base := htmltemplate.Must(htmltemplate.New("").Funcs(htmlFuncs(english)).Parse(declineCounterSource))
	for _, l := range append(i18n.All(), i18n.Get(i18n.Pseudo)) {
		declineCounterHTML[l.Tag()] = htmltemplate.Must(base.Clone()).Funcs(htmlFuncs(l))
	}
}

// ComposeDeclineCounter writes the answer to an attendee's proposal of
// another time (an iTIP COUNTER, sequence being its SEQUENCE): an e-mail
// carrying METHOD:DECLINECOUNTER, which calendars show as "the organiser
// declined your proposal", and which says the event stays as it is, in
// the attendee's language (RSVP.Language).
// in.Event, in.Group, in.RSVP, in.Organizer, in.ReplyAddress, in.From,
// in.BaseURL and in.Now are used, checked as Compose checks them.
func ComposeDeclineCounter(in Invite, sequence int) (Message, error) {
	p, err := in.parties()
	if err != nil {
		return Message{}, err
	}
	e, org, l := in.Event, p.org, langOf(in)
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
		Subject: l.T("mail.subject.decline_counter", "Title", title, "Date", subjectDateIn(l, e, p.loc)),
		Name:    present.OneLineText(in.RSVP.Name), Title: title, When: whenIn(l, e, p.loc),
		EventURL: calendar.EventURL(in.BaseURL, e), GroupName: present.OneLineText(in.Group.Name),
	}
	var html bytes.Buffer
	if err := declineCounterHTML[l.Tag()].Execute(&html, v); err != nil {
		return Message{}, err
	}
	greeting := l.T("mail.decline_counter.greeting.anonymous")
	if v.Name != "" {
		greeting = l.T("mail.decline_counter.greeting", "Name", v.Name)
	}
	text := strings.Join([]string{
		greeting,
		l.T("mail.decline_counter.lead", "Title", title, "When", v.When),
		l.T("mail.decline_counter.cancel", "EventPage", l.T("mail.decline_counter.event_page.text", "URL", v.EventURL)),
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
