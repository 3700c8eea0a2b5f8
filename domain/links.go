package domain

import (
	"crypto/sha256"
	"encoding/base64"
)

// An attendee has three links, and each does one job only:
//
//   - the manage link, /r/<manage token>: see the RSVP, cancel it, get or
//     erase the data (name and address included);
//   - the feed link, /api/v1/rsvps/<feed token>/calendar.ics: read the
//     personal calendar feed;
//   - the join link, /j/<join token>: record online attendance during the
//     check-in window and go on to the meeting.
//
// Calendars are shared and synchronised to places the attendee does not
// control, so invites, feeds and add-to-calendar links carry only the join
// link, and the manage page hands out the feed link. The feed and join
// tokens are derived one way from the manage token (SHA-256 under a label
// of their own), so that they carry its 256 random bits: whoever holds the
// manage token can make the other two, whoever holds the feed token can
// make the join token (the feed lists join links), and nobody can go the
// other way. Like manage tokens, they are stored only as hashes.

// FeedToken returns the feed token that goes with a manage token.
func FeedToken(manageToken string) string { return derive("convene feed link", manageToken) }

// JoinToken returns the join token that goes with a feed token.
func JoinToken(feedToken string) string { return derive("convene join link", feedToken) }

// JoinTokenOf returns the join token that goes with a manage token.
func JoinTokenOf(manageToken string) string { return JoinToken(FeedToken(manageToken)) }

func derive(label, secret string) string {
	sum := sha256.Sum256([]byte(label + "\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// LinkHashes are the stored hashes of a manage token and of the feed and
// join tokens that go with it.
type LinkHashes struct {
	Manage, Feed, Join string
}

// HashLinks returns the hashes to store for a manage token.
func HashLinks(manageToken string) LinkHashes {
	feed := FeedToken(manageToken)
	return LinkHashes{Manage: HashToken(manageToken), Feed: HashToken(feed), Join: HashToken(JoinToken(feed))}
}
