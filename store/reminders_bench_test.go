package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// BenchmarkSendReminders measures one reminder to 1,000 people going: the
// deliveries and send jobs it writes, in batches of 500.
func BenchmarkSendReminders(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d)
			owner, _ := db.CreateOrganiser(ctx, fmt.Sprintf("bench-%s@example.org", storetest.Unique()), "Owner")
			g, err := db.CreateGroup(ctx, owner.ID, domain.Group{Slug: "g-" + storetest.Unique(), Name: "Group", TimeZone: "Europe/Berlin"})
			if err != nil {
				b.Fatal(err)
			}
			start := db.Clock().Now().UTC().AddDate(0, 3, 0).Truncate(time.Hour)
			e, err := db.CreateEvent(ctx, owner.ID, g.ID, domain.Event{Title: "Bench " + storetest.Unique(), Kind: domain.KindLiveSession,
				StartsAt: start, EndsAt: start.Add(time.Hour), OnlineURL: "https://meet.example.org/x", Waitlist: true})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.PublishEvent(ctx, owner.ID, e.ID); err != nil {
				b.Fatal(err)
			}
			for i := range 1000 {
				if _, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "P", Email: fmt.Sprintf("p%d-%s@example.org", i, storetest.Unique())}); err != nil {
					b.Fatal(err)
				}
			}
			del := `DELETE FROM deliveries WHERE event_id = ? AND kind = 'reminder'`
			if db.Dialect() == store.Postgres {
				del = `DELETE FROM deliveries WHERE event_id = $1 AND kind = 'reminder'`
			}
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				if _, err := db.SQL().ExecContext(ctx, del, e.ID); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				n, err := db.SendReminders(ctx, domain.ReminderArgs{EventID: e.ID, Before: time.Hour, StartsAt: start})
				if err != nil || n != 1000 {
					b.Fatalf("%d deliveries: %v", n, err)
				}
			}
		})
	}
}
