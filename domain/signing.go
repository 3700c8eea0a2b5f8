package domain

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// SignedFormType is the "type" member of every signed contribution record.
// It separates the domains of what the server's key signs: a signature over
// a contribution record cannot be passed off as one over anything else the
// key may sign later, and a future change of the form gets a new type.
const SignedFormType = "convene-contribution-v1"

// signedContribution is the signed form of a Contribution. Its fields are
// declared in lexicographic order of their JSON names, which is the order
// encoding/json writes them in; TestSignedFormKeysSorted keeps it so. Every
// member is always present: empty strings and zeros are written, never
// omitted, so the set of keys does not depend on the record.
type signedContribution struct {
	ActivityType     string `json:"activity_type"`
	AttendedHow      string `json:"attended_how"`
	AttendedInPerson int    `json:"attended_in_person"`
	AttendedOnline   int    `json:"attended_online"`
	EventDate        string `json:"event_date"`
	EventTitle       string `json:"event_title"`
	EventURL         string `json:"event_url"`
	GroupName        string `json:"group_name"`
	ID               string `json:"id"`
	Issuer           string `json:"issuer"`
	KeyID            string `json:"key_id"`
	PersonName       string `json:"person_name"`
	Registered       int    `json:"registered"`
	Revision         int    `json:"revision"`
	Role             string `json:"role"`
	TalkTitle        string `json:"talk_title"`
	Type             string `json:"type"`
	VerifiedAt       string `json:"verified_at"`
}

