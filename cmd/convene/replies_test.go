package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/convene/convene/notifications/inbound/inboundtest"
	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store/storetest"
)

const replyDomain = "replies.convene.example"

var replyAddrRE = regexp.MustCompile(`mailto:(reply\+[a-z2-7]{52}@` + regexp.QuoteMeta(replyDomain) + `)`)

// sendByListener hands msg to the inbound listener at addr by SMTP or LMTP,
// as an MX or a Postfix lmtp: transport would.
func sendByListener(t *testing.T, addr string, lmtp bool, from string, to []string, msg []byte) error {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var c *smtp.Client
	if lmtp {
		c = smtp.NewClientLMTP(conn)
	} else {
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	if err := c.Hello("mx.example.net"); err != nil {
		t.Fatal(err)
	}
	return c.SendMail(from, to, bytes.NewReader(msg))
}

// TestCalendarRepliesEndToEnd: on both databases, through the real
// service and SMTP, an invite names the attendee's own reply address as
// its ORGANIZER (the e-mail's Reply-To stays the group's contact); a
// Decline made in the shape Outlook, Gmail or Apple Calendar sends it comes
// back by each way in — the SMTP (SQLite) or LMTP (PostgreSQL) listener,
// the webhook, and `convene inbound` as a pipe — and the seat moves to the
// first in line, who gets their invite, while the decliner's calendar gets
// a CANCEL. Forged replies (another attendee, another event), a stale one
// (an invite since updated) and the same reply again change nothing. A
// proposal of another time gets a DECLINECOUNTER, and a REFRESH the
// invite again.
func TestCalendarRepliesEndToEnd(t *testing.T) {
	for _, c := range []struct{ dialect, listener string }{{"sqlite", "smtp"}, {"postgres", "lmtp"}} {
		t.Run(c.dialect, func(t *testing.T) {
			sink := smtptest.Start(t)
			env := mailEnv(t, c.dialect, sink)
			listen := "127.0.0.1:" + freePort(t)
			secret := "inbound-" + storetest.Unique() + "-secret"
			env["CONVENE_INBOUND_DOMAIN"] = replyDomain
			env["CONVENE_INBOUND_LISTEN"] = c.listener + "://" + listen
			env["CONVENE_INBOUND_SECRET"] = secret
			in := startServe(t, env)
			f := newFlow(t, in)
			seen := 0
			dir := t.TempDir()
			convene := conveneCommand(t, dir)

			ways := []struct {
				name   string
				client inboundtest.Client
				send   func(t *testing.T, rcpt string, msg []byte)
			}{
				{c.listener, inboundtest.Outlook, func(t *testing.T, rcpt string, msg []byte) {
					if err := sendByListener(t, listen, c.listener == "lmtp", "someone@example.net", []string{rcpt}, msg); err != nil {
						t.Fatalf("the listener refused a reply: %v", err)
					}
				}},
				{"webhook", inboundtest.Gmail, func(t *testing.T, _ string, msg []byte) {
					req, _ := http.NewRequest("POST", in.base+"/api/v1/inbound/mail", bytes.NewReader(msg))
					req.Header.Set("Authorization", "Bearer "+secret)
					req.Header.Set("Content-Type", "message/rfc822")
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					res.Body.Close()
					if res.StatusCode != http.StatusAccepted {
						t.Fatalf("webhook: %d, want 202", res.StatusCode)
					}
				}},
				{"pipe", inboundtest.Apple, func(t *testing.T, _ string, msg []byte) {
					cmd := exec.Command(convene, "inbound")
					cmd.Dir, cmd.Env, cmd.Stdin = dir, commandEnv(env), bytes.NewReader(msg)
					if out, err := cmd.CombinedOutput(); err != nil {
						t.Fatalf("convene inbound: %v\n%s", err, out)
					}
				}},
			}
			for i, w := range ways {
				t.Run(w.name, func(t *testing.T) {
					eid, slug := f.event(1, "Oslo Go")
					st, ev := call(t, "GET", f.base+"/api/v1/events/"+eid, f.token, nil)
					if st != 200 {
						t.Fatalf("event: %d", st)
					}
					start, _ := time.Parse(time.RFC3339, ev["starts_at"].(string))
					ada, bo := fmt.Sprintf("ada-%d@example.org", i), fmt.Sprintf("bo-%d@example.org", i)
					f.rsvp(slug, "Åse Lovelace, PhD", ada)
					f.rsvp(slug, "Bo", bo)
					got := newMail(t, sink, &seen, 2)
					invite := got[ada]
					m := replyAddrRE.FindStringSubmatch(icsProp(invite.ICS, "ORGANIZER"))
					if invite.Method != "REQUEST" || m == nil {
						t.Fatalf("Ada's invite (%s) does not name her reply address as ORGANIZER: %q", invite.Method, icsProp(invite.ICS, "ORGANIZER"))
					}
					replyTo := m[1]
					seq, _ := strconv.Atoi(icsProp(invite.ICS, "SEQUENCE"))
					reply := inboundtest.Reply{To: replyTo, ToName: "Oslo Go", From: ada, Name: "Åse Lovelace, PhD",
						UID: icsProp(invite.ICS, "UID"), Sequence: seq, Summary: "Essentials: Q1", Start: start,
						Stamp: clock.Now().UTC().Truncate(time.Second), PartStat: "DECLINED"}

					// Forgeries change nothing: another attendee's decline sent
					// to Ada's address, Ada's decline of another event, and a
					// decline of an invite never sent.
					forged := reply
					forged.From, forged.Name = bo, "Bo"
					w.send(t, replyTo, inboundtest.Message(w.client, forged))
					other := reply
					other.UID = "evt_other@convene.example"
					w.send(t, replyTo, inboundtest.Message(w.client, other))
					future := reply
					future.Sequence = seq + 7
					w.send(t, replyTo, inboundtest.Message(w.client, future))
					wantStatuses(t, f, eid, map[string]string{ada: "going", bo: "waitlisted"})

					// The decline: Bo moves up and gets his invite; Ada's
					// calendar gets a CANCEL.
					w.send(t, replyTo, inboundtest.Message(w.client, reply))
					got = newMail(t, sink, &seen, 2)
					if got[bo].Method != "REQUEST" || !strings.Contains(got[bo].Subject, "A place opened up") {
						t.Errorf("Bo's e-mail: %s %q", got[bo].Method, got[bo].Subject)
					}
					if got[ada].Method != "CANCEL" {
						t.Errorf("Ada's e-mail after declining: %s %q", got[ada].Method, got[ada].Subject)
					}
					rs := wantStatuses(t, f, eid, map[string]string{ada: "cancelled", bo: "going"})
					cr, _ := rs[ada]["calendar_reply"].(map[string]any)
					if cr["answer"] != "declined" || cr["via"] != map[string]string{"smtp": "smtp", "lmtp": "lmtp", "webhook": "webhook", "pipe": "pipe"}[w.name] ||
						cr["client"] != map[inboundtest.Client]string{inboundtest.Outlook: "Outlook", inboundtest.Gmail: "Google Calendar", inboundtest.Apple: "Apple Calendar"}[w.client] {
						t.Errorf("Ada's calendar_reply: %v", cr)
					}

					// The same reply again, by this way: applied once.
					w.send(t, replyTo, inboundtest.Message(w.client, reply))
					newMail(t, sink, &seen, 0)
					wantStatuses(t, f, eid, map[string]string{ada: "cancelled", bo: "going"})

					if w.name != "webhook" {
						return
					}
					// Bo's calendar proposes another time, then asks for the
					// latest version; then the event moves, and his answer to
					// the invite before the move is stale.
					binv := got[bo]
					bm := replyAddrRE.FindStringSubmatch(icsProp(binv.ICS, "ORGANIZER"))
					if bm == nil || bm[1] == replyTo {
						t.Fatalf("Bo's invite's ORGANIZER %q: want his own reply address", icsProp(binv.ICS, "ORGANIZER"))
					}
					bseq, _ := strconv.Atoi(icsProp(binv.ICS, "SEQUENCE"))
					breply := reply
					breply.To, breply.From, breply.Name, breply.Sequence = bm[1], bo, "Bo", bseq
					counter := breply
					counter.Method, counter.PartStat, counter.Start = "COUNTER", "", start.Add(24*time.Hour)
					w.send(t, bm[1], inboundtest.Message(w.client, counter))
					if m := newMail(t, sink, &seen, 1)[bo]; m.Method != "DECLINECOUNTER" || icsProp(m.ICS, "SEQUENCE") != strconv.Itoa(bseq) {
						t.Errorf("the answer to Bo's proposal: %s SEQUENCE %s", m.Method, icsProp(m.ICS, "SEQUENCE"))
					}
					refresh := breply
					refresh.Method, refresh.PartStat = "REFRESH", ""
					w.send(t, bm[1], inboundtest.Message(w.client, refresh))
					if m := newMail(t, sink, &seen, 1)[bo]; m.Method != "REQUEST" || icsProp(m.ICS, "UID") != reply.UID {
						t.Errorf("the answer to Bo's REFRESH: %s %q", m.Method, m.Subject)
					}
					moved := start.Add(time.Hour)
					if st, _ := call(t, "PATCH", f.base+"/api/v1/events/"+eid, f.token, map[string]any{
						"starts_at": moved.Format(time.RFC3339), "ends_at": moved.Add(2 * time.Hour).Format(time.RFC3339)}); st != 200 {
						t.Fatalf("move: %d", st)
					}
					if m := newMail(t, sink, &seen, 1)[bo]; m.Method != "REQUEST" {
						t.Fatalf("Bo's update: %s", m.Method)
					}
					stale := breply
					stale.Stamp = stale.Stamp.Add(time.Minute)
					w.send(t, bm[1], inboundtest.Message(w.client, stale)) // SEQUENCE of the invite before the move
					wantStatuses(t, f, eid, map[string]string{bo: "going"})
				})
			}

			// Nothing a sender hears tells whether an RSVP exists: an unknown
			// reply address is taken like a known one; only another domain
			// is refused, as any mail server refuses to relay.
			unknown := "reply+" + strings.Repeat("a", 52) + "@" + replyDomain
			msg := inboundtest.Message(inboundtest.Outlook, inboundtest.Reply{To: unknown, From: "x@example.org", UID: "u@convene.example",
				Start: clock.Now(), Stamp: clock.Now().UTC().Truncate(time.Second), PartStat: "DECLINED"})
			if err := sendByListener(t, listen, c.listener == "lmtp", "x@example.org", []string{unknown}, msg); err != nil {
				t.Errorf("an unknown reply address was refused: %v", err)
			}
			if err := sendByListener(t, listen, c.listener == "lmtp", "x@example.org", []string{"someone@example.com"}, msg); err == nil {
				t.Error("the listener relays mail for another domain")
			}
			if strings.Contains(in.stderr.String(), "example.org") || strings.Contains(in.stderr.String(), "reply+") {
				t.Errorf("the service logged an address:\n%s", in.stderr.String())
			}
		})
	}
}

// wantStatuses checks the status of the event's RSVPs by address, and
// returns them by address.
func wantStatuses(t *testing.T, f *flow, eventID string, want map[string]string) map[string]map[string]any {
	t.Helper()
	st, page := call(t, "GET", f.base+"/api/v1/events/"+eventID+"/rsvps?limit=200", f.token, nil)
	if st != 200 {
		t.Fatalf("rsvps: %d", st)
	}
	out := map[string]map[string]any{}
	for _, it := range page["items"].([]any) {
		r := it.(map[string]any)
		out[r["email"].(string)] = r
	}
	for addr, status := range want {
		if got := out[addr]["status"]; got != status {
			t.Errorf("%s is %v, want %s", addr, got, status)
		}
	}
	return out
}

// TestInboundConfig: the inbound settings are read as documented, and what
// cannot work is refused with exit code 2 before anything starts.
func TestInboundConfig(t *testing.T) {
	cfg, err := loadConfig(envFrom(nil))
	if err != nil || cfg.InboundDomain != "" || cfg.InboundListen != "" || cfg.InboundSecret != "" {
		t.Fatalf("default: %+v %v", cfg, err)
	}
	cfg, err = loadConfig(envFrom(map[string]string{"CONVENE_INBOUND_DOMAIN": "Events.Example.org.",
		"CONVENE_INBOUND_LISTEN": "lmtp://127.0.0.1:2424", "CONVENE_INBOUND_SECRET": "0123456789abcdef"}))
	if err != nil || cfg.InboundDomain != "events.example.org" || cfg.InboundListen != "lmtp://127.0.0.1:2424" {
		t.Fatalf("set: %+v %v", cfg, err)
	}
	for name, env := range map[string]map[string]string{
		"listen without a domain":  {"CONVENE_INBOUND_LISTEN": "smtp://127.0.0.1:2525"},
		"secret without a domain":  {"CONVENE_INBOUND_SECRET": "0123456789abcdef"},
		"a short secret":           {"CONVENE_INBOUND_DOMAIN": "events.example.org", "CONVENE_INBOUND_SECRET": "short"},
		"not a domain":             {"CONVENE_INBOUND_DOMAIN": "events example"},
		"another scheme":           {"CONVENE_INBOUND_DOMAIN": "events.example.org", "CONVENE_INBOUND_LISTEN": "http://127.0.0.1:2525"},
		"no port":                  {"CONVENE_INBOUND_DOMAIN": "events.example.org", "CONVENE_INBOUND_LISTEN": "smtp://127.0.0.1"},
		"inbound without a domain": nil,
	} {
		if env == nil {
			if code, _, _ := runCommand(t, nil, "inbound"); code != 2 {
				t.Errorf("%s: exit code %d, want 2", name, code)
			}
			continue
		}
		if _, err := loadConfig(envFrom(env)); exitCode(err) != 2 {
			t.Errorf("%s: exit code %d (%v), want 2", name, exitCode(err), err)
		}
	}
}

// TestInboundPipeTempFail: when the database cannot be reached, `convene
// inbound` exits 75 (EX_TEMPFAIL), so that the mail server that piped the
// message keeps it and tries again instead of bouncing it to the sender.
func TestInboundPipeTempFail(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(conveneCommand(t, dir), "inbound")
	cmd.Dir = dir
	cmd.Env = commandEnv(map[string]string{"CONVENE_INBOUND_DOMAIN": replyDomain,
		"CONVENE_DATABASE_URL": "postgres://postgres@127.0.0.1:" + freePort(t) + "/convene?sslmode=disable&connect_timeout=2"})
	cmd.Stdin = strings.NewReader("Subject: hello\r\n\r\nnot a reply\r\n")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 75 {
		t.Fatalf("exit %v, want 75:\n%s", err, out)
	}
}

// answerInvite waits for the invite to addr among the e-mails the sink
// received and answers it with partStat through the webhook, as client's
// calendar would.
func answerInvite(t *testing.T, base, secret string, sink *smtptest.Server, addr string, client inboundtest.Client, partStat string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, m := range sink.Messages() {
			r := parseMail(t, m)
			if r.To != addr || r.Method != "REQUEST" {
				continue
			}
			org := replyAddrRE.FindStringSubmatch(icsProp(r.ICS, "ORGANIZER"))
			if org == nil {
				t.Fatalf("the invite to %s names no reply address: %q", addr, icsProp(r.ICS, "ORGANIZER"))
			}
			seq, _ := strconv.Atoi(icsProp(r.ICS, "SEQUENCE"))
			msg := inboundtest.Message(client, inboundtest.Reply{To: org[1], From: addr, UID: icsProp(r.ICS, "UID"), Sequence: seq,
				Summary: "Essentials", Start: clock.Now(), Stamp: clock.Now().UTC().Truncate(time.Second), PartStat: partStat})
			req, _ := http.NewRequest("POST", base+"/api/v1/inbound/mail", bytes.NewReader(msg))
			req.Header.Set("Authorization", "Bearer "+secret)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusAccepted {
				t.Fatalf("webhook: %d", res.StatusCode)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no invite to %s arrived", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
