package notifications

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"sync"
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

// refusingOne is the real SMTP sender, driven one message at a time so that
// the sink answers 451 (try again later) to the message for addr alone. It
// records how many calls and messages it was given.
type refusingOne struct {
	inner mail.Sender
	sink  *smtptest.Server
	mu    sync.Mutex
	addr  string
	calls []int
}

func (r *refusingOne) Send(ctx context.Context, msgs []mail.Message) []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, len(msgs))
	errs := make([]error, len(msgs))
	for i := range msgs {
		if r.addr != "" && strings.EqualFold(msgs[i].To.Address, r.addr) {
			r.sink.RefuseFor(time.Hour)
		}
		errs[i] = r.inner.Send(ctx, msgs[i:i+1])[0]
		r.sink.RefuseFor(0)
	}
	return errs
}

// jobArgs returns the stored arguments of the jobs of kind, oldest first.
func jobArgs(t *testing.T, db *store.DB, kind string) []json.RawMessage {
	t.Helper()
	q := `SELECT args::text FROM river_job WHERE kind = $1 ORDER BY id`
	if db.Dialect() == store.SQLite {
		q = `SELECT json(args) FROM river_job WHERE kind = $1 ORDER BY id`
	}
	rows, err := db.SQL().QueryContext(context.Background(), q, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []json.RawMessage
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, json.RawMessage(s))
	}
	return out
}

// eachFresh is storetest.Each with a database of the test's own.
func eachFresh(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			if d == store.Postgres {
				storetest.SkipWithoutPostgres(t)
			}
			fn(t, storetest.Fresh(t, d)())
		})
	}
}

