package main

import (
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/notifications/smtptest"
)

// TestInvitationDelivery: through the real server and SMTP, each invited
// address gets one e-mail however often it is invited, a refusal for good
// shows as bounced to the organiser, and the mail server's answer is kept
// without the address reaching the logs.
func TestInvitationDelivery(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			sink := smtptest.Start(t)
			sink.Reject("nobody@example.org")
			in := startServe(t, mailEnv(t, dialect, sink))
			f := newFlow(t, in)
			id, _ := f.event(10, "Oslo Gophers")
			invite := func(emails ...string) map[string]any {
				rc := make([]map[string]any, len(emails))
				for i, e := range emails {
					rc[i] = map[string]any{"email": e}
				}
				st, res := call(t, "POST", in.base+"/api/v1/events/"+id+"/invitations", f.token, map[string]any{"recipients": rc})
				if st != 201 && st != 200 {
					t.Fatalf("invite: %d %v", st, res)
				}
				return res
			}
			if res := invite("ada@example.org", "nobody@example.org", "ADA@example.org"); res["invited"] != 2.0 {
				t.Fatalf("first invitation: %v", res)
			}
			if res := invite("ada@example.org"); res["invited"] != 0.0 || res["already_invited"] != 1.0 {
				t.Fatalf("second invitation: %v", res)
			}

			// Wait until both invitations are settled: one sent, one bounced.
			statuses := map[string]map[string]any{}
			deadline := time.Now().Add(20 * time.Second)
			for {
				_, list := call(t, "GET", in.base+"/api/v1/events/"+id+"/invitations", f.token, nil)
				for _, it := range list["items"].([]any) {
					m := it.(map[string]any)
					statuses[m["email"].(string)] = m
				}
				if statuses["ada@example.org"]["status"] == "sent" && statuses["nobody@example.org"]["status"] == "bounced" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("invitations did not settle: %v", statuses)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if e := statuses["nobody@example.org"]["last_error"].(string); !strings.Contains(e, "550") {
				t.Errorf("bounced invitation's last_error %q does not give the server's answer", e)
			}
			if statuses["ada@example.org"]["sent_at"] == nil {
				t.Errorf("sent invitation without sent_at: %v", statuses["ada@example.org"])
			}
			// Give a second e-mail every chance to arrive: there must be none.
			time.Sleep(500 * time.Millisecond)
			msgs := sink.Messages()
			if len(msgs) != 1 || parseMail(t, msgs[0]).To != "ada@example.org" {
				t.Fatalf("%d e-mails arrived, want one invitation to ada@example.org", len(msgs))
			}
			if logs := in.stderr.String() + in.stdout.String(); strings.Contains(logs, "nobody@example.org") || strings.Contains(logs, "ada@example.org") {
				t.Errorf("an address reached the logs:\n%s", logs)
			}
		})
	}
}
