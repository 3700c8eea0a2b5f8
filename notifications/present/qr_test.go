package present

import (
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
