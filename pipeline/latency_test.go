package pipeline_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/newsbot/newsbot/internal/testenv"
)

// Each alert records its latency: from its item's date in the feed to
// its post.
func TestAlertRecordsItsLatency(t *testing.T) {
	published := time.Now().Add(-90 * time.Second).UTC()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>R</title>
<item><title>Waffenruhe in Syrien hält</title><link>http://%s/a.html</link><pubDate>%s</pubDate></item>
<item><title>Syrien: ohne Datum</title><link>http://%s/b.html</link></item>
</channel></rss>`, r.Host, published.Format(time.RFC1123Z), r.Host)
		default:
			fmt.Fprint(w, `<html lang="de"><body><article><h1>Syrien</h1><p>In Syrien hält die Waffenruhe seit Sonntag, sagen Helfer der Vereinten Nationen in der Provinz Idlib.</p></article></body></html>`)
		}
	}))
	defer srv.Close()
	e := testenv.Bare(t, fmt.Sprintf(`
sources: [{name: r, url: "%s/feed.xml"}]
watchers: [{name: syrien, schedule: "@hourly", sources: [r], keywords: [Syrien]}]
`, srv.URL))
	start := time.Now()
	e.Once()
	took := time.Since(start)
	rows, err := e.Store().Query(`SELECT url, latency_ms FROM alerts ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]sql.NullInt64{}
	for rows.Next() {
		var url string
		var ms sql.NullInt64
		if err := rows.Scan(&url, &ms); err != nil {
			t.Fatal(err)
		}
		got[url[len(url)-6:]] = ms
	}
	dated, undated := got["a.html"], got["b.html"]
	low, high := 89*time.Second, 92*time.Second+took
	if l := time.Duration(dated.Int64) * time.Millisecond; !dated.Valid || l < low || l > high {
		t.Errorf("the dated item's latency: %v (valid %v), want between %v and %v", l, dated.Valid, low, high)
	}
	// The page has no date either: no latency to tell.
	if undated.Valid {
		t.Errorf("the undated item's latency: %d ms, want none", undated.Int64)
	}
	if len(got) != 2 {
		t.Errorf("%d alerts, want 2: %v", len(got), got)
	}
}
