package inbound

import (
	"strings"
	"testing"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/inbound/inboundtest"
)

// FuzzParse feeds Parse every fixture shape and broken variants of them.
// Parse must not panic, and what it returns must be a reply Convene can
// route: a token and one of the three methods an attendee sends.
func FuzzParse(f *testing.F) {
	for _, c := range inboundtest.Clients {
		for _, r := range []inboundtest.Reply{
			fixture(),
			func() inboundtest.Reply { r := fixture(); r.PartStat, r.Name = "DECLINED", "Doe, Jane; Sr."; return r }(),
			func() inboundtest.Reply {
				r := fixture()
				r.Method, r.PartStat, r.Name = "COUNTER", "TENTATIVE", ""
				return r
			}(),
			func() inboundtest.Reply { r := fixture(); r.Method, r.PartStat = "REFRESH", ""; return r }(),
			func() inboundtest.Reply { r := fixture(); r.Method = "REQUEST"; return r }(),
		} {
			m := inboundtest.Message(c, r)
			f.Add(m)
			f.Add(m[:len(m)/2])
			f.Add(calendarMessage(string(inboundtest.ICS(c, r))))
		}
	}
	for _, s := range []string{
		crlf(lines),
		strings.Join(lines, "\n"),
		strings.Join(lines, "\r"),
		"\uFEFF" + crlf(edit(lines, "ATTENDEE", `ATTENDEE;CN="Doe: Jane";PARTSTAT=ACCEPTED:MAILTO:jane@example.com`)),
		crlf(edit(lines, "ATTENDEE", "ATTENDEE;PARTSTAT=ACCEPTED;CN=Jane Doe:mai", " lto:jane@example.com")),
		crlf(edit(lines, "METHOD")),
		crlf(lines[:len(lines)-2]),
		crlf(edit(lines, "UID", "BEGIN:X", "BEGIN:Y", "BEGIN:Z")),
		"BEGIN:VCALENDAR\r\nbroken",
		"BEGIN:VCALENDAR\r\nX;A=\"\\",
	} {
		f.Add(calendarMessage(s))
	}
	f.Add(single(`multipart/mixed; boundary="m"`, "", multipartBody("m",
		part{"Content-Type: multipart/alternative; boundary=\"a\"\r\n", multipartBody("a", textPart("Jane accepted"), calPart(crlf(lines)))},
		part{"Content-Type: application/ics; name=invite.ics\r\nContent-Transfer-Encoding: base64\r\n", "QkVHSU46VkNBTEVOREFS"})))
	f.Add(single("text/calendar; method=REPLY", "quoted-printable", qpEncode(crlf(lines))))
	f.Add(single("text/calendar; method=REPLY", "base64", "QkVHSU46VkNBTEVOREFSDQo="))
	f.Add([]byte("From x\nTo: " + replyAddr("rsvp_1") + "\n\n"))
	f.Add([]byte{})

	rcpts := []string{replyAddr("rsvp_2")}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, env := range [][]string{nil, rcpts} {
			got, err := Parse(raw, env, testDomain, domain.ViaPipe)
			if (err == nil) != (len(got) > 0) {
				t.Fatalf("Parse = %d replies, %v", len(got), err)
			}
			for _, r := range got {
				if r.Token == "" {
					t.Errorf("reply without Token: %+v", r)
				}
				switch r.Method {
				case domain.MethodReply, domain.MethodCounter, domain.MethodRefresh:
				default:
					t.Errorf("reply with Method %q", r.Method)
				}
				if r.Via != domain.ViaPipe {
					t.Errorf("reply with Via %q", r.Via)
				}
			}
		}
	})
}
