package watchers

// Evaluation of Extract against public ground truth kept outside the
// repository, in shared/corpus next to it (see its README.md): the Zyte
// article-extraction benchmark and the trafilatura project's evaluation
// pages. The data are for evaluation only and are never copied here; the
// tests and the benchmark skip when the corpus is absent. NEWSBOT_CORPUS
// names the corpus folder explicitly.
//
//	go test ./watchers -run 'TestZyteF1|TestCorpusPages' -v -count=1
//	go test ./watchers -run '^$' -bench BenchmarkExtract -benchmem

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/newsbot/newsbot/internal/corpus"

	"golang.org/x/text/unicode/norm"
)

// Floors: the figures measured on the corpus when these tests were written
// (go-trafilatura v1.12.2, Go 1.26), less 0.02 and rounded down to two
// decimals, so that a regression of the extractor fails the tests while
// small changes do not. Raise them when the extractor improves.
const (
	// zyte: pages=181 precision=0.951 recall=0.985 f1=0.968 (measured,
	// teaser and body; 0.956 with the headline); 0.968-0.02 = 0.948,
	// rounded down. Before boilerplate paragraphs were dropped (issue 17):
	// precision=0.940 recall=0.986 f1=0.963.
	zyteF1Floor = 0.94
	// pages: n=730 pass=611 (0.837) with-recall=0.970 without-clean=0.960
	// (measured); each less 0.02, rounded down. Before boilerplate
	// paragraphs were dropped, titles cut and the page's lead taken
	// (issue 17): pass=528 (0.723) with-recall=0.967 without-clean=0.907.
	pagesPassFloor         = 0.81
	pagesWithRecallFloor   = 0.95
	pagesWithoutCleanFloor = 0.94
)

func corpusDir(tb testing.TB) string { return corpus.Dir(tb) }

// zytePage is one page of the Zyte benchmark with its ground truth.
type zytePage struct {
	id, url, truth string
}

func loadZyte(tb testing.TB, dir string) []zytePage {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "zyte", "ground-truth.json"))
	if err != nil {
		tb.Skipf("zyte ground truth: %v", err)
	}
	var gt map[string]struct {
		URL         string `json:"url"`
		ArticleBody string `json:"articleBody"`
	}
	if err := json.Unmarshal(raw, &gt); err != nil {
		tb.Fatalf("zyte ground truth: %v", err)
	}
	pages := make([]zytePage, 0, len(gt))
	for id, v := range gt {
		pages = append(pages, zytePage{id: id, url: v.URL, truth: v.ArticleBody})
	}
	slices.SortFunc(pages, func(a, b zytePage) int { return strings.Compare(a.id, b.id) })
	return pages
}

