package api

import (
	"image"
	"image/color"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/present"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

var (
	qrSVGRE  = regexp.MustCompile(`<svg class="qr" [^>]*viewBox="0 0 (\d+) (\d+)"[^>]*>(.*?)</svg>`)
	qrPathRE = regexp.MustCompile(`<path fill="#000" d="([^"]*)"/>`)
	qrRunRE  = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
)

// svgBitmap reads the page's QR code back into modules: the viewBox is the
// size in modules, and each subpath of the one dark path is a run of dark
// modules one module high.
func svgBitmap(t *testing.T, body string) [][]bool {
	t.Helper()
	svgs := qrSVGRE.FindAllStringSubmatch(body, -1)
	if len(svgs) != 1 {
		t.Fatalf("%d QR codes on the page, want 1", len(svgs))
	}
	w, _ := strconv.Atoi(svgs[0][1])
	h, _ := strconv.Atoi(svgs[0][2])
	if w != h || w == 0 {
		t.Fatalf("viewBox %dx%d", w, h)
	}
	paths := qrPathRE.FindAllStringSubmatch(svgs[0][3], -1)
	if len(paths) != 1 {
		t.Fatalf("%d dark paths in the svg, want 1: %s", len(paths), svgs[0][3])
	}
	d := paths[0][1]
	if rest := qrRunRE.ReplaceAllString(d, ""); rest != "" {
		t.Fatalf("the path has commands other than runs of modules: %q", rest)
	}
	bitmap := make([][]bool, h)
	for y := range bitmap {
		bitmap[y] = make([]bool, w)
	}
	for _, m := range qrRunRE.FindAllStringSubmatch(d, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		run, _ := strconv.Atoi(m[3])
		back, _ := strconv.Atoi(m[4])
		if run != back || run == 0 || y >= h || x+run > w {
			t.Fatalf("subpath %q does not draw a run inside the code", m[0])
		}
		for i := range run {
			if bitmap[y][x+i] {
				t.Fatalf("module (%d, %d) drawn twice", x+i, y)
			}
			bitmap[y][x+i] = true
		}
	}
	return bitmap
}

// scanQR renders the modules as a picture, 4 pixels a module, and reads it
// with ZXing's decoder, as a phone's scanner would; level is the error
// correction level the code's format information gives ("M").
func scanQR(t *testing.T, bitmap [][]bool) (text, level string) {
	t.Helper()
	const px = 4
	n := len(bitmap)
	img := image.NewGray(image.Rect(0, 0, n*px, n*px))
	for y := range n * px {
		for x := range n * px {
			c := color.Gray{Y: 255}
			if bitmap[y/px][x/px] {
				c.Y = 0
			}
			img.SetGray(x, y, c)
		}
	}
	bb, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxingqr.NewQRCodeReader().Decode(bb, nil)
	if err != nil {
		t.Fatalf("the QR code does not scan: %v", err)
	}
	level, _ = res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL].(string)
	return res.GetText(), level
}

// wantCheckinQR checks that the page shows the code's QR code, under its
// heading and with the code in text beneath, and that the QR code is the
// one the e-mails draw for the bare code and scans as it.
func wantCheckinQR(t *testing.T, p page, code string) {
	t.Helper()
	shown := domain.FormatCode(code)
	wantText(t, p, "Your check-in code", "Show this at the door.",
		`role="img" aria-label="QR code of your check-in code `+shown+`"`, `shape-rendering="crispEdges"`,
		"</svg>\n<p class=\"code\">"+shown+"</p>")
	got := svgBitmap(t, p.Body)
	want, err := present.CheckinQR(code) // what the e-mails draw
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the page's QR code is not the e-mails' for %s (-want +got):\n%s", code, diff)
	}
	if len(got) != 29 {
		t.Errorf("%d rows, want version 1 (21 modules) and a quiet zone of 4 on each side", len(got))
	}
	if text, level := scanQR(t, got); text != code || level != "M" {
		t.Errorf("the QR code scans as %q at level %q, want %q at M", text, level, code)
	}
}

// TestRSVPPageCheckinQR: the page of someone going shows their check-in
// code as a QR code and in text; a waitlisted person's page shows neither
// until they get a place.
func TestRSVPPageCheckinQR(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		_, slug := pageEvent(te, tok, gid, true, map[string]any{"capacity": 1})
		u := storetest.Unique()
		pc := newPageClient(t, te)
		grace := pc.rsvp(slug, "Grace Hopper", "grace-"+u+"@example.org")
		linus := pc.rsvp(slug, "Linus", "linus-"+u+"@example.org")
		code := func(token string) string {
			t.Helper()
			v, err := db.FindRSVPByToken(t.Context(), token)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.RSVP.CheckinCode) != 8 {
				t.Fatalf("check-in code %q, want 8 characters", v.RSVP.CheckinCode)
			}
			return v.RSVP.CheckinCode
		}
		graceCode, linusCode := code(grace), code(linus)

		for _, path := range []string{"/r/" + grace + "?new=1", "/r/" + grace} {
			p := pc.get(path)
			wantPage(t, p, http.StatusOK)
			wantCheckinQR(t, p, graceCode)
		}

		waiting := pc.get("/r/" + linus)
		wantPage(t, waiting, http.StatusOK)
		wantText(t, waiting, "You're on the waitlist, at position 1")
		wantNoText(t, waiting, "<svg", "Your check-in code", "Show this at the door", linusCode, domain.FormatCode(linusCode))

		// Grace cancels; Linus gets her place, and his page its code.
		confirm := pc.get("/r/" + grace + "/cancel")
		if r := pc.post("/r/"+grace+"/cancel", url.Values{"_csrf": {confirm.csrf(t)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("cancel: status %d", r.Status)
		}
		going := pc.get("/r/" + linus)
		wantPage(t, going, http.StatusOK)
		wantText(t, going, "You're going")
		wantCheckinQR(t, going, linusCode)
	})
}
