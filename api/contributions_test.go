package api

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// hostileNames are attendee names a spreadsheet would run as formulas.
// The last three cannot come through the API (names with links and
// control characters are refused) and are written into the database
// directly, as old or imported data might hold them.
var hostileNames = []string{"+1", "-2", "@SUM(A1)", `=HYPERLINK("http://evil")`, "\tx", "\rx"}

// contribFixture is the scripted event, over, with its records derived
// for the test server and API tokens for its owner and host.
type contribFixture struct {
	s                   storetest.Scripted
	ownerTok, hostTok   string
	groupPath, evPath   string
	contributionsByName map[string]contribItem
}

// contribItem is a record as the JSON export gives it.
type contribItem struct {
	ID               string                     `json:"id"`
	PersonName       string                     `json:"person_name"`
	Role             string                     `json:"role"`
	ActivityType     string                     `json:"activity_type"`
	TalkTitle        string                     `json:"talk_title"`
	EventTitle       string                     `json:"event_title"`
	EventDate        string                     `json:"event_date"`
	EventURL         string                     `json:"event_url"`
	GroupName        string                     `json:"group_name"`
	Registered       int                        `json:"registered"`
	AttendedInPerson int                        `json:"attended_in_person"`
	AttendedOnline   int                        `json:"attended_online"`
	AttendedHow      string                     `json:"attended_how"`
	Revision         int                        `json:"revision"`
	Previous         *domain.ContributionCounts `json:"previous"`
	VerifiedAt       time.Time                  `json:"verified_at"`
	Withdrawn        bool                       `json:"withdrawn"`
	Signature        string                     `json:"signature"`
	Signed           string                     `json:"signed"`
	KeyID            string                     `json:"key_id"`
	VerifyURL        string                     `json:"verify_url"`
}

type contribList struct {
	Items      []contribItem             `json:"items"`
	Totals     domain.ContributionTotals `json:"totals"`
	NextCursor *string                   `json:"next_cursor"`
}

