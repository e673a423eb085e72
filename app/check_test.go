package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/pipeline"
)

// check says which form of a place's name a watcher found, and why a
// term in capitals did not count.
func TestCheckShowsFormsAndRefusals(t *testing.T) {
	page := `<!DOCTYPE html><html lang="de"><head><title>Flucht aus Idlib</title></head><body>
<article><h1>Flucht aus Idlib</h1>
<p>Tausende Syrer fliehen aus dem Nordwesten, berichten Helfer in der Provinz. Die syrischen Behörden schweigen zu den Angriffen der vergangenen Woche, heißt es.</p>
<p>Auf Plakaten der Helfer steht in großen Buchstaben: THIS IS A STORY OF HOPE. Sie verteilen Decken und Wasser an die Familien.</p>
</article></body></html>`
	dir := t.TempDir()
	file := filepath.Join(dir, "idlib.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("c.yaml", []byte(`
sources: [{name: s, url: "https://rr.example/feed"}]
watchers:
  - {name: nahost, schedule: "@hourly", sources: [s], keywords: [Syrien, IS], forms: [de], channel: "#c"}
`))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := pipeline.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Check(context.Background(), NewFetcher(cfg), ws, file)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matches) != 1 || !slices.Equal(res.Matches[0].Terms, []string{"Syrien"}) ||
		!slices.Equal(res.Matches[0].Forms["Syrien"], []string{"Syrer", "syrischen"}) {
		t.Errorf("matches %+v, want Syrien found as Syrer and syrischen", res.Matches)
	}
	if len(res.Refused) != 1 || res.Refused[0].Term != "IS" || res.Refused[0].Why == "" || !strings.Contains(res.Refused[0].Context, "THIS IS A") {
		t.Errorf("refused %+v, want IS in THIS IS A, with why", res.Refused)
	}
	var out strings.Builder
	res.WriteText(&out)
	for _, want := range []string{"Syrien found as: Syrer, syrischen", "IS in body not counted, inside a run of words in capitals"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check's text lacks %q:\n%s", want, out.String())
		}
	}
}

// check on a path that is not there points at https:// only where the
// path reads as a web address, not as a file's name.
func TestLooksLikeAddress(t *testing.T) {
	for target, want := range map[string]bool{
		"www.example.com/politik/x.html": true,
		"faz.net":                        true,
		"tagesschau.de:443/x":            true,
		"spiegel.de/ausland/":            true,
		"saved-article.txt":              false,
		"page.xhtml":                     false,
		"archive/2026-10/a.html":         false,
		"./x.y/z":                        false,
		"a.b.c/d.txt":                    false,
		"feed.xml":                       false,
		"https://faz.net":                false,
		"notes":                          false,
	} {
		if got := looksLikeAddress(target); got != want {
			t.Errorf("looksLikeAddress(%q) = %v, want %v", target, got, want)
		}
	}
}

// check on a sitemap says what it holds, and how to watch it: for a news
// sitemap its entries of the last two days, the newest first; for an
// index the sitemaps a check reads.
func TestCheckSaysWhatASitemapHolds(t *testing.T) {
	now := time.Now().UTC()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/news.xml":
			fmt.Fprintf(w, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://rr.example/a.html</loc><news:news><news:publication><news:name>R</news:name><news:language>de</news:language></news:publication><news:publication_date>%s</news:publication_date><news:title>Waffenruhe in Idlib</news:title></news:news></url>
<url><loc>https://rr.example/b.html</loc><news:news><news:publication><news:name>R</news:name><news:language>de</news:language></news:publication><news:publication_date>%s</news:publication_date><news:title>Alt</news:title></news:news></url>
</urlset>`, now.Add(-time.Hour).Format(time.RFC3339), now.Add(-80*time.Hour).Format(time.RFC3339))
		case "/index.xml":
			fmt.Fprintf(w, `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://rr.example/news.xml</loc><lastmod>%s</lastmod></sitemap><sitemap><loc>https://rr.example/2019.xml</loc><lastmod>2019-01-31</lastmod></sitemap></sitemapindex>`, now.Format(time.RFC3339))
		}
	}))
	defer srv.Close()
	cfg, err := config.Parse("c.yaml", []byte("sources: [{name: s, url: \"https://rr.example/feed\"}]\nwatchers: [{name: w, schedule: \"@hourly\", sources: [s], keywords: [x], channel: \"#c\"}]\nhttp: {allow_private_networks: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Check(context.Background(), NewFetcher(cfg), nil, srv.URL+"/news.xml")
	if err != nil {
		t.Fatal(err)
	}
	sm := res.Sitemap
	if sm == nil || sm.Index || sm.Entries != 2 || sm.News != 2 || sm.Recent != 1 || len(sm.Latest) != 1 || sm.Latest[0].Title != "Waffenruhe in Idlib" || !slices.Equal(sm.Langs, []string{"de"}) {
		t.Fatalf("news sitemap: %+v", sm)
	}
	var out strings.Builder
	res.WriteText(&out)
	for _, want := range []string{"is a news sitemap of 2 entries (2 with <news:news>), 1 of the last two days", "Waffenruhe in Idlib", "type: sitemap}"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check's text lacks %q:\n%s", want, out.String())
		}
	}
	res, err = Check(context.Background(), NewFetcher(cfg), nil, srv.URL+"/index.xml")
	if err != nil || res.Sitemap == nil || !res.Sitemap.Index || res.Sitemap.Entries != 2 || len(res.Sitemap.Sitemaps) != 1 || res.Sitemap.Sitemaps[0].URL != "https://rr.example/news.xml" {
		t.Errorf("sitemap index: %+v, %v", res, err)
	}
}
