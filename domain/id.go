package domain

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// idEncoding is lower-case Crockford-like base32 without padding: ids sort
// as strings in the order they were made, and read well in URLs and logs.
var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a new opaque identifier: 48 bits of milliseconds since the
// Unix epoch followed by 80 random bits, 26 characters. Ids made later sort
// after ids made earlier (to the millisecond), which keeps cursor pagination
// cheap and index inserts local.
func NewID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic("convene: crypto/rand failed: " + err.Error())
	}
	return idEncoding.EncodeToString(b[:])
}

// ValidID reports whether s could be an id made by NewID. Handlers use it to
// answer 404 for garbage without asking the database.
func ValidID(s string) bool {
	if len(s) != 26 {
		return false
	}
	_, err := idEncoding.DecodeString(s)
	return err == nil
}

// TokenPrefix marks organiser API tokens so that secret scanners and people
// can tell them apart from other strings.
const TokenPrefix = "cvn_"

// NewSecret returns 256 bits from crypto/rand, URL-safe base64 encoded.
func NewSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("convene: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// NewAPIToken returns a new raw organiser API token.
func NewAPIToken() string { return TokenPrefix + NewSecret() }

// HashToken returns the hex SHA-256 of a raw token. Only hashes are stored:
// the tokens carry 256 random bits, so a fast hash is enough (no password
// stretching is needed against guessing).
func HashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}
