package watchers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"

	"github.com/newsbot/newsbot/watchers"
)

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
		// A server that says UTF-8 of everything it serves.
		{"ISO-8859-1 said UTF-8 in the header", "text/html; charset=utf-8", latin1(fmt.Sprintf(plain, ""))},
		{"windows-1252 said UTF-8 in the header and a meta tag", "text/html; charset=UTF-8", win1252(fmt.Sprintf(latinArticle, `<meta charset="utf-8">`))},
		{"ISO-8859-1 in a meta tag, UTF-8 in the header", "text/html; charset=utf-8", latin1(fmt.Sprintf(plain, `<meta charset="iso-8859-1">`))},
		// A UTF-8 page with a piece in Latin-1 pasted in (an ad, a
		// teaser from an old system): both read right.
		{"UTF-8 with a Latin-1 piece", "text/html; charset=utf-8", strings.Replace(fmt.Sprintf(latinArticle, ""), "Öffentliche Brunnen", latin1("Öffentliche Brunnen"), 1)},
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

// Feeds in Latin-1 or windows-1252, labelled in the header or the XML
// declaration, or UTF-8 mislabelled as Latin-1, come out as the right
// text: never "Ã¤", never U+FFFD.
func TestFeedEncodings(t *testing.T) {
	const title = "Gespräche über Flüchtlinge – „Größe“ zählt"
	latin1, _ := charmap.ISO8859_1.NewEncoder().String(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(title, "–", "-"), "„", `"`), "“", `"`))
	cp1252, _ := charmap.Windows1252.NewEncoder().String(title)
	feed := func(decl, t string) string {
		return `<?xml version="1.0"` + decl + `?><rss version="2.0"><channel><title>K</title><item><title>` + t + `</title><link>/a/1.html</link></item></channel></rss>`
	}
	tests := []struct {
		name, contentType, body, want string
	}{
		{"latin-1 in the header", "application/rss+xml; charset=ISO-8859-1", feed("", latin1), `Gespräche über Flüchtlinge - "Größe" zählt`},
		{"latin-1 in the declaration", "application/rss+xml", feed(` encoding="ISO-8859-1"`, latin1), `Gespräche über Flüchtlinge - "Größe" zählt`},
		{"windows-1252 in the declaration", "text/xml", feed(` encoding="windows-1252"`, cp1252), title},
		{"windows-1252 unlabelled", "text/xml", feed("", cp1252), title},
		{"UTF-8 mislabelled in the header", "application/rss+xml; charset=ISO-8859-1", feed("", title), title},
		{"UTF-8 mislabelled in the declaration", "application/rss+xml", feed(` encoding="ISO-8859-1"`, title), title},
		{"UTF-8", "application/rss+xml; charset=utf-8", feed(` encoding="UTF-8"`, title), title},
		{"windows-1252 said UTF-8 in the header", "application/rss+xml; charset=utf-8", feed("", cp1252), title},
		{"windows-1252 said UTF-8 in the header and the declaration", "application/rss+xml; charset=utf-8", feed(` encoding="UTF-8"`, cp1252), title},
		{"latin-1 in the declaration, UTF-8 in the header", "application/rss+xml; charset=utf-8", feed(` encoding="ISO-8859-1"`, latin1), `Gespräche über Flüchtlinge - "Größe" zählt`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			items, err := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20).NewRun(nil).List(context.Background(), watchers.Source{Name: "k", URL: srv.URL})
			if err != nil || len(items) != 1 {
				t.Fatalf("%v, %d items", err, len(items))
			}
			got := items[0].Title
			if got != tt.want || strings.Contains(got, "Ã") || strings.ContainsRune(got, utf8.RuneError) {
				t.Errorf("title %q, want %q", got, tt.want)
			}
		})
	}
}

// UTF-16 feeds, with a byte order mark, are read as any other.
func TestUTF16Feed(t *testing.T) {
	const title = "Gespräche über Flüchtlinge"
	feed := `<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><title>K</title><item><title>` + title + `</title><link>/a/1.html</link></item></channel></rss>`
	for _, order := range []string{"le", "be"} {
		var b []byte
		if order == "le" {
			b = append(b, 0xFF, 0xFE)
		} else {
			b = append(b, 0xFE, 0xFF)
		}
		for _, r := range feed {
			u := uint16(r)
			if order == "le" {
				b = append(b, byte(u), byte(u>>8))
			} else {
				b = append(b, byte(u>>8), byte(u))
			}
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(b) }))
		items, err := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20).NewRun(nil).List(context.Background(), watchers.Source{Name: "k", URL: srv.URL})
		srv.Close()
		if err != nil || len(items) != 1 || items[0].Title != title {
			t.Errorf("UTF-16%s: %+v, %v", strings.ToUpper(order), items, err)
		}
	}
}

