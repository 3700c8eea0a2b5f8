package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// BenchmarkThankAttendees measures one thank-you pass over an event of
// 1,000 attendees: selecting them, 1,000 deliveries and their send jobs,
// in one transaction. Run with -bench ThankAttendees -benchtime 3x.
func BenchmarkThankAttendees(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				id := bigEndedEvent(b, db, 1000)
				b.StartTimer()
				n, err := db.ThankAttendees(ctx, id, domain.DefaultThankYouDelay)
				if err != nil || n != 1000 {
					b.Fatalf("queued %d, %v", n, err)
				}
			}
		})
	}
}

// bigEndedEvent makes an event that ended three hours ago with n people
// who came.
func bigEndedEvent(b *testing.B, db *store.DB, n int) string {
	b.Helper()
	clock := storetest.ClockOf(b, db)
	start := clock.Now().UTC().Add(-5 * time.Hour).Truncate(time.Minute)
	at := func(t time.Time) { clock.Freeze(t) }
	defer clock.Set(start.Add(5 * time.Hour))
	at(start.Add(-48 * time.Hour))
	u := storetest.Unique()
	o, err := db.CreateOrganiser(ctx, "big-"+u+"@example.org", "Big")
	if err != nil {
		b.Fatal(err)
	}
	g, err := db.CreateGroup(ctx, o.ID, domain.Group{Slug: "big-" + u, Name: "Big", TimeZone: "UTC"})
	if err != nil {
		b.Fatal(err)
	}
	e, err := db.CreateEvent(ctx, o.ID, g.ID, domain.Event{Title: "Big", Kind: domain.KindMeetup, StartsAt: start,
		EndsAt: start.Add(2 * time.Hour), Venue: &domain.Venue{Name: "Arena"}, Slug: "big-" + u})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.PublishEvent(ctx, o.ID, e.ID); err != nil {
		b.Fatal(err)
	}
	emails := make([]string, n)
	for i := range emails {
		emails[i] = fmt.Sprintf("p%04d-%s@example.org", i, u)
		if _, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "P", Email: emails[i]}); err != nil {
			b.Fatal(err)
		}
	}
	at(start.Add(3 * time.Hour))
	if res, err := db.RecordAttendance(ctx, o.ID, e.ID, emails); err != nil || len(res.Unknown) != 0 {
		b.Fatalf("attendance: %+v %v", res, err)
	}
	return e.ID
}
