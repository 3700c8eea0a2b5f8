package domain

import "time"

// Every background job Convene queues is named here, with the queue it
// goes to: its arguments (River's JobArgs: a Kind method and JSON fields)
// and the two queues. The store inserts them, notifications works them.

// Queues. E-mail sends are many and small; fan-outs and periodic rounds
// are few and long.
const (
	QueueEmail  = "email"
	QueueFanOut = "fanout"
)

// MessageKind names an e-mail Convene sends to an attendee.
type MessageKind string

// Message kinds.
const (
	MessageGoing          MessageKind = "going"           // an invite (iCalendar REQUEST)
	MessageWaitlisted     MessageKind = "waitlisted"      // place in line, no invite
	MessageUpdated        MessageKind = "updated"         // an updated REQUEST
	MessageEventCancelled MessageKind = "event_cancelled" // iCalendar CANCEL to everyone
	MessageRSVPCancelled  MessageKind = "rsvp_cancelled"  // CANCEL for one attendee's calendar
	MessageReminder       MessageKind = "reminder"        // the event is soon; no calendar
	MessageReconfirm      MessageKind = "reconfirm"       // please confirm you still come; no calendar
	// The e-mails of a request, which belong to no delivery: an organiser's
	// personal invitation, the confirmation of a public RSVP (double
	// opt-in), the confirmation that the person follows a series.
	MessageInvitation    MessageKind = "invitation"
	MessageConfirm       MessageKind = "confirm_rsvp"
	MessageConfirmFollow MessageKind = "confirm_follow"
	// MessageRepeat is the going or waitlisted e-mail again, saying so,
	// because a public RSVP named the address again. Its delivery's
	// sequence counts the repeats; the invite in it carries the event's.
	MessageRepeat MessageKind = "repeat"
	// MessageSignIn is an organiser's sign-in link to the console.
	MessageSignIn MessageKind = "sign_in"
	// MessageDeclineCounter answers an attendee's calendar that proposed
	// another time (DeclineCounterArgs); it belongs to no delivery.
	MessageDeclineCounter MessageKind = "decline_counter"
)

// DeliveryStatus is where one e-mail stands.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryQueued  DeliveryStatus = "queued"
	DeliverySent    DeliveryStatus = "sent"
	DeliveryFailed  DeliveryStatus = "failed"  // permanently refused; not retried
	DeliverySkipped DeliveryStatus = "skipped" // overtaken: e.g. a waitlist notice for someone already promoted
)

// Delivery is one e-mail to one attendee, as organisers see it.
type Delivery struct {
	ID        string
	EventID   string
	RSVPID    string
	Name      string
	Email     string
	Kind      MessageKind
	Sequence  int
	Status    DeliveryStatus
	Attempts  int
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
	SentAt    *time.Time
}

