package watchers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/watchers"
)

// siteBase stands for the test site's address in testdata/site pages.
const siteBase = "http://rr.example"

// sitePage reads a page of testdata/site (see its README) as served at
// siteBase.
func sitePage(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "site", filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.ReplaceAll(string(b), "{{BASE}}", siteBase))
}

// chrome is what testdata/site/README.md lists as never article text, on
// any page: box titles, newsletter, footer, comments, sidebar teasers.
var chrome = []string{
	"Weitere Themen", "Topmeldungen", "Newsletter", "Leserkommentare", "Most read", "More from Europe",
	"Impressum", "Datenschutz", "Legal notice",
	"Rundschau-Morgenbrief", "Ihre E-Mail-Adresse", "Alle Rechte vorbehalten", "English Edition briefing",
	"Streiktag gegen Macrons Rentenpläne", "Die Fernsehansprache aus dem Élysée", "Hilfskonvois rollen nach Syrien",
	"nutzt die IS-Miliz das Machtvakuum", "Low water on the Rhine slows barges", "Macron offers concessions on pension reform",
	"Bundesliga", "Trainerwechsel", "Hanne K.", "m.brenner",
	// navigation, captions, share links
	"Startseite", "Foto: Archiv", "Per E-Mail teilen", "Lastwagen mit Hilfsgütern am Grenzübergang",
	"Sandbänke, wo sonst Wasser fließt", "Fernsehansprache im Élysée-Palast am Dienstagabend", "Flour waiting for distribution",
}

// sitePageWant is what Extract must find on one article page of
// testdata/site.
type sitePageWant struct {
	path      string
	title     string
	teaser    string
	lang      string
	published string
	body0     string   // how the first body paragraph begins
	sentences []string // article text that must be there
	chrome    []string // this page's chrome, besides the common list
}

