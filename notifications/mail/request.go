package mail

import (
	"net/mail"
	"net/url"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/calendar"
	"github.com/convene/convene/notifications/present"
)

// The e-mails that ask the person to do something — domain.MessageInvitation
// (an organiser's personal invitation, to answer yes or no),
// domain.MessageConfirm (confirm a public RSVP) and
// domain.MessageConfirmFollow (confirm following a series; Event is its
// next occurrence) — carry no calendar: the invitation to the calendar
// follows once the person says yes.

// Request is everything ComposeRequest needs to write one invitation or
// confirmation e-mail.
type Request struct {
	// ID is the invitation's or the pending RSVP's ID; it makes the
	// Message-ID.
	ID    string
	Name  string
	Email string

	Event domain.Event
	Group domain.Group
	// OrganizerEmail is where replies go: the group's contact address or
	// its first owner's.
	OrganizerEmail string
	// From is the service's sender; the e-mail is from the group through
	// it (see GroupFrom).
	From mail.Address
	// BaseURL is the public address of the service.
	BaseURL string
	// ActionURL is the personal link: /i/{token} or /c/{token}.
	ActionURL string

	// Note is the organiser's message (invitations).
	Note string
	// InvitedBy is the inviting organiser's name (invitations); "" means
	// the group.
	InvitedBy string
	// ExpiresAt is when the confirmation link stops working
	// (confirmations). It also tells requests apart in the Message-ID.
	ExpiresAt time.Time

	// SeriesTitle names the series followed (domain.MessageConfirmFollow, and
	// invitations sent to a follower); FollowMode is what the follower
	// asked for (domain.MessageConfirmFollow).
	SeriesTitle string
	FollowMode  domain.FollowMode
	// UnfollowURL, when set, is the follower's one-click unfollow link: the
	// e-mail shows it and carries List-Unsubscribe (RFC 2369, RFC 8058).
	UnfollowURL string

	// Locale is the language of the page the person asked from (a
	// confirmation); "" means the event's (Event.Language), which an
	// invitation and a series' confirmation speak. The confirmation worker
	// leaves it "" until pending RSVPs keep the language of their page.
	Locale string

	// Now is the Date of the message.
	Now time.Time
}

// requestView is what the request templates see; every string is plain
// text.
type requestView struct {
	Kind      string
	Subject   string
	Name      string
	Title     string
	When      string
	Where     string
	EventURL  string
	ActionURL string
	Note      string
	Inviter   string
	GroupName string
	Expires   string
	Series    string
	Mode      string
	Unfollow  string
}

