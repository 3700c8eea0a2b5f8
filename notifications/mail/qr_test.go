package mail

import (
	"image"
	"image/color"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/present"
)

var (
	qrTableRE = regexp.MustCompile(`(?s)<table role="img" aria-label="([^"]*)"[^>]*>(.*?)</table>`)
	qrRowRE   = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	qrCellRE  = regexp.MustCompile(`<td([^>]*)></td>`)
	colspanRE = regexp.MustCompile(`\bcolspan="(\d+)"`)
)

// receivedHTML is the text/html part of the message as a client reads it:
// rendered by go-mail, parsed and decoded by the standard library.
func receivedHTML(t *testing.T, m Message) (html string, pm parsedMail) {
	t.Helper()
	data, err := m.EML()
	if err != nil {
		t.Fatal(err)
	}
	pm = parseMail(t, data)
	p := pm.Root.find("text/html")
	if p == nil {
		t.Fatalf("no text/html part in %s", pm.Root.shape())
	}
	return string(p.Body), pm
}

// tableBitmap reads the QR code's HTML table back into modules, as a
// browser lays it out: each cell covers colspan columns of its row, dark
// when it has the dark bgcolor. It fails unless the e-mail has exactly one
// such table whose rows all have the same number of columns and whose
// first row sets the width of every column.
func tableBitmap(t *testing.T, html string) (bitmap [][]bool, label string) {
	t.Helper()
	tables := qrTableRE.FindAllStringSubmatch(html, -1)
	if len(tables) != 1 {
		t.Fatalf("%d QR tables in the HTML, want 1", len(tables))
	}
	label = tables[0][1]
	for y, row := range qrRowRE.FindAllStringSubmatch(tables[0][2], -1) {
		var line []bool
		cells := qrCellRE.FindAllStringSubmatch(row[1], -1)
		if rest := qrCellRE.ReplaceAllString(row[1], ""); rest != "" {
			t.Fatalf("row %d holds more than empty cells: %q", y, rest)
		}
		for x, c := range cells {
			attrs := c[1]
			span := 1
			if m := colspanRE.FindStringSubmatch(attrs); m != nil {
				span, _ = strconv.Atoi(m[1])
			}
			if y == 0 && (span != 1 || !strings.Contains(attrs, ` width="5"`)) {
				t.Fatalf("first row, cell %d: %q, want one column of width 5", x, attrs)
			}
			if x == 0 && !strings.Contains(attrs, ` height="5"`) {
				t.Errorf("row %d: the first cell sets no height: %q", y, attrs)
			}
			dark := strings.Contains(attrs, `bgcolor="#000000"`)
			if dark != strings.Contains(attrs, `background:#000`) {
				t.Errorf("row %d, cell %d: bgcolor and style disagree: %q", y, x, attrs)
			}
			for range span {
				line = append(line, dark)
			}
		}
		if y > 0 && len(line) != len(bitmap[0]) {
			t.Fatalf("row %d has %d columns, the first has %d", y, len(line), len(bitmap[0]))
		}
		bitmap = append(bitmap, line)
	}
	return bitmap, label
}

// scan renders the modules as a picture, 4 pixels a module, and reads it
// with ZXing's decoder (a port of the library behind many phone
// scanners): what a camera would find in the code, and the error
// correction level ("M") its format information gives.
func scan(t *testing.T, bitmap [][]bool) (text, level string) {
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

// TestCheckinQRInEmail: the going and updated e-mails draw the attendee's
// check-in code as a table that is, cell for cell, the QR code of the
// bare code (version 1, with the quiet zone); it scans as the code, at
// error correction level M; the code is
// in the text beneath it and in the plain-text body.
func TestCheckinQRInEmail(t *testing.T) {
	hybrid := invite() // a venue and a join link: there is a door
	hybrid.Event.OnlineURL = "https://meet.example.com/gloegg"
	for name, tc := range map[string]struct {
		kind domain.MessageKind
		in   Invite
	}{
		"Going":       {domain.MessageGoing, invite()},
		"GoingHybrid": {domain.MessageGoing, hybrid},
		"Updated":     {domain.MessageUpdated, updatedInvite()},
	} {
		t.Run(name, func(t *testing.T) {
			code := tc.in.RSVP.CheckinCode
			m := mustCompose(t, tc.kind, tc.in)
			html, pm := receivedHTML(t, m)
			// Rule M2 holds: no inline image, no multipart/related.
			if got := pm.Root.shape(); got != "multipart/mixed{multipart/alternative{text/plain,text/html,text/calendar},application/ics}" {
				t.Errorf("MIME tree %s", got)
			}
			if strings.Contains(strings.ToLower(html), "<img") {
				t.Error("the HTML has an image")
			}
			got, label := tableBitmap(t, html)
			want, err := present.CheckinQR(code)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the table is not the QR code of %s (-want +got):\n%s", code, diff)
			}
			if len(got) != 29 {
				t.Errorf("%d rows, want 21 modules and a quiet zone of 4 on each side", len(got))
			}
			n := len(got)
			for y, row := range got {
				for x, dark := range row {
					if dark && (min(x, y) < 4 || max(x, y) >= n-4) {
						t.Fatalf("a dark module at (%d, %d), in the quiet zone", x, y)
					}
				}
			}
			if text, level := scan(t, got); text != code || level != "M" {
				t.Errorf("the QR code scans as %q at level %q, want %q at M", text, level, code)
			}
			if label != "QR code of your check-in code K7QM-4TXZ" {
				t.Errorf("aria-label %q", label)
			}
			if !regexp.MustCompile(`>Your check-in code</p>\r?\n<table role="img"`).MatchString(html) ||
				!regexp.MustCompile(`</table>\r?\n<p [^>]*>K7QM-4TXZ</p>`).MatchString(html) {
				t.Errorf("the QR code is not under its heading with the code beneath:\n%s", html)
			}
			if !strings.Contains(m.Text, "\nYour check-in code: K7QM-4TXZ\n") {
				t.Errorf("the text body lacks the code:\n%s", m.Text)
			}
		})
	}
}

