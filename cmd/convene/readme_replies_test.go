package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRepliesRecipe runs the calendar-replies guide's worked example
// (docs/calendar-replies.md) as written,
// in a directory of its own, on free ports instead of 8080 and 2525: it
// starts its own serve with replies on, and every "# → …" line must be
// printed in order — the webhook's 202, Ada's decline cancelling her RSVP
// and seating Bo, and the same reply by SMTP and by the pipe changing
// nothing more.
func TestRepliesRecipe(t *testing.T) {
	needTools(t, "bash", "curl", "jq", "openssl", "perl")
	blocks := recipes(t, filepath.Join(root, "docs", "calendar-replies.md"), markReplies)
	if len(blocks) != 1 {
		t.Fatalf("docs/calendar-replies.md has %d blocks marked %q, want 1", len(blocks), markReplies)
	}
	script := blocks[0]
	var expect []string
	for _, line := range strings.Split(script, "\n") {
		if m := expectRE.FindStringSubmatch(line); m != nil {
			expect = append(expect, m[1])
		}
	}
	for _, want := range []string{"202", "Ada cancelled declined", "Bo going no reply", `{"going_count":1,"waitlist_count":0}`} {
		if !strings.Contains(strings.Join(expect, "\n"), want) {
			t.Errorf("the example does not show %q", want)
		}
	}
	if !strings.Contains(script, "127.0.0.1:8080") || !strings.Contains(script, "127.0.0.1:2525") {
		t.Fatal("the example does not use 127.0.0.1:8080 and 127.0.0.1:2525")
	}
	dir := t.TempDir()
	conveneCommand(t, dir)
	web, smtp := "127.0.0.1:"+freePort(t), "127.0.0.1:"+freePort(t)
	script = strings.NewReplacer("127.0.0.1:8080", web, "127.0.0.1:2525", smtp).Replace(script)
	env := commandEnv(map[string]string{"CONVENE_LISTEN": web, "CONVENE_BASE_URL": "http://" + web})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sh := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-c", "set -euo pipefail\n"+script)
	sh.Dir, sh.Env = dir, env
	// Its own process group: the serve it starts is stopped with it if it
	// fails half way.
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	sh.Cancel = func() error { return syscall.Kill(-sh.Process.Pid, syscall.SIGKILL) }
	var out, errOut bytes.Buffer
	sh.Stdout, sh.Stderr = &out, &errOut
	err := sh.Run()
	if sh.Process != nil {
		syscall.Kill(-sh.Process.Pid, syscall.SIGTERM)
	}
	logs := func() string {
		b, _ := exec.Command("cat", filepath.Join(dir, "replies-demo.log")).Output()
		return string(b)
	}
	if err != nil {
		t.Fatalf("the example fails: %v\nstdout:\n%s\nstderr:\n%s\nserve:\n%s", err, &out, &errOut, logs())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !isSubsequence(expect, lines) {
		t.Fatalf("the example does not print what the guide says:\nwant %q\ngot:\n%s\nstderr:\n%s\nserve:\n%s", expect, &out, &errOut, logs())
	}
	// The service logged what it did with each message, never an address.
	l := logs()
	if n := strings.Count(l, `"action":"cancel"`); n != 1 {
		t.Errorf("%d replies cancelled an RSVP, want 1:\n%s", n, l)
	}
	if strings.Contains(l, "example.net") || strings.Contains(l, "reply+") {
		t.Errorf("the log holds an address:\n%s", l)
	}
}
