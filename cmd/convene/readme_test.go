package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/convene/convene/store/storetest"
)

// root is the repository, seen from this package's directory.
const root = "../.."

// The markers that make a document's sh block a recipe the tests run. A
// block is a recipe when its first line is one of them.
const (
	markWalk      = "# recipe: walk"           // the README's walk through the API
	markAfterWalk = "# recipe: after the walk" // a guide's example that goes on from the walk
	markPostgres  = "# recipe: postgres"       // running on PostgreSQL (docs/operations.md)
	markReplies   = "# recipe: replies"        // the calendar replies guide's worked example
)

// expectRE marks a line a recipe's commands must print: "# → output".
var expectRE = regexp.MustCompile(`^# → (.*)$`)

// needTools skips the test when a tool the documents' recipes use is
// missing, and fails it under CI=true, where .ci/run installs them.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed, and CI=true: the documents' recipes must run in CI (.ci/run installs it)", tool)
			}
			t.Skipf("%s is not installed; the documents' recipes are not run (install bash, curl and jq)", tool)
		}
	}
}

// codeBlocks returns the fenced code blocks of a Markdown document whose
// fence says lang, each without its fences.
func codeBlocks(t *testing.T, path, lang string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	var cur []string
	in, want := false, false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case !in && strings.HasPrefix(line, "```"):
			in, want, cur = true, strings.TrimPrefix(line, "```") == lang, nil
		case in && line == "```":
			if want {
				blocks = append(blocks, strings.Join(cur, "\n")+"\n")
			}
			in = false
		case in:
			cur = append(cur, line)
		}
	}
	if in {
		t.Fatalf("%s: a code block is not closed", path)
	}
	return blocks
}

// recipes returns the sh blocks of a document that begin with marker.
func recipes(t *testing.T, path, marker string) []string {
	t.Helper()
	var out []string
	for _, b := range codeBlocks(t, path, "sh") {
		if first, _, _ := strings.Cut(b, "\n"); first == marker {
			out = append(out, b)
		}
	}
	return out
}

// documents returns the README and every Markdown file in docs/.
func documents(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(docs)
	return append([]string{filepath.Join(root, "README.md")}, docs...)
}

