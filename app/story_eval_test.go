package app

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/newsbot/newsbot/internal/corpus"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/story"
	"github.com/newsbot/newsbot/watchers"
)

// TestStoryPairsLabelled measures the same-story check (story.Same on the
// signature the pipeline makes, storySig) on real articles labelled by
// hand: testdata/story_pairs.tsv names pairs of pages from
// ../shared/corpus (pages/, zyte/) and ../shared/fixtures/faz, each
// "same" (one news event, reported twice) or "different" (most of them
// on one topic, with names in common: the hard cases). Each page is
// extracted as newsbot extracts it.
//
//	go test ./app -run TestStoryPairsLabelled -v
//
// The check is built for copy that outlets share (agency copy, an
// article republished or moved), which it finds; the labelled "same"
// pairs are nearly all independent write-ups of one event, which it
// mostly does not: they are alerts of their own. What it must never do
// is fold two different stories into one.
func TestStoryPairsLabelled(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus evaluation")
	}
	dir := corpus.Dir(t)
	f, err := os.Open("testdata/story_pairs.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type pair struct{ a, b, label, reason string }
	var pairs []pair
	need := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 4 || c[0] == "a" {
			continue
		}
		if c[2] != "same" && c[2] != "different" {
			t.Fatalf("label %q in %q", c[2], sc.Text())
		}
		pairs = append(pairs, pair{c[0], c[1], c[2], c[3]})
		need[c[0]], need[c[1]] = true, true
	}
	// Sign every page once, in parallel.
	sigs := map[string][]byte{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	keys := make(chan string)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range keys {
				art, err := labelledPage(dir, k)
				if err != nil {
					t.Errorf("%s: %v", k, err)
					continue
				}
				mu.Lock()
				sigs[k] = storySig(art)
				mu.Unlock()
			}
		}()
	}
	for k := range need {
		keys <- k
	}
	close(keys)
	wg.Wait()
	var tp, fp, fn, tn, unsigned int
	for _, p := range pairs {
		a, b := sigs[p.a], sigs[p.b]
		same := len(a) > 0 && len(b) > 0 && story.Same(story.FromBytes(a), story.FromBytes(b))
		if len(a) == 0 || len(b) == 0 {
			unsigned++
		}
		switch {
		case same && p.label == "same":
			tp++
		case same:
			fp++
			t.Errorf("different stories folded into one: %s %s (%s)", p.a, p.b, p.reason)
		case p.label == "same":
			fn++
		default:
			tn++
		}
	}
	precision, recall := float64(tp)/float64(max(tp+fp, 1)), float64(tp)/float64(max(tp+fn, 1))
	t.Logf("labelled pairs: %d same, %d different (%d with a page too short to sign)", tp+fn, fp+tn, unsigned)
	t.Logf("story.Same: TP %d, FP %d, FN %d, TN %d: precision %.3f, recall %.3f", tp, fp, fn, tn, precision, recall)
	if len(pairs) < 250 || tp+fn < 30 {
		t.Errorf("only %d pairs read, %d of them same", len(pairs), tp+fn)
	}
	// The one pair of shared copy (a post at two addresses) is found.
	if tp < 1 {
		t.Error("the same post at two addresses was not found to be one story")
	}
}

// labelledPage extracts a page of the labelled set by its key.
func labelledPage(dir, key string) (*news.Article, error) {
	kind, name, _ := strings.Cut(key, "/")
	var path string
	switch kind {
	case "pages":
		path = filepath.Join(dir, "pages", name)
	case "zyte":
		path = filepath.Join(dir, "zyte", "html", name+".html.gz")
	case "faz":
		path = filepath.Join(dir, "..", "fixtures", "faz", name)
	}
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if body, err = io.ReadAll(zr); err != nil {
			return nil, err
		}
	}
	if kind == "pages" {
		return extractOnce(name, body)
	}
	return watchers.Extract(watchers.UTF8(body, ""), "https://corpus.example/"+key)
}
