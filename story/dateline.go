package story

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// dateline is where and by whom an agency's copy was written, before its
// first sentence: "Wien/Damaskus (APA/dpa) – ", "BERLIN (AP) — ",
// "Damaskus - ". Each outlet that runs the copy may write its own, so
// what stands in it is not what the story is about. The text goes on with
// a sentence, which begins with a capital: "Angela Merkel – die
// Kanzlerin – sprach" has none.
var dateline = regexp.MustCompile(`^(\p{Lu}[\p{L}\p{M}.'’-]*(\s+\p{Lu}[\p{L}\p{M}.'’-]*){0,2}(\s*/\s*\p{Lu}[\p{L}\p{M}.'’-]*(\s+\p{Lu}[\p{L}\p{M}.'’-]*){0,2}){0,3})\s*(\([^()]{1,40}\))?\s*[–—-]\s+\p{Lu}`)

// Dateline returns the dateline a text begins with, or that follows its
// first sentence (a kicker or a teaser run into the text), and where it
// ends; "" and 0 when it has none.
func Dateline(text string) (string, int) {
	starts := []int{0}
	if i := strings.IndexAny(text, ".!?"); i >= 0 && i < 300 {
		j := i + 1
		for j < len(text) && strings.ContainsRune("\"'“”«»)] ", rune(text[j])) {
			j++
		}
		starts = append(starts, j)
	}
	for _, s := range starts {
		if m := dateline.FindStringIndex(text[s:]); m != nil {
			_, n := utf8.DecodeLastRuneInString(text[:s+m[1]])
			end := s + m[1] - n // not the sentence's first letter
			return text[s:end], end
		}
	}
	return "", 0
}
