package store_test

import (
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestMigrationSlugs: migration 00009 takes drafts' slugs out of the
// public namespace and registers the published ones, keeping what
// organisers see; going down gives drafts their slug back, with a suffix
// when another event has it meanwhile, and up again keeps it.
func TestMigrationSlugs(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			db := storetest.Fresh(t, d)()
			u := storetest.Unique()
			a, _ := db.CreateOrganiser(ctx, email("ada"), "Ada")
			b, _ := db.CreateOrganiser(ctx, email("bob"), "Bob")
			ga, gb := newGroup(t, db, a.ID), newGroup(t, db, b.ID)
			start := db.Clock().Now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Hour)
			event := func(org, gid, slug string, publish bool) domain.Event {
				t.Helper()
				e, err := db.CreateEvent(ctx, org, gid, domain.Event{Title: "Meetup", Kind: domain.KindMeetup, Slug: slug,
					StartsAt: start, EndsAt: start.Add(time.Hour), Venue: &domain.Venue{Name: "Hall"}})
				if err != nil {
					t.Fatal(err)
				}
				if publish {
					if e, err = db.PublishEvent(ctx, org, e.ID); err != nil {
						t.Fatal(err)
					}
				}
				return e
			}
			pub := event(a.ID, ga.ID, "pub-"+u, true)
			draft := event(a.ID, ga.ID, "draft-"+u, false)
			// B's draft wishes for a slug that A then publishes.
			clash := event(b.ID, gb.ID, "clash-"+u, false)
			event(a.ID, ga.ID, "clash-"+u, true)

			if err := db.MigrateDownTo(ctx, 8); err != nil {
				t.Fatal(err)
			}
			slugOf := func(id string) string {
				t.Helper()
				var s string
				if err := db.SQL().QueryRowContext(ctx, storeQ(db, `SELECT slug FROM events WHERE id = ?`), id).Scan(&s); err != nil {
					t.Fatal(err)
				}
				return s
			}
			if s := slugOf(draft.ID); s != "draft-"+u {
				t.Fatalf("draft's slug after going down: %q", s)
			}
			if s := slugOf(clash.ID); s != "clash-"+u+"-"+clash.ID[20:] {
				t.Fatalf("clashing draft's slug after going down: %q", s)
			}
			clashSlug := slugOf(clash.ID)
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for id, want := range map[string]string{draft.ID: "draft-" + u, clash.ID: clashSlug} {
				e, err := db.FindEvent(ctx, map[string]string{draft.ID: a.ID, clash.ID: b.ID}[id], id)
				if err != nil || e.Slug != want || e.Status != domain.EventDraft {
					t.Fatalf("draft after going up again: %+v %v, want slug %q", e, err, want)
				}
			}
			// The published event's slug is registered: it keeps leading to
			// it after a change, and nobody else may take it.
			if _, err := db.UpdateEvent(ctx, a.ID, pub.ID, domain.EventUpdate{Slug: new("pub-" + u + "-new")}); err != nil {
				t.Fatal(err)
			}
			if e, _, err := db.FindPublicEvent(ctx, "pub-"+u); err != nil || e.ID != pub.ID || e.Slug != "pub-"+u+"-new" {
				t.Fatalf("the former slug: %+v %v", e, err)
			}
			_, err := db.CreateEvent(ctx, b.ID, gb.ID, domain.Event{Title: "Takeover", Kind: domain.KindMeetup, Slug: "pub-" + u,
				StartsAt: start, EndsAt: start.Add(time.Hour), Venue: &domain.Venue{Name: "Hall"}})
			wantCode(t, err, domain.ECONFLICT, "slug_taken")
			if _, err := db.PublishEvent(ctx, a.ID, draft.ID); err != nil {
				t.Fatal(err)
			}
			if e, _, err := db.FindPublicEvent(ctx, "draft-"+u); err != nil || e.ID != draft.ID {
				t.Fatalf("the draft, published after the upgrade: %+v %v", e, err)
			}
		})
	}
}

// TestSeriesKeepsItsDatesSlugs: an occurrence that a rule change removes
// keeps its slug for its series — nobody else may take it — and the series
// takes it back when the date is made again.
func TestSeriesKeepsItsDatesSlugs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, v := essentials(t, db)
		june := v.Series.Slug + "-2027-06-15"
		if v.Occurrences[2].Slug != june {
			t.Fatalf("occurrences %+v", v.Occurrences)
		}
		// Every 3 months on the third Tuesday, from March: June is no
		// longer a date (March, June... are: use the second Tuesday instead).
		second := "FREQ=MONTHLY;INTERVAL=3;BYDAY=2TU"
		start := time.Date(2026, 12, 8, 17, 0, 0, 0, berlin)
		v2, err := db.UpdateSeries(ctx, o.ID, v.Series.ID, domain.SeriesUpdate{RRule: &second, StartsAt: &start})
		if err != nil {
			t.Fatal(err)
		}
		for _, oc := range v2.Occurrences {
			if oc.Slug == june {
				t.Fatalf("June 15 is still an occurrence: %+v", v2.Occurrences)
			}
		}
		if _, _, err := db.FindPublicEvent(ctx, june); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("the removed occurrence's slug: %v", err)
		}
		// Nobody takes the date, not even the series' own group by hand.
		g, _ := db.ListGroups(ctx, o.ID, domain.ListOptions{})
		_, err = db.CreateEvent(ctx, o.ID, g.Items[0].ID, domain.Event{Title: "By hand", Kind: domain.KindMeetup, Slug: june,
			StartsAt: start, EndsAt: start.Add(time.Hour), Venue: &domain.Venue{Name: "Hall"}})
		wantCode(t, err, domain.ECONFLICT, "slug_taken")
		// Back to the third Tuesday: June 15 is made again, with its slug.
		third := "FREQ=MONTHLY;INTERVAL=3;BYDAY=3TU"
		start = time.Date(2026, 12, 15, 17, 0, 0, 0, berlin)
		v3, err := db.UpdateSeries(ctx, o.ID, v.Series.ID, domain.SeriesUpdate{RRule: &third, StartsAt: &start})
		if err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, oc := range v3.Occurrences {
			slugs = append(slugs, oc.Slug)
		}
		if len(slugs) != 4 || slugs[2] != june {
			t.Fatalf("occurrences after going back: %q", slugs)
		}
		if e, _, err := db.FindPublicEvent(ctx, june); err != nil || e.ID != v3.Occurrences[2].EventID {
			t.Fatalf("%s leads to %+v, %v", june, e, err)
		}
	})
}
