package pipeline_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsbot/newsbot/internal/testenv"
)

// A publisher that answers conditional requests: newsbot's second check
// of an unchanged feed is a 304 that costs nothing; an article that failed
// with a 503 is tried again on that check all the same; a changed feed is
// read again.
func TestConditionalChecks(t *testing.T) {
	var mu sync.Mutex
	version, items := 1, 1
	var notModified, pageHits atomic.Int64
	pageDown := true
	article := func(i int) string {
		return fmt.Sprintf(`<!DOCTYPE html><html lang="de"><head><title>Meldung %[1]d</title></head><body><article><h1>Meldung %[1]d aus Syrien</h1>
<p>Die Lage in Syrien bleibt nach Angaben der Vereinten Nationen angespannt, berichtet unser Korrespondent in Meldung %[1]d.</p>
<p>Hilfsorganisationen fordern seit Wochen einen sicheren Zugang zu den betroffenen Regionen im Norden des Landes.</p></article></body></html>`, i)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/feed.xml" {
			etag := fmt.Sprintf(`"v%d"`, version)
			w.Header().Set("ETag", etag)
			if r.Header.Get("If-None-Match") == etag {
				notModified.Add(1)
				w.WriteHeader(http.StatusNotModified)
				return
			}
			var b strings.Builder
			b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>`)
			for i := 1; i <= items; i++ {
				fmt.Fprintf(&b, `<item><title>Meldung %d aus Syrien</title><link>/a/%d.html</link><description>Meldung %d</description></item>`, i, i, i)
			}
			b.WriteString(`</channel></rss>`)
			w.Write([]byte(b.String()))
			return
		}
		if r.URL.Path == "/a/1.html" {
			pageHits.Add(1)
			if pageDown {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
		}
		var i int
		fmt.Sscanf(r.URL.Path, "/a/%d.html", &i)
		w.Write([]byte(article(i)))
	}))
	defer srv.Close()
	e := testenv.Bare(t, fmt.Sprintf(`
sources:
  - {name: kurier, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [kurier], keywords: [Syrien]}
`, srv.URL+"/feed.xml"))
	slack := e.Slack

	out := e.Once()
	if n := len(slack.Messages()); n != 0 || !strings.Contains(out, "will try again") {
		t.Fatalf("while the page answers 503: %d alerts\n%s", n, out)
	}
	mu.Lock()
	pageDown = false
	mu.Unlock()
	out = e.Once()
	if notModified.Load() != 1 {
		t.Errorf("the second check made %d conditional hits, want a 304\n%s", notModified.Load(), out)
	}
	if msgs := slack.Messages(); len(msgs) != 1 || !strings.Contains(msgs[0].BlockText(), "Die Lage in *Syrien* bleibt") {
		t.Errorf("the held-back article should be alerted from its page on the 304 check: %d alerts\n%s\n%+v", len(msgs), out, msgs)
	}
	out = e.Once()
	if notModified.Load() != 2 || len(slack.Messages()) != 1 || strings.Contains(out, "error") && !strings.Contains(out, "0 errors") {
		t.Errorf("an unchanged feed: %d 304s, %d alerts\n%s", notModified.Load(), len(slack.Messages()), out)
	}
	mu.Lock()
	version, items = 2, 2
	mu.Unlock()
	e.Once()
	if msgs := slack.Messages(); len(msgs) != 2 || !strings.Contains(msgs[1].Text, "Meldung 2 aus Syrien") {
		t.Errorf("a changed feed: %d alerts, want the new one", len(msgs))
	}
}

// A watcher that begins to read a source the others have read for a
// while reads it in full: with first_run: skip it records what is there
// (no 304 passes for "nothing new"), and then alerts on new items only.
func TestNewReaderOfASource(t *testing.T) {
	var mu sync.Mutex
	items := 2
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		etag := fmt.Sprintf(`"v%d"`, items)
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>`)
		for i := 1; i <= items; i++ {
			fmt.Fprintf(&b, `<item><title>Meldung %d aus Syrien</title><link>/a/%d.html</link><description>Syrien, Meldung %d</description></item>`, i, i, i)
		}
		b.WriteString(`</channel></rss>`)
		w.Write([]byte(b.String()))
	}))
	defer srv.Close()
	e := testenv.Bare(t, fmt.Sprintf(`
first_run: skip
sources:
  - {name: kurier, url: %q}
watchers:
  - {name: b, schedule: "@hourly", sources: [kurier], keywords: [Syrien]}
`, srv.URL+"/feed.xml"))
	slack := e.Slack
	e.Once()
	e.Once() // b: a 304
	e.Edit("keywords: [Syrien]}\n", "keywords: [Syrien]}\n"+`  - {name: a, schedule: "@hourly", sources: [kurier], keywords: [Syrien]}
`)
	out := e.Once()
	if n := len(slack.Messages()); n != 0 || !strings.Contains(out, "recorded without alerts") {
		t.Fatalf("a new watcher with first_run: skip alerted %d times, or did not record the source\n%s", n, out)
	}
	mu.Lock()
	items = 3
	mu.Unlock()
	e.Once()
	var got []string
	for _, m := range slack.Messages() {
		got = append(got, m.Text)
	}
	if len(got) != 2 || !strings.Contains(got[0], "/a/3.html") || !strings.Contains(got[1], "/a/3.html") {
		t.Errorf("after one new item: %q; want it alerted once by each watcher, nothing old", got)
	}
}