// readZyteHTML reads and un-gzips a benchmark page and decodes its charset.
func readZyteHTML(dir, id string) ([]byte, error) {
	f, err := os.Open(filepath.Join(dir, "zyte", "html", id+".html.gz"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	return UTF8(body, ""), nil
}

// The scoring below follows evaluate.py of the Scrapinghub/Zyte
// article-extraction benchmark: texts are split into \w+ tokens (Unicode
// letters, digits and '_', case kept), tokens are joined into 4-token
// shingles counted as a multiset, and TP/FP/FN per page are normalised to
// sum 1. Precision is averaged over the pages with a non-empty prediction,
// recall over the pages with a non-empty truth, and F1 comes from the two
// averages.

const zyteShingleSize = 4

type tpFpFn struct{ tp, fp, fn float64 }

func zyteWordRune(r rune) bool {
	// Python's re \w on str: str.isalnum() or '_'.
	return unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_'
}

func zyteShingles(text string) map[string]int {
	tokens := strings.FieldsFunc(text, func(r rune) bool { return !zyteWordRune(r) })
	out := make(map[string]int)
	// As in the benchmark: a text of fewer than four tokens is one shingle.
	for i := 0; i < max(1, len(tokens)-zyteShingleSize+1); i++ {
		sh := tokens[i:min(i+zyteShingleSize, len(tokens))]
		if len(sh) > 0 {
			out[strings.Join(sh, "\x00")]++
		}
	}
	return out
}

func shingleMatch(truth, pred string) tpFpFn {
	ts, ps := zyteShingles(truth), zyteShingles(pred)
	var s tpFpFn
	for k, tc := range ts {
		pc := ps[k]
		s.tp += float64(min(tc, pc))
		s.fn += float64(max(0, tc-pc))
	}
	for k, pc := range ps {
		s.fp += float64(max(0, pc-ts[k]))
	}
	if sum := s.tp + s.fp + s.fn; sum > 0 {
		s.tp, s.fp, s.fn = s.tp/sum, s.fp/sum, s.fn/sum
	}
	return s
}

func (s tpFpFn) precision() float64 {
	switch {
	case s.fp == 0 && s.fn == 0:
		return 1
	case s.tp == 0 && s.fp == 0:
		return 0
	}
	return s.tp / (s.tp + s.fp)
}

func (s tpFpFn) recall() float64 {
	switch {
	case s.fp == 0 && s.fn == 0:
		return 1
	case s.tp == 0 && s.fn == 0:
		return 0
	}
	return s.tp / (s.tp + s.fn)
}

func zyteMetrics(scores []tpFpFn) (p, r, f1 float64) {
	var np, nr int
	for _, s := range scores {
		if s.tp+s.fp > 0 {
			p += s.precision()
			np++
		}
		if s.tp+s.fn > 0 {
			r += s.recall()
			nr++
		}
	}
	if np > 0 {
		p /= float64(np)
	}
	if nr > 0 {
		r /= float64(nr)
	}
	if p+r > 0 {
		f1 = 2 * p * r / (p + r)
	}
	return p, r, f1
}

// benchNormalize is what the benchmark's go-trafilatura runner does to the
// extracted text: drop soft hyphens.
func benchNormalize(s string) string { return strings.ReplaceAll(s, "\u00ad", "") }

func TestZyteShingleMatch(t *testing.T) {
	cases := []struct {
		truth, pred string
		p, r        float64
	}{
		{"a b c d e", "a b c d e", 1, 1},
		{"a b c d e", "", 0, 0},
		{"one two", "one two", 1, 1},
		// 2 shingles in truth, 3 predicted, 2 shared.
		{"a b c d e", "a b c d e f", 2.0 / 3, 1},
		// Case counts; '_' is a word character, '-' and ',' are not.
		{"Ünïcode wörds_x, 42 and-more", "ünïcode wörds_x 42 and more", 0.5, 0.5},
	}
	for _, c := range cases {
		s := shingleMatch(c.truth, c.pred)
		if p, r := s.precision(), s.recall(); math.Abs(p-c.p) > 1e-9 || math.Abs(r-c.r) > 1e-9 {
			t.Errorf("shingleMatch(%q, %q): P=%.3f R=%.3f, want %.3f %.3f", c.truth, c.pred, p, r, c.p, c.r)
		}
	}
	// An empty prediction counts against recall but not precision.
	p, r, _ := zyteMetrics([]tpFpFn{shingleMatch("a b c d", "a b c d"), shingleMatch("a b c d", "")})
	if p != 1 || r != 0.5 {
		t.Errorf("zyteMetrics: P=%v R=%v, want 1 0.5", p, r)
	}
}

func TestZyteF1(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluation over 181 pages; skipped in -short mode")
	}
	dir := corpusDir(t)
	pages := loadZyte(t, dir)

	type result struct {
		full, body tpFpFn
		err        error
	}
	results := make([]result, len(pages))
	corpus.InParallel(len(pages), func(i int) {
		pg := pages[i]
		body, err := readZyteHTML(dir, pg.id)
		if err != nil {
			results[i].err = err
			return
		}
		// As in the benchmark, an extraction that fails predicts "".
		// "main" is what `newsbot check --json` gives as "text"; "full"
		// adds the headline, which the ground truth leaves out.
		var full, bodyOnly string
		a, err := Extract(body, pg.url)
		if err == nil {
			full = a.Text()
			bodyOnly = a.MainText()
		}
		results[i] = result{
			full: shingleMatch(pg.truth, benchNormalize(full)),
			body: shingleMatch(pg.truth, benchNormalize(bodyOnly)),
			err:  err,
		}
	})

	full := make([]tpFpFn, len(pages))
	bodyOnly := make([]tpFpFn, len(pages))
	failed := 0
	for i, r := range results {
		full[i], bodyOnly[i] = r.full, r.body
		if r.err != nil {
			failed++
			t.Logf("extract failed: %s %s: %v", pages[i].id[:12], pages[i].url, r.err)
		}
	}
	p, r, f1 := zyteMetrics(full)
	bp, br, bf1 := zyteMetrics(bodyOnly)

	// The pages that score worst, to see what goes wrong.
	order := make([]int, len(pages))
	for i := range order {
		order[i] = i
	}
	f1Of := func(s tpFpFn) float64 {
		p, r := s.precision(), s.recall()
		if p+r == 0 {
			return 0
		}
		return 2 * p * r / (p + r)
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(f1Of(full[a]), f1Of(full[b])) })
	for _, i := range order[:10] {
		t.Logf("worst: %s P=%.3f R=%.3f %s", pages[i].id[:12], full[i].precision(), full[i].recall(), pages[i].url)
	}

	line := fmt.Sprintf("zyte: pages=%d precision=%.3f recall=%.3f f1=%.3f failed=%d", len(pages), bp, br, bf1, failed)
	bodyLine := fmt.Sprintf("zyte (with the headline): precision=%.3f recall=%.3f f1=%.3f", p, r, f1)
	t.Log(line)
	t.Log(bodyLine)
	fmt.Println(line)
	fmt.Println(bodyLine)
	if bf1 < zyteF1Floor {
		t.Errorf("zyte F1 %.3f is below the floor %.2f", bf1, zyteF1Floor)
	}
}

