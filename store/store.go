// Package store persists Convene's domain in PostgreSQL or SQLite through
// GORM. One implementation serves both databases; what differs between
// them (row locks, JSON, River's driver, migration locks) is one dialect
// value each, in dialect.go. Every public method runs in its
// own transaction and returns *domain.Error values for expected failures;
// the background jobs a change causes are inserted (River) in the same
// transaction. It applies the domain's rules and does not make its own: it
// imports domain, migrations and notifications/calendar (a series' rule),
// never the HTTP rooms or the notifications jobs, which are given what they
// need through small interfaces.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/convene/convene/domain"
)

// Options configures Open.
type Options struct {
	// DatabaseURL is a postgres:// URL; empty means SQLite in DataDir.
	DatabaseURL string
	// DataDir holds the SQLite database file when DatabaseURL is empty.
	DataDir string
	// MaxConns bounds the PostgreSQL pool; 0 takes pool_max_conns from
	// DatabaseURL, or else a default from the CPUs.
	MaxConns int32
	// Logger receives store diagnostics; nil discards them.
	Logger *slog.Logger
	// UpdateDelay is how long event changes wait before attendees are sent
	// one update for all of them; 0 means DefaultUpdateDelay.
	UpdateDelay time.Duration
	// Clock is the service's one clock (domain.Clock); nil is the
	// computer's clock. GORM's timestamps and the job queue read it too.
	Clock domain.Clock
}

// DefaultConnectTimeout bounds opening one PostgreSQL connection when the
// URL sets no connect_timeout.
const DefaultConnectTimeout = 5 * time.Second

// DB is Convene's database. It is safe for concurrent use.
type DB struct {
	gorm    *gorm.DB
	sql     *sql.DB
	pool    *pgxpool.Pool // nil on SQLite
	dialect dialect
	log     *slog.Logger

	driver      riverdriver.Driver[*sql.Tx]
	jobs        *river.Client[*sql.Tx] // insert-only: jobs are worked elsewhere
	updateDelay time.Duration

	afterEnqueue func() error      // test hook, see export_test.go
	beforeClaim  func(slug string) // test hook: runs between claimRSVP's read and its transaction

	signing signingKeyCache // see signing.go
	gates   eventGates      // RSVPs per event in the database at once, see eventgate.go
	claims  claimBatcher    // public RSVPs claimed together, see rsvpbatch.go

	clock domain.Clock
}

