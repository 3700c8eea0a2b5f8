package present

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCheckinQRSVG: the svg is built only from numbers and an escaped
// label, and there is none without a code.
func TestCheckinQRSVG(t *testing.T) {
	if got := CheckinQRSVG(""); got != "" {
		t.Errorf("CheckinQRSVG(\"\") = %q, want nothing", got)
	}
	svg := string(CheckinQRSVG(`"><script>alert(1)</script>`))
	if svg == "" || strings.Contains(svg, "<script") || !strings.Contains(svg, `code &#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">`) {
		t.Errorf("a hostile code is not escaped: %s", svg)
	}
	svg = string(CheckinQRSVG("K7QM4TXZ"))
	for _, want := range []string{`viewBox="0 0 29 29"`, `role="img"`, `aria-label="QR code of your check-in code K7QM-4TXZ"`, `<rect width="29" height="29" fill="#fff"/>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("the svg lacks %s: %s", want, svg)
		}
	}
	if strings.Contains(svg, "style") {
		t.Errorf("the svg has a style, which the CSP forbids: %s", svg)
	}
	t.Logf("the svg of a version 1 code takes %d bytes", len(svg))
}

// TestCheckinQRKept: a code is encoded once; asking again gives the same
// modules from the cache, as a copy the caller may change.
func TestCheckinQRKept(t *testing.T) {
	const code = "QRKEPT23"
	first, err := CheckinQR(code)
	if err != nil {
		t.Fatal(err)
	}
	want, err := encodeCheckinQR(code)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(first, want, slices.Equal) {
		t.Fatal("the first bitmap is not the encoder's")
	}
	first[10][10] = !first[10][10] // the caller's copy
	encodes := CheckinQREncodes()
	again, err := CheckinQR(code)
	if err != nil {
		t.Fatal(err)
	}
	if n := CheckinQREncodes() - encodes; n != 0 {
		t.Errorf("the second call encoded %d times, want 0", n)
	}
	if !slices.EqualFunc(again, want, slices.Equal) {
		t.Error("the kept bitmap differs from the encoder's")
	}
}

// TestQRCacheBounded: the cache keeps at most its size, dropping the
// code kept longest.
func TestQRCacheBounded(t *testing.T) {
	c := newQRCache(3)
	p := packQR([][]bool{{true, false}, {false, true}})
	for _, code := range []string{"A", "B", "C", "D", "E"} {
		c.put(code, p)
	}
	if len(c.codes) != 3 {
		t.Fatalf("%d codes kept, want 3", len(c.codes))
	}
	for code, want := range map[string]bool{"A": false, "B": false, "C": true, "D": true, "E": true} {
		if _, ok := c.get(code); ok != want {
			t.Errorf("code %s kept: %v, want %v", code, ok, want)
		}
	}
	got, _ := c.get("E")
	if !slices.EqualFunc(got.bitmap(), [][]bool{{true, false}, {false, true}}, slices.Equal) {
		t.Errorf("unpacked %v", got.bitmap())
	}
}

// TestCheckinQRTablePixels: the table's constant pieces say the module
// size qrModulePx is.
func TestCheckinQRTablePixels(t *testing.T) {
	bitmap, err := CheckinQR("K7QM4TXZ")
	if err != nil {
		t.Fatal(err)
	}
	px := strconv.Itoa(qrModulePx)
	table := string(CheckinQRTable(bitmap, "label"))
	if !strings.Contains(table, `<td width="`+px+`" height="`+px+`" style="height:`+px+`px">`) {
		t.Errorf("the table's cells are not %s px: %.300s", px, table)
	}
}
