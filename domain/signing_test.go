package domain

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// testKey is a fixed key, so that golden signatures stay the same.
var testKey = NewSigningKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)))

func sampleContribution() Contribution {
	prev := ContributionCounts{Registered: 40, AttendedInPerson: 30}
	return Contribution{
		ID:           "01j9zq5v7m8k3h2g1f0e9d8c7b",
		EventID:      "01j9zq5v7m8k3h2g1f0e9d8c7a",
		GroupID:      "01j9zq5v7m8k3h2g1f0e9d8c79",
		PersonName:   "Ada Lovelace",
		Role:         RoleSpeaker,
		ActivityType: ActivitySpeaking,
		TalkTitle:    "Engines & <Notes>",
		EventTitle:   "Oslo .NET: spring meetup",
		EventDate:    "2026-03-30",
		EventStarts:  time.Date(2026, 3, 30, 16, 0, 0, 0, time.UTC),
		GroupName:    "Oslo .NET User Group",
		EventURL:     "https://Convene.Example/e/spring-meetup",
		Counts:       ContributionCounts{Registered: 42, AttendedInPerson: 31, AttendedOnline: 5},
		Revision:     2,
		Previous:     &prev,
		VerifiedAt:   time.Date(2026, 3, 31, 9, 15, 42, 987654321, time.UTC),
		Signature:    "not part of the signed form",
	}
}

func TestSignedFormGolden(t *testing.T) {
	got := string(sampleContribution().SignedForm(testKey.ID))
	want := `{"activity_type":"speaking","attended_how":"","attended_in_person":31,"attended_online":5,` +
		`"event_date":"2026-03-30","event_title":"Oslo .NET: spring meetup","event_url":"https://Convene.Example/e/spring-meetup",` +
		`"group_name":"Oslo .NET User Group","id":"01j9zq5v7m8k3h2g1f0e9d8c7b","issuer":"https://convene.example",` +
		`"key_id":"` + testKey.ID + `","person_name":"Ada Lovelace","registered":42,"revision":2,"role":"speaker",` +
		`"talk_title":"Engines & <Notes>","type":"convene-contribution-v1","verified_at":"2026-03-31T09:15:42Z"}`
	if got != want {
		t.Fatalf("signed form\n got %s\nwant %s", got, want)
	}
}

func TestSignedFormDeterministic(t *testing.T) {
	c := sampleContribution()
	first := c.SignedForm(testKey.ID)
	for range 100 {
		if b := c.SignedForm(testKey.ID); !bytes.Equal(b, first) {
			t.Fatalf("the same record gave different bytes:\n%s\n%s", first, b)
		}
	}
	// What is not signed does not change the bytes; neither does the zone
	// or the sub-second part of verified_at.
	other := c
	other.EventID, other.GroupID, other.Signature = "x", "y", "z"
	other.Previous = nil
	now := time.Now()
	other.WithdrawnAt = &now
	other.EventStarts = time.Time{}
	other.VerifiedAt = c.VerifiedAt.Truncate(time.Second).Add(999 * time.Millisecond).In(time.FixedZone("UTC+5", 5*3600))
	if b := other.SignedForm(testKey.ID); !bytes.Equal(b, first) {
		t.Fatalf("unsigned fields changed the bytes:\n%s\n%s", first, b)
	}
}