// ComposeRequest writes an invitation (domain.MessageInvitation) or a
// confirmation request (domain.MessageConfirm, domain.MessageConfirmFollow),
// in in.Locale or else the event's language. Like Compose it returns an
// error matching ErrInvalid for input that can never make a valid message,
// and ErrStale (with ErrInvalid) when the news was overtaken: the event is
// no longer published or is over at Now (asking anyone to come would be
// wrong), or a confirmation's link has expired by Now (it would be dead on
// arrival).
func ComposeRequest(kind domain.MessageKind, in Request) (Message, error) {
	if kind != domain.MessageInvitation && kind != domain.MessageConfirm && kind != domain.MessageConfirmFollow {
		return Message{}, invalidf("unknown request kind %q", kind)
	}
	if in.ID == "" {
		return Message{}, invalidf("the request needs an ID: it makes the Message-ID")
	}
	if in.Event.Status != domain.EventPublished {
		return Message{}, staleErr(kind, "the event is "+string(in.Event.Status))
	}
	if in.Now.IsZero() {
		return Message{}, invalidf("Now is required: it is the Date")
	}
	if in.Event.StartsAt.IsZero() || in.Event.EndsAt.IsZero() {
		return Message{}, invalidf("the event needs a start and an end")
	}
	if !in.Now.Before(in.Event.EndsAt) {
		return Message{}, staleErr(kind, "the event is over")
	}
	if kind != domain.MessageInvitation && !in.ExpiresAt.IsZero() && !in.Now.Before(in.ExpiresAt) {
		// The link would be dead on arrival.
		return Message{}, staleErr(kind, "the confirmation link has expired")
	}
	base, err := url.Parse(in.BaseURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Hostname() == "" {
		return Message{}, invalidf("BaseURL %q is not an absolute http or https URL", in.BaseURL)
	}
	if !webURL(in.ActionURL) {
		return Message{}, invalidf("ActionURL is not an absolute http or https URL")
	}
	if in.UnfollowURL != "" && !webURL(in.UnfollowURL) {
		return Message{}, invalidf("UnfollowURL is not an absolute http or https URL")
	}
	for _, a := range []string{in.Email, in.From.Address, in.OrganizerEmail} {
		if !plainAddress(a) {
			return Message{}, invalidf("address %q is not a plain address", a)
		}
	}
	e := in.Event
	loc, err := loadZone(e.TimeZone)
	if err != nil {
		return Message{}, err
	}
	l := i18n.Get(in.Locale)
	if in.Locale == "" {
		l = i18n.Get(e.Language(in.Group))
	}
	groupName := present.OneLineText(in.Group.Name)
	v := requestView{
		Kind:      string(kind),
		Name:      present.OneLineText(in.Name),
		Title:     present.OneLineText(e.Title),
		When:      whenIn(l, e, loc),
		Where:     placeIn(l, e),
		EventURL:  calendar.EventURL(in.BaseURL, e),
		ActionURL: in.ActionURL,
		Note:      present.BodyText(in.Note),
		Inviter:   present.OneLineText(in.InvitedBy),
		GroupName: groupName,
		Series:    present.OneLineText(in.SeriesTitle),
		Mode:      string(in.FollowMode),
		Unfollow:  in.UnfollowURL,
	}
	if v.Inviter == "" {
		v.Inviter = groupName
	}
	seq := 0
	switch kind {
	case domain.MessageInvitation:
		v.Subject = l.T("mail.subject.invitation", "Title", v.Title, "Date", subjectDateIn(l, e, loc))
	case domain.MessageConfirm:
		if in.ExpiresAt.IsZero() {
			return Message{}, invalidf("a confirmation needs ExpiresAt")
		}
		v.Subject = l.T("mail.subject.confirm", "Title", v.Title, "Date", subjectDateIn(l, e, loc))
		v.Expires = deadlineIn(l, in.ExpiresAt, loc, "Monday 2 January 15:04")
		// A new request for the same RSVP is a new e-mail (a provider
		// drops a Message-ID it has seen); a retry of one is not.
		seq = int(in.ExpiresAt.Unix())
	case domain.MessageConfirmFollow:
		if in.ExpiresAt.IsZero() || v.Series == "" || !in.FollowMode.Valid() {
			return Message{}, invalidf("a follow confirmation needs ExpiresAt, SeriesTitle and FollowMode")
		}
		v.Subject = l.T("mail.subject.confirm_follow", "Series", v.Series)
		v.Expires = deadlineIn(l, in.ExpiresAt, loc, "Monday 2 January 15:04")
		seq = int(in.ExpiresAt.Unix())
	}
	v.Subject = present.OneLineText(v.Subject)
	text, html, err := render(l, "request", v)
	if err != nil {
		return Message{}, err
	}
	return Message{
		Headers: unfollowHeaders(in.UnfollowURL),
		ID:      MessageID(in.ID, kind, seq, base.Hostname()),
		Kind:    kind,
		Date:    in.Now,
		From:    GroupFrom(in.From, groupName),
		To:      mail.Address{Name: present.OneLineText(in.Name), Address: in.Email},
		ReplyTo: mail.Address{Name: groupName, Address: in.OrganizerEmail},
		Subject: v.Subject,
		Text:    text,
		HTML:    html,
	}, nil
}

// unfollowHeaders are the List-Unsubscribe headers of an e-mail to a
// follower: mail clients show an unsubscribe button, and RFC 8058 lets
// them unfollow with one POST to the link, without opening a page.
func unfollowHeaders(link string) map[string]string {
	if link == "" {
		return nil
	}
	return map[string]string{"List-Unsubscribe": "<" + link + ">", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
}
