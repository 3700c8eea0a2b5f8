package notifications

import (
	"context"
	"errors"
	netmail "net/mail"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/mail"
	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// thankStore is a ThankYouStore over a fixed list of due events; outcome
// says what thanking each one does.
type thankStore struct {
	due     []string
	outcome map[string]error
	thanked []string
}

func (s *thankStore) EventsToThank(_ context.Context, _ time.Duration, limit int) ([]string, error) {
	return s.due[:min(limit, len(s.due))], nil
}

func (s *thankStore) ThankAttendees(_ context.Context, id string, _ time.Duration) (int, error) {
	s.thanked = append(s.thanked, id)
	if err := s.outcome[id]; err != nil {
		return 0, err
	}
	return 10, nil
}

// TestThankDue: one event that fails does not stop the others and is
// reported; events deleted or not over yet meanwhile are no failure; each
// event is tried once per round even when it stays due.
func TestThankDue(t *testing.T) {
	st := &thankStore{due: []string{"a", "broken", "gone", "early", "b"}, outcome: map[string]error{
		"broken": errors.New("database on fire"),
		"gone":   &domain.Error{Code: domain.ENOTFOUND, Message: "No such event."},
		"early":  domain.Conflict("event_not_over", "not yet"),
	}}
	n, err := ThankDue(context.Background(), st, time.Hour, nil)
	if n != 20 || err == nil || err.Error() != "the thank-you e-mails of 1 events could not be queued" {
		t.Fatalf("queued %d, err %v; want 20 and one failed event", n, err)
	}
	if !slices.Equal(st.thanked, []string{"a", "broken", "gone", "early", "b"}) {
		t.Fatalf("tried %v, want each due event once", st.thanked)
	}
}

// TestThankYouOvertaken: a thank-you queued for someone whose check-in
// was undone before it left is skipped, not sent; the others are sent.
func TestThankYouOvertaken(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	s := storetest.ScriptedEvent(t, db, db.Clock().Now().UTC().Add(-5*time.Hour).Truncate(time.Minute))
	if _, err := db.ThankAttendees(ctx, s.Event.ID, domain.DefaultThankYouDelay); err != nil {
		t.Fatal(err)
	}
	undone, kept := s.Registered[s.Door[0]], s.Registered[s.Door[1]]
	if _, err := db.UndoCheckIn(ctx, s.Owner.ID, s.Event.ID, undone.ID); err != nil {
		t.Fatal(err)
	}
	sink := smtptest.Start(t)
	cfg, _ := mail.ParseSMTPURL(sink.URL())
	smtp, _ := mail.NewSMTP(cfg)
	w := newSendWorker(db, smtp, Config{BaseURL: "https://convene.example",
		From: netmail.Address{Address: "events@convene.example"}, Logger: discard(), Clock: db.Clock(), Metrics: noMetrics{}})
	page, err := db.ListDeliveries(ctx, s.Owner.ID, s.Event.ID, domain.ListOptions{Limit: domain.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]domain.DeliveryStatus{}
	for _, d := range page.Items {
		if d.Kind != domain.MessageThankYou || (d.RSVPID != undone.ID && d.RSVPID != kept.ID) {
			continue
		}
		job := &river.Job[domain.SendEmailArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: store.MaxSendAttempts},
			Args: domain.SendEmailArgs{DeliveryID: d.ID}}
		if err := w.Work(ctx, job); err != nil {
			t.Fatal(err)
		}
	}
	page, _ = db.ListDeliveries(ctx, s.Owner.ID, s.Event.ID, domain.ListOptions{Limit: domain.MaxPageSize})
	for _, d := range page.Items {
		if d.Kind == domain.MessageThankYou {
			status[d.RSVPID] = d.Status
		}
	}
	if status[undone.ID] != domain.DeliverySkipped || status[kept.ID] != domain.DeliverySent {
		t.Fatalf("undone: %s, kept: %s; want skipped and sent", status[undone.ID], status[kept.ID])
	}
	msgs := sink.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != kept.Email {
		t.Fatalf("%d e-mails sent, want one to the attendee who stayed checked in", len(msgs))
	}
}

// TestThankYouZeroDelay: with ThankYouDelay zero (CONVENE_THANK_YOU_DELAY=0s)
// the worker thanks the attendees of an event that ended ten minutes ago
// at its next round; zero used to mean two hours. A delay of an hour
// still waits.
func TestThankYouZeroDelay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := storetest.ScriptedEvent(t, db, db.Clock().Now().UTC().Add(-2*time.Hour-10*time.Minute).Truncate(time.Minute))
		thanked := func() int {
			t.Helper()
			page, err := db.ListDeliveries(ctx, s.Owner.ID, s.Event.ID, domain.ListOptions{Limit: domain.MaxPageSize})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, d := range page.Items {
				if d.Kind == domain.MessageThankYou {
					n++
				}
			}
			return n
		}
		job := &river.Job[domain.ThankAttendeesArgs]{JobRow: &rivertype.JobRow{Attempt: 1}}
		hour := &ThankYouWorker{store: db, cfg: Config{Logger: discard(), ThankYouDelay: time.Hour}}
		if err := hour.Work(ctx, job); err != nil || thanked() != 0 {
			t.Fatalf("an hour's delay: %d thanked ten minutes after the end (%v), want none yet", thanked(), err)
		}
		zero := &ThankYouWorker{store: db, cfg: Config{Logger: discard()}}
		if err := zero.Work(ctx, job); err != nil {
			t.Fatal(err)
		}
		if want := storetest.ScriptedDoor + storetest.ScriptedOnline + storetest.ScriptedWalkIns; thanked() != want {
			t.Fatalf("no delay: %d thanked ten minutes after the end, want the %d who came", thanked(), want)
		}
	})
}
