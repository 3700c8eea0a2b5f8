// Package domain holds Convene's vocabulary — organisers, groups, events,
// series, RSVPs, invitations, attendance and contribution records — and the
// rules that govern them, each in one place: who may be admitted
// (Event.Admit), what a valid event or series is, what each link may do,
// the errors and their reasons, the jobs' arguments and queues, and the
// one Clock every part of Convene reads the time from. Every other package
// builds on it; it depends on the standard library only, so that storage
// and transport can change without touching the rules.
package domain

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the api package; messages are
// written for people and are safe to show to any caller.
const (
	ECONFLICT     = "conflict"     // the request conflicts with the current state
	EFORBIDDEN    = "forbidden"    // authenticated, but not allowed
	EINTERNAL     = "internal"     // a bug or an unreachable dependency
	EINVALID      = "invalid"      // the input is malformed or breaks a rule
	ENOTFOUND     = "not_found"    // no such thing, or not visible to the caller
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EGONE         = "gone"         // it existed but is no longer available
	ETOOLARGE     = "too_large"    // the request body is too large
	ERATELIMITED  = "rate_limited" // too many requests from one client
	EUNAVAILABLE  = "unavailable"  // a dependency is temporarily unavailable
)

// Error is the one error type that crosses package boundaries. Code is the
// class of failure; Reason, when set, is a stable machine-readable detail such
// as "event_full" that clients can branch on.
type Error struct {
	Code    string
	Reason  string
	Message string
	Fields  []FieldError
}

// FieldError names one invalid input field and says what is wrong with it.
// Message is the English sentence the API gives; Format and Args are what
// made it (Validation.Add's), so that pages can say it in the reader's
// language: the catalogues hold each Format as the message "field:"+Format.
type FieldError struct {
	Field   string
	Message string
	Format  string
	Args    []any
}

func (e *Error) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("convene error: code=%s reason=%s message=%s", e.Code, e.Reason, e.Message)
	}
	return fmt.Sprintf("convene error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Conflict returns an ECONFLICT error with a stable reason.
func Conflict(reason, message string) *Error {
	return &Error{Code: ECONFLICT, Reason: reason, Message: message}
}

// ErrorCode returns the code of err if it is, or wraps, an *Error, and
// EINTERNAL for anything else (including nil wrapped in nothing: "" for nil).
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human message of an *Error, and a generic message
// for anything else, so internal details never reach a client.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// Validation collects field errors so that one response can report all of
// them at once.
type Validation struct {
	fields []FieldError
}

// Add records a problem with a field.
func (v *Validation) Add(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...), Format: format, Args: args})
}

// Has reports whether the field already has an error, so that later checks on
// it can be skipped.
func (v *Validation) Has(field string) bool {
	for _, f := range v.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns an EINVALID *Error listing every recorded field, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	msg := "The request has invalid fields."
	if len(v.fields) == 1 {
		msg = v.fields[0].Field + ": " + v.fields[0].Message
	}
	return &Error{Code: EINVALID, Reason: ReasonValidationFailed, Message: msg, Fields: v.fields}
}