// TestSignedFormKeysSorted reads the form generically: one object, every
// member present, keys in byte-wise order, no whitespace between tokens.
func TestSignedFormKeysSorted(t *testing.T) {
	for _, c := range []Contribution{{}, sampleContribution()} {
		b := c.SignedForm("k")
		if !utf8.Valid(b) {
			t.Fatalf("not UTF-8: %q", b)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, b); err != nil {
			t.Fatalf("not JSON: %v: %s", err, b)
		}
		if !bytes.Equal(compact.Bytes(), b) {
			t.Fatalf("insignificant whitespace:\n got %q\nwant %q", b, compact.Bytes())
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if tok, _ := dec.Token(); tok != json.Delim('{') {
			t.Fatalf("does not start with an object: %s", b)
		}
		var keys []string
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, tok.(string))
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			switch v.(type) {
			case string, json.Number:
			default:
				t.Errorf("member %s is %T, want a string or a number", keys[len(keys)-1], v)
			}
		}
		if tok, _ := dec.Token(); tok != json.Delim('}') {
			t.Fatalf("object not closed: %s", b)
		}
		if _, err := dec.Token(); err != io.EOF {
			t.Fatalf("bytes after the object: %s", b)
		}
		want := []string{"activity_type", "attended_how", "attended_in_person", "attended_online", "event_date",
			"event_title", "event_url", "group_name", "id", "issuer", "key_id", "person_name", "registered",
			"revision", "role", "talk_title", "type", "verified_at"}
		if !slices.Equal(keys, want) {
			t.Fatalf("keys %v, want %v", keys, want)
		}
		if !slices.IsSorted(keys) {
			t.Fatalf("keys not sorted: %v", keys)
		}
	}
}

