package watchers_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/andybalholm/brotli"
	"golang.org/x/text/encoding/charmap"

	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

// memCache is a Cache in memory.
type memCache struct {
	mu sync.Mutex
	m  map[string]news.Validators
}

func (c *memCache) Validators(_ context.Context, key string) (news.Validators, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key], nil
}

func (c *memCache) SaveValidators(_ context.Context, key string, v news.Validators) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]news.Validators{}
	}
	c.m[key] = v
	return nil
}

// countingWriter counts the body bytes a handler writes.
type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w countingWriter) Write(b []byte) (int, error) {
	w.n.Add(int64(len(b)))
	return w.ResponseWriter.Write(b)
}

const smallFeed = `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Kurier</title>
<item><title>Waffenruhe in Syrien</title><link>/a/1.html</link><guid>k-1</guid></item>
<item><title>Gespräche in Genf</title><link>/a/2.html</link><guid>k-2</guid></item></channel></rss>`

// A source that has not changed costs a 304 and no parsing: the second
// poll by the same watchers gets no body; other readers (a watcher that
// has just begun to read the source), or readers whose last read was not
// recorded to the end, read it in full.
func TestConditionalRequests(t *testing.T) {
	for _, etag := range []bool{true, false} {
		t.Run(fmt.Sprintf("etag=%v", etag), func(t *testing.T) {
			var sent atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if etag {
					w.Header().Set("ETag", `"v1"`)
					if r.Header.Get("If-None-Match") == `"v1"` {
						w.WriteHeader(http.StatusNotModified)
						return
					}
				} else {
					w.Header().Set("Last-Modified", "Mon, 02 Mar 2026 08:00:00 GMT")
					if r.Header.Get("If-Modified-Since") == "Mon, 02 Mar 2026 08:00:00 GMT" {
						w.WriteHeader(http.StatusNotModified)
						return
					}
				}
				countingWriter{w, &sent}.Write([]byte(smallFeed))
			}))
			defer srv.Close()
			f := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20)
			f.Cache = &memCache{}
			src := watchers.Source{Name: "kurier", URL: srv.URL + "/feed"}
			ctx := context.Background()
			never := func(string) bool { return false }

			run := f.NewRun(map[string]string{"kurier": "nahost"})
			if items, err := run.List(ctx, src); err != nil || len(items) != 2 {
				t.Fatalf("first poll: %d items, %v", len(items), err)
			}
			first := sent.Load()
			// Not recorded to the end (a store error): read in full again.
			run.Commit(ctx, func(string) bool { return true })
			run = f.NewRun(map[string]string{"kurier": "nahost"})
			if items, err := run.List(ctx, src); err != nil || len(items) != 2 {
				t.Fatalf("poll after a failed tick: %d items, %v", len(items), err)
			}
			run.Commit(ctx, never)
			before := sent.Load()
			if _, err := f.NewRun(map[string]string{"kurier": "nahost"}).List(ctx, src); !errors.Is(err, watchers.ErrNotModified) {
				t.Errorf("second poll: %v, want ErrNotModified", err)
			}
			if n := sent.Load() - before; n != 0 {
				t.Errorf("the second poll cost %d body bytes (the first %d), want none", n, first)
			}
			if items, err := f.NewRun(map[string]string{"kurier": "macron,nahost"}).List(ctx, src); err != nil || len(items) != 2 {
				t.Errorf("another group's first poll: %d items, %v; want the whole feed", len(items), err)
			}
		})
	}
}

// A server that ignores conditional requests: an unchanged body is
// recognized by its hash and not parsed again.
func TestUnchangedBodySkipped(t *testing.T) {
	body := smallFeed
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Write([]byte(body))
	}))
	defer srv.Close()
	f := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20)
	f.Cache = &memCache{}
	src := watchers.Source{Name: "kurier", URL: srv.URL + "/feed"}
	ctx := context.Background()
	run := f.NewRun(map[string]string{"kurier": "g"})
	run.List(ctx, src)
	run.Commit(ctx, func(string) bool { return false })
	if _, err := f.NewRun(map[string]string{"kurier": "g"}).List(ctx, src); !errors.Is(err, watchers.ErrNotModified) {
		t.Errorf("same body: %v, want ErrNotModified", err)
	}
	mu.Lock()
	body = strings.Replace(smallFeed, "Gespräche in Genf", "Gespräche in Genf vertagt", 1)
	mu.Unlock()
	if items, err := f.NewRun(map[string]string{"kurier": "g"}).List(ctx, src); err != nil || len(items) != 2 || items[1].Title != "Gespräche in Genf vertagt" {
		t.Errorf("changed body: %+v, %v", items, err)
	}
}

