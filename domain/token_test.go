package domain

import (
	"errors"
	"testing"
	"time"
)

func TestTokenExpiry(t *testing.T) {
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	for _, tc := range []struct {
		name         string
		maker, asked *time.Time
		want         *time.Time
		invalid      bool
	}{
		{"PermanentMakerNothingAsked", nil, nil, nil, false},
		{"PermanentMakerAsked", nil, at(48 * time.Hour), at(48 * time.Hour), false},
		{"InheritsMakersExpiry", at(time.Hour), nil, at(time.Hour), false},
		{"EarlierKept", at(time.Hour), at(30 * time.Minute), at(30 * time.Minute), false},
		{"SameKept", at(time.Hour), at(time.Hour), at(time.Hour), false},
		{"LaterRefused", at(time.Hour), at(time.Hour + time.Second), nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := TokenExpiry(tc.maker, tc.asked)
			if tc.invalid {
				var e *Error
				if ErrorCode(err) != EINVALID || !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "expires_at" {
					t.Fatalf("err %v, want a field error on expires_at", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tc.want == nil) || got != nil && !got.Equal(*tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
