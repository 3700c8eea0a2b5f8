package mail

import (
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/calendar"
	"github.com/convene/convene/notifications/present"
)

// A thank-you (domain.MessageThankYou) thanks an attendee after the event,
// with the recording, the speakers' slides and a personal link to leave
// feedback, in the attendee's language (RSVP.Language). It carries no
// calendar: the event is over.

// ThankYou is everything ComposeThankYou needs to write one thank-you.
type ThankYou struct {
	// RSVP is the attendee's: it must be going with an attendance
	// recorded.
	RSVP  domain.RSVP
	Event domain.Event
	Group domain.Group
	// Speakers are the event's speakers; those with a slides link are
	// listed.
	Speakers []domain.EventPerson
	// OrganizerEmail is where replies go: the group's contact address or
	// its first owner's.
	OrganizerEmail string
	// From is the service's sender; the e-mail is from the group through
	// it (see GroupFrom).
	From mail.Address
	// BaseURL is the public address of the service.
	BaseURL string
	// FeedbackURL is the attendee's personal feedback link (/f/{token}).
	FeedbackURL string
	// Now is the Date of the message.
	Now time.Time
}

// slidesItem is one talk with slides, as the templates show it.
type slidesItem struct {
	Speaker string
	Talk    string
	URL     string
}

// thankYouView is what the thank-you templates see; every string is plain
// text.
type thankYouView struct {
	Subject      string
	Name         string
	Title        string
	When         string
	EventURL     string
	RecordingURL string
	Slides       []slidesItem
	FeedbackURL  string
	GroupName    string
}

// ComposeThankYou writes the thank-you to an attendee. Like Compose it
// returns an error matching ErrInvalid for input that can never make a
// valid message, and ErrStale (with ErrInvalid) when the news was
// overtaken: the attendance was undone, the RSVP is no longer going, or
// the event was cancelled. The Message-ID is the same for every attempt:
// one thank-you per RSVP.
func ComposeThankYou(in ThankYou) (Message, error) {
	if in.RSVP.ID == "" {
		return Message{}, invalidf("the RSVP needs an ID: it makes the Message-ID")
	}
	if in.RSVP.Status != domain.RSVPGoing || in.RSVP.AttendedAt == nil {
		return Message{}, staleErr(domain.MessageThankYou, "the attendee's attendance is not recorded")
	}
	if in.Event.Status != domain.EventPublished {
		return Message{}, staleErr(domain.MessageThankYou, "the event is "+string(in.Event.Status))
	}
	if in.Now.IsZero() {
		return Message{}, invalidf("Now is required: it is the Date")
	}
	e := in.Event
	if e.ID == "" || e.StartsAt.IsZero() || e.EndsAt.IsZero() {
		return Message{}, invalidf("the event needs an ID, a start and an end")
	}
	base, err := url.Parse(in.BaseURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Hostname() == "" {
		return Message{}, invalidf("BaseURL %q is not an absolute http or https URL", in.BaseURL)
	}
	if !webURL(in.FeedbackURL) {
		return Message{}, invalidf("FeedbackURL is not an absolute http or https URL")
	}
	if e.RecordingURL != "" && !webURL(e.RecordingURL) {
		return Message{}, invalidf("the recording link is not an absolute http or https URL")
	}
	for _, a := range []string{in.RSVP.Email, in.From.Address, in.OrganizerEmail} {
		if !plainAddress(a) {
			return Message{}, invalidf("address %q is not a plain address", a)
		}
	}
	loc, err := loadZone(e.TimeZone)
	if err != nil {
		return Message{}, err
	}
	l := i18n.Get(in.RSVP.Language(e, in.Group))
	groupName := present.OneLineText(in.Group.Name)
	v := thankYouView{
		Name:         present.OneLineText(in.RSVP.Name),
		Title:        present.OneLineText(e.Title),
		When:         whenIn(l, e, loc),
		EventURL:     calendar.EventURL(in.BaseURL, e),
		RecordingURL: e.RecordingURL,
		FeedbackURL:  in.FeedbackURL,
		GroupName:    groupName,
	}
	for _, sp := range in.Speakers {
		// A link a message cannot carry as it is is left out rather than
		// failing the thank-you of every attendee.
		if u := strings.TrimSpace(sp.SlidesURL); u != "" && webURL(u) {
			v.Slides = append(v.Slides, slidesItem{Speaker: present.OneLineText(sp.Name), Talk: present.OneLineText(sp.TalkTitle), URL: u})
		}
	}
	v.Subject = present.OneLineText(l.T("mail.subject.thank_you", "Title", v.Title))
	text, html, err := render(l, "thankyou", v)
	if err != nil {
		return Message{}, err
	}
	return Message{
		ID:      MessageID(in.RSVP.ID, domain.MessageThankYou, 0, base.Hostname()),
		Kind:    domain.MessageThankYou,
		Date:    in.Now,
		From:    GroupFrom(in.From, groupName),
		To:      mail.Address{Name: present.OneLineText(in.RSVP.Name), Address: in.RSVP.Email},
		ReplyTo: mail.Address{Name: groupName, Address: in.OrganizerEmail},
		Subject: v.Subject,
		Text:    text,
		HTML:    html,
	}, nil
}
