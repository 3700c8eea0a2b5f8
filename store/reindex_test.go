package store_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestReindexerFindsItsIndexes: River's nightly reindexer, configured with
// the store's ReindexerIndexNames as the service configures it, finds every
// index it is given and warns of nothing, on both databases. With River's
// defaults on SQLite it warns that "Configured reindex indexes do not
// exist" (the log line seen at midnight), which shows that the test would
// see the warning.
func TestReindexerFindsItsIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		names, err := db.ReindexerIndexNames(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if db.Dialect() == store.SQLite {
			if len(names) == 0 {
				t.Fatal("no River index to rebuild on SQLite: River's SQLite schema should have some of its defaults")
			}
			for _, n := range names {
				if count(t, db, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?`, n) != 1 {
					t.Errorf("index %s does not exist", n)
				}
			}
		} else if names != nil {
			t.Errorf("PostgreSQL: %v, want nil (River's defaults)", names)
		}
		if warns := runReindexer(t, db, names); len(warns) > 0 {
			t.Errorf("the reindexer warned: %s", strings.Join(warns, "; "))
		}
		if db.Dialect() == store.SQLite {
			warns := runReindexer(t, db, nil)
			if len(warns) == 0 || !strings.Contains(warns[0], "Configured reindex indexes do not exist") {
				t.Errorf("with River's defaults on SQLite the reindexer warned %q, want the missing indexes", warns)
			}
		}
	})
}

type noopArgs struct{}

func (noopArgs) Kind() string { return "reindex_test_noop" }

type noopWorker struct{ river.WorkerDefaults[noopArgs] }

func (noopWorker) Work(context.Context, *river.Job[noopArgs]) error { return nil }

// runReindexer runs a River client whose reindexer rebuilds names every
// 200 ms until it has run once, and returns what it logged at warning
// level or above.
func runReindexer(t *testing.T, db *store.DB, names []string) []string {
	t.Helper()
	logs := &logRecorder{ran: make(chan struct{}, 1)}
	workers := river.NewWorkers()
	river.AddWorker(workers, noopWorker{})
	c, err := river.NewClient(db.JobDriver(), &river.Config{
		Logger:              slog.New(logs),
		Workers:             workers,
		Queues:              map[string]river.QueueConfig{"reindex_test": {MaxWorkers: 1}},
		ReindexerIndexNames: names,
		ReindexerSchedule:   river.PeriodicInterval(200 * time.Millisecond),
		Test:                river.TestConfig{Time: db.JobTime()},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-logs.ran:
	case <-time.After(20 * time.Second):
		t.Error("the reindexer did not run within 20s")
	}
	stop, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.Stop(stop); err != nil {
		t.Fatal(err)
	}
	return logs.warnings()
}

// logRecorder is a slog.Handler that keeps River's warnings and signals
// the reindexer's runs.
type logRecorder struct {
	mu    sync.Mutex
	warns []string
	ran   chan struct{}
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "Reindexer: Ran successfully") {
		select {
		case h.ran <- struct{}{}:
		default:
		}
	}
	if r.Level >= slog.LevelWarn {
		h.mu.Lock()
		h.warns = append(h.warns, r.Message)
		h.mu.Unlock()
	}
	return nil
}

func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logRecorder) WithGroup(string) slog.Handler      { return h }

func (h *logRecorder) warnings() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.warns
}
