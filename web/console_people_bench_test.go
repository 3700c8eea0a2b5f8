package web

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// BenchmarkPeoplePage renders pages of the people list of an event with
// 5,000 RSVPs (4,000 going, 1,000 waitlisted) through the real HTTP
// handler, signed in, on each database: the first page, the first page
// of the waitlist (each row with its place in line), a search, and a
// page deep in the list. The target is under 50 ms a page.
func BenchmarkPeoplePage(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d)
			ce := newConsoleEnv(b, db)
			owner := ce.organiser("Owner")
			e := ce.event(owner, ce.group(owner, "Oslo Gophers"), "Big night", 4000)
			const n, workers = 5000, 8
			var (
				wg   sync.WaitGroup
				errs = make(chan error, workers)
			)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < n; i += workers {
						_, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: fmt.Sprintf("Person %04d", i),
							Email: fmt.Sprintf("person-%04d@example.org", i)})
						if err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			br := ce.browser()
			br.signIn(owner)
			base := "/manage/events/" + e.ID + "/people"
			deep := br.get(base + "?q=person+4")
			for range 3 { // three pages on
				deep = br.get(deep.link("next"))
			}
			for _, c := range []struct{ name, path string }{
				{"first", base},
				{"waitlisted", base + "?status=waitlisted"},
				{"search", base + "?q=PERSON+49"},
				{"deep", deep.link("next")},
			} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						if p := br.get(c.path); p.Status != http.StatusOK || len(p.people()) == 0 {
							b.Fatalf("%s: %d, %d people", c.path, p.Status, len(p.people()))
						}
					}
				})
			}
		})
	}
}

var _ = store.SQLite
