package store_test

import (
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestFanOutBatchLoadAndMark: a fan-out to 55 people makes two
// send_email_batch jobs (50 + 5) and no job per delivery. A batch loads
// only what is queued and untried, each with its RSVP, event, group,
// organiser's address, what changed and a working manage token; its
// outcomes are marked together, and a delivery to retry gets a send_email
// job of its own, scheduled when asked.
func TestFanOutBatchLoadAndMark(t *testing.T) {
	// A database of its own: it counts the jobs of a kind that other
	// tests' fan-outs make too.
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			if d == store.Postgres {
				storetest.SkipWithoutPostgres(t)
			}
			testFanOutBatchLoadAndMark(t, storetest.Fresh(t, d)())
		})
	}
}

func testFanOutBatchLoadAndMark(t *testing.T, db *store.DB) {
	owner, e := publishedEvent(t, db, 60)
	for range 55 {
		if _, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "P", Email: email("p")}); err != nil {
			t.Fatal(err)
		}
	}
	singles := count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'send_email'`)
	title := "Renamed"
	if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.FanOut(ctx, e.ID, domain.MessageUpdated); err != nil || n != 55 {
		t.Fatalf("fan-out: %d %v", n, err)
	}
	if n := count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'send_email_batch'`); n != 2 {
		t.Errorf("%d batch jobs, want 2", n)
	}
	if n := count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'send_email'`); n != singles {
		t.Errorf("the fan-out added %d send_email jobs, want none", n-singles)
	}

	page, err := db.ListDeliveries(ctx, owner.ID, e.ID, domain.ListOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range page.Items {
		if d.Kind == domain.MessageUpdated && len(ids) < 4 {
			ids = append(ids, d.ID)
		}
	}
	// One of the four was already sent: the batch leaves it out.
	if err := db.MarkDelivery(ctx, ids[3], domain.DeliverySent, ""); err != nil {
		t.Fatal(err)
	}
	outs, tokens, err := db.LoadOutgoingBatch(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 3 || len(tokens) != 3 {
		t.Fatalf("loaded %d deliveries, %d tokens; want the 3 still queued", len(outs), len(tokens))
	}
	seen := map[string]bool{}
	for i, out := range outs {
		if out.Delivery.ID != ids[i] || out.Delivery.Status != domain.DeliveryQueued || out.RSVP.Email == "" ||
			out.Event.Title != title || out.Group.ID != e.GroupID || out.OrganizerEmail == "" ||
			len(out.Changed) != 1 || out.Changed[0] != "title" || out.Previous == nil || out.Previous.Title != e.Title {
			t.Errorf("outgoing %d: %+v", i, out)
		}
		v, err := db.FindRSVPByToken(ctx, tokens[i])
		if err != nil || v.RSVP.ID != out.RSVP.ID || seen[tokens[i]] {
			t.Errorf("token %d: %v %v (seen %v)", i, v.RSVP.ID, err, seen[tokens[i]])
		}
		seen[tokens[i]] = true
	}

	at := db.Clock().Now().Add(time.Hour)
	err = db.MarkDeliveries(ctx, []domain.DeliveryOutcome{
		{DeliveryID: ids[0], Status: domain.DeliverySent},
		{DeliveryID: ids[1], Status: domain.DeliveryFailed, LastError: "550 no such user"},
		{DeliveryID: ids[2], Status: domain.DeliveryQueued, LastError: "451 try again later", RetryAt: at},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		status  domain.DeliveryStatus
		lastErr string
		sent    bool
	}{ids[0]: {domain.DeliverySent, "", true}, ids[1]: {domain.DeliveryFailed, "550 no such user", false}, ids[2]: {domain.DeliveryQueued, "451 try again later", false}}
	page, _ = db.ListDeliveries(ctx, owner.ID, e.ID, domain.ListOptions{Limit: 100})
	for _, d := range page.Items {
		w, ok := want[d.ID]
		if !ok {
			continue
		}
		if d.Status != w.status || d.LastError != w.lastErr || d.Attempts != 1 || (d.SentAt != nil) != w.sent {
			t.Errorf("delivery %s: %+v, want %+v after one attempt", d.ID, d, w)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'send_email' AND scheduled_at > ?`, db.Clock().Now().Add(30*time.Minute)); n != 1 {
		t.Errorf("%d retry jobs scheduled later, want 1", n)
	}
	// Run again, the batch finds nothing left to send: the retry is
	// its delivery's own job's.
	if outs, _, err := db.LoadOutgoingBatch(ctx, ids); err != nil || len(outs) != 0 {
		t.Errorf("loaded again: %d %v, want nothing", len(outs), err)
	}
}
