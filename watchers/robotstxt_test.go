package watchers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

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