// Requests to one host keep the interval between them and the bound on
// connections, however many ask at once.
func TestPerHostPacing(t *testing.T) {
	var mu sync.Mutex
	var starts []time.Time
	var inFlight, most int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		starts = append(starts, time.Now())
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(150 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	f := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20)
	f.HostConns, f.HostInterval = 2, 100*time.Millisecond
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.Get(context.Background(), fmt.Sprintf("%s/%d", srv.URL, i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	// The fetcher spaces the requests' starts by 100 ms; they reach the
	// server later by however long the scheduler takes, which on a busy
	// machine under -race may be tens of milliseconds either way. Without
	// pacing, two of them would arrive together.
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-1]); gap < 60*time.Millisecond {
			t.Errorf("requests %d and %d to one host %v apart, want about 100ms", i-1, i, gap)
		}
	}
	if span := starts[len(starts)-1].Sub(starts[0]); span < 450*time.Millisecond {
		t.Errorf("6 requests to one host within %v, want 5 intervals of 100ms", span)
	}
	if most > 2 {
		t.Errorf("%d requests in flight to one host, want at most 2", most)
	}
}

// A publisher's 429 with Retry-After: no request to that host before
// then, for any URL; the error is one that passes.
func TestRetryAfterObeyed(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	f := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20)
	ctx := context.Background()
	if _, err := f.Get(ctx, srv.URL+"/feed"); err == nil {
		t.Fatal("a 429 is not an error")
	}
	_, err := f.Get(ctx, srv.URL+"/other")
	if !errors.Is(err, watchers.ErrBackOff) || !watchers.Transient(err) || hits.Load() != 1 {
		t.Errorf("request within Retry-After: %v (transient %v), %d requests reached the host; want none", err, watchers.Transient(err), hits.Load())
	}
	time.Sleep(1100 * time.Millisecond)
	if _, err := f.Get(ctx, srv.URL+"/feed"); err != nil {
		t.Errorf("after Retry-After: %v", err)
	}
}

// A server that trickles its body costs at most the timeout.
func TestSlowloris(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		for i := 0; i < 100; i++ {
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-time.After(300 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
	}))
	defer srv.Close()
	f := watchers.NewFetcher(time.Second, "newsbot-test", 1<<20)
	start := time.Now()
	_, err := f.Get(context.Background(), srv.URL)
	if err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("a trickling server: %v after %v, want an error within the 1 s timeout", err, time.Since(start))
	}
}

// A gzip bomb is cut off at max_body after decompression; brotli and gzip
// bodies are read as the text they hold.
func TestCompression(t *testing.T) {
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zero := make([]byte, 1<<20)
	for range 100 { // 100 MB of zeros in about 100 KB
		zw.Write(zero)
	}
	zw.Close()
	var br bytes.Buffer
	bw := brotli.NewWriter(&br)
	bw.Write([]byte(smallFeed))
	bw.Close()
	var gz bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write([]byte(smallFeed))
	gw.Close()
	var accept atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept.Store(r.Header.Get("Accept-Encoding"))
		switch r.URL.Path {
		case "/bomb":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb.Bytes())
		case "/br":
			w.Header().Set("Content-Encoding", "br")
			w.Write(br.Bytes())
		case "/gz":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gz.Bytes())
		}
	}))
	defer srv.Close()
	f := watchers.NewFetcher(10*time.Second, "newsbot-test", 2<<20)
	ctx := context.Background()
	start := time.Now()
	if _, err := f.Get(ctx, srv.URL+"/bomb"); !errors.Is(err, watchers.ErrTooLarge) || time.Since(start) > 5*time.Second {
		t.Errorf("gzip bomb (%d KB): %v after %v, want ErrTooLarge at once", bomb.Len()>>10, err, time.Since(start))
	}
	for _, p := range []string{"/br", "/gz"} {
		resp, err := f.Get(ctx, srv.URL+p)
		if err != nil || string(resp.Body) != smallFeed {
			t.Errorf("%s: %v, %+v", p, err, resp)
		}
	}
	if a, _ := accept.Load().(string); !strings.Contains(a, "br") || !strings.Contains(a, "gzip") {
		t.Errorf("Accept-Encoding %q, want br and gzip", a)
	}
}

