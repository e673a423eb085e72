package watchers

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxFresh caps what a server may say of its answer's freshness: a feed
// said to be fresh for a year is still checked on its watchers' schedule.
const maxFresh = 24 * time.Hour

// freshUntil is when a server says its answer may change (RFC 9111):
// Cache-Control's max-age (less the Age it has already spent in a
// cache), else Expires; zero when it says neither, or says not to keep
// it (no-cache, no-store).
func freshUntil(h http.Header, now time.Time) time.Time {
	cc := strings.ToLower(strings.Join(h.Values("Cache-Control"), ","))
	for _, d := range strings.Split(cc, ",") {
		d = strings.TrimSpace(d)
		if d == "no-cache" || d == "no-store" {
			return time.Time{}
		}
	}
	for _, d := range strings.Split(cc, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), "=")
		if name != "max-age" {
			continue
		}
		secs, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64)
		if err != nil || secs <= 0 {
			return time.Time{}
		}
		if age, err := strconv.ParseInt(h.Get("Age"), 10, 64); err == nil && age > 0 {
			secs -= age
		}
		if secs <= 0 {
			return time.Time{}
		}
		return now.Add(min(time.Duration(secs)*time.Second, maxFresh))
	}
	if e := h.Get("Expires"); e != "" {
		t, err := http.ParseTime(e)
		if err != nil || !t.After(now) {
			return time.Time{}
		}
		if limit := now.Add(maxFresh); t.After(limit) {
			return limit
		}
		return t
	}
	return time.Time{}
}
