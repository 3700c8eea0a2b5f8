package mail

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/convene/convene/domain"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenCase is the kind and input of one message kept under testdata.
type goldenCase struct {
	kind domain.MessageKind
	in   Invite
}

// goldenCases are the messages kept under testdata, by file name.
func goldenCases() map[string]goldenCase {
	online := invite()
	online.Event = session()
	waitlisted := invite()
	waitlisted.RSVP = rsvp(domain.RSVPWaitlisted)
	rsvpCancelled := invite()
	rsvpCancelled.RSVP = rsvp(domain.RSVPCancelled)
	rsvpCancelled.Sequence = 1
	rsvpCancelled.ManageURL = ""
	rsvpCancelled.Now = stamp.Add(72 * time.Hour)
	return map[string]goldenCase{
		"going":           {domain.MessageGoing, invite()},
		"going_online":    {domain.MessageGoing, online},
		"updated":         {domain.MessageUpdated, updatedInvite()},
		"event_cancelled": {domain.MessageEventCancelled, cancelledInvite(domain.RSVPGoing)},
		"waitlisted":      {domain.MessageWaitlisted, waitlisted},
		"rsvp_cancelled":  {domain.MessageRSVPCancelled, rsvpCancelled},
	}
}

// goldenMessages are the whole MIME trees kept under testdata.
func goldenMessages(t *testing.T) map[string]Message {
	out := map[string]Message{}
	for name, c := range goldenCases() {
		out[name] = mustCompose(t, c.kind, c.in)
	}
	return out
}

var (
	boundaryRE = regexp.MustCompile(`boundary=([0-9A-Za-z'()+_,./:=?-]+)`)
	dateRE     = regexp.MustCompile(`(?m)^Date: [^\r\n]*\r\n`)
)

// normalise replaces what changes from one rendering to the next: the MIME
// boundaries (random) and the Date header. The Message-ID is stable by
// design and stays.
func normalise(data []byte) []byte {
	for i, m := range boundaryRE.FindAllSubmatch(data, -1) {
		data = bytes.ReplaceAll(data, m[1], []byte("BOUNDARY-"+strconv.Itoa(i+1)))
	}
	return dateRE.ReplaceAll(data, []byte("Date: <normalised>\r\n"))
}

// TestGolden compares whole rendered messages with testdata/*.eml.golden.
// Run with -update to rewrite them after a deliberate change, and read the
// diff.
func TestGolden(t *testing.T) {
	for name, m := range goldenMessages(t) {
		t.Run(name, func(t *testing.T) {
			data, err := m.EML()
			if err != nil {
				t.Fatal(err)
			}
			got := normalise(data)
			path := filepath.Join("testdata", name+".eml.golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the rendered message (run go test -update and read the diff):\n%s", path, got)
			}
			// The golden file itself must stay a readable message.
			pm := parseMail(t, want)
			if pm.Header.Get("Message-ID") != "<"+m.ID+">" {
				t.Errorf("golden Message-ID %q", pm.Header.Get("Message-ID"))
			}
		})
	}
}

// TestRenderTwice checks that rendering is repeatable apart from the
// boundaries: go-mail can write a message again (a retry) and the
// attachment reader is rewound.
func TestRenderTwice(t *testing.T) {
	m := mustCompose(t, domain.MessageGoing, invite())
	gm, err := m.Msg()
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if _, err := gm.WriteTo(&a); err != nil {
		t.Fatal(err)
	}
	if _, err := gm.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(normalise(a.Bytes()), normalise(b.Bytes())) {
		t.Error("the same go-mail message renders differently the second time")
	}
	if len(parseMail(t, b.Bytes()).Root.Children) != 2 {
		t.Error("second rendering lost the attachment")
	}
}
