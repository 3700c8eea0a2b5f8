package domain

import (
	"sort"
	"testing"
)

func TestNewIDIsMonotonicAndValid(t *testing.T) {
	ids := make([]string, 10000)
	for i := range ids {
		ids[i] = NewID()
		if !ValidID(ids[i]) {
			t.Fatalf("NewID made an invalid id %q", ids[i])
		}
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatal("ids made one after another do not sort in creation order")
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
	for _, bad := range []string{"", "short", "0000000000000000000000000!", "06h1pr3gx1p62v3emh5wh5txv4x"} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
}

func TestSecretsAreDistinct256Bit(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if a == b || len(a) != 43 {
		t.Fatalf("secrets %q %q", a, b)
	}
	if HashToken(a) == HashToken(b) || len(HashToken(a)) != 64 {
		t.Fatal("hash")
	}
}

func TestNewUnguessableID(t *testing.T) {
	// Made in the same millisecond, NewID's ids differ in their last
	// characters only; these share no long common prefix beyond the time.
	a, b := NewUnguessableID(), NewUnguessableID()
	if !ValidID(a) || !ValidID(b) {
		t.Fatalf("ids %q, %q are not valid ids", a, b)
	}
	same := 0
	for i := 10; i < 26; i++ { // after the 48-bit time
		if a[i] == b[i] {
			same++
		}
	}
	if same > 8 {
		t.Fatalf("%q and %q share %d of 16 random characters", a, b, same)
	}
}
