package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/newsbot/newsbot/pipeline"
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
	// Refused are the occurrences of watchers' terms in capitals that did
	// not count, and why (see "Keywords" in the README).
	Refused []CheckRefusal `json:"refused,omitempty"`
	// Notes are what the config did not do to this article, and why
	// (stem: true on an article of no language it can stem).
	Notes []string `json:"notes,omitempty"`
	// Sitemap, for a sitemap given instead of an article, says what it
	// holds (and the rest is empty).
	Sitemap *SitemapSummary `json:"sitemap,omitempty"`
}

// CheckRefusal is an occurrence of a watcher's term in capitals that did
// not count.
type CheckRefusal struct {
	Watcher string `json:"watcher"`
	Term    string `json:"term"`
	Field   string `json:"field"`
	Why     string `json:"why"`
	Context string `json:"context"` // the words around it
}

// CheckMatch is one watcher that matches the article.
type CheckMatch struct {
	Watcher string   `json:"watcher"`
	Terms   []string `json:"terms"`
	// Fields says where each term stands: "title", "teaser", "body".
	Fields map[string][]string `json:"fields"`
	// Forms are, for a term found as a form of its place's name, the words
	// found (Syrien: syrischen, Syrer).
	Forms   map[string][]string `json:"forms,omitempty"`
	Summary string              `json:"summary"`
	// Snippets show matches the summary does not carry.
	Snippets []string `json:"snippets,omitempty"`
}

// Check extracts one article, from a URL or a saved HTML file, and tells
// which watchers match it, without posting or recording anything.
func Check(ctx context.Context, f *watchers.Fetcher, ws []*pipeline.Watcher, target string) (*CheckResult, error) {
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		return CheckPage(ctx, f, ws, target, true)
	}
	b, err := os.ReadFile(target)
	if errors.Is(err, fs.ErrNotExist) && looksLikeAddress(target) {
		return nil, fmt.Errorf("%s: no such file; for a web page give its URL with the scheme: https://%s", target, target)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", target, err)
	}
	abs, err := filepath.Abs(target)
	if err != nil {
		abs = target
	}
	if watchers.IsSitemap(b) {
		return checkSitemap("file://"+filepath.ToSlash(abs), b, "", 0)
	}
	return checkBody(ws, target, "file://"+filepath.ToSlash(abs), watchers.UTF8(b, ""))
}

// looksLikeAddress says whether a path not found is a web address
// without its scheme (www.example.com/x, faz.net): a host name whose
// last label reads as a top-level domain (letters), not as a file's
// extension (article.txt, page.xhtml).
func looksLikeAddress(target string) bool {
	host, _, _ := strings.Cut(target, "/")
	host, _, _ = strings.Cut(host, ":") // a port
	labels := strings.Split(strings.ToLower(host), ".")
	if strings.Contains(target, "://") || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return false
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 || strings.Trim(tld, "abcdefghijklmnopqrstuvwxyz") != "" || fileExtensions[tld] {
		return false
	}
	return true
}

// fileExtensions are those of files check may be given, or be given by
// mistake: not top-level domains (a few are both, such as .md; a file
// is the likelier).
var fileExtensions = map[string]bool{
	"html": true, "htm": true, "xhtml": true, "mhtml": true, "mht": true, "shtml": true, "xml": true, "rss": true,
	"atom": true, "json": true, "txt": true, "md": true, "yaml": true, "yml": true, "php": true, "asp": true,
	"aspx": true, "jsp": true, "gz": true, "zip": true, "csv": true, "pdf": true, "doc": true, "docx": true,
	"warc": true, "eml": true, "out": true, "log": true, "bak": true, "tmp": true, "orig": true,
}

