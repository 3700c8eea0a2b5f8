package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store/storetest"
)

// received is one e-mail as a calendar client would see it.
type received struct {
	To, Subject, MessageID string
	From                   *mail.Address // the From header, decoded
	Text                   string
	HTML                   string // the text/html part
	Method                 string // the text/calendar part's method parameter
	ICS                    string // the text/calendar part
	Attachment             string // the .ics attachment
}

func parseMail(t *testing.T, m smtptest.Message) received {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	r := received{To: strings.Join(m.To, ","), Subject: subject, MessageID: msg.Header.Get("Message-ID")}
	if r.From, err = mail.ParseAddress(msg.Header.Get("From")); err != nil {
		t.Fatalf("From %q: %v", msg.Header.Get("From"), err)
	}
	var walk func(ct string, body io.Reader)
	walk = func(ct string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("bad Content-Type %q", ct)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				var r io.Reader = p // multipart.Part decodes quoted-printable itself
				if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
					r = base64.NewDecoder(base64.StdEncoding, p)
				}
				walk(p.Header.Get("Content-Type"), r)
			}
		}
		b, _ := io.ReadAll(body)
		switch {
		case mt == "text/plain":
			r.Text = string(b)
		case mt == "text/html":
			r.HTML = string(b)
		case mt == "text/calendar":
			r.Method, r.ICS = params["method"], string(b)
		case mt == "application/ics":
			r.Attachment = string(b)
		}
	}
	body := io.Reader(msg.Body)
	walk(msg.Header.Get("Content-Type"), body)
	return r
}

func icsProp(ics, name string) string {
	m := regexp.MustCompile(`(?m)^` + name + `[:;](.*)\r$`).FindStringSubmatch(strings.ReplaceAll(ics, "\r\n ", ""))
	if m == nil {
		return ""
	}
	return m[1]
}

// mailEnv starts serve with the SMTP server and a short update delay.
func mailEnv(t *testing.T, dialect string, sink *smtptest.Server) map[string]string {
	env := map[string]string{
		"CONVENE_DATA_DIR": t.TempDir(), "CONVENE_ADMIN_EMAIL": "owner-" + storetest.Unique() + "@example.org",
		"CONVENE_SMTP_URL": sink.URL(), "CONVENE_UPDATE_DELAY": "400ms", "CONVENE_RSVP_RATE_LIMIT": "0",
		"CONVENE_MAIL_FROM": "Convene <events@convene.example>", "CONVENE_BASE_URL": "https://convene.example",
	}
	if dialect == "postgres" {
		env["CONVENE_DATABASE_URL"] = freshPostgres(t)
	}
	return env
}

type flow struct {
	t     testing.TB
	base  string
	token string
}

func newFlow(t testing.TB, in *instance) *flow {
	m := regexp.MustCompile(`(?m)^(cvn_[A-Za-z0-9_-]{43})$`).FindStringSubmatch(in.stdout.String())
	if m == nil {
		t.Fatalf("no bootstrap token: %s", in.stdout)
	}
	return &flow{t: t, base: in.base, token: m[1]}
}

// event creates and publishes an event in a new group; it returns its id
// and slug.
func (f *flow) event(capacity int, groupName string) (string, string) {
	t := f.t
	st, g := call(t, "POST", f.base+"/api/v1/groups", f.token, map[string]any{"slug": "g-" + storetest.Unique(), "name": groupName, "time_zone": "Europe/Oslo"})
	if st != 201 {
		t.Fatalf("group: %d %v", st, g)
	}
	start := clock.Now().Add(72 * time.Hour).UTC().Truncate(time.Hour)
	st, ev := call(t, "POST", f.base+"/api/v1/groups/"+g["id"].(string)+"/events", f.token, map[string]any{
		"title": "Essentials: Q1", "kind": "meetup", "capacity": capacity,
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
		"venue": map[string]any{"name": "Kulturhuset", "address": "Youngstorget 3"},
	})
	if st != 201 {
		t.Fatalf("event: %d %v", st, ev)
	}
	if st, _ := call(t, "POST", f.base+"/api/v1/events/"+ev["id"].(string)+"/publish", f.token, nil); st != 200 {
		t.Fatalf("publish: %d", st)
	}
	return ev["id"].(string), ev["slug"].(string)
}

