package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
)

// Fuzz targets for the request decoders. Run one with, for example:
//
//	go test ./api -run='^$' -fuzz=FuzzDecodeRSVP -fuzztime=20s
//
// Without -fuzz, the seeds below run as ordinary tests.

// fuzzWantInvalid checks an error from a decoder: a *domain.Error of class
// EINVALID, which the API answers with 400 (malformed) or 422 (naming the
// fields), never anything else.
func fuzzWantInvalid(t *testing.T, body []byte, err error) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("body %q: error %T %v is not a *domain.Error", body, err, err)
	}
	if domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("body %q: error code %q, want %q (%v)", body, domain.ErrorCode(err), domain.EINVALID, err)
	}
	if de.Message == "" {
		t.Fatalf("body %q: error without a message: %v", body, err)
	}
	// A body that is not JSON is malformed (400), whatever its keys.
	if !json.Valid(body) && de.Reason != "malformed_request" {
		t.Fatalf("body %q is not JSON but the error is %s: %v", body, de.Reason, err)
	}
	status := httpkit.StatusOf(err).Status
	switch de.Reason {
	case "malformed_request":
		if status != http.StatusBadRequest {
			t.Fatalf("body %q: malformed_request maps to %d", body, status)
		}
	case "validation_failed":
		if status != http.StatusUnprocessableEntity || len(de.Fields) == 0 {
			t.Fatalf("body %q: validation_failed maps to %d with fields %v", body, status, de.Fields)
		}
		for _, f := range de.Fields {
			if f.Field == "" || f.Message == "" {
				t.Fatalf("body %q: field error without a field or message: %v", body, de.Fields)
			}
		}
	default:
		t.Fatalf("body %q: unexpected reason %q (%v)", body, de.Reason, err)
	}
}

// fuzzLine checks a one-line text that passed validation.
func fuzzLine(t *testing.T, body []byte, field, s string, required bool, maxLen int) {
	t.Helper()
	if required && strings.TrimSpace(s) == "" {
		t.Fatalf("body %q: blank %s accepted", body, field)
	}
	if !utf8.ValidString(s) {
		t.Fatalf("body %q: %s %q is not valid UTF-8", body, field, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			t.Fatalf("body %q: %s %q holds control character %U", body, field, s, r)
		}
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		t.Fatalf("body %q: %s has %d characters, more than %d", body, field, n, maxLen)
	}
}

// fuzzEmail checks an address that passed validation: a plain address that
// holds no control characters (as domain.CheckEmail documents).
func fuzzEmail(t *testing.T, body []byte, field, s string) {
	t.Helper()
	if !domain.ValidEmail(s) || len(s) > domain.MaxEmailLen || strings.Count(s, "@") == 0 {
		t.Fatalf("body %q: %s %q accepted but not a valid address", body, field, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			t.Fatalf("body %q: %s %q accepted with control character %U", body, field, s, r)
		}
	}
}

// fuzzTopLevel reads the members of the top-level object of a body the
// decoder accepted. ok is false when two keys name the same field (equal,
// or equal but for case, which encoding/json also matches): which of them
// wins is then not specified.
func fuzzTopLevel(t *testing.T, body []byte) (members map[string]json.RawMessage, ok bool) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("body %q: accepted by the decoder but not a JSON object (%v, %v)", body, tok, err)
	}
	members = map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("body %q: accepted by the decoder but not a JSON object: %v", body, err)
		}
		key := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("body %q: accepted by the decoder but not a JSON object: %v", body, err)
		}
		for other := range members {
			if strings.EqualFold(other, key) {
				return nil, false
			}
		}
		members[key] = v
	}
	return members, true
}