// EventSnapshot is what attendees were last told about an event: the
// fields whose change sends an update.
type EventSnapshot struct {
	Title     string    `json:"title"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	TimeZone  string    `json:"time_zone"`
	Venue     *Venue    `json:"venue,omitempty"`
	OnlineURL string    `json:"online_url,omitempty"`
}

// Snapshot returns the announced fields of e.
func (e *Event) Snapshot() EventSnapshot {
	return EventSnapshot{Title: e.Title, StartsAt: e.StartsAt, EndsAt: e.EndsAt, TimeZone: e.TimeZone, Venue: copyPtr(e.Venue), OnlineURL: e.OnlineURL}
}

// Changes lists the JSON names of the announced fields that differ between
// s (what people were told) and e (the event now).
func (s EventSnapshot) Changes(e *Event) []string {
	var c []string
	if s.Title != e.Title {
		c = append(c, "title")
	}
	if !s.StartsAt.Equal(e.StartsAt) {
		c = append(c, "starts_at")
	}
	if !s.EndsAt.Equal(e.EndsAt) {
		c = append(c, "ends_at")
	}
	if (s.Venue == nil) != (e.Venue == nil) || (s.Venue != nil && *s.Venue != *e.Venue) {
		c = append(c, "venue")
	}
	if s.OnlineURL != e.OnlineURL {
		c = append(c, "online_url")
	}
	return c
}

// AnnouncedFields are the event fields whose change sends attendees an
// updated invite: time, duration, place, join link, title. A change of the
// description alone sends nothing.
var AnnouncedFields = map[string]bool{"title": true, "starts_at": true, "ends_at": true, "venue": true, "online_url": true}

// SendEmailArgs is the job that sends one delivery. The kind is River's job
// kind; the JSON is the job's stored arguments.
type SendEmailArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind names the job for the queue.
func (SendEmailArgs) Kind() string { return "send_email" }

// FanOutArgs is the job that turns one event change into one delivery per
// attendee, in batches.
type FanOutArgs struct {
	EventID string      `json:"event_id"`
	Message MessageKind `json:"message"` // MessageUpdated or MessageEventCancelled
}

// Kind names the job for the queue.
func (FanOutArgs) Kind() string { return "event_fanout" }

// Outgoing is everything needed to write one e-mail: the delivery, the
// attendee, the event as it is now, its group, who organises it, and for
// updates what changed.
type Outgoing struct {
	Delivery       Delivery
	RSVP           RSVP
	Event          Event
	Group          Group
	OrganizerEmail string
	Changed        []string
	Previous       *EventSnapshot
	// SeriesTitle is set when the RSVP was made for a follower of a
	// series; FollowerID only while they still follow it: the e-mail then
	// offers to unfollow.
	FollowerID  string
	SeriesTitle string
	// Speakers are the event's speakers, for a thank-you (their talks and
	// slides).
	Speakers []EventPerson
	// Before is how long before the start a reminder is sent.
	Before time.Duration
	// Why says why Convene cancelled an RSVP (CancelNotReconfirmed), for
	// its cancellation e-mail; "" when the attendee cancelled it.
	Why string
	// ConfirmBy is when a reconfirmation must come by.
	ConfirmBy time.Time
	// ReplyToken is the RSVP's reply token (domain.ReplyToken), for the
	// ORGANIZER of its invites when inbound mail is configured; "" for an
	// RSVP whose e-mails began before reply addresses existed.
	ReplyToken string
}

// RepeatRefresh is the Why of a MessageRepeat sent because the attendee's
// calendar asked for the invite again (an iTIP REFRESH).
const RepeatRefresh = "refresh"

// DeclineCounterArgs is the job that answers an attendee's proposal of a
// new time (an iTIP COUNTER) with a DECLINECOUNTER: Convene's events move
// only when the organisers move them.
type DeclineCounterArgs struct {
	RSVPID string `json:"rsvp_id"`
	// Sequence is the SEQUENCE of the proposal, echoed in the answer.
	Sequence int `json:"sequence"`
}

// Kind names the job for the queue.
func (DeclineCounterArgs) Kind() string { return "send_decline_counter" }

// RepeatNoticeEvery is how often, at most, an address that a public RSVP
// names again is e-mailed its RSVP again.
const RepeatNoticeEvery = 10 * time.Minute

// SendInvitationArgs is the job that sends one personal invitation.
type SendInvitationArgs struct {
	InvitationID string `json:"invitation_id"`
}

// Kind names the job for the queue.
func (SendInvitationArgs) Kind() string { return "send_invitation" }

// SendConfirmationArgs is the job that sends the confirmation e-mail of a
// pending RSVP.
type SendConfirmationArgs struct {
	PendingID string `json:"pending_id"`
}

// Kind names the job for the queue.
func (SendConfirmationArgs) Kind() string { return "send_confirmation" }

// PurgeArgs is the periodic job that deletes what has expired: pending
// RSVPs never confirmed, and their links.
type PurgeArgs struct{}

// Kind names the job for the queue.
func (PurgeArgs) Kind() string { return "purge_expired" }

// InvitationOutgoing is what an invitation e-mail needs.
type InvitationOutgoing struct {
	Invitation     Invitation
	Event          Event
	Group          Group
	OrganizerEmail string
	// InvitedBy is the name of the organiser who sent the invitation.
	InvitedBy string
	// SeriesTitle is set for an invitation sent to a follower of a
	// series; FollowerID only while they still follow it: the e-mail then
	// offers to unfollow.
	FollowerID  string
	SeriesTitle string
	// Locale is the follower's language for an invitation to a follower
	// ("" for the event's).
	Locale string
}

// ConfirmationOutgoing is what a confirmation e-mail needs.
type ConfirmationOutgoing struct {
	Pending        PendingRSVP
	Event          Event
	Group          Group
	OrganizerEmail string
	// Sent says the e-mail already went out for this request.
	Sent bool
}

// SendEmailBatchArgs is the job that sends a batch of deliveries of one
// fan-out (an update or a cancellation to everyone): it loads, sends and
// marks them together. A delivery whose send fails for the time being gets
// its own SendEmailArgs job, so that retries go one e-mail at a time.
type SendEmailBatchArgs struct {
	DeliveryIDs []string `json:"delivery_ids"`
}

// Kind names the job for the queue.
func (SendEmailBatchArgs) Kind() string { return "send_email_batch" }

// DeliveryOutcome is the outcome of one attempt to send a delivery, as a
// batch records it.
type DeliveryOutcome struct {
	DeliveryID string
	Status     DeliveryStatus
	LastError  string
	// RetryAt, when set (with Status DeliveryQueued), is when the delivery
	// is tried again by a job of its own.
	RetryAt time.Time
}

// DeriveContributionsArgs is the periodic job that brings contribution
// records up to date.
type DeriveContributionsArgs struct{}

// EraseFilesArgs is the job that removes what an erasure leaves outside
// the database's rows: the .eml files of the e-mails to the address, and
// on SQLite old copies of changed pages in the write-ahead log. The store
// queues it with the erasure, once at once and once EraseFilesAgainAfter
// later, for an e-mail that was being written while the erasure committed.
type EraseFilesArgs struct {
	AddressTag string `json:"address_tag"`
}

// MaterialiseSeriesArgs is the periodic job that adds the next occurrence
// of each recurring series as time passes.
type MaterialiseSeriesArgs struct{}

// ReconfirmArgs is the scheduled job of one step of an event's
// reconfirmation: asking the people going (ReconfirmAsk), or giving the
// seats of those who did not answer to the waitlist (ReconfirmRelease).
type ReconfirmArgs struct {
	EventID  string    `json:"event_id"`
	Step     string    `json:"step"`
	StartsAt time.Time `json:"starts_at"`
}

// ReminderArgs is the scheduled job that reminds the people going to an
// event, Before its start. StartsAt is the start it was scheduled for: a
// job left over from before the event moved finds it changed and does
// nothing.
type ReminderArgs struct {
	EventID  string        `json:"event_id"`
	Before   time.Duration `json:"before"`
	StartsAt time.Time     `json:"starts_at"`
}

// SendFollowConfirmationArgs is the job that sends the confirmation e-mail
// of a new follower.
type SendFollowConfirmationArgs struct {
	FollowerID string `json:"follower_id"`
}

// SendSignInArgs is the job that e-mails a sign-in link to an organiser.
// Locale is the language of the browser that asked for the link
// (LanguageTag's spelling), which the e-mail speaks; "" (and the jobs
// queued before it existed) means English.
type SendSignInArgs struct {
	LinkID string `json:"link_id"`
	Locale string `json:"locale,omitempty"`
}

// Kind names the job for the queue.
func (SendSignInArgs) Kind() string { return "send_sign_in" }

// ThankAttendeesArgs is the periodic job that thanks the attendees of
// events that are over.
type ThankAttendeesArgs struct{}

// Kind names the job for the queue.
func (MaterialiseSeriesArgs) Kind() string { return "materialise_series" }

// Kind names the job for the queue.
func (ThankAttendeesArgs) Kind() string { return "thank_attendees" }

// Kind names the job for the queue.
func (DeriveContributionsArgs) Kind() string { return "derive_contributions" }

// Kind names the job for the queue.
func (ReminderArgs) Kind() string { return "event_reminder" }

// Kind names the job for the queue.
func (ReconfirmArgs) Kind() string { return "event_reconfirm" }

// Kind names the job for the queue.
func (SendFollowConfirmationArgs) Kind() string { return "send_follow_confirmation" }

// Kind names the job for the queue.
func (EraseFilesArgs) Kind() string { return "erase_files" }
