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
