package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var ctx = context.Background()

func wantCode(t *testing.T, err error, code, reason string) {
	t.Helper()
	if domain.ErrorCode(err) != code {
		t.Fatalf("error %v: code %q, want %q", err, domain.ErrorCode(err), code)
	}
	if reason != "" {
		if de, _ := err.(*domain.Error); de == nil || de.Reason != reason {
			t.Fatalf("error %v: want reason %q", err, reason)
		}
	}
}

func email(name string) string { return name + "-" + storetest.Unique() + "@example.org" }

func newGroup(t *testing.T, db *store.DB, ownerID string) domain.Group {
	t.Helper()
	g, err := db.CreateGroup(ctx, ownerID, domain.Group{Slug: "g-" + storetest.Unique(), Name: "Group", TimeZone: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// newEventStart is when newEvent's events start: 23:30 UTC three months
// after the clock's now, which is the next day in Berlin (UTC+1 or +2).
func newEventStart(db *store.DB) time.Time {
	d := db.Clock().Now().UTC().AddDate(0, 3, 0)
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 30, 0, 0, time.UTC)
}

func newEvent(t *testing.T, db *store.DB, ownerID, groupID, title string) domain.Event {
	t.Helper()
	start := newEventStart(db)
	e, err := db.CreateEvent(ctx, ownerID, groupID, domain.Event{Title: title, Kind: domain.KindLiveSession,
		StartsAt: start, EndsAt: start.Add(time.Hour), OnlineURL: "https://meet.example.org/x", Waitlist: true})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestOrganisersAndTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		addr := email("ada")
		o, err := db.CreateOrganiser(ctx, addr, "Ada")
		if err != nil {
			t.Fatal(err)
		}
		t.Run("ErrEmailTaken", func(t *testing.T) {
			_, err := db.CreateOrganiser(ctx, strings.ToUpper(addr), "Other Ada")
			wantCode(t, err, domain.ECONFLICT, "email_taken")
		})
		t.Run("ErrInvalidEmail", func(t *testing.T) {
			_, err := db.CreateOrganiser(ctx, "ada@", "Ada")
			wantCode(t, err, domain.EINVALID, "validation_failed")
		})

		tok, raw, err := db.CreateAPIToken(ctx, o.ID, "laptop", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(raw, domain.TokenPrefix) || len(raw) < len(domain.TokenPrefix)+43 {
			t.Fatalf("token %q is not a prefixed 256-bit secret", raw)
		}
		got, err := db.Authenticate(ctx, raw)
		if err != nil || got.ID != o.ID {
			t.Fatalf("authenticate: %v %v", got, err)
		}
		if page, _ := db.ListAPITokens(ctx, o.ID, domain.ListOptions{}); len(page.Items) != 1 || page.Items[0].LastUsedAt == nil {
			t.Fatalf("last use of the token not recorded: %+v", page.Items)
		}
		t.Run("OnlyTheHashIsStored", func(t *testing.T) {
			var n int64
			db.SQL().QueryRowContext(ctx, storeQ(db, "SELECT count(*) FROM api_tokens WHERE token_hash = ? OR name = ?"), domain.HashToken(raw), raw).Scan(&n)
			if n != 1 {
				t.Fatalf("expected exactly the hash row, got %d", n)
			}
			var leaked int64
			db.SQL().QueryRowContext(ctx, storeQ(db, "SELECT count(*) FROM api_tokens WHERE token_hash = ?"), raw).Scan(&leaked)
			if leaked != 0 {
				t.Fatal("raw token stored")
			}
		})
		t.Run("ErrUnknownToken", func(t *testing.T) {
			_, err := db.Authenticate(ctx, raw+"x")
			wantCode(t, err, domain.EUNAUTHORIZED, "invalid_token")
		})
		t.Run("ErrRevoked", func(t *testing.T) {
			_, raw2, _ := db.CreateAPIToken(ctx, o.ID, "phone", nil)
			page, err := db.ListAPITokens(ctx, o.ID, domain.ListOptions{})
			if err != nil || len(page.Items) != 2 {
				t.Fatalf("list: %v %v", page, err)
			}
			if err := db.RevokeAPIToken(ctx, o.ID, page.Items[1].ID); err != nil {
				t.Fatal(err)
			}
			_, err = db.Authenticate(ctx, raw2)
			wantCode(t, err, domain.EUNAUTHORIZED, "")
			wantCode(t, db.RevokeAPIToken(ctx, o.ID, page.Items[1].ID), domain.ENOTFOUND, "token_not_found")
			if _, err := db.Authenticate(ctx, raw); err != nil {
				t.Fatalf("revoking one token revoked another: %v", err)
			}
			other, _ := db.CreateOrganiser(ctx, email("eve"), "Eve")
			wantCode(t, db.RevokeAPIToken(ctx, other.ID, tok.ID), domain.ENOTFOUND, "")
		})
		t.Run("ErrExpired", func(t *testing.T) {
			exp := db.Clock().Now().Add(time.Hour)
			_, raw3, err := db.CreateAPIToken(ctx, o.ID, "short", &exp)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Authenticate(ctx, raw3); err != nil {
				t.Fatalf("unexpired token refused: %v", err)
			}
			clock := storetest.ClockOf(t, db)
			clock.Advance(2 * time.Hour)
			defer clock.Advance(-2 * time.Hour)
			_, err = db.Authenticate(ctx, raw3)
			wantCode(t, err, domain.EUNAUTHORIZED, "")
			past := db.Clock().Now().Add(-time.Minute)
			_, _, err = db.CreateAPIToken(ctx, o.ID, "past", &past)
			wantCode(t, err, domain.EINVALID, "")
		})
	})
}

// storeQ rewrites ? placeholders for PostgreSQL.
func storeQ(db *store.DB, q string) string {
	if db.Dialect() != store.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + string(rune('0'+n)))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestEnsureFirstOrganiser(t *testing.T) {
	db := storetest.Open(t, store.SQLite) // needs an empty database
	first, raw, err := db.EnsureFirstOrganiser(ctx, "admin@localhost", "Admin")
	if err != nil || raw == "" || first.Email != "admin@localhost" {
		t.Fatalf("first call: %v %q %v", first, raw, err)
	}
	if o, err := db.Authenticate(ctx, raw); err != nil || o.ID != first.ID {
		t.Fatalf("bootstrap token: %v %v", o, err)
	}
	_, raw2, err := db.EnsureFirstOrganiser(ctx, "admin@localhost", "Admin")
	if err != nil || raw2 != "" {
		t.Fatalf("second call must do nothing: %q %v", raw2, err)
	}
}

func TestMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		owner, _ := db.CreateOrganiser(ctx, email("owner"), "Owner")
		g := newGroup(t, db, owner.ID)
		coAddr := email("co")
		m, created, err := db.AddMember(ctx, owner.ID, g.ID, coAddr, "Co", domain.RoleOrganiser)
		if err != nil || !created || m.Role != domain.RoleOrganiser {
			t.Fatalf("add member: %v %v %v", m, created, err)
		}
		t.Run("ErrNotOwner", func(t *testing.T) {
			_, _, err := db.AddMember(ctx, m.OrganiserID, g.ID, email("x"), "", domain.RoleOrganiser)
			wantCode(t, err, domain.EFORBIDDEN, "owner_required")
			_, err = db.UpdateGroup(ctx, m.OrganiserID, g.ID, domain.GroupUpdate{})
			wantCode(t, err, domain.EFORBIDDEN, "owner_required")
		})
		t.Run("ErrNotMember", func(t *testing.T) {
			stranger, _ := db.CreateOrganiser(ctx, email("stranger"), "")
			_, _, err := db.FindGroup(ctx, stranger.ID, g.ID)
			wantCode(t, err, domain.ENOTFOUND, "group_not_found")
			_, err = db.ListMembers(ctx, stranger.ID, g.ID, domain.ListOptions{})
			wantCode(t, err, domain.ENOTFOUND, "")
		})
		t.Run("ErrLastOwner", func(t *testing.T) {
			wantCode(t, db.RemoveMember(ctx, owner.ID, g.ID, owner.ID), domain.ECONFLICT, "last_owner")
			_, _, err := db.AddMember(ctx, owner.ID, g.ID, owner.Email, "", domain.RoleOrganiser)
			wantCode(t, err, domain.ECONFLICT, "last_owner")
		})
		t.Run("SetMemberRole", func(t *testing.T) {
			_, err := db.SetMemberRole(ctx, m.OrganiserID, g.ID, owner.ID, domain.RoleOrganiser)
			wantCode(t, err, domain.EFORBIDDEN, "owner_required")
			stranger, _ := db.CreateOrganiser(ctx, email("stranger"), "")
			_, err = db.SetMemberRole(ctx, stranger.ID, g.ID, m.OrganiserID, domain.RoleOwner)
			wantCode(t, err, domain.ENOTFOUND, "")
			_, err = db.SetMemberRole(ctx, owner.ID, g.ID, stranger.ID, domain.RoleOwner)
			wantCode(t, err, domain.ENOTFOUND, "member_not_found")
			_, err = db.SetMemberRole(ctx, owner.ID, g.ID, owner.ID, domain.RoleOrganiser)
			wantCode(t, err, domain.ECONFLICT, "last_owner")
			_, err = db.SetMemberRole(ctx, owner.ID, g.ID, m.OrganiserID, "admin")
			wantCode(t, err, domain.EINVALID, "")
			// Promoted, and back: the co-organiser's role is what was set.
			for _, role := range []domain.Role{domain.RoleOwner, domain.RoleOrganiser} {
				got, err := db.SetMemberRole(ctx, owner.ID, g.ID, m.OrganiserID, role)
				if err != nil || got.Role != role || got.Email != coAddr {
					t.Fatalf("set role %s: %+v %v", role, got, err)
				}
				if _, r, err := db.FindGroup(ctx, m.OrganiserID, g.ID); err != nil || r != role {
					t.Fatalf("the co-organiser's role is %s (%v), want %s", r, err, role)
				}
			}
		})
		t.Run("PromoteThenOwnerMayLeave", func(t *testing.T) {
			m2, created, err := db.AddMember(ctx, owner.ID, g.ID, strings.ToUpper(coAddr), "", domain.RoleOwner)
			if err != nil || created || m2.Role != domain.RoleOwner {
				t.Fatalf("promote: %v %v %v", m2, created, err)
			}
			if err := db.RemoveMember(ctx, owner.ID, g.ID, owner.ID); err != nil {
				t.Fatalf("an owner with a co-owner may leave: %v", err)
			}
			_, _, err = db.FindGroup(ctx, owner.ID, g.ID)
			wantCode(t, err, domain.ENOTFOUND, "")
		})
	})
}