func newContribFixture(t *testing.T, te *testEnv) contribFixture {
	t.Helper()
	ctx := context.Background()
	start := te.now().UTC().Add(-3 * time.Hour).Truncate(time.Minute)
	f := contribFixture{s: storetest.ScriptedEvent(t, te.db, start, hostileNames[:3]...)}
	// Names no request can carry, as older data might.
	q := `UPDATE rsvps SET name = ? WHERE id = ?`
	if te.db.Dialect() == store.Postgres {
		q = `UPDATE rsvps SET name = $1 WHERE id = $2`
	}
	for i, name := range hostileNames[3:] {
		if _, err := te.db.SQL().ExecContext(ctx, q, name, f.s.Registered[3+i].ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range []struct {
		id  string
		tok *string
	}{{f.s.Owner.ID, &f.ownerTok}, {f.s.Host.ID, &f.hostTok}} {
		_, raw, err := te.db.CreateAPIToken(ctx, o.id, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		*o.tok = raw
	}
	f.groupPath = "/api/v1/groups/" + f.s.Group.ID
	f.evPath = "/api/v1/events/" + f.s.Event.ID
	if n, err := te.db.DeriveContributions(ctx, f.s.Event.ID, te.srv.URL); err != nil || n != 36 {
		t.Fatalf("derived %d records, %v; want 36", n, err)
	}
	return f
}

// groupExport reads every page of the group's JSON export.
func (f contribFixture) groupExport(t *testing.T, te *testEnv, query string) ([]contribItem, domain.ContributionTotals) {
	t.Helper()
	var (
		all    []contribItem
		totals domain.ContributionTotals
		cursor string
	)
	for {
		r := te.do("GET", f.groupPath+"/contributions?limit=7"+query+cursor, f.ownerTok, nil)
		wantStatus(t, r, http.StatusOK)
		var l contribList
		r.decode(t, &l)
		all, totals = append(all, l.Items...), l.Totals
		if l.NextCursor == nil {
			return all, totals
		}
		cursor = "&cursor=" + *l.NextCursor
	}
}

func byName(items []contribItem) map[string]contribItem {
	m := map[string]contribItem{}
	for _, it := range items {
		m[it.PersonName] = it
	}
	return m
}

// verifies checks a record's signature with the key published over HTTP.
func verifies(pub ed25519.PublicKey, signed, signature string) bool {
	return domain.VerifySignature(pub, []byte(signed), signature)
}

// TestContributionRecordsAPI is the scripted event end to end: exports in
// JSON and CSV, verification with the published key, a correction, an
// erasure and the statistics.
func TestContributionRecordsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		f := newContribFixture(t, te)
		keyBody, pub, _ := fetchSigningKey(t, te)

		items, totals := f.groupExport(t, te, "")
		if len(items) != 36 {
			t.Fatalf("%d records, want 36", len(items))
		}
		if want := (domain.ContributionTotals{Events: 1, UniqueAttendees: 33, AttendedInPerson: 28, AttendedOnline: 5}); totals != want {
			t.Fatalf("totals %+v, want %+v", totals, want)
		}
		roles := map[string]int{}
		for _, it := range items {
			roles[it.Role]++
			if it.Registered != 40 || it.AttendedInPerson != 28 || it.AttendedOnline != 5 || it.Revision != 1 || it.Previous != nil || it.Withdrawn {
				t.Errorf("record %+v", it)
			}
			if it.EventURL != te.srv.URL+"/e/"+f.s.Event.Slug || it.VerifyURL != te.srv.URL+"/v/"+it.ID || it.KeyID != keyBody.KeyID {
				t.Errorf("record links %+v", it)
			}
			if !verifies(pub, it.Signed, it.Signature) {
				t.Errorf("the signature of %q does not verify with the published key", it.PersonName)
			}
			var signed map[string]any
			if err := json.Unmarshal([]byte(it.Signed), &signed); err != nil || signed["issuer"] != te.srv.URL ||
				signed["key_id"] != keyBody.KeyID || signed["person_name"] != it.PersonName || signed["id"] != it.ID {
				t.Errorf("signed form %s: %v", it.Signed, err)
			}
		}
		if roles["host"] != 1 || roles["speaker"] != 2 || roles["attendee"] != 33 {
			t.Fatalf("records by role: %v", roles)
		}
		names := byName(items)

		t.Run("TamperedFails", func(t *testing.T) {
			it := names["Sam Speaker"]
			for i := range len(it.Signed) {
				b := []byte(it.Signed)
				b[i] ^= 0x01
				if verifies(pub, string(b), it.Signature) {
					t.Fatalf("the signature still verifies after byte %d of the signed form changed", i)
				}
			}
		})

		t.Run("CSV", func(t *testing.T) {
			req, _ := http.NewRequest("GET", te.srv.URL+f.groupPath+"/contributions", nil)
			req.Header.Set("Authorization", "Bearer "+f.ownerTok)
			req.Header.Set("Accept", "text/csv")
			r := te.send(req)
			wantStatus(t, r, http.StatusOK)
			if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Fatalf("Content-Type %q", ct)
			}
			rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
			if err != nil {
				t.Fatalf("the export is not CSV: %v\n%s", err, r.Body)
			}
			if strings.Join(rows[0], ",") != strings.Join(contributionCSVHeader, ",") || len(rows) != 37 {
				t.Fatalf("header %q and %d rows", rows[0], len(rows))
			}
			col := map[string]int{}
			for i, h := range rows[0] {
				col[h] = i
			}
			seen := map[string]bool{}
			for _, row := range rows[1:] {
				name := row[col["person_name"]]
				if name != "" && strings.ContainsRune("=+-@\t\r", rune(name[0])) {
					t.Errorf("cell %q starts with a formula character", name)
				}
				for _, h := range hostileNames {
					if name == "'"+h {
						seen[h] = true
						name = h
					}
				}
				it, ok := names[name]
				if !ok {
					t.Fatalf("row for %q is not in the JSON export", name)
				}
				sig := row[col["signature"]] // exactly as exported: a verifier takes it as it is
				if row[col["id"]] != it.ID || row[col["signed"]] != it.Signed || sig != it.Signature ||
					row[col["registered"]] != "40" || row[col["verify_url"]] != it.VerifyURL {
					t.Errorf("row %q differs from %+v", row, it)
				}
				if !verifies(pub, row[col["signed"]], sig) {
					t.Errorf("the CSV row of %q does not verify", name)
				}
			}
			for _, h := range hostileNames {
				if !seen[h] {
					t.Errorf("no neutralised cell for %q", h)
				}
			}
		})

		t.Run("Verification", func(t *testing.T) {
			it := names["Hugo Host"]
			r := te.do("GET", "/api/v1/public/contributions/"+it.ID, "", nil)
			wantStatus(t, r, http.StatusOK)
			var pubRec struct {
				contribItem
				KeyURL string `json:"key_url"`
			}
			r.decode(t, &pubRec)
			if pubRec.Signed != it.Signed || pubRec.KeyURL != te.srv.URL+SigningKeyPath || !verifies(pub, pubRec.Signed, pubRec.Signature) {
				t.Fatalf("public record %+v", pubRec)
			}
			if strings.Contains(string(r.Body), "@example.org") {
				t.Fatalf("the public record shows an address: %s", r.Body)
			}
			wantProblem(t, te.do("GET", "/api/v1/public/contributions/"+domain.NewID(), "", nil), http.StatusNotFound, "contribution_not_found")
			wantProblem(t, te.do("GET", "/api/v1/public/contributions/nope", "", nil), http.StatusNotFound, "contribution_not_found")

			pc := newPageClient(t, te)
			p := pc.get("/v/" + it.ID)
			wantPage(t, p, http.StatusOK)
			text := p.text()
			for _, want := range []string{"Hugo Host", "Organising a user-group or meetup event", f.s.Event.Title, "Signed by this Convene server on",
				it.Signature, it.Signed, keyBody.KeyID, "How to verify", SigningKeyPath} {
				if !strings.Contains(text, want) {
					t.Errorf("the page does not show %q", want)
				}
			}
			if strings.Contains(text, "@example.org") {
				t.Error("the page shows an address")
			}
			wantPage(t, pc.get("/v/"+domain.NewID()), http.StatusNotFound)
		})

		t.Run("Mine", func(t *testing.T) {
			r := te.do("GET", "/api/v1/me/contributions", f.hostTok, nil)
			wantStatus(t, r, http.StatusOK)
			var l contribList
			r.decode(t, &l)
			if len(l.Items) != 1 || l.Items[0].Role != "host" || l.Totals.Events != 1 || l.Totals.UniqueAttendees != 33 {
				t.Fatalf("the host's records: %s", r.Body)
			}
			r = te.do("GET", "/api/v1/me/contributions?role=speaker", f.hostTok, nil)
			wantStatus(t, r, http.StatusOK)
			r.decode(t, &l)
			if len(l.Items) != 0 {
				t.Fatalf("the host's speaking records: %s", r.Body)
			}
		})

		t.Run("Attendee", func(t *testing.T) {
			r := te.do("GET", "/api/v1/rsvps/"+f.s.Tokens[0]+"/contributions", "", nil)
			wantStatus(t, r, http.StatusOK)
			var l contribList
			r.decode(t, &l)
			if len(l.Items) != 1 || l.Items[0].Role != "attendee" || l.Items[0].AttendedHow != "door" || !verifies(pub, l.Items[0].Signed, l.Items[0].Signature) {
				t.Fatalf("the attendee's records: %s", r.Body)
			}
			wantProblem(t, te.do("GET", "/api/v1/rsvps/"+strings.Repeat("x", 43)+"/contributions", "", nil), http.StatusNotFound, "rsvp_not_found")
		})

		t.Run("Stats", func(t *testing.T) {
			r := te.do("GET", f.evPath+"/stats", f.hostTok, nil)
			wantStatus(t, r, http.StatusOK)
			want := map[string]any{"registered": 40.0, "attended": 33.0, "attended_in_person": 28.0, "attended_online": 5.0,
				"walk_ins": 3.0, "no_shows": 10.0, "no_show_rate": 0.25, "waitlist_joined": 0.0, "waitlist_promoted": 0.0,
				"waitlist_conversion": 0.0, "repeat_attendees": 0.0}
			got := r.m(t)
			// Nobody has given feedback yet (feedback_test.go tests it).
			fb, _ := got["feedback"].(map[string]any)
			delete(got, "feedback")
			if !mapsEqual(got, want) || fb["count"] != 0.0 || fb["average_rating"] != nil {
				t.Fatalf("event stats %v and feedback %v, want %v and no feedback", got, fb, want)
			}
			r = te.do("GET", f.groupPath+"/stats", f.ownerTok, nil)
			wantStatus(t, r, http.StatusOK)
			want["events"] = 1.0
			if got := r.m(t); !mapsEqual(got, want) {
				t.Fatalf("group stats %v, want %v", got, want)
			}
		})

		// A correction: one door check-in was a mistake.
		undone := f.s.Registered[f.s.Door[0]]
		wantStatus(t, te.do("DELETE", f.evPath+"/checkins/"+undone.ID, f.ownerTok, nil), http.StatusOK)
		if _, err := db.DeriveContributions(context.Background(), f.s.Event.ID, te.srv.URL); err != nil {
			t.Fatal(err)
		}
		t.Run("Corrected", func(t *testing.T) {
			it := names["Tia Talker"]
			r := te.do("GET", "/api/v1/public/contributions/"+it.ID, "", nil)
			wantStatus(t, r, http.StatusOK)
			var got contribItem
			r.decode(t, &got)
			if got.Revision != 2 || got.Previous == nil || got.Previous.AttendedInPerson != 28 || got.AttendedInPerson != 27 {
				t.Fatalf("corrected record: %s", r.Body)
			}
			if got.Signature == it.Signature || !verifies(pub, got.Signed, got.Signature) {
				t.Fatal("the corrected record's new signature does not verify")
			}
			if verifies(pub, got.Signed, it.Signature) {
				t.Fatal("the old signature verifies the corrected statement")
			}
			wantProblem(t, te.do("GET", "/api/v1/public/contributions/"+names[undone.Name].ID, "", nil), http.StatusGone, "contribution_withdrawn")
			pc := newPageClient(t, te)
			p := pc.get("/v/" + got.ID)
			wantPage(t, p, http.StatusOK)
			if !strings.Contains(p.text(), "the revision before said 40 registered, 28 in person and 5 online") {
				t.Errorf("the page does not show the correction:\n%s", p.Body)
			}
		})

		t.Run("ErasureWithdraws", func(t *testing.T) {
			i := f.s.Door[2]
			rec := names[f.s.Registered[i].Name]
			wantStatus(t, te.do("DELETE", "/api/v1/rsvps/"+f.s.Tokens[i]+"/data", "", nil), http.StatusNoContent)
			wantProblem(t, te.do("GET", "/api/v1/public/contributions/"+rec.ID, "", nil), http.StatusGone, "contribution_withdrawn")
			pc := newPageClient(t, te)
			p := pc.get("/v/" + rec.ID)
			wantPage(t, p, http.StatusGone)
			if strings.Contains(p.text(), rec.PersonName) {
				t.Error("the page of a withdrawn record shows the name")
			}
			wantProblem(t, te.do("GET", "/api/v1/rsvps/"+f.s.Tokens[i]+"/contributions", "", nil), http.StatusGone, "rsvp_erased")
			all, _ := f.groupExport(t, te, "&role=attendee")
			for _, it := range all {
				if it.ID == rec.ID && (!it.Withdrawn || it.PersonName != "" || it.Signature != "" || it.Signed != "") {
					t.Fatalf("the erased attendee's record in the export: %+v", it)
				}
			}
		})
	})
}

func mapsEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestEventPeopleAPI sets and reads an event's people, with bad input.
func TestEventPeopleAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		aID, aTok := te.organiser("Ada")
		bID, _ := te.organiser("Bob")
		gid := te.group(aTok)
		eid, _ := te.event(aTok, gid, 10, false)
		path := "/api/v1/events/" + eid + "/people"

		r := te.do("GET", path, aTok, nil)
		wantStatus(t, r, http.StatusOK)
		m := r.m(t)
		if m["hosts_default"] != true || len(m["hosts"].([]any)) != 1 || m["hosts"].([]any)[0].(map[string]any)["organiser_id"] != aID {
			t.Fatalf("default people: %s", r.Body)
		}
		for _, c := range []struct {
			body  any
			field string
		}{
			{map[string]any{"hosts": []string{bID}}, "hosts[0]"},
			{map[string]any{"hosts": []string{"x"}}, "hosts[0]"},
			{map[string]any{"speakers": []any{map[string]any{"name": "Sam", "email": "not-an-address"}}}, "speakers[0].email"},
			{map[string]any{"speakers": []any{map[string]any{"email": "sam@example.org"}}}, "speakers[0].name"},
			{map[string]any{"volunteers": []any{map[string]any{"name": "Val", "talk_title": "x"}}}, "volunteers.talk_title"},
			{map[string]any{"speakers": []any{map[string]any{"name": "A", "email": "a@example.org"}, map[string]any{"name": "B", "email": "A@example.org"}}}, "speakers[1].email"},
			{map[string]any{"guests": []string{}}, "guests"},
			{map[string]any{"hosts": "everyone"}, "hosts"},
		} {
			p := wantProblem(t, te.do("PUT", path, aTok, c.body), http.StatusUnprocessableEntity, "validation_failed")
			if !problemNames(p["errors"].([]any), c.field) {
				t.Errorf("%v: errors %v, want %s", c.body, p["errors"], c.field)
			}
		}
		wantProblem(t, te.do("PUT", path, aTok, "{"), http.StatusBadRequest, "malformed_request")
		many := make([]any, domain.MaxEventPeople+1)
		for i := range many {
			many[i] = map[string]any{"name": "Volunteer " + strconv.Itoa(i)}
		}
		p := wantProblem(t, te.do("PUT", path, aTok, map[string]any{"volunteers": many}), http.StatusUnprocessableEntity, "validation_failed")
		if !problemNames(p["errors"].([]any), "volunteers") {
			t.Errorf("101 volunteers: %v", p["errors"])
		}

		r = te.do("PUT", path, aTok, map[string]any{"hosts": []string{aID},
			"speakers":   []any{map[string]any{"name": "Sam Speaker", "email": "sam@example.org", "talk_title": "Go"}, map[string]any{"name": "No Address"}},
			"volunteers": []any{map[string]any{"name": "Val", "email": "val@example.org"}}})
		wantStatus(t, r, http.StatusOK)
		m = r.m(t)
		if m["hosts_default"] != false || len(m["speakers"].([]any)) != 2 || len(m["volunteers"].([]any)) != 1 {
			t.Fatalf("people: %s", r.Body)
		}
		r2 := te.do("GET", path, aTok, nil)
		wantStatus(t, r2, http.StatusOK)
		if !bytes.Equal(r.Body, r2.Body) {
			t.Fatalf("PUT answered %s, GET %s", r.Body, r2.Body)
		}
	})
}

