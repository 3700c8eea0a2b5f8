package notifications

import (
	"context"
	netmail "net/mail"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/mail"
	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

type countMetrics struct {
	mu sync.Mutex
	n  map[string]int
}

func (m *countMetrics) EmailOutcome(kind, outcome string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n[kind+"/"+outcome]++
}

// TestEmailMetrics: a temporary refusal counts as retried, the last
// attempt as failed, and a message the server takes as sent.
func TestEmailMetrics(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	owner, _ := db.CreateOrganiser(ctx, "owner@example.org", "Owner")
	g, _ := db.CreateGroup(ctx, owner.ID, domain.Group{Slug: "g", Name: "G", TimeZone: "UTC"})
	start := db.Clock().Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
	e, err := db.CreateEvent(ctx, owner.ID, g.ID, domain.Event{Title: "T", Kind: domain.KindMeetup, StartsAt: start,
		EndsAt: start.Add(time.Hour), Venue: &domain.Venue{Name: "Hall"}, Waitlist: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.PublishEvent(ctx, owner.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"ada@example.org", "grace@example.org"} {
		if _, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "X", Email: email}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := db.ListDeliveries(ctx, owner.ID, e.ID, domain.ListOptions{})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("%v %v", page, err)
	}
	sink := smtptest.Start(t)
	sink.RefuseFor(time.Hour)
	scfg, _ := mail.ParseSMTPURL(sink.URL())
	smtp, _ := mail.NewSMTP(scfg)
	m := &countMetrics{n: map[string]int{}}
	w := newSendWorker(db, smtp, Config{BaseURL: "https://convene.example",
		From: netmail.Address{Address: "events@convene.example"}, Logger: discard(), Clock: db.Clock(), Metrics: m})
	job := func(i, attempt int) *river.Job[domain.SendEmailArgs] {
		return &river.Job[domain.SendEmailArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: store.MaxSendAttempts},
			Args: domain.SendEmailArgs{DeliveryID: page.Items[i].ID}}
	}
	w.Work(ctx, job(0, 1))
	w.Work(ctx, job(0, store.MaxSendAttempts))
	sink.RefuseFor(0)
	if err := w.Work(ctx, job(1, 1)); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"going/retried": 1, "going/failed": 1, "going/sent": 1}
	if diff := cmp.Diff(want, m.n); diff != "" {
		t.Errorf("e-mail outcomes (-want +got):\n%s", diff)
	}
}
