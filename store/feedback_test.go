package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// thankedRSVPs lists the RSVPs of an event that have a thank-you delivery.
func thankedRSVPs(t *testing.T, db *store.DB, eventID string) []string {
	t.Helper()
	var ids []string
	rows, err := db.SQL().QueryContext(ctx, storeQ(db, `SELECT rsvp_id FROM deliveries WHERE event_id = ? AND kind = 'thank_you' ORDER BY rsvp_id`), eventID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func thankDue(t *testing.T, db *store.DB, eventID string) bool {
	t.Helper()
	ids, err := db.EventsToThank(ctx, domain.DefaultThankYouDelay, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	return slices.Contains(ids, eventID)
}

// TestThankYou: once an event has been over for the delay, every attendee
// — and only attendees — gets one thank-you delivery, however often the
// pass runs; someone recorded late gets theirs on the next pass.
func TestThankYou(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := storetest.ScriptedEvent(t, db, db.Clock().Now().UTC().Add(-5*time.Hour).Truncate(time.Minute))
		// One attendee erased their data before the thank-you.
		erased := s.Registered[s.Door[0]]
		if _, err := db.EraseRSVPByToken(ctx, s.Tokens[s.Door[0]]); err != nil {
			t.Fatal(err)
		}

		t.Run("ErrNotOver", func(t *testing.T) {
			_, err := db.ThankAttendees(ctx, s.Event.ID, 10*time.Hour)
			wantCode(t, err, domain.ECONFLICT, "event_not_over")
			if got := thankedRSVPs(t, db, s.Event.ID); len(got) != 0 {
				t.Fatalf("%d thank-yous before the event was over for the delay", len(got))
			}
		})

		t.Run("OK", func(t *testing.T) {
			if !thankDue(t, db, s.Event.ID) {
				t.Fatal("an event over for 3 hours is not due its thank-you")
			}
			n, err := db.ThankAttendees(ctx, s.Event.ID, domain.DefaultThankYouDelay)
			if err != nil {
				t.Fatal(err)
			}
			attended := storetest.ScriptedDoor + storetest.ScriptedOnline + storetest.ScriptedWalkIns - 1 // one erased
			if n != attended {
				t.Fatalf("queued %d thank-yous, want %d", n, attended)
			}
			got := thankedRSVPs(t, db, s.Event.ID)
			var want []string
			for _, i := range append(append([]int{}, s.Door[1:]...), s.Online...) {
				want = append(want, s.Registered[i].ID)
			}
			for _, w := range s.WalkIns {
				want = append(want, w.ID)
			}
			slices.Sort(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("thanked RSVPs (-want +got):\n%s", diff)
			}
			if slices.Contains(got, erased.ID) {
				t.Fatal("the erased attendee was thanked")
			}
			for _, i := range s.NoShows {
				if slices.Contains(got, s.Registered[i].ID) {
					t.Fatalf("no-show %d was thanked", i)
				}
			}
			if thankDue(t, db, s.Event.ID) {
				t.Fatal("the event is still due after its thank-you")
			}
		})

		t.Run("Twice", func(t *testing.T) {
			n, err := db.ThankAttendees(ctx, s.Event.ID, domain.DefaultThankYouDelay)
			if err != nil || n != 0 {
				t.Fatalf("second pass queued %d, %v; want none", n, err)
			}
		})

		t.Run("LateAttendee", func(t *testing.T) {
			late := s.Registered[s.NoShows[0]]
			if _, err := db.CheckIn(ctx, s.Owner.ID, s.Event.ID, domain.CheckinRequest{RSVPID: late.ID}); err != nil {
				t.Fatal(err)
			}
			if !thankDue(t, db, s.Event.ID) {
				t.Fatal("a late check-in does not make the event due again")
			}
			before := thankedRSVPs(t, db, s.Event.ID)
			n, err := db.ThankAttendees(ctx, s.Event.ID, domain.DefaultThankYouDelay)
			if err != nil || n != 1 {
				t.Fatalf("pass after the late check-in queued %d, %v; want 1", n, err)
			}
			after := thankedRSVPs(t, db, s.Event.ID)
			if len(after) != len(before)+1 || !slices.Contains(after, late.ID) {
				t.Fatalf("late attendee not thanked: %d before, %d after", len(before), len(after))
			}
		})
	})
}

// TestThankYouSkipsCancelledAndRecent: a cancelled event thanks nobody and
// is never due; an event that has just ended is not due yet.
func TestThankYouSkipsCancelledAndRecent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		recent := storetest.ScriptedEvent(t, db, db.Clock().Now().UTC().Add(-3*time.Hour).Truncate(time.Minute))
		if thankDue(t, db, recent.Event.ID) {
			t.Fatal("an event that ended an hour ago is due with a 2-hour delay")
		}
		gone := storetest.ScriptedEvent(t, db, db.Clock().Now().UTC().Add(-6*time.Hour).Truncate(time.Minute))
		if _, err := db.CancelEvent(ctx, gone.Owner.ID, gone.Event.ID, "The hall flooded."); err != nil {
			t.Fatal(err)
		}
		if thankDue(t, db, gone.Event.ID) {
			t.Fatal("a cancelled event is due its thank-you")
		}
		if n, err := db.ThankAttendees(ctx, gone.Event.ID, domain.DefaultThankYouDelay); err != nil || n != 0 {
			t.Fatalf("cancelled event: %d thank-yous, %v", n, err)
		}
	})
}

