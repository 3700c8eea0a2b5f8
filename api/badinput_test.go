package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// Bad input never yields a 5xx, always a problem+json document with the
// right status and code (and, for validation failures, the offending
// field), and never changes what is stored.

// biCase is one bad request.
type biCase struct {
	name    string
	body    any    // string or []byte: sent as is; anything else: JSON-encoded
	ct      string // Content-Type; "" means application/json
	chunked bool   // send without Content-Length
	status  int
	code    string
	field   string // for validation_failed: errors[] must name this field
}

func biInvalid(name string, body any, field string) biCase {
	return biCase{name: name, body: body, status: http.StatusUnprocessableEntity, code: "validation_failed", field: field}
}

func biMalformed(name string, body any) biCase {
	return biCase{name: name, body: body, status: http.StatusBadRequest, code: "malformed_request"}
}

// biEnvelope are the cases every JSON-body route must refuse whatever its
// fields: bodies that are not one JSON object, unknown fields, wrong media
// types and bodies over 64 KiB. valid is a body the route would accept, so
// that the media-type cases fail on the media type alone.
func biEnvelope(valid string) []biCase {
	big := `{"name":"` + strings.Repeat("a", MaxBodyBytes+1024) + `"}`
	return []biCase{
		biMalformed("MalformedJSON", `{"name": `),
		biMalformed("NotJSON", `name=Ada&email=ada@example.org`),
		biMalformed("SingleQuotes", `{'name': 'Ada'}`),
		biMalformed("Array", `[]`),
		biMalformed("ArrayOfObject", `[`+valid+`]`),
		biMalformed("Number", `42`),
		biMalformed("String", `"hello"`),
		biMalformed("Bool", `true`),
		biMalformed("Null", `null`),
		biMalformed("Empty", ``),
		// Form feed is not JSON whitespace (RFC 8259), though Go's
		// bytes.TrimSpace takes it: found by FuzzDecodeUpdateEvent.
		biMalformed("FormFeedBeforeObject", "\f"+valid),
		biMalformed("Whitespace", " \n\t "),
		biMalformed("TwoObjects", valid+` {}`),
		biMalformed("TrailingGarbage", valid+`x`),
		biMalformed("TrailingBracket", valid+`]`),
		biMalformed("DeepNesting", strings.Repeat("[", 20000)),
		biMalformed("DeepNestingInObject", `{"bogus":`+strings.Repeat("[", 20000)),
		// Not JSON is not JSON, whatever its keys: 400, not a field error.
		biMalformed("UnterminatedWithDuplicateKey", strings.TrimSuffix(valid, "}")+`,"zz":1,"zz":2`),
		biMalformed("UnterminatedWithDuplicateKeyNoComma", `{"zz":"","zz"0`),
		biMalformed("UnknownFieldThenGarbage", `{"zz":1} x`),
		biInvalid("UnknownField", `{"bogus": 1}`, "bogus"),
		biInvalid("UnknownFieldWithValidOnes", strings.TrimSuffix(valid, "}")+`,"bogus":true}`, "bogus"),
		biInvalid("DuplicateUnknownKey", `{"zz":1,"zz":2}`, "zz"),
		// An error must name its field: "" names none.
		biInvalid("EmptyKey", `{"":1}`, ""),
		biInvalid("EmptyKeyTwice", `{"":1,"":2}`, ""),
		{name: "TextPlain", ct: "text/plain", body: valid, status: http.StatusUnsupportedMediaType, code: "unsupported_media_type"},
		{name: "FormURLEncoded", ct: "application/x-www-form-urlencoded", body: valid, status: http.StatusUnsupportedMediaType, code: "unsupported_media_type"},
		{name: "XML", ct: "application/xml", body: valid, status: http.StatusUnsupportedMediaType, code: "unsupported_media_type"},
		{name: "BadMediaType", ct: ";;", body: valid, status: http.StatusUnsupportedMediaType, code: "unsupported_media_type"},
		{name: "TooLarge", body: big, status: http.StatusRequestEntityTooLarge, code: "body_too_large"},
		{name: "TooLargeChunked", body: big, chunked: true, status: http.StatusRequestEntityTooLarge, code: "body_too_large"},
	}
}

// biSend sends body as it is with Content-Type ct ("" sends none).
func (te *testEnv) biSend(method, path, token, ct string, body []byte, chunked bool) response {
	te.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, te.srv.URL+path, rd)
	if err != nil {
		te.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if chunked {
		req.ContentLength = -1
	}
	return te.send(req)
}

// biDo sends one case.
func (te *testEnv) biDo(t *testing.T, method, path, token string, c biCase) response {
	t.Helper()
	var b []byte
	switch v := c.body.(type) {
	case nil:
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	ct := c.ct
	if ct == "" {
		ct = "application/json"
	}
	return te.biSend(method, path, token, ct, b, c.chunked)
}

// biCheck asserts the answer to a case.
func biCheck(t *testing.T, r response, c biCase) {
	t.Helper()
	m := wantProblem(t, r, c.status, c.code)
	if m["status"] != float64(c.status) {
		t.Fatalf("problem status %v, want %d: %s", m["status"], c.status, r.Body)
	}
	if d, _ := m["detail"].(string); d == "" {
		t.Fatalf("problem without detail: %s", r.Body)
	}
	if c.code == "validation_failed" {
		errs, _ := m["errors"].([]any)
		if len(errs) == 0 {
			t.Fatalf("validation_failed without errors[]: %s", r.Body)
		}
		if c.field != "" && !problemNames(errs, c.field) {
			t.Fatalf("errors[] does not name %q: %s", c.field, r.Body)
		}
		for _, e := range errs {
			f, _ := e.(map[string]any)["field"].(string)
			msg, _ := e.(map[string]any)["message"].(string)
			if f == "" || msg == "" {
				t.Fatalf("errors[] has an entry without a field name or message: %s", r.Body)
			}
		}
	}
}

// problemNames reports whether errors[] has an entry for field (or for a
// field nested as "x.field").
func problemNames(errs []any, field string) bool {
	for _, e := range errs {
		f, _ := e.(map[string]any)["field"].(string)
		if f == field || strings.HasSuffix(f, "."+field) {
			if msg, _ := e.(map[string]any)["message"].(string); msg != "" {
				return true
			}
		}
	}
	return false
}

// biObj copies base and applies key/value pairs; a biDrop value deletes the
// key.
func biObj(base map[string]any, kv ...any) map[string]any {
	m := make(map[string]any, len(base)+len(kv)/2)
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == biDrop {
			delete(m, kv[i].(string))
			continue
		}
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

type biDropT struct{}

var biDrop = biDropT{}

// biGet GETs path and returns the decoded object.
func (te *testEnv) biGet(t *testing.T, path, token string) map[string]any {
	t.Helper()
	r := te.do("GET", path, token, nil)
	wantStatus(t, r, http.StatusOK)
	return r.m(t)
}

// biUnchanged runs bad PATCH (or other) cases against path and, after each,
// GETs getPath and asserts that nothing stored changed. When something did
// change, restore (if not nil) puts it back so that one failure does not
// spoil the cases after it.
func (te *testEnv) biUnchanged(t *testing.T, method, path, getPath, token string, cases []biCase, restore func(t *testing.T, before map[string]any)) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := te.biGet(t, getPath, token)
			r := te.biDo(t, method, path, token, c)
			after := te.biGet(t, getPath, token)
			if !reflect.DeepEqual(before, after) {
				t.Errorf("a refused request changed the stored object:\nbefore %v\nafter  %v", before, after)
				if restore != nil {
					restore(t, before)
				}
			}
			biCheck(t, r, c)
		})
	}
}

