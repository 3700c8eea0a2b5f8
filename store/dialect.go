package store

import (
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/convene/convene/migrations"
)

// Dialect names the SQL database behind a DB.
type Dialect string

// Supported dialects.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// dialect is everything in which the store's two databases differ, in one
// value each (postgresDialect, sqliteDialect): the rest of the store asks
// its database's dialect, never which database it is — apart from Open,
// which makes the connections, and translate, which reads each driver's
// errors.
type dialect struct {
	name Dialect

	// goose and migrations are the migrations' SQL dialect and folder.
	goose      goose.Dialect
	migrations fs.FS

	// Several processes may use a PostgreSQL database at once (replicas
	// of the service): two starting together must not migrate at the same
	// time. gooseLocker is the lock goose takes around its migrations, and
	// lockSession and unlockSession the SQL of the one River's take, with
	// a key as $1. One process has a SQLite file: none.
	gooseLocker                func() (lock.SessionLocker, error)
	lockSession, unlockSession string

	// lockRows is the end of a SELECT that locks the rows it reads until
	// the transaction ends, of the tables named by their alias in the
	// query, or of every table with of "": FOR UPDATE [OF …] on
	// PostgreSQL. SQLite needs none: its transactions begin IMMEDIATE and
	// so hold the database's one write lock from the start.
	lockRows func(of string) string

	// claimInOneStatement is whether a public RSVP's common case runs as
	// ClaimBatchSQL (or ClaimSQL), one statement under the event's row
	// lock for the RSVPs to the event arriving together (rsvpbatch.go):
	// on PostgreSQL, where RSVPs to one event wait for that lock, it keeps
	// the lock for one round trip. SQLite has one writer at a time and
	// takes the general path.
	claimInOneStatement bool

	// writableCTE is whether an UPDATE may run inside a WITH of another
	// statement (PostgreSQL), so that a public RSVP saves the event's
	// counters in the statement that records its e-mail: one round trip
	// less under the event's lock. SQLite saves them by themselves.
	writableCTE bool

	// lazyCommit, after a statement's FROM, makes the commit of its
	// transaction not wait for the disk (synchronous_commit off for that
	// transaction only; see MarkDelivery). SQLite in WAL mode with
	// synchronous=NORMAL commits so already.
	lazyCommit string

	// jsonText is the SQL of the text of key in the JSON object in column
	// (River's job args).
	jsonText func(column, key string) string

	// lastJobError is the SQL of field ("error", "at") of the last attempt
	// error River kept on a job: its errors are a jsonb[] on PostgreSQL
	// and a JSON array on SQLite.
	lastJobError func(field string) string

	// hasClock is whether the database has a clock of its own that River
	// reads (now()): replicas whose clocks drift then agree on job times.
	// SQLite's time is the computer's.
	hasClock bool

	// checkpointsWAL is whether the database keeps a write-ahead log in a
	// file beside it that can be emptied into the database (TruncateWAL):
	// SQLite. PostgreSQL's WAL is its own business (docs/security.md).
	checkpointsWAL bool

	// riverHasAllIndexes is whether River's schema here has every index
	// River's reindexer names by default. On SQLite three of them exist
	// on PostgreSQL only, and River would warn about each every midnight.
	riverHasAllIndexes bool

	// jobDriver is River's driver over the store's connections.
	jobDriver func(db *DB) riverdriver.Driver[*sql.Tx]
}

var postgresDialect = dialect{
	name:          Postgres,
	goose:         goose.DialectPostgres,
	migrations:    sub(migrations.Postgres, "postgres"),
	gooseLocker:   func() (lock.SessionLocker, error) { return lock.NewPostgresSessionLocker() },
	lockSession:   "SELECT pg_advisory_lock($1)",
	unlockSession: "SELECT pg_advisory_unlock($1)",
	lockRows: func(of string) string {
		if of == "" {
			return " FOR UPDATE"
		}
		return " FOR UPDATE OF " + of
	},
	claimInOneStatement: true,
	writableCTE:         true,
	lazyCommit:          " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS lazy_commit",
	jsonText:            func(column, key string) string { return fmt.Sprintf("%s->>'%s'", column, key) },
	lastJobError: func(field string) string {
		return fmt.Sprintf("errors[array_length(errors, 1)]->>'%s'", field)
	},
	hasClock:           true,
	riverHasAllIndexes: true,
	jobDriver: func(db *DB) riverdriver.Driver[*sql.Tx] {
		return riverdatabasesql.NewWithPgxListener(db.sql, db.pool)
	},
}

var sqliteDialect = dialect{
	name:         SQLite,
	goose:        goose.DialectSQLite3,
	migrations:   sub(migrations.SQLite, "sqlite"),
	lockRows:     func(string) string { return "" },
	jsonText:     func(column, key string) string { return fmt.Sprintf("%s ->> '$.%s'", column, key) },
	lastJobError: func(field string) string { return fmt.Sprintf("json_extract(errors, '$[#-1].%s')", field) },
	jobDriver: func(db *DB) riverdriver.Driver[*sql.Tx] {
		return riversqlite.New(db.sql)
	},
	checkpointsWAL: true,
}

// sub is the folder dir of the embedded fsys.
func sub(fsys fs.FS, dir string) fs.FS {
	f, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // the folders are embedded: a wrong name is a bug
	}
	return f
}