// TestContributionsAuthz: organisers who are not members of a group get
// 404 on its people, statistics and exports, as if it did not exist.
func TestContributionsAuthz(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		f := newContribFixture(t, te)
		_, bTok := te.organiser("Mallory")
		secrets := []string{f.s.Group.Name, f.s.Event.Title, "Sam Speaker", "Hugo Host", "Attendee 07"}
		for _, c := range []struct {
			method, path, accept string
			body                 any
			code                 string
		}{
			{"GET", f.evPath + "/people", "", nil, "event_not_found"},
			{"PUT", f.evPath + "/people", "", map[string]any{"speakers": []any{}}, "event_not_found"},
			{"GET", f.evPath + "/stats", "", nil, "event_not_found"},
			{"GET", f.groupPath + "/stats", "", nil, "group_not_found"},
			{"GET", f.groupPath + "/contributions", "", nil, "group_not_found"},
			{"GET", f.groupPath + "/contributions", "text/csv", nil, "group_not_found"},
		} {
			var r response
			if c.accept != "" {
				req, _ := http.NewRequest(c.method, te.srv.URL+c.path, nil)
				req.Header.Set("Authorization", "Bearer "+bTok)
				req.Header.Set("Accept", c.accept)
				r = te.send(req)
			} else {
				r = te.do(c.method, c.path, bTok, c.body)
			}
			wantProblem(t, r, http.StatusNotFound, c.code)
			azNoLeak(t, r, secrets)
			// Without a token: 401.
			wantProblem(t, te.do(c.method, c.path, "", c.body), http.StatusUnauthorized, "missing_token")
		}
		// Bob's own export is empty, and the people are unchanged.
		r := te.do("GET", "/api/v1/me/contributions", bTok, nil)
		wantStatus(t, r, http.StatusOK)
		azNoLeak(t, r, secrets)
		r = te.do("GET", f.evPath+"/people", f.ownerTok, nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), "Sam Speaker") {
			t.Fatalf("people after the refused change: %s", r.Body)
		}
		// Query parameters.
		for _, q := range []string{"role=guest", "from=yesterday", "to=2026-13-01", "limit=0", "cursor=garbage"} {
			wantProblem(t, te.do("GET", f.groupPath+"/contributions?"+q, f.ownerTok, nil), http.StatusUnprocessableEntity, "validation_failed")
		}
	})
}

