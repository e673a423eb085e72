package textutil

import (
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"kurz", 12, "kurz"},
		{"Ein langer Satz mit Wörtern", 12, "Ein langer…"},
		{"Ein, langer Satz", 6, "Ein…"},
		{"Donaudampfschifffahrt", 8, "Donauda…"},
		{"äöüäöüäöü", 4, "äöü…"},
	}
	for _, tt := range tests {
		got := Truncate(tt.in, tt.n)
		if got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > tt.n {
			t.Errorf("Truncate(%q, %d) = %q: invalid or too long", tt.in, tt.n, got)
		}
	}
}

func TestPlural(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		noun string
		want string
	}{
		{1, "file", "1 file"}, {0, "file", "0 files"}, {2, "match", "2 matches"},
		{3, "entry", "3 entries"}, {1, "entry", "1 entry"}, {2, "day", "2 days"}, {3, "address", "3 addresses"},
	} {
		if got := Plural(tt.n, tt.noun); got != tt.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", tt.n, tt.noun, got, tt.want)
		}
	}
}