// A feed of 10,000 items is read whole.
func TestHugeFeed(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Viel</title>`)
	for i := range 10000 {
		fmt.Fprintf(&b, `<item><title>Meldung %d</title><link>/a/%d.html</link><description>Text %d über Syrien.</description><pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate></item>`, i, i, i)
	}
	b.WriteString(`</channel></rss>`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(b.String())) }))
	defer srv.Close()
	f := watchers.NewFetcher(10*time.Second, "newsbot-test", 32<<20)
	start := time.Now()
	items, err := f.NewRun(nil).List(context.Background(), watchers.Source{Name: "viel", URL: srv.URL})
	if err != nil || len(items) != 10000 {
		t.Fatalf("%d items, %v", len(items), err)
	}
	t.Logf("10,000 items (%d KB) in %v", b.Len()>>10, time.Since(start))
}

// Feeds in Latin-1 or windows-1252, labelled in the header or the XML
// declaration, or UTF-8 mislabelled as Latin-1, come out as the right
// text: never "Ã¤", never U+FFFD.
func TestFeedEncodings(t *testing.T) {
	const title = "Gespräche über Flüchtlinge – „Größe“ zählt"
	latin1, _ := charmap.ISO8859_1.NewEncoder().String(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(title, "–", "-"), "„", `"`), "“", `"`))
	cp1252, _ := charmap.Windows1252.NewEncoder().String(title)
	feed := func(decl, t string) string {
		return `<?xml version="1.0"` + decl + `?><rss version="2.0"><channel><title>K</title><item><title>` + t + `</title><link>/a/1.html</link></item></channel></rss>`
	}
	tests := []struct {
		name, contentType, body, want string
	}{
		{"latin-1 in the header", "application/rss+xml; charset=ISO-8859-1", feed("", latin1), `Gespräche über Flüchtlinge - "Größe" zählt`},
		{"latin-1 in the declaration", "application/rss+xml", feed(` encoding="ISO-8859-1"`, latin1), `Gespräche über Flüchtlinge - "Größe" zählt`},
		{"windows-1252 in the declaration", "text/xml", feed(` encoding="windows-1252"`, cp1252), title},
		{"windows-1252 unlabelled", "text/xml", feed("", cp1252), title},
		{"UTF-8 mislabelled in the header", "application/rss+xml; charset=ISO-8859-1", feed("", title), title},
		{"UTF-8 mislabelled in the declaration", "application/rss+xml", feed(` encoding="ISO-8859-1"`, title), title},
		{"UTF-8", "application/rss+xml; charset=utf-8", feed(` encoding="UTF-8"`, title), title},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			items, err := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20).NewRun(nil).List(context.Background(), watchers.Source{Name: "k", URL: srv.URL})
			if err != nil || len(items) != 1 {
				t.Fatalf("%v, %d items", err, len(items))
			}
			got := items[0].Title
			if got != tt.want || strings.Contains(got, "Ã") || strings.ContainsRune(got, utf8.RuneError) {
				t.Errorf("title %q, want %q", got, tt.want)
			}
		})
	}
}

// Broken feeds give what can be had: the items before a break, items
// without a date (new when first seen), relative links resolved; HTML
// served as a feed is a clear error.
func TestBrokenFeeds(t *testing.T) {
	tests := []struct {
		name  string
		typ   news.SourceType
		body  string
		items []string // titles
		err   string
	}{
		{"truncated", "", `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>
<item><title>Eins</title><link>/a/1.html</link></item>
<item><title>Zwei</title><link>/a/2.html</link></item>
<item><title>Drei</title><link>/a/3`, []string{"Eins", "Zwei"}, ""},
		{"stray ampersand", "", `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>
<item><title>Eins</title><link>/a/1.html</link></item>
<item><title>Krieg & Frieden</title><link>/a/2.html</link></item>
</channel></rss>`, []string{"Eins", "Krieg & Frieden"}, ""}, // gofeed reads past it
		{"truncated atom", "", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>K</title>
<entry><title>Eins</title><link href="/a/1.html"/><id>1</id></entry>
<entry><title>Zwei</title>`, []string{"Eins"}, ""},
		{"odd and missing dates", "", `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>
<item><title>Eins</title><link>/a/1.html</link><pubDate>gestern Abend</pubDate></item>
<item><title>Zwei</title><link>/a/2.html</link><pubDate>2026-03-02T08:00:00+01:00</pubDate></item>
<item><title>Drei</title><link>/a/3.html</link></item>
</channel></rss>`, []string{"Eins", "Zwei", "Drei"}, ""},
		{"duplicate items", "", `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>
<item><title>Eins</title><link>/a/1.html</link><guid>x</guid></item>
<item><title>Eins</title><link>/a/1.html</link><guid>x</guid></item>
</channel></rss>`, []string{"Eins"}, ""},
		{"HTML as a feed", "feed", `<!DOCTYPE html><html><body><p>Kein Feed</p></body></html>`, nil, "not an RSS, Atom or JSON feed"},
		{"nothing to save", "", `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title><item><title>Ei`, nil, "XML syntax error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			items, err := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20).NewRun(nil).List(context.Background(), watchers.Source{Name: "k", URL: srv.URL + "/feed", Type: tt.typ})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "source k") {
					t.Errorf("error %v, want one naming the source and saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, it := range items {
				titles = append(titles, it.Title)
				if !strings.HasPrefix(it.URL, srv.URL+"/a/") {
					t.Errorf("link %q not resolved against the feed", it.URL)
				}
			}
			if strings.Join(titles, "|") != strings.Join(tt.items, "|") {
				t.Errorf("items %q, want %q", titles, tt.items)
			}
			if tt.name == "odd and missing dates" && (!items[0].Published.IsZero() || items[1].Published.IsZero() || !items[2].Published.IsZero()) {
				t.Errorf("dates %v", []time.Time{items[0].Published, items[1].Published, items[2].Published})
			}
		})
	}
}

