// Package corpus finds the evaluation corpus (shared/corpus beside the
// repository) for tests and benchmarks, which skip where it is absent. The
// corpus is evaluation data: it is read from there, never copied in.
package corpus

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// Dir returns the corpus folder: $NEWSBOT_CORPUS, or the first
// shared/corpus found walking up from the working directory. It skips the
// test when there is none.
func Dir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("NEWSBOT_CORPUS"); d != "" {
		if _, err := os.Stat(d); err != nil {
			tb.Skipf("NEWSBOT_CORPUS=%s: %v", d, err)
		}
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		tb.Skipf("no working directory: %v", err)
	}
	for d := wd; ; {
		c := filepath.Join(d, "shared", "corpus")
		if fi, err := os.Stat(c); err == nil && fi.IsDir() {
			return c
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	tb.Skip("evaluation corpus shared/corpus not found (set NEWSBOT_CORPUS)")
	return ""
}

// InParallel calls fn(i) for every i below n, on as many goroutines as
// there are processors.
func InParallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// Page is one of the corpus's real pages (pages.jsonl): its file under
// pages/, and snippets of its article (With) and of its boilerplate
// (Without).
type Page struct {
	File          string
	With, Without []string
}

// Pages reads the corpus's pages and their snippets, and returns them with
// the corpus folder; it skips the test when the corpus is absent.
func Pages(tb testing.TB) (string, []Page) {
	tb.Helper()
	dir := Dir(tb)
	f, err := os.Open(filepath.Join(dir, "pages.jsonl"))
	if err != nil {
		tb.Skip(err)
	}
	defer f.Close()
	var pages []Page
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var p Page
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			tb.Fatal(err)
		}
		pages = append(pages, p)
	}
	return dir, pages
}
