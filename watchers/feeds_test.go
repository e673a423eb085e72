package watchers_test

import (
	"bytes"
	"context"
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
				w.Source, w.From = "feed", news.SourceFeed // a feed, whatever its type said
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
// is known by its GUID within its source, and never by the feed's own URL;
// one with neither by its text.
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
		key := strings.ReplaceAll(it.Key(), "\x1f", " ")
		if strings.HasPrefix(key, "item:feed text:") {
			key = "item:feed text:…"
		}
		got = append(got, key+" "+it.Title)
	}
	want := []string{
		srv.URL + "/a.html Syrien",
		srv.URL + "/b.html Macron",
		"item:feed rr-1 GUID only",
		"item:feed rr-2 Another GUID only",
		"item:feed text:… Nothing to know it by",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("items:\n%s\nwant each once, in feed order:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A feed of 10,000 items is read whole.
func TestHugeFeed(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Viel</title>`)
	for i := range 10000 {
		fmt.Fprintf(&b, `<item><title>Meldung %d</title><link>/a/%d.html</link><description>Text %d über Syrien.</description><pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate></item>`, i, i, i)
	}
	b.WriteString(`</channel></rss>`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(b.String())) }))
	defer srv.Close()
	f := watchers.NewFetcher(10*time.Second, "newsbot-test", 32<<20)
	start := time.Now()
	items, err := f.NewRun(nil).List(context.Background(), watchers.Source{Name: "viel", URL: srv.URL})
	if err != nil || len(items) != 10000 {
		t.Fatalf("%d items, %v", len(items), err)
	}
	t.Logf("10,000 items (%d KB) in %v", b.Len()>>10, time.Since(start))
}

// Broken feeds give what can be had: the items before a break, items
// without a date (new when first seen), relative links resolved; HTML
// served as a feed is a clear error.
func TestBrokenFeeds(t *testing.T) {
	tests := []struct {
		name  string
		typ   news.SourceType
		body  string
		items []string // titles
		err   string
	}{
		{"truncated", "", `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>
<item><title>Eins</title><link>/a/1.html</link></item>
<item><title>Zwei</title><link>/a/2.html</link></item>
<item><title>Drei</title><link>/a/3`, []string{"Eins", "Zwei"}, ""},
		{"stray ampersand", "", `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>
<item><title>Eins</title><link>/a/1.html</link></item>
<item><title>Krieg & Frieden</title><link>/a/2.html</link></item>
</channel></rss>`, []string{"Eins", "Krieg & Frieden"}, ""}, // gofeed reads past it
		{"truncated atom", "", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>K</title>
<entry><title>Eins</title><link href="/a/1.html"/><id>1</id></entry>
<entry><title>Zwei</title>`, []string{"Eins"}, ""},
		{"odd and missing dates", "", `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>
<item><title>Eins</title><link>/a/1.html</link><pubDate>gestern Abend</pubDate></item>
<item><title>Zwei</title><link>/a/2.html</link><pubDate>2026-03-02T08:00:00+01:00</pubDate></item>
<item><title>Drei</title><link>/a/3.html</link></item>
</channel></rss>`, []string{"Eins", "Zwei", "Drei"}, ""},
		{"duplicate items", "", `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>
<item><title>Eins</title><link>/a/1.html</link><guid>x</guid></item>
<item><title>Eins</title><link>/a/1.html</link><guid>x</guid></item>
</channel></rss>`, []string{"Eins"}, ""},
		{"HTML as a feed", "feed", `<!DOCTYPE html><html><body><p>Kein Feed</p></body></html>`, nil, "not an RSS, Atom or JSON feed"},
		{"nothing to save", "", `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title><item><title>Ei`, nil, "XML syntax error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			items, err := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20).NewRun(nil).List(context.Background(), watchers.Source{Name: "k", URL: srv.URL + "/feed", Type: tt.typ})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "source k") {
					t.Errorf("error %v, want one naming the source and saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, it := range items {
				titles = append(titles, it.Title)
				if !strings.HasPrefix(it.URL, srv.URL+"/a/") {
					t.Errorf("link %q not resolved against the feed", it.URL)
				}
			}
			if strings.Join(titles, "|") != strings.Join(tt.items, "|") {
				t.Errorf("items %q, want %q", titles, tt.items)
			}
			if tt.name == "odd and missing dates" && (!items[0].Published.IsZero() || items[1].Published.IsZero() || !items[2].Published.IsZero()) {
				t.Errorf("dates %v", []time.Time{items[0].Published, items[1].Published, items[2].Published})
			}
		})
	}
}

// Once every watcher that reads a source has taken its list, the run
// keeps it no more, and reading ahead does not fetch it again; a watcher
// still to take it gets the one read.
func TestRunReleasesALists(t *testing.T) {
	srv := newServer(t, map[string]page{"/rss": {contentType: "application/rss+xml", body: `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title><item><title>Syrien</title><link>/a.html</link></item></channel></rss>`}})
	src := watchers.Source{Name: "kurier", URL: srv.URL + "/rss"}
	run := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20).NewRun(map[string]string{"kurier": "nahost,syrien"})
	ctx := context.Background()
	run.ReadAhead(ctx, src)
	if items, err := run.List(ctx, src); err != nil || len(items) != 1 {
		t.Fatalf("List = %v, %v", items, err)
	}
	run.Release(src) // nahost
	if items, _ := run.List(ctx, src); len(items) != 1 || srv.hits["/rss"].Load() != 1 {
		t.Errorf("the second reader: %d items, %d requests; want the one read", len(items), srv.hits["/rss"].Load())
	}
	run.Release(src) // syrien
	run.ReadAhead(ctx, src)
	if n := srv.hits["/rss"].Load(); n != 1 {
		t.Errorf("read ahead after all readers took it: %d requests, want 1", n)
	}
}

// A read ahead that races the source's only reader, which lists and lets
// go of it, never reads the source a second time: that second body's
// validators would be kept though no watcher saw its items. (Before the
// check and the start of the read were one step, about 1 run in 1,500
// read it twice.)
func TestReadAheadRacingReleaseReadsOnce(t *testing.T) {
	srv := newServer(t, map[string]page{"/rss": {contentType: "application/rss+xml", body: `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title><item><title>Syrien</title><link>/a.html</link></item></channel></rss>`}})
	src := watchers.Source{Name: "kurier", URL: srv.URL + "/rss"}
	f := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20)
	ctx := context.Background()
	runs := 3000
	if testing.Short() {
		runs = 300
	}
	for i := range runs {
		before := srv.hits["/rss"].Load()
		run := f.NewRun(map[string]string{"kurier": "nahost"})
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); run.ReadAhead(ctx, src) }()
		go func() {
			defer wg.Done()
			if _, err := run.List(ctx, src); err != nil {
				t.Error(err)
			}
			run.Release(src)
		}()
		wg.Wait()
		if n := srv.hits["/rss"].Load() - before; n != 1 {
			t.Fatalf("run %d read the source %d times, want once", i, n)
		}
	}
}
