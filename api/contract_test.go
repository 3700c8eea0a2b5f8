package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
)

// The contract is openapi.yaml, loaded once for every test. Its servers are
// cleared so that operations match on the path alone: the test servers
// listen on random loopback ports.
var contract struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

// loadOpenAPI loads and validates the embedded document.
func loadOpenAPI() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml does not load: %w", err)
	}
	if err := doc.Validate(loader.Context, openapi3.EnableMultiError()); err != nil {
		return nil, fmt.Errorf("openapi.yaml is not valid: %w", err)
	}
	return doc, nil
}

func contractRouter() (routers.Router, error) {
	contract.once.Do(func() {
		// iCalendar bodies are text: the schema says string, and the
		// calendar tests check the content itself.
		openapi3filter.RegisterBodyDecoder("text/calendar", openapi3filter.PlainBodyDecoder)
		doc, err := loadOpenAPI()
		if err != nil {
			contract.err = err
			return
		}
		doc.Servers = nil
		contract.doc = doc
		contract.router, contract.err = gorillamux.NewRouter(doc)
	})
	return contract.router, contract.err
}

// checkContract validates one exchange against the OpenAPI document: the
// operation must be documented, the status documented for it (explicitly:
// there are no "default" responses), and the headers, content type and body
// must match the documented response. Bodies must not have properties the
// schema does not name, even though the document leaves response objects
// open for clients. Requests are not validated: tests send invalid ones on
// purpose.
func checkContract(t testing.TB, req *http.Request, r response) {
	t.Helper()
	router, err := contractRouter()
	if err != nil {
		t.Errorf("contract: %v", err)
		return
	}
	// The server removes a trailing slash before routing; so does this.
	match := req
	if p := req.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		match = req.Clone(req.Context())
		match.URL.Path = strings.TrimRight(p, "/")
		match.URL.RawPath = ""
	}
	route, params, err := router.FindRoute(match)
	if err != nil {
		// The server may refuse what the document does not have, with a
		// problem document; anything else means it serves an undocumented
		// route.
		if (r.Status == http.StatusNotFound || r.Status == http.StatusMethodNotAllowed) &&
			r.Header.Get("Content-Type") == "application/problem+json" {
			if req.Method == http.MethodHead {
				return // no body
			}
			var body any
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Errorf("contract: %s %s answered %d with invalid JSON: %v", req.Method, req.URL.Path, r.Status, err)
			} else if err := contract.doc.Components.Schemas["Problem"].Value.VisitJSON(body, openapi3.EnableJSONSchema2020()); err != nil {
				t.Errorf("contract: %s %s answered %d with an invalid problem document: %v", req.Method, req.URL.Path, r.Status, err)
			}
			return
		}
		t.Errorf("contract: %s %s is not documented in openapi.yaml (%v); the server answered %d: %s",
			req.Method, req.URL.Path, err, r.Status, r.Body)
		return
	}
	op := fmt.Sprintf("%s %s", req.Method, route.Path)
	res := route.Operation.Responses.Status(r.Status)
	if res == nil || res.Value == nil {
		t.Errorf("contract: %s answered %d, which openapi.yaml does not document for it; body: %s", op, r.Status, r.Body)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: match, PathParams: params, Route: route},
		Status:                 r.Status,
		Header:                 r.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(r.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("contract: %s answered %d with a response that does not match openapi.yaml: %v\nContent-Type: %s\nbody: %s",
			op, r.Status, err, r.Header.Get("Content-Type"), r.Body)
		return
	}
	if req.Method == http.MethodHead {
		return // no body
	}
	content := res.Value.Content
	if len(content) == 0 {
		if len(r.Body) != 0 {
			t.Errorf("contract: %s answered %d with a body, but openapi.yaml documents none: %s", op, r.Status, r.Body)
		}
		return
	}
	mt := content.Get(r.Header.Get("Content-Type"))
	if mt == nil || mt.Schema == nil || !strings.Contains(r.Header.Get("Content-Type"), "json") {
		return
	}
	var body any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Errorf("contract: %s answered %d with invalid JSON: %v", op, r.Status, err)
		return
	}
	if extra := undocumentedFields(mt.Schema, body, ""); len(extra) > 0 {
		t.Errorf("contract: %s answered %d with properties openapi.yaml does not document: %s\nbody: %s",
			op, r.Status, strings.Join(extra, ", "), r.Body)
	}
}

