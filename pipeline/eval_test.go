package pipeline_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/internal/corpus"
	"github.com/newsbot/newsbot/match"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/summary"
	"github.com/newsbot/newsbot/watchers"
)

// Floors: measured on ../shared/corpus/pages when this test was written,
// less 0.02, rounded down.
const (
	// match-pages, on whole words: with=0.961 without-clean=0.903 before
	// the extraction dropped boilerplate paragraphs, 0.959 / 0.954 after
	// (issue 17 aimed at 0.95 for both).
	matchWithFloor    = 0.93
	matchWithoutFloor = 0.93
)

// TestMatchCorpusPages measures watchlist precision and recall as a user
// meets them: over ../shared/corpus/pages, each page fetched as newsbot
// fetches it, every `with` snippet (a piece of the article) taken as a
// phrase must match the page, and no `without` snippet (boilerplate:
// navigation, teasers of other articles, comments) may. A word the
// corpus's cut left partial is not part of the phrase (wholeWords); the
// line gives the figures with them too.
//
//	go test ./pipeline -run TestMatchCorpusPages -v
func TestMatchCorpusPages(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus evaluation")
	}
	dir, pages := corpus.Pages(t)
	type score struct{ with, withHit, without, withoutClean, rawWith, rawWithHit, rawWithout, rawWithoutClean int }
	scores := make([]score, len(pages))
	corpus.InParallel(len(pages), func(i int) {
		p := pages[i]
		body, err := os.ReadFile(filepath.Join(dir, p.File))
		if err != nil {
			return
		}
		art, err := extractOnce(p.File, body)
		doc := match.Doc{}
		if err == nil {
			doc = match.Doc{Title: art.Title, Teaser: art.Teaser, Body: strings.Join(art.Body, "\n")}
		}
		var s score
		page := string(body)
		for _, w := range p.With {
			if q := phrase(wholeWords(w, page)); q != nil {
				s.with++
				if q.Eval(doc).Matched {
					s.withHit++
				}
			}
			if q := phrase(w); q != nil {
				s.rawWith++
				if q.Eval(doc).Matched {
					s.rawWithHit++
				}
			}
		}
		for _, w := range p.Without {
			if q := phrase(wholeWords(w, page)); q != nil {
				s.without++
				if !q.Eval(doc).Matched {
					s.withoutClean++
				}
			}
			if q := phrase(w); q != nil {
				s.rawWithout++
				if !q.Eval(doc).Matched {
					s.rawWithoutClean++
				}
			}
		}
		scores[i] = s
	})
	var total score
	for _, s := range scores {
		total.with += s.with
		total.withHit += s.withHit
		total.without += s.without
		total.withoutClean += s.withoutClean
		total.rawWith += s.rawWith
		total.rawWithHit += s.rawWithHit
		total.rawWithout += s.rawWithout
		total.rawWithoutClean += s.rawWithoutClean
	}
	with := float64(total.withHit) / float64(total.with)
	without := float64(total.withoutClean) / float64(total.without)
	line := fmt.Sprintf("match-pages: pages=%d with=%.3f (%d/%d phrases match) without-clean=%.3f (%d/%d boilerplate phrases do not); snippets as cut, words cut too: with=%.3f without-clean=%.3f",
		len(pages), with, total.withHit, total.with, without, total.withoutClean, total.without,
		float64(total.rawWithHit)/float64(total.rawWith), float64(total.rawWithoutClean)/float64(total.rawWithout))
	t.Log(line)
	fmt.Println(line)
	if with < matchWithFloor || without < matchWithoutFloor {
		t.Errorf("below the floors %.2f / %.2f", matchWithFloor, matchWithoutFloor)
	}
}

// extracted keeps each corpus page's extraction, for the evaluations
// that read the same pages.
var extracted sync.Map

type extraction struct {
	art *news.Article
	err error
}

func extractOnce(file string, body []byte) (*news.Article, error) {
	if e, ok := extracted.Load(file); ok {
		return e.(extraction).art, e.(extraction).err
	}
	art, err := watchers.Extract(watchers.UTF8(body, ""), "https://corpus.example/"+file)
	extracted.Store(file, extraction{art, err})
	return art, err
}

// phrase makes a snippet a literal phrase of its words (symbols, which are
// no part of words, left out), or nil when it has no word.
func phrase(snippet string) *match.Query {
	words := snippetWords(snippet)
	if len(words) == 0 {
		return nil
	}
	q, err := match.Watchlist([]string{strings.Join(words, " ")}, "", nil, nil)
	if err != nil {
		return nil
	}
	return q
}

// snippetWords are the words of a snippet, as a keyword has them.
func snippetWords(snippet string) []string {
	return strings.FieldsFunc(snippet, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 && !strings.ContainsRune("„“”‚‘’«»–—…€£$§°·•", r))
	})
}

