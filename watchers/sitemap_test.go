package watchers_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

// newsSitemap is a news sitemap of these entries: path, headline, how
// long ago published.
func newsSitemap(base string, entries ...sitemapEntry) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:n="http://www.google.com/schemas/sitemap-news/0.9">`)
	for _, e := range entries {
		fmt.Fprintf(&b, `
  <url><loc>%s%s</loc><n:news><n:publication><n:name>Rundschau</n:name><n:language>%s</n:language></n:publication>
    <n:publication_date>%s</n:publication_date><n:title>%s</n:title><n:keywords>%s</n:keywords></n:news></url>`,
			base, e.path, e.lang, time.Now().Add(-e.ago).UTC().Format(time.RFC3339), e.title, e.keywords)
	}
	b.WriteString("\n</urlset>\n")
	return b.String()
}

type sitemapEntry struct {
	path, title, keywords, lang string
	ago                         time.Duration
}

func gz(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

// A news sitemap is read as Google describes it, whatever prefix the
// publisher gives the news namespace, gzipped or not: each entry's link,
// date, headline, keywords and language; entries older than two days are
// passed over, the newest come first.
func TestParseNewsSitemap(t *testing.T) {
	doc := newsSitemap("https://rr.example",
		sitemapEntry{"/politik/syrien-1.html", "Waffenruhe in Syrien &amp; Hilfe", "Syrien, Idlib", "de", 3 * time.Hour},
		sitemapEntry{"/wirtschaft/alt.html", "Alt", "", "de", 72 * time.Hour},
		sitemapEntry{"/en/syria-2.html", "Aid to Syria", "Syria", "en", time.Hour},
	)
	for name, body := range map[string][]byte{"plain": []byte(doc), "gzipped": gz(doc)} {
		t.Run(name, func(t *testing.T) {
			if !watchers.IsSitemap(body) {
				t.Fatal("not taken for a sitemap")
			}
			sm, err := watchers.ParseSitemap(body, "application/xml", 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if sm.Index || len(sm.Entries) != 3 || !sm.Entries[0].News {
				t.Fatalf("read %+v", sm)
			}
			items := sm.Items("rundschau", "https://rr.example/sitemap.xml", time.Now())
			if len(items) != 2 {
				t.Fatalf("%d items, want the 2 of the last two days: %+v", len(items), items)
			}
			first, second := items[0], items[1]
			if first.URL != "https://rr.example/en/syria-2.html" || first.Title != "Aid to Syria" || first.Lang != "en" || first.Description != "Syria" {
				t.Errorf("the newest item: %+v", first)
			}
			if second.Title != "Waffenruhe in Syrien & Hilfe" || second.Lang != "de" || second.Description != "Syrien, Idlib" ||
				time.Since(second.Published) < 3*time.Hour-time.Minute || time.Since(second.Published) > 3*time.Hour+time.Minute {
				t.Errorf("the second item: %+v", second)
			}
		})
	}
	// A gzipped sitemap larger than the cap, once decompressed, is refused.
	big := newsSitemap("https://rr.example", sitemapEntry{"/" + strings.Repeat("a", 5000), "T", "", "de", time.Hour})
	if _, err := watchers.ParseSitemap(gz(big), "", 1000); !errors.Is(err, watchers.ErrTooLarge) {
		t.Errorf("a gzipped sitemap over the cap: %v, want ErrTooLarge", err)
	}
	// Dates as sitemaps write them.
	for _, d := range []string{"2026-12-06", "2026-12-06T10:30Z", "2026-12-06T10:30:00+01:00", "2026-12-06T10:30:00.123Z"} {
		doc := `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://rr.example/a</loc><lastmod>` + d + `</lastmod></url></urlset>`
		sm, err := watchers.ParseSitemap([]byte(doc), "", 0)
		if err != nil || len(sm.Entries) != 1 || sm.Entries[0].Published.IsZero() {
			t.Errorf("lastmod %s: %+v, %v", d, sm, err)
		}
	}
	if _, err := watchers.ParseSitemap([]byte(`<rss version="2.0"><channel></channel></rss>`), "", 0); !errors.Is(err, watchers.ErrNotSitemap) {
		t.Errorf("a feed read as a sitemap: %v", err)
	}
}

// A sitemap index is followed to its recent sitemaps (not those last
// changed before the window), each asked with a conditional request of
// its own: a check after nothing changed lists nothing (not modified),
// and one after a sitemap changed lists that sitemap's entries.
func TestSitemapIndexSource(t *testing.T) {
	var mu sync.Mutex
	docs := map[string][]byte{}
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		body, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		hits[r.URL.Path]++
		etag := fmt.Sprintf(`"%x"`, len(body))
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	now := time.Now().UTC()
	set := func(path, body string) {
		mu.Lock()
		defer mu.Unlock()
		docs[path] = []byte(body)
	}
	set("/sitemap-index.xml", `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>`+srv.URL+`/news-politik.xml</loc><lastmod>`+now.Format(time.RFC3339)+`</lastmod></sitemap>
<sitemap><loc>`+srv.URL+`/news-welt.xml.gz</loc></sitemap>
<sitemap><loc>`+srv.URL+`/archiv-2019-01.xml</loc><lastmod>2019-02-01</lastmod></sitemap>
</sitemapindex>`)
	set("/news-politik.xml", newsSitemap(srv.URL, sitemapEntry{"/politik/a.html", "A", "", "de", time.Hour}))
	set("/news-welt.xml.gz", string(gz(newsSitemap(srv.URL, sitemapEntry{"/welt/b.html", "B", "", "de", 2 * time.Hour}))))
	set("/archiv-2019-01.xml", newsSitemap(srv.URL, sitemapEntry{"/alt.html", "Alt", "", "de", time.Hour}))

	f := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20)
	f.Cache = &memCache{}
	src := watchers.Source{Name: "rundschau", URL: srv.URL + "/sitemap-index.xml", Type: news.SourceSitemap}
	ctx := context.Background()
	list := func() ([]news.Item, error) {
		run := f.NewRun(map[string]string{"rundschau": "nahost"})
		items, err := run.List(ctx, src)
		run.Commit(ctx, func(string) bool { return false })
		return items, err
	}
	items, err := list()
	if err != nil || len(items) != 2 || items[0].Title != "A" || items[1].Title != "B" {
		t.Fatalf("first check: %+v, %v; want A and B, the newest first", items, err)
	}
	if hits["/archiv-2019-01.xml"] != 0 {
		t.Errorf("a sitemap last changed in 2019 was read")
	}
	if _, err := list(); !errors.Is(err, watchers.ErrNotModified) {
		t.Errorf("second check, nothing changed: %v, want not modified", err)
	}
	set("/news-politik.xml", newsSitemap(srv.URL, sitemapEntry{"/politik/c.html", "C", "", "de", time.Minute}, sitemapEntry{"/politik/a.html", "A", "", "de", time.Hour}))
	items, err = list()
	if err != nil || len(items) != 2 || items[0].Title != "C" {
		t.Errorf("third check, politik changed: %+v, %v; want its C and A", items, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if hits["/sitemap-index.xml"] != 3 || hits["/news-welt.xml.gz"] != 3 {
		t.Errorf("requests: %v; want the index and each recent sitemap asked at each check", hits)
	}
}