// TestSignedFormEscaping pins the string rules of RFC 8785: only what JSON
// requires is escaped.
func TestSignedFormEscaping(t *testing.T) {
	c := sampleContribution()
	c.PersonName = "Zoë 😀 <b>&amp;</b> \"q\" \\ \b\f\n\r\t\x01\x1f\x7f \u2028\u2029 \\u2028 \xff"
	b := c.SignedForm("k")
	want := `"person_name":"Zoë 😀 <b>&amp;</b> \"q\" \\ \b\f\n\r\t\u0001\u001f` + "\x7f \u2028\u2029" + ` \\u2028 ` + "\uFFFD" + `"`
	if !bytes.Contains(b, []byte(want)) {
		t.Fatalf("escaping:\n got %s\nwant member %s", b, want)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if got, want := m["person_name"], strings.ToValidUTF8(c.PersonName, "\uFFFD"); got != want {
		t.Fatalf("round trip %q, want %q", got, want)
	}
}

func TestSignedFormIssuer(t *testing.T) {
	for in, want := range map[string]string{
		"https://Convene.Example/e/x":           "https://convene.example",
		"http://127.0.0.1:8080/e/x":             "http://127.0.0.1:8080",
		"https://example.org/convene/e/x?y=1#z": "https://example.org",
		"/e/x":                                  "",
		"":                                      "",
		"::not a url":                           "",
	} {
		var m map[string]any
		if err := json.Unmarshal(Contribution{EventURL: in}.SignedForm("k"), &m); err != nil {
			t.Fatal(err)
		}
		if m["issuer"] != want {
			t.Errorf("event_url %q: issuer %q, want %q", in, m["issuer"], want)
		}
	}
}

func TestSigningKeyID(t *testing.T) {
	pub := testKey.Public()
	sum := sha256.Sum256(pub)
	if want := hex.EncodeToString(sum[:])[:16]; testKey.ID != want || SigningKeyID(pub) != want {
		t.Fatalf("key id %q, want %q", testKey.ID, want)
	}
	k, err := GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	if k.ID == testKey.ID || len(k.ID) != 16 || k.ID != SigningKeyID(k.Public()) {
		t.Fatalf("generated key id %q", k.ID)
	}
}

func TestSignAndVerify(t *testing.T) {
	c := sampleContribution()
	signed, sig := testKey.SignContribution(c)
	if !bytes.Equal(signed, c.SignedForm(testKey.ID)) {
		t.Fatal("SignContribution signed other bytes than SignedForm")
	}
	if len(sig) != 88 || !strings.HasSuffix(sig, "==") {
		t.Fatalf("signature %q is not 64 bytes in padded base64", sig)
	}
	if again := testKey.Sign(signed); again != sig {
		t.Fatal("Ed25519 signatures should be deterministic")
	}
	pub := testKey.Public()
	if !VerifySignature(pub, signed, sig) {
		t.Fatal("a good signature does not verify")
	}
	c.Signature = sig
	if !VerifyContribution(pub, c) {
		t.Fatal("VerifyContribution refuses a good record")
	}

	t.Run("ErrFlippedByte", func(t *testing.T) {
		for i := range signed {
			m := bytes.Clone(signed)
			m[i] ^= 0x01
			if VerifySignature(pub, m, sig) {
				t.Fatalf("verified after flipping byte %d: %s", i, m)
			}
		}
		raw, _ := base64.StdEncoding.DecodeString(sig)
		for i := range raw {
			s := bytes.Clone(raw)
			s[i] ^= 0x80
			if VerifySignature(pub, signed, base64.StdEncoding.EncodeToString(s)) {
				t.Fatalf("verified a signature with byte %d flipped", i)
			}
		}
	})

	t.Run("ErrChangedField", func(t *testing.T) {
		for name, change := range map[string]func(c *Contribution){
			"id":                 func(c *Contribution) { c.ID += "x" },
			"person_name":        func(c *Contribution) { c.PersonName = "Ada Lovelace " },
			"role":               func(c *Contribution) { c.Role = RoleVolunteer },
			"activity_type":      func(c *Contribution) { c.ActivityType = ActivityVolunteering },
			"talk_title":         func(c *Contribution) { c.TalkTitle = "" },
			"event_title":        func(c *Contribution) { c.EventTitle = strings.ToUpper(c.EventTitle) },
			"event_date":         func(c *Contribution) { c.EventDate = "2026-03-29" },
			"event_url":          func(c *Contribution) { c.EventURL = "https://convene.example/e/other" },
			"issuer":             func(c *Contribution) { c.EventURL = "https://evil.example/e/spring-meetup" },
			"group_name":         func(c *Contribution) { c.GroupName = "Bergen .NET" },
			"registered":         func(c *Contribution) { c.Counts.Registered++ },
			"attended_in_person": func(c *Contribution) { c.Counts.AttendedInPerson++ },
			"attended_online":    func(c *Contribution) { c.Counts.AttendedOnline-- },
			"attended_how":       func(c *Contribution) { c.AttendedHow = AttendedOnline },
			"revision":           func(c *Contribution) { c.Revision = 1 },
			"verified_at":        func(c *Contribution) { c.VerifiedAt = c.VerifiedAt.Add(time.Second) },
		} {
			d := c
			change(&d)
			if bytes.Equal(d.SignedForm(testKey.ID), signed) {
				t.Errorf("%s: changing it does not change the signed form", name)
			}
			if VerifyContribution(pub, d) {
				t.Errorf("%s: the record still verifies after it changed", name)
			}
		}
	})

	t.Run("ErrOtherKey", func(t *testing.T) {
		other, err := GenerateSigningKey()
		if err != nil {
			t.Fatal(err)
		}
		if VerifySignature(other.Public(), signed, sig) || VerifyContribution(other.Public(), c) {
			t.Fatal("verified with another key")
		}
		// Signed under another key id: the bytes differ.
		if VerifySignature(pub, c.SignedForm(other.ID), sig) {
			t.Fatal("verified with another key id in the form")
		}
	})

	t.Run("ErrMalformed", func(t *testing.T) {
		for _, s := range []string{"", "!!", strings.TrimRight(sig, "="), base64.RawURLEncoding.EncodeToString([]byte(sig)), sig[:40] + "==", sig + "AAAA"} {
			if VerifySignature(pub, signed, s) {
				t.Errorf("verified malformed signature %q", s)
			}
		}
		if VerifySignature(pub[:31], signed, sig) || VerifySignature(nil, signed, sig) || VerifyContribution(nil, c) {
			t.Error("verified with a malformed key")
		}
	})
}
