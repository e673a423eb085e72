package watchers

import "testing"

func TestFeedTitle(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Waffenruhe in <em>Idlib</em> hält", "Waffenruhe in Idlib hält"}, // Atom type="html"
		{"<!channel> Syrien & <Co>", "<!channel> Syrien & <Co>"},          // plain text stays as written
		{"  Zwei   Leerzeichen\n", "Zwei Leerzeichen"},                    // white space collapsed
		{"A &lt; B</b>", "A < B"},                                         // entities of an HTML title decoded
	}
	for _, tt := range tests {
		if got := feedTitle(tt.in); got != tt.want {
			t.Errorf("feedTitle(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCanonicalLinkToFrontPageIgnored(t *testing.T) {
	page := `<html><head><link rel="canonical" href="https://rr.example/"></head><body><article><h1>Ein Titel</h1>
<p>Dies ist ein Artikel mit genug Text, damit er als Artikel gilt. Er hat mehrere Sätze und spricht über Syrien.</p>
<p>Noch ein Absatz mit weiteren Sätzen über die Lage im Land. Die Hilfe kommt nur langsam voran.</p></article></body></html>`
	a, err := Extract([]byte(page), "https://rr.example/politik/artikel-1.html")
	if err != nil {
		t.Fatal(err)
	}
	if a.URL != "https://rr.example/politik/artikel-1.html" {
		t.Errorf("URL = %q: a canonical link to the front page must not make every article one", a.URL)
	}
}

func TestFeedItemWithoutLinkOrGUID(t *testing.T) {
	feed := `<rss version="2.0"><channel><title>t</title>
<item><title>Eilmeldung: Waffenruhe in Syrien</title><description>Mehr in Kürze.</description></item>
<item><title>Zweite Meldung ohne Link</title></item>
<item><title>Eilmeldung: Waffenruhe in Syrien</title><description>Mehr in Kürze.</description></item>
</channel></rss>`
	items, err := parseFeedBody(feedUTF8([]byte(feed), ""), "https://rr.example/rss", "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Key() == "" || items[0].Key() == items[1].Key() {
		t.Fatalf("items = %+v; want the two distinct items, each with a key of its own", items)
	}
}
