package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

const testBaseURL = "https://convene.example"

// pastStart is a start time for an event that ended an hour ago.
func pastStart(db *store.DB) time.Time {
	return db.Clock().Now().UTC().Add(-3 * time.Hour).Truncate(time.Minute)
}

// eventRecords returns every record of an event (withdrawn ones too), by
// role and then name, through the group's export.
func eventRecords(t *testing.T, db *store.DB, s storetest.Scripted) []domain.Contribution {
	t.Helper()
	var out []domain.Contribution
	f := domain.ContributionFilter{ListOptions: domain.ListOptions{Limit: domain.MaxPageSize}}
	for {
		p, _, err := db.GroupContributions(ctx, s.Owner.ID, s.Group.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Items {
			if c.EventID == s.Event.ID {
				out = append(out, c)
			}
		}
		if p.NextCursor == "" {
			break
		}
		f.Cursor = p.NextCursor
	}
	slices.SortFunc(out, func(a, b domain.Contribution) int {
		if a.Role != b.Role {
			return compare(string(a.Role), string(b.Role))
		}
		return compare(a.PersonName, b.PersonName)
	})
	return out
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func byRole(cs []domain.Contribution) map[domain.PersonRole]int {
	m := map[domain.PersonRole]int{}
	for _, c := range cs {
		if c.WithdrawnAt == nil {
			m[c.Role]++
		}
	}
	return m
}

func signatures(cs []domain.Contribution) map[string]string {
	m := map[string]string{}
	for _, c := range cs {
		m[c.ID] = c.Signature
	}
	return m
}

func derive(t *testing.T, db *store.DB, eventID string) int {
	t.Helper()
	n, err := db.DeriveContributions(ctx, eventID, testBaseURL)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func due(t *testing.T, db *store.DB, eventID string) bool {
	t.Helper()
	ids, err := db.EventsToDerive(ctx, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	return slices.Contains(ids, eventID)
}

// TestScriptedEventContributions derives the records of the scripted event
// (40 registered, 25 at the door, 5 online, 3 walk-ins, 2 speakers, 1 host),
// corrects its attendance and derives again.
func TestScriptedEventContributions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := storetest.ScriptedEvent(t, db, pastStart(db))
		key, err := db.SigningKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		counts := domain.ContributionCounts{Registered: 40, AttendedInPerson: 28, AttendedOnline: 5}

		if !due(t, db, s.Event.ID) {
			t.Fatal("an event that ended an hour ago and has no records is not due")
		}
		if n := derive(t, db, s.Event.ID); n != 36 {
			t.Fatalf("derivation wrote %d records, want 36 (1 host + 2 speakers + 33 attendees)", n)
		}
		if due(t, db, s.Event.ID) {
			t.Fatal("the event is still due after its derivation")
		}
		first := eventRecords(t, db, s)
		t.Run("Records", func(t *testing.T) {
			if diff := cmp.Diff(map[domain.PersonRole]int{domain.RoleHost: 1, domain.RoleSpeaker: 2, domain.RoleAttendee: 33}, byRole(first)); diff != "" {
				t.Fatalf("records by role (-want +got):\n%s", diff)
			}
			how := map[domain.AttendanceMethod]int{}
			for _, c := range first {
				if c.Counts != counts {
					t.Errorf("%s %s states %+v, want %+v", c.Role, c.PersonName, c.Counts, counts)
				}
				if c.Revision != 1 || c.Previous != nil || c.WithdrawnAt != nil {
					t.Errorf("new record %+v: want revision 1, no previous, not withdrawn", c)
				}
				if !domain.VerifyContribution(key.Public(), c) {
					t.Errorf("the signature of %s's record does not verify", c.PersonName)
				}
				if c.EventURL != testBaseURL+"/e/"+s.Event.Slug || c.EventTitle != s.Event.Title || c.GroupName != s.Group.Name ||
					c.EventDate != s.Event.StartsAt.In(mustZone(t, "Europe/Oslo")).Format(time.DateOnly) {
					t.Errorf("event facts of %s's record: %+v", c.PersonName, c)
				}
				switch c.Role {
				case domain.RoleHost:
					if c.PersonName != "Hugo Host" || c.ActivityType != domain.ActivityOrganisingMeetup {
						t.Errorf("host record: %+v", c)
					}
				case domain.RoleSpeaker:
					if c.ActivityType != domain.ActivitySpeaking || c.TalkTitle == "" {
						t.Errorf("speaker record: %+v", c)
					}
				case domain.RoleAttendee:
					if c.ActivityType != domain.ActivityAttending {
						t.Errorf("attendee record: %+v", c)
					}
					how[c.AttendedHow]++
				}
			}
			want := map[domain.AttendanceMethod]int{domain.AttendedDoor: 25, domain.AttendedOnline: 5, domain.AttendedWalkIn: 3}
			if diff := cmp.Diff(want, how); diff != "" {
				t.Errorf("attendees by method (-want +got):\n%s", diff)
			}
		})

		t.Run("UnchangedDeriveKeepsSignatures", func(t *testing.T) {
			if n := derive(t, db, s.Event.ID); n != 0 {
				t.Fatalf("deriving again without a change wrote %d records", n)
			}
			if diff := cmp.Diff(first, eventRecords(t, db, s)); diff != "" {
				t.Fatalf("records changed (-before +after):\n%s", diff)
			}
		})

		t.Run("Stats", func(t *testing.T) {
			st, err := db.EventStats(ctx, s.Host.ID, s.Event.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := domain.EventStats{Registered: 40, Attended: 33, AttendedInPerson: 28, AttendedOnline: 5, WalkIns: 3,
				NoShows: 10, NoShowRate: 0.25}
			if diff := cmp.Diff(want, st); diff != "" {
				t.Fatalf("event stats (-want +got):\n%s", diff)
			}
			gs, events, err := db.GroupStats(ctx, s.Owner.ID, s.Group.ID)
			if err != nil {
				t.Fatal(err)
			}
			if events != 1 || gs != want {
				t.Fatalf("group stats over %d events: %+v, want 1 event and %+v", events, gs, want)
			}
		})

		t.Run("Totals", func(t *testing.T) {
			_, totals, err := db.GroupContributions(ctx, s.Owner.ID, s.Group.ID, domain.ContributionFilter{})
			if err != nil {
				t.Fatal(err)
			}
			want := domain.ContributionTotals{Events: 1, UniqueAttendees: 33, AttendedInPerson: 28, AttendedOnline: 5}
			if totals != want {
				t.Fatalf("totals %+v, want %+v", totals, want)
			}
			p, _, err := db.GroupContributions(ctx, s.Owner.ID, s.Group.ID, domain.ContributionFilter{Role: domain.RoleSpeaker})
			if err != nil || len(p.Items) != 2 {
				t.Fatalf("speakers: %d records, %v", len(p.Items), err)
			}
			from := s.Event.StartsAt.Add(time.Minute)
			p, totals, err = db.GroupContributions(ctx, s.Owner.ID, s.Group.ID, domain.ContributionFilter{From: &from})
			if err != nil || len(p.Items) != 0 || totals != (domain.ContributionTotals{}) {
				t.Fatalf("from after the event: %d records, totals %+v, %v", len(p.Items), totals, err)
			}
		})

		t.Run("Mine", func(t *testing.T) {
			p, totals, err := db.MyContributions(ctx, s.Host.ID, domain.ContributionFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) != 1 || p.Items[0].Role != domain.RoleHost || totals.Events != 1 || totals.UniqueAttendees != 33 {
				t.Fatalf("the host's own records: %+v, totals %+v", p.Items, totals)
			}
			// A speaker who is an organiser finds the record by address.
			sam, err := db.CreateOrganiser(ctx, s.Speakers[0].Email, "Sam")
			if err != nil {
				t.Fatal(err)
			}
			p, _, err = db.MyContributions(ctx, sam.ID, domain.ContributionFilter{})
			if err != nil || len(p.Items) != 1 || p.Items[0].Role != domain.RoleSpeaker || p.Items[0].PersonName != "Sam Speaker" {
				t.Fatalf("Sam's records: %+v, %v", p.Items, err)
			}
			// The owner was not a host: hosts were set.
			p, _, err = db.MyContributions(ctx, s.Owner.ID, domain.ContributionFilter{})
			if err != nil || len(p.Items) != 0 {
				t.Fatalf("the owner's records: %+v, %v", p.Items, err)
			}
		})

		t.Run("Attendee", func(t *testing.T) {
			// The token the RSVP call gave reaches its own record.
			self, p, _, err := db.AttendeeContributions(ctx, s.Tokens[0], domain.ListOptions{})
			if err != nil || self.RSVP.ID != s.Registered[0].ID || len(p.Items) != 1 || p.Items[0].PersonName != s.Registered[0].Name {
				t.Fatalf("attendee's records: %+v, %v", p.Items, err)
			}
			// A no-show has none.
			_, p, _, err = db.AttendeeContributions(ctx, s.Tokens[s.NoShows[0]], domain.ListOptions{})
			if err != nil || len(p.Items) != 0 {
				t.Fatalf("a no-show's records: %+v, %v", p.Items, err)
			}
		})

		// A correction after the event: one door check-in was a mistake.
		setNow(t, db, db.Clock().Now().Add(time.Minute))
		undone := s.Registered[s.Door[0]]
		if _, err := db.UndoCheckIn(ctx, s.Owner.ID, s.Event.ID, undone.ID); err != nil {
			t.Fatal(err)
		}
		if !due(t, db, s.Event.ID) {
			t.Fatal("a corrected event is not due")
		}
		if n := derive(t, db, s.Event.ID); n != 36 {
			t.Fatalf("the correction rewrote %d records, want 35 updated and 1 withdrawn", n)
		}
		second := eventRecords(t, db, s)
		t.Run("Corrected", func(t *testing.T) {
			before := signatures(first)
			corrected := domain.ContributionCounts{Registered: 40, AttendedInPerson: 27, AttendedOnline: 5}
			withdrawn := 0
			for _, c := range second {
				if c.WithdrawnAt != nil {
					withdrawn++
					if c.PersonName != undone.Name {
						t.Errorf("withdrawn record of %q, want %q's", c.PersonName, undone.Name)
					}
					if c.Signature != before[c.ID] {
						t.Errorf("a withdrawn record was signed again")
					}
					continue
				}
				if c.Revision != 2 || c.Previous == nil || *c.Previous != counts || c.Counts != corrected {
					t.Errorf("%s: revision %d, previous %v, counts %+v; want 2, %+v, %+v", c.PersonName, c.Revision, c.Previous, c.Counts, counts, corrected)
				}
				if c.Signature == before[c.ID] {
					t.Errorf("%s: the corrected record kept its old signature", c.PersonName)
				}
				if !domain.VerifyContribution(key.Public(), c) {
					t.Errorf("%s: the corrected record's signature does not verify", c.PersonName)
				}
			}
			if withdrawn != 1 || len(second) != 36 {
				t.Fatalf("%d records, %d withdrawn; want 36, 1", len(second), withdrawn)
			}
			if n := derive(t, db, s.Event.ID); n != 0 {
				t.Fatalf("deriving the corrected event again wrote %d records", n)
			}
		})

		t.Run("ErasureWithdraws", func(t *testing.T) {
			gone := s.Registered[s.Door[1]]
			if _, err := db.EraseRSVPByToken(ctx, s.Tokens[s.Door[1]]); err != nil {
				t.Fatal(err)
			}
			var rec domain.Contribution
			for _, c := range second {
				if c.PersonName == gone.Name {
					rec = c
				}
			}
			got, err := db.FindContribution(ctx, rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.WithdrawnAt == nil || got.PersonName != "" {
				t.Fatalf("the erased attendee's record: %+v", got)
			}
			// The numbers stay: deriving again changes nothing else.
			if n := derive(t, db, s.Event.ID); n != 0 {
				t.Fatalf("deriving after the erasure wrote %d records", n)
			}
			st, err := db.EventStats(ctx, s.Owner.ID, s.Event.ID)
			if err != nil || st.Attended != 32 || st.Registered != 40 {
				t.Fatalf("stats after erasure: %+v %v", st, err)
			}
		})

		t.Run("CancelledEventHasNone", func(t *testing.T) {
			setNow(t, db, db.Clock().Now().Add(2*time.Minute))
			if _, err := db.CancelEvent(ctx, s.Owner.ID, s.Event.ID, "Never happened"); err != nil {
				t.Fatal(err)
			}
			if !due(t, db, s.Event.ID) {
				t.Fatal("a cancelled event is not due")
			}
			derive(t, db, s.Event.ID)
			for _, c := range eventRecords(t, db, s) {
				if c.WithdrawnAt == nil {
					t.Errorf("record of %s stands after the event was cancelled", c.PersonName)
				}
			}
		})
	})
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestEventPeople(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		owner, err := db.CreateOrganiser(ctx, email("olive"), "Olive")
		if err != nil {
			t.Fatal(err)
		}
		other, err := db.CreateOrganiser(ctx, email("oscar"), "Oscar")
		if err != nil {
			t.Fatal(err)
		}
		g := newGroup(t, db, owner.ID)
		e := newEvent(t, db, owner.ID, g.ID, "People")

		t.Run("DefaultHostsAreOwners", func(t *testing.T) {
			p, def, err := db.FindEventPeople(ctx, owner.ID, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !def || len(p.Hosts) != 1 || p.Hosts[0].OrganiserID != owner.ID || len(p.Speakers) != 0 || len(p.Volunteers) != 0 {
				t.Fatalf("people of a new event: %+v default=%v", p, def)
			}
		})
		t.Run("ErrHostNotMember", func(t *testing.T) {
			_, _, err := db.SetEventPeople(ctx, owner.ID, e.ID, domain.EventPeopleInput{HostIDs: []string{owner.ID, other.ID}})
			wantCode(t, err, domain.EINVALID, "validation_failed")
			if diff := cmp.Diff([]string{"hosts[1]"}, fieldNames(err)); diff != "" {
				t.Fatalf("fields (-want +got):\n%s", diff)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			_, _, err := db.SetEventPeople(ctx, owner.ID, e.ID, domain.EventPeopleInput{
				HostIDs:    []string{"nope", owner.ID, owner.ID},
				Speakers:   []domain.PersonInput{{Name: "", Email: "x@example.org"}, {Name: "Ann", Email: "bad"}, {Name: "Bo", Email: "B@example.org"}, {Name: "Bob", Email: "b@example.org"}},
				Volunteers: []domain.PersonInput{{Name: "Vi", TalkTitle: "No"}, {Name: "vi "}},
			})
			want := []string{"hosts[0]", "hosts[2]", "speakers[0].name", "speakers[1].email", "speakers[3].email", "volunteers[0].talk_title", "volunteers[1].name"}
			if diff := cmp.Diff(want, fieldNames(err)); diff != "" {
				t.Fatalf("fields (-want +got):\n%s", diff)
			}
		})
		t.Run("ErrNotMember", func(t *testing.T) {
			_, _, err := db.SetEventPeople(ctx, other.ID, e.ID, domain.EventPeopleInput{})
			wantCode(t, err, domain.ENOTFOUND, "event_not_found")
			_, _, err = db.FindEventPeople(ctx, other.ID, e.ID)
			wantCode(t, err, domain.ENOTFOUND, "event_not_found")
			_, err = db.EventStats(ctx, other.ID, e.ID)
			wantCode(t, err, domain.ENOTFOUND, "event_not_found")
			_, _, err = db.GroupStats(ctx, other.ID, g.ID)
			wantCode(t, err, domain.ENOTFOUND, "group_not_found")
			_, _, err = db.GroupContributions(ctx, other.ID, g.ID, domain.ContributionFilter{})
			wantCode(t, err, domain.ENOTFOUND, "group_not_found")
		})
		t.Run("OK", func(t *testing.T) {
			if _, _, err := db.AddMember(ctx, owner.ID, g.ID, other.Email, "", domain.RoleOrganiser); err != nil {
				t.Fatal(err)
			}
			in := domain.EventPeopleInput{HostIDs: []string{other.ID},
				Speakers:   []domain.PersonInput{{Name: "Sam", Email: "sam@example.org", TalkTitle: "Talk"}, {Name: "Nobody Knows"}},
				Volunteers: []domain.PersonInput{{Name: "Val", Email: "val@example.org"}}}
			p, def, err := db.SetEventPeople(ctx, owner.ID, e.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			got, def2, err := db.FindEventPeople(ctx, other.ID, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if def || def2 || !cmp.Equal(p, got) {
				t.Fatalf("set %+v (default %v), found %+v (default %v)", p, def, got, def2)
			}
			if len(got.Hosts) != 1 || got.Hosts[0].OrganiserID != other.ID || got.Hosts[0].Name != "Oscar" ||
				len(got.Speakers) != 2 || got.Speakers[0].TalkTitle != "Talk" || got.Speakers[1].Name != "Nobody Knows" ||
				len(got.Volunteers) != 1 || got.Volunteers[0].Email != "val@example.org" {
				t.Fatalf("people: %+v", got)
			}
			// Replacing with nothing brings the owners back as hosts.
			got, def, err = db.SetEventPeople(ctx, owner.ID, e.ID, domain.EventPeopleInput{})
			if err != nil || !def || len(got.Hosts) != 1 || got.Hosts[0].OrganiserID != owner.ID || len(got.Speakers) != 0 {
				t.Fatalf("cleared: %+v default=%v %v", got, def, err)
			}
		})
	})
}

func TestDeriveRefusesEventsNotOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, e := publishedEvent(t, db, 10)
		_, err := db.DeriveContributions(ctx, e.ID, testBaseURL)
		wantCode(t, err, domain.ECONFLICT, "event_not_over")
		_, err = db.DeriveContributions(ctx, domain.NewID(), testBaseURL)
		wantCode(t, err, domain.ENOTFOUND, "event_not_found")
		g := newGroup(t, db, o.ID)
		draft := newEvent(t, db, o.ID, g.ID, "Draft")
		_, err = db.DeriveContributions(ctx, draft.ID, testBaseURL)
		wantCode(t, err, domain.ENOTFOUND, "event_not_found")
		_, err = db.FindContribution(ctx, domain.NewID())
		wantCode(t, err, domain.ENOTFOUND, "contribution_not_found")
	})
}

// TestDefaultHostsAndEmailedTokens: an event without hosts credits the
// group's owners; an e-mailed token reaches every attended event of the
// address across groups, the RSVP call's token only its own.
func TestDefaultHostsAndEmailedTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := storetest.ScriptedEvent(t, db, pastStart(db).Add(-24*time.Hour))
		b := storetest.ScriptedEvent(t, db, pastStart(db))
		if _, _, err := db.SetEventPeople(ctx, b.Owner.ID, b.Event.ID, domain.EventPeopleInput{}); err != nil {
			t.Fatal(err)
		}
		// The same person came to both events (another group's, too).
		addr := "roamer-" + storetest.Unique() + "@example.org"
		tokens := map[string]string{}
		for _, s := range []storetest.Scripted{a, b} {
			setNow(t, db, s.Event.StartsAt.Add(-time.Hour))
			res, err := db.CreateRSVP(ctx, s.Event.Slug, domain.RSVPInput{Name: "Rita Roamer", Email: addr})
			if err != nil {
				t.Fatal(err)
			}
			tokens[s.Event.ID] = res.ManageToken
			setNow(t, db, s.Event.StartsAt.Add(time.Minute))
			if _, err := db.CheckIn(ctx, s.Owner.ID, s.Event.ID, domain.CheckinRequest{RSVPID: res.RSVP.ID}); err != nil {
				t.Fatal(err)
			}
		}
		storetest.ClockOf(t, db).Reset()
		derive(t, db, a.Event.ID)
		derive(t, db, b.Event.ID)

		p, _, err := db.MyContributions(ctx, b.Owner.ID, domain.ContributionFilter{})
		if err != nil || len(p.Items) != 1 || p.Items[0].Role != domain.RoleHost || p.Items[0].PersonName != "Olive Owner" || p.Items[0].EventID != b.Event.ID {
			t.Fatalf("the owner of b hosts it by default: %+v %v", p.Items, err)
		}
		_, p, totals, err := db.AttendeeContributions(ctx, tokens[b.Event.ID], domain.ListOptions{})
		if err != nil || len(p.Items) != 1 || p.Items[0].EventID != b.Event.ID || totals.Events != 1 || totals.UniqueAttendees != 1 {
			t.Fatalf("the RSVP call's token: %+v %+v %v", p.Items, totals, err)
		}
		rsvp, err := db.FindRSVPByToken(ctx, tokens[b.Event.ID])
		if err != nil {
			t.Fatal(err)
		}
		mailed, err := db.MintManageToken(ctx, rsvp.RSVP.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, p, totals, err = db.AttendeeContributions(ctx, mailed, domain.ListOptions{})
		if err != nil || len(p.Items) != 2 || p.Items[0].EventID != a.Event.ID || p.Items[1].EventID != b.Event.ID {
			t.Fatalf("the e-mailed token: %+v %v", p.Items, err)
		}
		if want := (domain.ContributionTotals{Events: 2, UniqueAttendees: 1, AttendedInPerson: 29 + 29, AttendedOnline: 10, RepeatAttendees: 1}); totals != want {
			t.Fatalf("totals %+v, want %+v", totals, want)
		}
		st, err := db.EventStats(ctx, b.Owner.ID, b.Event.ID)
		if err != nil || st.RepeatAttendees != 0 {
			t.Fatalf("b's repeat attendees: %+v %v (a is another group's)", st, err)
		}
	})
}

// TestLateCorrectionIsRederived: a sign-in sheet typed up long after the
// event (beyond the window in which records follow every change) still
// makes its records due again, and they then state the corrected numbers.
func TestLateCorrectionIsRederived(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := storetest.ScriptedEvent(t, db, pastStart(db))
		derive(t, db, s.Event.ID)
		if due(t, db, s.Event.ID) {
			t.Fatal("due right after deriving")
		}
		storetest.ClockOf(t, db).Advance(domain.ContributionsWindow + 10*24*time.Hour)
		if due(t, db, s.Event.ID) {
			t.Fatal("an old event with nothing changed is due")
		}
		// One of the no-shows was there after all: the paper sheet says so.
		late := s.Registered[s.NoShows[0]]
		res, err := db.RecordAttendance(ctx, s.Owner.ID, s.Event.ID, []string{late.Email})
		if err != nil || res.Recorded != 1 {
			t.Fatalf("late sheet: %+v %v", res, err)
		}
		if !due(t, db, s.Event.ID) {
			t.Fatal("a correction 40 days after the event did not make its records due")
		}
		derive(t, db, s.Event.ID)
		for _, c := range eventRecords(t, db, s) {
			if c.WithdrawnAt == nil && c.Counts.AttendedInPerson != 29 {
				t.Fatalf("record %s (%s) states %d in person after the late sheet, want 29", c.ID, c.Role, c.Counts.AttendedInPerson)
			}
		}
	})
}

