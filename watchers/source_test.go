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
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/newsbot/newsbot/internal/testsite"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

// page is what a test server answers at one path.
type page struct {
	contentType string
	body        string
	status      int           // 200 when 0
	delay       time.Duration // before answering
}

// server is a news site for one test: it serves pages, counts requests,
// and replaces {{BASE}} in bodies by its own URL.
type server struct {
	*httptest.Server
	pages map[string]page
	hits  map[string]*atomic.Int64
}

func newServer(t *testing.T, pages map[string]page) *server {
	t.Helper()
	s := &server{pages: pages, hits: map[string]*atomic.Int64{}}
	for p := range pages {
		s.hits[p] = &atomic.Int64{}
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		s.hits[r.URL.Path].Add(1)
		if p.delay > 0 {
			time.Sleep(p.delay)
		}
		if p.contentType != "" {
			w.Header().Set("Content-Type", p.contentType)
		}
		if p.status != 0 {
			w.WriteHeader(p.status)
		}
		w.Write([]byte(strings.ReplaceAll(p.body, "{{BASE}}", s.URL)))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) hitsOf(path string) int64 { return s.hits[path].Load() }

func newRun() *watchers.Run {
	return watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20).NewRun(nil)
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

const rss = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
  <title>Rheinische Rundschau – Politik</title>
  <link>{{BASE}}/politik/</link>
  <language>de-DE</language>
  <item>
    <title>Waffenruhe in Idlib</title>
    <link>artikel/syrien.html?utm_source=rss&amp;utm_medium=feed</link>
    <guid isPermaLink="false">rr-4711</guid>
    <pubDate>Tue, 17 Jun 2025 08:30:00 GMT</pubDate>
    <description><![CDATA[<p>Im Nordwesten von <b>Syrien</b> gilt eine Waffenruhe &amp; mehr.</p><script>track()</script>]]></description>
  </item>
  <item>
    <title>Macron will Rentenreform nachbessern</title>
    <link>/politik/macron.html</link>
    <pubDate>Wed, 11 Jun 2025 05:45:00 GMT</pubDate>
    <description>Nach neuen Streiks geht Emmanuel Macron auf die Gewerkschaften zu.</description>
  </item>
  <item>
    <title>Ohne Link</title>
    <guid isPermaLink="true">{{BASE}}/politik/ohne-link.html</guid>
    <description>Nur eine GUID.</description>
  </item>
</channel>
</rss>`

const atom = `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>English Edition</title>
  <id>urn:rr:world</id>
  <updated>2025-06-16T07:00:00Z</updated>
  <entry>
    <title>UN report: aid to Syria still falls short</title>
    <link rel="alternate" type="text/html" href="../en/un-report.html#top"/>
    <id>tag:rr.example,2025:un-report</id>
    <published>2025-06-13T12:10:00Z</published>
    <updated>2025-06-14T08:00:00Z</updated>
    <summary type="html">A new &lt;a href="/x"&gt;United Nations&lt;/a&gt; report.</summary>
  </entry>
  <entry>
    <title>How rivers recover</title>
    <link href="{{BASE}}/en/rivers.html"/>
    <id>{{BASE}}/en/rivers.html</id>
    <updated>2025-06-16T07:00:00Z</updated>
    <content type="html">&lt;p&gt;When an old dam is removed.&lt;/p&gt;</content>
  </entry>
</feed>`

const jsonFeed = `{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Rundschau JSON",
  "language": "de",
  "items": [
    {
      "id": "rr-4702",
      "url": "gesellschaft/duerre.html",
      "title": "Dürre am Rhein",
      "content_html": "<p>Seit Wochen hat es <em>kaum</em> geregnet.</p>",
      "date_published": "2025-06-12T16:20:00+02:00"
    },
    {
      "id": "rr-4703",
      "url": "https://rr.example/sport/fussball.html?fbclid=abc",
      "title": "Fußball",
      "summary": "Oberliga-Spiel abgesagt",
      "date_published": "2025-06-14T10:00:00Z"
    }
  ]
}`

const rdf = `<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="{{BASE}}/feeds/rdf">
    <title>Rundschau RDF</title>
    <link>{{BASE}}/</link>
    <description>RSS 1.0</description>
    <dc:language>de</dc:language>
  </channel>
  <item rdf:about="{{BASE}}/region/koeln.html">
    <title>Köln: Rheinpegel sinkt</title>
    <link>/region/koeln.html</link>
    <description>Der &lt;b&gt;Rhein&lt;/b&gt; führt wenig Wasser.</description>
    <dc:date>2025-06-15T09:00:00+02:00</dc:date>
  </item>
</rdf:RDF>`

// TestListFeeds serves each kind of feed at /feeds/… under a content type
// that may or may not say what it is, and checks the items as a watcher
// sees them.
func TestListFeeds(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		want        func(base string) []news.Item
	}{
		{"RSS 2.0", "application/rss+xml", rss, func(base string) []news.Item {
			return []news.Item{
				{URL: base + "/feeds/artikel/syrien.html", GUID: "rr-4711", Title: "Waffenruhe in Idlib",
					Description: "Im Nordwesten von Syrien gilt eine Waffenruhe & mehr.",
					Published:   date("2025-06-17T08:30:00Z"), Lang: "de"},
				{URL: base + "/politik/macron.html", Title: "Macron will Rentenreform nachbessern",
					Description: "Nach neuen Streiks geht Emmanuel Macron auf die Gewerkschaften zu.",
					Published:   date("2025-06-11T05:45:00Z"), Lang: "de"},
				{URL: base + "/politik/ohne-link.html", GUID: base + "/politik/ohne-link.html", Title: "Ohne Link",
					Description: "Nur eine GUID.", Lang: "de"},
			}
		}},
		{"Atom", "application/atom+xml", atom, func(base string) []news.Item {
			return []news.Item{
				{URL: base + "/en/un-report.html", GUID: "tag:rr.example,2025:un-report",
					Title:       "UN report: aid to Syria still falls short",
					Description: "A new United Nations report.",
					Published:   date("2025-06-13T12:10:00Z"), Lang: "en"},
				{URL: base + "/en/rivers.html", GUID: base + "/en/rivers.html", Title: "How rivers recover",
					Description: "When an old dam is removed.",
					Published:   date("2025-06-16T07:00:00Z"), Lang: "en"},
			}
		}},
		{"JSON Feed", "application/feed+json", jsonFeed, func(base string) []news.Item {
			return []news.Item{
				{URL: base + "/feeds/gesellschaft/duerre.html", GUID: "rr-4702", Title: "Dürre am Rhein",
					Description: "Seit Wochen hat es kaum geregnet.",
					Published:   date("2025-06-12T16:20:00+02:00"), Lang: "de"},
				{URL: "https://rr.example/sport/fussball.html", GUID: "rr-4703", Title: "Fußball",
					Description: "Oberliga-Spiel abgesagt",
					Published:   date("2025-06-14T10:00:00Z"), Lang: "de"},
			}
		}},
		{"RDF", "application/rdf+xml", rdf, func(base string) []news.Item {
			return []news.Item{
				{URL: base + "/region/koeln.html", Title: "Köln: Rheinpegel sinkt",
					Description: "Der Rhein führt wenig Wasser.",
					Published:   date("2025-06-15T09:00:00+02:00"), Lang: "de"},
			}
		}},
		// Many servers label feeds wrongly; the content decides.
		{"RSS as text/html", "text/html; charset=utf-8", rss, nil},
		{"Atom as text/plain", "text/plain", atom, nil},
		{"RSS without content type", "", rss, nil},
	}
	want := map[string]func(string) []news.Item{}
	for _, tt := range tests {
		if tt.want != nil {
			want[tt.body] = tt.want
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, map[string]page{"/feeds/x": {contentType: tt.contentType, body: tt.body}})
			items, err := newRun().List(context.Background(), watchers.Source{Name: "feed", URL: srv.URL + "/feeds/x"})
			if err != nil {
				t.Fatal(err)
			}
			wantItems := want[tt.body](srv.URL)
			if len(items) != len(wantItems) {
				t.Fatalf("List gave %d items, want %d:\n%s", len(items), len(wantItems), dump(items))
			}
			for i, w := range wantItems {
				w.Source = "feed"
				g := items[i]
				if !strings.HasSuffix(g.ListedBy, "/feeds/x") {
					t.Errorf("item %d: ListedBy %q, want the feed's URL", i, g.ListedBy)
				}
				g.ListedBy = ""
				if !g.Published.Equal(w.Published) {
					t.Errorf("item %d: Published %v, want %v", i, g.Published, w.Published)
				}
				g.Published, w.Published = time.Time{}, time.Time{}
				if g != w {
					t.Errorf("item %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
		})
	}
}

func dump(items []news.Item) string {
	var b strings.Builder
	for _, it := range items {
		fmt.Fprintf(&b, "  %+v\n", it)
	}
	return b.String()
}

// A feed's HTML description reads as text: paragraphs and line breaks
// separate words, as they do on screen.
func TestListFeedDescriptionText(t *testing.T) {
	tests := []struct {
		name, html, want string
	}{
		{"paragraphs", "<p>Erster Absatz über Syrien.</p><p>Zweiter Absatz.</p>", "Erster Absatz über Syrien. Zweiter Absatz."},
		{"line break", "Waffenruhe in Idlib<br>Hilfskonvois rollen", "Waffenruhe in Idlib Hilfskonvois rollen"},
		{"list", "<ul><li>Syrien</li><li>Irak</li></ul>", "Syrien Irak"},
		{"inline tags", "Die <b>IS</b>-Miliz und <a href='/x'>Idlib</a>", "Die IS-Miliz und Idlib"},
		{"entities", "AT&amp;T &lt;3 &quot;Zitat&quot; Caf&eacute;", `AT&T <3 "Zitat" Café`},
		{"script and style", "<style>p{}</style>Text<script>alert(1)</script>", "Text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var esc bytes.Buffer
			xmlEscape(&esc, tt.html)
			feed := `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>t</title><link>/a.html</link><description>` +
				esc.String() + `</description></item></channel></rss>`
			srv := newServer(t, map[string]page{"/rss": {contentType: "application/rss+xml", body: feed}})
			items, err := newRun().List(context.Background(), watchers.Source{Name: "feed", URL: srv.URL + "/rss"})
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 || items[0].Description != tt.want {
				t.Errorf("description of %q = %q, want %q", tt.html, items[0].Description, tt.want)
			}
		})
	}
}

func xmlEscape(b *bytes.Buffer, s string) {
	strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").WriteString(b, s)
}

// Each article once, however often a feed lists it; an item without a link
// is known by its GUID, and never by the feed's own URL; one with neither
// by its text.
func TestListFeedDuplicates(t *testing.T) {
	feed := `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>
<item><title>Syrien</title><link>{{BASE}}/a.html</link></item>
<item><title>Syrien (aktualisiert)</title><link>{{BASE}}/a.html?utm_source=rss#update</link></item>
<item><title>Macron</title><link>/b.html</link></item>
<item><title>Syrien again</title><link>a.html</link></item>
<item><title>GUID only</title><guid isPermaLink="false">rr-1</guid></item>
<item><title>GUID only again</title><guid isPermaLink="false">rr-1</guid></item>
<item><title>Another GUID only</title><guid isPermaLink="false">rr-2</guid></item>
<item><title>Nothing to know it by</title></item>
<item><title>Macron again</title><link>{{BASE}}/b.html</link></item>
</channel></rss>`
	srv := newServer(t, map[string]page{"/rss": {contentType: "application/rss+xml", body: feed}})
	items, err := newRun().List(context.Background(), watchers.Source{Name: "feed", URL: srv.URL + "/rss"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		key := it.Key()
		if strings.HasPrefix(key, "guid:text:") {
			key = "guid:text:…"
		}
		got = append(got, key+" "+it.Title)
	}
	want := []string{
		srv.URL + "/a.html Syrien",
		srv.URL + "/b.html Macron",
		"guid:rr-1 GUID only",
		"guid:rr-2 Another GUID only",
		"guid:text:… Nothing to know it by",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("items:\n%s\nwant each once, in feed order:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

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
		w.Source, w.Lang, w.ListedBy = "politik", "de", site.URL+"/politik/"
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
		w.Source, w.Lang = "archiv", "de"
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
	want := news.Item{URL: site.URL + path, Source: "syrien", ListedBy: src.URL}
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

// However many watchers ask at once, a Run fetches each source and each
// article once.
func TestRunFetchesOnce(t *testing.T) {
	site := testsite.Serve(t, "../testdata/site")
	run := newRun()
	src := watchers.Source{Name: "rundschau", URL: site.URL + "/rss/politik.xml"}
	const askers = 12
	var wg sync.WaitGroup
	lists := make([][]news.Item, askers)
	errs := make([]error, askers)
	for i := range askers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lists[i], errs[i] = run.List(context.Background(), src)
		}()
	}
	wg.Wait()
	for i := range askers {
		if errs[i] != nil {
			t.Fatalf("asker %d: %v", i, errs[i])
		}
		if len(lists[i]) != 5 || lists[i][0] != lists[0][0] {
			t.Errorf("asker %d got %d items, first %+v", i, len(lists[i]), lists[i][0])
		}
	}
	if n := site.Hits("/rss/politik.xml"); n != 1 {
		t.Errorf("the feed was fetched %d times by %d concurrent askers, want once", n, askers)
	}

	syria := lists[0][0]
	articles := make([]*news.Article, askers)
	for i := range askers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			articles[i], errs[i] = run.Article(context.Background(), syria)
		}()
	}
	wg.Wait()
	for i := range askers {
		if errs[i] != nil || articles[i].Title != articles[0].Title {
			t.Errorf("asker %d: %v, %+v", i, errs[i], articles[i])
		}
	}
	if n := site.Hits("/politik/ausland/syrien-waffenruhe-idlib-4711.html"); n != 1 {
		t.Errorf("the article was fetched %d times, want once", n)
	}

	// A new Run is a new tick: it fetches again.
	if _, err := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20).NewRun(nil).List(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if n := site.Hits("/rss/politik.xml"); n != 2 {
		t.Errorf("after a second Run the feed was fetched %d times, want 2", n)
	}
}

// A paywalled article (403) falls back to what the feed says, with the
// error that says why.
func TestArticleForbiddenFallsBackToFeed(t *testing.T) {
	site := testsite.Serve(t, "../testdata/site")
	run := newRun()
	items, err := run.List(context.Background(), watchers.Source{Name: "rundschau", URL: site.URL + "/rss/politik.xml"})
	if err != nil {
		t.Fatal(err)
	}
	var plus news.Item
	for _, it := range items {
		if strings.Contains(it.URL, "/plus/") {
			plus = it
		}
	}
	if plus.URL == "" {
		t.Fatalf("no /plus/ item in %s", dump(items))
	}
	a, err := run.Article(context.Background(), plus)
	var se *watchers.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusForbidden {
		t.Errorf("Article error = %v, want a StatusError 403", err)
	}
	want := &news.Article{
		URL:       site.URL + "/plus/is-kaempfer-prozess-koblenz.html",
		Title:     "Prozess in Koblenz: Mutmaßlicher Kämpfer der Terrormiliz vor Gericht",
		Teaser:    "Vor dem Oberlandesgericht Koblenz hat der Prozess gegen einen Mann begonnen, der jahrelang für die Terrormiliz IS gekämpft haben soll. (RR+)",
		Lang:      "de",
		Published: date("2025-06-13T09:15:00Z"),
		FromFeed:  true,
	}
	if a == nil || a.URL != want.URL || a.Title != want.Title || a.Teaser != want.Teaser || a.Lang != want.Lang ||
		!a.Published.Equal(want.Published) || !a.FromFeed || len(a.Body) != 0 {
		t.Errorf("Article =\n%+v\nwant\n%+v", a, want)
	}
}

func TestListErrors(t *testing.T) {
	big := strings.Repeat("<p>Syrien</p>", 200) // 2600 bytes
	tests := []struct {
		name  string
		page  page
		src   watchers.Source
		check func(t *testing.T, err error)
	}{
		{"500", page{status: 500, body: "upstream trouble"}, watchers.Source{Name: "rundschau"},
			func(t *testing.T, err error) {
				var se *watchers.StatusError
				if !errors.As(err, &se) || se.Code != 500 {
					t.Errorf("error %v, want a StatusError 500", err)
				}
			}},
		{"404", page{status: 404}, watchers.Source{Name: "rundschau"},
			func(t *testing.T, err error) {
				var se *watchers.StatusError
				if !errors.As(err, &se) || se.Code != 404 {
					t.Errorf("error %v, want a StatusError 404", err)
				}
			}},
		{"body over MaxBody", page{contentType: "text/html", body: big}, watchers.Source{Name: "rundschau"},
			func(t *testing.T, err error) {
				if !errors.Is(err, watchers.ErrTooLarge) {
					t.Errorf("error %v, want ErrTooLarge", err)
				}
			}},
		{"not a feed", page{contentType: "text/html", body: "<html><body><p>Hallo</p></body></html>"},
			watchers.Source{Name: "rundschau", Type: news.SourceFeed},
			func(t *testing.T, err error) {
				if !errors.Is(err, watchers.ErrNotFeed) {
					t.Errorf("error %v, want ErrNotFeed", err)
				}
			}},
		{"no links match", page{contentType: "text/html", body: `<html><body><a href="/a.html">A</a></body></html>`},
			watchers.Source{Name: "rundschau", Links: "a.js-hlp"},
			func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "a.js-hlp") {
					t.Errorf("error %v does not name the selector", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, map[string]page{"/src": tt.page})
			tt.src.URL = srv.URL + "/src"
			items, err := watchers.NewFetcher(5*time.Second, "newsbot-test", 2000).NewRun(nil).List(context.Background(), tt.src)
			if err == nil {
				t.Fatalf("List succeeded with %d items", len(items))
			}
			if !strings.Contains(err.Error(), "rundschau") || !strings.Contains(err.Error(), tt.src.URL) {
				t.Errorf("error %q does not name the source and its URL", err)
			}
			tt.check(t, err)
		})
	}
}

func TestFetcherGet(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(bytes.Repeat([]byte("Syrien "), 1000)) // 7000 bytes, compressed far under 1000
	zw.Close()
	var ua atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.Header.Get("User-Agent"))
		switch r.URL.Path {
		case "/exact":
			w.Write(bytes.Repeat([]byte("x"), 1000))
		case "/over":
			w.Write(bytes.Repeat([]byte("x"), 1001))
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gz.Bytes())
		case "/moved":
			http.Redirect(w, r, "/exact", http.StatusMovedPermanently)
		}
	}))
	defer srv.Close()
	f := watchers.NewFetcher(5*time.Second, "newsbot/1.0 (+https://rr.example/bot)", 1000)
	ctx := context.Background()

	resp, err := f.Get(ctx, srv.URL+"/exact")
	if err != nil || len(resp.Body) != 1000 {
		t.Errorf("a body of exactly MaxBody: %v", err)
	}
	if got := ua.Load(); got != "newsbot/1.0 (+https://rr.example/bot)" {
		t.Errorf("User-Agent = %q", got)
	}
	if _, err := f.Get(ctx, srv.URL+"/over"); !errors.Is(err, watchers.ErrTooLarge) {
		t.Errorf("a body of MaxBody+1: %v, want ErrTooLarge", err)
	}
	if _, err := f.Get(ctx, srv.URL+"/gzip"); !errors.Is(err, watchers.ErrTooLarge) {
		t.Errorf("a gzip body of 7000 bytes unpacked: %v, want ErrTooLarge (MaxBody counts after decompression)", err)
	}
	resp, err = f.Get(ctx, srv.URL+"/moved")
	if err != nil || resp.URL != srv.URL+"/exact" {
		t.Errorf("after a redirect: %v, URL %q; want the final URL", err, respURL(resp))
	}
}

func respURL(r *watchers.Response) string {
	if r == nil {
		return ""
	}
	return r.URL
}

// A server that never answers, or stops in the middle, is cut off by the
// Fetcher's timeout.
func TestFetcherTimeout(t *testing.T) {
	tests := []struct {
		name    string
		handler func(w http.ResponseWriter, r *http.Request, release <-chan struct{})
	}{
		{"no answer", func(w http.ResponseWriter, r *http.Request, release <-chan struct{}) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}},
		{"headers, then silence", func(w http.ResponseWriter, r *http.Request, release <-chan struct{}) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.WriteHeader(http.StatusOK)
			w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel>`))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tt.handler(w, r, release) }))
			defer srv.Close()
			defer close(release) // before Close, which waits for the handler

			run := watchers.NewFetcher(300*time.Millisecond, "newsbot-test", 1<<20).NewRun(nil)
			start := time.Now()
			_, err := run.List(context.Background(), watchers.Source{Name: "slow", URL: srv.URL + "/feed"})
			elapsed := time.Since(start)
			if err == nil {
				t.Fatal("List of a server that never answers succeeded")
			}
			if elapsed > 3*time.Second {
				t.Errorf("List gave up after %v, want about 300ms", elapsed)
			}
			if !strings.Contains(err.Error(), "slow") {
				t.Errorf("error %q does not name the source", err)
			}
		})
	}

	// The caller's context cuts a fetch short too.
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := watchers.NewFetcher(time.Minute, "newsbot-test", 1<<20).Get(ctx, srv.URL)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 3*time.Second {
		t.Errorf("Get with a 200ms context: %v after %v", err, time.Since(start))
	}
}

