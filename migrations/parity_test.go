package migrations_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// TestNormExpr: the forms in which the two databases give back the same
// rule become one.
func TestNormExpr(t *testing.T) {
	for _, c := range []struct{ pg, lite string }{
		{"CHECK ((kind = ANY (ARRAY['meetup'::text, 'live_session'::text])))", "kind IN ('live_session', 'meetup')"},
		{"CHECK ((kind <> ALL (ARRAY['a'::text, 'b'::text])))", "kind NOT IN ('b','a')"},
		{"CHECK (((rating >= 1) AND (rating <= 5)))", "rating BETWEEN 1 AND 5"},
		{"CHECK (((capacity IS NULL) OR (capacity > 0)))", "capacity IS NULL OR capacity > 0"},
		{"CHECK (((status = 'waitlisted'::text) = (waitlist_seq IS NOT NULL)))", "(status = 'waitlisted') = (waitlist_seq IS NOT NULL)"},
		{"(checkin_code IS NOT NULL)", "checkin_code IS NOT NULL"},
		{"event_id,role,\"position\"", "event_id,role,position"},
		{"''::text", "''"},
		{"true", "1"},
		{"NULL::timestamp with time zone", "NULL"},
	} {
		if p, l := normExpr(c.pg), normExpr(c.lite); p != l {
			t.Errorf("%q -> %q, %q -> %q: want one form", c.pg, p, c.lite, l)
		}
	}
	if a, b := normExpr("kind IN ('a', 'b')"), normExpr("kind IN ('a', 'c')"); a == b {
		t.Errorf("different IN lists both became %q", a)
	}
}

var ctx = context.Background()

// TestSchemaParity migrates a new SQLite and a new PostgreSQL database and
// compares Convene's tables in both (goose's and River's own tables are
// left out: River's differ by design between its drivers): the same tables;
// the same columns, by name, nullability, family of type (text, integer,
// boolean, timestamp, …) and default; the same primary keys; the same
// unique and plain indexes, by columns and WHERE clause; the same foreign
// keys, by columns, referenced table and columns and ON DELETE action; and
// the same CHECK constraints, by the columns they read and their
// expressions, normalised (PostgreSQL's "kind = ANY (ARRAY['a'::text])" and
// SQLite's "kind IN ('a')" are the same rule, and so are IN lists in any
// order). A migration written for one dialect only fails it.
func TestSchemaParity(t *testing.T) {
	lite := storetest.Fresh(t, store.SQLite)()
	pg := storetest.Fresh(t, store.Postgres)()
	sl, err := readSQLite(lite.SQL())
	if err != nil {
		t.Fatal(err)
	}
	ps, err := readPostgres(pg.SQL())
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) == 0 || len(sl) == 0 {
		t.Fatalf("no tables read: PostgreSQL %d, SQLite %d", len(ps), len(sl))
	}
	t.Logf("PostgreSQL: %s", summary(ps))
	t.Logf("SQLite:     %s", summary(sl))
	for _, name := range slices.Sorted(maps.Keys(union(ps, sl))) {
		p, s := ps[name], sl[name]
		switch {
		case p == nil:
			t.Errorf("table %s is in SQLite only", name)
		case s == nil:
			t.Errorf("table %s is in PostgreSQL only", name)
		default:
			if diff := cmp.Diff(p, s); diff != "" {
				t.Errorf("table %s differs (-PostgreSQL +SQLite):\n%s", name, diff)
			}
		}
	}
}

// schema is the part of a database's schema the dialects must agree on,
// by table.
type schema map[string]*table

type table struct {
	Columns     map[string]column
	PrimaryKey  string   // columns, comma-separated
	Unique      []string // "columns [WHERE predicate]", sorted
	Indexes     []string // the same, for indexes that are not unique
	ForeignKeys []string // "columns -> table(columns) ON DELETE action", sorted
	Checks      []string // "[columns] expression", normalised, sorted
}

type column struct {
	Type    string // family: text, integer, boolean, timestamp, real, blob, json, date
	NotNull bool
	Default string // normalised; "" for none
}

// summary counts what was read, so that a log shows the test compared
// something.
func summary(s schema) string {
	var cols, uniq, idx, fks, checks int
	for _, tb := range s {
		cols += len(tb.Columns)
		uniq += len(tb.Unique)
		idx += len(tb.Indexes)
		fks += len(tb.ForeignKeys)
		checks += len(tb.Checks)
	}
	return fmt.Sprintf("%d tables, %d columns, %d unique and %d other indexes, %d foreign keys, %d checks", len(s), cols, uniq, idx, fks, checks)
}

