package notifications

import "testing"

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"RCPT TO <bounce@example.org>: 550 5.1.1 No such user": "RCPT TO <[address]>: 550 5.1.1 No such user",
		"dial tcp 127.0.0.1:25: connection refused":            "dial tcp 127.0.0.1:25: connection refused",
		`user "ada.l+x@mail.example.co.uk" unknown`:            `user "[address]" unknown`,
		"RCPT TO <ada@[192.0.2.1]>: 550 relay denied":          "RCPT TO <[address]>: 550 relay denied",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
