package mail

import (
	"net/mail"
	"net/url"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/present"
)

// A sign-in e-mail (domain.MessageSignIn) carries an organiser's one-time
// link to the console. It names no group: an organiser may have several.
// It speaks the language of the browser that asked for it (the console's
// sign-in page speaks it too), else English.

// SignIn is everything ComposeSignIn needs to write one sign-in e-mail.
type SignIn struct {
	// LinkID is the sign-in link's ID; it makes the Message-ID.
	LinkID string
	Name   string
	Email  string
	// ActionURL is the link: /manage/sign-in/{token}.
	ActionURL string
	// ExpiresAt is when the link stops working.
	ExpiresAt time.Time
	// From is the sender; an empty Name means "Convene".
	From mail.Address
	// BaseURL is the public address of the service.
	BaseURL string
	// Now is the Date of the message.
	Now time.Time
	// Locale is the language of the browser that asked for the link
	// (domain.LanguageTag's spelling, or i18n.Pseudo); "" means English.
	Locale string
}

// signInView is what the sign-in templates see; every string is plain
// text.
type signInView struct {
	Subject   string
	Name      string
	ActionURL string
	Minutes   int
	Host      string
}

// ComposeSignIn writes a sign-in e-mail. Like Compose it returns an error
// matching ErrInvalid for input that can never make a valid message, and
// ErrStale (with ErrInvalid) when the link has expired by Now.
func ComposeSignIn(in SignIn) (Message, error) {
	if in.LinkID == "" {
		return Message{}, invalidf("the sign-in link needs an ID: it makes the Message-ID")
	}
	if in.Now.IsZero() {
		return Message{}, invalidf("Now is required: it is the Date")
	}
	if !in.Now.Before(in.ExpiresAt) {
		return Message{}, staleErr(domain.MessageSignIn, "the sign-in link has expired")
	}
	base, err := url.Parse(in.BaseURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Hostname() == "" {
		return Message{}, invalidf("BaseURL %q is not an absolute http or https URL", in.BaseURL)
	}
	if !webURL(in.ActionURL) {
		return Message{}, invalidf("ActionURL is not an absolute http or https URL")
	}
	for _, a := range []string{in.Email, in.From.Address} {
		if !plainAddress(a) {
			return Message{}, invalidf("address %q is not a plain address", a)
		}
	}
	l := i18n.Get(in.Locale)
	v := signInView{
		Subject:   present.OneLineText(l.T("mail.signin.subject")),
		Name:      present.OneLineText(in.Name),
		ActionURL: in.ActionURL,
		Minutes:   int(in.ExpiresAt.Sub(in.Now).Round(time.Minute).Minutes()),
		Host:      l.Isolate(base.Host),
	}
	v.Minutes = max(v.Minutes, 1)
	text, html, err := render(l, "signin", v)
	if err != nil {
		return Message{}, err
	}
	from := in.From
	if from.Name == "" {
		from.Name = serviceName
	}
	return Message{
		ID:      MessageID(in.LinkID, domain.MessageSignIn, 0, base.Hostname()),
		Kind:    domain.MessageSignIn,
		Date:    in.Now,
		From:    mail.Address{Name: present.OneLineText(from.Name), Address: from.Address},
		To:      mail.Address{Name: v.Name, Address: in.Email},
		Subject: v.Subject,
		Text:    text,
		HTML:    html,
	}, nil
}
