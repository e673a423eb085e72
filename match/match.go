// Package match finds a watchlist's keywords in text.
//
// A keyword matches whole words only, with Unicode word boundaries: a word
// is a run of letters, digits and combining marks, so a hyphen, an
// apostrophe, a quote or a parenthesis ends it ("Syrien" matches
// "Syrien-Krise", "IS" matches "IS-Miliz" and "(IS)"). A keyword is
// case-insensitive unless it is written all in capitals (IS, USA, NATO), in
// which case it matches only in capitals. A keyword with several words is a
// phrase; a trailing * matches any word ending. Text and keywords are
// compared in Unicode NFC, so composed and decomposed umlauts are the same.
//
// Matching costs one pass over the text's words, whatever the number of
// keywords: each word is looked up in a map of the words keywords start
// with (and, for wildcard keywords, each of the word's prefixes).
package match

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Hit is one occurrence of a keyword in a text.
type Hit struct {
	Keyword    int // index into the keywords given to Compile
	Start, End int // byte offsets of the occurrence in the text
	// FirstWord and LastWord are the indexes of the occurrence's first
	// and last word among the text's words, for proximity.
	FirstWord, LastWord int
	// Form is the text found when it is a form of the keyword's place
	// name (forms.go) rather than the keyword as written.
	Form string
}

// Case says how a term treats letter case.
type Case int

// Case modes.
const (
	// CaseAuto: case-sensitive when the term is all capitals (IS, NATO),
	// case-insensitive otherwise.
	CaseAuto Case = iota
	CaseSensitive
	CaseInsensitive
)

// Term is a keyword with its case mode and stemming.
type Term struct {
	Text string
	Case Case
	// Stem matches the term's words by their stems, so that "Syrien"
	// finds "Syriens": "de" or "en" for that language, "auto" for the
	// document's (see FindAllLang), "" not at all. Terms with a wildcard
	// or in capitals only are never stemmed.
	Stem string
	// Form: the term is a form of another's place name (forms.go), and
	// its hits say which word they found.
	Form bool
	// NotIn are names, one a line, that a hit must not be part of: the
	// longer names of other places ("Sudan" in "South Sudan").
	NotIn string
}

// Matcher finds a fixed list of keywords.
type Matcher struct {
	keywords []string
	// Patterns by the key of their first word: exact or prefix, and
	// case-folded or as written.
	exact, exactCase   map[string][]*pattern
	prefix, prefixCase map[string][]*pattern
	// prefixLens are the distinct lengths, in bytes, of the prefix keys,
	// so that a word is looked up only at lengths some keyword has.
	prefixLens, prefixCaseLens []int
	// Single-word keywords with a leading *, by the word ending they need.
	suffix, suffixCase         map[string][]*pattern
	suffixLens, suffixCaseLens []int
	// Stemmed keywords by the stem of their first word: those of a fixed
	// language, and those that take the document's, by language.
	stemFixed, stemAuto map[string]map[string][]*pattern
	// autoExact holds the stemmed-in-the-document's-language keywords by
	// their exact first word, for documents in a language with no stemmer:
	// stemming only ever adds matches.
	autoExact map[string][]*pattern
}

type pattern struct {
	keyword int
	words   []string // NFC, folded (see fold); lower-case unless caseSensitive
	// lastPrefix: the last word matches any word it starts.
	lastPrefix bool
	// firstSuffix: the (only) word matches any word it ends ("*krise").
	firstSuffix   bool
	caseSensitive bool
	// capitals: written in capitals with no case mode of its own (IS),
	// so refused where capitals say nothing (capitals.go).
	capitals bool
	// form: a form of the keyword's place name (forms.go), not the
	// keyword as written; hits say which word matched.
	form bool
	// notIn are names a hit must not be part of.
	notIn []longerName
	// stems are the words' stems by language, for a stemmed keyword.
	stems map[string][]string
}

// Compile prepares keywords for matching. It fails on a keyword that has
// no word in it, or a * anywhere but at its start or end.
func Compile(keywords []string) (*Matcher, error) {
	terms := make([]Term, len(keywords))
	for i, k := range keywords {
		terms[i] = Term{Text: k}
	}
	return CompileTerms(terms)
}

