package main

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// bare is the floor newsbot is measured against: a plain Go client that
// does the conditional requests of a cycle (If-None-Match with the ETag of
// its last read) over all feeds, 64 at a time, and nothing else: no
// robots.txt, no parsing, no store, no articles.
type bare struct {
	client *http.Client
	mu     sync.Mutex
	etags  map[string]string
}

func newBare() *bare {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 0
	tr.MaxIdleConnsPerHost = 4
	return &bare{client: &http.Client{Transport: tr, Timeout: 30 * time.Second}, etags: map[string]string{}}
}

// cycle fetches every URL once, and says how long that took.
func (b *bare) cycle(urls []string) time.Duration {
	start := time.Now()
	work := make(chan string)
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for u := range work {
				b.get(u)
			}
		})
	}
	for _, u := range urls {
		work <- u
	}
	close(work)
	wg.Wait()
	b.client.CloseIdleConnections()
	return time.Since(start)
}

func (b *bare) get(u string) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return
	}
	b.mu.Lock()
	if e := b.etags[u]; e != "" {
		req.Header.Set("If-None-Match", e)
	}
	b.mu.Unlock()
	resp, err := b.client.Do(req)
	if err != nil {
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if e := resp.Header.Get("ETag"); e != "" {
		b.mu.Lock()
		b.etags[u] = e
		b.mu.Unlock()
	}
}

// feedURLs are the site's feeds' URLs, as the config names them.
func feedURLs(port string, feeds int, oneHost bool) []string {
	urls := make([]string, feeds)
	for f := range feeds {
		urls[f] = fmt.Sprintf("http://%s:%s/feed/%d.xml", feedHost(f, oneHost), port, f)
	}
	return urls
}