// TestFanOutSendsInBatches: an update to everyone going is one
// send_email_batch job; working it sends every message in one call to the
// sender and marks them together. A recipient refused for good is marked
// failed; one refused for the time being stays queued with the server's
// answer and gets a send_email job of its own, which delivers it once; one
// who erased their data meanwhile gets nothing. A batch run again (as
// after a crash) sends nothing twice.
func TestFanOutSendsInBatches(t *testing.T) {
	// A database of its own: the jobs it leaves would otherwise be worked
	// by other tests' job clients.
	eachFresh(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		owner, _ := db.CreateOrganiser(ctx, "owner-"+storetest.Unique()+"@example.org", "Owner")
		g, _ := db.CreateGroup(ctx, owner.ID, domain.Group{Slug: "g-" + storetest.Unique(), Name: "G", TimeZone: "UTC"})
		start := db.Clock().Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
		e, err := db.CreateEvent(ctx, owner.ID, g.ID, domain.Event{Title: "T", Kind: domain.KindMeetup, StartsAt: start,
			EndsAt: start.Add(time.Hour), Venue: &domain.Venue{Name: "Hall"}, Waitlist: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.PublishEvent(ctx, owner.ID, e.ID); err != nil {
			t.Fatal(err)
		}
		people := []string{"ada", "bob", "cy", "dee", "eve"}
		addr := map[string]string{}
		rsvp := map[string]string{}
		for _, p := range people {
			addr[p] = p + "-" + storetest.Unique() + "@example.org"
			res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: p, Email: addr[p]})
			if err != nil {
				t.Fatal(err)
			}
			rsvp[p] = res.RSVP.ID
		}
		singles := len(jobArgs(t, db, "send_email"))
		later, laterEnd := start.Add(2*time.Hour), start.Add(3*time.Hour)
		if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{StartsAt: &later, EndsAt: &laterEnd}); err != nil {
			t.Fatal(err)
		}
		if n, err := db.FanOut(ctx, e.ID, domain.MessageUpdated); err != nil || n != len(people) {
			t.Fatalf("fan-out: %d deliveries, %v", n, err)
		}
		batches := jobArgs(t, db, "send_email_batch")
		if len(batches) != 1 || len(jobArgs(t, db, "send_email")) != singles {
			t.Fatalf("fan-out jobs: %d batches, %d more single jobs; want 1 batch and none", len(batches), len(jobArgs(t, db, "send_email"))-singles)
		}
		var args domain.SendEmailBatchArgs
		if err := json.Unmarshal(batches[0], &args); err != nil || len(args.DeliveryIDs) != len(people) {
			t.Fatalf("batch args %s: %v", batches[0], err)
		}

		// Eve erases her data before the batch is worked: her update is
		// not sent.
		if _, err := db.EraseRSVP(ctx, owner.ID, e.ID, rsvp["eve"]); err != nil {
			t.Fatal(err)
		}
		singles = len(jobArgs(t, db, "send_email")) // the erasure's own

		sink := smtptest.Start(t)
		sink.Reject(addr["bob"])
		cfg, _ := mail.ParseSMTPURL(sink.URL())
		smtp, _ := mail.NewSMTP(cfg)
		sender := &refusingOne{inner: smtp, sink: sink, addr: addr["cy"]}
		wcfg := Config{BaseURL: "https://convene.example", From: netmail.Address{Address: "events@convene.example"}, Logger: discard(), Clock: db.Clock(), Metrics: noMetrics{}}
		w := &SendBatchWorker{emailJob: emailJob[domain.SendEmailBatchArgs]{cfg: wcfg}, store: db, sender: sender}
		job := &river.Job[domain.SendEmailBatchArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: store.MaxSendAttempts}, Args: args}
		if err := w.Work(ctx, job); err != nil {
			t.Fatalf("batch: %v", err)
		}
		if len(sender.calls) != 1 || sender.calls[0] != len(people)-1 {
			t.Errorf("sender calls %v, want one call with %d messages", sender.calls, len(people)-1)
		}

		got := func() map[string]int {
			n := map[string]int{}
			for _, m := range sink.Messages() {
				if m.Header().Get("Subject") == "" || !strings.Contains(string(m.Data), "METHOD:REQUEST") {
					continue
				}
				for _, to := range m.To {
					n[to]++
				}
			}
			return n
		}
		updates := func() map[string]domain.Delivery {
			page, err := db.ListDeliveries(ctx, owner.ID, e.ID, domain.ListOptions{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]domain.Delivery{}
			for _, d := range page.Items {
				for p, id := range rsvp {
					if d.Kind == domain.MessageUpdated && d.RSVPID == id {
						m[p] = d
					}
				}
			}
			return m
		}
		d := updates()
		if d["eve"].Status != domain.DeliverySkipped || d["eve"].Attempts != 0 {
			t.Errorf("eve (erased): %+v, want skipped, never tried", d["eve"])
		}
		for _, p := range []string{"ada", "dee"} {
			if d[p].Status != domain.DeliverySent || d[p].Attempts != 1 || d[p].SentAt == nil {
				t.Errorf("%s: %+v, want sent at the first attempt", p, d[p])
			}
		}
		if d["bob"].Status != domain.DeliveryFailed || d["bob"].Attempts != 1 || !strings.Contains(d["bob"].LastError, "550") {
			t.Errorf("bob (550): %+v, want failed", d["bob"])
		}
		if d["cy"].Status != domain.DeliveryQueued || d["cy"].Attempts != 1 || !strings.Contains(d["cy"].LastError, "451") {
			t.Errorf("cy (451): %+v, want queued with the answer", d["cy"])
		}
		// cy's retry is a job of its own.
		var retry *domain.SendEmailArgs
		for _, a := range jobArgs(t, db, "send_email")[singles:] {
			var s domain.SendEmailArgs
			if err := json.Unmarshal(a, &s); err == nil && s.DeliveryID == d["cy"].ID {
				retry = &s
			}
		}
		if n := len(jobArgs(t, db, "send_email")) - singles; retry == nil || n != 1 {
			t.Fatalf("%d new send_email jobs, cy's retry %v; want exactly cy's", n, retry)
		}

		// The batch run again, as River's rescuer would after a crash:
		// nothing is sent twice, not even cy's, whose own job has it.
		before := len(sink.Messages())
		if err := w.Work(ctx, job); err != nil {
			t.Fatal(err)
		}
		if n := len(sink.Messages()); n != before {
			t.Errorf("the batch run again sent %d more messages", n-before)
		}

		sender.addr = "" // the server takes cy's message now
		sw := newSendWorker(db, sender, wcfg)
		if err := sw.Work(ctx, &river.Job[domain.SendEmailArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: store.MaxSendAttempts - 1}, Args: *retry}); err != nil {
			t.Fatalf("cy's retry: %v", err)
		}
		d = updates()
		if d["cy"].Status != domain.DeliverySent || d["cy"].Attempts != 2 {
			t.Errorf("cy after the retry: %+v, want sent at the second attempt", d["cy"])
		}
		n := got()
		for _, p := range []string{"ada", "cy", "dee"} {
			if n[addr[p]] != 1 {
				t.Errorf("%s got %d updates, want 1", p, n[addr[p]])
			}
		}
		if n[addr["bob"]] != 0 || n[addr["eve"]] != 0 {
			t.Errorf("bob (refused) got %d updates, eve (erased) %d", n[addr["bob"]], n[addr["eve"]])
		}
	})
}

// TestSendBatchWaitsForItsTurn: while as many batches as allowed are being
// worked, another waits (holding nothing) and gives up when its job's time
// is up, to be retried.
func TestSendBatchWaitsForItsTurn(t *testing.T) {
	w := &SendBatchWorker{gate: make(chan struct{}, 1)}
	w.gate <- struct{}{} // one batch is being worked
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	job := &river.Job[domain.SendEmailBatchArgs]{JobRow: &rivertype.JobRow{Attempt: 1}, Args: domain.SendEmailBatchArgs{DeliveryIDs: []string{"x"}}}
	if err := w.Work(ctx, job); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a batch past the bound: %v, want to wait until its deadline", err)
	}
}

