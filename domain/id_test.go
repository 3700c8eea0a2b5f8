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