// A feed that suddenly lists many new items (an archive, a CMS gone
// wrong) is worked off max_items a check, the newest first, and the line
// says what was left; nothing is lost, though the feed answers 304 to a
// conditional request: a source not read to the end is read in full.
func TestMaxItemsPerCheck(t *testing.T) {
	const n, max = 25, 10
	site := testenv.NewsSite(t, n)
	base := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	var full, notModified atomic.Int64
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed.xml" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>K</title><language>de</language>`)
		for i := range n { // oldest first
			fmt.Fprintf(&b, `<item><title>Meldung %d aus Syrien</title><link>%s/artikel/%d.html</link><pubDate>%s</pubDate></item>`,
				i, site.URL, i, base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
		}
		b.WriteString(`</channel></rss>`)
		w.Write([]byte(b.String()))
	}))
	defer feed.Close()
	e := testenv.Bare(t, fmt.Sprintf(`
max_items: %d
sources:
  - {name: kurier, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [kurier], keywords: [Syrien]}
`, max, feed.URL+"/feed.xml"))

	out := e.Once()
	msgs := e.Slack.Messages()
	if len(msgs) != max || !strings.Contains(out, fmt.Sprintf("%d new items (%d left for the next checks: max_items)", max, n-max)) {
		t.Fatalf("first check: %d alerts, want %d and the rest said left\n%s", len(msgs), max, out)
	}
	for _, m := range msgs {
		var i int
		fmt.Sscanf(m.Text[strings.Index(m.Text, "Meldung"):], "Meldung %d", &i)
		if i < n-max {
			t.Errorf("the first check alerted Meldung %d, not one of the %d newest", i, max)
		}
	}
	if !strings.Contains(out, "source lists more new items than a check takes") {
		t.Errorf("the log does not say items were left:\n%s", out)
	}
	e.Once()
	out = e.Once()
	if full.Load() != 3 || !strings.Contains(out, fmt.Sprintf("%d new items, ", n-2*max)) {
		t.Errorf("%d full reads; the third check: %s", full.Load(), out)
	}
	e.Once()
	if notModified.Load() != 1 {
		t.Errorf("once all were taken, the feed was read in full again (%d 304s)", notModified.Load())
	}
	seen := map[string]int{}
	for _, m := range e.Slack.Messages() {
		seen[m.Text]++
	}
	if len(seen) != n || len(e.Slack.Messages()) != n {
		t.Errorf("%d alerts of %d distinct items, want each of the %d once", len(e.Slack.Messages()), len(seen), n)
	}
}

