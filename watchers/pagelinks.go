package watchers

import (
	"bytes"
	"fmt"

	"github.com/PuerkitoBio/goquery"

	"github.com/newsbot/newsbot/news"
)

// pageLinks are the articles a section page lists: the links that match
// the source's links selector, resolved against the page's address
// (its <base>), each once.
func pageLinks(resp *Response, src Source) ([]news.Item, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(UTF8(resp.Body, resp.ContentType)))
	if err != nil {
		return nil, fmt.Errorf("parse page %s: %w", resp.URL, err)
	}
	base := resp.URL
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if b := Canonical(href, resp.URL); b != "" {
			base = b
		}
	}
	lang := langCode(doc.Find("html").AttrOr("lang", ""))
	seen := map[string]bool{}
	var items []news.Item
	doc.Find(src.Links).Each(func(_ int, s *goquery.Selection) {
		a := s
		if goquery.NodeName(s) != "a" {
			a = s.Find("a[href]").First()
		}
		href, ok := a.Attr("href")
		if !ok {
			return
		}
		u := Canonical(href, base)
		if u == "" || seen[u] {
			return
		}
		seen[u] = true
		items = append(items, news.Item{URL: u, Title: clean(a.Text()), Lang: lang, Source: src.Name, ListedBy: resp.URL})
	})
	if len(items) == 0 {
		return nil, fmt.Errorf("page %s: no links match %q", resp.URL, src.Links)
	}
	return items, nil
}
