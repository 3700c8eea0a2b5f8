package store_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestAdmissionOnEveryPath: whether a new RSVP is taken, and how, is
// domain.Event.Admit's answer, whichever way the store takes it — the
// general path (both databases) and PostgreSQL's one-statement claim,
// which repeats the rule in SQL under the event's lock. Every case of the
// rule runs through each path: the outcome is Admit's prediction from the
// event as it stood, and a refused RSVP leaves nothing behind. For the
// claim, the case's state is made between its unlocked read (which found
// a free seat) and its lock, so that the SQL decides it: it must take the
// RSVP as Admit would or leave it to the general path. (Time passing
// between the read and the lock — microseconds — is not a change the
// statement sees, so the cases of the clock are the general path's.)
// The batched claim (ClaimBatchSQL) gets the same cases with the seats
// taken before by RSVPs ahead of the case's in its batch (and a repeat of
// one of them, which takes nothing): Admit's rule applied one after
// another.
func TestAdmissionOnEveryPath(t *testing.T) {
	type setup struct {
		capacity   int // 0: unlimited
		waitlist   bool
		taken      int // seats taken before
		opensIn    time.Duration
		closedAgo  time.Duration
		over       bool
		cancelled  bool
		draft      bool
		wantStatus domain.RSVPStatus
		wantReason string
	}
	cases := map[string]setup{
		"Seat":                  {capacity: 2, waitlist: true, taken: 1, wantStatus: domain.RSVPGoing},
		"Unlimited":             {wantStatus: domain.RSVPGoing},
		"LastSeat":              {capacity: 1, wantStatus: domain.RSVPGoing},
		"Waitlist":              {capacity: 1, waitlist: true, taken: 1, wantStatus: domain.RSVPWaitlisted},
		"FullWithoutWaitlist":   {capacity: 1, taken: 1, wantReason: domain.ReasonEventFull},
		"NotOpenYet":            {capacity: 5, opensIn: time.Hour, wantReason: domain.ReasonRSVPNotOpen},
		"Closed":                {capacity: 5, closedAgo: time.Minute, wantReason: domain.ReasonRSVPClosed},
		"Over":                  {capacity: 5, over: true, wantReason: domain.ReasonRSVPClosed},
		"Cancelled":             {capacity: 5, cancelled: true, wantReason: domain.ReasonEventCancelled},
		"Draft":                 {capacity: 5, draft: true, wantReason: domain.ReasonEventNotFound},
		"FullWaitlistNotOpen":   {capacity: 1, waitlist: true, taken: 1, opensIn: time.Hour, wantReason: domain.ReasonRSVPNotOpen},
		"FullNoWaitlistClosed":  {capacity: 1, taken: 1, closedAgo: time.Minute, wantReason: domain.ReasonRSVPClosed},
		"CancelledAndFull":      {capacity: 1, taken: 1, cancelled: true, wantReason: domain.ReasonEventCancelled},
		"WaitlistOnUnlimited":   {waitlist: true, taken: 3, wantStatus: domain.RSVPGoing},
		"SeatLeftBeforeClosing": {capacity: 3, taken: 2, wantStatus: domain.RSVPGoing},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		paths := map[string]func(slug string, in domain.RSVPInput) (domain.RSVPResult, bool, error){
			"general": func(slug string, in domain.RSVPInput) (domain.RSVPResult, bool, error) {
				res, err := db.CreateRSVPGeneral(ctx, slug, in)
				return res, true, err
			},
		}
		var before int // the batch path: seats taken in the batch, ahead of the case's RSVP
		if db.Dialect() == store.Postgres {
			paths["claim"] = func(slug string, in domain.RSVPInput) (domain.RSVPResult, bool, error) {
				return db.ClaimRSVP(ctx, slug, in)
			}
			paths["batch"] = func(slug string, in domain.RSVPInput) (domain.RSVPResult, bool, error) {
				var ins []domain.RSVPInput
				for i := range before {
					ins = append(ins, domain.RSVPInput{Name: "Before", Email: email("before" + string(rune('a'+i)))})
				}
				if before > 0 { // a repeat in the batch takes nothing
					ins = append(ins, domain.RSVPInput{Name: "Again", Email: strings.ToUpper(ins[0].Email)})
				}
				ins = append(ins, in)
				res, decided, errs := db.ClaimRSVPBatch(ctx, slug, ins)
				last := len(ins) - 1
				return res[last], decided[last], errs[last]
			}
		}
		for name, c := range cases {
			for path, rsvp := range paths {
				if path != "general" && (c.over || c.closedAgo > 0 || c.draft) {
					continue
				}
				before = 0
				if path == "batch" {
					before = c.taken
				}
				t.Run(name+"/"+path, func(t *testing.T) {
					clock := storetest.ClockOf(t, db)
					owner, err := db.CreateOrganiser(ctx, email("owner"), "Owner")
					if err != nil {
						t.Fatal(err)
					}
					g := newGroup(t, db, owner.ID)
					start := clock.Now().UTC().Add(48 * time.Hour).Truncate(time.Minute)
					ev := domain.Event{Title: "Admission " + storetest.Unique(), Kind: domain.KindLiveSession, StartsAt: start,
						EndsAt: start.Add(time.Hour), OnlineURL: "https://meet.example.org/a", Waitlist: c.waitlist}
					if c.capacity > 0 {
						ev.Capacity = &c.capacity
					}
					if c.closedAgo > 0 {
						closes := clock.Now().UTC().Add(24 * time.Hour).Truncate(time.Minute)
						ev.RSVPClosesAt = &closes
					}
					if path != "general" {
						ev.Waitlist = true // the read before the lock finds a free seat
					}
					e, err := db.CreateEvent(ctx, owner.ID, g.ID, ev)
					if err != nil {
						t.Fatal(err)
					}
					if !c.draft {
						if e, err = db.PublishEvent(ctx, owner.ID, e.ID); err != nil {
							t.Fatal(err)
						}
					}
					state := func() {
						for i := range c.taken - before {
							if _, err := db.CreateRSVPGeneral(ctx, e.Slug, domain.RSVPInput{Name: "Before", Email: email("before" + string(rune('a'+i)))}); err != nil {
								t.Fatal(err)
							}
						}
						if !c.waitlist {
							if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{Waitlist: new(bool)}); err != nil {
								t.Fatal(err)
							}
						}
						if c.opensIn > 0 {
							opens := clock.Now().UTC().Add(c.opensIn).Truncate(time.Second)
							if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{RSVPOpensAt: domain.Nullable[time.Time]{Set: true, Value: &opens}}); err != nil {
								t.Fatal(err)
							}
						}
						if c.cancelled {
							if _, err := db.CancelEvent(ctx, owner.ID, e.ID, "Snow"); err != nil {
								t.Fatal(err)
							}
						}
					}
					if path != "general" {
						var once sync.Once
						db.SetBeforeClaim(func(string) { once.Do(state) })
						t.Cleanup(func() { db.SetBeforeClaim(nil) })
					} else {
						state()
					}
					switch {
					case c.over:
						clock.Set(start.Add(2 * time.Hour))
					case c.closedAgo > 0:
						clock.Set(e.RSVPClosesAt.Add(c.closedAgo))
					}
					res, decided, rerr := rsvp(e.Slug, domain.RSVPInput{Name: "New", Email: email("new")})
					// The rule's prediction from the event as it stood when
					// the RSVP came: as it is now, less the RSVP if taken.
					cur := e
					if !c.draft {
						if cur, err = db.FindEvent(ctx, owner.ID, e.ID); err != nil {
							t.Fatal(err)
						}
					}
					if rerr == nil && res.Created {
						switch res.RSVP.Status {
						case domain.RSVPGoing:
							cur.GoingCount--
						case domain.RSVPWaitlisted:
							cur.WaitlistCount--
						}
					}
					want := cur.Admit(clock.Now())
					if want.Taken() != (c.wantReason == "") || want.Taken() && want.Status != c.wantStatus ||
						!want.Taken() && want.Refusal.Reason != c.wantReason {
						t.Fatalf("the case is not what it says: Admit gives %+v", want)
					}

					if !decided { // the claim leaves it to the general path
						if want.Taken() {
							t.Fatalf("the claim declined an RSVP the rule takes (%s)", want.Status)
						}
						if rerr != nil || res.RSVP.ID != "" {
							t.Fatalf("a declined claim left %+v %v", res, rerr)
						}
					} else if want.Taken() {
						if rerr != nil || !res.Created || res.RSVP.Status != want.Status {
							t.Fatalf("got %s (%v), want %s", res.RSVP.Status, rerr, want.Status)
						}
					} else {
						var de *domain.Error
						if !errors.As(rerr, &de) || de.Reason != want.Refusal.Reason {
							t.Fatalf("got %v, want the refusal %s", rerr, want.Refusal.Reason)
						}
					}
					if c.draft {
						return
					}
					after, err := db.FindEvent(ctx, owner.ID, e.ID)
					if err != nil {
						t.Fatal(err)
					}
					seats, line := cur.GoingCount, cur.WaitlistCount
					switch {
					case decided && want.Status == domain.RSVPGoing:
						seats++
					case decided && want.Status == domain.RSVPWaitlisted:
						line++
					}
					if after.GoingCount != seats || after.WaitlistCount != line {
						t.Fatalf("counts %d going, %d waitlisted; want %d and %d", after.GoingCount, after.WaitlistCount, seats, line)
					}
				})
			}
		}
	})
}