func TestEventSlugsAndListing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		owner, _ := db.CreateOrganiser(ctx, email("owner"), "Owner")
		g := newGroup(t, db, owner.ID)
		title := "Ünïcode Ça Va? " + storetest.Unique()
		e1 := newEvent(t, db, owner.ID, g.ID, title)
		e2 := newEvent(t, db, owner.ID, g.ID, title)
		e3 := newEvent(t, db, owner.ID, g.ID, title)
		base := domain.Slugify(title)
		if !strings.HasPrefix(base, "unicode-ca-va-") {
			t.Fatalf("slugify folded accents badly: %q", base)
		}
		// 23:30 UTC is the next day in Berlin: the local date is used.
		berlinDay := newEventStart(db).In(berlin).Format("2006-01-02")
		if berlinDay == newEventStart(db).Format("2006-01-02") {
			t.Fatalf("the start %s is the same day in Berlin", newEventStart(db))
		}
		if e1.Slug != base || e2.Slug != base+"-"+berlinDay || !strings.HasPrefix(e3.Slug, base+"-") || e3.Slug == e2.Slug {
			t.Fatalf("slugs %q %q %q", e1.Slug, e2.Slug, e3.Slug)
		}
		if e1.TimeZone != "Europe/Berlin" {
			t.Fatalf("event did not take the group's zone: %q", e1.TimeZone)
		}
		t.Run("ErrSlugTaken", func(t *testing.T) {
			ev := e1
			ev.ID = ""
			_, err := db.CreateEvent(ctx, owner.ID, g.ID, ev)
			wantCode(t, err, domain.ECONFLICT, "slug_taken")
			_, err = db.UpdateEvent(ctx, owner.ID, e2.ID, domain.EventUpdate{Slug: &e1.Slug})
			wantCode(t, err, domain.ECONFLICT, "slug_taken")
		})
		t.Run("Pagination", func(t *testing.T) {
			var seen []string
			opts := domain.EventFilter{ListOptions: domain.ListOptions{Limit: 2}}
			for {
				p, err := db.ListEvents(ctx, owner.ID, g.ID, opts)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range p.Items {
					seen = append(seen, e.ID)
				}
				if p.NextCursor == "" {
					break
				}
				opts.Cursor = p.NextCursor
			}
			if diff := cmp.Diff([]string{e1.ID, e2.ID, e3.ID}, seen); diff != "" {
				t.Fatalf("pages (-want +got):\n%s", diff)
			}
			_, err := db.ListEvents(ctx, owner.ID, g.ID, domain.EventFilter{ListOptions: domain.ListOptions{Cursor: "garbage"}})
			wantCode(t, err, domain.EINVALID, "")
		})
		t.Run("FilterByStatusAndTime", func(t *testing.T) {
			to := e1.StartsAt
			p, err := db.ListEvents(ctx, owner.ID, g.ID, domain.EventFilter{To: &to})
			if err != nil || len(p.Items) != 0 {
				t.Fatalf("to filter: %v %v", p.Items, err)
			}
			p, err = db.ListEvents(ctx, owner.ID, g.ID, domain.EventFilter{Status: domain.EventPublished})
			if err != nil || len(p.Items) != 0 {
				t.Fatalf("status filter: %v %v", p.Items, err)
			}
		})
		t.Run("RoundTrip", func(t *testing.T) {
			got, err := db.FindEvent(ctx, owner.ID, e1.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(e1, got); diff != "" {
				t.Fatalf("stored event differs (-created +found):\n%s", diff)
			}
		})
	})
}

