package mail

import (
	"context"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
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
		mustCompose(t, domain.MessageGoing, invite()),
		mustCompose(t, domain.MessageUpdated, updatedInvite()),
		mustCompose(t, domain.MessageEventCancelled, cancelledInvite(domain.RSVPGoing)),
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
			path := d.Path(m.ID, m.To.Address)
			if filepath.Dir(path) != dir || !strings.HasSuffix(path, "~"+domain.AddressTag("Ingrid@Example.NET")+".eml") {
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
	data, _ := os.ReadFile(d.Path(msgs[0].ID, msgs[0].To.Address))
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
	good := mustCompose(t, domain.MessageGoing, invite())
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
	// A message's file: its Message-ID and the tag of its recipient.
	if got, want := (&EMLDir{Dir: "out"}).Path("rsvp_01.going.0@convene.example", "Ingrid@Example.net"),
		filepath.Join("out", "rsvp_01.going.0@convene.example~ce7e789594c060de.eml"); got != want {
		t.Errorf("Path = %s, want %s", got, want)
	}
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

// TestEMLRemoveRecipient: the files of one address go, found by name;
// files named before tags are read once, and only those of the address go;
// the others are renamed with their tag. Nothing else in the directory is
// touched.
func TestEMLRemoveRecipient(t *testing.T) {
	dir := t.TempDir()
	d, err := NewEMLDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	to := func(m Message, name, addr string) Message {
		m.To = mail.Address{Name: name, Address: addr}
		m.ID = strings.Replace(m.ID, "@", "."+strings.ToLower(name)+"@", 1)
		return m
	}
	ingrid, ola := "ingrid@example.net", "ola@example.net"
	msgs := []Message{
		mustCompose(t, domain.MessageGoing, invite()), // to Ingrid
		to(mustCompose(t, domain.MessageUpdated, updatedInvite()), "Ingrid", "INGRID@example.net"),
		to(mustCompose(t, domain.MessageGoing, invite()), "Ola", ola),
	}
	for i, err := range d.Send(context.Background(), msgs) {
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	// Two files from before tags, one to each; a file being written; a
	// file that is not a message; another program's file.
	legacy := func(m Message) string {
		data, err := m.EML()
		if err != nil {
			t.Fatal(err)
		}
		name := emlFileName(m.ID + ".legacy")
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
		return name
	}
	legacy(msgs[0])
	olaLegacy := legacy(msgs[2])
	for name, data := range map[string]string{".tmp-123.eml": "To: ingrid@example.net\r\n\r\nhalf", "notes.eml": "not a message",
		"README.txt": "To: ingrid@example.net\r\n\r\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	n, err := RemoveRecipient(context.Background(), dir, domain.AddressTag(ingrid))
	if err != nil || n != 3 {
		t.Fatalf("RemoveRecipient: %d, %v; want Ingrid's 3 files", n, err)
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	olaTag := domain.AddressTag(ola)
	want := []string{".tmp-123.eml", "README.txt", filepath.Base(d.Path(msgs[2].ID, ola)),
		strings.TrimSuffix(olaLegacy, ".eml") + "~" + olaTag + ".eml", "notes.eml"}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("left in the directory:\n%q\nwant\n%q", names, want)
	}
	// Ola's old file now carries its tag: the next erasure finds it by name.
	if n, err := RemoveRecipient(context.Background(), dir, olaTag); err != nil || n != 2 {
		t.Fatalf("RemoveRecipient(Ola): %d, %v; want 2", n, err)
	}
	if n, err := RemoveRecipient(context.Background(), filepath.Join(dir, "missing"), olaTag); err != nil || n != 0 {
		t.Errorf("missing directory: %d, %v", n, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := RemoveRecipient(ctx, dir, olaTag); err == nil {
		t.Error("RemoveRecipient went on with a cancelled context")
	}
	for _, bad := range []string{"", "*", "../x", strings.Repeat("g", 16)} {
		if _, err := RemoveRecipient(context.Background(), dir, bad); err == nil {
			t.Errorf("RemoveRecipient accepted the tag %q", bad)
		}
	}
}
