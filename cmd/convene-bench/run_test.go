package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSmallRun runs the tool as docs/performance.md does — every scenario,
// -json, then -table on the JSON — with small numbers, on SQLite and, with
// CONVENE_TEST_DATABASE_URL set, on PostgreSQL (pgbench included): every
// scenario's check must pass, the fan-out's two go-mail baselines must
// send, and the table must name the run's commit and every scenario.
func TestSmallRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs convene: not with -short")
	}
	dir := t.TempDir()
	bench, convene := filepath.Join(dir, "convene-bench"), filepath.Join(dir, "convene")
	for bin, pkg := range map[string]string{bench: ".", convene: "../convene"} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	small := []string{"-binary", convene, "-scenario", "all", "-c", "4", "-n", "60", "-capacity", "20",
		"-events", "10", "-fanout", "30", "-feed-n", "40", "-feed-events", "5"}
	runs := map[string][]string{"sqlite": {"-sqlite"}}
	if url := os.Getenv("CONVENE_TEST_DATABASE_URL"); url != "" {
		runs["postgres"] = []string{"-admin-url", url}
	}
	for name, extra := range runs {
		t.Run(name, func(t *testing.T) {
			js := filepath.Join(dir, name+".json")
			out, err := exec.Command(bench, append(append(extra, small...), "-json", js)...).CombinedOutput()
			text := string(out)
			if err != nil {
				t.Fatalf("convene-bench: %v\n%s", err, text)
			}
			for _, want := range []string{"== rush:", "== spread:", "== baseline-hot", "== baseline-spread",
				"from its own process: 30 messages", "from inside the tool, which holds the sink: 30 messages", "feed ÷ static"} {
				if !strings.Contains(text, want) {
					t.Errorf("no %q in the output:\n%s", want, text)
				}
			}
			if n := strings.Count(text, "check         PASS"); n < 5 || strings.Contains(text, "FAIL") {
				t.Errorf("%d checks passed (want one per scenario, 5), or one failed:\n%s", n, text)
			}
			table, err := exec.Command(bench, "-table", js).CombinedOutput()
			if err != nil {
				t.Fatalf("convene-bench -table: %v\n%s", err, table)
			}
			for _, want := range []string{"| rush, req/s", "| spread, req/s", "fan-out, updates/s", "feed ÷ static", "commit `"} {
				if !strings.Contains(string(table), want) {
					t.Errorf("no %q in the table:\n%s", want, table)
				}
			}
		})
	}
}
