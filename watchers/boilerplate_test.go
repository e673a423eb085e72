package watchers

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// boilerplatePages are pages of testdata/boilerplate: what must stay of
// their article, and what the extractor keeps of their chrome, that must
// go.
var boilerplatePages = []struct {
	file, url, title string
	keep, drop       []string
}{
	{
		file:  "hafenstreik.html",
		url:   "https://www.nordsee-kurier.example/wirtschaft/hafenstreik-bremerhaven-2207.html",
		title: "Hafenstreik in Bremerhaven: Containerterminal steht still",
		keep: []string{
			"Kurz nach sechs Uhr legten die ersten Schichten an den Containerbrücken die Arbeit nieder.",
			"Die Gewerkschaft verlangt eine Erhöhung der Stundenlöhne um 2,80 Euro.",
			"Man sei aber zu weiteren Gesprächen bereit.",
			"Die nächste Verhandlungsrunde ist für den 18. März angesetzt.",
			"Rund 16.000 Menschen hängen direkt oder indirekt vom Umschlag ab, schätzt die Handelskammer.",
		},
		drop: []string{
			"Aktualisiert am 10.03.2025.",
			"10.03.2025 | Wirtschaft",
			"Lesen Sie auch: Tarifrunde in den Häfen",
			"ANZEIGE",
			"© Jens Köhler/Hafenbild",
			"terminal-luftbild.jpg 890 1484 Ole Brandt",
			"Mehr zum Thema:",
			"Werften an der Küste: alle Berichte",
			"Werften melden Kurzarbeit nach Corona-Krise, 28.04.2020",
			"Lotsen fehlen: Warum Schiffe an der Weser warten …",
			"Abonniere unseren Newsletter",
			"Containerumschlag: Bremerhaven meldet Rekordjahr",
			"Titelbild: Containerterminal Bremerhaven",
			"Kategorie: Wirtschaft",
			"Sie sind aktuell nicht eingeloggt.",
			"Das könnte Sie auch interessieren",
			"Drucken | Teilen | Merken",
			"Pressekontakt: Hafenbetriebe Bremerhaven",
			"Tarifvertrag Hafen 2025 (PDF, 1,2 MB)",
			"Hinnerk Claasen ist Wirtschaftsredakteur beim Nordsee-Kurier.",
			"Alle Texte und Bilder sind urheberrechtlich geschützt.",
		},
	},
	{
		file:  "harbour-strike.html",
		url:   "https://harwickchronicle.example/news/2025/03/dock-workers-strike",
		title: "Dock workers strike at Port Harwick",
		keep: []string{
			"Cranes stood idle at Port Harwick on Monday as dock workers walked out over pay",
			"the workers were prepared to stay out longer.",
			"A spokesman said talks could resume later this week if the walkout was called off.",
			"Shipping lines have begun to divert vessels to other ports along the coast.",
		},
		drop: []string{
			"This post contains references to products from one or more of our advertisers.",
			"(Credit: Sam Okafor / Harwick Chronicle)",
			"Read more: Port pay talks collapse after six hours",
			"Subscribe now to our e-edition for the full story.",
			"Get the Chronicle's best stories in your inbox every morning.",
			"Related",
			"Ferry timetable cut as crews fall sick",
			"comments are moderated",
			"download the Chronicle apps for iOS and Android",
			"March 10, 2025",
			"Sam Okafor is a reporter at the Chronicle",
		},
	},
}

func TestExtractDropsBoilerplate(t *testing.T) {
	for _, tt := range boilerplatePages {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "boilerplate", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			raw := extractorText(t, body, tt.url)
			a, err := Extract(body, tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if a.Title != tt.title {
				t.Errorf("Title = %q, want %q", a.Title, tt.title)
			}
			text := a.Text()
			for _, s := range tt.keep {
				if !strings.Contains(text, s) {
					t.Errorf("article text lacks %q", s)
				}
			}
			for _, s := range tt.drop {
				t.Run(s, func(t *testing.T) {
					// Only what the extractor keeps tests the rules.
					if !strings.Contains(raw, s) {
						t.Fatalf("the extractor drops %q by itself: the case tests nothing", s)
					}
					if strings.Contains(text, s) {
						t.Errorf("article text keeps %q", s)
					}
				})
			}
			if t.Failed() {
				t.Logf("text:\n%s", text)
			}
		})
	}
}

// extractorText is what go-trafilatura extracts from a page, before the
// boilerplate goes.
func extractorText(t *testing.T, body []byte, page string) string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(page)
	res, err := mainContent(doc, u)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(paragraphs(res.ContentNode), "\n")
}

