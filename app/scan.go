package app

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/newsbot/newsbot/match"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/pipeline"
	"github.com/newsbot/newsbot/watchers"
)

// ScanHit is one file that one watcher (or the ad-hoc query) matches.
type ScanHit struct {
	Path    string   `json:"path"`
	Watcher string   `json:"watcher"`
	Terms   []string `json:"terms"`
	// Fields are the fields the terms were found in, in article order.
	Fields []string `json:"fields"`
	// Forms are, for a term found as a form of its place's name, the
	// words found.
	Forms map[string][]string `json:"forms,omitempty"`
}

// ScanFiles lists the files a scan reads: the given files, and the .html,
// .htm and .txt files under the given folders (in lexical order).
func ScanFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			// A missing path is one file that cannot be read, not the end
			// of the scan: ReadArticle will say so.
			files = append(files, p)
			continue
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && scannable(path) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

func scannable(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".html", ".htm", ".txt":
		return true
	}
	return false
}

// ReadArticle reads a saved article: an .html file is extracted exactly as
// a fetched page is, any other file is taken as the body, paragraphs apart
// by blank lines.
func ReadArticle(path string) (*news.Article, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".html", ".htm":
		abs, err := filepath.Abs(path)
		if err != nil {
			abs = path
		}
		return watchers.Extract(watchers.UTF8(b, ""), "file://"+filepath.ToSlash(abs))
	}
	text := match.Normalize(strings.ReplaceAll(string(watchers.UTF8(b, "text/plain")), "\r\n", "\n"))
	var body []string
	for _, p := range strings.Split(text, "\n\n") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			body = append(body, p)
		}
	}
	return &news.Article{Body: body, Lang: watchers.GuessLang(strings.Join(body, " "))}, nil
}

// Scan runs the watchers over saved articles and calls hit for each file a
// watcher matches, in file order, and fail for each file it cannot read.
// progress, when not nil, is told how many files are done.
func Scan(ctx context.Context, ws []*pipeline.Watcher, files []string, hit func(ScanHit), fail func(string, error), progress func(done, total int)) {
	type result struct {
		hits []ScanHit
		err  error
	}
	results := make([]chan result, len(files))
	for i := range results {
		results[i] = make(chan result, 1)
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				art, err := ReadArticle(files[i])
				if err != nil {
					results[i] <- result{err: err}
					continue
				}
				var hits []ScanHit
				scans := &pipeline.Scans{} // one read of the file for all watchers
				for _, w := range ws {
					r := w.Eval(art, "", scans)
					if r.Matched {
						h := ScanHit{Path: files[i], Watcher: w.Name, Terms: r.Terms, Fields: fieldsOf(r.Fields), Forms: r.Forms}
						if h.Terms == nil {
							h.Terms = []string{}
						}
						if h.Fields == nil {
							h.Fields = []string{}
						}
						hits = append(hits, h)
					}
				}
				results[i] <- result{hits: hits}
			}
		}()
	}
	go func() {
		defer close(work)
		for i := range files {
			select {
			case work <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for i := range files {
		var r result
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		if r.err != nil {
			fail(files[i], r.err)
		}
		for _, h := range r.hits {
			hit(h)
		}
		if progress != nil {
			progress(i+1, len(files))
		}
	}
	wg.Wait()
}

// fieldsOf lists the distinct fields of a term → fields map, in article order.
func fieldsOf(m map[string][]string) []string {
	order := []string{match.FieldTitle, match.FieldTeaser, match.FieldBody, match.FieldURL, match.FieldSource}
	var out []string
	for _, f := range order {
		for _, fs := range m {
			if slices.Contains(fs, f) {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// ScanLine is a hit as one line of text.
func ScanLine(h ScanHit) string {
	line := fmt.Sprintf("%s\t%s\t%s\t%s", h.Path, h.Watcher, strings.Join(h.Terms, ", "), strings.Join(h.Fields, ", "))
	var forms []string
	for _, t := range h.Terms {
		if fs := h.Forms[t]; len(fs) > 0 {
			forms = append(forms, t+": "+strings.Join(fs, ", "))
		}
	}
	if len(forms) > 0 {
		line += "\t" + strings.Join(forms, "; ")
	}
	return line
}
