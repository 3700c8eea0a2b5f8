package web

import (
	"regexp"
	"strings"
	"testing"
)

// TestStylesheetBlocksClosed: every block of the stylesheet is closed
// where it should be. An @media block left open once swallowed every rule
// after it, so that the language switch, the console's row actions and
// the wrapping of long addresses held only on wide screens; each rule
// named here must stand at the top level, for every width.
func TestStylesheetBlocksClosed(t *testing.T) {
	css := string(staticByName["convene.css"].body)
	css = regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(css, "")
	depth := 0
	for i, line := range strings.Split(css, "\n") {
		for _, rule := range []string{"nav.languages ul {", ".row-actions form {", ".feed-address code {", ".pager {"} {
			if strings.HasPrefix(line, rule) && depth != 0 {
				t.Errorf("line %d: %q is inside another block", i+1, rule)
			}
		}
		for _, r := range line {
			switch r {
			case '{':
				depth++
			case '}':
				depth--
			}
			if depth < 0 {
				t.Fatalf("line %d closes a block that is not open", i+1)
			}
		}
	}
	if depth != 0 {
		t.Errorf("%d blocks are left open at the end", depth)
	}
}
