package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// AddressTag names an e-mail address without saying it: the first 16 hex
// digits of a SHA-256 of the normalised address. Files of e-mails to the
// address carry it in their names (the .eml directory used when no SMTP
// server is configured), so that an erasure finds them by name alone, and
// the job that removes them carries it instead of the address, which the
// database no longer holds by then. It is a pseudonym, not a secret:
// whoever already knows an address can compute its tag.
func AddressTag(email string) string {
	sum := sha256.Sum256([]byte("convene address tag\x00" + NormalizeEmail(email)))
	return hex.EncodeToString(sum[:8])
}

// ValidAddressTag reports whether s has the form of an AddressTag.
func ValidAddressTag(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// EraseFilesAgainAfter is how long after an erasure its files are looked
// for a second time: longer than an e-mail that was being composed and
// written when the erasure committed can take.
const EraseFilesAgainAfter = 15 * time.Minute
