package watchers

import (
	"strings"
	"unicode"
)

// stopwords are frequent short words that tell German from English text.
var stopwords = map[string]string{
	"der": "de", "die": "de", "und": "de", "das": "de", "ist": "de", "nicht": "de", "mit": "de",
	"sich": "de", "auch": "de", "ein": "de", "eine": "de", "den": "de", "dem": "de", "von": "de",
	"zu": "de", "im": "de", "für": "de", "auf": "de", "wird": "de", "sind": "de", "wie": "de",
	"the": "en", "and": "en", "is": "en", "of": "en", "to": "en", "that": "en", "it": "en",
	"for": "en", "with": "en", "was": "en", "on": "en", "are": "en", "this": "en", "by": "en",
	"be": "en", "from": "en", "have": "en", "has": "en", "which": "en", "their": "en",
}

// textLang is the language of a page's text: the one the page declares,
// unless it declares German or English (or nothing) and its words say
// clearly that it is the other. Templates declare the site's language,
// or their own ("en-US" on a German blog), whatever the article's is.
func textLang(declared, text string) string {
	switch guess := guessLang(text); {
	case declared == "":
		return guess
	case guess != "" && (declared == "de" || declared == "en"):
		return guess
	}
	return declared
}

// GuessLang tells German ("de") from English ("en") text; see guessLang.
func GuessLang(text string) string { return guessLang(text) }

// guessLang tells German ("de") from English ("en") text by its most
// frequent words, for pages and feeds that do not say their language. It
// returns "" when the text is too short or neither wins clearly.
func guessLang(text string) string {
	counts := map[string]int{}
	words := 0
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		words++
		if lang, ok := stopwords[strings.ToLower(w)]; ok {
			counts[lang]++
		}
		if words > 2000 {
			break
		}
	}
	de, en := counts["de"], counts["en"]
	switch {
	case de+en < 5:
		return ""
	case de >= 2*en:
		return "de"
	case en >= 2*de:
		return "en"
	}
	return ""
}