// fuzzMember returns the raw member for a field name, matched as
// encoding/json does (exactly, else case-insensitively).
func fuzzMember(members map[string]json.RawMessage, name string) (json.RawMessage, bool) {
	if v, ok := members[name]; ok {
		return v, true
	}
	for k, v := range members {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

var fuzzSlugRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

func FuzzDecodeRSVP(f *testing.F) {
	for _, s := range []string{
		`{"name":"Ada Lovelace","email":"ada@example.org"}`,
		`{"name":"Ada","email":"ADA@Example.ORG"}`,
		`{"name":"Zoë Ångström-Ødegård","email":"zoe@example.org"}`,
		`{"name":"Ada","email":"ada+convene@sub.example.co.uk"}`,
		`{"email":"ada@example.org","name":"Ada"}`,
		` {"name":"Ada","email":"ada@example.org"} `,
		`{"NAME":"Ada","Email":"ada@example.org"}`,
		`{"name":"Ada","email":"ada@example.org","name":"Eve"}`,
		`{"name":"","email":"ada@example.org"}`,
		`{"name":"   ","email":"ada@example.org"}`,
		`{"name":"Ada\r\nBcc: eve@example.org","email":"ada@example.org"}`,
		`{"name":"Ada\u0000","email":"ada@example.org"}`,
		`{"name":"Ada\u001b[31m","email":"ada@example.org"}`,
		`{"name":"Ada\u2028","email":"ada@example.org"}`,
		`{"name":"Ada","email":"not-an-email"}`,
		`{"name":"Ada","email":"a@b@c"}`,
		`{"name":"Ada","email":"\"Ada\" <ada@example.org>"}`,
		`{"name":"Ada","email":"ada@example.org\r\n"}`,
		`{"name":"Ada","email":"ada@example.org."}`,
		`{"name":"Ada","email":""}`,
		`{"name":"Ada","email":"ada@example.org","extra":1}`,
		`{"name":5,"email":{}}`,
		`{"name":null,"email":null}`,
		`{"name":["Ada"],"email":"ada@example.org"}`,
		`[]`, `[{"name":"Ada","email":"ada@example.org"}]`, `null`, `42`, `"x"`, `true`, ``, ` `, `{`, `}`, `{"name":`,
		`{"name":"Ada","email":"ada@example.org"} {}`,
		`{"name":"Ada","email":"ada@example.org"}x`,
		"{\"name\":\"\xff\xfe\",\"email\":\"ada@example.org\"}",
		"{\"name\":\"Ada\",\"email\":\"ad\xffa@example.org\"}",
		`{"name":"\ud800","email":"ada@example.org"}`,
		`{"name":"` + strings.Repeat("n", domain.MaxPersonNameLen) + `","email":"ada@example.org"}`,
		`{"name":"` + strings.Repeat("n", domain.MaxPersonNameLen+1) + `","email":"ada@example.org"}`,
		`{"name":"Rita. URGENT: pay at https://evil.example/pay","email":"ada@example.org"}`,
		`{"name":"Rita evil.example/pay","email":"ada@example.org"}`,
		`{"name":"Rita ada@example.org","email":"ada@example.org"}`,
		`{"name":"Ada","email":"` + strings.Repeat("a", 250) + `@example.org"}`,
		strings.Repeat("[", 10001),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeRSVP(body)
		if err != nil {
			fuzzWantInvalid(t, body, err)
			return
		}
		fuzzLine(t, body, "name", in.Name, true, domain.MaxPersonNameLen)
		if l := strings.ToLower(in.Name); strings.Contains(l, "://") || strings.Contains(l, "www.") {
			t.Fatalf("body %q: name %q with a link accepted", body, in.Name)
		}
		fuzzEmail(t, body, "email", in.Email)
		if in.Validate() != nil {
			t.Fatalf("body %q: accepted input fails its own validation: %v", body, in.Validate())
		}
		// Decoding is deterministic.
		if again, err := decodeRSVP(body); err != nil || again != in {
			t.Fatalf("body %q: decoded twice differently: %v %v / %v", body, in, again, err)
		}
	})
}

func fuzzEventSeeds() []string {
	return []string{
		`{"title":"Go meetup","kind":"meetup","starts_at":"2030-12-03T18:00:00Z","ends_at":"2030-12-03T20:00:00Z","venue":{"name":"Hall","address":"Storgata 1"}}`,
		`{"title":"Go meetup","kind":"meetup","starts_at":"2030-12-03T18:00:00+01:00","ends_at":"2030-12-03T20:00:00+01:00","time_zone":"Europe/Oslo","venue":{"name":"Hall"},"capacity":25,"waitlist":false,"slug":"go-meetup"}`,
		`{"title":"Live","kind":"live_session","starts_at":"2030-12-03T18:00:00Z","ends_at":"2030-12-03T19:00:00Z","online_url":"https://meet.example.org/x","capacity":null,"rsvp_opens_at":"2030-11-01T00:00:00Z","rsvp_closes_at":"2030-12-03T17:00:00Z"}`,
		`{"title":"Live","kind":"live_session","starts_at":"2030-12-03T18:00:00.123456789Z","ends_at":"2030-12-04T18:00:00Z","online_url":"http://example.org"}`,
		`{"title":"Long","kind":"meetup","starts_at":"2030-12-01T00:00:00Z","ends_at":"2031-01-01T00:00:00Z","venue":{"name":"Hall"}}`,
		`{"title":"Backwards","kind":"meetup","starts_at":"2030-12-03T20:00:00Z","ends_at":"2030-12-03T18:00:00Z","venue":{"name":"Hall"}}`,
		`{"title":"Old","kind":"meetup","starts_at":"1999-12-03T18:00:00Z","ends_at":"1999-12-03T20:00:00Z","venue":{"name":"Hall"}}`,
		`{"title":"Zero","kind":"meetup","starts_at":"0001-01-01T00:00:00Z","ends_at":"0001-01-01T01:00:00Z","venue":{"name":"Hall"}}`,
		`{"title":"No venue","kind":"meetup","starts_at":"2030-12-03T18:00:00Z","ends_at":"2030-12-03T20:00:00Z"}`,
		`{"title":"No URL","kind":"live_session","starts_at":"2030-12-03T18:00:00Z","ends_at":"2030-12-03T20:00:00Z"}`,
		`{"title":"Bad URL","kind":"live_session","starts_at":"2030-12-03T18:00:00Z","ends_at":"2030-12-03T20:00:00Z","online_url":"javascript:alert(1)"}`,
		`{"title":"TZ","kind":"meetup","starts_at":"2030-12-03T18:00:00Z","ends_at":"2030-12-03T20:00:00Z","time_zone":"Local","venue":{"name":"Hall"}}`,
		`{"title":"TZ","kind":"meetup","starts_at":"2030-12-03T18:00:00Z","ends_at":"2030-12-03T20:00:00Z","time_zone":"Mars/Base","venue":{"name":"Hall"}}`,
		`{"title":"Cap","kind":"meetup","starts_at":"2030-12-03T18:00:00Z","ends_at":"2030-12-03T20:00:00Z","venue":{"name":"Hall"},"capacity":0}`,
		`{"title":"Cap","kind":"meetup","starts_at":"2030-12-03T18:00:00Z","ends_at":"2030-12-03T20:00:00Z","venue":{"name":"Hall"},"capacity":"10"}`,
		`{"title":"Cap","kind":"meetup","starts_at":"2030-12-03T18:00:00Z","ends_at":"2030-12-03T20:00:00Z","venue":{"name":"Hall"},"capacity":1e400}`,
		`{"title":"Cap","kind":"meetup","starts_at":"2030-12-03T18:00:00Z","ends_at":"2030-12-03T20:00:00Z","venue":{"name":"Hall"},"capacity":1.5}`,
		`{"title":"Slug","kind":"meetup","starts_at":"2030-12-03T18:00:00Z","ends_at":"2030-12-03T20:00:00Z","venue":{"name":"Hall"},"slug":"Has Space"}`,
		`{"title":"Window","kind":"meetup","starts_at":"2030-12-03T18:00:00Z","ends_at":"2030-12-03T20:00:00Z","venue":{"name":"Hall"},"rsvp_opens_at":"2030-12-02T00:00:00Z","rsvp_closes_at":"2030-12-01T00:00:00Z"}`,
		`{"title":"Venue","kind":"meetup","starts_at":"2030-12-03T18:00:00Z","ends_at":"2030-12-03T20:00:00Z","venue":{"name":"Hall","floor":3}}`,
		`{"title":"A\nB","kind":"meetup","starts_at":"2030-12-03T18:00:00Z","ends_at":"2030-12-03T20:00:00Z","venue":{"name":"Hall"}}`,
		`{"title":5,"kind":"meetup"}`,
		`{"title":"x","starts_at":"tomorrow"}`,
		`{"unknown":true}`,
		`{}`, `[]`, `null`, `1`, ``, `{`, `{"title":"x"} {}`,
		"{\"title\":\"\xff\",\"kind\":\"meetup\"}",
	}
}

func FuzzDecodeCreateEvent(f *testing.F) {
	for _, s := range fuzzEventSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := decodeCreateEvent(body)
		if err != nil {
			fuzzWantInvalid(t, body, err)
			return
		}
		fuzzLine(t, body, "title", e.Title, true, domain.MaxTitleLen)
		if !utf8.ValidString(e.Description) || utf8.RuneCountInString(e.Description) > domain.MaxDescriptionLen {
			t.Fatalf("body %q: bad description accepted", body)
		}
		for _, r := range e.Description {
			if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
				t.Fatalf("body %q: description holds %U", body, r)
			}
		}
		switch e.Kind {
		case domain.KindMeetup:
			if e.Venue == nil {
				t.Fatalf("body %q: meetup without a venue accepted", body)
			}
		case domain.KindLiveSession:
			if e.OnlineURL == "" {
				t.Fatalf("body %q: live session without online_url accepted", body)
			}
		default:
			t.Fatalf("body %q: kind %q accepted", body, e.Kind)
		}
		if e.Venue != nil {
			fuzzLine(t, body, "venue.name", e.Venue.Name, true, domain.MaxNameLen)
			fuzzLine(t, body, "venue.address", e.Venue.Address, false, domain.MaxAddressLen)
		}
		if e.OnlineURL != "" {
			u, err := url.Parse(e.OnlineURL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(e.OnlineURL) > domain.MaxURLLen {
				t.Fatalf("body %q: online_url %q accepted", body, e.OnlineURL)
			}
		}
		if e.StartsAt.IsZero() || e.EndsAt.IsZero() || !e.EndsAt.After(e.StartsAt) || e.EndsAt.Sub(e.StartsAt) > domain.MaxEventDuration {
			t.Fatalf("body %q: times %v – %v accepted", body, e.StartsAt, e.EndsAt)
		}
		if y := e.StartsAt.Year(); y < 2000 || y > 9000 {
			t.Fatalf("body %q: start year %d accepted", body, y)
		}
		for name, tm := range map[string]*time.Time{"starts_at": &e.StartsAt, "ends_at": &e.EndsAt, "rsvp_opens_at": e.RSVPOpensAt, "rsvp_closes_at": e.RSVPClosesAt} {
			if tm != nil && tm.Location() != time.UTC {
				t.Fatalf("body %q: %s is not in UTC: %v", body, name, tm)
			}
		}
		if e.TimeZone != "" {
			if _, err := time.LoadLocation(e.TimeZone); err != nil || e.TimeZone == "Local" {
				t.Fatalf("body %q: time zone %q accepted", body, e.TimeZone)
			}
		}
		if e.Capacity != nil && (*e.Capacity < 1 || *e.Capacity > domain.MaxCapacity) {
			t.Fatalf("body %q: capacity %d accepted", body, *e.Capacity)
		}
		if e.Slug != "" && (len(e.Slug) > domain.MaxSlugLen || !fuzzSlugRE.MatchString(e.Slug)) {
			t.Fatalf("body %q: slug %q accepted", body, e.Slug)
		}
		if e.RSVPOpensAt != nil && e.RSVPClosesAt != nil && !e.RSVPClosesAt.After(*e.RSVPOpensAt) {
			t.Fatalf("body %q: RSVP window closes before it opens", body)
		}
		if e.RSVPOpensAt != nil && !e.RSVPOpensAt.Before(e.EndsAt) {
			t.Fatalf("body %q: RSVPs open after the event ends", body)
		}
		if e.ID != "" || e.GroupID != "" || e.Status != "" || e.GoingCount != 0 || e.WaitlistCount != 0 || e.CancelReason != "" {
			t.Fatalf("body %q: the body set server-owned fields: %+v", body, e)
		}
		// waitlist defaults to true; otherwise it is what was sent.
		if members, ok := fuzzTopLevel(t, body); ok {
			want := true
			if v, present := fuzzMember(members, "waitlist"); present && !isNull(v) {
				if err := json.Unmarshal(v, &want); err != nil {
					t.Fatalf("body %q: waitlist %s accepted: %v", body, v, err)
				}
			}
			if e.Waitlist != want {
				t.Fatalf("body %q: waitlist %v, want %v", body, e.Waitlist, want)
			}
		}
	})
}

