package store_test

import (
	"testing"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// An e-mail's delivery comes with what the message needs, read in one
// query: the recipient, their RSVP and place in line, the event and group,
// and the organiser's address — the group's contact address, else its
// first owner's. A delivery that is gone is ENOTFOUND.
func TestLoadOutgoing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, e := openEvent(t, db, 1, domain.ConfirmNone)
		ada, bob := email("ada"), email("bob")
		for _, who := range []string{ada, bob} {
			if _, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Someone", Email: who}); err != nil {
				t.Fatal(err)
			}
		}
		out, err := db.LoadOutgoing(ctx, firstDelivery(t, db, e.ID, "waitlisted"))
		if err != nil {
			t.Fatal(err)
		}
		if out.Delivery.Kind != domain.MessageWaitlisted || out.Delivery.Status != domain.DeliveryQueued ||
			out.Delivery.Email != bob || out.RSVP.Email != bob || out.RSVP.Status != domain.RSVPWaitlisted ||
			out.RSVP.WaitlistPosition != 1 || out.Event.ID != e.ID || out.Event.Title != e.Title ||
			out.Group.ID != e.GroupID || out.OrganizerEmail != o.Email {
			t.Fatalf("loaded %+v", out)
		}
		contact := email("contact")
		if _, err := db.UpdateGroup(ctx, o.ID, e.GroupID, domain.GroupUpdate{ContactEmail: &contact}); err != nil {
			t.Fatal(err)
		}
		out, err = db.LoadOutgoing(ctx, firstDelivery(t, db, e.ID, "going"))
		if err != nil {
			t.Fatal(err)
		}
		if out.Delivery.Email != ada || out.RSVP.Status != domain.RSVPGoing || out.RSVP.WaitlistPosition != 0 ||
			out.RSVP.CheckinCode == "" || out.OrganizerEmail != contact {
			t.Fatalf("loaded %+v", out)
		}
		_, err = db.LoadOutgoing(ctx, "no-such-delivery")
		wantCode(t, err, domain.ENOTFOUND, "")
	})
}
