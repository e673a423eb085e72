package watchers_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

func TestFetcherGet(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(bytes.Repeat([]byte("Syrien "), 1000)) // 7000 bytes, compressed far under 1000
	zw.Close()
	var ua atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.Header.Get("User-Agent"))
		switch r.URL.Path {
		case "/exact":
			w.Write(bytes.Repeat([]byte("x"), 1000))
		case "/over":
			w.Write(bytes.Repeat([]byte("x"), 1001))
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gz.Bytes())
		case "/moved":
			http.Redirect(w, r, "/exact", http.StatusMovedPermanently)
		}
	}))
	defer srv.Close()
	f := watchers.NewFetcher(5*time.Second, "newsbot/1.0 (+https://rr.example/bot)", 1000)
	ctx := context.Background()

	resp, err := f.Get(ctx, srv.URL+"/exact")
	if err != nil || len(resp.Body) != 1000 {
		t.Errorf("a body of exactly MaxBody: %v", err)
	}
	if got := ua.Load(); got != "newsbot/1.0 (+https://rr.example/bot)" {
		t.Errorf("User-Agent = %q", got)
	}
	if _, err := f.Get(ctx, srv.URL+"/over"); !errors.Is(err, watchers.ErrTooLarge) {
		t.Errorf("a body of MaxBody+1: %v, want ErrTooLarge", err)
	}
	if _, err := f.Get(ctx, srv.URL+"/gzip"); !errors.Is(err, watchers.ErrTooLarge) {
		t.Errorf("a gzip body of 7000 bytes unpacked: %v, want ErrTooLarge (MaxBody counts after decompression)", err)
	}
	resp, err = f.Get(ctx, srv.URL+"/moved")
	if err != nil || resp.URL != srv.URL+"/exact" {
		t.Errorf("after a redirect: %v, URL %q; want the final URL", err, respURL(resp))
	}
}

func respURL(r *watchers.Response) string {
	if r == nil {
		return ""
	}
	return r.URL
}

// A server that never answers, or stops in the middle, is cut off by the
// Fetcher's timeout.
func TestFetcherTimeout(t *testing.T) {
	tests := []struct {
		name    string
		handler func(w http.ResponseWriter, r *http.Request, release <-chan struct{})
	}{
		{"no answer", func(w http.ResponseWriter, r *http.Request, release <-chan struct{}) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}},
		{"headers, then silence", func(w http.ResponseWriter, r *http.Request, release <-chan struct{}) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.WriteHeader(http.StatusOK)
			w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel>`))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tt.handler(w, r, release) }))
			defer srv.Close()
			defer close(release) // before Close, which waits for the handler

			run := watchers.NewFetcher(300*time.Millisecond, "newsbot-test", 1<<20).NewRun(nil)
			start := time.Now()
			_, err := run.List(context.Background(), watchers.Source{Name: "slow", URL: srv.URL + "/feed"})
			elapsed := time.Since(start)
			if err == nil {
				t.Fatal("List of a server that never answers succeeded")
			}
			if elapsed > 3*time.Second {
				t.Errorf("List gave up after %v, want about 300ms", elapsed)
			}
			if !strings.Contains(err.Error(), "slow") {
				t.Errorf("error %q does not name the source", err)
			}
		})
	}

	// The caller's context cuts a fetch short too.
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := watchers.NewFetcher(time.Minute, "newsbot-test", 1<<20).Get(ctx, srv.URL)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 3*time.Second {
		t.Errorf("Get with a 200ms context: %v after %v", err, time.Since(start))
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

func TestListErrors(t *testing.T) {
	big := strings.Repeat("<p>Syrien</p>", 200) // 2600 bytes
	tests := []struct {
		name  string
		page  page
		src   watchers.Source
		check func(t *testing.T, err error)
	}{
		{"500", page{status: 500, body: "upstream trouble"}, watchers.Source{Name: "rundschau"},
			func(t *testing.T, err error) {
				var se *watchers.StatusError
				if !errors.As(err, &se) || se.Code != 500 {
					t.Errorf("error %v, want a StatusError 500", err)
				}
			}},
		{"404", page{status: 404}, watchers.Source{Name: "rundschau"},
			func(t *testing.T, err error) {
				var se *watchers.StatusError
				if !errors.As(err, &se) || se.Code != 404 {
					t.Errorf("error %v, want a StatusError 404", err)
				}
			}},
		{"body over MaxBody", page{contentType: "text/html", body: big}, watchers.Source{Name: "rundschau"},
			func(t *testing.T, err error) {
				if !errors.Is(err, watchers.ErrTooLarge) {
					t.Errorf("error %v, want ErrTooLarge", err)
				}
			}},
		{"not a feed", page{contentType: "text/html", body: "<html><body><p>Hallo</p></body></html>"},
			watchers.Source{Name: "rundschau", Type: news.SourceFeed},
			func(t *testing.T, err error) {
				if !errors.Is(err, watchers.ErrNotFeed) {
					t.Errorf("error %v, want ErrNotFeed", err)
				}
			}},
		{"no links match", page{contentType: "text/html", body: `<html><body><a href="/a.html">A</a></body></html>`},
			watchers.Source{Name: "rundschau", Links: "a.js-hlp"},
			func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "a.js-hlp") {
					t.Errorf("error %v does not name the selector", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, map[string]page{"/src": tt.page})
			tt.src.URL = srv.URL + "/src"
			items, err := watchers.NewFetcher(5*time.Second, "newsbot-test", 2000).NewRun(nil).List(context.Background(), tt.src)
			if err == nil {
				t.Fatalf("List succeeded with %d items", len(items))
			}
			if !strings.Contains(err.Error(), "rundschau") || !strings.Contains(err.Error(), tt.src.URL) {
				t.Errorf("error %q does not name the source and its URL", err)
			}
			tt.check(t, err)
		})
	}
}