// TestFeedback: attendees rate the event once (again replaces), others are
// refused, organisers of the group see the numbers and comments without
// names, and erasure removes the comment but keeps the rating.
func TestFeedback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := storetest.ScriptedEvent(t, db, db.Clock().Now().UTC().Add(-5*time.Hour).Truncate(time.Minute))
		ann, bea, noShow := s.Tokens[s.Door[0]], s.Tokens[s.Online[0]], s.Tokens[s.NoShows[0]]

		t.Run("OK", func(t *testing.T) {
			fv, err := db.FindFeedbackByToken(ctx, ann)
			if err != nil || fv.Feedback != nil || fv.View.Event.ID != s.Event.ID {
				t.Fatalf("before: %+v %v", fv, err)
			}
			if _, err := db.SaveFeedbackByToken(ctx, ann, domain.FeedbackInput{Rating: 2, Comment: "Too loud."}); err != nil {
				t.Fatal(err)
			}
			fv, err = db.SaveFeedbackByToken(ctx, ann, domain.FeedbackInput{Rating: 4, Comment: "  Great talks, thanks!  "})
			if err != nil {
				t.Fatal(err)
			}
			if fv.Feedback == nil || fv.Feedback.Rating != 4 || fv.Feedback.Comment != "Great talks, thanks!" {
				t.Fatalf("second answer: %+v", fv.Feedback)
			}
			if _, err := db.SaveFeedbackByToken(ctx, bea, domain.FeedbackInput{Rating: 5}); err != nil {
				t.Fatal(err)
			}
			fv, err = db.FindFeedbackByToken(ctx, ann)
			if err != nil || fv.Feedback == nil || fv.Feedback.Rating != 4 {
				t.Fatalf("read back: %+v %v", fv.Feedback, err)
			}
		})

		t.Run("ErrNotAttended", func(t *testing.T) {
			_, err := db.SaveFeedbackByToken(ctx, noShow, domain.FeedbackInput{Rating: 1, Comment: "I was not there"})
			wantCode(t, err, domain.ECONFLICT, "not_attended")
		})

		t.Run("ErrInvalid", func(t *testing.T) {
			for _, in := range []domain.FeedbackInput{{Rating: 0}, {Rating: 6}, {Rating: 3, Comment: strings.Repeat("é", 2001)}} {
				_, err := db.SaveFeedbackByToken(ctx, ann, in)
				wantCode(t, err, domain.EINVALID, "")
			}
		})

		t.Run("Stats", func(t *testing.T) {
			st, err := db.EventFeedback(ctx, s.Host.ID, s.Event.ID)
			if err != nil {
				t.Fatal(err)
			}
			if st.Count != 2 || st.Average != 4.5 || st.ByRating != [5]int{0, 0, 0, 1, 1} {
				t.Fatalf("stats %+v", st)
			}
			if len(st.Comments) != 1 || st.Comments[0].Comment != "Great talks, thanks!" || st.Comments[0].Rating != 4 || st.Comments[0].At.IsZero() {
				t.Fatalf("comments %+v", st.Comments)
			}
		})

		t.Run("ErrOtherGroup", func(t *testing.T) {
			other, err := db.CreateOrganiser(ctx, email("other"), "Other")
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.EventFeedback(ctx, other.ID, s.Event.ID)
			wantCode(t, err, domain.ENOTFOUND, "")
		})

		t.Run("Erasure", func(t *testing.T) {
			if _, err := db.EraseRSVPByToken(ctx, ann); err != nil {
				t.Fatal(err)
			}
			st, err := db.EventFeedback(ctx, s.Owner.ID, s.Event.ID)
			if err != nil {
				t.Fatal(err)
			}
			if st.Count != 2 || st.Average != 4.5 || len(st.Comments) != 0 {
				t.Fatalf("after erasure: %+v, want the rating kept and the comment gone", st)
			}
			if n := count(t, db, `SELECT count(*) FROM feedback WHERE comment LIKE '%Great talks%'`); n != 0 {
				t.Fatalf("the erased comment is still stored (%d rows)", n)
			}
			_, err = db.SaveFeedbackByToken(ctx, ann, domain.FeedbackInput{Rating: 1})
			wantCode(t, err, domain.EGONE, "rsvp_erased")
		})
	})
}

