package api

import (
	"reflect"
	"time"

	"testing"

	"github.com/convene/convene/domain"
)

func TestDecodeRefusesAmbiguousKeys(t *testing.T) {
	for name, c := range map[string]struct{ body, field string }{
		"CaseVariant":       {`{"TITLE":"x","kind":"meetup"}`, "TITLE"},
		"Duplicate":         {`{"title":"a","title":"b"}`, "title"},
		"NestedDuplicate":   {`{"title":"a","venue":{"name":"x","name":"y"}}`, "venue.name"},
		"NestedCaseVariant": {`{"title":"a","venue":{"Name":"x"}}`, "venue.Name"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := decodeCreateEvent([]byte(c.body))
			de, ok := err.(*domain.Error)
			if !ok || de.Code != domain.EINVALID || len(de.Fields) == 0 || de.Fields[0].Field != c.field {
				t.Fatalf("want a field error on %s, got %v", c.field, err)
			}
		})
	}
	// PATCH bodies go through Optional[T] and are checked the same way.
	if _, err := decodeUpdateEvent([]byte(`{"venue":{"name":"x","Address":"y"}}`)); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("PATCH with a case variant inside venue: %v", err)
	}
	if _, err := decodeRSVP([]byte(`{"name":"Ada","email":"ada@example.org"}`)); err != nil {
		t.Fatalf("a correct body was refused: %v", err)
	}
}

func TestDecodeNamesNestedUnknownFields(t *testing.T) {
	_, err := decodeUpdateEvent([]byte(`{"venue":{"name":"x","floor":3}}`))
	de, ok := err.(*domain.Error)
	if !ok || len(de.Fields) != 1 || de.Fields[0].Field != "venue.floor" {
		t.Fatalf("want a field error on venue.floor, got %v", err)
	}
}

// TestCheckKeysStopsOnInvalidJSON: the key walk must end on input that is
// not JSON (an earlier version looped forever on `{"a":[x]}`).
func TestCheckKeysStopsOnInvalidJSON(t *testing.T) {
	done := make(chan error, 1)
	go func() { done <- checkKeys([]byte(`{"a":[x]}`), reflect.TypeOf(&createRSVPRequest{})) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("checkKeys did not return on invalid JSON")
	}
}