var sitePageWants = []sitePageWant{
	{
		path:      "/politik/ausland/syrien-waffenruhe-idlib-4711.html",
		title:     "Syrien: Waffenruhe in Idlib – erste Hilfskonvois erreichen den Nordwesten",
		teaser:    "Im Nordwesten von Syrien gilt seit Sonntag eine brüchige Waffenruhe. Hilfsorganisationen hoffen auf sichere Wege in die Provinz Idlib – doch im Osten des Landes nutzen Terrorzellen das Machtvakuum.",
		lang:      "de",
		published: "2025-06-17T10:30:00+02:00",
		body0:     "Die Vereinbarung war in der Nacht zum Sonntag",
		sentences: []string{
			"Ausgenommen sind ausdrücklich Einsätze gegen den „Islamischen Staat“ (IS), dessen Zellen vor allem in der Wüste östlich von Palmyra weiter aktiv sind.",
			"Die humanitäre Krise habe sich durch die jüngsten Kämpfe noch einmal verschärft, teilte ein Sprecher mit.",
			"sagt Dr. Lena Vogt vom Bonner Zentrum für Nahoststudien, die seit mehr als zehn Jahren zu Syrien forscht.",
			"Schon eine Feuerpause, die am 14. März in Kraft getreten war, hielt nicht einmal drei Wochen.",
			"Die IS-Miliz nutze jede Schwächung staatlicher Strukturen, um Kämpfer anzuwerben und Geld zu erpressen, z. B. durch Schutzgelder von Händlern und Schmugglern entlang des Euphrat.",
			"Experten für den politischen Islam warnen seit Langem",
			"Für Donnerstag ist in Genf ein weiteres Treffen der Vermittler angesetzt.",
		},
		chrome: []string{"Macron", "Dürre am Rhein", "Rentenreform", "Quelle: Rheinische Rundschau"},
	},
	{
		path:      "/politik/ausland/macron-reform-rente.html",
		title:     "Frankreich: Macron will Rentenreform nachbessern",
		teaser:    "Nach neuen Streiks geht Emmanuel Macron auf die Gewerkschaften zu. Mütter und Beschäftigte in harten Berufen sollen früher in Rente gehen dürfen, am Rentenalter von 64 Jahren hält der Präsident aber fest.",
		lang:      "de",
		published: "2025-06-11T07:45:00+02:00",
		body0:     "In einer Fernsehansprache am Dienstagabend kündigte Macron an",
		sentences: []string{
			"Der Vorsitzende eines der großen Dachverbände sprach von einem „Trostpflaster“",
			"gehört zu den umstrittensten Vorhaben in Macrons Amtszeit.",
			"Macron selbst sprach von einem „Gebot der Gerechtigkeit“, das sich das Land leisten könne.",
		},
		chrome: []string{"Syrien", "IS-Miliz", "Idlib", "Dürre"},
	},
	{
		path:      "/gesellschaft/hitzesommer-duerre.html",
		title:     "Hitzesommer: Dürre am Rhein – Pegel sinkt, Bauern bangen um die Ernte",
		teaser:    "Seit Wochen hat es in weiten Teilen Deutschlands kaum geregnet. Der Rhein führt so wenig Wasser wie selten im Juni, Landwirte melden erste Ernteausfälle, und mehrere Kreise schränken die Wasserentnahme ein.",
		lang:      "de",
		published: "2025-06-12T16:20:00+02:00",
		body0:     "Am Pegel Kaub wurden am Mittwochmorgen nur noch 78 Zentimeter gemessen.",
		sentences: []string{
			"„So einen Sommer habe ich in dreißig Jahren auf dem Hof nicht erlebt“, sagt ein Landwirt aus Zülpich",
			"Auch der Fußball blieb nicht verschont:",
			"Klimaforscher weisen darauf hin, dass lange Phasen von Hitze und Trockenheit in Mitteleuropa häufiger werden",
		},
		chrome: []string{"Syrien", "Idlib", "Macron", "Rentenreform"},
	},
	{
		path:      "/en/how-rivers-recover.html",
		title:     "How rivers recover when the dams come down",
		teaser:    "When an old dam is removed, a river is not healed overnight. But this is where recovery begins, ecologists say.",
		lang:      "en",
		published: "2025-06-16T09:00:00+02:00",
		body0:     "What returns first is the current.",
		sentences: []string{
			"Is this a crisis for the fish that are left?",
			"If it is given room, it is remarkably good at repairing itself.",
			"and the list of candidates is getting longer.",
		},
		chrome: []string{"Syria", "UN report: aid to Syria still falls short", "Privacy"},
	},
	{
		path:      "/en/un-report-syria-aid.html",
		title:     "UN report: aid to Syria still falls short",
		teaser:    "A new United Nations report finds that aid deliveries to Syria covered barely a third of what was needed last year.",
		lang:      "en",
		published: "2025-06-13T14:10:00+02:00",
		body0:     "Of the roughly four billion dollars",
		sentences: []string{
			"fighters of the Islamic State group (IS) continue to ambush trucks",
			`"We are asking families in Syria to wait for help that may never come,"`,
			"instead of renewing short appeals every few months.",
		},
		chrome: []string{"Macron", "How rivers recover", "Middle East"},
	},
}

func TestExtractSitePages(t *testing.T) {
	for _, tt := range sitePageWants {
		t.Run(strings.TrimSuffix(filepath.Base(tt.path), ".html"), func(t *testing.T) { checkSitePage(t, tt) })
	}
}