// biRestore returns a restore function for biUnchanged that PATCHes path
// with the given fields of the object as it was.
func (te *testEnv) biRestore(path, token string, fields ...string) func(t *testing.T, before map[string]any) {
	return func(t *testing.T, before map[string]any) {
		t.Helper()
		body := map[string]any{}
		for _, f := range fields {
			body[f] = before[f]
		}
		if r := te.do("PATCH", path, token, body); r.Status != http.StatusOK {
			t.Errorf("could not restore %s: %d %s", path, r.Status, r.Body)
		}
	}
}

var (
	biGroupFields = []string{"slug", "name", "description", "time_zone", "contact_email"}
	biEventFields = []string{"title", "description", "kind", "starts_at", "ends_at", "time_zone", "venue", "online_url",
		"capacity", "waitlist", "slug", "rsvp_opens_at", "rsvp_closes_at"}
)

// Strings with characters that must never be stored in one-line fields.
var biControlLines = map[string]string{
	"CR": "Ada\rLovelace", "LF": "Ada\nLovelace", "NUL": "Ada\x00Lovelace", "ESC": "Ada\x1b[31mLovelace",
	"TAB": "Ada\tLovelace", "DEL": "Ada\x7fLovelace", "C1NEL": "Ada\u0085Lovelace", "LineSeparator": "Ada\u2028Lovelace",
}

// Addresses that are not one plain e-mail address.
var biBadEmails = map[string]string{
	"NotAnEmail":     "not-an-email",
	"TwoAts":         "a@b@c",
	"DisplayName":    `"Ada" <ada@example.org>`,
	"AngleBrackets":  "<ada@example.org>",
	"TrailingCRLF":   "ada@example.org\r\n",
	"HeaderInjected": "ada@example.org\r\nBcc: eve@example.org",
	"LF":             "ada@exam\nple.org",
	"NUL":            "ada@exam\x00ple.org",
	"Space":          "ada lovelace@example.org",
	"NoLocalPart":    "@example.org",
	"NoDomain":       "ada@",
	"TrailingDot":    "ada@example.org.",
	"TwoAddresses":   "ada@example.org, eve@example.org",
	"TooLong":        strings.Repeat("a", 250) + "@example.org",
}

func TestBadInputTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		cases := biEnvelope(`{"name":"ci"}`)
		cases = append(cases,
			biInvalid("NameMissing", `{}`, "name"),
			biInvalid("NameBlank", `{"name":"   "}`, "name"),
			biInvalid("NameNumber", `{"name":5}`, "name"),
			biInvalid("NameObject", `{"name":{"a":1}}`, "name"),
			biInvalid("NameTooLong", map[string]any{"name": strings.Repeat("n", domain.MaxNameLen+1)}, "name"),
			biInvalid("ExpiresNumber", `{"name":"ci","expires_at":1767225600}`, "expires_at"),
			biInvalid("ExpiresNotATime", `{"name":"ci","expires_at":"tomorrow"}`, "expires_at"),
			biInvalid("ExpiresNoOffset", `{"name":"ci","expires_at":"2099-12-03T18:00:00"}`, "expires_at"),
			biInvalid("ExpiresDateOnly", `{"name":"ci","expires_at":"2099-12-03"}`, "expires_at"),
			biInvalid("ExpiresInPast", `{"name":"ci","expires_at":"2020-01-01T00:00:00Z"}`, "expires_at"),
			// The zero time is a time in the past like any other: it must not
			// turn into "never expires".
			biInvalid("ExpiresYearOne", `{"name":"ci","expires_at":"0001-01-01T00:00:00Z"}`, "expires_at"),
		)
		for name, s := range biControlLines {
			cases = append(cases, biInvalid("Name"+name, map[string]any{"name": s}, "name"))
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { biCheck(t, te.biDo(t, "POST", "/api/v1/tokens", tok, c), c) })
		}
		// Nothing was stored: the harness's token is still the only one.
		if items := listAll(t, te, tok, "/api/v1/tokens?limit=200"); len(items) != 1 {
			t.Fatalf("refused requests created tokens: %v", items)
		}
	})
}

func TestBadInputGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		other := te.biGet(t, "/api/v1/groups/"+te.group(tok), tok)

		// Field cases, each as the partial object that sets the field.
		fields := []struct {
			name  string
			key   string
			value any
		}{
			{"SlugSpace", "slug", "Has Space"},
			{"SlugUpper", "slug", "UPPER"},
			{"SlugLeadingHyphen", "slug", "-x"},
			{"SlugTrailingHyphen", "slug", "x-"},
			{"SlugDoubleHyphen", "slug", "a--b"},
			{"SlugEmpty", "slug", ""},
			{"SlugTooLong", "slug", strings.Repeat("a", domain.MaxSlugLen+1)},
			{"SlugUnicode", "slug", "møte"},
			{"SlugNumber", "slug", 5},
			{"NameEmpty", "name", ""},
			{"NameBlank", "name", "   "},
			{"NameTooLong", "name", strings.Repeat("n", domain.MaxNameLen+1)},
			{"NameNumber", "name", 5},
			{"NameList", "name", []string{"a"}},
			{"DescriptionNUL", "description", "line one\x00"},
			{"DescriptionESC", "description", "line \x1b[2J one"},
			{"DescriptionTooLong", "description", strings.Repeat("d", domain.MaxDescriptionLen+1)},
			{"TimeZoneUnknown", "time_zone", "Mars/Olympus_Mons"},
			{"TimeZoneLocal", "time_zone", "Local"},
			{"TimeZoneEmpty", "time_zone", ""},
			{"TimeZonePath", "time_zone", "../../../etc/passwd"},
			{"TimeZoneNewline", "time_zone", "Europe/Oslo\n"},
			{"TimeZoneNumber", "time_zone", 1},
			{"ContactEmailObject", "contact_email", map[string]any{"address": "ada@example.org"}},
		}
		for name, s := range biControlLines {
			fields = append(fields, struct {
				name  string
				key   string
				value any
			}{"Name" + name, "name", s})
		}
		for name, s := range biBadEmails {
			fields = append(fields, struct {
				name  string
				key   string
				value any
			}{"ContactEmail" + name, "contact_email", s})
		}

		t.Run("Create", func(t *testing.T) {
			base := map[string]any{"slug": "g-" + storetest.Unique(), "name": "Valid Group", "time_zone": "Europe/Oslo"}
			valid, _ := json.Marshal(base)
			cases := biEnvelope(string(valid))
			for _, f := range fields {
				cases = append(cases, biInvalid(f.name, biObj(base, f.key, f.value), f.key))
			}
			cases = append(cases,
				biInvalid("SlugMissing", biObj(base, "slug", biDrop), "slug"),
				biInvalid("NameMissing", biObj(base, "name", biDrop), "name"),
				biInvalid("TimeZoneMissing", biObj(base, "time_zone", biDrop), "time_zone"),
				biCase{name: "SlugTaken", body: biObj(base, "slug", other["slug"]), status: http.StatusConflict, code: "slug_taken", field: "slug"},
			)
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) { biCheck(t, te.biDo(t, "POST", "/api/v1/groups", tok, c), c) })
			}
			if items := listAll(t, te, tok, "/api/v1/groups?limit=200"); len(items) != 2 {
				t.Fatalf("refused requests created groups: %d groups", len(items))
			}
		})

		t.Run("Update", func(t *testing.T) {
			cases := biEnvelope(`{"name":"Renamed Group"}`)
			for _, f := range fields {
				cases = append(cases, biInvalid(f.name, map[string]any{f.key: f.value}, f.key))
			}
			cases = append(cases,
				// One bad field spoils the whole change: the good one is not saved.
				biInvalid("GoodAndBadField", map[string]any{"name": "Renamed", "time_zone": "Local"}, "time_zone"),
				biInvalid("SlugNull", `{"slug":null}`, "slug"),
				biInvalid("NameNull", `{"name":null}`, "name"),
				biInvalid("TimeZoneNull", `{"time_zone":null}`, "time_zone"),
				biInvalid("DuplicateKey", `{"name":"Renamed","name":"Renamed again"}`, "name"),
				biInvalid("CaseVariantKey", `{"NAME":"Renamed"}`, "NAME"),
				biCase{name: "SlugTaken", body: map[string]any{"slug": other["slug"]}, status: http.StatusConflict, code: "slug_taken", field: "slug"},
			)
			te.biUnchanged(t, "PATCH", "/api/v1/groups/"+gid, "/api/v1/groups/"+gid, tok, cases,
				te.biRestore("/api/v1/groups/"+gid, tok, biGroupFields...))
		})
	})
}

func TestBadInputMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		base := map[string]any{"email": "member-" + storetest.Unique() + "@example.org", "name": "Grace", "role": "organiser"}
		valid, _ := json.Marshal(base)
		cases := biEnvelope(string(valid))
		cases = append(cases,
			biInvalid("RoleAdmin", biObj(base, "role", "admin"), "role"),
			biInvalid("RoleUpper", biObj(base, "role", "OWNER"), "role"),
			biInvalid("RoleEmpty", biObj(base, "role", ""), "role"),
			biInvalid("RoleMissing", biObj(base, "role", biDrop), "role"),
			biInvalid("RoleNumber", biObj(base, "role", 1), "role"),
			biInvalid("RoleList", biObj(base, "role", []string{"owner"}), "role"),
			biInvalid("EmailMissing", biObj(base, "email", biDrop), "email"),
			biInvalid("EmailObject", biObj(base, "email", map[string]any{"a": 1}), "email"),
			biInvalid("NameTooLong", biObj(base, "name", strings.Repeat("n", domain.MaxNameLen+1)), "name"),
		)
		for name, s := range biBadEmails {
			cases = append(cases, biInvalid("Email"+name, biObj(base, "email", s), "email"))
		}
		for name, s := range biControlLines {
			cases = append(cases, biInvalid("Name"+name, biObj(base, "name", s), "name"))
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { biCheck(t, te.biDo(t, "POST", "/api/v1/groups/"+gid+"/members", tok, c), c) })
		}
		if items := listAll(t, te, tok, "/api/v1/groups/"+gid+"/members?limit=200"); len(items) != 1 {
			t.Fatalf("refused requests added members: %v", items)
		}
		t.Run("RemoveUnknown", func(t *testing.T) {
			wantProblem(t, te.do("DELETE", "/api/v1/groups/"+gid+"/members/"+domain.NewID(), tok, nil), http.StatusNotFound, "member_not_found")
			wantProblem(t, te.do("DELETE", "/api/v1/groups/"+gid+"/members/not-an-id", tok, nil), http.StatusNotFound, "member_not_found")
		})
	})
}

// biEventBase is a valid create-event body starting a week ahead.
func biEventBase(te *testEnv) (map[string]any, time.Time) {
	start := te.now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Minute)
	return map[string]any{
		"title": "Valid Event", "kind": "meetup", "slug": "ev-" + storetest.Unique(),
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
		"venue": map[string]any{"name": "Community Hall", "address": "Storgata 1"}, "capacity": 10,
	}, start
}

func TestBadInputCreateEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		_, takenSlug := te.event(tok, gid, nil, false)
		base, start := biEventBase(te)
		rfc := func(d time.Duration) string { return start.Add(d).Format(time.RFC3339) }
		live := biObj(base, "kind", "live_session", "venue", biDrop, "online_url", "https://meet.example.org/room")
		valid, _ := json.Marshal(base)

		cases := biEnvelope(string(valid))
		cases = append(cases,
			biInvalid("TitleMissing", biObj(base, "title", biDrop), "title"),
			biInvalid("TitleBlank", biObj(base, "title", "  \t "), "title"),
			biInvalid("TitleNumber", biObj(base, "title", 42), "title"),
			biInvalid("TitleTooLong", biObj(base, "title", strings.Repeat("t", domain.MaxTitleLen+1)), "title"),
			biInvalid("DescriptionNUL", biObj(base, "description", "a\x00b"), "description"),
			biInvalid("DescriptionTooLong", biObj(base, "description", strings.Repeat("d", domain.MaxDescriptionLen+1)), "description"),
			biInvalid("KindMissing", biObj(base, "kind", biDrop), "kind"),
			biInvalid("KindUnknown", biObj(base, "kind", "webinar"), "kind"),
			biInvalid("KindNumber", biObj(base, "kind", 1), "kind"),
			biInvalid("StartsMissing", biObj(base, "starts_at", biDrop), "starts_at"),
			biInvalid("StartsNotATime", biObj(base, "starts_at", "next tuesday"), "starts_at"),
			biInvalid("StartsMonth13", biObj(base, "starts_at", "2099-13-01T18:00:00Z"), "starts_at"),
			biInvalid("StartsSpaceNotT", biObj(base, "starts_at", start.Format("2006-01-02 15:04:05Z07:00")), "starts_at"),
			biInvalid("StartsNoOffset", biObj(base, "starts_at", start.Format("2006-01-02T15:04:05")), "starts_at"),
			biInvalid("StartsUnixNumber", biObj(base, "starts_at", start.Unix()), "starts_at"),
			biInvalid("StartsYear1999", biObj(base, "starts_at", "1999-12-01T18:00:00Z", "ends_at", "1999-12-01T20:00:00Z"), "starts_at"),
			biInvalid("EndsMissing", biObj(base, "ends_at", biDrop), "ends_at"),
			biInvalid("EndsNotATime", biObj(base, "ends_at", "later"), "ends_at"),
			biInvalid("EndsBeforeStarts", biObj(base, "ends_at", rfc(-time.Hour)), "ends_at"),
			biInvalid("EndsEqualsStarts", biObj(base, "ends_at", rfc(0)), "ends_at"),
			biInvalid("LongerThan31Days", biObj(base, "ends_at", rfc(32*24*time.Hour)), "ends_at"),
			biInvalid("TimeZoneUnknown", biObj(base, "time_zone", "Mars/Olympus_Mons"), "time_zone"),
			biInvalid("TimeZoneLocal", biObj(base, "time_zone", "Local"), "time_zone"),
			biInvalid("TimeZoneNumber", biObj(base, "time_zone", 2), "time_zone"),
			biInvalid("MeetupWithoutVenue", biObj(base, "venue", biDrop), "venue"),
			biInvalid("MeetupNullVenue", biObj(base, "venue", nil), "venue"),
			biInvalid("VenueString", biObj(base, "venue", "Community Hall"), "venue"),
			biInvalid("VenueNameBlank", biObj(base, "venue", map[string]any{"name": " "}), "venue.name"),
			biInvalid("VenueNameNumber", biObj(base, "venue", map[string]any{"name": 5}), "venue.name"),
			biInvalid("VenueNameLF", biObj(base, "venue", map[string]any{"name": "Hall\nB"}), "venue.name"),
			biInvalid("VenueAddressNUL", biObj(base, "venue", map[string]any{"name": "Hall", "address": "Storgata\x001"}), "venue.address"),
			biInvalid("VenueUnknownField", biObj(base, "venue", map[string]any{"name": "Hall", "floor": 3}), "floor"),
			biInvalid("LiveSessionWithoutURL", biObj(live, "online_url", biDrop), "online_url"),
			biInvalid("OnlineURLJavascript", biObj(live, "online_url", "javascript:alert(1)"), "online_url"),
			biInvalid("OnlineURLFTP", biObj(live, "online_url", "ftp://example.org/room"), "online_url"),
			biInvalid("OnlineURLRelative", biObj(live, "online_url", "meet.example.org/room"), "online_url"),
			biInvalid("OnlineURLNoHost", biObj(live, "online_url", "https://"), "online_url"),
			biInvalid("OnlineURLSpace", biObj(live, "online_url", "https://meet.example.org/a room"), "online_url"),
			biInvalid("OnlineURLNUL", biObj(live, "online_url", "https://meet.example.org/\x00"), "online_url"),
			biInvalid("OnlineURLTooLong", biObj(live, "online_url", "https://meet.example.org/"+strings.Repeat("r", domain.MaxURLLen)), "online_url"),
			biInvalid("CapacityZero", biObj(base, "capacity", 0), "capacity"),
			biInvalid("CapacityNegative", biObj(base, "capacity", -1), "capacity"),
			biInvalid("CapacityTooLarge", biObj(base, "capacity", domain.MaxCapacity+1), "capacity"),
			biInvalid("CapacityString", biObj(base, "capacity", "10"), "capacity"),
			biInvalid("CapacityFloat", biObj(base, "capacity", 1.5), "capacity"),
			biInvalid("CapacityBool", biObj(base, "capacity", true), "capacity"),
			biInvalid("CapacityHuge", strings.Replace(string(valid), `"capacity":10`, `"capacity":99999999999999999999999`, 1), "capacity"),
			biInvalid("CapacityExponent", strings.Replace(string(valid), `"capacity":10`, `"capacity":1e400`, 1), "capacity"),
			biInvalid("WaitlistString", biObj(base, "waitlist", "yes"), "waitlist"),
			biInvalid("SlugSpace", biObj(base, "slug", "Has Space"), "slug"),
			biInvalid("SlugUpper", biObj(base, "slug", "UPPER"), "slug"),
			biInvalid("SlugLeadingHyphen", biObj(base, "slug", "-x"), "slug"),
			biInvalid("SlugTooLong", biObj(base, "slug", strings.Repeat("s", domain.MaxSlugLen+1)), "slug"),
			biInvalid("RSVPOpensNotATime", biObj(base, "rsvp_opens_at", "soon"), "rsvp_opens_at"),
			biInvalid("RSVPClosesNotATime", biObj(base, "rsvp_closes_at", 5), "rsvp_closes_at"),
			biInvalid("RSVPOpensAfterEnd", biObj(base, "rsvp_opens_at", rfc(3*time.Hour)), "rsvp_opens_at"),
			biInvalid("RSVPClosesBeforeOpens", biObj(base, "rsvp_opens_at", rfc(-48*time.Hour), "rsvp_closes_at", rfc(-72*time.Hour)), "rsvp_closes_at"),
			biCase{name: "SlugTaken", body: biObj(base, "slug", takenSlug), status: http.StatusConflict, code: "slug_taken", field: "slug"},
		)
		for name, s := range biControlLines {
			cases = append(cases, biInvalid("Title"+name, biObj(base, "title", s), "title"))
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { biCheck(t, te.biDo(t, "POST", "/api/v1/groups/"+gid+"/events", tok, c), c) })
		}
		if items := listAll(t, te, tok, "/api/v1/groups/"+gid+"/events?limit=200"); len(items) != 1 {
			t.Fatalf("refused requests created events: %d events", len(items))
		}
	})
}

func TestBadInputUpdateEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		eid, slug := te.event(tok, gid, 3, true)
		_, otherSlug := te.event(tok, gid, nil, false)
		for _, who := range []string{"grace", "linus"} {
			wantStatus(t, te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": who, "email": who + "@example.org"}), http.StatusCreated)
		}
		ev := te.biGet(t, "/api/v1/events/"+eid, tok)
		start, _ := time.Parse(time.RFC3339, ev["starts_at"].(string))
		rfc := func(d time.Duration) string { return start.Add(d).Format(time.RFC3339) }

		cases := biEnvelope(`{"title":"Renamed"}`)
		cases = append(cases,
			biInvalid("TitleNull", `{"title":null}`, "title"),
			biInvalid("TitleEmpty", `{"title":""}`, "title"),
			biInvalid("TitleBlank", `{"title":"   "}`, "title"),
			biInvalid("TitleNumber", `{"title":5}`, "title"),
			biInvalid("TitleTooLong", map[string]any{"title": strings.Repeat("t", domain.MaxTitleLen+1)}, "title"),
			biInvalid("DescriptionNUL", map[string]any{"description": "a\x00b"}, "description"),
			biInvalid("KindNull", `{"kind":null}`, "kind"),
			biInvalid("KindUnknown", `{"kind":"webinar"}`, "kind"),
			biInvalid("KindLiveWithoutURL", `{"kind":"live_session"}`, "online_url"),
			biInvalid("StartsNull", `{"starts_at":null}`, "starts_at"),
			biInvalid("StartsEmpty", `{"starts_at":""}`, "starts_at"),
			biInvalid("StartsNotATime", `{"starts_at":"garbage"}`, "starts_at"),
			biInvalid("StartsNumber", `{"starts_at":1767225600}`, "starts_at"),
			biInvalid("StartsAfterEnds", map[string]any{"starts_at": rfc(3 * time.Hour)}, "ends_at"),
			biInvalid("StartsYearOne", `{"starts_at":"0001-01-01T00:00:00Z"}`, "starts_at"),
			biInvalid("EndsNull", `{"ends_at":null}`, "ends_at"),
			biInvalid("EndsBeforeStarts", map[string]any{"ends_at": rfc(-time.Hour)}, "ends_at"),
			biInvalid("EndsTooLate", map[string]any{"ends_at": rfc(40 * 24 * time.Hour)}, "ends_at"),
			biInvalid("TimeZoneNull", `{"time_zone":null}`, "time_zone"),
			biInvalid("TimeZoneEmpty", `{"time_zone":""}`, "time_zone"),
			biInvalid("TimeZoneLocal", `{"time_zone":"Local"}`, "time_zone"),
			biInvalid("TimeZoneUnknown", `{"time_zone":"Mars/Olympus_Mons"}`, "time_zone"),
			biInvalid("VenueNullOnMeetup", `{"venue":null}`, "venue"),
			biInvalid("VenueString", `{"venue":"Hall"}`, "venue"),
			biInvalid("VenueNameBlank", `{"venue":{"name":""}}`, "venue.name"),
			biInvalid("VenueNameCR", `{"venue":{"name":"Hall\rB"}}`, "venue.name"),
			biInvalid("VenueNameNumber", `{"venue":{"name":5}}`, "venue.name"),
			biInvalid("VenueDuplicateKey", `{"venue":{"name":"Community Hall","name":"Other Hall"}}`, "venue.name"),
			biInvalid("VenueCaseVariantKey", `{"venue":{"Name":"Other Hall"}}`, "Name"),
			biInvalid("DuplicateKey", `{"capacity":null,"capacity":5}`, "capacity"),
			biInvalid("CaseVariantKey", `{"Capacity":5}`, "Capacity"),
			// Unknown fields are refused at the top level; they must be
			// refused inside the venue object too (as on create).
			biInvalid("VenueUnknownField", `{"venue":{"name":"Community Hall","address":"Storgata 1, Oslo","floor":3}}`, "floor"),
			biInvalid("OnlineURLJavascript", `{"online_url":"javascript:alert(1)"}`, "online_url"),
			biInvalid("CapacityZero", `{"capacity":0}`, "capacity"),
			biInvalid("CapacityNegative", `{"capacity":-5}`, "capacity"),
			biInvalid("CapacityString", `{"capacity":"10"}`, "capacity"),
			biInvalid("CapacityFloat", `{"capacity":2.5}`, "capacity"),
			biInvalid("CapacityHuge", `{"capacity":1e400}`, "capacity"),
			biInvalid("WaitlistNull", `{"waitlist":null}`, "waitlist"),
			biInvalid("WaitlistString", `{"waitlist":"no"}`, "waitlist"),
			biInvalid("SlugNull", `{"slug":null}`, "slug"),
			biInvalid("SlugSpace", `{"slug":"Has Space"}`, "slug"),
			biInvalid("SlugUpper", `{"slug":"UPPER"}`, "slug"),
			biInvalid("SlugLeadingHyphen", `{"slug":"-x"}`, "slug"),
			// An event always has a slug: its public address.
			biInvalid("SlugEmpty", `{"slug":""}`, "slug"),
			biInvalid("RSVPOpensNotATime", `{"rsvp_opens_at":"soon"}`, "rsvp_opens_at"),
			biInvalid("RSVPClosesNotATime", `{"rsvp_closes_at":"later"}`, "rsvp_closes_at"),
			biInvalid("GoodAndBadField", `{"title":"Renamed","capacity":0}`, "capacity"),
			// Two people are going: capacity 1 is a conflict, not a change.
			biCase{name: "CapacityBelowGoing", body: `{"capacity":1,"title":"Renamed"}`, status: http.StatusConflict, code: "capacity_below_going", field: "capacity"},
			biCase{name: "SlugTaken", body: map[string]any{"slug": otherSlug}, status: http.StatusConflict, code: "slug_taken", field: "slug"},
		)
		for name, s := range biControlLines {
			cases = append(cases, biInvalid("Title"+name, map[string]any{"title": s}, "title"))
		}
		te.biUnchanged(t, "PATCH", "/api/v1/events/"+eid, "/api/v1/events/"+eid, tok, cases,
			te.biRestore("/api/v1/events/"+eid, tok, biEventFields...))
	})
}

func TestBadInputEventLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)

		t.Run("PublishInPast", func(t *testing.T) {
			start := te.now().Add(-48 * time.Hour).UTC().Truncate(time.Minute)
			r := te.do("POST", "/api/v1/groups/"+gid+"/events", tok, map[string]any{
				"title": "Yesterday's news", "kind": "meetup", "venue": map[string]any{"name": "Hall"}, "slug": "past-" + storetest.Unique(),
				"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339),
			})
			wantStatus(t, r, http.StatusCreated) // drafts may be in the past
			id := r.m(t)["id"].(string)
			te.biUnchanged(t, "POST", "/api/v1/events/"+id+"/publish", "/api/v1/events/"+id, tok, []biCase{
				{name: "Publish", body: "", status: http.StatusUnprocessableEntity, code: "event_in_past", field: "starts_at"},
			}, nil)
			if st := te.biGet(t, "/api/v1/events/"+id, tok)["status"]; st != "draft" {
				t.Fatalf("status %v after refused publish", st)
			}
		})

		t.Run("PublishStarted", func(t *testing.T) {
			// Started a minute ago, still running: already started.
			start := te.now().Add(-time.Minute).UTC().Truncate(time.Second)
			r := te.do("POST", "/api/v1/groups/"+gid+"/events", tok, map[string]any{
				"title": "Running", "kind": "meetup", "venue": map[string]any{"name": "Hall"}, "slug": "running-" + storetest.Unique(),
				"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339),
			})
			wantStatus(t, r, http.StatusCreated)
			wantProblem(t, te.do("POST", "/api/v1/events/"+r.m(t)["id"].(string)+"/publish", tok, nil), http.StatusUnprocessableEntity, "event_in_past")
		})

		eid, slug := te.event(tok, gid, 5, true)
		wantStatus(t, te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Grace", "email": "grace@example.org"}), http.StatusCreated)

		t.Run("DeletePublished", func(t *testing.T) {
			te.biUnchanged(t, "DELETE", "/api/v1/events/"+eid, "/api/v1/events/"+eid, tok, []biCase{
				{name: "Delete", status: http.StatusConflict, code: "event_not_draft"},
			}, nil)
			if items := listAll(t, te, tok, "/api/v1/events/"+eid+"/rsvps?limit=200"); len(items) != 1 {
				t.Fatalf("RSVPs after refused delete: %v", items)
			}
		})

		t.Run("CancelBadBody", func(t *testing.T) {
			cases := biEnvelope(`{"reason":"Venue flooded"}`)
			// An empty body is allowed here: it cancels without a reason. A
			// null body is tried on its own event (CancelNullBody): if it
			// were taken, it would cancel this one.
			kept := cases[:0]
			for _, c := range cases {
				if c.name != "Empty" && c.name != "Whitespace" && c.name != "Null" {
					kept = append(kept, c)
				}
			}
			cases = append(kept,
				biCase{name: "TextPlainReason", ct: "text/plain", body: "Venue flooded", status: http.StatusUnsupportedMediaType, code: "unsupported_media_type"},
				biCase{name: "FormReason", ct: "application/x-www-form-urlencoded", body: "reason=Venue+flooded", status: http.StatusUnsupportedMediaType, code: "unsupported_media_type"},
				biMalformed("PlainTextAsJSON", "Venue flooded"),
				biInvalid("ReasonNumber", `{"reason":5}`, "reason"),
				biInvalid("ReasonNUL", map[string]any{"reason": "Venue\x00flooded"}, "reason"),
				biInvalid("ReasonESC", map[string]any{"reason": "Venue\x1b[2Jflooded"}, "reason"),
				biInvalid("ReasonTooLong", map[string]any{"reason": strings.Repeat("r", domain.MaxReasonLen+1)}, "reason"),
			)
			te.biUnchanged(t, "POST", "/api/v1/events/"+eid+"/cancel", "/api/v1/events/"+eid, tok, cases, nil)
			if m := te.biGet(t, "/api/v1/events/"+eid, tok); m["status"] != "published" || m["going_count"] != 1.0 {
				t.Fatalf("event after refused cancels: %v", m)
			}
		})

		t.Run("CancelNullBody", func(t *testing.T) {
			id, _ := te.event(tok, gid, nil, true)
			te.biUnchanged(t, "POST", "/api/v1/events/"+id+"/cancel", "/api/v1/events/"+id, tok, []biCase{biMalformed("Null", "null")}, nil)
		})

		t.Run("CancelDraft", func(t *testing.T) {
			id, _ := te.event(tok, gid, nil, false)
			wantProblem(t, te.do("POST", "/api/v1/events/"+id+"/cancel", tok, nil), http.StatusConflict, "event_not_published")
		})

		t.Run("CancelWithoutBody", func(t *testing.T) {
			// No body and no Content-Type: cancelled without a reason.
			r := te.biSend("POST", "/api/v1/events/"+eid+"/cancel", tok, "", nil, false)
			wantStatus(t, r, http.StatusOK)
			if m := r.m(t); m["status"] != "cancelled" || m["cancel_reason"] != "" {
				t.Fatalf("cancel without body: %s", r.Body)
			}
			wantProblem(t, te.do("PATCH", "/api/v1/events/"+eid, tok, map[string]any{"title": "Renamed"}), http.StatusConflict, "event_cancelled")
			wantProblem(t, te.do("POST", "/api/v1/events/"+eid+"/publish", tok, nil), http.StatusConflict, "event_cancelled")
		})
	})
}

func TestBadInputListQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		te.group(tok)
		eid, slug := te.event(tok, gid, nil, true)
		te.event(tok, gid, nil, false)
		wantStatus(t, te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Grace", "email": "grace@example.org"}), http.StatusCreated)
		groups := te.biGet(t, "/api/v1/groups?limit=1", tok)
		groupCursor, _ := groups["next_cursor"].(string)
		if groupCursor == "" {
			t.Fatalf("two groups, limit 1: no next_cursor: %v", groups)
		}

		lists := map[string]string{
			"Groups": "/api/v1/groups", "Tokens": "/api/v1/tokens", "Members": "/api/v1/groups/" + gid + "/members",
			"Events": "/api/v1/groups/" + gid + "/events", "RSVPs": "/api/v1/events/" + eid + "/rsvps",
		}
		bad := []struct{ name, query, field string }{
			{"LimitZero", "limit=0", "limit"},
			{"LimitNegative", "limit=-1", "limit"},
			{"LimitOverMax", "limit=201", "limit"},
			{"LimitWord", "limit=abc", "limit"},
			{"LimitFloat", "limit=1.5", "limit"},
			{"LimitHuge", "limit=99999999999999999999", "limit"},
			{"CursorNotBase64", "cursor=" + url.QueryEscape("!!!"), "cursor"},
			{"CursorBase64Garbage", "cursor=Zm9vYmFy", "cursor"},
			{"CursorShort", "cursor=AA", "cursor"},
			{"CursorSQL", "cursor=" + url.QueryEscape("' OR 1=1 --"), "cursor"},
		}
		for name, path := range lists {
			t.Run(name, func(t *testing.T) {
				for _, b := range bad {
					t.Run(b.name, func(t *testing.T) {
						biCheck(t, te.do("GET", path+"?"+b.query, tok, nil), biInvalid(b.name, nil, b.field))
					})
				}
				// The bounds themselves are fine.
				wantStatus(t, te.do("GET", path+"?limit=1", tok, nil), http.StatusOK)
				wantStatus(t, te.do("GET", path+"?limit=200", tok, nil), http.StatusOK)
			})
		}
		events := lists["Events"]
		for _, b := range []struct{ name, query, field string }{
			{"StatusUnknown", "status=archived", "status"},
			{"StatusUpper", "status=DRAFT", "status"},
			{"FromNotATime", "from=yesterday", "from"},
			{"FromDateOnly", "from=2026-12-03", "from"},
			{"ToNotATime", "to=later", "to"},
			{"CursorOfAnotherList", "cursor=" + groupCursor, "cursor"},
		} {
			t.Run("Events"+b.name, func(t *testing.T) {
				biCheck(t, te.do("GET", events+"?"+b.query, tok, nil), biInvalid(b.name, nil, b.field))
			})
		}
		t.Run("RSVPsStatusUnknown", func(t *testing.T) {
			biCheck(t, te.do("GET", lists["RSVPs"]+"?status=maybe", tok, nil), biInvalid("", nil, "status"))
		})
		// Good filters still work.
		if m := te.biGet(t, events+"?status=published&from="+url.QueryEscape(te.now().UTC().Format(time.RFC3339)), tok); len(m["items"].([]any)) != 1 {
			t.Fatalf("published events from now: %v", m)
		}
	})
}