// CompileTerms is Compile with a case mode for each term.
func CompileTerms(terms []Term) (*Matcher, error) {
	keywords := make([]string, len(terms))
	for i, t := range terms {
		keywords[i] = t.Text
	}
	m := &Matcher{
		keywords:   keywords,
		exact:      map[string][]*pattern{},
		exactCase:  map[string][]*pattern{},
		prefix:     map[string][]*pattern{},
		prefixCase: map[string][]*pattern{},
		suffix:     map[string][]*pattern{},
		suffixCase: map[string][]*pattern{},
		stemFixed:  map[string]map[string][]*pattern{},
		stemAuto:   map[string]map[string][]*pattern{},
		autoExact:  map[string][]*pattern{},
	}
	for i, k := range keywords {
		p, err := parse(k, terms[i].Case)
		if err != nil {
			return nil, fmt.Errorf("keyword %q: %w", k, err)
		}
		p.keyword, p.form = i, terms[i].Form
		for _, n := range strings.Split(terms[i].NotIn, "\n") {
			if ws := strings.Fields(key(n)); len(ws) > 0 {
				p.notIn = append(p.notIn, longerName{name: n, words: ws})
			}
		}
		if st := terms[i].Stem; st != "" && !p.caseSensitive && !p.lastPrefix && !p.firstSuffix {
			idx, langs := m.stemFixed, []string{st}
			if st == "auto" {
				idx, langs = m.stemAuto, stemLangs
				m.autoExact[p.words[0]] = append(m.autoExact[p.words[0]], p)
			}
			p.stems = map[string][]string{}
			for _, lang := range langs {
				if stemmers[lang] == nil {
					return nil, fmt.Errorf("keyword %q: no stemmer for language %q (have: de, en)", k, lang)
				}
				for _, w := range p.words {
					p.stems[lang] = append(p.stems[lang], stem(lang, w))
				}
				if idx[lang] == nil {
					idx[lang] = map[string][]*pattern{}
				}
				first := p.stems[lang][0]
				idx[lang][first] = append(idx[lang][first], p)
			}
			continue
		}
		if p.firstSuffix {
			w := p.words[0]
			if p.caseSensitive {
				m.suffixCase[w] = append(m.suffixCase[w], p)
				m.suffixCaseLens = addLen(m.suffixCaseLens, len(w))
			} else {
				m.suffix[w] = append(m.suffix[w], p)
				m.suffixLens = addLen(m.suffixLens, len(w))
			}
			continue
		}
		idx, isPrefix := m.exact, p.lastPrefix && len(p.words) == 1
		switch {
		case isPrefix && p.caseSensitive:
			idx = m.prefixCase
		case isPrefix:
			idx = m.prefix
		case p.caseSensitive:
			idx = m.exactCase
		}
		first := p.words[0]
		idx[first] = append(idx[first], p)
		switch {
		case isPrefix && p.caseSensitive:
			m.prefixCaseLens = addLen(m.prefixCaseLens, len(first))
		case isPrefix:
			m.prefixLens = addLen(m.prefixLens, len(first))
		}
	}
	return m, nil
}

func addLen(lens []int, n int) []int {
	if slices.Contains(lens, n) {
		return lens
	}
	lens = append(lens, n)
	slices.Sort(lens)
	return lens
}

func parse(k string, c Case) (*pattern, error) {
	k = strings.TrimSpace(norm.NFC.String(k))
	p := &pattern{}
	if rest, ok := strings.CutSuffix(k, "*"); ok {
		p.lastPrefix = true
		k = rest
		if strings.HasSuffix(k, " ") || strings.HasSuffix(k, "*") {
			return nil, fmt.Errorf("* must follow a word, as in Syri*")
		}
	}
	if rest, ok := strings.CutPrefix(k, "*"); ok {
		p.firstSuffix = true
		k = rest
		switch {
		case p.lastPrefix:
			return nil, fmt.Errorf("* may stand at one end of a keyword, not both")
		case strings.HasPrefix(k, " ") || k == "":
			return nil, fmt.Errorf("* must come before a word, as in *krise")
		case strings.ContainsFunc(k, unicode.IsSpace):
			return nil, fmt.Errorf("a leading * works on a single word, as in *krise")
		}
	}
	if strings.Contains(k, "*") {
		return nil, fmt.Errorf("* may only start or end a keyword, as in Syri* or *krise")
	}
	// Symbols are not part of words, so "C++" would match every "C":
	// better to say so than to match what the user did not mean.
	for _, r := range k {
		if unicode.IsSymbol(r) || strings.ContainsRune("#@%&_", r) {
			t := strings.TrimFunc(k, func(r rune) bool { return !isWordRune(r) })
			if t != k || !strings.ContainsRune("&_", r) {
				return nil, fmt.Errorf("%q is not part of a word and cannot be matched; keywords match whole words of letters and digits", r)
			}
		}
	}
	p.caseSensitive = c == CaseSensitive || c == CaseAuto && allCapitals(k)
	p.capitals = c == CaseAuto && allCapitals(k)
	for _, t := range tokenize(k) {
		p.words = append(p.words, fold(k[t.start:t.end], !p.caseSensitive))
	}
	if len(p.words) == 0 {
		return nil, fmt.Errorf("no letters or digits in it")
	}
	return p, nil
}

