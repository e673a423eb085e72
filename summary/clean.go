package summary

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A summary must stand on its own: no sentence of the site's service (an
// update stamp, a call to subscribe, a note that the text is gone), no
// marker of a picture, no sentence twice, no quote left open, and no
// sentence that leans on one left out ("Er sagte…" without the sentence
// that names him).

// service are sentences of a site's service, not of its story.
var service = regexp.MustCompile(`(?i)^(update|aktualisierung|aktualisiert|korrektur|nachtrag|hinweis der redaktion|anmerkung der redaktion|editor'?s note)\b(.{0,60}?(:|\s[-–]\s)|[^!?]{0,50}$)|` +
	`steht aus rechtlichen gründen nicht mehr zur verfügung|nicht mehr verfügbar|` +
	`\b(submit your|sign up|subscribe|log in|click here|read more|klicken sie|abonnieren sie|melden sie sich|lesen sie (auch|hier|mehr)|mehr (dazu|zum thema) (lesen|finden)|suchbegriff|geben sie .{0,40} ein)\b`)

// pictureMarker marks a paragraph as a picture's or a video's: "(Bild)",
// "(Foto: dpa)". A summary has no picture to point at.
var pictureMarker = regexp.MustCompile(`\s*\((Bild|Foto|Fotos|Archivbild|Symbolbild|Video|Grafik|Audio|Galerie)(:[^)]{0,60})?\)`)

// clean readies a paragraph's sentences for a summary: picture markers
// dropped, sentences whose quotes open in one and close in a later one
// joined into one, service sentences dropped.
func clean(sentences []string) []string {
	var out []string
	for i := 0; i < len(sentences); i++ {
		s := pictureMarker.ReplaceAllString(sentences[i], "")
		// A quote that does not close here closes in one of the next
		// sentences: they are one for a summary (which takes one that
		// leaves a quote open only when it has nothing else).
		for j := i + 1; openQuotes(s) > 0 && j < len(sentences) && j <= i+3; j++ {
			next := s + " " + pictureMarker.ReplaceAllString(sentences[j], "")
			if utf8.RuneCountInString(next) > MaxChars {
				break
			}
			s, i = next, j
		}
		if s = strings.TrimSpace(s); s == "" || service.MatchString(s) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// openQuotes is how many quotes s opens and does not close: German („…“,
// »…«), typographic (“…”) and plain ("…") ones.
func openQuotes(s string) int {
	n := 0
	plain := 0
	for _, r := range s {
		switch r {
		case '„', '»', '“':
			// “ closes a German quote and opens an English one.
			if r == '“' && n > 0 {
				n--
			} else {
				n++
			}
		case '”', '«':
			if n > 0 {
				n--
			}
		case '"':
			plain++
		}
	}
	return n + plain%2
}

// leaning are words a sentence begins with that point back at the one
// before it: a pronoun, or a word that goes on from it.
var leaning = setOf(`er sie ihm ihn ihr ihnen dieser diese dieses dies jener jene dabei daher deshalb darum dafür dagegen
	trotzdem demnach außerdem zudem ebenso
	he she they him her them his their this these those however moreover meanwhile`)

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// saidBy is an attribution to a pronoun ("…, sagte er.", "…, he said."):
// who said it is in the sentence before.
var saidBy = regexp.MustCompile(`(?i),\s+(so|sagt|sagte|meint|meinte|erklärt|erklärte|betont|betonte|fügt|fügte)\s+(er|sie)\b|,\s*(he|she|they)\s+(said|says|added|told)\b`)

// leans reports whether a sentence begins with a word that points back at
// the sentence before it, or gives what it says to a pronoun.
func leans(s string) bool {
	if saidBy.MatchString(s) {
		return true
	}
	s = strings.TrimLeftFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
	end := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
	if end < 0 {
		end = len(s)
	}
	w := s[:end]
	if first, _ := utf8.DecodeRuneInString(w); !unicode.IsUpper(first) {
		return false
	}
	return leaning[strings.ToLower(w)]
}

// key is a sentence as compared for repeats: its words, in lower case.
func key(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	}), " ")
}
