package watchers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// The lead the page shows, which the extractor leaves out, is the
// teaser, not the meta description written for search engines; the
// picture in the lead's box and a teaser-classed box above the headline
// are not part of it.
func TestExtractTakesThePagesLead(t *testing.T) {
	const page = "https://www.weserbote.example/verkehr/talbruecke-2207.html"
	body, err := os.ReadFile(filepath.Join("testdata", "lead", "brueckensanierung.html"))
	if err != nil {
		t.Fatal(err)
	}
	const lead = "Die Sanierung der Talbrücke bei Hemmingen dauert länger als geplant: Statt im Mai soll die Brücke erst im Oktober wieder für den Verkehr freigegeben werden, teilte die Autobahngesellschaft am Dienstag mit."
	if strings.Contains(extractorText(t, body, page), "Statt im Mai") {
		t.Fatal("the extractor keeps the lead by itself: the case tests nothing")
	}
	a, err := Extract(body, page)
	if err != nil {
		t.Fatal(err)
	}
	if a.Teaser != lead {
		t.Errorf("Teaser = %q, want %q", a.Teaser, lead)
	}
	if len(a.Body) != 4 || !strings.HasPrefix(a.Body[0], "Bei der Untersuchung der Pfeiler") {
		t.Errorf("Body = %q, want the four paragraphs", a.Body)
	}
}

func TestPageLead(t *testing.T) {
	const body = `<div class="body"><p>Die Hilfe soll vor allem in die Nachbarländer fließen. Dort leben nach Angaben der Vereinten Nationen mehr als fünf Millionen Menschen.</p></div>`
	tests := []struct {
		name, page, want string
	}{
		{"lead after the headline",
			`<article><h1>Hilfe</h1><p class="article-intro">Die Bundesregierung gibt weitere Mittel für Flüchtlinge aus Syrien frei.</p>` + body + `</article>`,
			"Die Bundesregierung gibt weitere Mittel für Flüchtlinge aus Syrien frei."},
		{"itemprop description",
			`<article><h1>Hilfe</h1><div itemprop="description"><p>Die Bundesregierung gibt weitere Mittel für Flüchtlinge frei.</p></div>` + body + `</article>`,
			"Die Bundesregierung gibt weitere Mittel für Flüchtlinge frei."},
		{"a teaser above the headline is the site's",
			`<div class="teaser">Jetzt abonnieren: alle Artikel, jeden Morgen neu, auf allen Geräten lesen.</div><h1>Hilfe</h1>` + body,
			""},
		{"no headline: the first lead before the body",
			`<div class="lead">Die Bundesregierung gibt weitere Mittel für Flüchtlinge aus Syrien frei.</div>` + body,
			"Die Bundesregierung gibt weitere Mittel für Flüchtlinge aus Syrien frei."},
		{"after the body it is another article's",
			`<h1>Hilfe</h1>` + body + `<p class="teaser__text">Ein ganz anderer Artikel über etwas anderes, der hier nicht hingehört.</p>`,
			""},
		{"a related box",
			`<h1>Hilfe</h1><div class="related"><p class="teaser">Ein ganz anderer Artikel über etwas anderes, der hier nicht hingehört.</p></div>` + body,
			""},
		{"a link",
			`<h1>Hilfe</h1><p class="teaser"><a href="/x.html">Ein ganz anderer Artikel über etwas anderes, der hier nicht hingehört.</a></p>` + body,
			""},
		{"too short",
			`<h1>Hilfe</h1><p class="intro">Von Jana Berg</p>` + body,
			""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := html.Parse(strings.NewReader("<html><body>" + tt.page + "</body></html>"))
			if err != nil {
				t.Fatal(err)
			}
			ps := placeParagraphs(doc, []string{"Die Hilfe soll vor allem in die Nachbarländer fließen. Dort leben nach Angaben der Vereinten Nationen mehr als fünf Millionen Menschen."})
			if got := pageLead(doc, ps); got != tt.want {
				t.Errorf("pageLead = %q, want %q", got, tt.want)
			}
		})
	}
}
