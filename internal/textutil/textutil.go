// Package textutil holds small text helpers shared by the packages that
// write text for people (summaries, Slack messages).
package textutil

import (
	"strings"
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