// TestSchemaRefusesOverbooking: even a buggy writer cannot make more people
// going than there are seats, nor two live RSVPs for one address.
func TestSchemaRefusesOverbooking(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		owner, _ := db.CreateOrganiser(ctx, email("owner"), "Owner")
		g := newGroup(t, db, owner.ID)
		e := newEvent(t, db, owner.ID, g.ID, "Schema")
		one := 1
		if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{Capacity: domain.Nullable[int]{Set: true, Value: &one}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx, storeQ(db, "UPDATE events SET going_count = 2 WHERE id = ?"), e.ID); err == nil {
			t.Fatal("the schema allowed going_count above capacity")
		}
		if _, err := db.PublishEvent(ctx, owner.ID, e.ID); err != nil {
			t.Fatal(err)
		}
		res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "A", Email: "a@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		var stored int64
		db.SQL().QueryRowContext(ctx, storeQ(db, "SELECT count(*) FROM rsvps WHERE manage_token_hash = ?"), res.ManageToken).Scan(&stored)
		if stored != 0 {
			t.Fatal("raw manage token stored")
		}
		now := db.Clock().Now().UTC()
		_, err = db.SQL().ExecContext(ctx, storeQ(db, `INSERT INTO rsvps (id, event_id, name, email, email_norm, status, manage_token_hash, created_at, updated_at)
			VALUES (?, ?, 'B', 'A@example.org', 'a@example.org', 'waitlisted', 'h', ?, ?)`), domain.NewID(), e.ID, now, now)
		if err == nil {
			t.Fatal("the schema allowed a second live RSVP for one address (and a waitlisted RSVP without a place in line)")
		}
	})
}