// A cron job's next newsbot once asks no site for its robots.txt again:
// it is kept in the store until it expires.
func TestOnceKeepsRobots(t *testing.T) {
	e := testenv.New(t, "skip", "xoxb-test-token")
	e.Once()
	first := e.Site.Hits("/robots.txt")
	if first == 0 {
		t.Fatal("the first run asked no robots.txt: the test site is not asked as a real one would be")
	}
	e.Once()
	e.Once()
	if n := e.Site.Hits("/robots.txt"); n != first {
		t.Errorf("the next runs asked for robots.txt %d more times", n-first)
	}
}

// A check reads each source once, however many watchers read it, and
// with a fetcher reading ahead: the test site's feed is read by three of
// its watchers, its section page by two.
func TestEachSourceReadOnceACheck(t *testing.T) {
	e := testenv.New(t, "skip", "xoxb-test-token")
	for run := 1; run <= 2; run++ {
		e.Once()
		for _, p := range []string{"/rss/politik.xml", "/politik/", "/atom/world.xml"} {
			if n := e.Site.Hits(p); n != int64(run) {
				t.Errorf("after %d checks, %s was read %d times", run, p, n)
			}
		}
	}
}

// A crowded host (a publisher's twenty section feeds, a request each
// host_interval) keeps its own sources waiting, not the fetchers: the
// sources on other hosts are all read at once, though the watcher lists
// the crowded host's first and only two fetchers read ahead.
func TestCrowdedHostDoesNotSlowTheOthers(t *testing.T) {
	const interval = 200 * time.Millisecond
	start := time.Now()
	var mu sync.Mutex
	var crowdedLast, othersLast time.Duration
	feed := `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title><item><title>Meldung</title><link>/a.html</link></item></channel></rss>`
	crowded := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		crowdedLast = max(crowdedLast, time.Since(start))
		mu.Unlock()
		w.Write([]byte(feed))
	}))
	defer crowded.Close()
	var sources, names []string
	for i := range 20 {
		sources = append(sources, fmt.Sprintf("  - {name: sektion%d, url: %q}", i, fmt.Sprintf("%s/sektion/%d.xml", crowded.URL, i)))
		names = append(names, fmt.Sprintf("sektion%d", i))
	}
	for i := range 20 {
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			othersLast = max(othersLast, time.Since(start))
			mu.Unlock()
			w.Write([]byte(feed))
		}))
		defer other.Close()
		sources = append(sources, fmt.Sprintf("  - {name: andere%d, url: %q}", i, other.URL+"/feed.xml"))
		names = append(names, fmt.Sprintf("andere%d", i))
	}
	e := testenv.Bare(t, fmt.Sprintf("first_run: skip\nsources:\n%s\nwatchers:\n  - {name: alle, schedule: \"@hourly\", sources: [%s], keywords: [Syrien]}\n",
		strings.Join(sources, "\n"), strings.Join(names, ", ")))
	e.Edit("http: {host_interval: 0s}", fmt.Sprintf("http: {host_interval: %s, parallel: 1, robots: false}", interval))
	start = time.Now()
	e.Once()
	mu.Lock()
	defer mu.Unlock()
	// The crowded host takes 20 intervals, 4 s; the others need none.
	if crowdedLast < 15*interval {
		t.Fatalf("the crowded host was read in %v: its interval was not kept", crowdedLast)
	}
	if othersLast > crowdedLast/2 {
		t.Errorf("the other hosts' sources were read by %v, the crowded host's by %v: they waited behind it", othersLast, crowdedLast)
	}
}

// A source that cannot be reached says why, the cause first (a port
// nobody listens on: connection refused), not as a robots.txt that could
// not be had, though robots.txt is asked first; and a daemon says it in
// brief at the next tick while the cause is the same.
func TestUnreachableSourceSaysWhy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e := testenv.Bare(t, fmt.Sprintf(`
sources:
  - {name: weg, url: "http://%s/feed.xml"}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [weg], keywords: [Syrien]}
`, addr))
	out := e.Once()
	if !strings.Contains(out, `msg="source failed: connection refused by `+addr) {
		t.Errorf("the log does not say the cause first:\n%s", out)
	}
	if strings.Contains(out, "robots.txt could not be had") {
		t.Errorf("an unreachable site logged as a robots.txt problem:\n%s", out)
	}
}
