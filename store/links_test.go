package store_test

import (
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestLinksOfEarlierRSVPs: an RSVP made before feed and join tokens
// existed has only its manage token's hash. Its links are made from the
// manage token when it is next used, and work from then on; the manage
// token itself still joins and reads the feed (invites sent and calendars
// subscribed before), while the feed and join tokens never manage.
func TestLinksOfEarlierRSVPs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, e := openEvent(t, db, 5, domain.ConfirmNone)
		res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Old Timer", Email: email("old")})
		if err != nil {
			t.Fatal(err)
		}
		emailed, err := db.MintManageToken(ctx, res.RSVP.ID)
		if err != nil {
			t.Fatal(err)
		}
		// As the rows were before migration 00011.
		if _, err := db.SQL().Exec(storeQ(db, `UPDATE rsvps SET feed_token_hash = NULL, join_token_hash = NULL WHERE id = ?`), res.RSVP.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().Exec(storeQ(db, `UPDATE rsvp_tokens SET feed_hash = NULL, join_hash = NULL WHERE rsvp_id = ?`), res.RSVP.ID); err != nil {
			t.Fatal(err)
		}
		storetest.SetClock(t, db, e.StartsAt.Add(-5*time.Minute)) // the check-in window
		for _, manage := range []string{res.ManageToken, emailed} {
			join, feed := domain.JoinTokenOf(manage), domain.FeedToken(manage)
			if _, _, err := db.JoinOnline(ctx, join, ""); domain.ErrorCode(err) != domain.ENOTFOUND {
				t.Fatalf("join token before the manage token was used: %v, want not found", err)
			}
			// The manage token is used: its links work from now on.
			if _, err := db.FindRSVPByToken(ctx, manage); err != nil {
				t.Fatal(err)
			}
			if v, _, err := db.JoinOnline(ctx, join, ""); err != nil || v.RSVP.ID != res.RSVP.ID {
				t.Fatalf("join token after: %v %v", v.RSVP.ID, err)
			}
			if self, _, gotFeed, err := db.PersonalEvents(ctx, feed, e.StartsAt.Add(-time.Hour)); err != nil || self.RSVP.ID != res.RSVP.ID || gotFeed != feed {
				t.Fatalf("feed token after: %v %q %v", self.RSVP.ID, gotFeed, err)
			}
			// Links made from the manage token by earlier versions.
			if v, _, err := db.JoinOnline(ctx, manage, ""); err != nil || v.RSVP.ID != res.RSVP.ID {
				t.Fatalf("manage token as a join link: %v", err)
			}
			if _, _, gotFeed, err := db.PersonalEvents(ctx, manage, e.StartsAt.Add(-time.Hour)); err != nil || gotFeed != feed {
				t.Fatalf("manage token as a feed link: %q %v", gotFeed, err)
			}
			// Neither link manages.
			for _, other := range []string{join, feed} {
				if _, err := db.FindRSVPByToken(ctx, other); domain.ErrorCode(err) != domain.ENOTFOUND {
					t.Fatalf("a feed or join token finds the RSVP to manage: %v", err)
				}
				if _, err := db.CancelRSVPByToken(ctx, other); domain.ErrorCode(err) != domain.ENOTFOUND {
					t.Fatalf("a feed or join token cancels: %v", err)
				}
			}
		}
		v, err := db.FindRSVPByToken(ctx, res.ManageToken)
		if err != nil || v.RSVP.Status != domain.RSVPGoing || v.RSVP.AttendedHow != domain.AttendedOnline {
			t.Fatalf("after the joins: %s %s %v", v.RSVP.Status, v.RSVP.AttendedHow, err)
		}
	})
}
