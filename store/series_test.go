package store_test

import (
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

var berlin, _ = time.LoadLocation("Europe/Berlin")

// essentials makes a quarterly live session on the third Tuesday at 17:00
// Berlin time, first on 15 December 2026, seen from 1 December 2026.
func essentials(t *testing.T, db *store.DB) (domain.Organiser, domain.SeriesView) {
	t.Helper()
	setNow(t, db, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	o, err := db.CreateOrganiser(ctx, email("host"), "Hana Host")
	if err != nil {
		t.Fatal(err)
	}
	g := newGroup(t, db, o.ID)
	cap := 2
	v, err := db.CreateSeries(ctx, o.ID, g.ID, domain.Series{Slug: "essentials-" + storetest.Unique(), Title: "Essentials: what you need to know",
		Kind: domain.KindLiveSession, RRule: "FREQ=MONTHLY;INTERVAL=3;BYDAY=3TU",
		StartsAt: time.Date(2026, 12, 15, 17, 0, 0, 0, berlin), Duration: 90 * time.Minute, TimeZone: "Europe/Berlin",
		OnlineURL: "https://meet.example.org/essentials", Capacity: &cap, Waitlist: true})
	if err != nil {
		t.Fatal(err)
	}
	return o, v
}

func localStarts(occ []domain.Occurrence) []string {
	var out []string
	for _, o := range occ {
		out = append(out, o.StartsAt.In(berlin).Format("2006-01-02 15:04 MST")+" "+string(o.Status))
	}
	return out
}

func wantStarts(t *testing.T, occ []domain.Occurrence, want ...string) {
	t.Helper()
	got := localStarts(occ)
	if len(got) != len(want) {
		t.Fatalf("occurrences\n got %q\nwant %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("occurrences\n got %q\nwant %q", got, want)
		}
	}
}

func TestSeriesOccurrences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, v := essentials(t, db)
		// Four occurrences; 17:00 in Berlin in winter (CET) and summer (CEST).
		wantStarts(t, v.Occurrences,
			"2026-12-15 17:00 CET published", "2027-03-16 17:00 CET published",
			"2027-06-15 17:00 CEST published", "2027-09-21 17:00 CEST published")
		if got := v.Occurrences[0].StartsAt.UTC().Hour(); got != 16 {
			t.Fatalf("December session at %d:00 UTC, want 16:00", got)
		}
		if got := v.Occurrences[2].StartsAt.UTC().Hour(); got != 15 {
			t.Fatalf("June session at %d:00 UTC, want 15:00", got)
		}
		first := v.Occurrences[0]
		e := eventNow(t, db, o, domain.Event{ID: first.EventID})
		if e.SeriesID != v.Series.ID || e.Status != domain.EventPublished || e.Capacity == nil || *e.Capacity != 2 ||
			!e.EndsAt.Equal(e.StartsAt.Add(90*time.Minute)) || e.Slug != v.Series.Slug+"-2026-12-15" {
			t.Fatalf("first occurrence %+v", e)
		}
		// Occurrences are reminded like any event: 24 hours and 1 hour before.
		if n := jobsFor(t, db, "event_reminder", "event_id", first.EventID); n != 2 {
			t.Fatalf("%d reminder jobs for the first occurrence, want 2", n)
		}

		t.Run("NextOneAddedAsTimePasses", func(t *testing.T) {
			setNow(t, db, time.Date(2026, 12, 16, 9, 0, 0, 0, time.UTC))
			for range 2 { // the second pass adds nothing
				if _, err := db.MaterialiseSeries(ctx); err != nil {
					t.Fatal(err)
				}
			}
			v, err := db.FindSeries(ctx, o.ID, v.Series.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Occurrences) != 5 || localStarts(v.Occurrences)[4] != "2027-12-21 17:00 CET published" {
				t.Fatalf("after the first session: %q", localStarts(v.Occurrences))
			}
		})

		t.Run("MoveAndCancelOneOccurrence", func(t *testing.T) {
			moved := v.Occurrences[1]
			to := time.Date(2027, 3, 17, 18, 0, 0, 0, berlin)
			end := to.Add(90 * time.Minute)
			if _, err := db.UpdateEvent(ctx, o.ID, moved.EventID, domain.EventUpdate{StartsAt: &to, EndsAt: &end}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.CancelEvent(ctx, o.ID, v.Occurrences[2].EventID, "Summer break"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.MaterialiseSeries(ctx); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindSeries(ctx, o.ID, v.Series.ID)
			if err != nil {
				t.Fatal(err)
			}
			// Neither is made again from the rule; both are detached.
			for _, oc := range got.Occurrences {
				switch oc.EventID {
				case moved.EventID:
					if !oc.Detached || !oc.StartsAt.Equal(to) || !oc.OccurrenceStart.Equal(moved.StartsAt) {
						t.Fatalf("moved occurrence %+v", oc)
					}
				case v.Occurrences[2].EventID:
					if !oc.Detached || oc.Status != domain.EventCancelled {
						t.Fatalf("cancelled occurrence %+v", oc)
					}
				}
			}
			if len(got.Occurrences) != 5 {
				t.Fatalf("occurrences %q", localStarts(got.Occurrences))
			}
			if got.Series.Sequence < 2 {
				t.Fatalf("series sequence %d after two changes", got.Series.Sequence)
			}
		})
	})
}

func TestSeriesEdits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, v := essentials(t, db)
		// Someone replied to the second occurrence only.
		withRSVP := v.Occurrences[1]
		if _, err := db.CreateRSVP(ctx, withRSVP.Slug, domain.RSVPInput{Name: "Ada", Email: email("ada")}); err != nil {
			t.Fatal(err)
		}

		t.Run("TitleAndTimeFollow", func(t *testing.T) {
			title := "Essentials (new format)"
			start := time.Date(2026, 12, 15, 18, 0, 0, 0, berlin)
			got, err := db.UpdateSeries(ctx, o.ID, v.Series.ID, domain.SeriesUpdate{Title: &title, StartsAt: &start})
			if err != nil {
				t.Fatal(err)
			}
			wantStarts(t, got.Occurrences,
				"2026-12-15 18:00 CET published", "2027-03-16 18:00 CET published",
				"2027-06-15 18:00 CEST published", "2027-09-21 18:00 CEST published")
			for _, oc := range got.Occurrences {
				if oc.Title != title || oc.Detached {
					t.Fatalf("occurrence %+v", oc)
				}
			}
			// The one with an RSVP gets an updated invite (a raised
			// sequence and a scheduled update); the others have nobody to tell.
			e := eventNow(t, db, o, domain.Event{ID: withRSVP.EventID})
			if e.Sequence < 1 {
				t.Fatalf("occurrence with RSVPs: sequence %d, want an update", e.Sequence)
			}
			if n := jobsFor(t, db, "event_fanout", "event_id", withRSVP.EventID); n != 1 {
				t.Fatalf("%d update fan-outs for the occurrence with an RSVP, want 1", n)
			}
		})

		t.Run("NewRuleKeepsOccurrencesWithRSVPs", func(t *testing.T) {
			// Monthly on the first Thursday: only the occurrence someone
			// replied to keeps its date, detached from the rule.
			rule := "FREQ=MONTHLY;BYDAY=1TH"
			start := time.Date(2027, 1, 7, 18, 0, 0, 0, berlin)
			got, err := db.UpdateSeries(ctx, o.ID, v.Series.ID, domain.SeriesUpdate{RRule: &rule, StartsAt: &start})
			if err != nil {
				t.Fatal(err)
			}
			var kept bool
			for _, oc := range got.Occurrences {
				if oc.EventID == withRSVP.EventID {
					kept = oc.Detached && oc.StartsAt.In(berlin).Format("2006-01-02 15:04") == "2027-03-16 18:00"
				} else if oc.StartsAt.In(berlin).Weekday() != time.Thursday && oc.StartsAt.After(start.Add(-time.Hour)) {
					t.Fatalf("occurrence %+v does not follow the new rule", oc)
				}
			}
			if !kept {
				t.Fatalf("the occurrence with an RSVP was not kept: %q", localStarts(got.Occurrences))
			}
		})

		t.Run("ErrBadRule", func(t *testing.T) {
			for _, rule := range []string{"FREQ=SOMETIMES", "FREQ=HOURLY", "BYDAY=TU"} {
				_, err := db.UpdateSeries(ctx, o.ID, v.Series.ID, domain.SeriesUpdate{RRule: &rule})
				wantCode(t, err, domain.EINVALID, "")
			}
			rule := "FREQ=WEEKLY;BYDAY=WE" // 7 January 2027 is a Thursday
			_, err := db.UpdateSeries(ctx, o.ID, v.Series.ID, domain.SeriesUpdate{RRule: &rule})
			if f := fieldNames(err); len(f) != 1 || f[0] != "starts_at" {
				t.Fatalf("start off the rule: %v", err)
			}
		})

		t.Run("ErrOtherGroup", func(t *testing.T) {
			stranger, err := db.CreateOrganiser(ctx, email("stranger"), "Stranger")
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.FindSeries(ctx, stranger.ID, v.Series.ID)
			wantCode(t, err, domain.ENOTFOUND, "series_not_found")
			title := "Mine now"
			_, err = db.UpdateSeries(ctx, stranger.ID, v.Series.ID, domain.SeriesUpdate{Title: &title})
			wantCode(t, err, domain.ENOTFOUND, "series_not_found")
		})

		t.Run("End", func(t *testing.T) {
			got, err := db.EndSeries(ctx, o.ID, v.Series.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			if got.Series.EndedAt == nil {
				t.Fatal("series not ended")
			}
			for _, oc := range got.Occurrences {
				if oc.Status != domain.EventCancelled {
					t.Fatalf("upcoming occurrence %+v not cancelled", oc)
				}
			}
			setNow(t, db, time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC))
			if _, err := db.MaterialiseSeries(ctx); err != nil {
				t.Fatal(err)
			}
			after, err := db.FindSeries(ctx, o.ID, v.Series.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(after.Occurrences) != len(got.Occurrences) {
				t.Fatalf("ended series: %d occurrences, then %d", len(got.Occurrences), len(after.Occurrences))
			}
		})
	})
}

