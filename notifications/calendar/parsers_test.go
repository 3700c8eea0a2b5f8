package calendar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// The system Python, where Debian's python3-icalendar installs; a python3
// earlier on PATH (pyenv) may not have it.
const systemPython = "/usr/bin/python3"

// needPythonICalendar skips the test when python3-icalendar is missing,
// except in CI, which installs it and must not pass by skipping.
func needPythonICalendar(t *testing.T) {
	t.Helper()
	out, err := exec.Command(systemPython, "-c", "import icalendar").CombinedOutput()
	if err == nil {
		return
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	msg := fmt.Sprintf("%s cannot import icalendar (%v: %s); install it with: apt-get install -y python3-icalendar",
		systemPython, err, lines[len(lines)-1])
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// parseWith runs an independent parser script over the objects in one
// process and returns what it read from each.
func parseWith(t testing.TB, cmd *exec.Cmd, objects [][]byte) []parsed {
	t.Helper()
	in := make([]string, len(objects))
	for i, o := range objects {
		in[i] = string(o)
	}
	input, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdin = bytes.NewReader(input)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, stderr.String())
	}
	var out []parsed
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("%s printed %q: %v", cmd, stdout.String(), err)
	}
	if len(out) != len(objects) {
		t.Fatalf("%s read %d objects, sent %d", cmd, len(out), len(objects))
	}
	return out
}

func python() *exec.Cmd {
	return exec.Command(systemPython, filepath.Join("testdata", "parse_icalendar.py"))
}

// icalJS returns the command that runs ical.js, or skips the test. ical.js
// is optional: set ICALJS_NODE_PATH to a node_modules folder holding it
// (for example after `npm install ical.js` in a temporary folder).
func icalJS(t *testing.T) *exec.Cmd {
	t.Helper()
	dir := os.Getenv("ICALJS_NODE_PATH")
	if dir == "" {
		t.Skip("ICALJS_NODE_PATH is not set; set it to a node_modules folder with ical.js to run this check")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	cmd := exec.Command("node", filepath.Join("testdata", "parse_icaljs.cjs"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+dir)
	return cmd
}

// parserCase is an object to parse and the calendar it was built from.
type parserCase struct {
	name string
	cal  Calendar
	data []byte
}

// parserCases returns every golden file (as stored, so the files themselves
// are checked) and messages generated with hostile input.
func parserCases(t *testing.T) []parserCase {
	t.Helper()
	var cases []parserCase
	seen := map[string]bool{}
	for _, tc := range goldenCases {
		path := filepath.Join("testdata", tc.name+".ics")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, parserCase{path, tc.cal(), data})
		seen[path] = true
	}
	for _, tc := range recurringGoldenCases { // read by TestPythonRecurrence
		seen[filepath.Join("testdata", tc.name+".ics")] = true
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.ics"))
	sort.Strings(files)
	for _, f := range files {
		if !seen[f] {
			t.Errorf("%s is not produced by any golden case; remove it", f)
		}
	}

	hostile := minimal(MethodRequest)
	e := &hostile.Events[0]
	e.UID = UID("evt,9;9", "convene.example")
	e.Sequence = 7
	e.Start = time.Date(2026, 10, 25, 2, 30, 0, 0, berlin) // the hour that happens twice
	e.End = e.Start.Add(90 * time.Minute)
	e.Summary = "Party\rATTENDEE:mailto:evil@x " + strings.Repeat("é🌱\\;,", 30)
	e.Description = "Line 1\r\nLine 2\rLine 3\n\x00\x1b[31mred\x7f\ttab \"quoted\" C:\\dir\\n"
	e.Location = "Café \"Zum Hirschen\", Hof; 1. OG: links"
	e.URL = "https://convene.example/e/9?a=1,2;b=3"
	e.Organizer = &Person{Name: "Doe, Jane \"JD\" ^n", Email: "jane@example.org"}
	e.Attendees = []Attendee{
		{Person: Person{Name: "a;b:c", Email: "abc@example.org"}, RSVP: true},
		{Person: Person{Name: "Kai 🌱 Ñúñez\r\nBcc: x", Email: "kai@example.org"}, PartStat: PartStatAccepted},
		{Person: Person{Name: `back\slash^^`, Email: "bs@example.org"}, PartStat: PartStatDeclined, RSVP: true},
	}
	data, err := hostile.Encode()
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, parserCase{"hostile request", hostile, data})

	feed := feedFixture()
	feed.Name = "Gärtner, \"Kreuzberg\"; 🌱\r\nX-INJECT:1"
	data, err = feed.Encode()
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, parserCase{"hostile feed name", feed, data})
	return cases
}

// TestPythonICalendar has python-icalendar read every golden file and
// generated messages, and checks each value it read against the builder's
// input: METHOD, feed name, UID, SEQUENCE, DTSTAMP, DTSTART, DTEND, SUMMARY,
// DESCRIPTION, LOCATION, URL, STATUS, ORGANIZER and ATTENDEE with their CN.
func TestPythonICalendar(t *testing.T) {
	needPythonICalendar(t)
	cases := parserCases(t)
	objects := make([][]byte, len(cases))
	for i, c := range cases {
		objects[i] = c.data
	}
	for i, got := range parseWith(t, python(), objects) {
		comparePartial(t, cases[i].name, got, expect(cases[i].cal, got.quirks))
	}
}

// TestICalJS does the same with ical.js when it is available.
func TestICalJS(t *testing.T) {
	cmd := icalJS(t)
	cases := parserCases(t)
	objects := make([][]byte, len(cases))
	for i, c := range cases {
		objects[i] = c.data
	}
	for i, got := range parseWith(t, cmd, objects) {
		comparePartial(t, cases[i].name, got, expect(cases[i].cal, got.quirks))
	}
}

// TestGolangICalParsesHostileCases runs the same cases through golang-ical.
func TestGolangICalParsesHostileCases(t *testing.T) {
	for _, c := range parserCases(t) {
		checkLines(t, c.data)
		got, err := parseWithGolangICal(c.data)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		comparePartial(t, c.name, got, expect(c.cal, quirks{}))
	}
}
