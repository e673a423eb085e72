package watchers

import (
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/andybalholm/cascadia"
)

func FuzzCanonical(f *testing.F) {
	f.Add("https://rr.example/a.html?utm_source=x&id=1#top", "")
	f.Add("ausland/syrien.html", "https://rr.example/politik/")
	f.Add("http://[::1]:80/a", "")
	f.Fuzz(func(t *testing.T, ref, base string) {
		c := Canonical(ref, base)
		if c == "" {
			return
		}
		if !strings.HasPrefix(c, "http://") && !strings.HasPrefix(c, "https://") {
			t.Fatalf("Canonical(%q, %q) = %q, not http(s)", ref, base, c)
		}
		// Canonical is a fixed point: the canonical URL of a canonical URL is itself.
		if again := Canonical(c, ""); again != c {
			t.Fatalf("Canonical(%q) = %q, but Canonical of that = %q", ref, c, again)
		}
	})
}

func FuzzParseFeed(f *testing.F) {
	if b, err := os.ReadFile("../testdata/site/rss/politik.xml"); err == nil {
		f.Add(string(b))
	}
	if b, err := os.ReadFile("../testdata/site/atom/world.xml"); err == nil {
		f.Add(string(b))
	}
	f.Add(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","url":"/a","title":"<b>x</b>"}]}`)
	f.Add(`<rss><channel><item><title>t</title><link>a.html</link></item><item><guid>g</guid></item></channel></rss>`)
	f.Add(`<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><item><title>Gespr\xe4che</title><link>a.html</link></item><item><title>Dr`)
	f.Add("<?xml version=\"1.0\" encoding=\"x-unknown\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>\xff\xfe</title><id>1</id></entry>")
	f.Fuzz(func(t *testing.T, feed string) {
		// A broken feed gives the items before the break, with its error.
		items, err := parseFeedBody(feedUTF8([]byte(feed), ""), "https://rr.example/rss", "s")
		var broken *BrokenFeedError
		if err != nil && !errors.As(err, &broken) {
			return
		}
		keys := map[string]bool{}
		for _, it := range items {
			k := it.Key()
			if k == "" || keys[k] {
				t.Fatalf("item without a key, or twice: %+v", it)
			}
			keys[k] = true
			if it.URL != "" && Canonical(it.URL, "") != it.URL {
				t.Fatalf("item URL %q is not canonical", it.URL)
			}
			if !utf8.ValidString(it.Title) || !utf8.ValidString(it.Description) {
				t.Fatalf("item text is not UTF-8: %q, %q", it.Title, it.Description)
			}
		}
	})
}

func FuzzExtract(f *testing.F) {
	for _, p := range []string{
		"../testdata/site/politik/ausland/syrien-waffenruhe-idlib-4711.html",
		"../testdata/site/en/how-rivers-recover.html",
	} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(`<html><body><article><p class="teaser">Ein Satz mit genug Wörtern, um ein Anfang zu sein.</p></article></body></html>`)
	f.Fuzz(func(t *testing.T, page string) {
		a, err := Extract(UTF8([]byte(page), ""), "https://rr.example/a.html")
		if err != nil {
			return
		}
		if !utf8.ValidString(a.Text()) {
			t.Fatalf("extracted text is not UTF-8: %q", a.Text())
		}
		if a.Teaser == "" && len(a.Body) == 0 {
			t.Fatal("an article without text")
		}
	})
}

func FuzzPageLinks(f *testing.F) {
	if b, err := os.ReadFile("../testdata/site/politik/index.html"); err == nil {
		f.Add(string(b), "a.js-hlp")
	}
	f.Add(`<base href="/x/"><a href="a.html">A</a><a href="javascript:alert(1)">J</a><a href="//other/b">B</a>`, "a")
	f.Add(`<div class="t"><a href="http://[::1]/c">C</a></div>`, ".t")
	f.Fuzz(func(t *testing.T, page, sel string) {
		if _, err := cascadia.Compile(sel); err != nil {
			return
		}
		items, err := pageLinks(&Response{URL: "https://rr.example/politik/", Body: []byte(page)}, Source{Name: "p", Links: sel})
		if err != nil {
			return
		}
		for _, it := range items {
			if Canonical(it.URL, "") != it.URL || !utf8.ValidString(it.Title) {
				t.Fatalf("link %q (%q) is not canonical, or its text not UTF-8", it.URL, it.Title)
			}
		}
	})
}
