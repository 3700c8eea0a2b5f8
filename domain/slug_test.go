package domain

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSeriesSlugPrefixes(t *testing.T) {
	for slug, want := range map[string][]string{
		"essentials-2027-03-16":            {"essentials"},
		"essentials-2027-03-16-2":          {"essentials"},
		"essentials-2027-03-16-evening":    {"essentials"},
		"go-2026-meetup-2027-03-16":        {"go-2026-meetup"},
		"x-2027-01-01-2028-02-02":          {"x", "x-2027-01-01"},
		"essentials":                       nil,
		"2027-03-16":                       nil,
		"essentials-2027-03-16x":           nil,
		"essentials-2027-3-16":             nil,
		"essentials-20270316":              nil,
		"meetup-2027-03":                   nil,
		"a-2027-03-16-b-2027-03-17-c":      {"a", "a-2027-03-16-b"},
		"dotnet-oslo-december-2026-12-03":  {"dotnet-oslo-december"},
		"dotnet-oslo-december-2026-12-03-": {"dotnet-oslo-december"},
	} {
		if got := SeriesSlugPrefixes(slug); !slices.Equal(got, want) {
			t.Errorf("SeriesSlugPrefixes(%q) = %q, want %q", slug, got, want)
		}
	}
}

func TestSlugCandidates(t *testing.T) {
	start := time.Date(2027, 3, 16, 17, 0, 0, 0, time.UTC)
	c := SlugCandidates("essentials", start)
	if len(c) != 2+randomSlugSuffixes || c[0] != "essentials" || c[1] != "essentials-2027-03-16" {
		t.Fatalf("candidates %q", c)
	}
	seen := map[string]bool{}
	for _, s := range c {
		var v Validation
		if CheckSlug(&v, "slug", s); v.Err() != nil || seen[s] {
			t.Fatalf("candidate %q invalid or repeated: %q", s, c)
		}
		seen[s] = true
	}
	if c := SlugCandidates("essentials-2027-03-16", start); c[1] == "essentials-2027-03-16-2027-03-16" {
		t.Fatalf("the date added twice: %q", c)
	}
	long := SlugBase(strings.Repeat("word ", 40))
	for _, s := range SlugCandidates(long, start) {
		if len(s) > MaxSlugLen {
			t.Fatalf("candidate %q is longer than %d", s, MaxSlugLen)
		}
	}
	if SlugBase("!!!") != "event" {
		t.Fatalf("SlugBase of a title without letters: %q", SlugBase("!!!"))
	}
}
