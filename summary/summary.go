// Package summary makes the short summary of an article that an alert
// shows, in two ways. Summarize is newsbot's own extractive summary: whole
// sentences of the article itself, chosen for the lead and for the matched
// words, in article order, with snippets for the matched words those
// sentences leave out. LLM has a language model write the summary instead,
// through an OpenAI-compatible chat completions endpoint; the extractive
// summary is the fallback, kept by the caller whenever the model fails or
// is not asked. Sentences, which the extractive summary is built from,
// splits a paragraph into sentences, knowing German and English
// abbreviations, initials and dates.
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
	all := split(a, find)
	if len(all) == 0 {
		return Summary{}
	}
	c := &choice{all: all, chosen: map[int]bool{}, shown: map[string]bool{}}
	first := firstWhole(all)
	c.take(first)
	c.takeMatched(first)
	c.fillUp(first)
	sum := c.summary()
	sum.Snippets = c.snippets()
	return sum
}

// split cuts the teaser (or, when there is none, the first paragraph) and
// the body into sentences, with the matched words of each; a sentence
// that repeats one before it (a teaser the body begins with again) is
// left out, and so are those of the site's service (clean).
func split(a *news.Article, find Finder) []sentence {
	var all []sentence
	seen := map[string]bool{}
	add := func(p string, lead bool) {
		for _, s := range clean(Sentences(p)) {
			if k := key(s); !seen[k] {
				seen[k] = true
				all = append(all, sentence{text: s, lead: lead})
			}
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
	for i := range all {
		if find != nil {
			all[i].marks = find(all[i].text)
		}
	}
	return all
}

// firstWhole is the sentence a summary begins with. Only whole sentences:
// a subheading, a caption or a fragment ("Mehr zum Thema") has no place
// in a summary, unless there is nothing else.
func firstWhole(all []sentence) int {
	for i := range min(len(all), 5) {
		if Whole(all[i].text) {
			return i
		}
	}
	return 0
}

// choice is a summary being chosen: the sentences taken so far, their
// length, and the matched words they show.
type choice struct {
	all    []sentence
	chosen map[int]bool
	size   int
	shown  map[string]bool
}

// take adds sentence i if it is whole and fits; the first always fits. A
// sentence that leans on the one before it ("Er sagte…") comes with that
// one, or not at all.
func (c *choice) take(i int) bool {
	if c.chosen[i] || len(c.chosen) >= MaxSentences || len(c.chosen) > 0 && (!Whole(c.all[i].text) || openQuotes(c.all[i].text) > 0) {
		return false
	}
	n := utf8.RuneCountInString(c.all[i].text) + 1
	if len(c.chosen) > 0 && i > 0 && !c.chosen[i-1] && leans(c.all[i].text) {
		before := i - 1
		if len(c.chosen)+2 > MaxSentences || !Whole(c.all[before].text) || before > 0 && !c.chosen[before-1] && leans(c.all[before].text) {
			return false
		}
		n += utf8.RuneCountInString(c.all[before].text) + 1
		if c.size+n > MaxChars {
			return false
		}
		c.chosen[before] = true
	}
	if len(c.chosen) > 0 && c.size+n > MaxChars {
		return false
	}
	c.chosen[i] = true
	c.size += n
	return true
}

// takeMatched takes the sentences that bring a matched word not yet shown,
// then any other sentence with a match, in article order.
func (c *choice) takeMatched(first int) {
	for _, w := range c.all[first].words() {
		c.shown[w] = true
	}
	for i, s := range c.all {
		fresh := false
		for _, w := range s.words() {
			if !c.shown[w] {
				fresh = true
			}
		}
		if fresh && c.take(i) {
			for _, w := range s.words() {
				c.shown[w] = true
			}
		}
	}
	for i, s := range c.all {
		if len(s.marks) > 0 && len(c.chosen) < MinSentences+1 {
			c.take(i)
		}
	}
}

// fillUp makes a summary that is too short longer: the lead's next
// sentence, then the most central ones: those whose words the article
// uses most (a summary of what it is about, not of its first paragraph
// alone).
func (c *choice) fillUp(first int) {
	if first+1 < len(c.all) && c.all[first+1].lead && len(c.chosen) < MinSentences {
		c.take(first + 1)
	}
	for _, i := range byCentrality(c.all) {
		if len(c.chosen) >= MinSentences {
			break
		}
		c.take(i)
	}
}

// summary joins the chosen sentences in article order, with their marks.
func (c *choice) summary() Summary {
	idx := make([]int, 0, len(c.chosen))
	for i := range c.chosen {
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
		text := c.all[i].text
		if utf8.RuneCountInString(text) > MaxChars {
			text = textutil.Truncate(text, MaxChars)
		}
		b.WriteString(text)
		for _, m := range c.all[i].marks {
			if m[1] <= len(text) {
				marks = append(marks, [2]int{off + m[0], off + m[1]})
			}
		}
	}
	return Summary{Text: b.String(), Marks: marks}
}

// snippets shows each matched word that no chosen sentence carries, once.
func (c *choice) snippets() []news.Snippet {
	var out []news.Snippet
	for i, s := range c.all {
		if c.chosen[i] {
			continue
		}
		for _, m := range s.marks {
			w := strings.ToLower(s.text[m[0]:m[1]])
			if c.shown[w] {
				continue
			}
			c.shown[w] = true
			out = append(out, snippet(s.text, m))
		}
	}
	return out
}

// words are the sentence's matched words, in lower case.
func (s sentence) words() []string {
	var ws []string
	for _, m := range s.marks {
		ws = append(ws, strings.ToLower(s.text[m[0]:m[1]]))
	}
	return ws
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
