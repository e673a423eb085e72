package watchers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

// page is what a test server answers at one path.
type page struct {
	contentType string
	body        string
	status      int           // 200 when 0
	delay       time.Duration // before answering
}

// server is a news site for one test: it serves pages, counts requests,
// and replaces {{BASE}} in bodies by its own URL.
type server struct {
	*httptest.Server
	pages map[string]page
	hits  map[string]*atomic.Int64
}

func newServer(t *testing.T, pages map[string]page) *server {
	t.Helper()
	s := &server{pages: pages, hits: map[string]*atomic.Int64{}}
	for p := range pages {
		s.hits[p] = &atomic.Int64{}
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		s.hits[r.URL.Path].Add(1)
		if p.delay > 0 {
			time.Sleep(p.delay)
		}
		if p.contentType != "" {
			w.Header().Set("Content-Type", p.contentType)
		}
		if p.status != 0 {
			w.WriteHeader(p.status)
		}
		w.Write([]byte(strings.ReplaceAll(p.body, "{{BASE}}", s.URL)))
	}))
	t.Cleanup(s.Close)
	return s
}

func newRun() *watchers.Run {
	return watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20).NewRun(nil)
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func dump(items []news.Item) string {
	var b strings.Builder
	for _, it := range items {
		fmt.Fprintf(&b, "  %+v\n", it)
	}
	return b.String()
}

const smallFeed = `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Kurier</title>
<item><title>Waffenruhe in Syrien</title><link>/a/1.html</link><guid>k-1</guid></item>
<item><title>Gespräche in Genf</title><link>/a/2.html</link><guid>k-2</guid></item></channel></rss>`
