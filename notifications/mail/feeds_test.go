package mail

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/calendar"
)

// publishCases are the published calendars kept as golden files: a single
// event download, a group feed with a cancelled event, and a personal feed
// (with join links).
func publishCases(t *testing.T) map[string][]byte {
	t.Helper()
	cancelled := session()
	cancelled.Status, cancelled.Sequence, cancelled.CancelReason = domain.EventCancelled, 2, "Speaker ill"
	items := []calendar.Item{{Event: meetup(), Group: group()}, {Event: cancelled, Group: group()}}
	out := map[string][]byte{}
	for name, c := range map[string]struct {
		items []calendar.Item
		opts  calendar.FeedOptions
	}{
		"publish_event":    {items[:1], calendar.FeedOptions{BaseURL: baseURL}},
		"publish_group":    {items, calendar.FeedOptions{BaseURL: baseURL, Name: "Oslo Gophers"}},
		"publish_personal": {[]calendar.Item{{Event: session(), Group: group()}}, calendar.FeedOptions{BaseURL: baseURL, Name: "My events (Convene)", WithJoinLinks: true}},
	} {
		b, err := calendar.Publish(c.items, c.opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b
	}
	return out
}

func TestPublishGolden(t *testing.T) {
	for name, got := range publishCases(t) {
		path := filepath.Join("testdata", name+".ics")
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (run with -update if the change is intended):\n%s", name, path, got)
		}
	}
	cases := publishCases(t)
	if b := string(cases["publish_group"]); strings.Contains(b, "ATTENDEE") || strings.Contains(b, "pwd=abc123") ||
		!strings.Contains(b, "STATUS:CANCELLED") || !strings.Contains(b, "X-WR-CALNAME:Oslo Gophers") {
		t.Fatalf("group feed must show no attendee nor join link, keep the cancelled event, and be named:\n%s", b)
	}
	if b := string(cases["publish_personal"]); !strings.Contains(strings.ReplaceAll(b, "\r\n ", ""), "URL:https://meet.example.com/gen-deep-dive?pwd=abc123") {
		t.Fatalf("personal feed lacks the join link:\n%s", b)
	}
}

// pythonCheck is an independent reading of iCalendar objects with
// python3-icalendar (Debian's, at /usr/bin/python3).
const pythonCheck = `
import json, sys, icalendar
out = []
for text in json.load(sys.stdin):
    cal = icalendar.Calendar.from_ical(text)
    events = []
    for ev in cal.walk("VEVENT"):
        events.append({
            "uid": str(ev.get("UID")), "summary": str(ev.get("SUMMARY")), "status": str(ev.get("STATUS", "")),
            "sequence": int(ev.get("SEQUENCE", 0)), "start": ev.decoded("DTSTART").strftime("%Y%m%dT%H%M%SZ"),
            "attendees": len(ev.get("ATTENDEE", []) if isinstance(ev.get("ATTENDEE"), list) else ([ev.get("ATTENDEE")] if ev.get("ATTENDEE") else [])),
        })
    out.append({"method": str(cal.get("METHOD")), "name": str(cal.get("X-WR-CALNAME", "")), "events": events})
json.dump(out, sys.stdout)
`

// TestCalendarsParseWithPythonICalendar reads the published calendars and
// a generated invite and cancellation with python3-icalendar and checks what
// it read.
func TestCalendarsParseWithPythonICalendar(t *testing.T) {
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import icalendar").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3-icalendar is required under CI=true: %v", err)
		}
		t.Skip("python3-icalendar not installed (apt-get install python3-icalendar)")
	}
	cases := publishCases(t)
	inv := mustCompose(t, domain.MessageGoing, invite())
	cancel := mustCompose(t, domain.MessageEventCancelled, cancelledInvite(domain.RSVPGoing))
	inputs := []string{string(cases["publish_event"]), string(cases["publish_group"]), string(inv.Calendar), string(cancel.Calendar)}
	in, _ := json.Marshal(inputs)
	cmd := exec.Command(py, "-c", pythonCheck)
	cmd.Stdin = bytes.NewReader(in)
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3-icalendar refused: %v", err)
	}
	type ev struct {
		UID, Summary, Status, Start string
		Sequence, Attendees         int
	}
	var got []struct {
		Method, Name string
		Events       []ev
	}
	if err := json.Unmarshal(outb, &got); err != nil {
		t.Fatalf("%v: %s", err, outb)
	}
	m := meetup()
	uid := "evt_01jf5z@convene.example"
	check := func(i int, method, name string, n int) {
		t.Helper()
		if got[i].Method != method || got[i].Name != name || len(got[i].Events) != n {
			t.Fatalf("object %d: %+v", i, got[i])
		}
	}
	// Downloads and feeds are plain calendars, not iTIP messages: no METHOD
	// (python reads a missing property as None).
	check(0, "None", "", 1)
	check(1, "None", "Oslo Gophers", 2)
	check(2, "REQUEST", "", 1)
	check(3, "CANCEL", "", 1)
	want := ev{UID: uid, Summary: m.Title, Status: "CONFIRMED", Start: m.StartsAt.Format("20060102T150405Z")}
	if e := got[0].Events[0]; e != want {
		t.Fatalf("download read as %+v, want %+v", e, want)
	}
	if e := got[1].Events[1]; e.Status != "CANCELLED" || e.Attendees != 0 || e.Sequence != 2 {
		t.Fatalf("cancelled feed event read as %+v", e)
	}
	if e := got[2].Events[0]; e.UID != uid || e.Attendees != 1 || e.Sequence != 0 {
		t.Fatalf("invite read as %+v", e)
	}
	if e := got[3].Events[0]; e.UID != uid || e.Status != "CANCELLED" || e.Sequence < 1 {
		t.Fatalf("cancellation read as %+v", e)
	}
}