// listenOn listens on a loopback address other than 127.0.0.1 and counts
// the connections it gets.
func listenOn(t *testing.T, addr string) (string, *atomic.Int64) {
	l, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	var n atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<html><body><article><h1>Intern</h1><p>Geheime Dinge über Syrien, die niemand lesen soll, stehen hier.</p></article></body></html>`))
	}), ConnState: func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String(), &n
}

// A feed's links are fetched only from public addresses, or from the
// host of the source that listed them: a link, or a redirect, to another
// loopback address or to cloud metadata makes no connection there.
func TestLinksToPrivateAddressesRefused(t *testing.T) {
	inner, conns := listenOn(t, "127.0.0.2")
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed":
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>
<item><title>Eins</title><link>%s/geheim.html</link><description>Syrien</description></item>
<item><title>Zwei</title><link>http://169.254.169.254/latest/meta-data/</link><description>Syrien</description></item>
<item><title>Drei</title><link>/umleitung</link><description>Syrien</description></item>
<item><title>Vier</title><link>/artikel.html</link><description>Syrien</description></item>
</channel></rss>`, inner)
		case "/umleitung":
			http.Redirect(w, r, inner+"/geheim.html", http.StatusFound)
		case "/artikel.html":
			w.Write([]byte(`<html><body><article><h1>Vier</h1><p>Die Lage in Syrien bleibt nach Angaben der Vereinten Nationen angespannt, sagen Helfer.</p><p>Hilfsorganisationen fordern seit Wochen einen sicheren Zugang.</p></article></body></html>`))
		}
	}))
	defer site.Close()
	f := watchers.NewFetcher(3*time.Second, "newsbot-test", 1<<20)
	run := f.NewRun(nil)
	ctx := context.Background()
	items, err := run.List(ctx, watchers.Source{Name: "k", URL: site.URL + "/feed"})
	if err != nil || len(items) != 4 {
		t.Fatalf("%d items, %v", len(items), err)
	}
	for _, it := range items[:3] {
		a, err := run.Article(ctx, it)
		if !errors.Is(err, watchers.ErrRefusedAddress) || !a.FromFeed {
			t.Errorf("%s (%s): %v; want refused, and the feed's text", it.Title, it.URL, err)
		}
	}
	if a, err := run.Article(ctx, items[3]); err != nil || a.FromFeed {
		t.Errorf("a link on the source's own host: %v", err)
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("the private address got %d connections, want none", n)
	}
	// The config's own URLs are trusted, and so is a private network
	// when the config says so.
	if _, err := f.Get(ctx, inner+"/geheim.html"); err != nil {
		t.Errorf("a URL from the config: %v", err)
	}
	f2 := watchers.NewFetcher(3*time.Second, "newsbot-test", 1<<20)
	f2.AllowPrivate = true
	if _, err := f2.NewRun(nil).Article(ctx, items[0]); err != nil {
		t.Errorf("with allow_private_networks: %v", err)
	}
}

