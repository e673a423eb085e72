package watchers

import (
	"net/http"
	"testing"
	"time"
)

// A server's word on how long its answer stays fresh, as RFC 9111 says it.
func TestFreshUntil(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name   string
		header http.Header
		want   time.Duration // after now; -1: not said
	}{
		{"max-age", http.Header{"Cache-Control": {"public, max-age=300"}}, 5 * time.Minute},
		{"max-age less its age in a cache", http.Header{"Cache-Control": {"max-age=300"}, "Age": {"120"}}, 3 * time.Minute},
		{"max-age over Expires", http.Header{"Cache-Control": {"max-age=60"}, "Expires": {now.Add(time.Hour).Format(http.TimeFormat)}}, time.Minute},
		{"Expires", http.Header{"Expires": {now.Add(10 * time.Minute).Format(http.TimeFormat)}}, 10 * time.Minute},
		{"Expires past", http.Header{"Expires": {now.Add(-time.Minute).Format(http.TimeFormat)}}, -1},
		{"Expires 0", http.Header{"Expires": {"0"}}, -1},
		{"no-cache", http.Header{"Cache-Control": {"no-cache, max-age=300"}}, -1},
		{"a year, capped at a day", http.Header{"Cache-Control": {"max-age=31536000"}}, 24 * time.Hour},
		{"nothing said", http.Header{}, -1},
	} {
		got := freshUntil(tt.header, now)
		if tt.want < 0 && !got.IsZero() || tt.want >= 0 && !got.Equal(now.Add(tt.want)) {
			t.Errorf("%s: fresh until %v, want %v after now", tt.name, got, tt.want)
		}
	}
}
