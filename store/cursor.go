package store

import (
	"encoding/base64"
	"strings"

	"github.com/convene/convene/domain"
)

// A cursor names the last row of a page by its sort key and id; the next
// page starts after it. Cursors are opaque to clients.

func encodeCursor(key, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key + "\x00" + id))
}

func decodeCursor(c string) (key, id string, err error) {
	if c == "" {
		return "", "", nil
	}
	b, derr := base64.RawURLEncoding.DecodeString(c)
	k, i, ok := strings.Cut(string(b), "\x00")
	if derr != nil || !ok || !domain.ValidID(i) {
		return "", "", &domain.Error{Code: domain.EINVALID, Reason: domain.ReasonValidationFailed, Message: "cursor: is not a cursor this API returned",
			Fields: []domain.FieldError{{Field: "cursor", Message: "is not a cursor this API returned"}}}
	}
	return k, i, nil
}

func pageSize(o domain.ListOptions) int {
	switch {
	case o.Limit <= 0:
		return domain.DefaultPageSize
	case o.Limit > domain.MaxPageSize:
		return domain.MaxPageSize
	}
	return o.Limit
}

// paginate trims rows fetched with limit+1 to one page and makes the next
// cursor from the last kept row.
func paginate[R any, T any](rows []R, limit int, conv func(R) T, cursor func(R) string) domain.Page[T] {
	p := domain.Page[T]{Items: make([]T, 0, min(len(rows), limit))}
	if len(rows) > limit {
		rows = rows[:limit]
		p.NextCursor = cursor(rows[len(rows)-1])
	}
	for _, r := range rows {
		p.Items = append(p.Items, conv(r))
	}
	return p
}
