package main

import (
	"fmt"
	"net/smtp"
	"strings"
	"testing"
	"time"
)

// TestSinkAndFanoutCheck sends updates to the sink over SMTP and checks
// what the fan-out check reports: a retried copy with the same Message-ID
// passes, a second Message-ID or a missing attendee fails.
func TestSinkAndFanoutCheck(t *testing.T) {
	sk, err := startSink("")
	if err != nil {
		t.Fatal(err)
	}
	defer sk.close()
	send := func(to, id, subject string) {
		t.Helper()
		msg := "From: a@example.org\r\nTo: " + to + "\r\nMessage-ID: <" + id + ">\r\nSubject: " + subject +
			"\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
		if err := smtp.SendMail(sk.addr, nil, "a@example.org", []string{to}, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	sk.startPhase("updates")
	const run = "t1"
	for i := range 3 {
		send(attendeeEmail(run, i), fmt.Sprintf("u%d@example.org", i), "=?utf-8?q?Updated:_Meetup_=E2=80=94_Mon?=")
	}
	send(attendeeEmail(run, 1), "u1@example.org", "=?utf-8?q?Updated:_Meetup_=E2=80=94_Mon?=") // a retry
	send(attendeeEmail(run, 2), "other@example.org", "You're going: Meetup")                   // not an update
	if got := sk.waitPhase(5, time.Second, 10*time.Second); got != 5 {
		t.Fatalf("%d messages in the phase, want 5", got)
	}
	check, delivered, dups := checkFanout(sk, 3, run)
	if !strings.HasPrefix(check, "PASS") || delivered != 3 || dups != 1 {
		t.Fatalf("check %q, delivered %d, duplicates %d; want PASS, 3, 1", check, delivered, dups)
	}
	if sk.template == nil || !strings.Contains(string(sk.template), "hello") {
		t.Fatalf("the first update is not kept whole as the template: %q", sk.template)
	}

	send(attendeeEmail(run, 0), "again@example.org", "Updated: Meetup")
	if check, _, _ := checkFanout(sk, 3, run); !strings.Contains(check, "2 different Message-IDs") {
		t.Fatalf("two Message-IDs to one attendee: %q, want a failure naming it", check)
	}
	if check, _, _ := checkFanout(sk, 4, run); !strings.Contains(check, "no update") {
		t.Fatalf("an attendee without an update: %q, want a failure naming it", check)
	}
}