// Open connects to the database named by opts. It does not migrate: call
// Migrate, or use OpenAndMigrate.
func Open(ctx context.Context, opts Options) (*DB, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db := &DB{log: log, clock: cmp.Or(opts.Clock, domain.SystemClock), updateDelay: cmp.Or(opts.UpdateDelay, DefaultUpdateDelay)}
	gcfg := &gorm.Config{
		Logger:                 logger.Discard, // GORM's logger prints bound values: emails must never reach logs
		NowFunc:                db.now,
		SkipDefaultTransaction: true,
		TranslateError:         false,
	}
	if strings.HasPrefix(opts.DatabaseURL, "postgres://") || strings.HasPrefix(opts.DatabaseURL, "postgresql://") {
		pcfg, err := pgxpool.ParseConfig(opts.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("store: CONVENE_DATABASE_URL is not a valid PostgreSQL URL: %w", redact(err))
		}
		// The pool's size: Options.MaxConns, else pool_max_conns in the
		// URL, else a default from the CPUs.
		switch {
		case opts.MaxConns > 0:
			pcfg.MaxConns = opts.MaxConns
		case !strings.Contains(opts.DatabaseURL, "pool_max_conns="):
			pcfg.MaxConns = int32(max(8, 4*runtime.NumCPU()))
		}
		// A database that is down or restarting answers within seconds
		// (requests get 503) instead of holding requests for the
		// operating system's TCP timeouts; connect_timeout in the URL
		// overrides it.
		if pcfg.ConnConfig.ConnectTimeout == 0 {
			pcfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
		}
		rp := pcfg.ConnConfig.RuntimeParams
		rp["timezone"] = "UTC"
		setDefault(rp, "statement_timeout", "15000")
		setDefault(rp, "lock_timeout", "10000")
		setDefault(rp, "idle_in_transaction_session_timeout", "60000")
		setDefault(rp, "application_name", "convene")
		pool, err := pgxpool.NewWithConfig(ctx, pcfg)
		if err != nil {
			return nil, fmt.Errorf("store: connect to PostgreSQL: %w", redact(err))
		}
		db.pool = pool
		db.sql = stdlib.OpenDBFromPool(pool)
		db.dialect = postgresDialect
		db.gorm, err = gorm.Open(postgres.New(postgres.Config{Conn: db.sql}), gcfg)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("store: open GORM on PostgreSQL: %w", err)
		}
		if err := db.initJobs(); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	if opts.DatabaseURL != "" {
		return nil, errors.New("store: CONVENE_DATABASE_URL must start with postgres:// (leave it empty for the embedded SQLite database)")
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data directory: %w", err)
	}
	path := filepath.Join(opts.DataDir, "convene.db")
	sdb, err := sql.Open(sqliteDriver, SQLiteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("store: open SQLite database %s: %w", path, err)
	}
	// One connection: SQLite has one writer anyway, and River (which shares
	// this handle later) advises it. Code inside a transaction must use the
	// transaction's handle only, or it waits for itself.
	sdb.SetMaxOpenConns(1)
	sdb.SetConnMaxIdleTime(0)
	sdb.SetConnMaxLifetime(0)
	db.sql = sdb
	db.dialect = sqliteDialect
	// Connect now, so that a file that cannot be opened, or a pragma that
	// fails, is an error of Open rather than of the first request.
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("store: open SQLite database %s: %w", path, err)
	}
	if db.gorm, err = gorm.Open(sqliteGORM{conn: sdb}, gcfg); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("store: open GORM on SQLite: %w", err)
	}
	if err := db.initJobs(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// sqliteDriver is the database/sql driver of SQLite: modernc.org/sqlite's,
// SQLite translated to Go (no cgo).
const sqliteDriver = "sqlite"

// SQLiteDSN is the data source name, for modernc.org/sqlite's driver
// ("sqlite"), of the database file at path. It sets, on the connection:
//   - busy_timeout: wait up to 5 s for a lock another process holds;
//   - journal_mode WAL: readers do not block the writer, nor it them;
//   - foreign_keys: SQLite checks REFERENCES only when asked;
//   - synchronous NORMAL: in WAL mode a commit survives a crash of the
//     process; one of the machine may lose the last commits, never the
//     database;
//   - secure_delete: what a change or delete frees is overwritten with
//     zeros, so that an erased name or address does not stay in the file's
//     free space (erase.go);
//   - _txlock=immediate: every transaction takes the write lock when it
//     begins, so two never both read and then both try to write (and
//     forUpdate needs no row locks);
//   - _time_format=sqlite: times are written as text, "2006-01-02
//     15:04:05.999999999-07:00" (UTC, see utc), which sorts as the times do
//     and is what SQLite's date functions and the databases written before
//     read.
//
// TestSQLitePragmas checks each is in effect. convene-bench opens the file
// with it for its SQLite baseline, so that the loop has the server's
// settings.
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)" +
		"&_pragma=secure_delete(1)&_txlock=immediate&_time_format=sqlite"
}

func setDefault(m map[string]string, k, v string) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

// redact drops connection errors' text that could contain a password.
func redact(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return errors.New("cannot parse the URL")
	}
	return err
}

// OpenAndMigrate opens the database and applies pending migrations.
func OpenAndMigrate(ctx context.Context, opts Options) (*DB, error) {
	db, err := Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Dialect reports which database is behind db.
func (db *DB) Dialect() Dialect { return db.dialect.name }

// SQL returns the underlying *sql.DB (for the job queue and health checks).
func (db *DB) SQL() *sql.DB { return db.sql }

// Pool returns the pgx pool on PostgreSQL, nil on SQLite.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close releases every connection.
func (db *DB) Close() error {
	var err error
	if db.sql != nil {
		err = db.sql.Close()
	}
	if db.pool != nil {
		db.pool.Close()
	}
	return err
}

func (db *DB) provider() (*goose.Provider, error) {
	var opts []goose.ProviderOption
	if db.dialect.gooseLocker != nil {
		locker, err := db.dialect.gooseLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(db.dialect.goose, db.sql, db.dialect.migrations, opts...)
}

// Migrate applies every pending migration.
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.provider()
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for _, r := range results {
		db.log.Info("migration applied", "version", r.Source.Version, "file", filepath.Base(r.Source.Path), "duration", r.Duration)
	}
	return db.migrateJobs(ctx)
}

// Ready returns nil when the database answers and no migration is pending.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return &domain.Error{Code: domain.EUNAVAILABLE, Reason: domain.ReasonDatabaseUnreachable, Message: "The database is not reachable."}
	}
	p, err := db.provider()
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return &domain.Error{Code: domain.EUNAVAILABLE, Reason: domain.ReasonDatabaseUnreachable, Message: "The database is not reachable."}
	}
	if pending {
		return &domain.Error{Code: domain.EUNAVAILABLE, Reason: domain.ReasonMigrationsPending, Message: "Database migrations are pending."}
	}
	return nil
}