// TestSeriesEditKeepsCancelledDates: after one occurrence was cancelled, a
// new time for the series does not bring that date back as a new event,
// and a new time with a new duration in one change ends each occurrence
// at the new start plus the new duration.
func TestSeriesEditKeepsCancelledDates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, v := essentials(t, db)
		if _, err := db.CancelEvent(ctx, o.ID, v.Occurrences[1].EventID, "Speaker ill"); err != nil {
			t.Fatal(err)
		}
		start, dur := time.Date(2026, 12, 15, 20, 0, 0, 0, berlin), time.Hour
		got, err := db.UpdateSeries(ctx, o.ID, v.Series.ID, domain.SeriesUpdate{StartsAt: &start, Duration: &dur})
		if err != nil {
			t.Fatal(err)
		}
		wantStarts(t, got.Occurrences,
			"2026-12-15 20:00 CET published", "2027-03-16 17:00 CET cancelled",
			"2027-06-15 20:00 CEST published", "2027-09-21 20:00 CEST published")
		for _, oc := range got.Occurrences {
			if oc.Status == domain.EventPublished && oc.EndsAt.Sub(oc.StartsAt) != time.Hour {
				t.Fatalf("occurrence %s ends %s: want the new start plus the new hour", oc.StartsAt, oc.EndsAt)
			}
		}
		// And back again: still no duplicate date, no conflict.
		start = time.Date(2026, 12, 15, 17, 0, 0, 0, berlin)
		if got, err = db.UpdateSeries(ctx, o.ID, v.Series.ID, domain.SeriesUpdate{StartsAt: &start}); err != nil {
			t.Fatal(err)
		}
		if len(got.Occurrences) != 4 {
			t.Fatalf("occurrences after moving back: %q", localStarts(got.Occurrences))
		}
	})
}

