package summary

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// abbreviations end with a period that does not end a sentence. Lower-case
// keys; German and English news usage.
var abbreviations = map[string]bool{}

func init() {
	for _, a := range strings.Fields(`
		z b d h u a o ä s vgl bzw ca etc usw evtl ggf inkl zzgl sog bspw insb
		dr prof dipl ing med jur phil rer nat hr fr frl st nr abs art bd
		mio mrd tsd jh jhd std min sek max mind gem lt ehem geb gest
		jan feb febr mär apr jun jul aug sep sept okt nov dez
		mr mrs ms jr sr rev gen sen rep gov lt col capt sgt mt ft
		inc ltd co corp bros no vs etc e g i approx dept est fig
		u s a`) {
		abbreviations[a] = true
	}
}

var months = map[string]bool{}

func init() {
	for _, m := range strings.Fields(`januar jänner februar märz april mai juni juli august september oktober november dezember
		january february march may june july october december`) {
		months[m] = true
	}
}

// Sentences splits a paragraph into sentences. It keeps abbreviations
// ("z. B.", "Dr.", "U.S."), initials ("John F. Kennedy"), German ordinals
// and dates ("am 29. September", "der 3. Platz") and quotes closing after
// the final mark („…“, "…") inside their sentence.
func Sentences(p string) []string {
	var out []string
	start := 0
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		i += size
		if r != '.' && r != '!' && r != '?' && r != '…' {
			continue
		}
		// Take in further marks and closing quotes or brackets.
		end := i
		for end < len(p) {
			r2, s2 := utf8.DecodeRuneInString(p[end:])
			if !strings.ContainsRune(".!?…\"'“”’»«)]", r2) {
				break
			}
			end += s2
		}
		// A sentence ends only before white space and a capital, a digit
		// or an opening quote.
		next := end
		for next < len(p) {
			r2, s2 := utf8.DecodeRuneInString(p[next:])
			if !unicode.IsSpace(r2) {
				break
			}
			next += s2
		}
		if next == end || next >= len(p) {
			i = end
			continue
		}
		nr, _ := utf8.DecodeRuneInString(p[next:])
		if !(unicode.IsUpper(nr) || unicode.IsDigit(nr) || strings.ContainsRune("„\"'‚«»“‘(", nr)) {
			i = end
			continue
		}
		if r == '.' && end == i && !endsSentence(p[start:i-1], p[next:]) {
			i = end
			continue
		}
		if s := strings.TrimSpace(p[start:end]); s != "" {
			out = append(out, s)
		}
		start, i = next, next
	}
	if s := strings.TrimSpace(p[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// endsSentence decides whether a period after before, followed by after,
// ends a sentence.
func endsSentence(before, after string) bool {
	word := lastWord(before)
	if word == "" {
		return true
	}
	lw := strings.ToLower(word)
	if abbreviations[lw] {
		return false
	}
	// Initials and one-letter abbreviations: "F.", "U.S.".
	if utf8.RuneCountInString(word) == 1 && unicode.IsLetter([]rune(word)[0]) {
		return false
	}
	if strings.Contains(word, ".") { // "U.S", "e.g"
		return false
	}
	// German ordinals: "29. September", "3. Platz", "20. Jahrhundert".
	// A year ("im Jahr 2015.") does end a sentence.
	if isDigits(word) && len(word) <= 2 {
		return false
	}
	if isDigits(word) && months[strings.ToLower(firstWord(after))] {
		return false
	}
	return true
}

func lastWord(s string) string {
	i := strings.LastIndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune("(„\"'‚«»“‘[", r) })
	if i < 0 {
		return s
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return s[i+n:]
}

func firstWord(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
	if i < 0 {
		return s
	}
	return s[:i]
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
