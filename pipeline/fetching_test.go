package pipeline_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

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