// undocumentedFields returns the paths of the object properties in v that
// the schema does not name. Properties are gathered through allOf, oneOf
// and anyOf; an object schema without named properties, or one that allows
// additional properties, is not checked.
func undocumentedFields(ref *openapi3.SchemaRef, v any, at string) []string {
	if ref == nil || ref.Value == nil {
		return nil
	}
	var (
		props = map[string][]*openapi3.SchemaRef{}
		items []*openapi3.SchemaRef
		open  bool
	)
	var collect func(s *openapi3.Schema, depth int)
	collect = func(s *openapi3.Schema, depth int) {
		if s == nil || depth > 32 {
			return
		}
		for name, p := range s.Properties {
			props[name] = append(props[name], p)
		}
		if s.Items != nil {
			items = append(items, s.Items)
		}
		if (s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has) || s.AdditionalProperties.Schema != nil {
			open = true
		}
		for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
			for _, sub := range group {
				if sub != nil {
					collect(sub.Value, depth+1)
				}
			}
		}
	}
	collect(ref.Value, 0)

	var out []string
	switch v := v.(type) {
	case map[string]any:
		if open || len(props) == 0 {
			return nil
		}
		names := make([]string, 0, len(v))
		for name := range v {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			schemas, ok := props[name]
			if !ok {
				out = append(out, at+name)
				continue
			}
			// A property named by several subschemas is checked against the
			// first; the document names each property once.
			out = append(out, undocumentedFields(schemas[0], v[name], at+name+".")...)
		}
	case []any:
		if len(items) == 0 {
			return nil
		}
		for i, it := range v {
			out = append(out, undocumentedFields(items[0], it, fmt.Sprintf("%s[%d].", strings.TrimSuffix(at, "."), i))...)
		}
	}
	return out
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi.yaml is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", where)
			} else if prev, dup := ids[op.OperationID]; dup {
				t.Errorf("operationId %s is used by %s and %s", op.OperationID, prev, where)
			}
			ids[op.OperationID] = where
			if op.Summary == "" || op.Description == "" {
				t.Errorf("%s needs a summary and a description", where)
			}
			if op.Responses.Default() != nil {
				t.Errorf("%s has a default response: document each status instead", where)
			}
			if op.Responses.Status(http.StatusInternalServerError) == nil {
				t.Errorf("%s does not document 500", where)
			}
			// Organiser routes require the bearer token; the others say
			// explicitly that they need none.
			secured := op.Security == nil || len(*op.Security) > 0
			if secured != (op.Responses.Status(http.StatusUnauthorized) != nil) {
				t.Errorf("%s: security and the 401 response disagree", where)
			}
			// A JSON body can be malformed, of the wrong type or invalid;
			// the inbound webhook's raw message is taken whatever it holds.
			if op.RequestBody != nil && op.RequestBody.Value.Content.Get("application/json") != nil {
				for _, status := range []int{400, 413, 415, 422} {
					if op.Responses.Status(status) == nil {
						t.Errorf("%s takes a body but does not document %d", where, status)
					}
				}
				for ct, mt := range op.RequestBody.Value.Content {
					if s := mt.Schema.Value; s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
						t.Errorf("%s: the %s request body must have additionalProperties: false", where, ct)
					}
				}
			}
		}
	}
}

// echoPath turns an Echo route path (/groups/:id) into an OpenAPI one
// (/groups/{id}).
func echoPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

