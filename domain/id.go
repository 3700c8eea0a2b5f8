package domain

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

// idEncoding is lower-case Crockford-like base32 without padding: ids sort
// as strings in the order they were made, and read well in URLs and logs.
var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a new opaque identifier: 48 bits of milliseconds since the
// Unix epoch followed by 80 random bits, 26 characters. Within a process ids
// are strictly increasing (in the same millisecond the random part is
// incremented, as ULIDs do), so lists ordered by id are in creation order,
// cursor pagination is cheap and index inserts stay local.
func NewID() string {
	idMu.Lock()
	defer idMu.Unlock()
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	if ms <= idLastMS {
		// Same (or an earlier, after a clock step) millisecond: keep the
		// last id's time and add one to its random part.
		b = idLast
		for i := 15; i >= 6; i-- {
			b[i]++
			if b[i] != 0 {
				break
			}
		}
	} else {
		binary.BigEndian.PutUint64(b[:8], ms<<16)
		if _, err := rand.Read(b[6:]); err != nil {
			panic("convene: crypto/rand failed: " + err.Error())
		}
		b[6] &= 0x7f // leave room to increment without wrapping into the time
		idLastMS = ms
	}
	idLast = b
	return idEncoding.EncodeToString(b[:])
}

// NewUnguessableID returns an id in NewID's format (26 characters, valid
// for ValidID) whose 80 random bits are all fresh: unlike NewID's, ids made
// in the same millisecond are not consecutive, so knowing one tells
// nothing of another. For objects whose id is their public address, such
// as contribution records (/v/{id}).
func NewUnguessableID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic("convene: crypto/rand failed: " + err.Error())
	}
	return idEncoding.EncodeToString(b[:])
}

var (
	idMu     sync.Mutex
	idLastMS uint64
	idLast   [16]byte
)

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
