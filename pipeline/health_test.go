package pipeline

import (
	"testing"
	"time"
)

func TestStaleAfter(t *testing.T) {
	hours := func(hs ...float64) []time.Duration {
		var out []time.Duration
		for _, h := range hs {
			out = append(out, time.Duration(h*float64(time.Hour)))
		}
		return out
	}
	tests := []struct {
		gaps  []time.Duration
		want  time.Duration
		known bool
	}{
		{hours(1, 1, 1), 0, false}, // too little history
		{hours(1, 1, 1, 1, 1, 1, 1, 1), 6 * time.Hour, true},
		{hours(0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1), 2 * time.Hour, true}, // at least minStale
		// A newsroom quiet at night: the night is the longest spell.
		{hours(0.25, 0.5, 0.25, 9, 0.25, 0.5, 0.25, 0.25, 0.5), 18 * time.Hour, true},
	}
	for _, tt := range tests {
		got, known := staleAfter(tt.gaps)
		if got != tt.want || known != tt.known {
			t.Errorf("staleAfter(%v) = %v, %v; want %v, %v", tt.gaps, got, known, tt.want, tt.known)
		}
	}
}