// allCapitals reports whether s has letters and all of them are upper case.
func allCapitals(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		}
	}
	return letters > 0
}

// Keywords returns the keywords the matcher was compiled from.
func (m *Matcher) Keywords() []string { return m.keywords }

// Normalize puts text in the form FindAll expects (NFC).
func Normalize(s string) string { return norm.NFC.String(s) }

type token struct{ start, end int }

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// tokenize splits s into words.
func tokenize(s string) []token {
	var toks []token
	start := -1
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			toks = append(toks, token{start, i})
			start = -1
		}
		i += size
	}
	if start >= 0 {
		toks = append(toks, token{start, len(s)})
	}
	return toks
}

// FindAll returns every occurrence of every keyword in text, in text order.
// text should be NFC (see Normalize); offsets refer to it as given.
func (m *Matcher) FindAll(text string) []Hit { return m.FindAllLang(text, "") }

// FindAllLang is FindAll for a text in the language lang ("de", "en"),
// which keywords stemmed in the document's language ("auto") use.
func (m *Matcher) FindAllLang(text, lang string) []Hit {
	hits, _ := m.find(text, lang)
	return hits
}

// Refusal is an occurrence of a keyword in capitals that does not count
// (see capitals.go), and why.
type Refusal struct {
	Keyword    int
	Start, End int
	Why        string
	// Context is the words around it, to show a reader.
	Context string
}

// find is FindAllLang, with the occurrences it refused.
func (m *Matcher) find(text, lang string) ([]Hit, []Refusal) {
	lang = langCode(lang)
	toks := tokenize(text)
	words := make([]string, len(toks))
	lower := make([]string, len(toks))
	for i, t := range toks {
		words[i] = fold(text[t.start:t.end], false)
		lower[i] = fold(text[t.start:t.end], true)
	}
	ts := &tokenStems{lower: lower}
	var hits []Hit
	var refused []Refusal
	try := func(ps []*pattern, i int) {
		for _, p := range ps {
			end, ok := p.matchAt(words, lower, i)
			if !ok {
				continue
			}
			h := Hit{Keyword: p.keyword, Start: toks[i].start, End: toks[end].end, FirstWord: i, LastWord: end}
			why := p.refusal(text, toks, i, end, lang)
			if why == "" {
				why = p.partOf(lower, i, end)
			}
			if why != "" {
				ctx := text[toks[max(0, i-3)].start:toks[min(len(toks)-1, end+3)].end]
				refused = append(refused, Refusal{Keyword: p.keyword, Start: h.Start, End: h.End, Why: why, Context: ctx})
				continue
			}
			if p.form {
				h.Form = text[h.Start:h.End]
			}
			hits = append(hits, h)
		}
	}
	for i := range toks {
		if len(m.exact) > 0 {
			try(m.exact[lower[i]], i)
		}
		if len(m.exactCase) > 0 {
			try(m.exactCase[words[i]], i)
		}
		// The word's prefixes at the lengths wildcard keywords have.
		forPrefixes(lower[i], m.prefixLens, func(pre string) { try(m.prefix[pre], i) })
		forPrefixes(words[i], m.prefixCaseLens, func(pre string) { try(m.prefixCase[pre], i) })
		forSuffixes(lower[i], m.suffixLens, func(suf string) { try(m.suffix[suf], i) })
		forSuffixes(words[i], m.suffixCaseLens, func(suf string) { try(m.suffixCase[suf], i) })
		if len(m.stemFixed) > 0 {
			for l, idx := range m.stemFixed {
				m.tryStem(idx[ts.stem(l, i)], l, ts, i, &hits, toks)
			}
		}
		if idx := m.stemAuto[lang]; idx != nil {
			m.tryStem(idx[ts.stem(lang, i)], lang, ts, i, &hits, toks)
		} else if len(m.autoExact) > 0 {
			try(m.autoExact[lower[i]], i)
		}
	}
	return hits, refused
}

