package watchers

import "testing"

// A robots.txt without a Disallow path allows everything, and is kept as
// one shared answer; one Disallow with a path is parsed.
func TestDisallowsAny(t *testing.T) {
	for body, want := range map[string]bool{
		"":                                    false,
		"User-agent: *\nAllow: /\n":           false,
		"User-agent: *\nDisallow:\n":          false,
		"User-agent: *\r\nDisallow: \r\n":     false,
		"# Disallow: /all\nUser-agent: *\n":   false,
		"User-agent: *\nDisallow: /private\n": true,
		"user-agent: newsbot\ndisallow:/\n":   true,
		"User-agent: *\n  DISALLOW : /x # y":  true,
	} {
		if got := disallowsAny([]byte(body)); got != want {
			t.Errorf("disallowsAny(%q) = %v, want %v", body, got, want)
		}
	}
}