// checkSitePage extracts one page of testdata/site and compares it with
// what it should hold.
func checkSitePage(t *testing.T, tt sitePageWant) {
	a, err := watchers.Extract(sitePage(t, tt.path), siteBase+tt.path)
	if err != nil {
		t.Fatal(err)
	}
	if a.URL != siteBase+tt.path {
		t.Errorf("URL = %q, want %q", a.URL, siteBase+tt.path)
	}
	if a.Title != tt.title {
		t.Errorf("Title = %q, want %q", a.Title, tt.title)
	}
	if a.Teaser != tt.teaser {
		t.Errorf("Teaser = %q, want %q", a.Teaser, tt.teaser)
	}
	if a.Lang != tt.lang {
		t.Errorf("Lang = %q, want %q", a.Lang, tt.lang)
	}
	if want, _ := time.Parse(time.RFC3339, tt.published); !a.Published.Equal(want) {
		t.Errorf("Published = %v, want %v", a.Published, want)
	}
	if a.FromFeed {
		t.Error("FromFeed set on an extracted page")
	}
	if len(a.Body) == 0 || !strings.HasPrefix(a.Body[0], tt.body0) {
		t.Errorf("Body should begin %q, after title and teaser; Body = %q", tt.body0, a.Body)
	}
	// Title and teaser stand once, not again in the body.
	for i, p := range a.Body {
		if p == a.Title || p == a.Teaser || strings.Contains(p, a.Teaser) {
			t.Errorf("Body[%d] repeats the title or teaser: %q", i, p)
		}
	}
	text := a.Text()
	for _, s := range tt.sentences {
		if !strings.Contains(text, s) {
			t.Errorf("article text lacks %q", s)
		}
	}
	for _, c := range append(append([]string(nil), chrome...), tt.chrome...) {
		if strings.Contains(text, c) {
			t.Errorf("article text carries chrome %q", c)
		}
	}
	if t.Failed() {
		t.Logf("text:\n%s", text)
	}
}

// rel=canonical names the article's URL only on the page's own host: a
// page cannot claim to be another site's article.
func TestExtractCanonical(t *testing.T) {
	const path = "/politik/ausland/syrien-waffenruhe-idlib-4711.html"
	syria := sitePage(t, path) // canonical: http://rr.example/politik/ausland/syrien-waffenruhe-idlib-4711.html
	withCanonical := func(href string) []byte {
		return []byte(strings.Replace(string(syria), `href="`+siteBase+path+`"`, `href="`+href+`"`, 1))
	}
	tests := []struct {
		name string
		body []byte
		page string
		want string
	}{
		{"same host, tracking in the page URL", syria, siteBase + path + "?utm_source=newsletter&utm_medium=email", siteBase + path},
		{"same host, other path (an AMP or print page)", syria, siteBase + "/amp/4711.html", siteBase + path},
		{"same host in other case and default port", syria, "http://RR.Example:80/druck/4711.html", siteBase + path},
		{"another host", syria, "http://mirror.example/kopie/4711.html?ref=x", "http://mirror.example/kopie/4711.html?ref=x"},
		{"another host, tracking dropped", syria, "http://mirror.example/kopie/4711.html?utm_source=x#top", "http://mirror.example/kopie/4711.html"},
		{"relative canonical", withCanonical("/politik/4711.html"), siteBase + "/amp/4711.html", siteBase + "/politik/4711.html"},
		{"canonical with tracking", withCanonical(siteBase + path + "?utm_campaign=x"), siteBase + "/amp/4711.html", siteBase + path},
		{"canonical to another site", withCanonical("https://evil.example/fake.html"), siteBase + path, siteBase + path},
		{"canonical not http", withCanonical("javascript:alert(1)"), siteBase + path, siteBase + path},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := watchers.Extract(tt.body, tt.page)
			if err != nil {
				t.Fatal(err)
			}
			if a.URL != tt.want {
				t.Errorf("Extract at %s: URL = %q, want %q", tt.page, a.URL, tt.want)
			}
		})
	}
}

func TestExtractNoText(t *testing.T) {
	pages := map[string]string{
		"empty":    "",
		"nav only": `<html><body><nav><a href="/">Startseite</a> <a href="/politik/">Politik</a></nav><footer>Impressum</footer></body></html>`,
	}
	for name, body := range pages {
		t.Run(name, func(t *testing.T) {
			a, err := watchers.Extract([]byte(body), siteBase+"/leer.html")
			if err == nil || a != nil {
				t.Errorf("Extract = %+v, %v; want no article and an error", a, err)
			}
			if err != nil && !strings.Contains(err.Error(), siteBase+"/leer.html") {
				t.Errorf("error %q does not name the page", err)
			}
		})
	}
}
