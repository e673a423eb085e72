// Package textutil holds small text helpers shared by the packages that
// write text for people (summaries, Slack messages).
package textutil

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Truncate cuts s to at most n runes, ending in "…". It cuts at the last
// white space in the second half of what fits, so that no word is split
// unless a single word fills it; it never splits a rune.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	cut, runes := 0, 0
	for i := range s {
		if runes == n-1 {
			cut = i
			break
		}
		runes++
	}
	if sp := strings.LastIndexAny(s[:cut], " \n\t"); sp > cut/2 {
		cut = sp
	}
	return strings.TrimRight(s[:cut], " \n\t,;:-–") + "…"
}

// Plural is "1 match", "2 matches", "0 errors".
func Plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "ch") || strings.HasSuffix(noun, "ss") || strings.HasSuffix(noun, "sh") || strings.HasSuffix(noun, "x") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	if len(noun) > 1 && noun[len(noun)-1] == 'y' && !strings.ContainsRune("aeiou", rune(noun[len(noun)-2])) {
		return fmt.Sprintf("%d %sies", n, noun[:len(noun)-1]) // entry, entries
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Roughly is a duration as a person says it: "30 s", "40 min", "9 h",
// "3 days".
func Roughly(d time.Duration) string {
	switch {
	case d < 55*time.Second:
		return fmt.Sprintf("%d s", max(1, int(d.Round(time.Second)/time.Second)))
	case d < time.Hour:
		return fmt.Sprintf("%d min", max(1, int(d.Round(time.Minute)/time.Minute)))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Round(time.Hour)/time.Hour))
	default:
		return fmt.Sprintf("%d days", int(d.Round(24*time.Hour)/(24*time.Hour)))
	}
}
