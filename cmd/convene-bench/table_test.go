package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestTables makes the tables of docs/performance.md from three -json
// reports — two PostgreSQL runs (one with a failed check, a skipped
// scenario, a dirty tree and a p99 and RSS over their targets) and a
// SQLite run — and compares them with testdata/table/tables.md.
func TestTables(t *testing.T) {
	var got bytes.Buffer
	files := []string{"pg-1.json", "pg-2.json", "sqlite-1.json"}
	for i, f := range files {
		files[i] = filepath.Join("testdata", "table", f)
	}
	if err := printTables(&got, files); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "table", "tables.md")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), got.String()); d != "" {
		t.Errorf("tables differ from %s (-want +got; go test ./cmd/convene-bench -run TestTables -update to accept):\n%s", golden, d)
	}
	if err := printTables(&got, nil); err == nil {
		t.Error("no files: no error")
	}
}
