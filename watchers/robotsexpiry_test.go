package watchers

import (
	"testing"
	"time"
)

// A robots.txt is asked for again within a day (RFC 9309 §2.4: not used
// for more than 24 hours), each site at its own time over the last
// quarter of it, so that a config's sites are not all asked in one tick.
func TestRobotsExpiryWithinADay(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	lo, hi := 24*time.Hour, time.Duration(0)
	for range 10000 {
		d := robotsExpiry(now).Sub(now)
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo < 18*time.Hour || hi > 24*time.Hour {
		t.Errorf("expiries from %v to %v after, want between 18 h and 24 h", lo, hi)
	}
	if hi-lo < 5*time.Hour {
		t.Errorf("expiries from %v to %v: not spread over the hours", lo, hi)
	}
}
