package testenv

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// NewsSite serves a feed of n articles that all mention Syrien, each on
// its own page.
func NewsSite(t *testing.T, n int) *httptest.Server {
	mux := http.NewServeMux()
	var feed strings.Builder
	feed.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Crash-Kurier</title><language>de</language>`)
	for i := range n {
		fmt.Fprintf(&feed, `<item><title>Meldung %d aus Syrien</title><link>{{BASE}}/artikel/%d.html</link><guid>crash-%d</guid></item>`, i, i, i)
		body := fmt.Sprintf(`<!DOCTYPE html><html lang="de"><head><title>Meldung %[1]d aus Syrien</title></head><body>
<nav><a href="/">Start</a> <a href="/politik/">Politik</a></nav>
<article><h1>Meldung %[1]d aus Syrien</h1>
<p>Die Lage in Syrien bleibt angespannt, berichtet unser Korrespondent in der Meldung Nummer %[1]d.</p>
<p>%[2]s</p><p>%[3]s</p>
</article><footer>Impressum</footer></body></html>`, i, Prose(i, 0), Prose(i, 1))
		mux.HandleFunc(fmt.Sprintf("/artikel/%d.html", i), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(body))
		})
	}
	feed.WriteString(`</channel></rss>`)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	xml := strings.ReplaceAll(feed.String(), "{{BASE}}", srv.URL)
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(xml))
	})
	return srv
}

// Prose is a few sentences of words drawn for article i, so that no two
// articles of a test site tell the same story or report the same event
// (package story would fold them into one): common words, and names made
// up for the article.
func Prose(i, para int) string {
	words := strings.Fields("Regierung Gespräche Hilfe Grenze Lager Menschen Wochen Nachricht Bericht Bewohner " +
		"Stadt Dorf Straße Brücke Winter Sommer Wasser Strom Ärzte Schulen Kinder Familien Händler Preise")
	syllables := strings.Fields("ka lo mi ra te su no be da fi go hu ja ke lu ma ni po re si to vu wa ze")
	r := rand.New(rand.NewPCG(uint64(i), uint64(para)))
	name := func() string {
		var b strings.Builder
		for range 3 + r.IntN(2) {
			b.WriteString(syllables[r.IntN(len(syllables))])
		}
		return strings.ToUpper(b.String()[:1]) + b.String()[1:]
	}
	var b strings.Builder
	for range 3 {
		b.WriteString("Die")
		for range 10 + r.IntN(6) {
			if r.IntN(5) == 0 {
				b.WriteString(" " + words[r.IntN(len(words))])
			} else {
				b.WriteString(" " + name())
			}
		}
		b.WriteString(" bleiben wichtig. ")
	}
	return strings.TrimSpace(b.String())
}