func TestPrefersCSV(t *testing.T) {
	for accept, want := range map[string]bool{
		"":                                    false,
		"text/csv":                            true,
		"text/csv; charset=utf-8":             true,
		"application/json":                    false,
		"*/*":                                 false,
		"text/csv, application/json;q=0.5":    true,
		"application/json, text/csv;q=0.9":    false,
		"text/*":                              true,
		"text/csv;q=0":                        false,
		"text/html,application/xhtml+xml,*/*": false,
		"bogus;;;":                            false,
	} {
		if got := prefersCSV(accept); got != want {
			t.Errorf("prefersCSV(%q) = %v, want %v", accept, got, want)
		}
	}
}

// TestContributionCSVVerifiesAsExported: every record of a CSV export
// verifies with the published key exactly as exported — signature, signed
// form, id and key id untouched — including records whose base64
// signature starts with "+", which the formula guard used to prefix with
// "'". The event is renamed and its records signed again until the export
// holds such a signature (one in 64 does); free-text cells keep the guard.
func TestContributionCSVVerifiesAsExported(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		f := newContribFixture(t, te)
		keyBody, pub, _ := fetchSigningKey(t, te)
		rename := `UPDATE events SET title = ? WHERE id = ?`
		if db.Dialect() == store.Postgres {
			rename = `UPDATE events SET title = $1 WHERE id = $2`
		}
		plus := 0
		for round := 0; plus == 0; round++ {
			if round == 64 {
				t.Fatal("no signature starting with + in 64 exports of 36 records")
			}
			if round > 0 {
				ctx := context.Background()
				if _, err := db.SQL().ExecContext(ctx, rename, fmt.Sprintf("Go in production, take %d", round+1), f.s.Event.ID); err != nil {
					t.Fatal(err)
				}
				if n, err := db.DeriveContributions(ctx, f.s.Event.ID, te.srv.URL); err != nil || n != 36 {
					t.Fatalf("signed again %d records, %v; want 36", n, err)
				}
			}
			req, _ := http.NewRequest("GET", te.srv.URL+f.groupPath+"/contributions?format=csv", nil)
			req.Header.Set("Authorization", "Bearer "+f.ownerTok)
			r := te.send(req)
			wantStatus(t, r, http.StatusOK)
			rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
			if err != nil || len(rows) != 37 {
				t.Fatalf("%d rows, %v:\n%s", len(rows), err, r.Body)
			}
			col := map[string]int{}
			for i, h := range rows[0] {
				col[h] = i
			}
			for _, row := range rows[1:] {
				sig, signed := row[col["signature"]], row[col["signed"]]
				if !verifies(pub, signed, sig) {
					t.Fatalf("round %d: the record %s does not verify as exported: signature %q", round, row[col["id"]], sig)
				}
				var form map[string]any
				if err := json.Unmarshal([]byte(signed), &form); err != nil || form["id"] != row[col["id"]] ||
					form["key_id"] != row[col["key_id"]] || row[col["key_id"]] != keyBody.KeyID {
					t.Fatalf("round %d: id %q and key_id %q differ from the signed form %s", round, row[col["id"]], row[col["key_id"]], signed)
				}
				if strings.HasPrefix(sig, "+") {
					plus++
				}
				if name := row[col["person_name"]]; name != "" && strings.ContainsRune("=+-@\t\r", rune(name[0])) {
					t.Fatalf("free-text cell %q starts with a formula character", name)
				}
			}
		}
		t.Logf("%d records signed with a leading +", plus)
	})
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"": "", "Ada": "Ada", "a=b": "a=b", "{\"id\":1}": "{\"id\":1}", " =1": " =1",
	} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestExportVerifyRecipe runs docs/contributions.md's verify.sh on a real
