package app

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/internal/fakeslack"
)

// BenchmarkLatency measures the time from an article's publication on a
// local news site to its alert's post in a fake Slack, for the three
// ways newsbot learns of it: polling a feed that publishes every 2 s
// (adaptive polling; polling.fastest lowered to 1 s, as a test may:
// in use it is 1 minute or more, and a polled item waits about half the
// interval), polling a news sitemap the same way, and a WebSub push.
//
//	go test ./app -run X -bench Latency -benchtime 20x
func BenchmarkLatency(b *testing.B) {
	b.Setenv(config.MinIntervalEnv, "1s")
	var mu sync.Mutex
	published := map[string]time.Time{} // article path → when it appeared
	var feedItems, sitemapItems []string
	var site *httptest.Server
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		form := r.PostForm
		w.WriteHeader(http.StatusAccepted)
		go func() {
			q := "?hub.mode=" + form.Get("hub.mode") + "&hub.topic=" + form.Get("hub.topic") + "&hub.challenge=c&hub.lease_seconds=3600"
			if resp, err := http.Get(form.Get("hub.callback") + q); err == nil {
				resp.Body.Close()
			}
			mu.Lock()
			hubSub = form
			mu.Unlock()
		}()
	}))
	defer hub.Close()
	now := time.Now()
	for i := range 20 { // a history: one item every 2 s
		at := now.Add(-time.Duration(40-2*i) * time.Second)
		feedItems = append([]string{rssItem(fmt.Sprintf("/feed/old%d.html", i), at)}, feedItems...)
		sitemapItems = append([]string{sitemapURL(fmt.Sprintf("/sitemap/old%d.html", i), at)}, sitemapItems...)
	}
	site = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		base := "http://" + r.Host
		switch r.URL.Path {
		case "/feed.xml":
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Ticker</title>%s</channel></rss>`, strings.ReplaceAll(strings.Join(feedItems, ""), "{{BASE}}", base))
		case "/pushed.xml":
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>P</title><atom:link rel="hub" href="%s/"/><atom:link rel="self" href="%s/pushed.xml"/></channel></rss>`, hub.URL, base)
		case "/sitemap.xml":
			fmt.Fprintf(w, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">%s</urlset>`, strings.ReplaceAll(strings.Join(sitemapItems, ""), "{{BASE}}", base))
		default:
			fmt.Fprint(w, `<html lang="de"><body><article><h1>Syrien</h1><p>In Syrien beginnen neue Gespräche, sagen Diplomaten der Vereinten Nationen am Montag in Genf.</p></article></body></html>`)
		}
	}))
	defer site.Close()
	slack := fakeslack.New(b)
	listen := freePort(b)
	dir := b.TempDir()
	path := filepath.Join(dir, "config.yaml")
	os.WriteFile(path, fmt.Appendf(nil, `
storage: %s
first_run: skip
polling: {fastest: 1s}
slack: {token: xoxb-t, api_url: %q, channel: "#news", pace: 1ms}
http: {host_interval: 0s, allow_private_networks: true, listen: %q}
websub: {callback_url: "http://%s/websub"}
sources:
  - {name: ticker, url: "%s/feed.xml"}
  - {name: sitemap, url: "%s/sitemap.xml", type: sitemap}
  - {name: pushed, url: "%s/pushed.xml"}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [ticker, sitemap, pushed], keywords: [Syrien]}
`, filepath.Join(dir, "n.db"), slack.APIURL(), listen, listen, site.URL, site.URL, site.URL), 0o644)
	d := &Daemon{Path: path, Options: Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, Stderr: io.Discard}
	runDaemon(b, d)
	waitForB(b, "the WebSub subscription", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return hubSub != nil
	})
	posted := func(p string) bool {
		for _, m := range slack.Messages() {
			if strings.Contains(m.Text, p) {
				return true
			}
		}
		return false
	}
	for _, way := range []string{"feed", "sitemap", "push"} {
		b.Run(way, func(b *testing.B) {
			var took []time.Duration
			for i := range b.N {
				p := fmt.Sprintf("/%s/new%d.html", way, i)
				mu.Lock()
				at := time.Now()
				published[p] = at
				switch way {
				case "feed":
					feedItems = append([]string{rssItem(p, at)}, feedItems...)
				case "sitemap":
					sitemapItems = append([]string{sitemapURL(p, at)}, sitemapItems...)
				}
				sub := hubSub
				mu.Unlock()
				if way == "push" {
					body := fmt.Sprintf(`<?xml version="1.0"?><rss version="2.0"><channel><title>P</title>%s</channel></rss>`, strings.ReplaceAll(rssItem(p, at), "{{BASE}}", site.URL))
					push(b, sub.Get("hub.callback"), sub.Get("hub.secret"), body)
				}
				waitForB(b, "the alert of "+p, func() bool { return posted(p) })
				took = append(took, time.Since(at))
				// A site that publishes every 2 s or so: the next article
				// comes at any moment of newsbot's looks.
				time.Sleep(2*time.Second + rand.N(time.Second))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Milliseconds()), "p50-ms")
			b.ReportMetric(float64(took[len(took)-1].Milliseconds()), "max-ms")
		})
	}
}

var hubSub url.Values

func rssItem(p string, at time.Time) string {
	return fmt.Sprintf(`<item><title>Syrien %s</title><link>{{BASE}}%s</link><guid>%s</guid><pubDate>%s</pubDate></item>`, p, p, p, at.UTC().Format(time.RFC1123Z))
}

func sitemapURL(p string, at time.Time) string {
	return fmt.Sprintf(`<url><loc>{{BASE}}%s</loc><news:news><news:publication><news:name>R</news:name><news:language>de</news:language></news:publication><news:publication_date>%s</news:publication_date><news:title>Syrien %s</news:title></news:news></url>`,
		p, at.UTC().Format(time.RFC3339), p)
}

func waitForB(b *testing.B, what string, cond func() bool) {
	b.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
