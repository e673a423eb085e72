package watchers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

// listFeed serves a feed and lists it as newsbot lists a source.
func listFeed(t *testing.T, contentType, feed string) []news.Item {
	t.Helper()
	srv := newServer(t, map[string]page{"/feed": {contentType: contentType, body: feed}})
	items, err := newRun().List(context.Background(), watchers.Source{Name: "kurier", URL: srv.URL + "/feed"})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return items
}

// A headline reads as the reader sees it, decoded once as its type says:
// no entity left as text, no markup shown (a hostile <meta> or an <img>
// with onclick leaves its text only), and a "<" the author wrote as a
// character kept.
func TestFeedHeadlines(t *testing.T) {
	atom := func(title string) string {
		return `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>K</title><entry><id>urn:1</id>` +
			title + `<link href="/a/1.html"/></entry></feed>`
	}
	atom03 := func(title string) string {
		return `<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>K</title><entry><id>urn:1</id>` +
			title + `<link rel="alternate" href="/a/1.html"/></entry></feed>`
	}
	rss := func(title string) string {
		return `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title><item><title>` + title +
			`</title><link>/a/1.html</link></item></channel></rss>`
	}
	for _, tt := range []struct{ name, feed, want string }{
		{"RSS, plain", rss("Gespräche über Syrien"), "Gespräche über Syrien"},
		{"RSS, an entity", rss("AT&amp;T und Syrien"), "AT&T und Syrien"},
		{"RSS, a numeric entity escaped once more", rss("&amp;#x41;rmee in Syrien"), "Armee in Syrien"},
		{"RSS, markup escaped once", rss("&lt;b&gt;Eilmeldung:&lt;/b&gt; Waffenruhe"), "Eilmeldung: Waffenruhe"},
		{"RSS, markup escaped twice", rss("&amp;lt;b&amp;gt;Eilmeldung:&amp;lt;/b&amp;gt; Waffenruhe"), "Eilmeldung: Waffenruhe"},
		{"RSS, an image with onclick", rss(`&lt;img src="x.jpg" onclick="location.href='http://evil.example/'" /&gt;Waffenruhe`), "Waffenruhe"},
		{"RSS, a meta refresh", rss(`Waffen&lt;meta http-equiv="Refresh" content="0; URL=http://evil.example/"&gt;ruhe`), "Waffenruhe"},
		{"RSS, a script", rss(`Waffenruhe&lt;script&gt;alert(1)&lt;/script&gt;`), "Waffenruhe"},
		{"RSS, a less-than that is no markup", rss("Wenn 3 &lt; 4 ist"), "Wenn 3 < 4 ist"},
		{"RSS, CDATA markup", rss("<![CDATA[<em>Syrien</em> heute]]>"), "Syrien heute"},
		{"Atom text with brackets", atom(`<title type="text">History of the &lt;blink&gt; tag</title>`), "History of the <blink> tag"},
		{"Atom text, no type", atom(`<title>History of the &lt;blink&gt; tag</title>`), "History of the <blink> tag"},
		{"Atom html", atom(`<title type="html">&lt;b&gt;Bold&lt;/b&gt; &amp;amp; brave</title>`), "Bold & brave"},
		{"Atom xhtml", atom(`<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">History of the &lt;blink&gt; <b>tag</b></div></title>`), "History of the <blink> tag"},
		{"Atom 0.3 escaped", atom03(`<title type="text/html" mode="escaped">&lt;b&gt;Bold&lt;/b&gt; move</title>`), "Bold move"},
		{"Atom 0.3 base64", atom03(`<title mode="base64">RXhhbXBsZSA8Yj5BdG9tPC9iPg==</title>`), "Example Atom"},
		{"Atom, naked markup", atom03(`<title>Example <b>Atom</b></title>`), "Example Atom"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			items := listFeed(t, "application/xml", tt.feed)
			if len(items) != 1 || items[0].Title != tt.want {
				t.Errorf("headline %q, want %q", dump(items), tt.want)
			}
		})
	}
}

// An item's text, from which the summary is made, follows the same rules:
// markup as text, never scripts.
func TestFeedTexts(t *testing.T) {
	feed := `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>K</title>
<entry><id>urn:1</id><title>A</title><link href="/a/1.html"/><summary type="text">x &lt; y, &lt;b&gt; stays</summary></entry>
<entry><id>urn:2</id><title>B</title><link href="/a/2.html"/><summary type="html">&lt;p&gt;safe&lt;script&gt;location.href='x'&lt;/script&gt; text&lt;iframe src="x"&gt; after&lt;/p&gt;</summary></entry>
<entry><id>urn:3</id><title>C</title><link href="/a/3.html"/><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Erster Absatz.</p><p>Zweiter &amp; letzter.</p></div></content></entry>
</feed>`
	items := listFeed(t, "application/atom+xml", feed)
	want := []string{"x < y, <b> stays", "safe text after", "Erster Absatz. Zweiter & letzter."}
	if len(items) != len(want) {
		t.Fatalf("%d items, want %d", len(items), len(want))
	}
	for i, w := range want {
		if items[i].Description != w {
			t.Errorf("item %d: text %q, want %q", i, items[i].Description, w)
		}
	}
}

