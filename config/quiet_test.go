package config

import (
	"testing"
	"time"
)

func TestQuietUntil(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := func(h, m int) time.Time { return time.Date(2026, 11, 24, h, m, 0, 0, berlin) }
	tests := []struct {
		quiet string
		now   time.Time
		want  time.Time
	}{
		{"22:00-07:00", at(23, 30), time.Date(2026, 11, 25, 7, 0, 0, 0, berlin)},
		{"22:00-07:00", at(3, 0), at(7, 0)},
		{"22:00-07:00", at(7, 0), time.Time{}},
		{"22:00-07:00", at(12, 0), time.Time{}},
		{"12:00-13:30", at(12, 59), at(13, 30)},
		{"12:00-13:30", at(11, 59), time.Time{}},
	}
	for _, tt := range tests {
		q, err := ParseQuiet(tt.quiet)
		if err != nil {
			t.Fatal(err)
		}
		if got := q.Until(tt.now); !got.Equal(tt.want) {
			t.Errorf("%s at %s: until %v, want %v", tt.quiet, tt.now.Format("15:04"), got, tt.want)
		}
	}
	for _, bad := range []string{"22-07", "22:00", "25:00-07:00", "07:00-07:00"} {
		if _, err := ParseQuiet(bad); err == nil {
			t.Errorf("ParseQuiet(%q) succeeded", bad)
		}
	}
}