func TestOpenAPICoversEveryRoute(t *testing.T) {
	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(nil, Config{Clock: domain.SystemClock})
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, r := range s.Echo().Routes() {
		if r.Method == echo.RouteNotFound { // Echo's catch-all for groups with middleware
			continue
		}
		registered[r.Method+" "+echoPath(r.Path)] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		if path == "/metrics" { // documented with the API, served by ops (ops tests it)
			continue
		}
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	for _, k := range sortedKeys(registered) {
		if !documented[k] {
			t.Errorf("route %s is not in openapi.yaml", k)
		}
	}
	for _, k := range sortedKeys(documented) {
		if !registered[k] {
			t.Errorf("openapi.yaml documents %s, which the server does not route", k)
		}
	}
	if len(registered) == 0 {
		t.Fatal("no routes registered")
	}
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// stubEnv is a server over a stub store, for answers that need no database.
func stubEnv(t *testing.T, st Store, mutate ...func(*Config)) *testEnv {
	t.Helper()
	cfg := Config{BaseURL: "http://convene.test", Version: "test", Clock: domain.SystemClock}
	for _, m := range mutate {
		m(&cfg)
	}
	s, err := New(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &testEnv{t: t, srv: srv, api: s}
}

func TestOpenAPIServed(t *testing.T) {
	te := stubEnv(t, nil)
	r := te.do("GET", "/api/v1/openapi.yaml", "", nil)
	wantStatus(t, r, http.StatusOK)
	if !bytes.Equal(r.Body, OpenAPI) {
		t.Fatalf("GET /api/v1/openapi.yaml served %d bytes that differ from openapi.yaml (%d bytes)", len(r.Body), len(OpenAPI))
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/yaml" {
		t.Errorf("Content-Type %q, want application/yaml", ct)
	}
}

// stubStore answers what the contract tests below need; ListGroups fails
// as a bug would. Other methods are not called.
type stubStore struct {
	Store
	ready error
}

func (s stubStore) Ready(context.Context) error { return s.ready }

func (s stubStore) AuthenticateToken(_ context.Context, raw string) (domain.Organiser, domain.APIToken, error) {
	if raw != "cvn_good" {
		return domain.Organiser{}, domain.APIToken{}, &domain.Error{Code: domain.EUNAUTHORIZED, Reason: "invalid_token", Message: "The API token is unknown, revoked or expired."}
	}
	o := domain.Organiser{ID: domain.NewID(), Email: "ada@example.org", Name: "Ada"}
	return o, domain.APIToken{ID: domain.NewID(), OrganiserID: o.ID, Name: "stub"}, nil
}

func (s stubStore) CreateRSVP(context.Context, string, domain.RSVPInput) (domain.RSVPResult, error) {
	now := time.Now().UTC()
	return domain.RSVPResult{RSVP: domain.RSVP{ID: domain.NewID(), Status: domain.RSVPGoing, CreatedAt: now, UpdatedAt: now},
		ManageToken: domain.NewSecret(), Created: true}, nil
}

func (s stubStore) ListGroups(context.Context, string, domain.ListOptions) (domain.Page[domain.Group], error) {
	return domain.Page[domain.Group]{}, errors.New("stub: a bug")
}

func (s stubStore) FindGroup(context.Context, string, string) (domain.Group, domain.Role, error) {
	return domain.Group{}, "", &domain.Error{Code: domain.EUNAVAILABLE, Reason: "database_unavailable", Message: "The service is briefly unavailable; please try again."}
}

// TestContractErrorAnswers checks, against the contract, error answers that
// the database tests rarely meet: transport errors, 401, 429, 503 and 500.
func TestContractErrorAnswers(t *testing.T) {
	te := stubEnv(t, stubStore{ready: &domain.Error{Code: domain.EUNAVAILABLE, Reason: "migrations_pending", Message: "Database migrations are pending."}},
		func(c *Config) { c.RSVPRatePerMinute = 1 })
	id := domain.NewID()
	big := `{"name":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	for _, c := range []struct {
		method, path, token string
		body                any
		status              int
		code                string
		header              string
	}{
		{"GET", "/healthz", "", nil, 200, "", ""},
		{"GET", "/readyz", "", nil, 503, "migrations_pending", "Retry-After"},
		{"GET", "/api/v1/me", "", nil, 401, "missing_token", "WWW-Authenticate"},
		{"GET", "/api/v1/me", "cvn_bad", nil, 401, "invalid_token", "WWW-Authenticate"},
		{"GET", "/api/v1/me", "cvn_good", nil, 200, "", ""},
		{"GET", "/api/v1/me/", "cvn_good", nil, 200, "", ""},
		{"GET", "/api/v1/groups/" + id, "cvn_good", nil, 503, "database_unavailable", "Retry-After"},
		{"GET", "/api/v1/groups/not-an-id", "cvn_good", nil, 404, "group_not_found", ""},
		{"GET", "/api/v1/groups?limit=0", "cvn_good", nil, 422, "validation_failed", ""},
		{"GET", "/api/v1/groups?limit=10", "cvn_good", nil, 500, "internal", ""},
		{"POST", "/api/v1/groups", "cvn_good", "{", 400, "malformed_request", ""},
		{"POST", "/api/v1/groups", "cvn_good", "", 400, "malformed_request", ""},
		{"POST", "/api/v1/groups", "cvn_good", `{"nope":1}`, 422, "validation_failed", ""},
		{"POST", "/api/v1/groups", "cvn_good", `{"name":1}`, 422, "validation_failed", ""},
		{"POST", "/api/v1/groups", "cvn_good", big, 413, "body_too_large", ""},
		{"POST", "/api/v1/tokens", "cvn_good", `{"name":"x","expires_at":"tomorrow"}`, 422, "validation_failed", ""},
		{"PATCH", "/api/v1/events/" + id, "cvn_good", `{"title":null}`, 422, "validation_failed", ""},
		{"GET", "/api/v1/events/" + id + "/rsvps?status=maybe", "cvn_good", nil, 422, "validation_failed", ""},
		{"GET", "/api/v1/groups/" + id + "/events?from=yesterday", "cvn_good", nil, 422, "validation_failed", ""},
		{"GET", "/api/v1/public/events/Not_A_Slug", "", nil, 404, "event_not_found", ""},
		{"GET", "/api/v1/rsvps/short", "", nil, 404, "rsvp_not_found", ""},
		{"POST", "/api/v1/public/events/some-event/rsvps", "", map[string]string{"name": "Grace", "email": "grace@example.org"}, 201, "", ""},
		{"POST", "/api/v1/public/events/some-event/rsvps", "", map[string]string{"name": "Grace", "email": "grace@example.org"}, 429, "rate_limited", "Retry-After"},
	} {
		r := te.do(c.method, c.path, c.token, c.body)
		if r.Status != c.status {
			t.Errorf("%s %s: status %d, want %d; body: %s", c.method, c.path, r.Status, c.status, r.Body)
			continue
		}
		if c.code != "" {
			var p httpkit.Problem
			if err := json.Unmarshal(r.Body, &p); err != nil || p.Code != c.code {
				t.Errorf("%s %s: code %q, want %q; body: %s", c.method, c.path, p.Code, c.code, r.Body)
			}
		}
		if c.header != "" && r.Header.Get(c.header) == "" {
			t.Errorf("%s %s: no %s header", c.method, c.path, c.header)
		}
	}
	// A body sent with another media type.
	req, _ := http.NewRequest("POST", te.srv.URL+"/api/v1/groups", strings.NewReader("slug=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer cvn_good")
	wantProblem(t, te.send(req), http.StatusUnsupportedMediaType, "unsupported_media_type")
}

// tbRecorder is a testing.TB that records errors instead of failing.
type tbRecorder struct {
	testing.TB
	errs []string
}

func (r *tbRecorder) Helper() {}
func (r *tbRecorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *tbRecorder) Error(args ...any) { r.errs = append(r.errs, fmt.Sprint(args...)) }

// TestContractCheckCatchesMismatches makes sure checkContract fails for
// undocumented routes, statuses, content types and bodies, including the
// OpenAPI 3.1 forms (type arrays with "null", const) the document relies on.
func TestContractCheckCatchesMismatches(t *testing.T) {
	id := domain.NewID()
	event := func(change func(m map[string]any)) []byte {
		m := map[string]any{
			"id": id, "group_id": id, "slug": "meetup", "title": "Meetup", "description": "", "kind": "meetup",
			"status": "draft", "starts_at": "2030-01-01T18:00:00Z", "ends_at": "2030-01-01T20:00:00Z",
			"time_zone": "Europe/Oslo", "locale": "", "local": map[string]any{"starts_at": "2030-01-01T19:00:00+01:00", "ends_at": "2030-01-01T21:00:00+01:00"},
			"venue": map[string]any{"name": "Hall", "address": ""}, "online_url": "", "recording_url": "", "capacity": nil, "waitlist": true,
			"rsvp_opens_at": nil, "rsvp_closes_at": nil, "rsvp_open": false, "rsvp_confirmation": "none", "reminders": []string{"PT24H", "PT1H"}, "reconfirm": false, "going_count": 0, "waitlist_count": 0,
			"seats_left": nil, "cancel_reason": "", "public_url": "http://convene.test/e/meetup",
			"created_at": "2029-01-01T00:00:00Z", "updated_at": "2029-01-01T00:00:00Z", "published_at": nil, "cancelled_at": nil,
		}
		if change != nil {
			change(m)
		}
		b, _ := json.Marshal(m)
		return b
	}
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	problemHeader := http.Header{"Content-Type": {"application/problem+json"}}
	problem := []byte(`{"type":"about:blank","title":"Not Found","status":404,"detail":"No such event.","code":"event_not_found"}`)
	created := `{"id":"` + id + `","status":"going","waitlist_position":null,"manage_token":"abcdefghijklmnopqrstuvwxyz","manage_url":"http://convene.test/r/abcdefghijklmnopqrstuvwxyz"}`
	existing := `{"id":"` + id + `","status":"waitlisted","waitlist_position":3}`
	for _, c := range []struct {
		name, method, path string
		r                  response
		ok                 bool
	}{
		{"valid event", "GET", "/api/v1/events/" + id, response{200, jsonHeader, event(nil)}, true},
		{"nullable fields set", "GET", "/api/v1/events/" + id, response{200, jsonHeader, event(func(m map[string]any) {
			m["capacity"], m["seats_left"], m["rsvp_opens_at"], m["venue"] = 10, 10, "2029-06-01T00:00:00Z", nil
		})}, true},
		{"trailing slash", "GET", "/api/v1/events/" + id + "/", response{200, jsonHeader, event(nil)}, true},
		{"undocumented route", "GET", "/api/v1/nothing", response{200, jsonHeader, []byte(`{}`)}, false},
		{"undocumented method", "PUT", "/api/v1/events/" + id, response{200, jsonHeader, event(nil)}, false},
		{"undocumented route refused", "GET", "/nowhere", response{404, problemHeader,
			[]byte(`{"type":"about:blank","title":"Not Found","status":404,"detail":"x","code":"not_found"}`)}, true},
		{"undocumented method refused", "PUT", "/api/v1/events/" + id, response{405, problemHeader,
			[]byte(`{"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"x","code":"method_not_allowed"}`)}, true},
		{"undocumented route refused without a problem", "GET", "/nowhere", response{404, jsonHeader, []byte(`{}`)}, false},
		{"undocumented route refused with 401", "GET", "/api/v1/nowhere", response{401, problemHeader,
			[]byte(`{"type":"about:blank","title":"Unauthorized","status":401,"detail":"x","code":"missing_token"}`)}, false},
		{"undocumented status", "GET", "/api/v1/events/" + id, response{409, problemHeader, problem}, false},
		{"wrong content type", "GET", "/api/v1/events/" + id, response{404, jsonHeader, problem}, false},
		{"problem status differs", "GET", "/api/v1/events/" + id, response{404, problemHeader, bytes.Replace(problem, []byte("404"), []byte("410"), 1)}, false},
		{"null that may not be", "GET", "/api/v1/events/" + id, response{200, jsonHeader, event(func(m map[string]any) { m["title"] = nil })}, false},
		{"wrong type in a type array", "GET", "/api/v1/events/" + id, response{200, jsonHeader, event(func(m map[string]any) { m["capacity"] = "ten" })}, false},
		{"missing required field", "GET", "/api/v1/events/" + id, response{200, jsonHeader, event(func(m map[string]any) { delete(m, "venue") })}, false},
		{"bad enum", "GET", "/api/v1/events/" + id, response{200, jsonHeader, event(func(m map[string]any) { m["status"] = "archived" })}, false},
		{"bad time", "GET", "/api/v1/events/" + id, response{200, jsonHeader, event(func(m map[string]any) { m["starts_at"] = "soon" })}, false},
		{"undocumented field", "GET", "/api/v1/events/" + id, response{200, jsonHeader, event(func(m map[string]any) { m["secret"] = 1 })}, false},
		{"undocumented nested field", "GET", "/api/v1/events/" + id, response{200, jsonHeader, event(func(m map[string]any) {
			m["venue"] = map[string]any{"name": "Hall", "address": "", "floor": 2}
		})}, false},
		{"body on 204", "DELETE", "/api/v1/events/" + id, response{204, http.Header{}, []byte(`{}`)}, false},
		{"empty 204", "DELETE", "/api/v1/events/" + id, response{204, http.Header{}, nil}, true},
		{"401 without WWW-Authenticate", "GET", "/api/v1/me", response{401, problemHeader,
			[]byte(`{"type":"about:blank","title":"Unauthorized","status":401,"detail":"x","code":"missing_token"}`)}, false},
		{"new RSVP", "POST", "/api/v1/public/events/meetup/rsvps", response{201, jsonHeader, []byte(created)}, true},
		{"new RSVP without token", "POST", "/api/v1/public/events/meetup/rsvps", response{201, jsonHeader, []byte(existing)}, false},
		{"existing RSVP", "POST", "/api/v1/public/events/meetup/rsvps", response{200, jsonHeader, []byte(existing)}, true},
		{"existing RSVP revealing its token", "POST", "/api/v1/public/events/meetup/rsvps", response{200, jsonHeader, []byte(created)}, false},
		{"list", "GET", "/api/v1/groups", response{200, jsonHeader, []byte(`{"items":[],"next_cursor":null}`)}, true},
		{"list without next_cursor", "GET", "/api/v1/groups", response{200, jsonHeader, []byte(`{"items":[]}`)}, false},
	} {
		req, err := http.NewRequest(c.method, "http://127.0.0.1:1"+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		rec := &tbRecorder{TB: t}
		checkContract(rec, req, c.r)
		if ok := len(rec.errs) == 0; ok != c.ok {
			t.Errorf("%s: checkContract passed=%v, want %v; errors: %s", c.name, ok, c.ok, strings.Join(rec.errs, "\n"))
		}
	}
}

// TestUndocumentedFieldsWalk pins the strict-properties walk on its own.
func TestUndocumentedFieldsWalk(t *testing.T) {
	if _, err := contractRouter(); err != nil {
		t.Fatal(err)
	}
	s := contract.doc.Components.Schemas["AttendeeRSVP"]
	var v any
	_ = json.Unmarshal([]byte(`{"id":"x","event":{"slug":"a","online_url":"https://x.test","group":{"slug":"g","extra":1}},"bogus":[1]}`), &v)
	got := undocumentedFields(s, v, "")
	want := []string{"bogus", "event.group.extra"}
	if !slices.Equal(got, want) {
		t.Errorf("undocumentedFields = %v, want %v", got, want)
	}
}
