package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, as the store uses it

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// wantUnavailable checks that err is the 503 of a database outage: code
// EUNAVAILABLE, reason database_unavailable, a message that tells the user
// to try again and says nothing of the cause.
func wantUnavailable(t *testing.T, err error) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EUNAVAILABLE || de.Reason != "database_unavailable" {
		t.Fatalf("%v: got code %q, want %s/database_unavailable", err, domain.ErrorCode(err), domain.EUNAVAILABLE)
	}
	if !strings.Contains(de.Message, "try again") {
		t.Fatalf("message %q does not tell the user to try again", de.Message)
	}
}

// TestTranslateOutages is the table of database failures that are an
// outage (503, try again) rather than a bug (500) or the caller's fault.
// Where a failure can be made for real cheaply it is; the server-side
// shutdown codes are built by hand (TestFaultPostgresRestart in
// cmd/convene sees them for real).
func TestTranslateOutages(t *testing.T) {
	pg := func(code string) error {
		return fmt.Errorf("wrapped: %w", &pgconn.PgError{Severity: "FATAL", Code: code, Message: "server says " + code})
	}
	outages := map[string]error{
		"57P01 admin_shutdown":             pg("57P01"),
		"57P02 crash_shutdown":             pg("57P02"),
		"57P03 cannot_connect_now":         pg("57P03"),
		"57014 query_canceled":             pg("57014"),
		"55P03 lock_not_available":         pg("55P03"),
		"53300 too_many_connections":       pg("53300"),
		"08006 connection_failure":         pg("08006"),
		"40001 serialization_failure":      pg("40001"),
		"40P01 deadlock_detected":          pg("40P01"),
		"connection refused":               &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)},
		"connection reset":                 &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)},
		"connection closed mid-reply":      fmt.Errorf("receive message: %w", io.ErrUnexpectedEOF),
		"connection closed before a reply": fmt.Errorf("receive message: %w", io.EOF),
		"database/sql connection done":     sql.ErrConnDone,
		"pool acquire timeout":             fmt.Errorf("acquire: %w", context.DeadlineExceeded),
		"request gone":                     fmt.Errorf("acquire: %w", context.Canceled),
		"SQLite busy after busy_timeout":   sqliteBusy(t),
		"SQLite busy, wrapped":             fmt.Errorf("begin: %w", sqliteBusy(t)),
	}
	for name, err := range outages {
		t.Run(name, func(t *testing.T) { wantUnavailable(t, store.Translate(err)) })
	}
	// Not outages: the caller's conflict, and a bug.
	wantCode(t, store.Translate(pg("23505")), domain.ECONFLICT, "")
	if got := domain.ErrorCode(store.Translate(pg("42601"))); got != domain.EINTERNAL {
		t.Fatalf("a syntax error (42601) is a bug: code %q, want %q", got, domain.EINTERNAL)
	}
	if got := domain.ErrorCode(store.Translate(errors.New("something else"))); got != domain.EINTERNAL {
		t.Fatalf("an unknown error: code %q, want %q", got, domain.EINTERNAL)
	}
	// The cause stays available to the log line, not to the client.
	if err := store.Translate(pg("57P01")); !strings.Contains(err.Error(), "57P01") || strings.Contains(domain.ErrorMessage(err), "57P01") {
		t.Fatalf("error %q / message %q: want the cause in the error only", err, domain.ErrorMessage(err))
	}
}

