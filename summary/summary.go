package summary

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/news"
)

// Defaults for Summarize.
const (
	MaxChars     = 600
	MaxSentences = 4
	MinSentences = 2
)

// Finder returns the byte ranges of the matched words in s.
type Finder func(s string) [][2]int

// Summary is an extractive summary.
type Summary struct {
	// Text is the chosen sentences, in article order.
	Text string
	// Marks are the byte ranges of matched words in Text, in order.
	Marks [][2]int
	// Snippets show, a few words either side, each matched word that no
	// chosen sentence carries.
	Snippets []news.Snippet
}

// SnippetWords is how many words a snippet keeps on each side of a match.
const SnippetWords = 8

type sentence struct {
	text  string
	lead  bool // from the teaser, or the first paragraph when there is none
	marks [][2]int
}

// Summarize chooses from 2 to 4 whole sentences of the article, at most
// about MaxChars long: the first sentence of the teaser or lead, then the
// sentences that carry matched words (each new word first), filled up from
// the lead when too few carry any; they are given in article order. The
// title is not repeated.
func Summarize(a *news.Article, find Finder) Summary {
	var all []sentence
	add := func(p string, lead bool) {
		for _, s := range Sentences(p) {
			all = append(all, sentence{text: s, lead: lead})
		}
	}
	lead := a.Teaser
	body := a.Body
	if lead == "" && len(body) > 0 {
		lead, body = body[0], body[1:]
	}
	add(lead, true)
	for _, p := range body {
		add(p, false)
	}
	if len(all) == 0 {
		return Summary{}
	}
	for i := range all {
		if find != nil {
			all[i].marks = find(all[i].text)
		}
	}

	// Only whole sentences: a subheading, a caption or a fragment
	// ("Mehr zum Thema") has no place in a summary, unless there is
	// nothing else.
	first := 0
	for i := range min(len(all), 5) {
		if Whole(all[i].text) {
			first = i
			break
		}
	}
	chosen := map[int]bool{}
	size := 0
	take := func(i int) bool {
		if chosen[i] || len(chosen) >= MaxSentences || len(chosen) > 0 && !Whole(all[i].text) {
			return false
		}
		n := utf8.RuneCountInString(all[i].text) + 1
		if len(chosen) > 0 && size+n > MaxChars {
			return false
		}
		chosen[i] = true
		size += n
		return true
	}

	take(first)
	// Sentences that bring a matched word not yet shown, then any other
	// sentence with a match, in article order.
	shown := map[string]bool{}
	words := func(s sentence) []string {
		var ws []string
		for _, m := range s.marks {
			ws = append(ws, strings.ToLower(s.text[m[0]:m[1]]))
		}
		return ws
	}
	for _, w := range words(all[first]) {
		shown[w] = true
	}
	for i, s := range all {
		fresh := false
		for _, w := range words(s) {
			if !shown[w] {
				fresh = true
			}
		}
		if fresh && take(i) {
			for _, w := range words(s) {
				shown[w] = true
			}
		}
	}
	for i, s := range all {
		if len(s.marks) > 0 && len(chosen) < MinSentences+1 {
			take(i)
		}
	}
	// Too short: the lead's next sentence, then the most central ones:
	// those whose words the article uses most (a summary of what it is
	// about, not of its first paragraph alone).
	if first+1 < len(all) && all[first+1].lead && len(chosen) < MinSentences {
		take(first + 1)
	}
	for _, i := range byCentrality(all) {
		if len(chosen) >= MinSentences {
			break
		}
		take(i)
	}

	idx := make([]int, 0, len(chosen))
	for i := range chosen {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	var b strings.Builder
	var marks [][2]int
	for _, i := range idx {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		off := b.Len()
		text := all[i].text
		if utf8.RuneCountInString(text) > MaxChars {
			text = textutil.Truncate(text, MaxChars)
		}
		b.WriteString(text)
		for _, m := range all[i].marks {
			if m[1] <= len(text) {
				marks = append(marks, [2]int{off + m[0], off + m[1]})
			}
		}
	}
	sum := Summary{Text: b.String(), Marks: marks}
	for i, s := range all {
		if chosen[i] {
			continue
		}
		for _, m := range s.marks {
			w := strings.ToLower(s.text[m[0]:m[1]])
			if shown[w] {
				continue
			}
			shown[w] = true
			sum.Snippets = append(sum.Snippets, snippet(s.text, m))
		}
	}
	return sum
}

// byCentrality orders the sentences by how central they are to the
// article: the mean frequency, in the whole article, of their words of
// four letters or more (short words are mostly function words). Ties keep
// article order.
func byCentrality(all []sentence) []int {
	freq := map[string]int{}
	words := make([][]string, len(all))
	for i, s := range all {
		for _, w := range strings.FieldsFunc(strings.ToLower(s.text), func(r rune) bool { return !unicode.IsLetter(r) }) {
			if utf8.RuneCountInString(w) >= 4 {
				words[i] = append(words[i], w)
				freq[w]++
			}
		}
	}
	score := make([]float64, len(all))
	for i, ws := range words {
		for _, w := range ws {
			score[i] += float64(freq[w] - 1) // the sentence's own use does not count
		}
		if len(ws) > 0 {
			score[i] /= float64(len(ws))
		}
	}
	idx := make([]int, len(all))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] > score[idx[b]] })
	return idx
}

// Whole reports whether s reads as a whole sentence: it begins as a
// sentence begins (a capital, a digit, a quote, a dash, or a word such as
// "iPhone" with a capital in it) and ends with a full stop, a question or
// exclamation mark or an ellipsis, before any closing quotes or brackets.
// A colon ends a lead-in ("Lesen Sie auch:"), not a sentence.
func Whole(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	first, _ := utf8.DecodeRuneInString(s)
	word, _, _ := strings.Cut(s, " ")
	last, _ := utf8.DecodeLastRuneInString(strings.TrimRight(s, "\"'“”„«»‚‘’›‹)] "))
	starts := unicode.IsUpper(first) || unicode.IsDigit(first) || strings.ContainsRune("\"'“„«»‚‘›‹(¿¡–—…", first) ||
		strings.IndexFunc(word, unicode.IsUpper) > 0
	return starts && strings.ContainsRune(".!?…", last)
}

// snippet cuts the words around the match m out of sentence s.
func snippet(s string, m [2]int) news.Snippet {
	start, end := m[0], m[1]
	for n := 0; start > 0 && n <= SnippetWords; {
		start--
		if s[start] == ' ' {
			n++
		}
	}
	if start > 0 {
		start++ // after the space
	}
	for n := 0; end < len(s) && n <= SnippetWords; end++ {
		if s[end] == ' ' {
			n++
		}
	}
	if end < len(s) {
		end-- // before the space
	}
	text := strings.TrimSpace(s[start:end])
	lead := strings.Index(s[start:], text) + start
	prefix := ""
	if start > 0 {
		prefix = "…"
	}
	suffix := ""
	if end < len(s) {
		suffix = "…"
	}
	off := len(prefix) - lead
	return news.Snippet{Text: prefix + text + suffix, Marks: [][2]int{{m[0] + off, m[1] + off}}}
}