const latinArticle = `<!DOCTYPE html>
<html lang="de">
<head>%s<title>Dürre: Flüsse führen so wenig Wasser wie nie | Rundschau</title></head>
<body>
<nav><a href="/">Startseite</a> <a href="/politik/">Politik</a></nav>
<article>
<h1>Dürre: Flüsse führen so wenig Wasser wie nie</h1>
<p>Die Trockenheit in Süddeutschland hält an. Größere Flüsse wie die Donau führen so wenig Wasser wie seit Jahrzehnten nicht mehr, und die Schifffahrt muss ihre Ladung verringern.</p>
<p>„Wir müssen uns auf häufigere Hitzesommer einstellen“, sagt die Hydrologin Jürgen Weiß vom Landesamt für Umwelt in Augsburg. Für Fußballplätze und Gärten gelten vielerorts Gießverbote.</p>
<p>Auch die Landwirtschaft leidet: Mais und Zuckerrüben wachsen schlecht, die Ernte dürfte um ein Fünftel geringer ausfallen als im Durchschnitt der vergangenen fünf Jahre, schätzen Ökonomen.</p>
<p>Die Behörden raten, Wasser zu sparen. Öffentliche Brunnen bleiben vorerst abgeschaltet, und Schwimmbäder verkürzen ihre Öffnungszeiten bis Ende August.</p>
</article>
<footer>© Rundschau</footer>
</body>
</html>`

