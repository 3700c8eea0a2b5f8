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
	"github.com/convene/convene/httpkit"
)

func malformed(format string, args ...any) error {
	return &domain.Error{Code: domain.EINVALID, Reason: domain.ReasonMalformedRequest, Message: fmt.Sprintf(format, args...)}
}

func fieldError(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &domain.Error{Code: domain.EINVALID, Reason: domain.ReasonValidationFailed, Message: field + ": " + msg,
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
			return nil, httpkit.ErrTooLarge(bodyLimit(c.Path()))
		}
		return nil, malformed("The request body could not be read.")
	}
	return body, nil
}

func checkContentType(c echo.Context) error {
	if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &domain.Error{Code: domain.EINVALID, Reason: domain.ReasonUnsupportedMediaType, Message: "Send the request body as application/json."}
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