func (f *flow) rsvp(slug, name, email string) map[string]any {
	st, r := call(f.t, "POST", f.base+"/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": name, "email": email})
	if st != 201 {
		f.t.Fatalf("rsvp: %d %v", st, r)
	}
	return r
}

// TestInvitesEndToEnd: invite on going, waitlist notice, one update for a
// burst of edits, nothing for a description change, a CANCEL for an
// attendee who leaves and an invite for the person promoted, and a CANCEL
// to everyone when the event is cancelled — same UID throughout, SEQUENCE
// rising, MIME method equal to METHOD.
func TestInvitesEndToEnd(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			sink := smtptest.Start(t)
			in := startServe(t, mailEnv(t, dialect, sink))
			f := newFlow(t, in)
			eid, slug := f.event(1, `Oslo Go, "Meetup"`)

			grace := f.rsvp(slug, "Grace Hopper", "grace@example.org")
			f.rsvp(slug, "Linus", "linus@example.org")
			msgs := sink.WaitFor(t, 2, 20*time.Second)
			byTo := map[string]received{}
			for _, m := range msgs {
				r := parseMail(t, m)
				byTo[r.To] = r
			}
			inv := byTo["grace@example.org"]
			if !strings.HasPrefix(inv.Subject, "You're going: Essentials: Q1 — ") {
				t.Errorf("invite subject %q", inv.Subject)
			}
			// From the group through Convene, at the configured address.
			if *inv.From != (mail.Address{Name: `Oslo Go, "Meetup" via Convene`, Address: "events@convene.example"}) {
				t.Errorf("From %v, want the group's name via Convene at the configured address", inv.From)
			}
			if inv.Method != "REQUEST" || icsProp(inv.ICS, "METHOD") != "REQUEST" || inv.Attachment != inv.ICS {
				t.Fatalf("invite calendar: method param %q, METHOD %q, attachment equal %v", inv.Method, icsProp(inv.ICS, "METHOD"), inv.Attachment == inv.ICS)
			}
			att := icsProp(inv.ICS, "ATTENDEE")
			if !strings.Contains(att, "PARTSTAT=ACCEPTED") || !strings.Contains(att, "RSVP=TRUE") || !strings.HasSuffix(att, "mailto:grace@example.org") {
				t.Errorf("ATTENDEE %q", att)
			}
			if org := icsProp(inv.ICS, "ORGANIZER"); !strings.Contains(org, `CN="Oslo Go, 'Meetup'"`) {
				t.Errorf("ORGANIZER %q", org)
			}
			uid := icsProp(inv.ICS, "UID")
			if uid != eid+"@convene.example" || icsProp(inv.ICS, "SEQUENCE") != "0" {
				t.Errorf("UID %q SEQUENCE %q", uid, icsProp(inv.ICS, "SEQUENCE"))
			}
			if !strings.Contains(inv.Text, "(Europe/Oslo") || !strings.Contains(inv.Text, "https://convene.example/r/") {
				t.Errorf("invite text lacks the local time zone or the manage link:\n%s", inv.Text)
			}
			if w := byTo["linus@example.org"]; w.ICS != "" || !strings.Contains(w.Text, "1") {
				t.Errorf("waitlist notice: calendar %q, text %q", w.ICS, w.Text)
			}

			// Two quick time changes and a description change: one update.
			start := clock.Now().Add(96 * time.Hour).UTC().Truncate(time.Hour)
			for i := range 2 {
				s := start.Add(time.Duration(i) * time.Hour)
				if st, _ := call(t, "PATCH", f.base+"/api/v1/events/"+eid, f.token, map[string]any{
					"starts_at": s.Format(time.RFC3339), "ends_at": s.Add(2 * time.Hour).Format(time.RFC3339)}); st != 200 {
					t.Fatalf("patch: %d", st)
				}
			}
			if st, _ := call(t, "PATCH", f.base+"/api/v1/events/"+eid, f.token, map[string]any{"description": "Bring a friend"}); st != 200 {
				t.Fatal("patch description")
			}
			msgs = sink.WaitFor(t, 3, 20*time.Second)
			time.Sleep(600 * time.Millisecond) // room for a wrongly sent second update
			if n := len(sink.Messages()); n != 3 {
				t.Fatalf("%d messages after a burst of edits, want exactly one update (3 in all)", n)
			}
			upd := parseMail(t, sink.Messages()[2])
			if upd.To != "grace@example.org" || upd.Method != "REQUEST" || icsProp(upd.ICS, "UID") != uid || icsProp(upd.ICS, "SEQUENCE") != "2" {
				t.Fatalf("update: to %s method %s UID %s SEQUENCE %s", upd.To, upd.Method, icsProp(upd.ICS, "UID"), icsProp(upd.ICS, "SEQUENCE"))
			}
			if !strings.Contains(upd.Text, "The time changed") {
				t.Errorf("update does not say what changed:\n%s", upd.Text)
			}

			// Grace leaves: her calendar gets a CANCEL; Linus is promoted and
			// gets the invite.
			if st, _ := call(t, "DELETE", f.base+"/api/v1/rsvps/"+grace["manage_token"].(string), "", nil); st != 200 {
				t.Fatal("cancel rsvp")
			}
			sink.WaitFor(t, 5, 20*time.Second)
			byTo = map[string]received{}
			for _, m := range sink.Messages()[3:] {
				r := parseMail(t, m)
				byTo[r.To] = r
			}
			c := byTo["grace@example.org"]
			if c.Method != "CANCEL" || icsProp(c.ICS, "METHOD") != "CANCEL" || icsProp(c.ICS, "STATUS") != "CANCELLED" ||
				icsProp(c.ICS, "UID") != uid || icsProp(c.ICS, "SEQUENCE") <= "2" {
				t.Fatalf("self-cancel: method %s STATUS %s UID %s SEQUENCE %s", c.Method, icsProp(c.ICS, "STATUS"), icsProp(c.ICS, "UID"), icsProp(c.ICS, "SEQUENCE"))
			}
			p := byTo["linus@example.org"]
			if p.Method != "REQUEST" || icsProp(p.ICS, "UID") != uid || !strings.HasSuffix(icsProp(p.ICS, "ATTENDEE"), "mailto:linus@example.org") {
				t.Fatalf("promotion invite: %+v", p)
			}
			// It says he moved up, unlike a first "you're going".
			if !strings.HasPrefix(p.Subject, "A place opened up — you're going: Essentials: Q1 — ") ||
				!strings.Contains(p.Text, "you moved up from the waitlist. You now have a seat") {
				t.Errorf("promotion invite reads like a first one: %q\n%s", p.Subject, p.Text)
			}

			// Ada joins the waitlist now the seat is Linus's.
			f.rsvp(slug, "Ada", "ada@example.org")
			sink.WaitFor(t, 6, 20*time.Second)

			// The event is cancelled: Linus (going) gets a CANCEL with the
			// reason, and so does Ada, who waited, in words for her;
			// Grace, who left, gets nothing more.
			if st, _ := call(t, "POST", f.base+"/api/v1/events/"+eid+"/cancel", f.token, map[string]any{"reason": "The hall is flooded"}); st != 200 {
				t.Fatal("cancel event")
			}
			sink.WaitFor(t, 8, 20*time.Second)
			time.Sleep(300 * time.Millisecond)
			all := sink.Messages()
			if len(all) != 8 {
				t.Fatalf("%d messages, want 8", len(all))
			}
			byTo = map[string]received{}
			for _, m := range all[6:] {
				r := parseMail(t, m)
				byTo[r.To] = r
			}
			ec := byTo["linus@example.org"]
			if ec.Method != "CANCEL" || icsProp(ec.ICS, "UID") != uid || !strings.Contains(ec.Text, "The hall is flooded") ||
				!strings.Contains(ec.Text, "The attached cancellation removes the event from your calendar.") {
				t.Fatalf("event cancel: %+v", ec)
			}
			wc := byTo["ada@example.org"]
			if wc.Method != "CANCEL" || !strings.Contains(wc.Text, "The hall is flooded") ||
				strings.Contains(wc.Text, "removes the event from your calendar") ||
				!strings.Contains(wc.Text, "you had no invitation from us: there is nothing to remove from your calendar") {
				t.Errorf("the waitlisted person's cancellation:\n%s", wc.Text)
			}
			// Every message has its own Message-ID.
			ids := map[string]bool{}
			for _, m := range all {
				ids[parseMail(t, m).MessageID] = true
			}
			if len(ids) != 8 {
				t.Fatalf("Message-IDs not distinct: %v", ids)
			}
			// The organiser sees every delivery as sent.
			_, d := call(t, "GET", f.base+"/api/v1/events/"+eid+"/deliveries?limit=50", f.token, nil)
			items := d["items"].([]any)
			if len(items) != 8 {
				t.Fatalf("%d deliveries listed", len(items))
			}
			for _, it := range items {
				if it.(map[string]any)["status"] != "sent" {
					t.Fatalf("delivery not sent: %v", it)
				}
			}
		})
	}
}