// A page in ISO-8859-1 (or Windows-1252) reads as the same text as in
// UTF-8: no "Ã¤" and no U+FFFD.
func TestPageCharsets(t *testing.T) {
	latin1 := func(s string) string {
		b, err := charmap.ISO8859_1.NewEncoder().String(s)
		if err != nil {
			panic(err)
		}
		return b
	}
	win1252 := func(s string) string {
		b, err := charmap.Windows1252.NewEncoder().String(s)
		if err != nil {
			panic(err)
		}
		return b
	}
	plain := strings.NewReplacer("„", "\"", "“", "\"").Replace(latinArticle) // ISO-8859-1 has no „“
	// A head long enough that the first umlaut stands after the first 1024 bytes.
	longHead := strings.Repeat(`<meta name="keywords" content="Nachrichten, Politik, Wirtschaft, Region">`+"\n", 16)
	tests := []struct {
		name, contentType, body string
	}{
		{"ISO-8859-1 in the header", "text/html; charset=iso-8859-1", latin1(fmt.Sprintf(plain, ""))},
		{"ISO-8859-1 in the header, upper case", "text/html; charset=ISO-8859-1", latin1(fmt.Sprintf(plain, ""))},
		{"ISO-8859-1 in a meta tag", "text/html", latin1(fmt.Sprintf(plain, `<meta charset="iso-8859-1">`))},
		{"ISO-8859-1 in http-equiv", "text/html", latin1(fmt.Sprintf(plain, `<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">`))},
		{"Windows-1252 in the header", "text/html; charset=windows-1252", win1252(fmt.Sprintf(latinArticle, ""))},
		{"UTF-8 in the header", "text/html; charset=utf-8", fmt.Sprintf(latinArticle, "")},
		{"UTF-8 in a meta tag", "text/html", fmt.Sprintf(latinArticle, `<meta charset="utf-8">`)},
		{"UTF-8 undeclared", "text/html", fmt.Sprintf(latinArticle, "")},
		{"UTF-8 undeclared, long head", "text/html", fmt.Sprintf(latinArticle, longHead)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, map[string]page{"/artikel.html": {contentType: tt.contentType, body: tt.body}})
			run := newRun()
			items, err := run.List(context.Background(), watchers.Source{Name: "bayern", URL: srv.URL + "/artikel.html"})
			if err != nil || len(items) != 1 {
				t.Fatalf("List = %v, %v", items, err)
			}
			a, err := run.Article(context.Background(), items[0])
			if err != nil {
				t.Fatal(err)
			}
			text := a.Text()
			var missing []string
			for _, want := range []string{"Dürre: Flüsse führen so wenig Wasser wie nie", "Größere Flüsse", "Fußballplätze", "Ökonomen", "Öffentliche Brunnen"} {
				if !strings.Contains(text, want) {
					missing = append(missing, want)
				}
			}
			if len(missing) > 0 || strings.Contains(text, "Ã") || strings.ContainsRune(text, '\uFFFD') {
				t.Errorf("text is mis-decoded (lacks %q):\n%s", missing, text)
			}
		})
	}

	// Link texts on a Latin-1 section page, too.
	section := latin1(`<html><head><meta charset="iso-8859-1"></head><body>
<a class="t" href="/a.html">Dürre in Köln</a> <a class="t" href="/b.html">Größte Hitze seit 1881</a></body></html>`)
	srv := newServer(t, map[string]page{"/": {contentType: "text/html", body: section}})
	items, err := newRun().List(context.Background(), watchers.Source{Name: "bayern", URL: srv.URL + "/", Links: "a.t"})
	if err != nil || len(items) != 2 || items[0].Title != "Dürre in Köln" || items[1].Title != "Größte Hitze seit 1881" {
		t.Errorf("Latin-1 section page: %v\n%s", err, dump(items))
	}

	// And an ISO-8859-1 feed that says so in its XML declaration.
	feed := latin1(`<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>x</title>
<item><title>Dürre in Köln</title><link>/a.html</link><description>Größte Hitze</description></item></channel></rss>`)
	srv = newServer(t, map[string]page{"/rss": {contentType: "application/rss+xml", body: feed}})
	items, err = newRun().List(context.Background(), watchers.Source{Name: "bayern", URL: srv.URL + "/rss"})
	if err != nil || len(items) != 1 || items[0].Title != "Dürre in Köln" || items[0].Description != "Größte Hitze" {
		t.Errorf("Latin-1 feed: %v\n%s", err, dump(items))
	}
}