// TestRecipeMarkers: every block that says it is a recipe uses a marker
// the tests know, so that none is silently left out.
func TestRecipeMarkers(t *testing.T) {
	for _, doc := range documents(t) {
		for _, b := range codeBlocks(t, doc, "sh") {
			if first, _, _ := strings.Cut(b, "\n"); strings.HasPrefix(first, "# recipe") &&
				!slices.Contains([]string{markWalk, markAfterWalk, markPostgres, markReplies}, first) {
				t.Errorf("%s: unknown recipe marker %q", doc, first)
			}
		}
	}
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// waitReady waits for base's /readyz to answer 200, failing the test when
// exited closes first or a minute passes.
func waitReady(t *testing.T, base string, exited <-chan struct{}, logs func() string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			t.Fatalf("convene serve exited before it was ready:\n%s", logs())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("convene serve was not ready within a minute:\n%s", logs())
}

// TestReadmeRecipes runs the README's walk through the API as a newcomer
// would: "convene serve" in one terminal, and the walk's blocks pasted in
// order into a shell in the same directory, followed by the guides'
// examples that go on from it. The only change made to the text is the
// address: the service listens on a free port instead of 8080. Every
// "# → …" line is output the commands must print, in order.
//
// The walk computes its dates from the day it runs, with jq; the service
// is a process of its own (this test binary acting as convene) and reads
// the same computer clock, so the test passes on any date.
func TestReadmeRecipes(t *testing.T) {
	needTools(t, "bash", "curl", "jq")
	walk := recipes(t, filepath.Join(root, "README.md"), markWalk)
	if len(walk) < 5 {
		t.Fatalf("the README has %d blocks marked %q; the walk is missing", len(walk), markWalk)
	}
	script := strings.Join(walk, "\n")
	var guides []string
	for _, doc := range documents(t)[1:] {
		if r := recipes(t, doc, markAfterWalk); len(r) > 0 {
			script += "\n# " + filepath.Base(doc) + "\n" + strings.Join(r, "\n")
			guides = append(guides, filepath.Base(doc))
		}
	}
	for _, want := range []string{"email-and-calendars.md", "pages.md", "series.md"} {
		if !slices.Contains(guides, want) {
			t.Errorf("docs/%s has no block marked %q", want, markAfterWalk)
		}
	}

	// What the walk must show: an RSVP's manage token kept in
	// $MANAGE_TOKEN, the next person waitlisted, and promoted when the
	// first cancels; dates computed, not written.
	var expect []string
	for _, line := range strings.Split(script, "\n") {
		if m := expectRE.FindStringSubmatch(line); m != nil {
			expect = append(expect, m[1])
		}
	}
	if !regexp.MustCompile(`(?m)^MANAGE_TOKEN=\$\(.*jq -r \.manage_token\)$`).MatchString(script) {
		t.Error("the walk does not set $MANAGE_TOKEN from the RSVP's answer")
	}
	if !isSubsequence([]string{`{"status":"waitlisted","waitlist_position":1}`, "cancelled", `{"status":"going","waitlist_position":null}`}, expect) {
		t.Errorf("the walk does not show the waitlist and the promotion; it expects %q", expect)
	}
	if regexp.MustCompile(`20\d\d-\d\d-\d\dT`).MatchString(strings.Join(walk, "")) {
		t.Error("the walk writes a date: compute it (an event on a fixed date cannot be published after that day)")
	}
	const readmeBase = "http://127.0.0.1:8080"
	if !strings.Contains(script, readmeBase+"/api/v1") {
		t.Fatalf("the walk does not use %s", readmeBase)
	}

	dir := t.TempDir()
	conveneCommand(t, dir)
	base := "http://127.0.0.1:" + freePort(t)
	env := commandEnv(map[string]string{
		"CONVENE_DATA_DIR": filepath.Join(dir, "convene-data"),
		"CONVENE_BASE_URL": base,
		"CONVENE_LISTEN":   strings.TrimPrefix(base, "http://"),
	})

	// Terminal 1: ./convene serve.
	serve := exec.Command("./convene", "serve")
	serve.Dir, serve.Env = dir, env
	var serveOut, serveErr syncBuffer
	serve.Stdout, serve.Stderr = &serveOut, &serveErr
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { serve.Wait(); close(exited) }()
	t.Cleanup(func() {
		serve.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			serve.Process.Kill()
			<-exited
		}
	})
	serveLogs := func() string { return "stdout:\n" + serveOut.String() + "\nstderr:\n" + serveErr.String() }
	waitReady(t, base, exited, serveLogs)

	// Terminal 2: the blocks, pasted in order.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sh := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-c",
		"set -euo pipefail\n"+strings.ReplaceAll(script, readmeBase, base))
	sh.Dir, sh.Env = dir, env
	var out, errOut bytes.Buffer
	sh.Stdout, sh.Stderr = &out, &errOut
	began := time.Now()
	err := sh.Run()
	t.Logf("the recipes ran in %s", time.Since(began).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("the recipes fail: %v\nstdout:\n%s\nstderr:\n%s\nserve %s", err, &out, &errOut, serveLogs())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !isSubsequence(expect, lines) {
		t.Fatalf("the recipes do not print what the documents say (# → lines, in order):\nwant %q\ngot:\n%s\nstderr:\n%s", expect, &out, &errOut)
	}
	// The series example prints the next four sessions, whatever the day.
	sessions := regexp.MustCompile(`(?m)^essentials-\d{4}-\d{2}-\d{2}  \d{4}-\d{2}-\d{2}T`).FindAllString(out.String(), -1)
	if len(sessions) != 4 {
		t.Errorf("the series example should print the next four sessions; got:\n%s", &out)
	}
	// Without SMTP the e-mails are files in the data directory, as the
	// walk says: the walk's five, and the guides' invitations.
	mail := filepath.Join(dir, "convene-data", "mail")
	deadline := time.Now().Add(30 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(mail, "*.eml"))
		if len(files) >= 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d .eml files in %s after the walk, want at least 5", len(files), mail)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// isSubsequence reports whether want appears in got in order, not
// necessarily side by side.
func isSubsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && strings.TrimSpace(g) == want[i] {
			i++
		}
	}
	return i == len(want)
}

