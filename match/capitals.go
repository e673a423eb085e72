package match

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// A keyword written in capitals (IS, USA, NATO) matches only in capitals,
// and even there not where capitals say nothing of a name:
//
//   - inside a run of words in capitals or of codes: a headline or a
//     slogan set in capitals ("THIS IS A KANGA PROJECT"), a product code
//     ("EF-S 18-55mm IS STM");
//   - in a text whose language has the word as an ordinary one, written in
//     capitals for emphasis ("he IS right", in English), unless it stands
//     as a name does: in parentheses or quotes, before a hyphen
//     ("IS-held"), at the start of a sentence, or after a word that comes
//     before names ("the IS", "against IS").
//
// A term given as raw:IS (case-sensitive on purpose) matches wherever IS
// stands in capitals.

// ordinary are, by language, short words that a text in capitals for
// emphasis writes as a name would stand: a capitals keyword that is one of
// them does not match in a text of that language. Words that in capitals
// are nearly always a name in news (US, IT, EU) are not among them.
var ordinary = map[string]map[string]bool{
	"en": setOf("a am an and are as at be but by do for go had has he her him his i if in is me my no not of on or our she so the to up was we were who you"),
	"de": setOf("ab am an auf aus bei da das dem den der des die du ein er es ich im in ist ja mit nach ob sie so um und vom von vor war was wer wie wir wo zu zum zur"),
}

// beforeNames are, by language, words after which a word in capitals is
// a name (an article, a preposition, a conjunction), never the verb or
// pronoun it would be otherwise.
var beforeNames = map[string]map[string]bool{
	"en": setOf("a an and against at between by for from in into of on or over the to under versus vs with without"),
	"de": setOf("am an auf aus bei beim dem den der des die durch für gegen im in mit nach oder über um und unter vom von vor zum zur zwischen"),
}

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// Why a match of a capitals keyword was refused.
const (
	RefusedCapitalsRun = "inside a run of words in capitals"
	RefusedOrdinary    = "an ordinary word in this language, written in capitals"
)

// refusal says why the capitals keyword p, found at words i..end of text,
// does not match there, or "" when it does.
func (p *pattern) refusal(text string, toks []token, i, end int, lang string) string {
	if !p.capitals || len(p.words) > 1 {
		return "" // a phrase in capitals is a run the user asked for
	}
	if i > 0 && adjacent(text, toks[i-1], toks[i]) && capitalsOrCode(text[toks[i-1].start:toks[i-1].end]) ||
		end+1 < len(toks) && adjacent(text, toks[end], toks[end+1]) && capitalsOrCode(text[toks[end+1].start:toks[end+1].end]) {
		return RefusedCapitalsRun
	}
	if ordinary[lang][strings.ToLower(p.words[0])] && !asName(text, toks, i, end, lang) {
		return RefusedOrdinary
	}
	return ""
}

// asName reports whether words i..end of text stand as a name does (see
// the top of the file).
func asName(text string, toks []token, i, end int, lang string) bool {
	before, after := text[:toks[i].start], text[toks[end].end:]
	if strings.HasPrefix(after, "-") || strings.HasSuffix(before, "-") ||
		strings.ContainsAny(lastRune(before), "([{\"'„“‚‘«»‹›") {
		return true
	}
	if i == 0 {
		return true
	}
	gap := text[toks[i-1].end:toks[i].start]
	return strings.ContainsAny(gap, ".!?:;\n") || beforeNames[lang][strings.ToLower(text[toks[i-1].start:toks[i-1].end])]
}

// lastRune is the last rune of s, as a string ("" for none).
func lastRune(s string) string {
	_, n := utf8.DecodeLastRuneInString(s)
	return s[len(s)-n:]
}

// adjacent reports whether only white space stands between two words: a
// hyphen, a comma or a full stop ends a run of capitals.
func adjacent(text string, a, b token) bool {
	return strings.TrimSpace(text[a.end:b.start]) == ""
}

// capitalsOrCode reports whether a word is in capitals (two letters or
// more, none in lower case) or a code of letters and digits ("45mm",
// "A380").
func capitalsOrCode(w string) bool {
	letters, lower, digits := 0, 0, 0
	for _, r := range w {
		switch {
		case unicode.IsLetter(r):
			letters++
			if !unicode.IsUpper(r) {
				lower++
			}
		case unicode.IsDigit(r):
			digits++
		}
	}
	return letters > 0 && digits > 0 || letters >= 2 && lower == 0
}
