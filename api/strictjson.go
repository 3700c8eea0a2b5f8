package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// checkKeys walks a JSON document alongside the Go type it will be decoded
// into and refuses what encoding/json would quietly accept: keys that match
// a field only case-insensitively ("TITLE" for "title") and keys given
// twice (where the last one would silently win). Unknown keys are left to
// the decoder's DisallowUnknownFields.
func checkKeys(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return walkValue(dec, t, "")
}

func walkValue(dec *json.Decoder, t reflect.Type, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return nil // syntax errors are the decoder's to report
	}
	t = elemType(t)
	switch tok {
	case json.Delim('{'):
		fields := jsonFields(t)
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil
			}
			key, _ := kt.(string)
			name := joinPath(path, key)
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
			}
			if err := walkValue(dec, ft, name); err != nil {
				return err
			}
		}
		_, err = dec.Token() // '}'
		return nil
	case json.Delim('['):
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walkValue(dec, et, path); err != nil {
				return err
			}
		}
		_, err = dec.Token() // ']'
		return nil
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