func TestBadInputPublicRSVP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		eid, slug := te.event(tok, gid, 10, true)
		_, draftSlug := te.event(tok, gid, 10, false)
		path := "/api/v1/public/events/" + slug + "/rsvps"
		base := map[string]any{"name": "Grace Hopper", "email": "grace@example.org"}

		cases := biEnvelope(`{"name":"Grace Hopper","email":"grace@example.org"}`)
		cases = append(cases,
			biInvalid("NameMissing", biObj(base, "name", biDrop), "name"),
			biInvalid("NameEmpty", biObj(base, "name", ""), "name"),
			biInvalid("NameBlank", biObj(base, "name", " \u00a0 "), "name"),
			biInvalid("NameNumber", biObj(base, "name", 5), "name"),
			biInvalid("NameNull", biObj(base, "name", nil), "name"),
			biInvalid("NameTooLong", biObj(base, "name", strings.Repeat("n", domain.MaxPersonNameLen+1)), "name"),
			biInvalid("NameWithLink", biObj(base, "name", "Grace. URGENT: pay at https://evil.example/pay"), "name"),
			biInvalid("NameWithBareLink", biObj(base, "name", "Grace evil.example/pay"), "name"),
			biInvalid("NameWithAddress", biObj(base, "name", "Grace pay@evil.example"), "name"),
			biInvalid("EmailMissing", biObj(base, "email", biDrop), "email"),
			biInvalid("EmailEmpty", biObj(base, "email", ""), "email"),
			biInvalid("EmailNumber", biObj(base, "email", 5), "email"),
			biInvalid("EmailObject", biObj(base, "email", map[string]any{"address": "grace@example.org"}), "email"),
			biInvalid("EmailList", biObj(base, "email", []string{"grace@example.org"}), "email"),
			// Addresses are promised to hold no control characters: a C1
			// control such as NEL (U+0085) is one.
			biInvalid("EmailC1ControlLocal", biObj(base, "email", "grace\u0085@example.org"), "email"),
			biInvalid("EmailC1ControlDomain", biObj(base, "email", "grace@exam\u0085ple.org"), "email"),
			// Which of two values would count is not guessed.
			biInvalid("DuplicateEmail", `{"name":"Grace","email":"grace@example.org","email":"eve@example.org"}`, "email"),
			biInvalid("CaseVariantKey", `{"Name":"Grace","email":"grace@example.org"}`, "Name"),
		)
		for name, s := range biControlLines {
			cases = append(cases, biInvalid("Name"+name, biObj(base, "name", s), "name"))
		}
		for name, s := range biBadEmails {
			cases = append(cases, biInvalid("Email"+name, biObj(base, "email", s), "email"))
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { biCheck(t, te.biDo(t, "POST", path, "", c), c) })
		}
		// Nothing was stored.
		if items := listAll(t, te, tok, "/api/v1/events/"+eid+"/rsvps?limit=200"); len(items) != 0 {
			t.Fatalf("refused RSVPs were stored: %v", items)
		}
		if m := te.biGet(t, "/api/v1/public/events/"+slug, ""); m["going_count"] != 0.0 || m["waitlist_count"] != 0.0 {
			t.Fatalf("counts after refused RSVPs: %v", m)
		}

		t.Run("NoSuchEvent", func(t *testing.T) {
			for _, s := range []string{"no-such-event-" + storetest.Unique(), draftSlug, "UPPER", "Has%20Space", "-x", strings.Repeat("a", domain.MaxSlugLen+1)} {
				wantProblem(t, te.do("POST", "/api/v1/public/events/"+s+"/rsvps", "", base), http.StatusNotFound, "event_not_found")
				wantProblem(t, te.do("GET", "/api/v1/public/events/"+s, "", nil), http.StatusNotFound, "event_not_found")
			}
		})
		t.Run("NoSuchManageToken", func(t *testing.T) {
			for _, tk := range []string{"x", strings.Repeat("a", 19), strings.Repeat("a", 43), domain.NewSecret(), strings.Repeat("b", 101)} {
				wantProblem(t, te.do("GET", "/api/v1/rsvps/"+tk, "", nil), http.StatusNotFound, "rsvp_not_found")
				wantProblem(t, te.do("DELETE", "/api/v1/rsvps/"+tk, "", nil), http.StatusNotFound, "rsvp_not_found")
			}
		})
	})
}