// SignedForm returns the bytes the server signs for the record: the facts
// of the record as one JSON object in the canonical form of RFC 8785 (JSON
// Canonicalization Scheme), so that anyone can check a signature over them
// and rebuild them with any JCS implementation. keyID is the ID of the key
// that signs (SigningKey.ID); it is part of the signed bytes so that a
// verifier knows which key to use, even across a change of key.
//
// The form is exactly:
//
//   - one JSON object, UTF-8, with no whitespace outside strings and no
//     trailing newline;
//   - these 18 members, always all of them, in this (lexicographic, byte-wise)
//     order: activity_type, attended_how, attended_in_person,
//     attended_online, event_date, event_title, event_url, group_name, id,
//     issuer, key_id, person_name, registered, revision, role, talk_title,
//     type, verified_at;
//   - attended_in_person, attended_online, registered and revision are
//     integers in plain decimal; every other member is a string, "" when the
//     record has no value (talk_title of non-speakers, attended_how of
//     non-attendees);
//   - strings escape only what JSON requires: \" and \\, \b \f \n \r \t,
//     and \u00XX (lower-case hex) for the other control characters below
//     U+0020. Everything else, including < > & and U+2028/U+2029, is
//     written as itself in UTF-8. Invalid UTF-8 in a field is replaced by
//     U+FFFD first;
//   - event_date is YYYY-MM-DD in the event's time zone; verified_at is
//     RFC 3339 in UTC to the second, "2006-01-02T15:04:05Z" (fractions are
//     truncated);
//   - issuer is the origin of event_url: its scheme and host (with a port
//     if it has one) in lower case, such as "https://convene.example". It
//     is where the key is published, at issuer +
//     "/.well-known/convene-signing-key" (RFC 8615 places well-known URIs at
//     the root of an origin). It is taken from the record rather than from
//     the configuration so that the form depends only on the record's own
//     facts: a signature stored with the record still verifies when the form
//     is rebuilt after the service's base URL changes;
//   - type is SignedFormType.
//
// The record's Previous counts, WithdrawnAt, Signature and internal ids
// (EventID, GroupID) are not signed: they are not facts the record attests,
// or they change after signing. The same record and key always give the
// same bytes.
func (c Contribution) SignedForm(keyID string) []byte {
	v := signedContribution{
		ActivityType:     valid(string(c.ActivityType)),
		AttendedHow:      valid(string(c.AttendedHow)),
		AttendedInPerson: c.Counts.AttendedInPerson,
		AttendedOnline:   c.Counts.AttendedOnline,
		EventDate:        valid(c.EventDate),
		EventTitle:       valid(c.EventTitle),
		EventURL:         valid(c.EventURL),
		GroupName:        valid(c.GroupName),
		ID:               valid(c.ID),
		Issuer:           origin(c.EventURL),
		KeyID:            valid(keyID),
		PersonName:       valid(c.PersonName),
		Registered:       c.Counts.Registered,
		Revision:         c.Revision,
		Role:             valid(string(c.Role)),
		TalkTitle:        valid(c.TalkTitle),
		Type:             SignedFormType,
		VerifiedAt:       c.VerifiedAt.UTC().Format(signedTimeLayout),
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Strings and ints always encode.
		panic(fmt.Sprintf("domain: encode signed form: %v", err))
	}
	return unescapeLineSeparators(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

const signedTimeLayout = "2006-01-02T15:04:05Z"

// valid replaces invalid UTF-8 with U+FFFD, which encoding/json would
// otherwise write as the escape \ufffd rather than as the character.
func valid(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// origin returns the lower-case scheme://host[:port] of an absolute URL, or
// "" if u is not one.
func origin(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Host == "" {
		return ""
	}
	return strings.ToLower(p.Scheme + "://" + p.Host)
}

// unescapeLineSeparators writes U+2028 and U+2029 as themselves: encoding/
// json escapes them (for JavaScript embedding), RFC 8785 does not. Escapes
// are read from the left, so an escaped backslash followed by "u2028" (a
// literal backslash-u in the text) is left alone.
func unescapeLineSeparators(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\u202`)) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) {
			switch string(b[i : i+6]) {
			case `\u2028`:
				out = append(out, "\u2028"...)
			case `\u2029`:
				out = append(out, "\u2029"...)
			default:
				out = append(out, b[i:i+6]...)
			}
			i += 5
			continue
		}
		out = append(out, b[i], b[i+1])
		i++
	}
	return out
}

// SigningKey is the server's Ed25519 key for contribution records.
type SigningKey struct {
	// ID names the key: SigningKeyID of its public key.
	ID      string
	Private ed25519.PrivateKey
}

// NewSigningKey returns the signing key for priv, with its ID.
func NewSigningKey(priv ed25519.PrivateKey) SigningKey {
	return SigningKey{ID: SigningKeyID(priv.Public().(ed25519.PublicKey)), Private: priv}
}

// GenerateSigningKey makes a new random key.
func GenerateSigningKey() (SigningKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return SigningKey{}, fmt.Errorf("domain: generate signing key: %w", err)
	}
	return NewSigningKey(priv), nil
}

// SigningKeyID names a public key: the first 16 hex digits (64 bits) of
// the SHA-256 of its 32 raw bytes. Verifiers compute it the same way to
// check that they hold the key a record names.
func SigningKeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// Public returns the public half of the key.
func (k SigningKey) Public() ed25519.PublicKey {
	return k.Private.Public().(ed25519.PublicKey)
}

// Sign returns the Ed25519 signature of msg in standard, padded base64
// (88 characters). Ed25519 is deterministic: the same key and message give
// the same signature.
func (k SigningKey) Sign(msg []byte) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(k.Private, msg))
}

// SignContribution returns the signed form of c under this key and its
// signature, ready to store in c.Signature.
func (k SigningKey) SignContribution(c Contribution) (signed []byte, signature string) {
	signed = c.SignedForm(k.ID)
	return signed, k.Sign(signed)
}

// VerifySignature reports whether sigB64 (standard base64, padded) is a
// valid Ed25519 signature of msg by pub. Malformed keys and signatures are
// simply not valid.
func VerifySignature(pub ed25519.PublicKey, msg []byte, sigB64 string) bool {
	sig, err := base64.StdEncoding.Strict().DecodeString(sigB64)
	if err != nil || len(sig) != ed25519.SignatureSize || len(pub) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(pub, msg, sig)
}

// VerifyContribution reports whether c.Signature is pub's signature of
// c's signed form, as SignContribution made it with the key of that public
// key.
func VerifyContribution(pub ed25519.PublicKey, c Contribution) bool {
	if len(pub) != ed25519.PublicKeySize {
		return false
	}
	return VerifySignature(pub, c.SignedForm(SigningKeyID(pub)), c.Signature)
}