// interrupting is the SMTP sender with a hook run after each message's
// outcome has been reported (and so recorded) — the test's stand-in for
// the moment a process is killed.
type interrupting struct {
	inner *mail.SMTP
	after func(i int, err error)
}

func (s *interrupting) Send(ctx context.Context, msgs []mail.Message) []error {
	return s.inner.Send(ctx, msgs)
}

func (s *interrupting) Submit(ctx context.Context, subs []mail.Submission) {
	wrapped := make([]mail.Submission, len(subs))
	for i, sub := range subs {
		wrapped[i] = sub
		wrapped[i].Done = func(err error) {
			sub.Done(err)
			s.after(i, err)
		}
	}
	s.inner.Submit(ctx, wrapped)
}

// TestBatchRecordsEachMessage: a fan-out batch records each message as
// sent as soon as the server has taken it, before the next one leaves.
// Stopped after its third message (its time is up, or the process dies),
// it has recorded those three; the batch's next attempt sends the other
// three only, and nobody gets the update twice.
func TestBatchRecordsEachMessage(t *testing.T) {
	eachFresh(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		owner, _ := db.CreateOrganiser(ctx, "owner-"+storetest.Unique()+"@example.org", "Owner")
		g, _ := db.CreateGroup(ctx, owner.ID, domain.Group{Slug: "g-" + storetest.Unique(), Name: "G", TimeZone: "UTC"})
		start := db.Clock().Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
		e, err := db.CreateEvent(ctx, owner.ID, g.ID, domain.Event{Title: "T", Kind: domain.KindMeetup, StartsAt: start,
			EndsAt: start.Add(time.Hour), Venue: &domain.Venue{Name: "Hall"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.PublishEvent(ctx, owner.ID, e.ID); err != nil {
			t.Fatal(err)
		}
		const n = 6
		for i := range n {
			if _, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "P", Email: fmt.Sprintf("p%d-%s@example.org", i, storetest.Unique())}); err != nil {
				t.Fatal(err)
			}
		}
		later, laterEnd := start.Add(2*time.Hour), start.Add(3*time.Hour)
		if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{StartsAt: &later, EndsAt: &laterEnd}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FanOut(ctx, e.ID, domain.MessageUpdated); err != nil {
			t.Fatal(err)
		}
		var args domain.SendEmailBatchArgs
		if err := json.Unmarshal(jobArgs(t, db, "send_email_batch")[0], &args); err != nil {
			t.Fatal(err)
		}
		sentUpdates := func() int {
			page, err := db.ListDeliveries(ctx, owner.ID, e.ID, domain.ListOptions{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			c := 0
			for _, d := range page.Items {
				if d.Kind == domain.MessageUpdated && d.Status == domain.DeliverySent {
					c++
				}
			}
			return c
		}

		sink := smtptest.Start(t)
		cfg, _ := mail.ParseSMTPURL(sink.URL())
		smtp, _ := mail.NewSMTP(cfg)
		attempt, stop := context.WithCancel(ctx)
		defer stop()
		sender := &interrupting{inner: smtp, after: func(i int, err error) {
			if err != nil {
				return // not begun: the attempt was stopped
			}
			if got := sentUpdates(); got != i+1 {
				t.Errorf("after message %d was reported, %d deliveries recorded as sent, want %d", i, got, i+1)
			}
			if i == 2 {
				stop()
			}
		}}
		wcfg := Config{BaseURL: "https://convene.example", From: netmail.Address{Address: "events@convene.example"}, Logger: discard(), Clock: db.Clock(), Metrics: noMetrics{}}
		w := &SendBatchWorker{emailJob: emailJob[domain.SendEmailBatchArgs]{cfg: wcfg}, store: db, sender: sender}
		job := &river.Job[domain.SendEmailBatchArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: store.MaxSendAttempts}, Args: args}
		if err := w.Work(attempt, job); !errors.Is(err, context.Canceled) {
			t.Fatalf("the stopped attempt: %v, want it to end with its context", err)
		}
		updates := func() int {
			c := 0
			for _, m := range sink.Messages() {
				if strings.Contains(m.Header().Get("Message-ID"), ".updated.") {
					c++
				}
			}
			return c
		}
		if got, rec := updates(), sentUpdates(); got != 3 || rec != 3 {
			t.Fatalf("stopped after the third update: %d at the server, %d recorded as sent; want 3 and 3", got, rec)
		}

		sender.after = func(int, error) {}
		job.Attempt = 2
		if err := w.Work(ctx, job); err != nil {
			t.Fatalf("the next attempt: %v", err)
		}
		ids := map[string]int{}
		for _, m := range sink.Messages() {
			if id := m.Header().Get("Message-ID"); strings.Contains(id, ".updated.") {
				ids[id]++
			}
		}
		if len(ids) != n || updates() != n || sentUpdates() != n {
			t.Fatalf("after the next attempt: %d updates at the server, %d distinct, %d recorded as sent; want %d of each",
				updates(), len(ids), sentUpdates(), n)
		}
	})
}
