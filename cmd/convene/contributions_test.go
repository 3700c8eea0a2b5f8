package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// derivedOnStart plays the scripted event into a database, starts the
// service on it and waits for the records, which the periodic job derives
// when the service starts. It returns the service, the scripted event, the
// owner's API token and the group's JSON export.
func derivedOnStart(t *testing.T, dialect string) (*instance, storetest.Scripted, string, map[string]any) {
	t.Helper()
	ctx := context.Background()
	env := mailEnv(t, dialect, smtptest.Start(t))
	db, err := store.OpenAndMigrate(ctx, store.Options{DataDir: env["CONVENE_DATA_DIR"], DatabaseURL: env["CONVENE_DATABASE_URL"], Clock: storetest.NewClock()})
	if err != nil {
		t.Fatal(err)
	}
	s := storetest.ScriptedEvent(t, db, clock.Now().UTC().Add(-3*time.Hour).Truncate(time.Minute))
	_, token, err := db.CreateAPIToken(ctx, s.Owner.ID, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	in := startServe(t, env)
	path := in.base + "/api/v1/groups/" + s.Group.ID + "/contributions?limit=200"
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, m := call(t, "GET", path, token, nil)
		if status != 200 {
			t.Fatalf("export: %d %v", status, m)
		}
		if len(m["items"].([]any)) == 36 {
			return in, s, token, m
		}
		if time.Now().After(deadline) {
			t.Fatalf("no records 30 s after the start: %v\nstderr: %s", m, in.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestContributionsDerivedOnStart: the service derives the records of an
// event that ended while it was down as soon as it starts (the periodic
// job runs on start), signed with the key it publishes.
func TestContributionsDerivedOnStart(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			in, s, _, list := derivedOnStart(t, dialect)
			totals := list["totals"].(map[string]any)
			if totals["events"] != 1.0 || totals["unique_attendees"] != 33.0 || totals["attended_in_person"] != 28.0 || totals["attended_online"] != 5.0 {
				t.Fatalf("totals %v", totals)
			}
			status, key := call(t, "GET", in.base+"/.well-known/convene-signing-key", "", nil)
			if status != 200 {
				t.Fatalf("key: %d %v", status, key)
			}
			pub, err := base64.RawURLEncoding.DecodeString(key["public_key"].(string))
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range list["items"].([]any) {
				rec := it.(map[string]any)
				if !domain.VerifySignature(ed25519.PublicKey(pub), []byte(rec["signed"].(string)), rec["signature"].(string)) {
					t.Fatalf("record %v does not verify with the published key", rec)
				}
				if rec["event_url"] != "https://convene.example/e/"+s.Event.Slug {
					t.Fatalf("event_url %v", rec["event_url"])
				}
			}
		})
	}
}

// TestBrowserVerifyPage: a record's page reads on the narrowest phone
// without a sideways scroll, and a withdrawn record's page says so.
func TestBrowserVerifyPage(t *testing.T) {
	browser := newBrowser(t)
	in, s, _, list := derivedOnStart(t, "sqlite")
	var speaker, attendee string
	for _, it := range list["items"].([]any) {
		rec := it.(map[string]any)
		switch {
		case rec["person_name"] == "Tia Talker":
			speaker = rec["id"].(string)
		case rec["person_name"] == s.Registered[0].Name:
			attendee = rec["id"].(string)
		}
	}
	b := browser.newTab(t)
	b.setViewport(320, 640, true)
	if st := b.open(in.base + "/v/" + speaker); st != 200 {
		t.Fatalf("record page: HTTP %d", st)
	}
	b.screenshot("verify-320")
	if over := b.overflow(); over > 0 {
		t.Errorf("the record page is %d px wider than a 320 px screen", over)
	}
	if got := b.text("h1"); got != "Tia Talker" {
		t.Errorf("heading %q", got)
	}
	if st, _ := call(t, "DELETE", in.base+"/api/v1/rsvps/"+s.Tokens[0]+"/data", "", nil); st != 204 {
		t.Fatalf("erase: HTTP %d", st)
	}
	if st := b.open(in.base + "/v/" + attendee); st != 410 {
		t.Fatalf("a withdrawn record's page: HTTP %d", st)
	}
	if got := b.text("h1"); got != "This record was withdrawn" {
		t.Errorf("heading %q", got)
	}
}
