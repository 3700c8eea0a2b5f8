package httpkit

import (
	"cmp"
	"context"
	"net/http"
)

// headKey marks, in a request's context, a HEAD request routed as GET.
type headKey struct{}

// HeadAsGet answers HEAD on every GET route — API, pages and operations —
// as the GET would, with the same status and headers and no body (RFC 9110
// §9.3.2): monitors and link checkers ask with HEAD, and Echo routes HEAD
// only where it is registered, which would mean registering every GET
// route twice. The request is routed as a GET; the response stays the
// HEAD request's, and net/http sends no body for a HEAD request (it counts
// the bytes for Content-Length as it would for the GET). Handlers that
// must not act on a HEAD tell it apart with IsHead.
func HeadAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		get := r.Clone(context.WithValue(r.Context(), headKey{}, true))
		get.Method = http.MethodGet
		hw := &headResponse{ResponseWriter: w}
		next.ServeHTTP(hw, get)
		hw.finish()
	})
}

// IsHead reports whether r is a HEAD request that HeadAsGet routed as GET.
func IsHead(r *http.Request) bool { return r.Context().Value(headKey{}) != nil }

// headResponse holds back the status of a HEAD response until the first
// byte of the body or the handler's end. net/http works out Content-Length
// from the bytes written, and sends none for a HEAD that wrote nothing,
// where the GET says Content-Length: 0 (a redirect, say); finish says it.
type headResponse struct {
	http.ResponseWriter
	status int  // held back until sent
	sent   bool // the status went out
}

func (w *headResponse) WriteHeader(code int) {
	if code < 200 {
		w.ResponseWriter.WriteHeader(code) // informational: not the final status
		return
	}
	if !w.sent && w.status == 0 {
		w.status = code
	}
}

func (w *headResponse) send() {
	if !w.sent {
		w.sent = true
		if w.status != 0 {
			w.ResponseWriter.WriteHeader(w.status)
		}
	}
}

func (w *headResponse) Write(p []byte) (int, error) {
	w.send()
	return w.ResponseWriter.Write(p)
}

// Flush sends the status and headers now.
func (w *headResponse) Flush() {
	w.send()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *headResponse) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish sends a status still held back, with the Content-Length: 0 an
// empty GET body gets (none for 204 and 304, which have no body).
func (w *headResponse) finish() {
	if w.sent {
		return
	}
	code := cmp.Or(w.status, http.StatusOK)
	if code != http.StatusNoContent && code != http.StatusNotModified && w.Header().Get("Content-Length") == "" {
		w.Header().Set("Content-Length", "0")
	}
	w.send()
}
