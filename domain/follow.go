package domain

import "time"

// FollowMode is what a follower of a series wants for each new occurrence.
type FollowMode string

// Follow modes.
const (
	// FollowInvite: an e-mail for each new occurrence with links to say
	// "I'll come" or "not this time".
	FollowInvite FollowMode = "invite"
	// FollowRSVP: an RSVP (and its calendar invite) for each new
	// occurrence while seats last; once it is full, an invitation instead,
	// which can put them on the waitlist.
	FollowRSVP FollowMode = "rsvp"
)

// Valid reports whether m is a known mode.
func (m FollowMode) Valid() bool { return m == FollowInvite || m == FollowRSVP }

// FollowStatus is where a follower stands.
type FollowStatus string

// Follower statuses.
const (
	FollowPending    FollowStatus = "pending" // until the e-mail link is followed
	FollowActive     FollowStatus = "active"
	FollowUnfollowed FollowStatus = "unfollowed"
)

// Following is confirmed by e-mail, like a pending RSVP.
const (
	// FollowConfirmWindow is how long the confirmation link works.
	FollowConfirmWindow = 48 * time.Hour
	// FollowResendAfter is how soon a second request sends another
	// confirmation e-mail to the same address.
	FollowResendAfter = 10 * time.Minute
)

// Follower is a person who follows a series.
type Follower struct {
	ID               string
	SeriesID         string
	Name             string
	Email            string
	Mode             FollowMode
	Status           FollowStatus
	CreatedAt        time.Time
	ConfirmExpiresAt *time.Time
	ConfirmedAt      *time.Time
	UnfollowedAt     *time.Time
	// Locale is the language of the page they followed on ("" for the
	// series' events' own): the series' e-mails to them speak it.
	Locale string
}

// FollowInput is what a person gives to follow a series.
type FollowInput struct {
	Name  string
	Email string
	Mode  FollowMode
	// Locale is the language of their e-mails (a tag of Languages, or "").
	Locale string
}

// Validate checks a follow request.
func (in FollowInput) Validate() error {
	var v Validation
	CheckPersonName(&v, "name", in.Name, true)
	CheckEmail(&v, "email", in.Email, true)
	if !in.Mode.Valid() {
		v.Add("mode", "must be \"invite\" (an e-mail for each session) or \"rsvp\" (sign me up for every session)")
	}
	CheckLanguage(&v, "locale", in.Locale)
	return v.Err()
}

// FollowerView is a follower with the series and group followed.
type FollowerView struct {
	Follower Follower
	Series   Series
	Group    Group
}

// FollowConfirmationOutgoing is what the e-mail that confirms following
// needs: the follower, the series, its group, its next occurrence (when and
// where) and who organises it.
type FollowConfirmationOutgoing struct {
	Follower       Follower
	Series         Series
	Group          Group
	Next           Event
	OrganizerEmail string
}