// Every item that says something is an item: items without a link are
// told apart by their GUID, or by what they say; an item whose link is
// the one all its feed's items share (a podcast's page) is known by its
// GUID and shows its enclosure, else that link; an item without a headline gets one from its
// text, or its link; one in <media:title> or <xhtml:body> only is read.
func TestFeedItemsWithoutLinks(t *testing.T) {
	feed := `<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>K</title><link>https://kurier.example/</link>
<item><title>Syrien: erste Meldung</title><description>Syrien eins</description></item>
<item><title>Syrien: zweite Meldung</title><description>Syrien zwei</description></item>
<item><title>Syrien: dritte Meldung</title><guid isPermaLink="false">k-3</guid></item>
<item><title>Folge 1</title><link>https://kurier.example/podcast</link><guid isPermaLink="false">ep-1</guid><enclosure url="https://cdn.kurier.example/1.mp3" type="audio/mpeg" length="1"/></item>
<item><title>Folge 2</title><link>https://kurier.example/podcast</link><guid isPermaLink="false">ep-2</guid></item>
<item><description>Ohne Schlagzeile: der Text sagt es. Und noch mehr dazu.</description><link>https://kurier.example/a/9.html</link></item>
<item><enclosure url="https://cdn.kurier.example/2.mp3" type="audio/mpeg" length="1"/></item>
<item><media:title>Nur im Medientitel</media:title><link>https://kurier.example/a/10.html</link></item>
</channel></rss>`
	items := listFeed(t, "application/rss+xml", feed)
	type want struct{ title, url, via string }
	wants := []want{
		{"Syrien: erste Meldung", "", "https://kurier.example/"},
		{"Syrien: zweite Meldung", "", "https://kurier.example/"},
		{"Syrien: dritte Meldung", "", "https://kurier.example/"},
		{"Folge 1", "", "https://cdn.kurier.example/1.mp3"}, // its episode, over the shared page
		{"Folge 2", "", "https://kurier.example/podcast"},
		{"Ohne Schlagzeile: der Text sagt es.", "https://kurier.example/a/9.html", ""},
		{"https://cdn.kurier.example/2.mp3", "", "https://cdn.kurier.example/2.mp3"},
		{"Nur im Medientitel", "https://kurier.example/a/10.html", ""},
	}
	if len(items) != len(wants) {
		t.Fatalf("%d items, want %d:\n%s", len(items), len(wants), dump(items))
	}
	keys := map[string]bool{}
	for i, w := range wants {
		it := items[i]
		if it.Title != w.title || it.URL != w.url || it.Via != w.via {
			t.Errorf("item %d: %q %q via %q; want %q %q via %q", i, it.Title, it.URL, it.Via, w.title, w.url, w.via)
		}
		if keys[it.Key()] || it.Key() == "" {
			t.Errorf("item %d: key %q not its own", i, it.Key())
		}
		keys[it.Key()] = true
	}
}

// Two feeds that give one GUID to different articles list two items.
func TestSameGUIDInTwoFeeds(t *testing.T) {
	feed := func(title string) string {
		return `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title><item><title>` + title +
			`</title><guid isPermaLink="false">1</guid></item></channel></rss>`
	}
	srv := newServer(t, map[string]page{
		"/a": {contentType: "application/rss+xml", body: feed("Syrien in Bote")},
		"/b": {contentType: "application/rss+xml", body: feed("Syrien in Kurier")},
	})
	run := newRun()
	a, errA := run.List(context.Background(), watchers.Source{Name: "bote", URL: srv.URL + "/a"})
	b, errB := run.List(context.Background(), watchers.Source{Name: "kurier", URL: srv.URL + "/b"})
	if errA != nil || errB != nil || len(a) != 1 || len(b) != 1 {
		t.Fatalf("%v %v %d %d", errA, errB, len(a), len(b))
	}
	if a[0].Key() == b[0].Key() || !strings.Contains(a[0].Key(), "bote") {
		t.Errorf("keys %q and %q: want two items, each of its feed", a[0].Key(), b[0].Key())
	}
}
