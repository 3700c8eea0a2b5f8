package notifications

import (
	"context"
	"log/slog"
	netmail "net/mail"
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

// TestLastAttemptMarksFailed: while the mail server refuses (451) a
// delivery stays queued for the next attempt; on the last attempt it is
// marked failed, so organisers never see it queued for ever.
func TestLastAttemptMarksFailed(t *testing.T) {
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
	if _, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Ada", Email: "ada@example.org"}); err != nil {
		t.Fatal(err)
	}
	page, err := db.ListDeliveries(ctx, owner.ID, e.ID, domain.ListOptions{})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("%v %v", page, err)
	}
	sink := smtptest.Start(t)
	sink.RefuseFor(time.Hour)
	cfg, _ := mail.ParseSMTPURL(sink.URL())
	smtp, _ := mail.NewSMTP(cfg)
	w := newSendWorker(db, smtp, Config{BaseURL: "https://convene.example",
		From: netmail.Address{Address: "events@convene.example"}, Logger: nil, Clock: db.Clock()})
	Register(river.NewWorkers(), db, smtp, w.cfg) // fills the defaults
	w.cfg.Logger = discard()
	job := func(attempt int) *river.Job[domain.SendEmailArgs] {
		return &river.Job[domain.SendEmailArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: store.MaxSendAttempts},
			Args: domain.SendEmailArgs{DeliveryID: page.Items[0].ID}}
	}
	status := func() domain.DeliveryStatus {
		p, _ := db.ListDeliveries(ctx, owner.ID, e.ID, domain.ListOptions{})
		return p.Items[0].Status
	}
	if err := w.Work(ctx, job(1)); err == nil || status() != domain.DeliveryQueued {
		t.Fatalf("first refused attempt: err %v, status %s; want an error to retry and queued", err, status())
	}
	if err := w.Work(ctx, job(store.MaxSendAttempts)); err == nil || status() != domain.DeliveryFailed {
		t.Fatalf("last refused attempt: err %v, status %s; want failed", err, status())
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestRetryBackoff: a failed send is tried again after 1, 2, 4… seconds,
// never more than ten minutes apart — or RetryBackoffMax apart when set.
func TestRetryBackoff(t *testing.T) {
	wait := func(cfg Config, attempt int) time.Duration {
		w := newSendWorker(nil, nil, cfg)
		before := time.Now()
		at := w.NextRetry(&river.Job[domain.SendEmailArgs]{JobRow: &rivertype.JobRow{Attempt: attempt}})
		return at.Sub(before).Round(time.Second)
	}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second,
		10: 8*time.Minute + 32*time.Second, 11: 10 * time.Minute, 100: 10 * time.Minute} {
		if got := wait(Config{Clock: domain.SystemClock}, attempt); got != want {
			t.Errorf("default: after attempt %d wait %s, want %s", attempt, got, want)
		}
	}
	short := Config{RetryBackoffMax: 3 * time.Second, Clock: domain.SystemClock}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 3 * time.Second, 50: 3 * time.Second} {
		if got := wait(short, attempt); got != want {
			t.Errorf("capped at 3s: after attempt %d wait %s, want %s", attempt, got, want)
		}
	}
}

// TestEmailJobsShareTheSendTimeout: every job of the e-mail queue is bound
// by Config.SendTimeout, which the rescue of jobs a killed process left
// running relies on (see cmd/convene: no attempt on a live process may
// outlast it).
func TestEmailJobsShareTheSendTimeout(t *testing.T) {
	cfg := Config{SendTimeout: 7 * time.Second}
	got := map[string]time.Duration{
		"send_email":               (newSendWorker(nil, nil, cfg)).Timeout(nil),
		"send_email_batch":         (&SendBatchWorker{emailJob: emailJob[domain.SendEmailBatchArgs]{cfg: cfg}}).Timeout(nil),
		"send_invitation":          (&InvitationWorker{emailJob: emailJob[domain.SendInvitationArgs]{cfg: cfg}}).Timeout(nil),
		"send_confirmation":        (&ConfirmationWorker{emailJob: emailJob[domain.SendConfirmationArgs]{cfg: cfg}}).Timeout(nil),
		"send_follow_confirmation": (&FollowConfirmationWorker{emailJob: emailJob[domain.SendFollowConfirmationArgs]{cfg: cfg}}).Timeout(nil),
	}
	for kind, d := range got {
		if d != cfg.SendTimeout {
			t.Errorf("%s: timeout %s, want Config.SendTimeout (%s)", kind, d, cfg.SendTimeout)
		}
	}
	if d := (newSendWorker(nil, nil, Config{})).Timeout(nil); d != DefaultSendTimeout {
		t.Errorf("without Config.SendTimeout: %s, want %s", d, DefaultSendTimeout)
	}
}