// robots.txt is honoured for article pages (RFC 9309): a disallowed page
// is not fetched and the feed's text stands in; a robots.txt that fails
// with 5xx disallows all for a while, a missing one allows all; a source
// may opt out for its own URL.
func TestRobots(t *testing.T) {
	for _, prepared := range []bool{false, true} {
		t.Run(fmt.Sprint("prepared=", prepared), func(t *testing.T) { testRobots(t, prepared) })
	}
}

// testRobots runs TestRobots with a Fetcher made as newsbot run makes it
// (prepared for the config's sources) or not.
func testRobots(t *testing.T, prepared bool) {
	var robots atomic.Value
	robots.Store("200")
	var hits sync.Map
	page := `<html><body><article><h1>T</h1><p>Die Lage in Syrien bleibt nach Angaben der Vereinten Nationen angespannt, sagen Helfer.</p></article></body></html>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := hits.LoadOrStore(r.URL.Path, new(atomic.Int64))
		c.(*atomic.Int64).Add(1)
		switch r.URL.Path {
		case "/robots.txt":
			switch robots.Load() {
			case "200":
				w.Write([]byte("User-agent: *\nDisallow: /plus/\n\nUser-agent: newsbot\nDisallow: /privat/\nDisallow: /feeds/\n"))
			case "404":
				http.NotFound(w, r)
			case "500":
				http.Error(w, "down", 500)
			}
		case "/feeds/main.xml":
			w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>
<item><title>Offen</title><link>/offen.html</link><description>Syrien offen</description></item>
<item><title>Privat</title><link>/privat/a.html</link><description>Syrien privat</description></item>
</channel></rss>`))
		default:
			w.Write([]byte(page))
		}
	}))
	defer srv.Close()
	count := func(p string) int64 {
		if c, ok := hits.Load(p); ok {
			return c.(*atomic.Int64).Load()
		}
		return 0
	}
	ctx := context.Background()
	newFetcher := func() *watchers.Fetcher {
		f := watchers.NewFetcher(3*time.Second, "newsbot/1.0 (+https://rr.example/bot)", 1<<20)
		f.Robots = true
		if prepared {
			f.Prepare([]string{srv.URL + "/feeds/main.xml"})
		}
		return f
	}
	f := newFetcher()
	src := watchers.Source{Name: "k", URL: srv.URL + "/feeds/main.xml"}
	if _, err := f.NewRun(nil).List(ctx, src); !errors.Is(err, watchers.ErrRobots) {
		t.Errorf("a source robots.txt disallows: %v, want ErrRobots", err)
	}
	src.NoRobots = true
	run := f.NewRun(nil)
	items, err := run.List(ctx, src)
	if err != nil || len(items) != 2 {
		t.Fatalf("a source that opts out: %d items, %v", len(items), err)
	}
	if _, err := run.Article(ctx, items[0]); err != nil {
		t.Errorf("an allowed page: %v", err)
	}
	a, err := run.Article(ctx, items[1])
	if !errors.Is(err, watchers.ErrRobots) || !a.FromFeed || count("/privat/a.html") != 0 {
		t.Errorf("a disallowed page: %v, fetched %d times; want not fetched, the feed's text", err, count("/privat/a.html"))
	}
	if n := count("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times, want once (cached)", n)
	}
	robots.Store("500")
	f = newFetcher()
	f.NewRun(nil).List(ctx, src) // the source first, as a tick does
	if _, err := f.NewRun(nil).Article(ctx, news.Item{URL: srv.URL + "/offen.html", ListedBy: srv.URL}); !errors.Is(err, watchers.ErrRobotsUnavailable) || !watchers.Transient(err) {
		t.Errorf("robots.txt answering 500: %v, want everything disallowed", err)
	}
	robots.Store("404")
	f = newFetcher()
	f.NewRun(nil).List(ctx, src)
	if _, err := f.NewRun(nil).Article(ctx, news.Item{URL: srv.URL + "/privat/a.html", ListedBy: srv.URL}); err != nil {
		t.Errorf("no robots.txt: %v, want everything allowed", err)
	}
}