// TestPostgresRecipe runs "Running on PostgreSQL" (docs/operations.md) as
// written, on the test server, with a database name of its own: createdb,
// then serve with the URL given, until the service answers ready on
// PostgreSQL. The recipe is written for a local server that trusts
// 127.0.0.1, as the test server is.
func TestPostgresRecipe(t *testing.T) {
	storetest.SkipWithoutPostgres(t)
	needTools(t, "bash", "createdb")
	admin := os.Getenv(storetest.EnvURL)
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	if u.Host != "127.0.0.1:5432" || u.User.Username() != "postgres" {
		t.Skipf("the recipe is written for postgres@127.0.0.1:5432; %s names another server", storetest.EnvURL)
	}
	r := recipes(t, filepath.Join(root, "docs", "operations.md"), markPostgres)
	if len(r) != 1 {
		t.Fatalf("docs/operations.md has %d blocks marked %q, want 1", len(r), markPostgres)
	}
	script := r[0]
	name := "convene_recipe_" + storetest.Unique()
	for _, s := range []struct{ old, new string }{
		{"createdb -h 127.0.0.1 -U postgres convene\n", "createdb -h 127.0.0.1 -U postgres " + name + "\n"},
		{"@127.0.0.1:5432/convene?", "@127.0.0.1:5432/" + name + "?"},
	} {
		if !strings.Contains(script, s.old) {
			t.Fatalf("the recipe no longer says %q:\n%s", s.old, script)
		}
		script = strings.ReplaceAll(script, s.old, s.new)
	}
	if !strings.Contains(script, "./convene serve") {
		t.Fatalf("the recipe does not start ./convene serve:\n%s", script)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		conn.Close(ctx)
	})

	dir := t.TempDir()
	conveneCommand(t, dir)
	base := "http://127.0.0.1:" + freePort(t)
	sh := exec.Command("bash", "--noprofile", "--norc", "-c", "set -euo pipefail\n"+script)
	sh.Dir = dir
	sh.Env = commandEnv(map[string]string{
		"CONVENE_DATA_DIR": filepath.Join(dir, "convene-data"),
		"CONVENE_BASE_URL": base,
		"CONVENE_LISTEN":   strings.TrimPrefix(base, "http://"),
	})
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // serve runs on: stop the whole group
	var out, errOut syncBuffer
	sh.Stdout, sh.Stderr = &out, &errOut
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { sh.Wait(); close(exited) }()
	t.Cleanup(func() {
		syscall.Kill(-sh.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			syscall.Kill(-sh.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	logs := func() string { return "stdout:\n" + out.String() + "\nstderr:\n" + errOut.String() }
	waitReady(t, base, exited, logs)
	if !strings.Contains(errOut.String(), `"database":"postgres"`) {
		t.Fatalf("serve did not run on PostgreSQL:\n%s", logs())
	}
}

// TestReadmeConfigTable compares the README's configuration table with
// envVars — what "convene help" prints and loadConfig reads: the same
// variables, in the same order, with the same defaults. Every CONVENE_
// name the command's code spells out is in the table, and every CONVENE_
// name the documents mention exists.
func TestReadmeConfigTable(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Configuration\n")
	if !ok {
		t.Fatal("the README has no Configuration section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	type row struct{ name, def string }
	var table []row
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `CONVENE_") {
			continue
		}
		cells := tableCells(line)
		if len(cells) != 3 {
			t.Errorf("a row of %d cells: %s", len(cells), line)
			continue
		}
		def := cells[1]
		switch {
		case def == "(none)":
			def = ""
		case strings.HasPrefix(def, "`") && strings.HasSuffix(def, "`"):
			def = strings.Trim(def, "`")
		default:
			t.Errorf("%s: the default %q is neither `value` nor (none)", cells[0], def)
		}
		table = append(table, row{strings.Trim(cells[0], "`"), def})
	}
	var want []row
	for _, v := range envVars {
		want = append(want, row{v[0], v[1]})
	}
	if !slices.Equal(table, want) {
		t.Errorf("the README's configuration table differs from envVars:\nREADME:  %v\nenvVars: %v", table, want)
	}

	// Names in the command's code.
	known := map[string]bool{}
	for _, v := range envVars {
		known[v[0]] = true
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`"(CONVENE_[A-Z_]+)"`).FindAllStringSubmatch(string(src), -1) {
		if !known[m[1]] {
			t.Errorf("main.go reads %s, which the configuration does not list", m[1])
		}
	}
	for _, m := range regexp.MustCompile(`secret\(getenv, "(CONVENE_[A-Z_]+)"\)`).FindAllStringSubmatch(string(src), -1) {
		if !known[m[1]+"_FILE"] {
			t.Errorf("%s can be read from a file, but %s_FILE is not listed", m[1], m[1])
		}
	}

	// Names in the documents: the configuration's, or the tests' and
	// tools' own, which some Go file spells out.
	var goSrc strings.Builder
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") {
			b, _ := os.ReadFile(p)
			goSrc.Write(b)
		}
		return nil
	})
	for _, doc := range documents(t) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range regexp.MustCompile(`CONVENE_[A-Z_]*[A-Z]`).FindAllString(string(b), -1) {
			if !known[name] && !strings.Contains(goSrc.String(), `"`+name+`"`) && !strings.Contains(goSrc.String(), `"`+name+`=`) {
				t.Errorf("%s mentions %s, which no code reads", doc, name)
			}
		}
	}
}