func FuzzDecodeUpdateEvent(f *testing.F) {
	for _, s := range append(fuzzEventSeeds(),
		`{"title":"Renamed"}`,
		`{"title":null}`,
		`{"description":null}`,
		`{"description":""}`,
		`{"online_url":null}`,
		`{"venue":null}`,
		`{"venue":{"name":"Hall","address":""}}`,
		`{"venue":{"name":"Hall","floor":2}}`,
		`{"venue":"Hall"}`,
		`{"capacity":null}`,
		`{"capacity":12}`,
		`{"capacity":-1}`,
		`{"capacity":"12"}`,
		`{"capacity":null,"capacity":7}`,
		`{"waitlist":null}`,
		`{"waitlist":true}`,
		`{"kind":null}`,
		`{"slug":null}`,
		`{"slug":""}`,
		`{"starts_at":null}`,
		`{"starts_at":"2030-12-03T18:00:00+05:30"}`,
		`{"starts_at":"garbage","ends_at":"also garbage"}`,
		`{"rsvp_opens_at":null,"rsvp_closes_at":"2030-12-03T17:00:00Z"}`,
		`{"rsvp_opens_at":"soon"}`,
		`{"time_zone":null}`,
		`{"TITLE":"Upper"}`,
		`{"ſlug":"long-s"}`,
	) {
		f.Add([]byte(s))
	}
	strFields := []struct {
		name     string
		get      func(domain.EventUpdate) *string
		nullable bool
	}{
		{"title", func(u domain.EventUpdate) *string { return u.Title }, false},
		{"description", func(u domain.EventUpdate) *string { return u.Description }, true},
		{"time_zone", func(u domain.EventUpdate) *string { return u.TimeZone }, false},
		{"online_url", func(u domain.EventUpdate) *string { return u.OnlineURL }, true},
		{"slug", func(u domain.EventUpdate) *string { return u.Slug }, false},
		{"kind", func(u domain.EventUpdate) *string {
			if u.Kind == nil {
				return nil
			}
			s := string(*u.Kind)
			return &s
		}, false},
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := decodeUpdateEvent(body)
		if err != nil {
			fuzzWantInvalid(t, body, err)
			return
		}
		members, ok := fuzzTopLevel(t, body)
		if !ok {
			return // the same field twice: which one wins is not specified
		}
		// Strings: absent leaves the field, null is refused unless the
		// field may be cleared, a value is passed on as it is.
		for _, sf := range strFields {
			v, present := fuzzMember(members, sf.name)
			got := sf.get(u)
			switch {
			case !present:
				if got != nil {
					t.Fatalf("body %q: %s not sent but set to %q", body, sf.name, *got)
				}
			case isNull(v):
				if !sf.nullable {
					t.Fatalf("body %q: null %s accepted", body, sf.name)
				}
				if got == nil || *got != "" {
					t.Fatalf("body %q: null %s does not clear it", body, sf.name)
				}
			default:
				var want string
				if err := json.Unmarshal(v, &want); err != nil {
					t.Fatalf("body %q: %s %s accepted: %v", body, sf.name, v, err)
				}
				if got == nil || *got != want {
					t.Fatalf("body %q: %s is %v, want %q", body, sf.name, got, want)
				}
			}
		}
		// Times that cannot be null.
		for _, tf := range []struct {
			name string
			got  *time.Time
		}{{"starts_at", u.StartsAt}, {"ends_at", u.EndsAt}} {
			v, present := fuzzMember(members, tf.name)
			switch {
			case !present:
				if tf.got != nil {
					t.Fatalf("body %q: %s not sent but set", body, tf.name)
				}
			case isNull(v):
				t.Fatalf("body %q: null %s accepted", body, tf.name)
			default:
				fuzzWantTime(t, body, tf.name, v, tf.got)
			}
		}
		// Nullable times: null clears.
		for _, tf := range []struct {
			name string
			got  domain.Nullable[time.Time]
		}{{"rsvp_opens_at", u.RSVPOpensAt}, {"rsvp_closes_at", u.RSVPClosesAt}} {
			v, present := fuzzMember(members, tf.name)
			if tf.got.Set != present {
				t.Fatalf("body %q: %s present=%v but Set=%v", body, tf.name, present, tf.got.Set)
			}
			if present && isNull(v) != (tf.got.Value == nil) {
				t.Fatalf("body %q: %s null=%v but cleared=%v", body, tf.name, isNull(v), tf.got.Value == nil)
			}
			if present && !isNull(v) {
				fuzzWantTime(t, body, tf.name, v, tf.got.Value)
			}
		}
		// Capacity and venue: null clears (unlimited, no venue).
		if v, present := fuzzMember(members, "capacity"); u.Capacity.Set != present ||
			(present && isNull(v) != (u.Capacity.Value == nil)) {
			t.Fatalf("body %q: capacity present=%v set=%v value=%v", body, present, u.Capacity.Set, u.Capacity.Value)
		} else if present && !isNull(v) {
			var want int
			if err := json.Unmarshal(v, &want); err != nil || *u.Capacity.Value != want {
				t.Fatalf("body %q: capacity %s decoded as %d (%v)", body, v, *u.Capacity.Value, err)
			}
		}
		if v, present := fuzzMember(members, "venue"); u.Venue.Set != present ||
			(present && isNull(v) != (u.Venue.Value == nil)) {
			t.Fatalf("body %q: venue present=%v set=%v value=%v", body, present, u.Venue.Set, u.Venue.Value)
		}
		if v, present := fuzzMember(members, "waitlist"); !present {
			if u.Waitlist != nil {
				t.Fatalf("body %q: waitlist not sent but set", body)
			}
		} else {
			var want bool
			if isNull(v) || json.Unmarshal(v, &want) != nil || u.Waitlist == nil || *u.Waitlist != want {
				t.Fatalf("body %q: waitlist %s decoded as %v", body, v, u.Waitlist)
			}
		}
	})
}

// fuzzWantTime checks that a time field holds the RFC 3339 time sent, in
// UTC.
func fuzzWantTime(t *testing.T, body []byte, name string, raw json.RawMessage, got *time.Time) {
	t.Helper()
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("body %q: %s %s accepted: %v", body, name, raw, err)
	}
	want, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("body %q: %s %q accepted: %v", body, name, s, err)
	}
	if got == nil || !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("body %q: %s is %v, want %v in UTC", body, name, got, want)
	}
}