func union(a, b schema) schema {
	u := schema{}
	maps.Copy(u, a)
	maps.Copy(u, b)
	return u
}

// convenes reports whether a table is Convene's own.
func convenes(name string) bool {
	return name != "goose_db_version" && !strings.HasPrefix(name, "river_") && !strings.HasPrefix(name, "sqlite_")
}

func (tb *table) sort() {
	slices.Sort(tb.Unique)
	slices.Sort(tb.Indexes)
	slices.Sort(tb.ForeignKeys)
	slices.Sort(tb.Checks)
}

// index is how an index is compared: its columns (or expressions) with
// their order (desc) and its WHERE clause, normalised; never its name,
// which SQLite makes up for UNIQUE constraints.
func index(cols []string, where string) string {
	s := normExpr(strings.Join(cols, ","))
	if where != "" {
		s += " WHERE " + normExpr(where)
	}
	return s
}

// check is how a CHECK constraint is compared: the table's columns it reads
// and its expression, normalised.
func check(tb *table, expr string) string {
	n := normExpr(expr)
	var cols []string
	for _, w := range identRE.FindAllString(n, -1) {
		if _, ok := tb.Columns[w]; ok && !slices.Contains(cols, w) {
			cols = append(cols, w)
		}
	}
	slices.Sort(cols)
	return "[" + strings.Join(cols, ",") + "] " + n
}

var (
	identRE = regexp.MustCompile(`[a-z_][a-z0-9_]*`)
	// Quoted identifiers ("position": PostgreSQL quotes keywords).
	quotedRE = regexp.MustCompile(`"([a-z_][a-z0-9_]*)"`)
	// PostgreSQL's rendering of BETWEEN.
	betweenRE = regexp.MustCompile(`\b([a-z_][a-z0-9_]*) between (\S+) and (\S+)`)
	// PostgreSQL's casts: 'a'::text, NULL::timestamp with time zone, …
	castRE = regexp.MustCompile(`::(?:"?[a-z_]+"?)(?: varying| precision| with(?:out)? time zone)?(?:\[\])?`)
	// PostgreSQL's rendering of IN and NOT IN lists.
	anyRE   = regexp.MustCompile(`=\s*any\s*\(\s*array\[([^\]]*)\]\s*\)`)
	allRE   = regexp.MustCompile(`<>\s*all\s*\(\s*array\[([^\]]*)\]\s*\)`)
	inRE    = regexp.MustCompile(`\bin\s*\(([^()]*)\)`)
	boolRE  = regexp.MustCompile(`\b(true|false)\b`)
	spaceRE = regexp.MustCompile(`\s+`)
)

// normExpr puts an SQL expression as either database gives it back into
// one form: lower case, identifiers unquoted, no casts, BETWEEN spelt
// out as PostgreSQL does, IN lists for PostgreSQL's ANY/ALL arrays,
// their items sorted, 1 and 0 for true and false, single spaces, and no
// parentheses (PostgreSQL adds them around every operation).
func normExpr(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimSuffix(s, " not valid")
	if rest, ok := strings.CutPrefix(s, "check"); ok && strings.HasPrefix(strings.TrimSpace(rest), "(") {
		s = strings.TrimSpace(rest) // PostgreSQL's "CHECK (…)"
	}
	s = quotedRE.ReplaceAllString(s, "$1")
	s = castRE.ReplaceAllString(s, "")
	s = betweenRE.ReplaceAllString(s, "$1 >= $2 and $1 <= $3")
	s = anyRE.ReplaceAllString(s, " in ($1)")
	s = allRE.ReplaceAllString(s, " not in ($1)")
	s = inRE.ReplaceAllStringFunc(s, func(m string) string {
		items := strings.Split(inRE.FindStringSubmatch(m)[1], ",")
		for i := range items {
			items[i] = strings.TrimSpace(items[i])
		}
		slices.Sort(items)
		return "in [" + strings.Join(items, ", ") + "]"
	})
	s = boolRE.ReplaceAllStringFunc(s, func(b string) string {
		if b == "true" {
			return "1"
		}
		return "0"
	})
	s = strings.NewReplacer("(", " ", ")", " ").Replace(s)
	return strings.TrimSpace(spaceRE.ReplaceAllString(s, " "))
}

