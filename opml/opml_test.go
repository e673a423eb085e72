package opml_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/newsbot/newsbot/internal/corpus"
	"github.com/newsbot/newsbot/opml"
)

// An OPML file in Latin-1, as its declaration says, reads as written; a
// file broken halfway gives the feeds before the break, and says where.
func TestParseCharsetsAndBreaks(t *testing.T) {
	latin1, _ := charmap.ISO8859_1.NewEncoder().String(`<?xml version="1.0" encoding="ISO-8859-1"?>
<opml version="2.0"><head><title>Caf` + "é" + `</title></head><body>
<outline text="Kultur" title="Feuilleton &amp; Caf` + "é" + `" xmlUrl="https://rr.example/kultur.xml"/>
</body></opml>`)
	f, err := opml.Parse(strings.NewReader(latin1))
	if err != nil || f.Title != "Café" || len(f.Feeds) != 1 || f.Feeds[0].Title != "Feuilleton & Café" {
		t.Errorf("Latin-1: %+v, %v", f, err)
	}
	broken := `<opml version="2.0"><body>
<outline text="A" xmlUrl="https://rr.example/a.xml"/>
<outline text="B" xmlUrl="https://rr.example/b.xml"/>
<outline text="C" xmlUrl="https://rr.example/c.xml" <<<
</body></opml>`
	f, err = opml.Parse(strings.NewReader(broken))
	if f == nil || len(f.Feeds) != 2 || err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("broken at line 4: %+v, %v; want A and B, and the line", f, err)
	}
	if _, err := opml.Parse(strings.NewReader(`<rss version="2.0"><channel/></rss>`)); err == nil || !strings.Contains(err.Error(), "not an OPML file") {
		t.Errorf("a feed read as OPML: %v", err)
	}
}

// Written, then read: the same feeds, in the same folders.
func TestWriteThenParse(t *testing.T) {
	in := []opml.Feed{
		{Title: "Politik & Gesellschaft", URL: "https://rr.example/p.xml?a=1&b=2", Folder: "Nachrichten/Inland", Name: "politik"},
		{Title: "Sitemap", URL: "https://rr.example/s.xml", Type: "sitemap", Name: "s"},
		{Title: "Seite", URL: "https://rr.example/", Type: "page", Links: "a.story[href]", Folder: "Nachrichten", Name: "Seite eins"},
	}
	var b bytes.Buffer
	if err := opml.Write(&b, "newsbot", in, time.Now()); err != nil {
		t.Fatal(err)
	}
	f, err := opml.Parse(&b)
	if err != nil || len(f.Feeds) != len(in) {
		t.Fatalf("read back: %+v, %v", f, err)
	}
	// Each folder stands where its first feed is: the order within it.
	byURL := map[string]opml.Feed{}
	for _, got := range f.Feeds {
		got.Line = 0
		byURL[got.URL] = got
	}
	for _, want := range in {
		if got := byURL[want.URL]; got != want {
			t.Errorf("read back as %+v, want %+v", got, want)
		}
	}
}

// Real exports of feed readers: every xmlUrl that is an http(s) URL is a
// feed, read once; the rest is said, with its line.
func TestCorpusExports(t *testing.T) {
	dir := filepath.Join(corpus.Dir(t), "opml")
	files, _ := filepath.Glob(filepath.Join(dir, "*.opml*"))
	if len(files) == 0 {
		t.Skip("no OPML files in the corpus")
	}
	xmlURL := regexp.MustCompile(`(?i)xmlUrl="(https?://[^"]+)"`)
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := opml.Parse(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
			continue
		}
		distinct := map[string]bool{}
		for _, m := range xmlURL.FindAllSubmatch(data, -1) {
			distinct[strings.ReplaceAll(string(m[1]), "&amp;", "&")] = true
		}
		t.Logf("%s: %d feeds (%d distinct http(s) xmlUrls), %d passed over", filepath.Base(p), len(f.Feeds), len(distinct), len(f.Skipped))
		if len(f.Feeds) != len(distinct) {
			t.Errorf("%s: %d feeds read, the file has %d distinct http(s) addresses", filepath.Base(p), len(f.Feeds), len(distinct))
		}
		for _, s := range f.Skipped {
			if s.Line <= 0 || s.Why == "" {
				t.Errorf("%s: passed over without a line or why: %+v", filepath.Base(p), s)
			}
		}
	}
}

// Outlines that are no feeds (an include of another OPML file, a link to
// a page) are passed over; feeds nested deeper than a reader nests them
// are too; files in UTF-16, or in Latin-1 without a declaration, read.
func TestParseOddFiles(t *testing.T) {
	f, err := opml.Parse(strings.NewReader(`<opml version="2.0"><body>
<outline type="include" text="Mehr" url="https://rr.example/other.opml"/>
<outline type="link" text="Seite" url="https://rr.example/page.html"/>
<outline type="rss" text="Feed" url="https://rr.example/feed.xml"/>
</body></opml>`))
	if err != nil || len(f.Feeds) != 1 || f.Feeds[0].URL != "https://rr.example/feed.xml" || len(f.Skipped) != 2 || !strings.Contains(f.Skipped[0].Why, `type "include"`) {
		t.Errorf("include and link outlines: %+v, %v", f, err)
	}

	var deep strings.Builder
	deep.WriteString(`<opml version="2.0"><body>`)
	for i := range 40 {
		fmt.Fprintf(&deep, `<outline text="f%d">`, i)
	}
	deep.WriteString(`<outline text="tief" xmlUrl="https://rr.example/deep.xml"/>`)
	deep.WriteString(strings.Repeat(`</outline>`, 40) + `<outline text="flach" xmlUrl="https://rr.example/flat.xml"/></body></opml>`)
	f, err = opml.Parse(strings.NewReader(deep.String()))
	if err != nil || len(f.Feeds) != 1 || f.Feeds[0].Title != "flach" || len(f.Skipped) != 1 || !strings.Contains(f.Skipped[0].Why, "folders more than") {
		t.Errorf("a feed 40 folders deep: %+v, %v", f, err)
	}

	doc := `<?xml version="1.0" encoding="UTF-16"?><opml version="2.0"><body><outline text="Café" xmlUrl="https://rr.example/c.xml"/></body></opml>`
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(doc)
	f, err = opml.Parse(strings.NewReader(utf16))
	if err != nil || len(f.Feeds) != 1 || f.Feeds[0].Title != "Café" {
		t.Errorf("UTF-16: %+v, %v", f, err)
	}
	latin1, _ := charmap.ISO8859_1.NewEncoder().String(`<opml version="2.0"><body><outline text="Café" xmlUrl="https://rr.example/c.xml"/></body></opml>`)
	f, err = opml.Parse(strings.NewReader(latin1))
	if err != nil || len(f.Feeds) != 1 || f.Feeds[0].Title != "Café" {
		t.Errorf("Latin-1 without a declaration: %+v, %v", f, err)
	}
}