// tableCells splits a Markdown table row into its cells, trimmed; \| is a
// pipe inside a cell.
func tableCells(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(strings.TrimSuffix(line, "|"), "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

// TestDocsLinks checks every relative link in the README and docs/: the
// file or directory exists, and an #anchor names a heading of the target
// document (as GitHub makes anchors from headings).
func TestDocsLinks(t *testing.T) {
	anchors := map[string]map[string]bool{}
	anchorsOf := func(path string) map[string]bool {
		if a, ok := anchors[path]; ok {
			return a
		}
		a := headingAnchors(t, path)
		anchors[path] = a
		return a
	}
	linkRE := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	codeRE := regexp.MustCompile("`[^`]*`")
	links := 0
	for _, doc := range documents(t) {
		f, err := os.Open(doc)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		fenced := false
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			if strings.HasPrefix(line, "```") {
				fenced = !fenced
				continue
			}
			if fenced {
				continue
			}
			for _, m := range linkRE.FindAllStringSubmatch(codeRE.ReplaceAllString(line, "code"), -1) {
				target := m[1]
				if regexp.MustCompile(`^[a-z]+:`).MatchString(target) {
					continue // https:, mailto:, webcal:
				}
				links++
				file, anchor, _ := strings.Cut(target, "#")
				path := doc
				if file != "" {
					path = filepath.Join(filepath.Dir(doc), file)
					if _, err := os.Stat(path); err != nil {
						t.Errorf("%s:%d: %s: no such file", doc, n, target)
						continue
					}
				}
				if anchor != "" {
					if !strings.HasSuffix(path, ".md") {
						t.Errorf("%s:%d: %s: an anchor in a file that is not Markdown", doc, n, target)
					} else if !anchorsOf(path)[anchor] {
						t.Errorf("%s:%d: %s: %s has no heading #%s", doc, n, target, filepath.Base(path), anchor)
					}
				}
			}
		}
		f.Close()
	}
	if links < 20 {
		t.Fatalf("only %d relative links found: is the pattern right?", links)
	}
}

// headingAnchors returns the anchors GitHub gives a document's headings:
// the text lowercased, punctuation dropped, spaces made hyphens, and -1,
// -2… after repeats.
func headingAnchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	out := map[string]bool{}
	fenced := false
	markup := strings.NewReplacer("`", "", "*", "")
	linkText := regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		if fenced || !strings.HasPrefix(line, "#") {
			continue
		}
		text := strings.TrimSpace(strings.TrimLeft(line, "#"))
		text = markup.Replace(linkText.ReplaceAllString(text, "$1"))
		var slug strings.Builder
		for _, r := range strings.ToLower(text) {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_' || r == '-':
				slug.WriteRune(r)
			case r == ' ':
				slug.WriteByte('-')
			}
		}
		a := slug.String()
		if n := seen[a]; n > 0 {
			out[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

// TestReadmeNewcomerPath checks what a newcomer meets before the walk:
// the prerequisites (the Go version go.mod asks for, curl, jq, OpenSSL 3,
// the first build's minutes), a build of the convene binary before any
// example calls it, and no example calling a convene the README never
// built (a bare "convene" on the PATH).
func TestReadmeNewcomerPath(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod names no Go version")
	}
	_, pre, ok := strings.Cut(string(readme), "\n## Prerequisites\n")
	pre, _, _ = strings.Cut(pre, "\n## ")
	if !ok {
		t.Fatal("the README has no Prerequisites section")
	}
	for _, want := range []string{"Go " + string(m[1]), "curl", "jq", "OpenSSL 3", "first build", "minutes"} {
		if !strings.Contains(pre, want) {
			t.Errorf("the prerequisites do not mention %q", want)
		}
	}

	const build = "go build -o convene ./cmd/convene"
	built := false
	bare := regexp.MustCompile(`(^|[^./\w-])convene (serve|migrate|organiser|help|version)\b`)
	for _, doc := range documents(t) {
		for _, b := range codeBlocks(t, doc, "sh") {
			for _, line := range strings.Split(b, "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "#") {
					continue
				}
				if strings.Contains(line, build) {
					built = built || doc == documents(t)[0]
				}
				if strings.Contains(line, "./convene ") && !built {
					t.Errorf("%s calls ./convene before the README builds it: %s", doc, line)
				}
				if bare.MatchString(line) {
					t.Errorf("%s calls a convene on the PATH, which nothing installs (use ./convene): %s", doc, line)
				}
			}
		}
	}
	if !built {
		t.Errorf("the README does not build the binary (%s)", build)
	}
}