func TestShapeReason(t *testing.T) {
	tests := []struct{ text, want string }{
		{"Mehr zum Thema", "related header"},
		{"Weitere Artikel", "related header"},
		{"Auch interessant:", "related header"},
		{"Das könnte Sie auch interessieren!", "related header"},
		{"Related", "related header"},
		{"Lesen Sie auch: Die Fronten sind verhärtet", "teaser"},
		{"Read more: Looted colonial art: Germany to set up new contact office", "teaser"},
		{"(C) Volkswagen", "credit"},
		{"© Oli Scarff/Getty Images", "credit"},
		{"Marco Odermatt, Ski-Star aus der Schweiz. © AFP / MARCO BERTORELLO", "credit"},
		{"Titelbild: Geyres Christophe/ABACA/picture-alliance", "credit"},
		{"Einen Studienplatz, aber keine Wohnung? So geht es momentan einigen Erstis. Foto: Ingo Schneider", "credit"},
		{"https://example.org/wp-content/uploads/2022/11/battery.jpg 890 1484 Gerrit Bockey", "image file"},
		{"Kategorie: News", "category"},
		{"ANZEIGE", "ad"},
		{"*Werbung. Dieser Beitrag enthält Werbung für MYMARINI.", "ad"},
		{"This post contains references to products from one or more of our advertisers.", "ad"},
		{"Abonniere unseren Newsletter und erfahre alles Wissenswerte.", "newsletter"},
		{"Subscribe now to our eNATION edition for the full story.", "subscribe"},
		{"To view the full story, please subscribe to The Haitian Times.", "subscribe"},
		{"Sie sind aktuell nicht eingeloggt.", "login"},
		{"Unterstütze RosaMag bereits mit 2,50!", "support us"},
		{"Please understand that comments are moderated and it is not always possible to publish all.", "comment rules"},
		{"Artikel gefallen? Vergiss nicht zu teilen!", "share"},
		{"23.10.2018", "date line"},
		{"Aktualisiert am 17.01.2021.", "date line"},
		{"Stand: 20. April 2020, 14:57 Uhr", "date line"},
		{"May 06, 2022", "date line"},
		{"24. März 2004, 19:49 | Genesis", "meta line"},
		{"IMPRESSUM | DATENSCHUTZ | COPYRIGHT ANDRÉ LOIBL | THIS IS A KANGA PROJECT", "meta line"},
		{"Lust auf mehr? Lass dir die besten Storys jede Woche in deinen Posteingang liefern.", "newsletter"},
		{"Sofern nicht anders ausgewiesen, stehen Inhalte dieser Website unter CC-BY", "credit"},
		{"Abbildung 4: klassische Schwachschicht.", "credit"},
		{"Informationsschreiben vom 14. Oktober 2021PDF | 38 KB | Datei ist nicht barrierefrei", "download"},
		{"Pressekontakt:", "contact"},
		{"Telefon: +49 - (40) - 300 30 - 1141", "contact"},
		{"Vorschau auf den nächsten Artikel", "related header"},
		{"Do you want to be informed of our actions? Sign up here", "subscribe"},
		{"asked Feb 6, 2014 at 20:37", "date line"},
		{"... weiter zu \"die Wortwahl\"", "teaser"},
		// Article text that shares words with the rules.
		{"Syrien: Waffenruhe in Idlib", ""},
		{"Die Firma verschickt ihren Newsletter an 20.000 Kunden in ganz Europa.", ""},
		{"He declined to comment on the case, citing the ongoing investigation.", ""},
		{"Am 23.10.2018 trat das Gesetz in Kraft, zwei Jahre nach dem Beschluss.", ""},
		{"286,35 €", ""},
		{"+81 158-23-2012", ""},
		{"c) [Militär] Strategie für den geordneten Abzug eines Truppenkontingents", ""},
		{"Mehr als 200 Menschen nahmen an der Demonstration teil.", ""},
		{"Die Anzeige wurde am Montag bei der Polizei erstattet.", ""},
		{"Telefonieren am Steuer bleibt verboten, sagte die Ministerin.", ""},
		{"Die Abbildung zeigt die Lage der Stellungen vor dem Angriff.", ""},
		{"Weiter mit dem Programm ging es erst am Abend.", ""},
		{"More on debugging and testing", ""},
		{"Mehr zum Thema lesen Sie in unserem Newsblog.", ""},
		{"[true, false, false].select { |item| item }.first", ""},
		{"Die Umfrage ergab: 40 Prozent | 35 Prozent | 25 Prozent, sagte der Sprecher.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := shapeReason(tt.text, len([]rune(tt.text))); got != tt.want {
				t.Errorf("shapeReason(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// markupPage has boxes around paragraphs that say what they are; its
// article body holds most of the text.
const markupPage = `<html><body>
<nav class="breadcrumb"><a href="/">Start</a> <a href="/wirtschaft/">Wirtschaft</a></nav>
<article><div class="article-body">
<p>Kurz nach sechs Uhr legten die ersten Schichten an den Containerbrücken die Arbeit nieder, und mehrere Frachter mussten auf Reede warten.</p>
<p>Die Gewerkschaft verlangt eine Erhöhung der Stundenlöhne um 2,80 Euro und einen Ausgleich für die Inflation der vergangenen Jahre.</p>
<div class="related-box"><p>Der Hafen im Wandel: Wie Automatisierung die Arbeit an der Kaje verändert</p></div>
<div class="TestReport__AuthorBox"><p>Hinnerk Claasen schreibt über Häfen und Werften.</p></div>
<p class="image-caption">Stillstand an den Containerbrücken am Montagmorgen.</p>
<div class="press-contact"><p>Maren Oltmanns, Verhandlungsführerin der Gewerkschaft</p></div>
<h2 id="nav_die_naechste_runde_1">Die nächste Runde</h2>
<p>Die nächste Verhandlungsrunde ist für den 18. März angesetzt, die Gewerkschaft droht mit weiteren Streiks.</p>
</div>
<aside><p>Meistgeklickt in der Region</p></aside>
</article></body></html>`

func TestBoilerplateByMarkup(t *testing.T) {
	doc, err := html.Parse(strings.NewReader(markupPage))
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"Wirtschaft",
		"Kurz nach sechs Uhr legten die ersten Schichten an den Containerbrücken die Arbeit nieder, und mehrere Frachter mussten auf Reede warten.",
		"Die Gewerkschaft verlangt eine Erhöhung der Stundenlöhne um 2,80 Euro und einen Ausgleich für die Inflation der vergangenen Jahre.",
		"Der Hafen im Wandel: Wie Automatisierung die Arbeit an der Kaje verändert",
		"Hinnerk Claasen schreibt über Häfen und Werften.",
		"Stillstand an den Containerbrücken am Montagmorgen.",
		"Maren Oltmanns, Verhandlungsführerin der Gewerkschaft",
		"Die nächste Runde",
		"Die nächste Verhandlungsrunde ist für den 18. März angesetzt, die Gewerkschaft droht mit weiteren Streiks.",
		"Meistgeklickt in der Region",
	}
	want := []string{
		"in a box: nav", "", "", "in a box: related", "in a box: author", "in a box: caption", "in a box: contact",
		"", // an anchor id of the heading's words names no box
		"", "in a box: aside",
	}
	got := boilerplateReasons(placeParagraphs(doc, texts), nil)
	for i := range texts {
		t.Run(texts[i], func(t *testing.T) {
			if got[i] != want[i] {
				t.Errorf("reason = %q, want %q", got[i], want[i])
			}
		})
	}
}

func TestBoilerplateLinks(t *testing.T) {
	const page = `<html><body><article>
<p>Die Gewerkschaft verlangt eine Erhöhung der Stundenlöhne um 2,80 Euro und einen Ausgleich für die Inflation der vergangenen Jahre.</p>
<p><a href="/wirtschaft/tarifrunde-in-den-haefen-2206.html">Tarifrunde in den Häfen: Die Fronten sind verhärtet</a></p>
<p><a href="https://andere-zeitung.example/wirtschaft/tarifrunde-in-den-haefen-2206.html">Die andere Zeitung: Tarifrunde in den Häfen</a></p>
<p><a href="/thema/haefen/">Alle Berichte über Häfen</a></p>
<p><a href="/wirtschaft/werften-kurzarbeit.html">Werften melden Kurzarbeit nach Corona-Krise, 28.04.2020</a></p>
<p><a href="/wirtschaft/lotsen.html">Lotsen fehlen: Warum Schiffe an der Weser warten …</a></p>
<p>Die Verhandlungen sollen <a href="/wirtschaft/tarifrunde-in-den-haefen-2206.html">am 18. März</a> weitergehen, sagte ein Sprecher.</p>
<p><strong>Mehr zum Thema:</strong></p>
<p><a href="/thema/werften/">Werften an der Küste</a></p>
<p><a href="/thema/lotsen/">Lotsen an der Weser</a></p>
<p>Die nächste Verhandlungsrunde ist für den 18. März angesetzt, die Gewerkschaft droht mit weiteren Streiks.</p>
</article></body></html>`
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"Die Gewerkschaft verlangt eine Erhöhung der Stundenlöhne um 2,80 Euro und einen Ausgleich für die Inflation der vergangenen Jahre.",
		"Tarifrunde in den Häfen: Die Fronten sind verhärtet",
		"Die andere Zeitung: Tarifrunde in den Häfen",
		"Alle Berichte über Häfen",
		"Werften melden Kurzarbeit nach Corona-Krise, 28.04.2020",
		"Lotsen fehlen: Warum Schiffe an der Weser warten …",
		"Die Verhandlungen sollen am 18. März weitergehen, sagte ein Sprecher.",
		"Mehr zum Thema:",
		"Werften an der Küste",
		"Lotsen an der Weser",
		"Die nächste Verhandlungsrunde ist für den 18. März angesetzt, die Gewerkschaft droht mit weiteren Streiks.",
	}
	want := []string{
		"", "link to another article",
		"", // another site's article: a source, not a teaser
		"", // a topic page, not an article
		"teaser link", "teaser link", "",
		"related header", "under a related header", "under a related header", "",
	}
	page2, _ := url.Parse("https://www.nordsee-kurier.example/wirtschaft/hafenstreik-2207.html")
	got := boilerplateReasons(placeParagraphs(doc, texts), page2)
	for i := range texts {
		t.Run(texts[i], func(t *testing.T) {
			if got[i] != want[i] {
				t.Errorf("reason = %q, want %q", got[i], want[i])
			}
		})
	}
}

func TestLocateParagraph(t *testing.T) {
	const page = `<html><head><title>Titel</title></head><body>
<nav class="toc"><a href="#runde">Die nächste Runde</a></nav>
<p>Ein Absatz mit <a href="/x.html">einem Link</a> darin.</p>
<h2 id="runde">Die nächste Runde</h2>
<p>Zweimal: Die nächste Runde</p>
</body></html>`
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	pt := indexPage(doc)
	tests := []struct {
		text     string
		from     int
		found    bool
		tag      string
		linkMore float64 // link share is at least this
		linkLess float64 // and less than this
	}{
		{"Ein Absatz mit einem Link darin.", 0, true, "p", 0.3, 0.5},
		// The heading, not its link in the table of contents before it.
		{"Die nächste Runde", 0, true, "h2", 0, 0.01},
		{"Zweimal: Die  nächste\nRunde", 0, true, "p", 0, 0.01},
		{"Titel", 0, false, "", 0, 1},
		{"Ein Satz, den es nicht gibt.", 0, false, "", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			o, ok := pt.locate(tt.text, tt.from)
			if ok != tt.found {
				t.Fatalf("found = %v, want %v", ok, tt.found)
			}
			if !ok {
				return
			}
			if o.node.Data != tt.tag {
				t.Errorf("found in <%s>, want <%s>", o.node.Data, tt.tag)
			}
			if o.linkShare < tt.linkMore || o.linkShare >= tt.linkLess {
				t.Errorf("link share %.2f, want in [%.2f, %.2f)", o.linkShare, tt.linkMore, tt.linkLess)
			}
		})
	}
}

func TestBoxWords(t *testing.T) {
	tests := []struct {
		tag  string
		want []string
	}{
		{`<div class="TestReport__AuthorBox">`, []string{"div", "test", "report", "author", "box"}},
		{`<section class="c-letters-cta" id="comments">`, []string{"section", "c", "letters", "cta", "comments"}},
		{`<article class="post tag-newsletter category-comments">`, []string{"article", "post"}},
		{`<h2 id="nav_nur_die_folie__1">`, []string{"h2"}},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			doc, err := html.Parse(strings.NewReader("<body>" + tt.tag))
			if err != nil {
				t.Fatal(err)
			}
			n := doc.LastChild.LastChild.FirstChild // html > body > the element
			if got := boxWords(n); !slices.Equal(got, tt.want) {
				t.Errorf("boxWords = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAuthorBio(t *testing.T) {
	tests := []struct {
		text string
		box  []string
		want bool
	}{
		{"Der Autor ist Professor an der Medizinischen Fakultät in München.", []string{"p"}, true},
		{"About the author: Sam Okafor covers the port.", []string{"p"}, true},
		{"Candice Sealey is the Founder & Principal Consultant at Ignite!", []string{"em", "p"}, true},
		{"Felix Stalder ist Professor für Digitale Kultur in Zürich.", []string{"i"}, true},
		// Not set apart, it is the article's last word.
		{"Felix Stalder ist Professor für Digitale Kultur in Zürich.", []string{"p"}, false},
		{"Angela Merkel ist seit 2005 Bundeskanzlerin.", []string{"em", "p"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			p := para{text: tt.text, runes: len([]rune(tt.text)), box: tt.box}
			if got := authorBio(&p); got != tt.want {
				t.Errorf("authorBio = %v, want %v", got, tt.want)
			}
		})
	}
}