func TestBadInputRouting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		eid, slug := te.event(tok, gid, nil, true)
		r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Grace", "email": "grace@example.org"})
		wantStatus(t, r, http.StatusCreated)
		manage := r.m(t)["manage_token"].(string)

		t.Run("UnknownRoute", func(t *testing.T) {
			for _, p := range []string{"/nope", "/api", "/api/v2/groups", "/api/v1/public/nope", "/e/" + slug + "/x/y"} {
				wantProblem(t, te.do("GET", p, "", nil), http.StatusNotFound, "not_found")
			}
			for _, p := range []string{"/api/v1/nope", "/api/v1/groups/" + gid + "/nope", "/api/v1/events/" + eid + "/rsvps/x/y"} {
				wantProblem(t, te.do("GET", p, tok, nil), http.StatusNotFound, "not_found")
			}
		})

		t.Run("WrongMethod", func(t *testing.T) {
			for _, rt := range []struct{ method, path, token string }{
				{"POST", "/healthz", ""},
				{"DELETE", "/readyz", ""},
				{"POST", "/api/v1/openapi.yaml", ""},
				{"PUT", "/api/v1/public/events/" + slug, ""},
				{"DELETE", "/api/v1/public/events/" + slug, ""},
				{"GET", "/api/v1/public/events/" + slug + "/rsvps", ""},
				{"PATCH", "/api/v1/rsvps/" + manage, ""},
				{"POST", "/api/v1/rsvps/" + manage, ""},
				{"PUT", "/api/v1/groups", tok},
				{"DELETE", "/api/v1/groups", tok},
				{"POST", "/api/v1/me", tok},
				{"DELETE", "/api/v1/me", tok},
				{"PUT", "/api/v1/groups/" + gid, tok},
				{"DELETE", "/api/v1/groups/" + gid, tok},
				{"PUT", "/api/v1/events/" + eid, tok},
				{"GET", "/api/v1/events/" + eid + "/publish", tok},
				{"PATCH", "/api/v1/tokens", tok},
			} {
				t.Run(rt.method+strings.ReplaceAll(rt.path, "/", "_"), func(t *testing.T) {
					r := te.do(rt.method, rt.path, rt.token, nil)
					wantProblem(t, r, http.StatusMethodNotAllowed, "method_not_allowed")
				})
			}
		})

		evBody, _ := biEventBase(te)
		t.Run("NoSuchIDs", func(t *testing.T) {
			for _, id := range []string{domain.NewID(), "not-an-id", strings.Repeat("z", 26), "00000000000000000000000000", "%27%20OR%201%3D1"} {
				t.Run(id, func(t *testing.T) {
					for _, rt := range []struct {
						method, path string
						body         any
					}{
						{"GET", "/api/v1/groups/" + id, nil},
						{"PATCH", "/api/v1/groups/" + id, map[string]any{"name": "Renamed"}},
						{"GET", "/api/v1/groups/" + id + "/members", nil},
						{"POST", "/api/v1/groups/" + id + "/members", map[string]any{"email": "x-" + storetest.Unique() + "@example.org", "role": "organiser"}},
						{"DELETE", "/api/v1/groups/" + id + "/members/" + domain.NewID(), nil},
						{"DELETE", "/api/v1/groups/" + gid + "/members/" + id, nil},
						{"GET", "/api/v1/groups/" + id + "/events", nil},
						{"POST", "/api/v1/groups/" + id + "/events", evBody},
						{"GET", "/api/v1/events/" + id, nil},
						{"PATCH", "/api/v1/events/" + id, map[string]any{"title": "Renamed"}},
						{"DELETE", "/api/v1/events/" + id, nil},
						{"POST", "/api/v1/events/" + id + "/publish", nil},
						{"POST", "/api/v1/events/" + id + "/cancel", nil},
						{"GET", "/api/v1/events/" + id + "/rsvps", nil},
						{"DELETE", "/api/v1/tokens/" + id, nil},
					} {
						wantProblem(t, te.do(rt.method, rt.path, tok, rt.body), http.StatusNotFound, "")
					}
				})
			}
		})
	})
}

// TestBadInputDecodeTerminates: decoding a request body always finishes,
// whatever the body. A body that made the decoder loop would pin a CPU for
// good with one unauthenticated request (POST .../rsvps) and could not be
// answered at all, so each body is decoded in a child process that is
// killed if it takes more than a few seconds (an in-process goroutine
// could not be stopped, and a hung handler would block the test server's
// Close forever).
func TestBadInputDecodeTerminates(t *testing.T) {
	if body, ok := os.LookupEnv("CONVENE_DECODE_CHILD_BODY"); ok {
		switch os.Getenv("CONVENE_DECODE_CHILD_TARGET") {
		case "decodeRSVP":
			_, err := decodeRSVP([]byte(body))
			biChildResult(t, err)
		case "decodeCreateEvent":
			_, err := decodeCreateEvent([]byte(body))
			biChildResult(t, err)
		case "decodeUpdateEvent":
			_, err := decodeUpdateEvent([]byte(body))
			biChildResult(t, err)
		default:
			t.Fatal("unknown decoder")
		}
		return
	}
	cases := []struct{ name, body, target string }{
		{"InvalidTokenInArray", `{"a":[x]}`, "decodeRSVP"},
		{"InvalidTokenInArray", `{"a":[x]}`, "decodeCreateEvent"},
		{"InvalidTokenInArray", `{"a":[x]}`, "decodeUpdateEvent"},
		{"InvalidNumberInNestedArray", `{"name":[[1m]]}`, "decodeRSVP"},
		{"FuzzFound", `{"":[31m","l":""l`, "decodeRSVP"},
		// Controls: garbage that is refused at once today.
		{"InvalidTokenInObject", `{"a":{"b":x}}`, "decodeRSVP"},
		{"UnterminatedArray", `{"a":[`, "decodeRSVP"},
	}
	for _, c := range cases {
		body, target := c.body, c.target
		t.Run(c.name+"/"+target, func(t *testing.T) {
			t.Parallel()
			// Generous: a child test binary built with -race on a loaded
			// machine takes seconds to start; a decoder that loops never
			// returns at all.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestBadInputDecodeTerminates$", "-test.count=1")
			// The child needs no database: leave PostgreSQL out so that
			// a killed child leaves no database behind.
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, storetest.EnvURL+"=") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			cmd.Env = append(cmd.Env, "CONVENE_DECODE_CHILD_BODY="+body, "CONVENE_DECODE_CHILD_TARGET="+target)
			out, err := cmd.CombinedOutput()
			if ctx.Err() != nil {
				t.Fatalf("%s(%q) did not return within 30s: the decoder loops forever", target, body)
			}
			if err != nil {
				t.Fatalf("%s(%q): %v\n%s", target, body, err, out)
			}
		})
	}
}

// biChildResult checks, in the child, that a garbage body was refused as
// malformed.
func biChildResult(t *testing.T, err error) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EINVALID || de.Reason != "malformed_request" {
		t.Fatalf("want a malformed_request error, got %v", err)
	}
}

// TestGeneratedSlugIsValid: a slug the server makes up from a long title
// must itself be a valid slug, or the public page of the event cannot be
// reached (GET /api/v1/public/events/{slug} answers 404 for invalid slugs).
func TestGeneratedSlugIsValid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		title := "Long title " + storetest.Unique() + " " + strings.Repeat("x", 150)
		start := te.now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
		for i := range 3 {
			r := te.do("POST", "/api/v1/groups/"+gid+"/events", tok, map[string]any{
				"title": title, "kind": "meetup", "venue": map[string]any{"name": "Hall"},
				"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339),
			})
			wantStatus(t, r, http.StatusCreated)
			m := r.m(t)
			s := m["slug"].(string)
			var v domain.Validation
			if domain.CheckSlug(&v, "slug", s); v.Err() != nil {
				t.Errorf("event %d: generated slug %q (%d characters) is not a valid slug: %v", i+1, s, len(s), v.Err())
				continue
			}
			wantStatus(t, te.do("POST", "/api/v1/events/"+m["id"].(string)+"/publish", tok, nil), http.StatusOK)
			wantStatus(t, te.do("GET", "/api/v1/public/events/"+s, "", nil), http.StatusOK)
		}
	})
}