// corpusPage is one line of pages.jsonl.
type corpusPage struct {
	File    string   `json:"file"`
	URL     string   `json:"url"`
	Lang    string   `json:"lang"`
	With    []string `json:"with"`
	Without []string `json:"without"`
}

func loadCorpusPages(tb testing.TB, dir string) []corpusPage {
	tb.Helper()
	f, err := os.Open(filepath.Join(dir, "pages.jsonl"))
	if err != nil {
		tb.Skipf("pages.jsonl: %v", err)
	}
	defer f.Close()
	var pages []corpusPage
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var p corpusPage
		if err := json.Unmarshal(line, &p); err != nil {
			tb.Fatalf("pages.jsonl: %v", err)
		}
		pages = append(pages, p)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("pages.jsonl: %v", err)
	}
	return pages
}

// evalNormSpace collapses white space and puts text in NFC, as Extract does.
func evalNormSpace(s string) string {
	return norm.NFC.String(strings.Join(strings.Fields(s), " "))
}

func TestCorpusPages(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluation over 730 pages; skipped in -short mode")
	}
	dir := corpusDir(t)
	pages := loadCorpusPages(t, dir)

	type result struct {
		with, without int // with-snippets found, without-snippets absent
		err           error
	}
	results := make([]result, len(pages))
	corpus.InParallel(len(pages), func(i int) {
		pg := pages[i]
		body, err := os.ReadFile(filepath.Join(dir, pg.File))
		if err != nil {
			results[i].err = err
			return
		}
		var text string
		a, err := Extract(UTF8(body, ""), pg.URL)
		if err == nil {
			text = evalNormSpace(a.Text())
		}
		res := result{err: err}
		for _, s := range pg.With {
			if strings.Contains(text, evalNormSpace(s)) {
				res.with++
			}
		}
		for _, s := range pg.Without {
			if !strings.Contains(text, evalNormSpace(s)) {
				res.without++
			}
		}
		results[i] = res
	})

	var pass, with, withFound, without, withoutAbsent, failed int
	var missing, dirty int // failing pages that miss main text, that keep boilerplate
	var errs []string
	for i, r := range results {
		pg := pages[i]
		if r.with < len(pg.With) {
			missing++
		}
		if r.without < len(pg.Without) {
			dirty++
		}
		with += len(pg.With)
		without += len(pg.Without)
		withFound += r.with
		withoutAbsent += r.without
		if r.err != nil {
			failed++
			errs = append(errs, fmt.Sprintf("%s: %v", pg.File, r.err))
		}
		if r.with == len(pg.With) && r.without == len(pg.Without) {
			pass++
		}
	}
	for _, e := range errs {
		t.Logf("extract failed: %s", e)
	}
	passRate := float64(pass) / float64(max(1, len(pages)))
	withRecall := float64(withFound) / float64(max(1, with))
	withoutClean := float64(withoutAbsent) / float64(max(1, without))
	line := fmt.Sprintf("pages: n=%d pass=%d (%.3f) with-recall=%.3f without-clean=%.3f failed=%d",
		len(pages), pass, passRate, withRecall, withoutClean, failed)
	t.Log(line)
	t.Logf("pages missing some main text: %d; pages keeping some boilerplate: %d", missing, dirty)
	fmt.Println(line)
	if passRate < pagesPassFloor {
		t.Errorf("pass rate %.3f is below the floor %.2f", passRate, pagesPassFloor)
	}
	if withRecall < pagesWithRecallFloor {
		t.Errorf("with-recall %.3f is below the floor %.2f", withRecall, pagesWithRecallFloor)
	}
	if withoutClean < pagesWithoutCleanFloor {
		t.Errorf("without-clean %.3f is below the floor %.2f", withoutClean, pagesWithoutCleanFloor)
	}
}

// BenchmarkExtract extracts a few Zyte benchmark pages in turn; ns/op is
// the time of one page.
func BenchmarkExtract(b *testing.B) {
	dir := corpusDir(b)
	pages := loadZyte(b, dir)
	pages = pages[:min(8, len(pages))]
	bodies := make([][]byte, len(pages))
	var size int64
	for i, pg := range pages {
		body, err := readZyteHTML(dir, pg.id)
		if err != nil {
			b.Fatal(err)
		}
		bodies[i] = body
		size += int64(len(body))
	}
	b.SetBytes(size / int64(len(bodies)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := Extract(bodies[i%len(bodies)], pages[i%len(pages)].url); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