// Feeds in UTF-16 or UTF-32 are read as feeds with a byte order mark or
// without one (the bytes of "<?xml" say which), not taken for a page.
func TestWideFeeds(t *testing.T) {
	const title = "Gespräche über Syrien – „Größe“ zählt"
	feed := `<?xml version="1.0" encoding="%s"?><rss version="2.0"><channel><title>K</title><item><title>` + title + `</title><link>/a/1.html</link></item></channel></rss>`
	for _, tt := range []struct {
		name, label string
		enc         encoding.Encoding
	}{
		{"UTF-16LE without BOM", "utf-16", unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)},
		{"UTF-16BE without BOM", "utf-16", unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)},
		{"UTF-32LE without BOM", "utf-32", utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)},
		{"UTF-32BE without BOM", "utf-32", utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)},
		{"UTF-32LE with BOM", "utf-32", utf32.UTF32(utf32.LittleEndian, utf32.UseBOM)},
		{"UTF-32BE with BOM", "utf-32", utf32.UTF32(utf32.BigEndian, utf32.UseBOM)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body, err := tt.enc.NewEncoder().String(fmt.Sprintf(feed, tt.label))
			if err != nil {
				t.Fatal(err)
			}
			items := listFeed(t, "application/xml", body)
			if len(items) != 1 || items[0].Title != title || !strings.HasSuffix(items[0].URL, "/a/1.html") {
				t.Errorf("read as %s", dump(items))
			}
		})
	}
}

// A feed said to be ISO-8859-1 (or US-ASCII) is read as windows-1252, as
// browsers read it (the WHATWG Encoding Standard), so "don\x92t" reads
// "don’t"; a C1 control character that UTF-8 text carries for that same
// reason reads so too; a feed that names no charset and is in a legacy
// one is read in the charset detected.
func TestLegacyFeeds(t *testing.T) {
	rss := func(decl, title string) string {
		return `<?xml version="1.0"` + decl + `?><rss version="2.0"><channel><title>K</title><item><title>` + title + `</title><link>/a/1.html</link></item></channel></rss>`
	}
	// A feed's worth of text: a detector needs more than a headline.
	koi8, _ := charmap.KOI8R.NewEncoder().String(`<?xml version="1.0"?><rss version="2.0"><channel><title>K</title><item>` +
		`<title>Как пережить новогоднюю ночь в Москве и не заболеть</title><link>/a/1.html</link>` +
		`<description>Наверное, единственное, во что сегодня можно верить безоговорочно, так это в то, что Новый год обязательно наступит. Это не просто очередной праздник, это веха.</description>` +
		`</item></channel></rss>`)
	sjis, _ := japanese.ShiftJIS.NewEncoder().String(rss("", "ゲーム三昧な正月を東京で過ごす人々"))
	for _, tt := range []struct{ name, contentType, body, want string }{
		{"ISO-8859-1 with windows-1252 bytes", "application/rss+xml; charset=ISO-8859-1", rss("", "don\x92t panic"), "don’t panic"},
		{"US-ASCII with windows-1252 bytes", "application/rss+xml", rss(` encoding="us-ascii"`, "\x93quoted\x94"), "“quoted”"},
		{"UTF-8 with a C1 control", "application/rss+xml; charset=utf-8", rss("", "don\u0092t panic"), "don’t panic"},
		{"KOI8-R, undeclared", "application/xml", koi8, "Как пережить новогоднюю ночь в Москве и не заболеть"},
		{"Shift_JIS, undeclared", "application/xml", sjis, "ゲーム三昧な正月を東京で過ごす人々"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			items := listFeed(t, tt.contentType, tt.body)
			if len(items) != 1 || items[0].Title != tt.want {
				t.Errorf("headline %s, want %q", dump(items), tt.want)
			}
		})
	}
}
