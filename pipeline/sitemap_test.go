package pipeline_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/internal/testenv"
)

// sitemapArticles are articles of a news site, each on its own event.
var sitemapArticles = map[string][2]string{
	"/politik/idlib.html": {"Waffenruhe in Idlib hält seit Sonntag",
		"Im Nordwesten von Syrien hält die Waffenruhe seit Sonntag. Hilfskonvois der Vereinten Nationen erreichten am Montag die Provinz Idlib. Die Helfer brachten Lebensmittel, Decken und Medikamente in die Lager an der türkischen Grenze. Dort leben seit Jahren Hunderttausende Menschen in Zelten."},
	"/politik/damaskus.html": {"Botschaften öffnen wieder in Damaskus",
		"Mehrere europäische Staaten wollen ihre Botschaften in der syrischen Hauptstadt wieder öffnen. Das Auswärtige Amt prüft nach eigenen Angaben, ob Diplomaten nach Syrien zurückkehren können. Zuerst sollen Konsularbeamte die Lage vor Ort erkunden, hieß es in Berlin."},
	"/welt/genf.html": {"Gespräche in Genf über eine Verfassung",
		"In Genf beraten Vertreter der Regierung und der Opposition über eine neue Verfassung für Syrien. Der Sondergesandte der Vereinten Nationen sprach von einem schwierigen Beginn. Beide Seiten hätten sich aber auf einen Zeitplan für weitere Runden geeinigt."},
	"/welt/euphrat.html": {"Dürre am Euphrat bedroht die Ernte",
		"Im Osten von Syrien führt der Euphrat so wenig Wasser wie seit Jahrzehnten nicht. Bauern berichten von vertrockneten Feldern, die Weizenernte dürfte um die Hälfte geringer ausfallen. Hilfsorganisationen warnen vor einer Hungerkrise im kommenden Winter."},
	"/welt/aleppo.html": {"Aleppo baut seine Altstadt wieder auf",
		"In der Altstadt von Aleppo haben Handwerker mit dem Wiederaufbau des überdachten Marktes begonnen. Die Arbeiten werden von einer Stiftung bezahlt und sollen drei Jahre dauern. Viele Händler hoffen, ihre Läden bald wieder öffnen zu können, sagte ein Sprecher in Syrien."},
}

// A news sitemap index of three news sitemaps (one gzipped) is a source:
// each article is alerted once across checks, one listed by two of the
// sitemaps too, and an article added later is alerted at the check after.
func TestSitemapIndexAlertsEachArticleOnce(t *testing.T) {
	var mu sync.Mutex
	docs := map[string][]byte{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		body, ok := docs[r.URL.Path]
		mu.Unlock()
		if a, isArticle := sitemapArticles[r.URL.Path]; isArticle {
			fmt.Fprintf(w, `<!DOCTYPE html><html lang="de"><head><title>%s</title></head><body><nav><a href="/">Start</a></nav><article><h1>%s</h1><p>%s</p><p>%s</p></article></body></html>`, a[0], a[0], a[1], a[1])
			return
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	sitemap := func(paths ...string) string {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">`)
		for i, p := range paths {
			fmt.Fprintf(&b, `<url><loc>%s%s</loc><news:news><news:publication><news:name>Rundschau</news:name><news:language>de</news:language></news:publication><news:publication_date>%s</news:publication_date><news:title>%s</news:title></news:news></url>`,
				srv.URL, p, time.Now().Add(-time.Duration(i+1)*time.Hour).UTC().Format(time.RFC3339), sitemapArticles[p][0])
		}
		b.WriteString(`</urlset>`)
		return b.String()
	}
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write([]byte(sitemap("/welt/euphrat.html")))
	zw.Close()
	mu.Lock()
	docs["/sitemap-news.xml"] = []byte(`<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>` + srv.URL + `/news-politik.xml</loc></sitemap>
<sitemap><loc>` + srv.URL + `/news-welt.xml</loc></sitemap>
<sitemap><loc>` + srv.URL + `/news-wissen.xml.gz</loc></sitemap>
</sitemapindex>`)
	docs["/news-politik.xml"] = []byte(sitemap("/politik/idlib.html", "/politik/damaskus.html"))
	docs["/news-welt.xml"] = []byte(sitemap("/welt/genf.html", "/politik/idlib.html"))
	docs["/news-wissen.xml.gz"] = zipped.Bytes()
	mu.Unlock()

	e := testenv.Bare(t, fmt.Sprintf(`
sources:
  - {name: rundschau, url: "%s/sitemap-news.xml", type: sitemap}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [rundschau], keywords: [Syrien]}
`, srv.URL))
	titles := func() map[string]int {
		n := map[string]int{}
		for _, m := range e.Slack.Messages() {
			for _, a := range sitemapArticles {
				if strings.Contains(m.Text, a[0]) {
					n[a[0]]++
				}
			}
		}
		return n
	}
	out := e.Once()
	got := titles()
	for _, p := range []string{"/politik/idlib.html", "/politik/damaskus.html", "/welt/genf.html", "/welt/euphrat.html"} {
		if got[sitemapArticles[p][0]] != 1 {
			t.Errorf("%s alerted %d times at the first check, want once\n%s", p, got[sitemapArticles[p][0]], out)
		}
	}
	if len(e.Slack.Messages()) != 4 {
		t.Errorf("%d alerts at the first check, want 4", len(e.Slack.Messages()))
	}

	e.Once()
	if n := len(e.Slack.Messages()); n != 4 {
		t.Errorf("%d alerts after a second check with nothing new, want 4", n)
	}

	mu.Lock()
	docs["/news-welt.xml"] = []byte(sitemap("/welt/aleppo.html", "/welt/genf.html", "/politik/idlib.html"))
	mu.Unlock()
	out = e.Once()
	got = titles()
	if got[sitemapArticles["/welt/aleppo.html"][0]] != 1 || len(e.Slack.Messages()) != 5 {
		t.Errorf("after an article was added: %v (%d alerts), want Aleppo once more\n%s", got, len(e.Slack.Messages()), out)
	}
}