// TestMailOutageAndRestart: the mail server refuses (451) while RSVPs come
// in and Convene is stopped and started again; when the server recovers,
// every invite arrives exactly once. A permanent refusal (550) is recorded
// as failed and not retried.
func TestMailOutageAndRestart(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			sink := smtptest.Start(t)
			sink.RefuseFor(time.Hour)
			sink.Reject("bounce@example.org")
			env := mailEnv(t, dialect, sink)
			in := startServe(t, env)
			f := newFlow(t, in)
			eid, slug := f.event(100, "Outage Group")
			const n = 20
			for i := range n {
				f.rsvp(slug, fmt.Sprintf("Person %d", i), fmt.Sprintf("p%d@example.org", i))
			}
			f.rsvp(slug, "Bounce", "bounce@example.org")
			time.Sleep(1500 * time.Millisecond) // attempts fail with 451
			if got := len(sink.Messages()); got != 0 {
				t.Fatalf("%d messages got through a refusing server", got)
			}
			if err := in.stop(); err != nil {
				t.Fatal(err)
			}
			sink.RefuseFor(0)
			in2 := startServe(t, env)
			msgs := sink.WaitFor(t, n, 60*time.Second)
			time.Sleep(500 * time.Millisecond)
			msgs = sink.Messages()
			seen := map[string]int{}
			for _, m := range msgs {
				seen[strings.Join(m.To, ",")]++
			}
			if len(msgs) != n || len(seen) != n {
				t.Fatalf("%d messages to %d recipients, want %d each once: %v", len(msgs), len(seen), n, seen)
			}
			// The mail server's answers name recipients; the logs never do.
			logs := in.stderr.String() + in2.stderr.String()
			if strings.Contains(logs, "@example.org") {
				t.Fatalf("an address reached the logs:\n%s", logs)
			}
			if !strings.Contains(logs, "[address]") {
				t.Fatalf("the 550 refusal was not logged (redacted):\n%s", logs)
			}
			_, d := call(t, "GET", in2.base+"/api/v1/events/"+eid+"/deliveries?limit=50", f.token, nil)
			for _, it := range d["items"].([]any) {
				m := it.(map[string]any)
				want := "sent"
				if m["email"] == "bounce@example.org" {
					want = "failed"
				}
				if m["status"] != want {
					t.Fatalf("delivery to %v: %v, want %s (%v)", m["email"], m["status"], want, m["last_error"])
				}
			}
		})
	}
}