// TestSeriesRepeatedLocalTime: a weekly series at 02:30 in Oslo meets the
// night clocks go back, when 02:30 happens twice. Its occurrence is made
// at the first of the two instants (RFC 5545 §3.3.5), as the feed says.
// One made at the second by an older version is the same occurrence: the
// periodic job does not make the date again, and the feed takes it as the
// rule's occurrence of that night, moved to where it is.
func TestSeriesRepeatedLocalTime(t *testing.T) {
	oslo, _ := time.LoadLocation("Europe/Oslo")
	var night time.Time // the next night clocks go back, three weeks ahead or more
	for d := storetest.NewClock().Now().Add(21 * 24 * time.Hour); night.IsZero(); d = d.Add(time.Hour) {
		_, before := d.In(oslo).Zone()
		if _, after := d.Add(time.Hour).In(oslo).Zone(); after < before {
			night = d.In(oslo)
		}
	}
	local := func(days int) time.Time {
		return time.Date(night.Year(), night.Month(), night.Day()+days, 2, 30, 0, 0, oslo)
	}
	first, twice := domain.FirstInstant(local(0), oslo)
	second := first.Add(time.Hour)
	if !twice || second.In(oslo).Format("15:04") != "02:30" {
		t.Fatalf("fixture: %v, %v", first, twice)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, err := db.CreateOrganiser(ctx, email("owl"), "Olga Owl")
		if err != nil {
			t.Fatal(err)
		}
		g := newGroup(t, db, o.ID)
		v, err := db.CreateSeries(ctx, o.ID, g.ID, domain.Series{Slug: "owls-" + storetest.Unique(), Title: "Night owls",
			Kind: domain.KindLiveSession, RRule: "FREQ=WEEKLY;BYDAY=SU", StartsAt: local(-14), Duration: time.Hour,
			TimeZone: "Europe/Oslo", OnlineURL: "https://meet.example.org/owls", Ahead: 4})
		if err != nil {
			t.Fatal(err)
		}
		var that domain.Occurrence
		for _, oc := range v.Occurrences {
			if oc.StartsAt.In(oslo).Format("2006-01-02") == night.Format("2006-01-02") {
				that = oc
			}
		}
		if len(v.Occurrences) != 4 || !that.StartsAt.Equal(first) || !that.OccurrenceStart.Equal(first) {
			t.Fatalf("the night's occurrence starts at %v (rule %v), want the first 02:30 %v; all: %+v", that.StartsAt, that.OccurrenceStart, first, v.Occurrences)
		}

		// As an older version made it: at the second 02:30.
		q := `UPDATE events SET starts_at = ?, ends_at = ?, occurrence_start = ? WHERE id = ?`
		if db.Dialect() == store.Postgres {
			q = `UPDATE events SET starts_at = $1, ends_at = $2, occurrence_start = $3 WHERE id = $4`
		}
		if _, err := db.SQL().ExecContext(ctx, q, second, second.Add(time.Hour), second, that.EventID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MaterialiseSeries(ctx); err != nil {
			t.Fatal(err)
		}
		feed, err := db.SeriesFeed(ctx, v.Series.Slug)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, oc := range feed.Occurrences {
			if oc.StartsAt.In(oslo).Format("2006-01-02") != night.Format("2006-01-02") {
				continue
			}
			n++
			if oc.EventID != that.EventID || !oc.InRule || !oc.OccurrenceStart.Equal(first) || !oc.StartsAt.Equal(second) {
				t.Errorf("the older occurrence in the feed: %+v; want it in the rule at %v, starting at %v", oc, first, second)
			}
		}
		if n != 1 {
			t.Fatalf("%d occurrences on %s, want the one made before", n, night.Format("2006-01-02"))
		}
	})
}
