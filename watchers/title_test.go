package watchers

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

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

func TestArticleTitle(t *testing.T) {
	tests := []struct {
		name, head, body, page, want string
	}{
		{"site name after a bar", `<title>Waffenruhe in Idlib | Rheinische Rundschau</title><meta property="og:site_name" content="Rheinische Rundschau">`, ``,
			"https://rr.example/a.html", "Waffenruhe in Idlib"},
		{"host's name after a dash", `<title>Apple kippt Verschlüsselungspläne für iCloud - mobilsicher.de</title>`, ``,
			"https://mobilsicher.de/aktuelles/icloud", "Apple kippt Verschlüsselungspläne für iCloud"},
		{"host's name in capitals after an en dash", `<title>Irme Stetter-Karp ist neue ZdK-Präsidentin – DOMRADIO.DE</title>`, ``,
			"https://www.domradio.de/themen/zdk", "Irme Stetter-Karp ist neue ZdK-Präsidentin"},
		{"site name before a colon", `<title>Rheinische Rundschau: Waffenruhe in Idlib</title><meta property="og:site_name" content="Rheinische Rundschau">`, ``,
			"https://rr.example/a.html", "Waffenruhe in Idlib"},
		{"site name after a colon", `<title>Waffenruhe in Idlib: Rheinische Rundschau</title><meta property="og:site_name" content="Rheinische Rundschau">`, ``,
			"https://rr.example/a.html", "Waffenruhe in Idlib"},
		{"a kicker before a colon stays", `<title>Syrien: Waffenruhe in Idlib | Rheinische Rundschau</title><meta property="og:site_name" content="Rheinische Rundschau">`, ``,
			"https://rr.example/a.html", "Syrien: Waffenruhe in Idlib"},
		{"og:title a kicker, <title> none", `<meta property="og:title" content="Syrien: Waffenruhe in Idlib"><title>Waffenruhe in Idlib | Rheinische Rundschau</title>`, ``,
			"https://rr.example/a.html", "Syrien: Waffenruhe in Idlib"},
		{"a section before the site name stays", `<title>Maskenpflicht im Gericht | Recht | Haufe</title>`, ``,
			"https://www.haufe.de/recht/masken.html", "Maskenpflicht im Gericht | Recht"},
		{"the <title>'s repeated part", `<meta property="og:title" content="Waffenruhe in Idlib"><title>Waffenruhe in Idlib · Das Blatt vom Rhein</title>`, ``,
			"https://rr.example/a.html", "Waffenruhe in Idlib"},
		{"og:title and <title> name the site each their way", `<meta property="og:title" content="NWX Magazin | Vertrauen hilft gegen digitalen Stress"><title>Vertrauen hilft gegen digitalen Stress - NEW WORK Experience</title>`, ``,
			"https://nwx.new-work.se/themen/stress", "Vertrauen hilft gegen digitalen Stress"},
		{"a subline is not a name", `<meta property="og:title" content="Parlament vertagt Votum - wie geht es jetzt weiter?"><title>Parlament vertagt Votum | Zeitung</title>`, ``,
			"https://zeitung.example/brexit.html", "Parlament vertagt Votum - wie geht es jetzt weiter?"},
		{"an h1 of Menu gives way to the <title>", `<title>Was ist der Unterschied zwischen privaten und staatlichen Geheimdiensten? – DOBSZAY</title>`, `<h1>Menu</h1>`,
			"https://dobszay.example/geheimdienste", "Was ist der Unterschied zwischen privaten und staatlichen Geheimdiensten?"},
		{"an og:title of Startseite gives way", `<meta property="og:title" content="Startseite"><title>Hitzesommer: Dürre am Rhein | Rheinische Rundschau</title>`, `<h1>Hitzesommer: Dürre am Rhein</h1>`,
			"https://rr.example/a.html", "Hitzesommer: Dürre am Rhein"},
		{"the publisher's name alone gives way", `<meta property="og:title" content="L-Mag"><title>L-Mag</title>`, `<h1>Holocaust-Gedenktag: Lesbische Erinnerungskultur</h1>`,
			"https://www.l-mag.de/news-1010/gedenktag.html", "Holocaust-Gedenktag: Lesbische Erinnerungskultur"},
		{"the site's logo as h1 gives way to the <title>", `<title>Vegetarier zu sein. Bedarf oder Trend? | Ethify</title>`, `<h1><a href="/">Ethify</a></h1>`,
			"https://ethify.org/content/vegetarier", "Vegetarier zu sein. Bedarf oder Trend?"},
		{"a date and a two-letter host name after bars", `<title>Berlin confronts Germany's colonial past | DW | 19.01.2020</title>`, ``,
			"https://www.dw.com/en/colonial/a-52047893", "Berlin confronts Germany's colonial past"},
		{"a date before a bar", `<title>08.11.2021 | Online-Fachtag zum Intersex Day of Remembrance</title>`, ``,
			"https://www.regenbogenportal.de/aktuelles/fachtag", "Online-Fachtag zum Intersex Day of Remembrance"},
		{"a date range stays whole", `<title>Wochenbericht 14. - 20. Januar 2022 - SLF</title>`, ``,
			"https://www.slf.ch/de/wochenbericht.html", "Wochenbericht 14. - 20. Januar 2022"},
		{"a number at the headline's end is no date", `<title>Enterprise 2.0 | HR Innovation</title><meta property="og:site_name" content="HR Innovation">`, ``,
			"https://hr-innovation.example/enterprise", "Enterprise 2.0"},
		{"Home and the host's name give nothing", `<title>Home</title>`, `<h1>rr.example</h1>`,
			"https://rr.example/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := "<html><head>" + tt.head + "</head><body>" + tt.body + "</body></html>"
			doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
			if err != nil {
				t.Fatal(err)
			}
			if got := readMeta(doc, tt.page).title; got != tt.want {
				t.Errorf("title = %q, want %q", got, tt.want)
			}
		})
	}
}
