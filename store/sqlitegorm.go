package store

// The GORM dialect of the SQLite database, over modernc.org/sqlite's own
// database/sql driver (pure Go). It replaces github.com/glebarez/sqlite,
// whose driver was no longer released.

import (
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/migrator"
	"gorm.io/gorm/schema"
)

// sqliteGORM (a gorm.Dialector) is GORM's view of the SQLite database: it
// lets GORM build SQLite's SQL over the *sql.DB that Open opens with
// modernc.org/sqlite's driver (sqliteDriver). It holds what GORM's query building needs and
// nothing more: Convene's schema is made by goose migrations, never by
// GORM's auto-migration, so its Migrator answers questions about the
// schema but is not meant to change it.
type sqliteGORM struct {
	// conn is the database, opened by Open (which sets its DSN, pragmas
	// and pool).
	conn gorm.ConnPool
}

// Name is the dialect's name, as GORM and its plugins know it.
func (sqliteGORM) Name() string { return "sqlite" }

// Initialize registers GORM's callbacks with the clauses SQLite (3.35 and
// later) has: RETURNING, ON CONFLICT, UPDATE … FROM.
func (d sqliteGORM) Initialize(db *gorm.DB) error {
	db.ConnPool = d.conn
	callbacks.RegisterDefaultCallbacks(db, &callbacks.Config{
		CreateClauses:        []string{"INSERT", "VALUES", "ON CONFLICT", "RETURNING"},
		UpdateClauses:        []string{"UPDATE", "SET", "FROM", "WHERE", "RETURNING"},
		DeleteClauses:        []string{"DELETE", "FROM", "WHERE", "RETURNING"},
		LastInsertIDReversed: true,
	})
	for name, build := range sqliteClauseBuilders {
		db.ClauseBuilders[name] = build
	}
	return nil
}

// sqliteClauseBuilders replace GORM's generic builders where SQLite's
// grammar differs.
var sqliteClauseBuilders = map[string]clause.ClauseBuilder{
	// SQLite has OFFSET only after a LIMIT (LIMIT -1: no limit).
	"LIMIT": func(c clause.Clause, b clause.Builder) {
		l, ok := c.Expression.(clause.Limit)
		if !ok {
			c.Build(b)
			return
		}
		n := -1
		if l.Limit != nil && *l.Limit >= 0 {
			n = *l.Limit
		}
		if n < 0 && l.Offset <= 0 {
			return
		}
		b.WriteString("LIMIT " + strconv.Itoa(n))
		if l.Offset > 0 {
			b.WriteString(" OFFSET " + strconv.Itoa(l.Offset))
		}
	},
	// SQLite has no row locks: its transactions begin IMMEDIATE and hold
	// the database's one write lock (see Open). FOR UPDATE would be
	// a syntax error.
	"FOR": func(c clause.Clause, b clause.Builder) {
		if _, ok := c.Expression.(clause.Locking); ok {
			return
		}
		c.Build(b)
	},
}

// Migrator answers GORM's questions about the schema from SQLite's own
// catalogue. Convene's schema changes are goose migrations: do not use it
// to create or alter tables.
func (d sqliteGORM) Migrator(db *gorm.DB) gorm.Migrator {
	return sqliteMigrator{migrator.Migrator{Config: migrator.Config{DB: db, Dialector: d}}}
}

// DataTypeOf maps a Go field to an SQLite column type, in the words of
// Convene's migrations.
func (sqliteGORM) DataTypeOf(f *schema.Field) string {
	switch f.DataType {
	case schema.Bool:
		return "boolean"
	case schema.Int, schema.Uint:
		return "integer"
	case schema.Float:
		return "real"
	case schema.String:
		return "text"
	case schema.Time:
		return "timestamp"
	case schema.Bytes:
		return "blob"
	}
	return string(f.DataType)
}

// DefaultValueOf is the value of a column GORM inserts without one.
func (sqliteGORM) DefaultValueOf(*schema.Field) clause.Expression {
	return clause.Expr{SQL: "NULL"}
}

// BindVarTo writes SQLite's positional parameter.
func (sqliteGORM) BindVarTo(w clause.Writer, _ *gorm.Statement, _ any) {
	w.WriteByte('?')
}

// QuoteTo quotes an identifier, and each part of a dotted one
// (table.column), with backquotes, doubling any inside.
func (sqliteGORM) QuoteTo(w clause.Writer, s string) {
	for i, part := range strings.Split(s, ".") {
		if i > 0 {
			w.WriteByte('.')
		}
		w.WriteByte('`')
		w.WriteString(strings.ReplaceAll(part, "`", "``"))
		w.WriteByte('`')
	}
}

// Explain renders a statement with its values, for GORM's logger (Convene
// discards it: values hold e-mail addresses).
func (sqliteGORM) Explain(sql string, vars ...any) string {
	return logger.ExplainSQL(sql, nil, `"`, vars...)
}

// SavePoint starts a nested transaction (GORM's Transaction inside one).
func (sqliteGORM) SavePoint(tx *gorm.DB, name string) error {
	return tx.Exec("SAVEPOINT " + sqliteQuote(name)).Error
}

// RollbackTo undoes a nested transaction.
func (sqliteGORM) RollbackTo(tx *gorm.DB, name string) error {
	return tx.Exec("ROLLBACK TO SAVEPOINT " + sqliteQuote(name)).Error
}

func sqliteQuote(name string) string {
	var b strings.Builder
	sqliteGORM{}.QuoteTo(&b, name)
	return b.String()
}

// sqliteMigrator reads the schema from sqlite_master and the table-valued
// pragmas; GORM's generic migrator would ask information_schema, which
// SQLite does not have.
type sqliteMigrator struct{ migrator.Migrator }

func (m sqliteMigrator) CurrentDatabase() string { return "main" }

func (m sqliteMigrator) HasTable(value any) bool {
	var n int
	m.RunWithValue(value, func(stmt *gorm.Statement) error {
		return m.DB.Raw(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, stmt.Table).Row().Scan(&n)
	})
	return n > 0
}

func (m sqliteMigrator) HasColumn(value any, name string) bool {
	var n int
	m.RunWithValue(value, func(stmt *gorm.Statement) error {
		if stmt.Schema != nil {
			if f := stmt.Schema.LookUpField(name); f != nil {
				name = f.DBName
			}
		}
		return m.DB.Raw(`SELECT count(*) FROM pragma_table_info(?) WHERE name = ?`, stmt.Table, name).Row().Scan(&n)
	})
	return n > 0
}

func (m sqliteMigrator) HasIndex(value any, name string) bool {
	var n int
	m.RunWithValue(value, func(stmt *gorm.Statement) error {
		if stmt.Schema != nil {
			if idx := stmt.Schema.LookIndex(name); idx != nil {
				name = idx.Name
			}
		}
		return m.DB.Raw(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name = ?`, stmt.Table, name).Row().Scan(&n)
	})
	return n > 0
}

// GetTables lists the database's tables (SQLite's own excluded).
func (m sqliteMigrator) GetTables() ([]string, error) {
	var names []string
	err := m.DB.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).Scan(&names).Error
	return names, err
}
