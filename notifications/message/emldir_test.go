package message

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convene/convene/domain"
)

func TestEMLDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	d, err := NewEMLDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	msgs := []Message{
		mustCompose(t, KindGoing, invite()),
		mustCompose(t, KindUpdated, updatedInvite()),
		mustCompose(t, KindEventCancelled, cancelledInvite(domain.RSVPGoing)),
	}
	for i, err := range d.Send(context.Background(), msgs) {
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	checkFiles := func() {
		t.Helper()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != len(msgs) {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Fatalf("directory holds %v, want %d .eml files and nothing else", names, len(msgs))
		}
		for _, m := range msgs {
			path := d.Path(m.ID)
			if filepath.Dir(path) != dir || !strings.HasSuffix(path, ".eml") {
				t.Errorf("path %s", path)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			pm := parseMail(t, data)
			if pm.Header.Get("Message-ID") != "<"+m.ID+">" {
				t.Errorf("%s holds Message-ID %s", path, pm.Header.Get("Message-ID"))
			}
			if m.Calendar != nil && pm.Root.shape() != "multipart/mixed{multipart/alternative{text/plain,text/html,text/calendar},application/ics}" {
				t.Errorf("%s: MIME tree %s", path, pm.Root.shape())
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s mode %v (%v), want 0600: it holds a manage link", path, fi.Mode(), err)
			}
		}
	}
	checkFiles()

	// A retry of the same messages overwrites, it does not add files.
	msgs[0].Subject = "You're going (resent)"
	for i, err := range d.Send(context.Background(), msgs) {
		if err != nil {
			t.Fatalf("retry, message %d: %v", i, err)
		}
	}
	checkFiles()
	data, _ := os.ReadFile(d.Path(msgs[0].ID))
	if got := decodeHeader(t, parseMail(t, data).Header.Get("Subject")); got != "You're going (resent)" {
		t.Errorf("the retry did not replace the file: subject %q", got)
	}
}

func TestEMLDirErrors(t *testing.T) {
	dir := t.TempDir()
	d, err := NewEMLDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	good := mustCompose(t, KindGoing, invite())
	bad := good
	bad.ID = "../../escape"
	errs := d.Send(context.Background(), []Message{bad, good})
	if !IsPermanent(errs[0]) || errs[1] != nil {
		t.Errorf("got %v, %v: want a permanent render error for the bad ID only", errs[0], errs[1])
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if errs := d.Send(ctx, []Message{good}); errs[0] == nil || IsPermanent(errs[0]) {
		t.Errorf("cancelled context: %v, want a temporary error", errs[0])
	}

	// A directory that has gone away is a temporary failure.
	gone := &EMLDir{Dir: filepath.Join(dir, "missing")}
	if errs := gone.Send(context.Background(), []Message{good}); errs[0] == nil || IsPermanent(errs[0]) {
		t.Errorf("missing directory: %v, want a temporary error", errs[0])
	}
	if _, err := NewEMLDir(""); err == nil {
		t.Error("NewEMLDir accepted an empty path")
	}
}

func TestEMLFileName(t *testing.T) {
	for id, want := range map[string]string{
		"rsvp_01.going.0@convene.example": "rsvp_01.going.0@convene.example.eml",
		"../../etc/passwd":                "%2E.%2F..%2Fetc%2Fpasswd.eml",
		".hidden@x":                       "%2Ehidden@x.eml",
		"a b/c\\d@x":                      "a%20b%2Fc%5Cd@x.eml",
	} {
		if got := emlFileName(id); got != want {
			t.Errorf("emlFileName(%q) = %q, want %q", id, got, want)
		}
	}
}