// TestNoCheckinCodeOnline: an online-only event has no door, so its going
// and updated e-mails show no QR code and no check-in code to show there.
func TestNoCheckinCodeOnline(t *testing.T) {
	going := invite()
	going.Event = session()
	updated := updatedInvite()
	updated.Event = session()
	for kind, in := range map[domain.MessageKind]Invite{domain.MessageGoing: going, domain.MessageUpdated: updated} {
		m := mustCompose(t, kind, in)
		html, _ := receivedHTML(t, m)
		if strings.Contains(html, "<table role=\"img\"") || strings.Contains(html, "check-in code") || strings.Contains(html, "K7QM-4TXZ") {
			t.Errorf("%s: the HTML of an online event shows a check-in code:\n%s", kind, html)
		}
		if strings.Contains(m.Text, "check-in code") || strings.Contains(m.Text, "door") {
			t.Errorf("%s: the text of an online event speaks of a check-in code or a door:\n%s", kind, m.Text)
		}
		if !strings.Contains(m.Text, "Join:  https://meet.example.com/gen-deep-dive") {
			t.Errorf("%s: the join link is missing:\n%s", kind, m.Text)
		}
	}
}

// TestCheckinQRSize: whatever the code, the QR table stays small, and so
// does the HTML body (Gmail clips a message over 102 KB).
func TestCheckinQRSize(t *testing.T) {
	codes := []string{"K7QM4TXZ", "AAAAAAAA", "22222222", "ZYXWVTSR"}
	for range 300 {
		codes = append(codes, domain.NewCheckinCode())
	}
	largestTable, largestHTML, largestEML := 0, 0, 0
	for _, code := range codes {
		bitmap, err := present.CheckinQR(code)
		if err != nil {
			t.Fatal(err)
		}
		if len(bitmap) != 29 {
			t.Errorf("%s: %d modules a side, want 29 (version 1)", code, len(bitmap))
		}
		largestTable = max(largestTable, len(present.CheckinQRTable(bitmap, "QR code of your check-in code "+domain.FormatCode(code))))
		in := invite()
		in.RSVP.CheckinCode = code
		m := mustCompose(t, domain.MessageGoing, in)
		eml, err := m.EML()
		if err != nil {
			t.Fatal(err)
		}
		largestHTML, largestEML = max(largestHTML, len(m.HTML)), max(largestEML, len(eml))
	}
	t.Logf("largest of %d codes: QR table %d bytes, HTML body %d bytes, whole message %d bytes", len(codes), largestTable, largestHTML, largestEML)
	if largestTable > 14<<10 {
		t.Errorf("the QR table takes up to %d bytes, want at most 14 KiB", largestTable)
	}
	if largestHTML > 20<<10 {
		t.Errorf("the HTML body takes up to %d bytes, want at most 20 KiB", largestHTML)
	}
	if largestEML > 32<<10 {
		t.Errorf("the message takes up to %d bytes, want at most 32 KiB", largestEML)
	}
}

// TestCheckinQROnlyWithAPlace: no QR code and no code for an RSVP made
// before codes existed, nor in the e-mails of people without a place,
// although their RSVP has a code.
func TestCheckinQROnlyWithAPlace(t *testing.T) {
	noCode := invite()
	noCode.RSVP.CheckinCode = ""
	noCodeUpdated := updatedInvite()
	noCodeUpdated.RSVP.CheckinCode = ""
	waitlisted := invite()
	waitlisted.RSVP = rsvp(domain.RSVPWaitlisted)
	rsvpCancelled := invite()
	rsvpCancelled.RSVP = rsvp(domain.RSVPCancelled)
	rsvpCancelled.Sequence = 1
	for name, m := range map[string]Message{
		"GoingWithoutCode":         mustCompose(t, domain.MessageGoing, noCode),
		"UpdatedWithoutCode":       mustCompose(t, domain.MessageUpdated, noCodeUpdated),
		"Waitlisted":               mustCompose(t, domain.MessageWaitlisted, waitlisted),
		"EventCancelledGoing":      mustCompose(t, domain.MessageEventCancelled, cancelledInvite(domain.RSVPGoing)),
		"EventCancelledWaitlisted": mustCompose(t, domain.MessageEventCancelled, cancelledInvite(domain.RSVPWaitlisted)),
		"RSVPCancelled":            mustCompose(t, domain.MessageRSVPCancelled, rsvpCancelled),
	} {
		t.Run(name, func(t *testing.T) {
			html, _ := receivedHTML(t, m)
			for _, body := range []string{m.Text, html} {
				if strings.Contains(body, "check-in code") || strings.Contains(body, "K7QM") || strings.Contains(body, `role="img"`) {
					t.Errorf("the %s e-mail shows a check-in code:\n%s", m.Kind, body)
				}
			}
			if strings.Contains(m.Text, "\n\n\n") {
				t.Errorf("empty section left in the text:\n%s", m.Text)
			}
		})
	}
}
