package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
)

// Problem is an RFC 9457 problem document, extended with a stable code and
// field errors.
type Problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail"`
	Code     string         `json:"code"`
	Instance string         `json:"instance,omitempty"`
	Errors   []problemField `json:"errors,omitempty"`
}

type problemField struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

var statusOf = map[string]int{
	domain.EINVALID:      http.StatusUnprocessableEntity,
	domain.ENOTFOUND:     http.StatusNotFound,
	domain.ECONFLICT:     http.StatusConflict,
	domain.EFORBIDDEN:    http.StatusForbidden,
	domain.EUNAUTHORIZED: http.StatusUnauthorized,
	domain.EGONE:         http.StatusGone,
	domain.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	domain.ERATELIMITED:  http.StatusTooManyRequests,
	domain.EUNAVAILABLE:  http.StatusServiceUnavailable,
	domain.EINTERNAL:     http.StatusInternalServerError,
}

// reasonStatus overrides the status for reasons that are not the class's
// usual one.
var reasonStatus = map[string]int{
	"malformed_request":      http.StatusBadRequest,
	"unsupported_media_type": http.StatusUnsupportedMediaType,
	"method_not_allowed":     http.StatusMethodNotAllowed,
}

// handleError is the one place where errors become HTTP responses.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var (
		de *domain.Error
		he *echo.HTTPError
		p  Problem
	)
	switch {
	case errors.As(err, &de):
		p = Problem{Status: statusOf[de.Code], Detail: de.Message, Code: de.Reason}
		if st, ok := reasonStatus[de.Reason]; ok {
			p.Status = st
		}
		if p.Code == "" {
			p.Code = de.Code
		}
		for _, f := range de.Fields {
			p.Errors = append(p.Errors, problemField(f))
		}
		if de.Code == domain.EINTERNAL || p.Status == 0 {
			p.Status = http.StatusInternalServerError
		}
	case errors.As(err, &he):
		p = echoProblem(he)
	default:
		p = Problem{Status: http.StatusInternalServerError, Code: domain.EINTERNAL}
	}
	switch p.Status {
	case http.StatusInternalServerError:
		p.Detail, p.Code = "Something went wrong on our side. It has been logged.", domain.EINTERNAL
		s.log.ErrorContext(c.Request().Context(), "internal error", "err", err.Error(),
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "route", c.Path())
	case http.StatusServiceUnavailable:
		c.Response().Header().Set("Retry-After", "1")
		s.log.WarnContext(c.Request().Context(), "unavailable", "err", err.Error(), "route", c.Path())
	case http.StatusUnauthorized:
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="convene"`)
	case http.StatusMethodNotAllowed:
		// HEAD is answered wherever GET is (headAsGet), though not routed.
		h := c.Response().Header()
		if allow := h.Get(echo.HeaderAllow); strings.Contains(allow, http.MethodGet) && !strings.Contains(allow, http.MethodHead) {
			h.Set(echo.HeaderAllow, allow+", "+http.MethodHead)
		}
	}
	p.Type = "about:blank"
	p.Title = http.StatusText(p.Status)
	writeProblem(c, p)
}

func echoProblem(he *echo.HTTPError) Problem {
	p := Problem{Status: he.Code}
	switch he.Code {
	case http.StatusNotFound:
		p.Code, p.Detail = "not_found", "There is nothing at this address."
	case http.StatusMethodNotAllowed:
		p.Code, p.Detail = "method_not_allowed", "This method is not allowed here."
	case http.StatusRequestEntityTooLarge:
		p.Code, p.Detail = "body_too_large", "The request body is larger than 64 KiB."
	case http.StatusTooManyRequests:
		p.Code, p.Detail = "rate_limited", "Too many requests; please wait a moment."
	default:
		p.Code, p.Detail = strings.ToLower(strings.ReplaceAll(http.StatusText(he.Code), " ", "_")), http.StatusText(he.Code)
		if he.Code >= 500 {
			p.Status, p.Code = http.StatusInternalServerError, domain.EINTERNAL
		}
	}
	return p
}

func writeProblem(c echo.Context, p Problem) {
	b, _ := json.Marshal(p)
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	if c.Request().Method != http.MethodHead {
		c.Response().Write(b)
	}
}

func malformed(format string, args ...any) error {
	return &domain.Error{Code: domain.EINVALID, Reason: "malformed_request", Message: fmt.Sprintf(format, args...)}
}

func fieldError(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &domain.Error{Code: domain.EINVALID, Reason: "validation_failed", Message: field + ": " + msg,
		Fields: []domain.FieldError{{Field: field, Message: msg}}}
}

// decode reads a JSON request body into dst strictly: JSON media type, one
// object, no unknown fields, no trailing data, at most MaxBodyBytes.
func decode(c echo.Context, dst any) error {
	if err := checkContentType(c); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	return decodeBytes(body, dst)
}

// decodeOptional is decode for routes whose body may be left out: an empty
// body leaves dst as it is.
func decodeOptional(c echo.Context, dst any) error {
	body, err := readBody(c)
	if err != nil || len(trimJSONSpace(body)) == 0 {
		return err
	}
	if err := checkContentType(c); err != nil {
		return err
	}
	return decodeBytes(body, dst)
}

func readBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge(bodyLimit(c.Path()))
		}
		return nil, malformed("The request body could not be read.")
	}
	return body, nil
}

func checkContentType(c echo.Context) error {
	if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &domain.Error{Code: domain.EINVALID, Reason: "unsupported_media_type", Message: "Send the request body as application/json."}
		}
	}
	return nil
}

// trimJSONSpace trims the whitespace JSON allows around a value (RFC 8259:
// space, tab, LF, CR) — not the other Unicode spaces bytes.TrimSpace takes,
// which would let a body such as "\f{}" pass as a JSON object.
func trimJSONSpace(b []byte) []byte { return bytes.Trim(b, " \t\n\r") }

// decodeBytes is decode without the HTTP parts; the fuzz tests call it.
func decodeBytes(body []byte, dst any) error {
	trimmed := trimJSONSpace(body)
	if len(trimmed) == 0 {
		return malformed("The request body is empty; send a JSON object.")
	}
	if !json.Valid(trimmed) {
		// Not JSON is not JSON, whatever keys it holds: 400, not a field
		// error. Unmarshal (only on this cold path) says where it broke.
		var any any
		return jsonError(json.Unmarshal(trimmed, &any))
	}
	if trimmed[0] != '{' {
		return malformed("The request body must be a JSON object.")
	}
	// Valid JSON: check the keys (unknown, case variants, repeated) with
	// their full paths before the decoder, which names nested fields
	// without their parents.
	if err := checkKeys(trimmed, reflect.TypeOf(dst)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	return nil
}

func jsonError(err error) error {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
		fe *fieldErr
	)
	switch {
	case errors.As(err, &fe):
		return fieldError(fe.field, "%s", fe.msg)
	case errors.As(err, &se):
		return malformed("The request body is not valid JSON (at byte %d).", se.Offset)
	case errors.As(err, &te):
		if te.Field == "" {
			return malformed("The request body must be a JSON object.")
		}
		return fieldError(te.Field, "must be %s", jsonTypeName(te.Type.Kind().String()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return malformed("The request body is not valid JSON (it ends too early).")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if name == "" {
			name = `""` // the empty key; a field error must name something
		}
		return fieldError(name, "is not a known field")
	}
	return malformed("The request body is not valid JSON.")
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "float64", "uint", "uint64":
		return "a whole number"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "a list"
	}
	return "of another type"
}

// fieldErr is returned by request types' UnmarshalJSON to name the field.
type fieldErr struct{ field, msg string }

func (e *fieldErr) Error() string { return e.field + ": " + e.msg }

// Optional is a PATCH field: Set says it was present; Null that it was null.
type Optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// UnmarshalJSON records presence and null.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(&o.Value)
}

// parseTime reads an RFC 3339 time for a field, adding a field error to v.
func parseTime(v *domain.Validation, field, s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		v.Add(field, "must be an RFC 3339 time such as 2026-12-03T18:00:00Z")
		return time.Time{}
	}
	if t = t.UTC(); t.Year() < 1970 || t.Year() > 9000 {
		v.Add(field, "must be a time between the years 1970 and 9000")
		return time.Time{}
	}
	return t
}

func parseTimePtr(v *domain.Validation, field string, s *string) *time.Time {
	if s == nil {
		return nil
	}
	t := parseTime(v, field, *s)
	return &t // on error v holds it and the caller stops
}

// listOptions reads ?limit= and ?cursor=.
func listOptions(c echo.Context) (domain.ListOptions, error) {
	o := domain.ListOptions{Cursor: c.QueryParam("cursor")}
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > domain.MaxPageSize {
			return o, fieldError("limit", "must be a whole number from 1 to %d", domain.MaxPageSize)
		}
		o.Limit = n
	}
	return o, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// listResponse is the shape of every list.
type listResponse[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"` // null on the last page
}

func list[S any, T any](p domain.Page[S], conv func(S) T) listResponse[T] {
	out := listResponse[T]{Items: make([]T, 0, len(p.Items))}
	if p.NextCursor != "" {
		out.NextCursor = &p.NextCursor
	}
	for _, it := range p.Items {
		out.Items = append(out.Items, conv(it))
	}
	return out
}

// optString reads a PATCH string field: nil when absent; null is refused
// unless nullable, in which case it means "".
func optString(v *domain.Validation, field string, o Optional[string], nullable bool) *string {
	switch {
	case !o.Set:
		return nil
	case o.Null && !nullable:
		v.Add(field, "cannot be null")
		return nil
	}
	s := o.Value
	return &s
}
