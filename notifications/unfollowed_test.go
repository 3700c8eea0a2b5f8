package notifications

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestUnfollowedKeepsRSVPMail: a follower signed up for a session hears
// that they follow the series and can stop; once they unfollow, the
// update of the session they still hold says that is why they get it,
// and neither claims they follow nor offers the unfollow link.
func TestUnfollowedKeepsRSVPMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		berlin, _ := time.LoadLocation("Europe/Berlin")
		storetest.SetClock(t, db, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		sink := smtptest.Start(t)
		startWorkers(t, db, sink)
		u := storetest.Unique()
		owner, _ := db.CreateOrganiser(ctx, "owner-"+u+"@example.org", "Owner")
		g, err := db.CreateGroup(ctx, owner.ID, domain.Group{Slug: "g-" + u, Name: "Essentials", TimeZone: "Europe/Berlin"})
		if err != nil {
			t.Fatal(err)
		}
		sv, err := db.CreateSeries(ctx, owner.ID, g.ID, domain.Series{Slug: "weekly-" + u, Title: "Weekly essentials",
			Kind: domain.KindLiveSession, RRule: "FREQ=WEEKLY;BYDAY=TU", StartsAt: time.Date(2026, 12, 8, 17, 0, 0, 0, berlin),
			Duration: time.Hour, TimeZone: "Europe/Berlin", OnlineURL: "https://meet.example.org/w", Waitlist: true, Ahead: 1})
		if err != nil {
			t.Fatal(err)
		}
		ada := "ada-" + u + "@example.org"
		if err := db.FollowSeries(ctx, sv.Series.Slug, domain.FollowInput{Name: "Ada", Email: ada, Mode: domain.FollowRSVP}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ConfirmFollow(ctx, link(t, mailText(t, sink.WaitFor(t, 1, 20*time.Second)[0]), "follow")); err != nil {
			t.Fatal(err)
		}
		going := sink.WaitFor(t, 2, 20*time.Second)[1]
		text := mailText(t, going)
		if !strings.Contains(text, "You receive this email because you follow Weekly essentials") || going.Header().Get("List-Unsubscribe") == "" {
			t.Fatalf("the follower's going e-mail lacks the follow footer or List-Unsubscribe:\n%s", text)
		}
		if _, err := db.Unfollow(ctx, link(t, text, "unfollow")); err != nil {
			t.Fatal(err)
		}

		// The session moves: Ada still holds her RSVP and is told.
		to := time.Date(2026, 12, 9, 18, 0, 0, 0, berlin)
		end := to.Add(time.Hour)
		if _, err := db.UpdateEvent(ctx, owner.ID, sv.Occurrences[0].EventID, domain.EventUpdate{StartsAt: &to, EndsAt: &end}); err != nil {
			t.Fatal(err)
		}
		dueNow(t, db, "event_fanout")
		upd := sink.WaitFor(t, 3, 20*time.Second)[2]
		text = mailText(t, upd)
		if !strings.Contains(text, "The time changed") {
			t.Fatalf("the third e-mail is not the update:\n%s", text)
		}
		if strings.Contains(text, "because you follow") || strings.Contains(text, "/unfollow/") || upd.Header().Get("List-Unsubscribe") != "" {
			t.Errorf("after unfollowing, the update still speaks of following:\n%s", text)
		}
		if !strings.Contains(strings.Join(strings.Fields(text), " "), "You receive this email because you hold an RSVP for Weekly essentials: you were signed up for it while you followed Weekly essentials. You no longer follow the series") {
			t.Errorf("the update does not say why Ada gets it:\n%s", text)
		}
	})
}
