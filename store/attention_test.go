package store_test

import (
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestFindAttention: the console's home page lists, for the groups an
// organiser belongs to and theirs only, the events with failed e-mails
// (with how many), the upcoming meetups without an address and the RSVP
// windows closing within 48 hours.
func TestFindAttention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		owner, err := db.CreateOrganiser(ctx, email("olive"), "Olive")
		if err != nil {
			t.Fatal(err)
		}
		outsider, err := db.CreateOrganiser(ctx, email("otto"), "Otto")
		if err != nil {
			t.Fatal(err)
		}
		g := newGroup(t, db, owner.ID)
		now := db.Clock().Now()
		start := now.Add(10 * 24 * time.Hour).Truncate(time.Minute)
		mk := func(title string, e domain.Event, publish bool) domain.Event {
			t.Helper()
			e.Title, e.StartsAt, e.EndsAt, e.Waitlist = title, start, start.Add(2*time.Hour), true
			if e.Kind == "" {
				e.Kind, e.OnlineURL = domain.KindLiveSession, "https://meet.example.org/x"
			}
			e, err := db.CreateEvent(ctx, owner.ID, g.ID, e)
			if err != nil {
				t.Fatal(err)
			}
			if publish {
				if e, err = db.PublishEvent(ctx, owner.ID, e.ID); err != nil {
					t.Fatal(err)
				}
			}
			return e
		}
		noAddress := mk("Meetup without an address", domain.Event{Kind: domain.KindMeetup, Venue: &domain.Venue{Name: "The pub"}}, true)
		mk("Meetup with an address", domain.Event{Kind: domain.KindMeetup, Venue: &domain.Venue{Name: "The pub", Address: "Main St 1"}}, true)
		mk("Draft without an address", domain.Event{Kind: domain.KindMeetup, Venue: &domain.Venue{Name: "The pub"}}, false)
		soon, later := now.Add(24*time.Hour), now.Add(72*time.Hour)
		closing := mk("Closing tomorrow", domain.Event{RSVPClosesAt: &soon}, true)
		mk("Closing in three days", domain.Event{RSVPClosesAt: &later}, true)
		mk("Draft closing tomorrow", domain.Event{RSVPClosesAt: &soon}, false)
		bounced := mk("Bounced", domain.Event{}, true)
		for _, who := range []string{"ann", "bob", "cy"} {
			if _, err := db.CreateRSVP(ctx, bounced.Slug, domain.RSVPInput{Name: who, Email: email(who)}); err != nil {
				t.Fatal(err)
			}
		}
		ds, err := db.ListDeliveries(ctx, owner.ID, bounced.ID, domain.ListOptions{})
		if err != nil || len(ds.Items) != 3 {
			t.Fatalf("deliveries: %d, %v", len(ds.Items), err)
		}
		for _, d := range ds.Items[:2] {
			if err := db.MarkDelivery(ctx, d.ID, domain.DeliveryFailed, "550 no such mailbox"); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.MarkDelivery(ctx, ds.Items[2].ID, domain.DeliverySent, ""); err != nil {
			t.Fatal(err)
		}

		a, err := db.FindAttention(ctx, owner.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.FailedEmails) != 1 || a.FailedEmails[0].Event.ID != bounced.ID || a.FailedEmails[0].Failed != 2 {
			t.Errorf("failed e-mails: %+v, want 2 of %q", a.FailedEmails, bounced.Title)
		}
		if len(a.Unplaced) != 1 || a.Unplaced[0].ID != noAddress.ID || a.Unplaced[0].MissingPlace() != "address" {
			t.Errorf("without an address: %v, want %q", titles(a.Unplaced), noAddress.Title)
		}
		if len(a.ClosingSoon) != 1 || a.ClosingSoon[0].ID != closing.ID {
			t.Errorf("closing soon: %v, want %q", titles(a.ClosingSoon), closing.Title)
		}

		// Another group's organiser sees none of it.
		other, err := db.FindAttention(ctx, outsider.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(other.FailedEmails)+len(other.Unplaced)+len(other.ClosingSoon) != 0 {
			t.Errorf("an outsider sees %+v", other)
		}
		// The lists are bounded.
		mk("Another meetup without an address", domain.Event{Kind: domain.KindMeetup, Venue: &domain.Venue{Name: "The pub", Address: " "}}, true)
		for limit, want := range map[int]int{1: 1, 10: 2} {
			got, err := db.FindAttention(ctx, owner.ID, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Unplaced) != want {
				t.Errorf("limit %d: %d without an address, want %d", limit, len(got.Unplaced), want)
			}
		}
	})
}

func titles(es []domain.Event) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Title)
	}
	return out
}