// Pages of one site asked for at once wait for one fetch of its
// robots.txt, whether the Fetcher was prepared for the site or not.
func TestRobotsFetchedOncePerSite(t *testing.T) {
	var fetches atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			fetches.Add(1)
			time.Sleep(100 * time.Millisecond)
			w.Write([]byte("User-agent: *\nDisallow: /plus/\n"))
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	for _, prepared := range []bool{false, true} {
		fetches.Store(0)
		f := watchers.NewFetcher(3*time.Second, "newsbot-test", 1<<20)
		f.Robots = true
		if prepared {
			f.Prepare([]string{srv.URL + "/feed.xml"})
		}
		var wg sync.WaitGroup
		var refused atomic.Int64
		for i := range 20 {
			wg.Go(func() {
				path := fmt.Sprintf("/a/%d.html", i)
				if i%2 == 1 {
					path = fmt.Sprintf("/plus/%d.html", i)
				}
				_, err := f.Do(context.Background(), watchers.Request{URL: srv.URL + path, Trusted: true, Robots: true})
				if errors.Is(err, watchers.ErrRobots) {
					refused.Add(1)
				} else if err != nil {
					t.Errorf("prepared=%v: %s: %v", prepared, path, err)
				}
			})
		}
		wg.Wait()
		if fetches.Load() != 1 || refused.Load() != 10 {
			t.Errorf("prepared=%v: robots.txt fetched %d times, %d pages refused; want once, 10", prepared, fetches.Load(), refused.Load())
		}
	}
}

// The exception for a source's own host is for the address it was
// fetched from (any port: the same host), and a connection made under it
// serves no link that another source listed.
func TestSourceHostExceptionIsNarrow(t *testing.T) {
	for _, prepared := range []bool{false, true} {
		t.Run(fmt.Sprint("prepared=", prepared), func(t *testing.T) { testSourceHostException(t, prepared) })
	}
}

func testSourceHostException(t *testing.T, prepared bool) {
	intranet, conns := listenOn(t, "127.0.0.2") // a source in the config, on a private address
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("x")) }))
	defer other.Close()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer site.Close()
	f := watchers.NewFetcher(3*time.Second, "newsbot-test", 1<<20)
	if prepared {
		f.Prepare([]string{intranet + "/", site.URL + "/"})
	}
	ctx := context.Background()
	// Both sources fetched, as a tick does.
	if _, err := f.Get(ctx, intranet+"/"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Get(ctx, site.URL+"/"); err != nil {
		t.Fatal(err)
	}
	run := f.NewRun(nil)
	// The intranet source's own link: allowed, and a connection is kept.
	if _, err := f.Do(ctx, watchers.Request{URL: intranet + "/a.html", ListedBy: intranet + "/"}); err != nil {
		t.Fatalf("a link on the source's own address: %v", err)
	}
	before := conns.Load()
	// The same address, listed by the other source: refused, and no
	// pooled connection carries it there.
	_, err := run.Article(ctx, news.Item{URL: intranet + "/a.html", ListedBy: site.URL + "/feed"})
	if !errors.Is(err, watchers.ErrRefusedAddress) || conns.Load() != before {
		t.Errorf("another source's link to the intranet: %v, %d new connections; want refused, none", err, conns.Load()-before)
	}
	// The source's own host, on another port: the same host, allowed.
	if _, err := run.Article(ctx, news.Item{URL: other.URL + "/b.html", ListedBy: site.URL + "/feed"}); errors.Is(err, watchers.ErrRefusedAddress) {
		t.Errorf("a link to another port of the source's host: %v, want it fetched", err)
	}
}

// UTF-16 feeds, with a byte order mark, are read as any other.
func TestUTF16Feed(t *testing.T) {
	const title = "Gespräche über Flüchtlinge"
	feed := `<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><title>K</title><item><title>` + title + `</title><link>/a/1.html</link></item></channel></rss>`
	for _, order := range []string{"le", "be"} {
		var b []byte
		if order == "le" {
			b = append(b, 0xFF, 0xFE)
		} else {
			b = append(b, 0xFE, 0xFF)
		}
		for _, r := range feed {
			u := uint16(r)
			if order == "le" {
				b = append(b, byte(u), byte(u>>8))
			} else {
				b = append(b, byte(u>>8), byte(u))
			}
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(b) }))
		items, err := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20).NewRun(nil).List(context.Background(), watchers.Source{Name: "k", URL: srv.URL})
		srv.Close()
		if err != nil || len(items) != 1 || items[0].Title != title {
			t.Errorf("UTF-16%s: %+v, %v", strings.ToUpper(order), items, err)
		}
	}
}
