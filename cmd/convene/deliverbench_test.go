package main

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/convene/convene/notifications/smtptest"
)

// BenchmarkDeliver1000Invites measures, through the real serve wiring,
// 1,000 RSVPs (16 concurrent clients) to an event with 1,000 seats until
// all 1,000 invites have arrived at an in-process SMTP server. It reports
// the RSVP phase and the whole time. The database is SQLite unless
// CONVENE_BENCH_POSTGRES=1 (with CONVENE_TEST_DATABASE_URL).
//
//	go test ./cmd/convene -run '^$' -bench Deliver1000Invites -benchtime 1x
func BenchmarkDeliver1000Invites(b *testing.B) {
	const n, clients = 1000, 16
	for range b.N {
		b.StopTimer()
		sink := smtptest.Start(b)
		env := map[string]string{
			"CONVENE_DATA_DIR": b.TempDir(), "CONVENE_SMTP_URL": sink.URL(), "CONVENE_RSVP_RATE_LIMIT": "0",
			"CONVENE_BASE_URL": "https://convene.example", "CONVENE_ADMIN_EMAIL": "bench@example.org",
		}
		if os.Getenv("CONVENE_BENCH_POSTGRES") == "1" {
			env["CONVENE_DATABASE_URL"] = freshPostgres(b)
		}
		in := startServe(b, env)
		f := newFlow(b, in)
		_, slug := f.event(n, "Bench Group")
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := c; i < n; i += clients {
					f.rsvp(slug, fmt.Sprintf("Person %d", i), fmt.Sprintf("p%04d@example.org", i))
				}
			}()
		}
		wg.Wait()
		rsvps := time.Since(start)
		sink.WaitFor(b, n, 5*time.Minute)
		total := time.Since(start)
		b.StopTimer()
		b.ReportMetric(rsvps.Seconds(), "rsvp-s")
		b.ReportMetric(total.Seconds(), "delivered-s")
		b.ReportMetric(float64(n)/total.Seconds(), "invites/s")
		b.ReportMetric(float64(sink.Connections()), "smtp-conns")
		in.stop()
	}
}
