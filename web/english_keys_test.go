package web

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEnglishKeysStillSaid: the maps that translate a message by its
// English (the domain's and the store's refusals, the API's field
// errors the console words its own way) name only messages the sources
// still say. A message reworded there would otherwise be shown in English
// on every page, silently.
func TestEnglishKeysStillSaid(t *testing.T) {
	var src strings.Builder
	for _, dir := range []string{"../domain", "../store", "."} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			src.Write(b)
		}
	}
	all := src.String()
	for name, m := range map[string]map[string]string{"domainMessageIDs": domainMessageIDs, "refusals": refusals, "eventFormats": eventFormats} {
		for english := range m {
			// Once as the map's key, at least once more where it is said.
			if n := strings.Count(all, strconv.Quote(english)) + strings.Count(all, "`"+english+"`"); n < 2 {
				t.Errorf("%s: %q is no longer said anywhere", name, english)
			}
		}
	}
}