// export, withdrawn records and all; a record changed by one byte makes it
// exit non-zero.
func TestExportVerifyRecipe(t *testing.T) {
	script := verifyScript(t)
	te := newTestEnv(t, storetest.Open(t, store.SQLite))
	f := newContribFixture(t, te)
	// One withdrawn record in the export.
	wantStatus(t, te.do("DELETE", "/api/v1/rsvps/"+f.s.Tokens[0]+"/data", "", nil), http.StatusNoContent)
	r := te.do("GET", f.groupPath+"/contributions?limit=200", f.ownerTok, nil)
	wantStatus(t, r, http.StatusOK)
	if out, err := runVerify(t, script, r.Body); err != nil || !strings.Contains(out, "35 of 36 records verified") ||
		!strings.Contains(out, "1 withdrawn, 0 failed") {
		t.Fatalf("verify.sh does not verify the export's 35 standing records: %v\n%s", err, out)
	}
	tampered := bytes.Replace(r.Body, []byte(`\"attended_online\":5`), []byte(`\"attended_online\":6`), 1)
	if bytes.Equal(tampered, r.Body) {
		t.Fatal("nothing to tamper with")
	}
	out, err := runVerify(t, script, tampered)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(out, "the signature does not match") || !strings.Contains(out, "1 failed") {
		t.Fatalf("verify.sh on a tampered record: %v, want exit status 1\n%s", err, out)
	}
}
