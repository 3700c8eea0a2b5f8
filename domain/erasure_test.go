package domain

import "testing"

// TestAddressTag: the tag is fixed for an address whatever its case and
// spacing — files already written carry it, so it must never change — and
// tells addresses apart.
func TestAddressTag(t *testing.T) {
	const want = "ce7e789594c060de"
	for _, a := range []string{"ingrid@example.net", " Ingrid@Example.NET "} {
		if got := AddressTag(a); got != want {
			t.Errorf("AddressTag(%q) = %s, want %s", a, got, want)
		}
	}
	if AddressTag("ola@example.net") == want {
		t.Error("two addresses share a tag")
	}
	for s, ok := range map[string]bool{want: true, "": false, "CE7E789594C060DE": false, want + "0": false, "ce7e789594c060dg": false} {
		if ValidAddressTag(s) != ok {
			t.Errorf("ValidAddressTag(%q) = %v", s, !ok)
		}
	}
}