// wholeWords is a snippet without a word it cuts (the corpus cut its
// snippets at a character count: "sollte das vielleich"), as it stands in
// the page: a keyword is whole words. A snippet not found as it is in the
// page's source is taken as it is.
func wholeWords(snippet, page string) string {
	i := strings.Index(page, snippet)
	if i < 0 {
		return snippet
	}
	words := snippetWords(snippet)
	before, _ := utf8.DecodeLastRuneInString(page[:i])
	after, _ := utf8.DecodeRuneInString(page[i+len(snippet):])
	first, _ := utf8.DecodeRuneInString(snippet)
	last, _ := utf8.DecodeLastRuneInString(snippet)
	if len(words) > 0 && isWordRune(before) && isWordRune(first) {
		words = words[1:]
	}
	if len(words) > 0 && isWordRune(after) && isWordRune(last) {
		words = words[:len(words)-1]
	}
	return strings.Join(words, " ")
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// Floors of TestSummaryCorpusPages: measured (clean=0.989,
// whole-sentences=0.982) less about 0.01. Issue 6 aims at no boilerplate
// in 99 % of summaries.
const (
	summaryCleanFloor = 0.98
	summaryWholeFloor = 0.97
)

// TestSummaryCorpusPages measures what a reader of an alert sees: over
// ../shared/corpus/pages, each page extracted and summarized for a term of
// its own article (a word of its first `with` snippet), no `without`
// snippet (navigation, teasers of other articles, comments) may be in the
// summary, and every summary must be whole sentences.
//
//	go test ./pipeline -run TestSummaryCorpusPages -v
func TestSummaryCorpusPages(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus evaluation")
	}
	dir, pages := corpus.Pages(t)
	type result struct{ summarized, clean, whole bool }
	results := make([]result, len(pages))
	var dirty []string
	var mu sync.Mutex
	corpus.InParallel(len(pages), func(i int) {
		p := pages[i]
		body, err := os.ReadFile(filepath.Join(dir, p.File))
		if err != nil || len(p.With) == 0 {
			return
		}
		art, err := extractOnce(p.File, body)
		if err != nil {
			return
		}
		term := longestWord(p.With[0])
		s := summary.Summarize(art, func(s string) [][2]int {
			var out [][2]int
			low, t := strings.ToLower(s), strings.ToLower(term)
			for from := 0; t != "" && from < len(low); {
				j := strings.Index(low[from:], t)
				if j < 0 {
					break
				}
				out = append(out, [2]int{from + j, from + j + len(t)})
				from += j + len(t)
			}
			return out
		})
		if s.Text == "" {
			return
		}
		r := result{summarized: true, clean: true, whole: wholeSentences(s.Text)}
		if !r.whole && os.Getenv("NEWSBOT_EVAL_SHOW") != "" {
			fmt.Printf("not whole: %s: %q\n", p.File, s.Text)
		}
		doc := match.Doc{Body: s.Text}
		for _, w := range p.Without {
			// A boilerplate snippet that is also in the article's own
			// text (a headline repeated in a teaser box) does not count.
			if q := phrase(w); q != nil && q.Eval(doc).Matched && !inArticle(w, p.With) {
				r.clean = false
				mu.Lock()
				dirty = append(dirty, fmt.Sprintf("%s: %q", p.File, w))
				mu.Unlock()
				break
			}
		}
		results[i] = r
	})
	var n, clean, whole int
	for _, r := range results {
		if r.summarized {
			n++
			if r.clean {
				clean++
			}
			if r.whole {
				whole++
			}
		}
	}
	line := fmt.Sprintf("summary-pages: summaries=%d clean=%.3f (%d with no boilerplate snippet) whole-sentences=%.3f (%d)",
		n, float64(clean)/float64(n), clean, float64(whole)/float64(n), whole)
	t.Log(line)
	fmt.Println(line)
	for i, d := range dirty {
		if i < 10 {
			t.Log("boilerplate in a summary:", d)
		}
	}
	if float64(clean)/float64(n) < summaryCleanFloor || float64(whole)/float64(n) < summaryWholeFloor {
		t.Errorf("below the floors %.2f / %.2f", summaryCleanFloor, summaryWholeFloor)
	}
}

// longestWord is a snippet's longest word, a term a watcher might have.
func longestWord(s string) string {
	best := ""
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if utf8.RuneCountInString(w) > utf8.RuneCountInString(best) {
			best = w
		}
	}
	return best
}

// inArticle reports whether a snippet is also part of the article's own
// text, as the corpus marks it.
func inArticle(s string, with []string) bool {
	for _, w := range with {
		if strings.Contains(w, s) || strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// wholeSentences is the evaluation's own, plainer test of a summary: it
// starts with a capital letter, a digit or an opening quote, and ends with
// a full stop, a question or exclamation mark (before closing quotes),
// and no truncation ellipsis.
func wholeSentences(s string) bool {
	s = strings.TrimSpace(s)
	first, _ := utf8.DecodeRuneInString(s)
	end := strings.TrimRight(s, "\"“”»)’' ")
	last, _ := utf8.DecodeLastRuneInString(end)
	return (unicode.IsUpper(first) || unicode.IsDigit(first) || strings.ContainsRune("\"„“«‚", first)) &&
		strings.ContainsRune(".!?", last)
}
