package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/convene/convene/domain"
)

// domainFormats are the field errors' formats the domain's sources give
// Validation.Add (and the FieldError literals with a Format), read from
// the sources themselves so that a new one cannot be missed.
func domainFormats(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../domain/*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	str := func(e ast.Expr) {
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Add" && len(n.Args) >= 2 {
					str(n.Args[1])
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Format" {
					str(n.Value)
				}
			}
			return true
		})
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestFieldErrorsEveryLanguage: every field error the domain can give has
// a message in every language, with the field's name in it, and the
// catalogues hold no field error the domain no longer gives.
func TestFieldErrorsEveryLanguage(t *testing.T) {
	formats := domainFormats(t)
	if len(formats) < 40 {
		t.Fatalf("found only %d formats in the domain's sources", len(formats))
	}
	known := map[string]bool{}
	for _, f := range formats {
		known[FieldID(f)] = true
	}
	for _, id := range IDs() {
		if strings.HasPrefix(id, "field:") && !known[id] {
			t.Errorf("%s: no domain check gives it", id)
		}
	}
	for _, l := range append(All(), Get(Pseudo)) {
		for _, f := range formats {
			n := strings.Count(f, "%")
			fe := domain.FieldError{Field: "x", Message: "ENGLISH", Format: f}
			for i := range n {
				fe.Args = append(fe.Args, 7000+i)
			}
			got := l.Field(fe, "LABEL")
			if strings.Contains(got, "ENGLISH") || !strings.Contains(got, "LABEL") {
				t.Errorf("%s: %q gives %q", l.Tag(), f, got)
			}
			for i := range n {
				if !strings.Contains(got, strconv.Itoa(7000+i)) {
					t.Errorf("%s: %q drops its argument %d: %q", l.Tag(), f, i+1, got)
				}
			}
		}
	}
}
