package watchers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/internal/testsite"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

func TestListPageLinks(t *testing.T) {
	site := testsite.Serve(t, "../testdata/site")
	items, err := newRun().List(context.Background(), watchers.Source{Name: "politik", URL: site.URL + "/politik/", Links: "a.js-hlp"})
	if err != nil {
		t.Fatal(err)
	}
	want := []news.Item{
		{URL: site.URL + "/politik/ausland/syrien-waffenruhe-idlib-4711.html", Title: "Syrien: Waffenruhe in Idlib – erste Hilfskonvois erreichen den Nordwesten"},
		{URL: site.URL + "/politik/ausland/macron-reform-rente.html", Title: "Frankreich: Macron will Rentenreform nachbessern"},
		{URL: site.URL + "/gesellschaft/hitzesommer-duerre.html", Title: "Hitzesommer: Dürre am Rhein – Pegel sinkt, Bauern bangen um die Ernte"},
	}
	if len(items) != len(want) {
		t.Fatalf("List gave %d items, want the 3 article links:\n%s", len(items), dump(items))
	}
	for i, w := range want {
		w.Source, w.Lang, w.ListedBy, w.From = "politik", "de", site.URL+"/politik/", news.SourcePage
		if items[i] != w {
			t.Errorf("item %d:\n got %+v\nwant %+v", i, items[i], w)
		}
	}
}

func TestListPageLinksBaseAndDedup(t *testing.T) {
	html := `<!DOCTYPE html><html lang="de-DE"><head><base href="/archiv/2025/"><title>Archiv</title></head><body>
<nav><a href="/impressum/">Impressum</a></nav>
<div class="teaser"><h2><a href="syrien.html">Syrien:  Waffenruhe
  hält</a></h2></div>
<div class="teaser"><h2><a href="syrien.html?utm_source=home#kommentare">Syrien (Kommentare)</a></h2></div>
<div class="teaser"><h2><a href="/politik/macron.html">Macron</a></h2></div>
<div class="teaser"><h2><a href="mailto:leserbriefe@rr.example">Leserbriefe</a></h2></div>
<div class="teaser"><h2><a name="no-href">Kein Link</a></h2></div>
<div class="teaser"><h2><a href="https://other.example/fremd.html?fbclid=1">Fremd</a></h2></div>
<div class="teaser"><h2><a href="{{BASE}}/archiv/2025/syrien.html">Syrien absolut</a></h2></div>
</body></html>`
	srv := newServer(t, map[string]page{"/start/": {contentType: "text/html; charset=utf-8", body: html}})
	// The selector names the teaser; its first link is the article.
	items, err := newRun().List(context.Background(), watchers.Source{Name: "archiv", URL: srv.URL + "/start/", Links: ".teaser"})
	if err != nil {
		t.Fatal(err)
	}
	want := []news.Item{
		{URL: srv.URL + "/archiv/2025/syrien.html", Title: "Syrien: Waffenruhe hält"},
		{URL: srv.URL + "/politik/macron.html", Title: "Macron"},
		{URL: "https://other.example/fremd.html", Title: "Fremd"},
	}
	if len(items) != len(want) {
		t.Fatalf("List gave %d items, want %d:\n%s", len(items), len(want), dump(items))
	}
	for i, w := range want {
		w.Source, w.Lang, w.From = "archiv", "de", news.SourcePage
		items[i].ListedBy = ""
		if items[i] != w {
			t.Errorf("item %d:\n got %+v\nwant %+v", i, items[i], w)
		}
	}
}

func TestListPageIsOneArticle(t *testing.T) {
	site := testsite.Serve(t, "../testdata/site")
	const path = "/politik/ausland/syrien-waffenruhe-idlib-4711.html"
	run := newRun()
	src := watchers.Source{Name: "syrien", URL: site.URL + path + "?utm_source=newsletter"}
	items, err := run.List(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	want := news.Item{URL: site.URL + path, Source: "syrien", ListedBy: src.URL, From: news.SourcePage}
	if len(items) != 1 || items[0] != want {
		t.Fatalf("List = %s, want the page itself: %+v", dump(items), want)
	}
	a, err := run.Article(context.Background(), items[0])
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Syrien: Waffenruhe in Idlib – erste Hilfskonvois erreichen den Nordwesten" || a.Lang != "de" || a.FromFeed ||
		!strings.Contains(a.Text(), "Dr. Lena Vogt") {
		t.Errorf("Article = %+v", a)
	}
	if n := site.Hits(path); n != 1 {
		t.Errorf("the page was fetched %d times, want once for List and Article together", n)
	}
}
