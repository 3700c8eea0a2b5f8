package api

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/convene/convene/ops"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// rawGet fetches a path of the test server without the contract check: the
// benchmark route is deliberately not part of the API document.
func (te *testEnv) rawGet(path, inm string) (int, http.Header, []byte) {
	te.t.Helper()
	req, _ := http.NewRequest("GET", te.srv.URL+path, nil)
	if inm != "" {
		req.Header.Set("If-None-Match", inm)
	}
	res, err := te.srv.Client().Do(req)
	if err != nil {
		te.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		te.t.Fatal(err)
	}
	return res.StatusCode, res.Header, b
}

func TestBenchStatic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Run("Off", func(t *testing.T) {
			te := newTestEnv(t, db)
			if st, _, _ := te.rawGet(ops.BenchStaticPath+"?group=anything", ""); st != http.StatusNotFound {
				t.Fatalf("%s without BenchStatic: %d, want 404", ops.BenchStaticPath, st)
			}
		})
		t.Run("OK", func(t *testing.T) {
			te := newTestEnv(t, db, func(c *siteConfig) { c.BenchStatic = true })
			_, tok := te.organiser("Ada")
			gid := te.group(tok)
			eid, _ := te.event(tok, gid, 10, true)
			slug := te.do("GET", "/api/v1/groups/"+gid, tok, nil).m(t)["slug"].(string)
			feedPath := "/api/v1/public/groups/" + slug + "/calendar.ics"
			static := ops.BenchStaticPath + "?group=" + slug

			fst, fh, feed := te.rawGet(feedPath, "")
			st, h, body := te.rawGet(static, "")
			if fst != http.StatusOK || st != http.StatusOK || !bytes.Equal(body, feed) || len(feed) == 0 {
				t.Fatalf("static %d (%d bytes), feed %d (%d bytes): want the same 200 body", st, len(body), fst, len(feed))
			}
			for _, k := range []string{"ETag", "Content-Type", "Cache-Control", "Last-Modified", "Content-Disposition"} {
				if h.Get(k) != fh.Get(k) {
					t.Errorf("%s: static %q, feed %q", k, h.Get(k), fh.Get(k))
				}
			}
			if st, _, b := te.rawGet(static, fh.Get("ETag")); st != http.StatusNotModified || len(b) != 0 {
				t.Fatalf("static with If-None-Match: %d with %d bytes, want 304 and no body", st, len(b))
			}
			// Static means captured once: a later change of the event
			// changes the feed, not the static copy.
			wantStatus(t, te.do("PATCH", "/api/v1/events/"+eid, tok, map[string]any{"title": "Renamed"}), http.StatusOK)
			_, _, feed2 := te.rawGet(feedPath, "")
			_, _, body2 := te.rawGet(static, "")
			if bytes.Equal(feed2, feed) || !bytes.Equal(body2, body) {
				t.Fatal("after a change the feed must differ and the static copy must not")
			}
			if st, _, _ := te.rawGet(ops.BenchStaticPath+"?group=no-such-group", ""); st != http.StatusNotFound {
				t.Fatalf("unknown group: %d, want 404", st)
			}
		})
	})
}
