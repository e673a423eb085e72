package app

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/newsbot/newsbot/internal/corpus"
	"github.com/newsbot/newsbot/match"
	"github.com/newsbot/newsbot/watchers"
)

// Floors: measured on ../shared/corpus/pages when this test was written,
// less 0.02, rounded down.
const (
	// match-pages: with=0.938 without-clean=0.903 (measured). Issue 3
	// aims at 0.95 for both; most of the gap is extraction.
	matchWithFloor    = 0.91
	matchWithoutFloor = 0.88
)

// TestMatchCorpusPages measures watchlist precision and recall as a user
// meets them: over ../shared/corpus/pages, each page fetched as newsbot
// fetches it, every `with` snippet (a piece of the article) taken as a
// phrase must match the page, and no `without` snippet (boilerplate:
// navigation, teasers of other articles, comments) may.
//
//	go test ./app -run TestMatchCorpusPages -v
func TestMatchCorpusPages(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus evaluation")
	}
	dir := corpus.Dir(t)
	f, err := os.Open(filepath.Join(dir, "pages.jsonl"))
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	type page struct {
		File          string
		With, Without []string
	}
	var pages []page
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var p page
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
	}
	type score struct{ with, withHit, without, withoutClean int }
	scores := make([]score, len(pages))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				p := pages[i]
				body, err := os.ReadFile(filepath.Join(dir, p.File))
				if err != nil {
					continue
				}
				art, err := watchers.Extract(watchers.UTF8(body, ""), "https://corpus.example/"+p.File)
				doc := match.Doc{}
				if err == nil {
					doc = match.Doc{Title: art.Title, Teaser: art.Teaser, Body: strings.Join(art.Body, "\n")}
				}
				var s score
				for _, w := range p.With {
					if q := phrase(w); q != nil {
						s.with++
						if q.Eval(doc).Matched {
							s.withHit++
						}
					}
				}
				for _, w := range p.Without {
					if q := phrase(w); q != nil {
						s.without++
						if !q.Eval(doc).Matched {
							s.withoutClean++
						}
					}
				}
				scores[i] = s
			}
		}()
	}
	for i := range pages {
		next <- i
	}
	close(next)
	wg.Wait()
	var total score
	for _, s := range scores {
		total.with += s.with
		total.withHit += s.withHit
		total.without += s.without
		total.withoutClean += s.withoutClean
	}
	with := float64(total.withHit) / float64(total.with)
	without := float64(total.withoutClean) / float64(total.without)
	line := fmt.Sprintf("match-pages: pages=%d with=%.3f (%d/%d phrases match) without-clean=%.3f (%d/%d boilerplate phrases do not)",
		len(pages), with, total.withHit, total.with, without, total.withoutClean, total.without)
	t.Log(line)
	fmt.Println(line)
	if with < matchWithFloor || without < matchWithoutFloor {
		t.Errorf("below the floors %.2f / %.2f", matchWithFloor, matchWithoutFloor)
	}
}

// phrase makes a snippet a literal phrase of its words (symbols, which are
// no part of words, left out), or nil when it has no word.
func phrase(snippet string) *match.Query {
	var words []string
	for _, w := range strings.FieldsFunc(snippet, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 && !strings.ContainsRune("„“”‚‘’«»–—…€£$§°·•", r))
	}) {
		words = append(words, w)
	}
	if len(words) == 0 {
		return nil
	}
	q, err := match.Watchlist([]string{strings.Join(words, " ")}, "", nil, nil)
	if err != nil {
		return nil
	}
	return q
}