// forPrefixes calls f with each prefix of w of one of the lengths (in
// bytes, ascending) that ends on a rune boundary.
func forPrefixes(w string, lens []int, f func(string)) {
	for _, n := range lens {
		if n > len(w) {
			return
		}
		if n == len(w) || utf8.RuneStart(w[n]) {
			f(w[:n])
		}
	}
}

// langCode turns "de-DE" or "EN" into "de" or "en".
func langCode(lang string) string {
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	return strings.ToLower(lang)
}

// tryStem matches stemmed patterns whose first word's stem is the stem of
// word i.
func (m *Matcher) tryStem(ps []*pattern, lang string, ts *tokenStems, i int, hits *[]Hit, toks []token) {
	for _, p := range ps {
		stems := p.stems[lang]
		if i+len(stems) > len(ts.lower) {
			continue
		}
		ok := true
		for j := 1; j < len(stems) && ok; j++ {
			ok = ts.stem(lang, i+j) == stems[j]
		}
		if ok {
			end := i + len(stems) - 1
			*hits = append(*hits, Hit{Keyword: p.keyword, Start: toks[i].start, End: toks[end].end, FirstWord: i, LastWord: end})
		}
	}
}

// tokenStems stems a text's words when first needed, once per language.
type tokenStems struct {
	lower []string
	by    map[string][]string
}

func (t *tokenStems) stem(lang string, i int) string {
	if t.by == nil {
		t.by = map[string][]string{}
	}
	s := t.by[lang]
	if s == nil {
		s = make([]string, len(t.lower))
		t.by[lang] = s
	}
	if s[i] == "" {
		s[i] = stem(lang, t.lower[i])
	}
	return s[i]
}

// forSuffixes calls f with each ending of w of one of the lengths (in
// bytes, ascending) that starts on a rune boundary.
func forSuffixes(w string, lens []int, f func(string)) {
	for _, n := range lens {
		if n > len(w) {
			return
		}
		if utf8.RuneStart(w[len(w)-n]) {
			f(w[len(w)-n:])
		}
	}
}

// matchAt reports whether p matches the words from i on, and the index of
// the last word it covers.
func (p *pattern) matchAt(words, lower []string, i int) (int, bool) {
	if i+len(p.words) > len(words) {
		return 0, false
	}
	for j, w := range p.words {
		got := lower[i+j]
		if p.caseSensitive {
			got = words[i+j]
		}
		if p.lastPrefix && j == len(p.words)-1 {
			if !strings.HasPrefix(got, w) {
				return 0, false
			}
		} else if p.firstSuffix {
			if !strings.HasSuffix(got, w) {
				return 0, false
			}
		} else if got != w {
			return 0, false
		}
	}
	return i + len(p.words) - 1, true
}

// fold puts a word in the form keywords are compared in: the German
// spellings a reader treats as one are made one (ä=ae, ö=oe, ü=ue, ß=ss),
// and with lower, case is dropped too. Without lower, capitals are kept
// (Ä becomes AE), for keywords that match only in capitals.
func fold(w string, lower bool) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= utf8.RuneSelf || lower && 'A' <= c && c <= 'Z' {
			ascii = false
			break
		}
	}
	if ascii {
		return w
	}
	if lower {
		w = strings.ToLower(w)
	}
	return umlauts.Replace(w)
}

var umlauts = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "Ä", "AE", "Ö", "OE", "Ü", "UE", "ẞ", "SS")

// Terms returns the distinct keywords hit, in the order they were compiled.
func (m *Matcher) Terms(hits []Hit) []string {
	found := make([]bool, len(m.keywords))
	for _, h := range hits {
		found[h.Keyword] = true
	}
	var terms []string
	for i, ok := range found {
		if ok {
			terms = append(terms, m.keywords[i])
		}
	}
	return terms
}
