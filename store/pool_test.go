package store_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestPoolSize: an operator sizes the PostgreSQL pool with pool_max_conns
// in CONVENE_DATABASE_URL; Options.MaxConns (the job workers' own pool)
// wins; without either the pool has max(8, 4 × CPUs) connections.
func TestPoolSize(t *testing.T) {
	url := storetest.PostgresURL(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	for _, c := range []struct {
		name string
		url  string
		max  int32
		want int32
	}{
		{"Default", url, 0, int32(max(8, 4*runtime.NumCPU()))},
		{"URL", url + sep + "pool_max_conns=3", 0, 3},
		{"Options", url + sep + "pool_max_conns=3", 5, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, err := store.Open(ctx, store.Options{DatabaseURL: c.url, MaxConns: c.max})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if got := db.Pool().Config().MaxConns; got != c.want {
				t.Fatalf("pool of %d connections, want %d", got, c.want)
			}
		})
	}
}