// typeFamily maps a column type, as either database names it, to the
// family both dialects store alike. The differences within a family are
// meant: PostgreSQL's timestamptz is SQLite's timestamp (UTC text, see
// store.SQLiteDSN); PostgreSQL's integer and bigint are both SQLite's
// integer, which is always 64-bit (bigint where a value can pass 2^31:
// waitlist_seq, deliveries.sequence).
func typeFamily(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	switch {
	case t == "boolean" || t == "bool":
		return "boolean"
	case strings.HasPrefix(t, "timestamp") || t == "datetime":
		return "timestamp"
	case t == "date":
		return "date"
	case strings.Contains(t, "int"):
		return "integer"
	case t == "text" || strings.Contains(t, "char") || t == "uuid":
		return "text"
	case t == "real" || t == "numeric" || strings.HasPrefix(t, "double") || t == "float":
		return "real"
	case t == "bytea" || t == "blob":
		return "blob"
	case t == "json" || t == "jsonb":
		return "json"
	}
	return "other: " + t
}

func readPostgres(db *sql.DB) (schema, error) {
	s := schema{}
	rows, err := db.QueryContext(ctx, `SELECT table_name, column_name, data_type, is_nullable = 'YES', coalesce(column_default, '')
		FROM information_schema.columns WHERE table_schema = current_schema()`)
	if err != nil {
		return nil, err
	}
	if err := eachRow(rows, func(r *sql.Rows) error {
		var tname, cname, typ, def string
		var nullable bool
		if err := r.Scan(&tname, &cname, &typ, &nullable, &def); err != nil {
			return err
		}
		if !convenes(tname) {
			return nil
		}
		tb := s[tname]
		if tb == nil {
			tb = &table{Columns: map[string]column{}}
			s[tname] = tb
		}
		tb.Columns[cname] = column{Type: typeFamily(typ), NotNull: !nullable, Default: normDefault(def)}
		return nil
	}); err != nil {
		return nil, err
	}

	rows, err = db.QueryContext(ctx, `SELECT t.relname, ix.indisprimary, ix.indisunique,
			(SELECT string_agg(pg_get_indexdef(ix.indexrelid, k, true) || CASE WHEN ix.indoption[k-1] & 1 = 1 THEN ' desc' ELSE '' END, ',' ORDER BY k)
				FROM generate_series(1, ix.indnkeyatts) k),
			coalesce(pg_get_expr(ix.indpred, ix.indrelid, true), '')
		FROM pg_index ix
		JOIN pg_class t ON t.oid = ix.indrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE n.nspname = current_schema()`)
	if err != nil {
		return nil, err
	}
	if err := eachRow(rows, func(r *sql.Rows) error {
		var tname, cols, where string
		var primary, unique bool
		if err := r.Scan(&tname, &primary, &unique, &cols, &where); err != nil {
			return err
		}
		tb := s[tname]
		if tb == nil {
			return nil
		}
		switch {
		case primary:
			tb.PrimaryKey = cols
		case unique:
			tb.Unique = append(tb.Unique, index(strings.Split(cols, ","), where))
		default:
			tb.Indexes = append(tb.Indexes, index(strings.Split(cols, ","), where))
		}
		return nil
	}); err != nil {
		return nil, err
	}

	rows, err = db.QueryContext(ctx, `SELECT t.relname, c.contype, pg_get_constraintdef(c.oid, true), coalesce(f.relname, ''),
			coalesce((SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
				JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum), ''),
			coalesce((SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
				JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum), ''),
			c.confdeltype
		FROM pg_constraint c
		JOIN pg_class t ON t.oid = c.conrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		LEFT JOIN pg_class f ON f.oid = c.confrelid
		WHERE n.nspname = current_schema() AND c.contype IN ('c', 'f')`)
	if err != nil {
		return nil, err
	}
	if err := eachRow(rows, func(r *sql.Rows) error {
		var tname, kind, def, ftable, cols, fcols, del string
		if err := r.Scan(&tname, &kind, &def, &ftable, &cols, &fcols, &del); err != nil {
			return err
		}
		tb := s[tname]
		if tb == nil {
			return nil
		}
		if kind == "c" {
			tb.Checks = append(tb.Checks, check(tb, def))
			return nil
		}
		action := map[string]string{"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}[del]
		tb.ForeignKeys = append(tb.ForeignKeys, fmt.Sprintf("%s -> %s(%s) ON DELETE %s", cols, ftable, fcols, action))
		return nil
	}); err != nil {
		return nil, err
	}
	for _, tb := range s {
		tb.sort()
	}
	return s, nil
}

func readSQLite(db *sql.DB) (schema, error) {
	s := schema{}
	creates := map[string]string{}
	rows, err := db.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		return nil, err
	}
	if err := eachRow(rows, func(r *sql.Rows) error {
		var name, create string
		if err := r.Scan(&name, &create); err != nil {
			return err
		}
		if convenes(name) {
			creates[name] = create
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for name, create := range creates {
		tb := &table{Columns: map[string]column{}}
		s[name] = tb
		var pk []string
		rows, err := db.QueryContext(ctx, `SELECT name, type, "notnull", coalesce(dflt_value, ''), pk FROM pragma_table_info(?) ORDER BY pk`, name)
		if err != nil {
			return nil, err
		}
		if err := eachRow(rows, func(r *sql.Rows) error {
			var cname, typ, def string
			var notNull bool
			var pkPos int
			if err := r.Scan(&cname, &typ, &notNull, &def, &pkPos); err != nil {
				return err
			}
			if pkPos > 0 {
				pk = append(pk, cname)
				// A PRIMARY KEY column is NOT NULL on PostgreSQL by
				// definition; SQLite lets a non-integer one hold NULL (a
				// quirk it keeps for old databases). Convene always sets
				// its keys: count them as NOT NULL on both.
				notNull = true
			}
			tb.Columns[cname] = column{Type: typeFamily(typ), NotNull: notNull, Default: normDefault(def)}
			return nil
		}); err != nil {
			return nil, err
		}
		tb.PrimaryKey = strings.Join(pk, ",")

		type idx struct {
			name, origin string
			unique       bool
		}
		var idxs []idx
		rows, err = db.QueryContext(ctx, `SELECT name, "unique", origin FROM pragma_index_list(?)`, name)
		if err != nil {
			return nil, err
		}
		if err := eachRow(rows, func(r *sql.Rows) error {
			var i idx
			if err := r.Scan(&i.name, &i.unique, &i.origin); err != nil {
				return err
			}
			idxs = append(idxs, i)
			return nil
		}); err != nil {
			return nil, err
		}
		for _, i := range idxs {
			if i.origin == "pk" {
				continue
			}
			var cols []string
			// An expression (name NULL) is not compared: SQLite does not
			// give it back (extend this if an index needs one).
			rows, err := db.QueryContext(ctx, `SELECT coalesce(name, '(expression)'), "desc" FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno`, i.name)
			if err != nil {
				return nil, err
			}
			if err := eachRow(rows, func(r *sql.Rows) error {
				var c string
				var desc bool
				if err := r.Scan(&c, &desc); err != nil {
					return err
				}
				if desc {
					c += " desc"
				}
				cols = append(cols, c)
				return nil
			}); err != nil {
				return nil, err
			}
			var where string
			if i.origin == "c" {
				var create string
				if err := db.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`, i.name).Scan(&create); err != nil {
					return nil, err
				}
				where = indexWhere(create)
			}
			if i.unique {
				tb.Unique = append(tb.Unique, index(cols, where))
			} else {
				tb.Indexes = append(tb.Indexes, index(cols, where))
			}
		}

		type fk struct {
			table, on string
			from, to  []string
		}
		var fks []*fk
		rows, err = db.QueryContext(ctx, `SELECT id, "table", "from", coalesce("to", ''), on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`, name)
		if err != nil {
			return nil, err
		}
		if err := eachRow(rows, func(r *sql.Rows) error {
			var id int
			var ftable, from, to, on string
			if err := r.Scan(&id, &ftable, &from, &to, &on); err != nil {
				return err
			}
			for len(fks) <= id {
				fks = append(fks, &fk{})
			}
			f := fks[id]
			f.table, f.on = ftable, on
			f.from = append(f.from, from)
			f.to = append(f.to, to)
			return nil
		}); err != nil {
			return nil, err
		}
		for _, f := range fks {
			if slices.Contains(f.to, "") {
				// REFERENCES t without columns: t's primary key.
				var pkCols string
				if err := db.QueryRowContext(ctx, `SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk)`, f.table).Scan(&pkCols); err != nil {
					return nil, err
				}
				f.to = strings.Split(pkCols, ",")
			}
			tb.ForeignKeys = append(tb.ForeignKeys, fmt.Sprintf("%s -> %s(%s) ON DELETE %s",
				strings.Join(f.from, ","), f.table, strings.Join(f.to, ","), strings.ToUpper(f.on)))
		}
		checks, err := sqliteChecks(create)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", name, err)
		}
		for _, c := range checks {
			tb.Checks = append(tb.Checks, check(tb, c))
		}
		tb.sort()
	}
	return s, nil
}

// normDefault puts a column default as either database gives it into one
// form (see normExpr): PostgreSQL's ”::text and true are SQLite's ” and 1.
func normDefault(def string) string {
	if def == "" {
		return ""
	}
	return normExpr(def)
}

// indexWhere returns the WHERE clause of a CREATE INDEX statement ("" for
// none).
func indexWhere(create string) string {
	text := stripComments(create)
	if i := lastKeyword(text, "where"); i >= 0 {
		return strings.TrimSpace(text[i+len("where"):])
	}
	return ""
}

// sqliteChecks returns the expressions of the CHECK constraints in a CREATE
// TABLE statement as SQLite keeps it (columns added later by ALTER TABLE
// included): SQLite has no catalogue of them.
func sqliteChecks(create string) ([]string, error) {
	text := stripComments(create)
	var out []string
	for i := 0; i < len(text); {
		j := nextKeyword(text, "check", i)
		if j < 0 {
			break
		}
		k := j + len("check")
		for k < len(text) && (text[k] == ' ' || text[k] == '\t' || text[k] == '\n' || text[k] == '\r') {
			k++
		}
		if k >= len(text) || text[k] != '(' {
			i = k
			continue
		}
		end, err := closing(text, k)
		if err != nil {
			return nil, err
		}
		out = append(out, text[k+1:end])
		i = end + 1
	}
	return out, nil
}

// nextKeyword finds the keyword kw (any case, a whole word, outside quotes)
// in text from byte from on; -1 if there is none.
func nextKeyword(text, kw string, from int) int {
	for i := from; i < len(text); i++ {
		switch c := text[i]; c {
		case '\'', '"', '`', '[':
			end := skipQuoted(text, i)
			i = end
			continue
		}
		if i+len(kw) <= len(text) && strings.EqualFold(text[i:i+len(kw)], kw) &&
			(i == 0 || !isIdent(text[i-1])) && (i+len(kw) == len(text) || !isIdent(text[i+len(kw)])) {
			return i
		}
	}
	return -1
}

func lastKeyword(text, kw string) int {
	last := -1
	for i := nextKeyword(text, kw, 0); i >= 0; i = nextKeyword(text, kw, i+1) {
		last = i
	}
	return last
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// skipQuoted returns the index of the quote that closes the one at i.
func skipQuoted(text string, i int) int {
	q := text[i]
	if q == '[' {
		q = ']'
	}
	for j := i + 1; j < len(text); j++ {
		if text[j] == q {
			if q != ']' && j+1 < len(text) && text[j+1] == q { // doubled: escaped
				j++
				continue
			}
			return j
		}
	}
	return len(text)
}

// closing returns the index of the parenthesis that closes the one at i.
func closing(text string, i int) (int, error) {
	depth := 0
	for j := i; j < len(text); j++ {
		switch text[j] {
		case '\'', '"', '`', '[':
			j = skipQuoted(text, j)
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j, nil
			}
		}
	}
	return 0, fmt.Errorf("unbalanced parentheses in %q", text[i:])
}

// stripComments removes -- and /* */ comments (outside quotes), which
// SQLite keeps in the statements it stores.
func stripComments(text string) string {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		switch {
		case text[i] == '\'' || text[i] == '"' || text[i] == '`' || text[i] == '[':
			end := min(skipQuoted(text, i), len(text)-1)
			b.WriteString(text[i : end+1])
			i = end
		case strings.HasPrefix(text[i:], "--"):
			for i < len(text) && text[i] != '\n' {
				i++
			}
			b.WriteByte('\n')
		case strings.HasPrefix(text[i:], "/*"):
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			i += end + 3
			b.WriteByte(' ')
		default:
			b.WriteByte(text[i])
		}
	}
	return b.String()
}

func eachRow(rows *sql.Rows, fn func(*sql.Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
