package watchers

import (
	"errors"
	"strings"
	"testing"
)

// Pages that are not articles give no text to match, so that a links
// selector that catches them, or a feed that turns into an error page,
// alerts on nothing.
func TestExtractRefusesPagesThatAreNotArticles(t *testing.T) {
	pages := map[string]string{
		"newsletter form": `<html lang="de"><body>
<nav><a href="/">Start</a> <a href="/nahost">Nahost: Syrien, Iran, IS</a> <a href="/klima">Klimawandel</a></nav>
<main><h1>Newsletter abonnieren</h1>
<ul><li><a href="/a">IS-Miliz greift an</a></li><li><a href="/b">Syrien: Waffenruhe hält</a></li></ul>
<form><label>E-Mail</label><input name="mail"><button>Abonnieren</button></form></main></body></html>`,
		"topic index": `<html><body><main><h1>Thema Syrien</h1><ul>
<li><a href="/1">Waffenruhe in Idlib: erste Hilfskonvois erreichen den Nordwesten des Landes</a></li>
<li><a href="/2">IS-Miliz nutzt das Machtvakuum im Osten Syriens für neue Anschläge</a></li>
<li><a href="/3">UN-Bericht: Die Hilfe für Syrien reicht bei weitem nicht aus</a></li>
</ul></main></body></html>`,
	}
	for name, page := range pages {
		t.Run(name, func(t *testing.T) {
			a, err := Extract([]byte(page), "https://rr.example/x.html")
			if !errors.Is(err, ErrNotArticle) {
				t.Errorf("Extract = %+v, %v; want ErrNotArticle", a, err)
			}
		})
	}
}

// A lead paragraph marked only by its class (no meta description) is the
// teaser, while teasers of other articles in an aside are not.
func TestStandfirstWithoutMetaDescription(t *testing.T) {
	page := `<html lang="de"><body><nav><a href="/">Start</a></nav>
<article><h1>Hilfe für Flüchtlinge</h1>
<p class="teaser">Die Bundesregierung hat weitere Mittel für Flüchtlinge aus Syrien freigegeben, teilte das Ministerium mit.</p>
<div class="body"><p>Die Hilfe soll vor allem in die Nachbarländer fließen. Dort leben nach Angaben der Vereinten Nationen mehr als fünf Millionen Menschen in Lagern und Städten.</p>
<p>Die Opposition kritisierte, das Geld komme zu spät. Hilfsorganisationen begrüßten die Entscheidung dagegen ausdrücklich und forderten eine dauerhafte Finanzierung.</p></div></article>
<aside><div class="teaser"><p>Ein ganz anderer Artikel über etwas anderes, der hier nicht hingehört.</p></div></aside></body></html>`
	a, err := Extract([]byte(page), "https://rr.example/hilfe.html")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Die Bundesregierung hat weitere Mittel für Flüchtlinge aus Syrien freigegeben, teilte das Ministerium mit."; a.Teaser != want {
		t.Errorf("Teaser = %q, want %q", a.Teaser, want)
	}
	if len(a.Body) != 2 {
		t.Errorf("Body = %q, want the two paragraphs", a.Body)
	}
}

func TestStandfirstNotFromRelatedBox(t *testing.T) {
	page := `<html lang="de"><body><article><h1>Ein Bericht über das Wetter</h1>
<p>Der Sommer war in diesem Jahr besonders heiß und trocken, sagen die Meteorologen des Wetterdienstes.</p>
<p>Viele Flüsse führten so wenig Wasser wie seit Jahrzehnten nicht mehr, die Schifffahrt litt darunter.</p>
<div class="box"><p class="teaser__text">Mehr zum Thema: Wie der Krieg in Syrien die Region verändert hat und was nun folgt.</p></div>
</article></body></html>`
	a, err := Extract([]byte(page), "https://rr.example/wetter.html")
	if err != nil {
		t.Fatal(err)
	}
	if a.Teaser != "" && !strings.Contains(a.Teaser, "Sommer") {
		t.Errorf("Teaser = %q: a teaser after the body began is another article's", a.Teaser)
	}
}

func TestLeadClass(t *testing.T) {
	for class, want := range map[string]bool{
		"article-intro": true, "atc-IntroText": true, "teaser__text": true, "lead": true,
		"c-standfirst big": true, "article__dek": true, "artikel-vorspann": true, "entry-excerpt": true, "subheadline": true,
		"introduction": false, "decker": false, "leader-board": false, "misleading": false, "": false,
	} {
		if got := leadClass(class); got != want {
			t.Errorf("leadClass(%q) = %v, want %v", class, got, want)
		}
	}
}
