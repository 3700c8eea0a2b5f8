package domain

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"
)

// RSVPConfirmation says whether a public RSVP must be confirmed from the
// e-mail address it gives before it counts (double opt-in).
type RSVPConfirmation string

// RSVP confirmation settings of an event.
const (
	// ConfirmNone: a public RSVP takes a seat (or a place in line) at once.
	ConfirmNone RSVPConfirmation = "none"
	// ConfirmEmail: a public RSVP is pending, holding no seat, until the
	// person follows the link in the confirmation e-mail.
	ConfirmEmail RSVPConfirmation = "email"
)

// Valid reports whether c is a known setting.
func (c RSVPConfirmation) Valid() bool { return c == ConfirmNone || c == ConfirmEmail }

// PendingTTL is how long an unconfirmed RSVP waits for its confirmation.
const PendingTTL = 48 * time.Hour

// PendingResend is how soon the same address may ask for another
// confirmation e-mail: replying again sooner sends nothing more, so the
// form cannot be used to flood someone's inbox.
const PendingResend = 10 * time.Minute

// PendingRSVP is a public RSVP waiting for its e-mail confirmation. It is
// not an RSVP yet: it holds no seat and no place in line.
type PendingRSVP struct {
	ID        string
	EventID   string
	Name      string
	Email     string
	CreatedAt time.Time
	ExpiresAt time.Time
	// ConfirmedAt and RSVPID are set once the link was followed.
	ConfirmedAt *time.Time
	RSVPID      string
	// Locale is the language of the page the reply was made on, for the
	// request e-mail and the RSVP it becomes.
	Locale string
}

// Expired reports whether the confirmation link no longer works at now.
func (p PendingRSVP) Expired(now time.Time) bool {
	return p.ConfirmedAt == nil && !now.Before(p.ExpiresAt)
}

// PendingView is a pending RSVP with its event and group.
type PendingView struct {
	Pending PendingRSVP
	Event   Event
	Group   Group
}

// InvitationStatus is where a personal invitation stands.
type InvitationStatus string

// Invitation statuses. Queued and sent are about the e-mail; bounced means
// the recipient's mail server refused it for good (or it could not be sent
// for as long as Convene retries); accepted and declined are the answer.
const (
	InvitationQueued   InvitationStatus = "queued"
	InvitationSent     InvitationStatus = "sent"
	InvitationBounced  InvitationStatus = "bounced"
	InvitationAccepted InvitationStatus = "accepted"
	InvitationDeclined InvitationStatus = "declined"
)

// Valid reports whether s is a known invitation status.
func (s InvitationStatus) Valid() bool {
	switch s {
	case InvitationQueued, InvitationSent, InvitationBounced, InvitationAccepted, InvitationDeclined:
		return true
	}
	return false
}

// Limits on invitations.
const (
	MaxInvitationsPerRequest = 1000
	MaxInvitationMessageLen  = 2000
)

// Invitation is an organiser's personal invitation of one address to one
// event. Its link lets the person answer without typing anything.
type Invitation struct {
	ID        string
	EventID   string
	Name      string
	Email     string
	Message   string
	Status    InvitationStatus
	RSVPID    string // the RSVP made by accepting; "" before
	Attempts  int
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
	SentAt    *time.Time
	// RespondedAt is when the person last answered.
	RespondedAt *time.Time
}

// InvitationRecipient is one address to invite.
type InvitationRecipient struct {
	Email string
	Name  string
}

// InvitationRequest is an organiser's request to invite people.
type InvitationRequest struct {
	Recipients []InvitationRecipient
	// Message is the organiser's personal note, shown in the e-mail and on
	// the invitation page.
	Message string
}

// Validate checks the request and reports every bad recipient by index.
// The same address twice in one request is not an error: it is invited
// once.
func (r InvitationRequest) Validate() error {
	var v Validation
	switch n := len(r.Recipients); {
	case n == 0:
		v.Add("recipients", "must list at least one recipient")
	case n > MaxInvitationsPerRequest:
		v.Add("recipients", "must list at most %d recipients per request", MaxInvitationsPerRequest)
	}
	for i, rc := range r.Recipients {
		CheckEmail(&v, fmt.Sprintf("recipients[%d].email", i), rc.Email, true)
		CheckPersonName(&v, fmt.Sprintf("recipients[%d].name", i), rc.Name, false)
	}
	CheckText(&v, "message", r.Message, MaxInvitationMessageLen)
	return v.Err()
}

// InvitationBatch is the outcome of an invitation request: every
// recipient's invitation in request order (new or earlier), and how many
// were new. Addresses invited before are not sent another e-mail.
type InvitationBatch struct {
	Invitations    []Invitation
	Invited        int
	AlreadyInvited int
}

// InvitationView is an invitation with its event, group and, once
// accepted, the RSVP it made.
type InvitationView struct {
	Invitation Invitation
	Event      Event
	Group      Group
	RSVP       *RSVP
}

// InvitationFilter selects an event's invitations.
type InvitationFilter struct {
	Status InvitationStatus // "" for all
	ListOptions
}

// InvitationAnswer is the outcome of accepting an invitation: the view
// after it, and the RSVP with a manage token for the person's own page.
type InvitationAnswer struct {
	View   InvitationView
	Result RSVPResult
}

// ErrRSVPErased is the error for anything asked of an RSVP whose attendee
// erased their data.
var ErrRSVPErased = &Error{Code: EGONE, Reason: ReasonRSVPErased, Message: "The data of this RSVP was erased at the attendee's request."}

// ErrInvitationErased is the error for an invitation link whose recipient
// erased their data.
var ErrInvitationErased = &Error{Code: EGONE, Reason: ReasonInvitationErased, Message: "The data of this invitation was erased at the recipient's request."}

// RSVPExport is everything Convene holds about one RSVP, for the
// attendee's "download my data".
type RSVPExport struct {
	View       RSVPView
	Deliveries []Delivery
	Invitation *Invitation
}

// InvitationManageToken is the manage token that an invitation link leads
// to: the same for every "yes" and every "see your RSVP" from that link, so
// that answering twice or opening the RSVP again does not mint a new
// credential each time (and a link opened by a mail scanner mints none).
// It is derived from the invitation token, whose 256 random bits it
// carries, with SHA-256 under a label of its own; like every token only
// its hash is stored. Whoever holds the invitation link could already
// answer it and reach the RSVP; the derived token gives them nothing more.
func InvitationManageToken(invitationToken string) string {
	sum := sha256.Sum256([]byte("convene invitation manage token\x00" + invitationToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
