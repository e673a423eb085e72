package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/newsbot/newsbot/watchers"
)

// CheckResult is what `newsbot check` shows of one article.
type CheckResult struct {
	URL     string       `json:"url"`
	Title   string       `json:"title"`
	Teaser  string       `json:"teaser"`
	Text    string       `json:"text"` // the main text: teaser and body, a paragraph a line (the headline is Title)
	Lang    string       `json:"lang"`
	Matches []CheckMatch `json:"matches"`
}

// CheckMatch is one watcher that matches the article.
type CheckMatch struct {
	Watcher string   `json:"watcher"`
	Terms   []string `json:"terms"`
	// Fields says where each term stands: "title", "teaser", "body".
	Fields  map[string][]string `json:"fields"`
	Summary string              `json:"summary"`
	// Snippets show matches the summary does not carry.
	Snippets []string `json:"snippets,omitempty"`
}

// Check extracts one article, from a URL or a saved HTML file, and tells
// which watchers match it, without posting or recording anything.
func Check(ctx context.Context, f *watchers.Fetcher, ws []*Watcher, target string) (*CheckResult, error) {
	var body []byte
	page := target
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		resp, err := f.Get(ctx, target)
		if err != nil {
			return nil, err
		}
		body, page = watchers.UTF8(resp.Body, resp.ContentType), resp.URL
	} else {
		b, err := os.ReadFile(target)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", target, err)
		}
		body = watchers.UTF8(b, "")
		abs, err := filepath.Abs(target)
		if err != nil {
			abs = target
		}
		page = "file://" + filepath.ToSlash(abs)
	}
	if watchers.IsFeed(body) {
		return nil, fmt.Errorf("%s is a feed, not an article page: give check one of its articles, or list the feed under sources", target)
	}
	art, err := watchers.Extract(body, page)
	if err != nil {
		return nil, err
	}
	res := &CheckResult{URL: art.URL, Title: art.Title, Teaser: art.Teaser, Text: art.MainText(), Lang: art.Lang, Matches: []CheckMatch{}}
	if res.URL == "" {
		res.URL = page
	}
	scans := &scanCache{}
	for _, w := range ws {
		m := w.Match(art, "", scans)
		if m == nil {
			continue
		}
		cm := CheckMatch{Watcher: w.Name, Terms: m.Terms, Fields: m.Fields, Summary: m.Summary.Text}
		if cm.Terms == nil {
			cm.Terms = []string{}
		}
		for _, s := range m.Summary.Snippets {
			cm.Snippets = append(cm.Snippets, s.Text)
		}
		res.Matches = append(res.Matches, cm)
	}
	return res, nil
}