// TestRecordingAndSlides: the recording link is set after the event is
// over, speakers carry their slides link (on the public list too), and
// links that are not http(s) URLs, or slides for a volunteer, are refused.
func TestRecordingAndSlides(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := storetest.ScriptedEvent(t, db, db.Clock().Now().UTC().Add(-5*time.Hour).Truncate(time.Minute))
		rec := "https://video.example.org/watch?v=go"
		ch, err := db.UpdateEvent(ctx, s.Host.ID, s.Event.ID, domain.EventUpdate{RecordingURL: &rec})
		if err != nil {
			t.Fatal(err)
		}
		if ch.Event.RecordingURL != rec || !slices.Equal(ch.Changed, []string{"recording_url"}) {
			t.Fatalf("update: %q changed %v", ch.Event.RecordingURL, ch.Changed)
		}
		if e, err := db.FindEvent(ctx, s.Owner.ID, s.Event.ID); err != nil || e.RecordingURL != rec || e.Sequence != s.Event.Sequence {
			t.Fatalf("read back: %q sequence %d (was %d), %v", e.RecordingURL, e.Sequence, s.Event.Sequence, err)
		}
		bad := "javascript:alert(1)"
		_, err = db.UpdateEvent(ctx, s.Host.ID, s.Event.ID, domain.EventUpdate{RecordingURL: &bad})
		wantCode(t, err, domain.EINVALID, "")

		speakers := []domain.PersonInput{
			{Name: "Sam Speaker", Email: s.Speakers[0].Email, TalkTitle: "Go at scale", SlidesURL: "https://slides.example.org/sam.pdf"},
			{Name: "Tia Talker", Email: s.Speakers[1].Email, TalkTitle: "Testing with real databases"},
		}
		people, _, err := db.SetEventPeople(ctx, s.Owner.ID, s.Event.ID, domain.EventPeopleInput{HostIDs: []string{s.Host.ID}, Speakers: speakers})
		if err != nil {
			t.Fatal(err)
		}
		if people.Speakers[0].SlidesURL != "https://slides.example.org/sam.pdf" || people.Speakers[1].SlidesURL != "" {
			t.Fatalf("speakers %+v", people.Speakers)
		}
		pub, err := db.PublicEventPeople(ctx, s.Event.ID)
		if err != nil || pub.Speakers[0].SlidesURL != "https://slides.example.org/sam.pdf" || pub.Speakers[0].Email != "" {
			t.Fatalf("public speakers %+v %v", pub.Speakers, err)
		}
		_, _, err = db.SetEventPeople(ctx, s.Owner.ID, s.Event.ID, domain.EventPeopleInput{
			Speakers:   []domain.PersonInput{{Name: "Sam", SlidesURL: "slides.pdf"}},
			Volunteers: []domain.PersonInput{{Name: "Val", SlidesURL: "https://slides.example.org/val"}}})
		if diff := cmp.Diff([]string{"speakers[0].slides_url", "volunteers[0].slides_url"}, fieldNames(err)); diff != "" {
			t.Fatalf("field errors (-want +got):\n%s", diff)
		}
	})
}

// TestMigrationThanksNoPastEvent: upgrading to the thank-you release does
// not e-mail the attendees of every event that was already over; events
// still to come are thanked as usual. It also runs 00007 down and up again.
func TestMigrationThanksNoPastEvent(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			db := storetest.Fresh(t, d)()
			// Migration 00007 compares with the database's clock
			// (CURRENT_TIMESTAMP): this test runs at the computer's time.
			storetest.ClockOf(t, db).Set(time.Now())
			past := storetest.ScriptedEvent(t, db, db.Clock().Now().UTC().Add(-5*time.Hour).Truncate(time.Minute))
			_, e := openEvent(t, db, 10, domain.ConfirmNone)
			if err := db.MigrateDownTo(ctx, 4); err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if thankDue(t, db, past.Event.ID) {
				t.Fatal("an event that was over before the upgrade is due its thank-you")
			}
			if n := count(t, db, `SELECT count(*) FROM events WHERE id = ? AND thanked_at IS NULL`, e.ID); n != 1 {
				t.Fatal("an event still to come was marked thanked by the upgrade")
			}
			// The rebuilt table takes thank-you deliveries again.
			if _, err := db.ThankAttendees(ctx, past.Event.ID, domain.DefaultThankYouDelay); err != nil {
				t.Fatal(err)
			}
			if n := len(thankedRSVPs(t, db, past.Event.ID)); n != 33 {
				t.Fatalf("%d thank-yous after the upgrade, want 33", n)
			}
		})
	}
}