// tx runs fn in one transaction and translates driver errors into domain
// errors. fn must use only the handle it is given.
func (db *DB) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return translate(db.gorm.WithContext(ctx).Transaction(fn))
}

// read runs fn outside a transaction (single statements) and translates
// errors like tx.
func (db *DB) read(ctx context.Context, fn func(q *gorm.DB) error) error {
	return translate(fn(db.gorm.WithContext(ctx)))
}

// forUpdate is the end of a SELECT that must serialise writers: it locks
// the rows it reads (dialect.lockRows).
func (db *DB) forUpdate() string { return db.dialect.lockRows("") }

// translate maps driver and GORM errors to domain errors at the store
// boundary. A database that cannot answer now — down, restarting, refusing
// or dropping connections, out of connections, a statement or lock wait
// that timed out, SQLite still busy after its busy_timeout — is
// EUNAVAILABLE (503 with Retry-After): the client may try again. (A
// connection lost during COMMIT leaves it unknown whether the change was
// made; an RSVP sent again returns the one already made.)
func translate(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, gorm.ErrRecordNotFound) || errors.Is(err, sql.ErrNoRows) {
		return &domain.Error{Code: domain.ENOTFOUND, Message: "Not found."}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return &domain.Error{Code: domain.ECONFLICT, Reason: domain.ReasonDuplicate, Message: "It already exists."}
		case pe.Code == "23514" || pe.Code == "23503" || pe.Code == "23502":
			return &domain.Error{Code: domain.ECONFLICT, Reason: domain.ReasonConstraint, Message: "The change breaks a rule of the data."}
		case pe.Code == "57014" || pe.Code == "55P03" || pe.Code == "40001" || pe.Code == "40P01" ||
			strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") || pe.Code == "53300":
			return unavailable(err)
		}
		return fmt.Errorf("store: %w", err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		// The driver's result codes, extended (the driver turns them on:
		// the primary code is the low byte), as PostgreSQL's above.
		switch code := se.Code(); {
		case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &domain.Error{Code: domain.ECONFLICT, Reason: domain.ReasonDuplicate, Message: "It already exists."}
		case code == sqlite3.SQLITE_CONSTRAINT_CHECK || code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY || code == sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return &domain.Error{Code: domain.ECONFLICT, Reason: domain.ReasonConstraint, Message: "The change breaks a rule of the data."}
		case code&0xff == sqlite3.SQLITE_BUSY: // another process held the lock past busy_timeout
			return unavailable(err)
		}
		return fmt.Errorf("store: %w", err)
	}
	msg := err.Error()
	var ne net.Error
	if errors.Is(err, driver.ErrBadConn) || errors.As(err, &ne) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || strings.Contains(msg, "failed to connect") ||
		strings.Contains(msg, "conn closed") || strings.Contains(msg, "connection refused") {
		return unavailable(err)
	}
	return fmt.Errorf("store: %w", err)
}

// unavailableError keeps the cause for logs while telling clients to retry.
type unavailableError struct {
	public *domain.Error
	cause  error
}

func (e *unavailableError) Error() string   { return e.public.Error() + ": " + e.cause.Error() }
func (e *unavailableError) Unwrap() []error { return []error{e.public, e.cause} }

func unavailable(cause error) error {
	return &unavailableError{
		public: &domain.Error{Code: domain.EUNAVAILABLE, Reason: domain.ReasonDatabaseUnavailable, Message: "The service is briefly unavailable; please try again."},
		cause:  cause,
	}
}

// isDuplicate reports whether err is a unique violation.
func isDuplicate(err error) bool {
	var de *domain.Error
	return errors.As(err, &de) && de.Reason == domain.ReasonDuplicate
}

// utc normalises a time for storage: UTC, microsecond precision (what
// PostgreSQL keeps), so values read back compare equal to values written.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}

// Clock returns the clock the database was opened with: the service's one
// clock, which the job workers and the HTTP handlers are given too.
func (db *DB) Clock() domain.Clock { return db.clock }

// now is the clock's time as stored: UTC, to the microsecond.
func (db *DB) now() time.Time { return utc(db.clock.Now()) }