// TestEMLDefault: with no CONVENE_SMTP_URL, the invite is written as an
// .eml file under DATA_DIR/mail, and the log says where.
func TestEMLDefault(t *testing.T) {
	dir := t.TempDir()
	in := startServe(t, map[string]string{"CONVENE_DATA_DIR": dir, "CONVENE_BASE_URL": "https://convene.example"})
	f := newFlow(t, in)
	_, slug := f.event(10, "EML Group")
	r := f.rsvp(slug, "Grace", "grace@example.org")
	if !strings.Contains(in.stderr.String(), `"dir":"`+filepath.Join(dir, "mail")+`"`) {
		t.Fatalf("the log does not say where e-mails go:\n%s", in.stderr)
	}
	path := filepath.Join(dir, "mail", r["id"].(string)+".going.0@convene.example~"+domain.AddressTag("grace@example.org")+".eml")
	var data []byte
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil {
			data = b
			break
		}
	}
	if data == nil {
		entries, _ := os.ReadDir(filepath.Join(dir, "mail"))
		t.Fatalf("no %s; mail dir has %v", path, entries)
	}
	got := parseMail(t, smtptest.Message{To: []string{"grace@example.org"}, Data: data})
	if got.Method != "REQUEST" || icsProp(got.ICS, "METHOD") != "REQUEST" || !strings.HasPrefix(got.Subject, "You're going:") {
		t.Fatalf("eml: method %q subject %q", got.Method, got.Subject)
	}
}
