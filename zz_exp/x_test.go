package zz
import ("testing";"fmt";"context";"net/http";"net/http/httptest";"golang.org/x/text/encoding/charmap";"github.com/newsbot/newsbot/watchers")
func TestX(t *testing.T){
 latin, _ := charmap.ISO8859_1.NewEncoder().String(`<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>x</title><item><title>Dürre in Köln</title><link>/a.html</link><description>Bäche</description></item></channel></rss>`)
 bodies := map[string]string{
 "/rss": `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>A &amp; B</title><link>a.html?utm_source=x#f</link><description>&lt;p&gt;Erster Absatz über Syrien.&lt;/p&gt;&lt;p&gt;Zweiter&lt;br&gt;Zeile.&lt;/p&gt;</description><pubDate>Tue, 17 Jun 2025 08:30:00 GMT</pubDate></item></channel></rss>`,
 "/json": `{"version":"https://jsonfeed.org/version/1.1","title":"x","items":[{"id":"1","url":"/j/1.html","title":"J1","content_html":"<p>Hallo <b>Welt</b></p>","summary":"Sum","date_published":"2025-06-17T10:30:00+02:00"}]}`,
 "/rdf": `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="http://x/"><title>x</title><link>http://x/</link><description>d</description></channel><item rdf:about="http://x/r1"><title>R1</title><link>r/1.html</link><description>RD</description><dc:date>2025-06-17T10:30:00+02:00</dc:date></item></rdf:RDF>`,
 "/latin": latin,
 }
 srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request){ if r.URL.Path=="/latin" {w.Header().Set("Content-Type","application/rss+xml")}; fmt.Fprint(w, bodies[r.URL.Path]) }))
 defer srv.Close()
 run := watchers.NewFetcher(0, "t", 1<<20).NewRun()
 for p := range bodies {
  items, err := run.List(context.Background(), watchers.Source{Name: p, URL: srv.URL + p})
  fmt.Println(p, err)
  for _, it := range items { fmt.Printf("  %+v\n", it) }
 }
}