// TestUnavailableForReal makes each outage happen and calls the store:
// every call answers EUNAVAILABLE, and soon.
func TestUnavailableForReal(t *testing.T) {
	t.Run("PostgresConnections", func(t *testing.T) {
		// The store talks to PostgreSQL through a loopback proxy that
		// the test turns into each kind of broken network.
		storetest.Open(t, store.Postgres) // migrated
		p := startProxy(t, storetest.PostgresURL(t))
		db, err := store.Open(ctx, store.Options{DatabaseURL: p.url + "&connect_timeout=1"})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		works := func(after string) {
			t.Helper()
			deadline := time.Now().Add(5 * time.Second)
			for {
				_, err := db.FindOrganiser(ctx, domain.NewID())
				if domain.ErrorCode(err) == domain.ENOTFOUND {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: the store did not recover within 5s: %v", after, err)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		fails := func(what string, within time.Duration) {
			t.Helper()
			began := time.Now()
			_, err := db.FindOrganiser(ctx, domain.NewID())
			wantUnavailable(t, err)
			if d := time.Since(began); d > within {
				t.Fatalf("%s: the call took %s, want at most %s", what, d, within)
			}
		}
		works("start")
		p.set(proxyReset) // connection reset, open connections and new ones
		fails("connection reset", 3*time.Second)
		p.set(proxyForward)
		works("after resets")
		p.set(proxySilent) // accepts, never answers: the connect timeout decides
		fails("silent server", 4*time.Second)
		p.set(proxyForward)
		works("after silence")
		p.set(proxyRefuse) // nobody listens any more
		fails("connection refused", 3*time.Second)
	})

	t.Run("PostgresPoolExhausted", func(t *testing.T) {
		db, err := store.Open(ctx, store.Options{DatabaseURL: storetest.PostgresURL(t), MaxConns: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		held, err := db.Pool().Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer held.Release()
		c, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		_, err = db.FindOrganiser(c, domain.NewID())
		wantUnavailable(t, err)
	})

	t.Run("PostgresStatementAndLockTimeout", func(t *testing.T) {
		url := storetest.PostgresURL(t)
		a, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close(ctx)
		b, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close(ctx)
		if _, err := a.Exec(ctx, "SET statement_timeout = 50"); err != nil {
			t.Fatal(err)
		}
		_, err = a.Exec(ctx, "SELECT pg_sleep(2)")
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "57014" {
			t.Fatalf("a statement past statement_timeout: %v, want 57014", err)
		}
		wantUnavailable(t, store.Translate(err))
		key := time.Now().UnixNano()
		if _, err := a.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Exec(ctx, "SET lock_timeout = 50"); err != nil {
			t.Fatal(err)
		}
		_, err = b.Exec(ctx, "SELECT pg_advisory_lock($1)", key)
		if !errors.As(err, &pe) || pe.Code != "55P03" {
			t.Fatalf("waiting for a held lock: %v, want 55P03", err)
		}
		wantUnavailable(t, store.Translate(err))
	})

	t.Run("SQLiteBusy", func(t *testing.T) {
		dir := t.TempDir()
		db, err := store.OpenAndMigrate(ctx, store.Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		// Another process holds the write lock; this one waits 50 ms.
		other, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "convene.db")+"?_pragma=busy_timeout(50)")
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		conn, err := other.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			t.Fatal(err)
		}
		defer conn.ExecContext(ctx, "ROLLBACK")
		waiter, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "convene.db")+"?_pragma=busy_timeout(50)")
		if err != nil {
			t.Fatal(err)
		}
		defer waiter.Close()
		_, err = waiter.ExecContext(ctx, "BEGIN IMMEDIATE")
		if err == nil {
			t.Fatal("a second writer got the lock")
		}
		wantUnavailable(t, store.Translate(err))
	})
}

// Modes of the test proxy.
const (
	proxyForward = iota // pass bytes both ways
	proxyReset          // reset every connection, open or new
	proxySilent         // accept new connections and never answer
	proxyRefuse         // stop listening: connections are refused
)

// proxy is a loopback TCP proxy in front of PostgreSQL.
type proxy struct {
	url    string
	ln     net.Listener
	target string

	mu    sync.Mutex
	mode  int
	conns []net.Conn
}

// startProxy listens on a free loopback port and forwards to the server
// of pgURL; url is pgURL with the proxy's address.
func startProxy(t *testing.T, pgURL string) *proxy {
	t.Helper()
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: u.Host}
	u.Host = ln.Addr().String()
	p.url = u.String()
	if u.RawQuery == "" {
		p.url += "?"
	}
	t.Cleanup(func() { p.set(proxyRefuse) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			mode := p.mode
			p.conns = append(p.conns, c)
			p.mu.Unlock()
			switch mode {
			case proxyForward:
				go p.forward(c)
			case proxyReset:
				reset(c)
			}
		}
	}()
	return p
}

func (p *proxy) forward(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		reset(c)
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, s)
	p.mu.Unlock()
	go func() { io.Copy(s, c); s.Close() }()
	io.Copy(c, s)
	c.Close()
}

// set changes the mode; every mode but forward first resets the
// connections that are open.
func (p *proxy) set(mode int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = mode
	if mode == proxyForward {
		return
	}
	for _, c := range p.conns {
		reset(c)
	}
	p.conns = nil
	if mode == proxyRefuse {
		p.ln.Close()
	}
}

// reset closes c with a TCP RST rather than a FIN.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}
