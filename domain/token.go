package domain

import "time"

// TokenExpiry is when an API token made with another one (its maker)
// stops working, given the expiry the caller asked for (nil: none). A new
// token never outlives its maker, so that a short-lived token cannot be
// turned into a permanent one: asked for nothing, it expires with its
// maker; asked for a time after the maker's expiry, it is refused with a
// field error on expires_at. A maker that never expires leaves the choice
// to the caller. Tokens made outside the API (the command line, the first
// organiser) have no maker and are not bound by this.
func TokenExpiry(maker, asked *time.Time) (*time.Time, error) {
	if maker == nil {
		return asked, nil
	}
	if asked == nil {
		t := *maker
		return &t, nil
	}
	if asked.After(*maker) {
		var v Validation
		v.Add("expires_at", "must not be later than %s, when the token making this request expires", maker.UTC().Format(time.RFC3339))
		return nil, v.Err()
	}
	return asked, nil
}
