package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
)

// checkKeys walks a JSON document alongside the Go type it will be decoded
// into and refuses what encoding/json would quietly accept or report
// vaguely: keys that match a field only case-insensitively ("TITLE" for
// "title"), keys given twice (where the last would silently win), and
// unknown keys, each named with its full path ("venue.floor"). The body must
// already be valid JSON; on a syntax error the walk stops and reports
// nothing, leaving that to the decoder.
func checkKeys(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := walkValue(dec, t, ""); err != nil && err != errStopWalk {
		return err
	}
	return nil
}

// errStopWalk ends the walk on a syntax error.
var errStopWalk = errors.New("stop")

func walkValue(dec *json.Decoder, t reflect.Type, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return errStopWalk
	}
	t = elemType(t)
	switch tok {
	case json.Delim('{'):
		fields := jsonFields(t)
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return errStopWalk
			}
			key, _ := kt.(string)
			name := joinPath(path, key)
			if key == "" {
				name = joinPath(path, `""`)
			}
			if seen[key] {
				return fieldError(name, "appears more than once")
			}
			seen[key] = true
			ft, ok := fields[key]
			if !ok && fields != nil {
				for k := range fields {
					if strings.EqualFold(k, key) {
						return fieldError(name, "is not a known field (did you mean %q?)", k)
					}
				}
				return fieldError(name, "is not a known field")
			}
			if err := walkValue(dec, ft, name); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // '}'
			return errStopWalk
		}
	case json.Delim('['):
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for dec.More() {
			if err := walkValue(dec, et, path); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // ']'
			return errStopWalk
		}
	}
	return nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// elemType looks through pointers and Optional[T] to the type that holds
// the JSON fields.
func elemType(t reflect.Type) reflect.Type {
	for t != nil {
		switch {
		case t.Kind() == reflect.Pointer:
			t = t.Elem()
		case t.Kind() == reflect.Struct && strings.HasPrefix(t.Name(), "Optional["):
			f, _ := t.FieldByName("Value")
			t = f.Type
		default:
			return t
		}
	}
	return nil
}

// jsonFields maps a struct's JSON names to field types; nil for non-structs
// (whose keys are not checked).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	return m
}
