package domain

import (
	"strings"
	"time"
)

// Event slugs are public addresses (/e/{slug}) that end up in e-mails,
// calendar invites, personal feeds and signed contribution records, so
// Convene treats them as permanent once published:
//
//   - A published event keeps every slug it ever had; old ones lead to it
//     (pages redirect, the public API answers for the event).
//   - No slug an event had once published is ever given to another event,
//     not even after the event is gone.
//   - A draft's slug is only a wish, visible to its own group: it reserves
//     nothing and is never reported to another group. The event gets its
//     slug when it is published: the wish, or — for a slug made from the
//     title rather than chosen — a free variant when the wish was taken
//     meanwhile (a chosen slug taken meanwhile is a conflict at publish).
//   - {series-slug}-YYYY-MM-DD (with any suffix) is the occurrence
//     namespace of a series: only that series' occurrences may use it.

// randomSlugSuffixes is how many random variants SlugCandidates offers
// after the title and the date.
const randomSlugSuffixes = 5

// SlugBase makes the base of an event slug from its title (Slugify), short
// enough for SlugCandidates' longest suffix, or "event" for a title without
// a usable character.
func SlugBase(title string) string {
	base := Slugify(title)
	if len(base) > MaxSlugLen-11 { // room for "-2026-12-03"
		base = strings.TrimRight(base[:MaxSlugLen-11], "-")
	}
	if base == "" {
		base = "event"
	}
	return base
}

// SlugCandidates are the slugs tried, in order, for an event whose slug is
// made rather than chosen: base, base with the event's local date (unless
// base already ends with it), then base with random suffixes. base must
// come from SlugBase, or be a slug that leaves as much room.
func SlugCandidates(base string, localStart time.Time) []string {
	date := localStart.Format("2006-01-02")
	out := []string{base}
	if !strings.HasSuffix(base, "-"+date) {
		out = append(out, base+"-"+date)
	}
	for range randomSlugSuffixes {
		out = append(out, base+"-"+strings.ToLower(NewID()[20:]))
	}
	return out
}

// SeriesSlugPrefixes returns the series slugs in whose occurrence
// namespace slug lies: every p for which slug is p-YYYY-MM-DD, alone or
// followed by "-" and more. A slug that holds no date gives none.
func SeriesSlugPrefixes(slug string) []string {
	var out []string
	for i := 1; i < len(slug); i++ {
		if slug[i] != '-' {
			continue
		}
		rest := slug[i+1:]
		if len(rest) < 10 || !isDate(rest[:10]) || len(rest) > 10 && rest[10] != '-' {
			continue
		}
		out = append(out, slug[:i])
	}
	return out
}

// isDate reports whether s looks like YYYY-MM-DD (digits and hyphens in
// place; the namespace does not depend on the date being real).
func isDate(s string) bool {
	for i := range 10 {
		switch i {
		case 4, 7:
			if s[i] != '-' {
				return false
			}
		default:
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
	}
	return true
}