// TestRepeatAttendanceAndWaitlistConversion: over two events of a group,
// someone who came to both is a repeat attendee; of two people who waited
// in line, one got a place.
func TestRepeatAttendanceAndWaitlistConversion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, err := db.CreateOrganiser(ctx, email("owner"), "Olga Owner")
		if err != nil {
			t.Fatal(err)
		}
		g := newGroup(t, db, o.ID)
		start := db.Clock().Now().UTC().AddDate(0, 3, 0).Truncate(time.Hour)
		mk := func(day int, capacity int) domain.Event {
			c := capacity
			s := start.AddDate(0, 0, day)
			e, err := db.CreateEvent(ctx, o.ID, g.ID, domain.Event{Title: "Meetup " + storetest.Unique(), Kind: domain.KindMeetup,
				Venue: &domain.Venue{Name: "Hall"}, StartsAt: s, EndsAt: s.Add(time.Hour), Waitlist: true, Capacity: &c})
			if err != nil {
				t.Fatal(err)
			}
			if e, err = db.PublishEvent(ctx, o.ID, e.ID); err != nil {
				t.Fatal(err)
			}
			return e
		}
		setNow(t, db, start.Add(-48*time.Hour))
		first, second := mk(0, 10), mk(7, 2)
		ada, bob := email("ada"), email("bob")
		rsvp := func(e domain.Event, addr string) domain.RSVPResult {
			r, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "P", Email: addr})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		rsvp(first, ada)
		rsvp(first, bob)
		rsvp(second, ada)
		leaver := rsvp(second, email("leaver"))
		promoted := rsvp(second, email("cat"))     // waits, then gets the leaver's place
		stillWaiting := rsvp(second, email("dan")) // waits for good
		if promoted.RSVP.Status != domain.RSVPWaitlisted || stillWaiting.RSVP.Status != domain.RSVPWaitlisted {
			t.Fatalf("line: %s, %s", promoted.RSVP.Status, stillWaiting.RSVP.Status)
		}
		if _, err := db.CancelRSVPByToken(ctx, leaver.ManageToken); err != nil {
			t.Fatal(err)
		}
		checkIn := func(e domain.Event, addr string) {
			setNow(t, db, e.StartsAt.Add(10*time.Minute))
			if _, err := db.RecordAttendance(ctx, o.ID, e.ID, []string{addr}); err != nil {
				t.Fatal(err)
			}
		}
		checkIn(first, ada)
		checkIn(first, bob)
		checkIn(second, ada)
		setNow(t, db, start.AddDate(0, 0, 8))

		es, err := db.EventStats(ctx, o.ID, second.ID)
		if err != nil {
			t.Fatal(err)
		}
		if es.WaitlistJoined != 2 || es.WaitlistPromoted != 1 || es.WaitlistConversion != 0.5 || es.RepeatAttendees != 1 {
			t.Fatalf("second event's stats: %+v; want 2 waited, 1 promoted (0.5), 1 repeat attendee (Ada)", es)
		}
		gs, events, err := db.GroupStats(ctx, o.ID, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		if events != 2 || gs.Attended != 3 || gs.RepeatAttendees != 1 {
			t.Fatalf("group stats: %d events, %+v; want 2 events, 3 attendances, 1 repeat attendee", events, gs)
		}
	})
}