// CheckPage is Check for a URL. One not trusted (given in Slack, by
// anyone there) is never fetched from a private, loopback or link-local
// address, whatever http.allow_private_networks says: that lets the
// config's own sources reach an intranet, not everyone in Slack.
func CheckPage(ctx context.Context, f *watchers.Fetcher, ws []*pipeline.Watcher, url string, trusted bool) (*CheckResult, error) {
	resp, err := f.Do(ctx, watchers.Request{URL: url, Trusted: trusted, PublicOnly: !trusted})
	if err != nil {
		return nil, err
	}
	if watchers.IsSitemap(resp.Body) {
		return checkSitemap(resp.URL, resp.Body, resp.ContentType, f.MaxBody)
	}
	if watchers.IsFeedDocument(resp.Body, resp.ContentType) {
		return nil, fmt.Errorf("%s is a feed, not an article page: give check one of its articles, or list the feed under sources", url)
	}
	if why := watchers.NotFeedNorPage(resp.Body, resp.ContentType); why != "" {
		return nil, fmt.Errorf("%s is neither an article page nor a feed: %s", url, why)
	}
	return checkBody(ws, url, resp.URL, watchers.UTF8(resp.Body, resp.ContentType))
}

// checkSitemap is Check for a sitemap: what it holds.
func checkSitemap(url string, body []byte, contentType string, max int64) (*CheckResult, error) {
	sm, err := watchers.ParseSitemap(body, contentType, max)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	return &CheckResult{URL: url, Matches: []CheckMatch{}, Sitemap: summarizeSitemap(sm, time.Now())}, nil
}

func checkBody(ws []*pipeline.Watcher, target, page string, body []byte) (*CheckResult, error) {
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
	scans := &pipeline.Scans{}
	for _, w := range ws {
		if note := w.StemNote(art.Lang); note != "" {
			res.Notes = append(res.Notes, note)
		}
		for _, f := range w.Eval(art, "", scans).Refused {
			res.Refused = append(res.Refused, CheckRefusal{Watcher: w.Name, Term: f.Term, Field: f.Field, Why: f.Why, Context: f.Context})
		}
		m := w.Match(art, "", scans)
		if m == nil {
			continue
		}
		cm := CheckMatch{Watcher: w.Name, Terms: m.Terms, Fields: m.Fields, Forms: m.Forms, Summary: m.Summary.Text}
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

// WriteText writes the result as newsbot check prints it.
func (res *CheckResult) WriteText(w io.Writer) {
	if res.Sitemap != nil {
		res.Sitemap.writeText(w, res.URL)
		return
	}
	fmt.Fprintf(w, "URL:    %s\nTitle:  %s\nLang:   %s\n", res.URL, res.Title, res.Lang)
	if res.Teaser != "" {
		fmt.Fprintf(w, "Teaser: %s\n", res.Teaser)
	}
	lines := strings.Split(res.Text, "\n")
	fmt.Fprintf(w, "\nText (%d paragraphs, %d characters):\n", len(lines), len([]rune(res.Text)))
	for i, l := range lines {
		if i == 6 {
			fmt.Fprintf(w, "  … %d more paragraphs\n", len(lines)-i)
			break
		}
		fmt.Fprintf(w, "  %s\n", l)
	}
	if len(res.Matches) == 0 {
		fmt.Fprintf(w, "\nNo watcher matches.\n")
	}
	for _, m := range res.Matches {
		fmt.Fprintf(w, "\nWatcher %s matches: %s\n", m.Watcher, strings.Join(m.Terms, ", "))
		for _, t := range m.Terms {
			if fs := m.Forms[t]; len(fs) > 0 {
				fmt.Fprintf(w, "  %s found as: %s\n", t, strings.Join(fs, ", "))
			}
		}
		fmt.Fprintf(w, "  Summary: %s\n", m.Summary)
		for _, s := range m.Snippets {
			fmt.Fprintf(w, "  » %s\n", s)
		}
	}
	for _, r := range res.Refused {
		fmt.Fprintf(w, "\nWatcher %s: %s in %s not counted, %s: …%s…\n", r.Watcher, r.Term, r.Field, r.Why, r.Context)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
}
