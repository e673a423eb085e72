// Package testsite serves a folder of news pages for tests, the way a news
// site would: {{BASE}} in the files becomes the server's URL, paths under
// /plus/ answer 403 like a paywall, and pages can be added or dropped while
// the test runs.
package testsite

import (
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Site is a running test site.
type Site struct {
	*httptest.Server
	dir   string
	mu    sync.Mutex
	extra map[string]string // path → body, set by the test
	gone  map[string]int    // path → status, set by the test
	hits  sync.Map          // path → *atomic.Int64
}

// Serve serves dir; the site stops with the test.
func Serve(t testing.TB, dir string) *Site {
	s := &Site{dir: dir, extra: map[string]string{}, gone: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Set serves body at p (overriding any file), with {{BASE}} replaced.
func (s *Site) Set(p, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.extra[p] = body
}

// Fail makes p answer with status.
func (s *Site) Fail(p string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone[p] = status
}

// Hits is how many requests p has had.
func (s *Site) Hits(p string) int64 {
	if c, ok := s.hits.Load(p); ok {
		return c.(*atomic.Int64).Load()
	}
	return 0
}

func (s *Site) serve(w http.ResponseWriter, r *http.Request) {
	c, _ := s.hits.LoadOrStore(r.URL.Path, &atomic.Int64{})
	c.(*atomic.Int64).Add(1)
	s.mu.Lock()
	body, ok := s.extra[r.URL.Path]
	status := s.gone[r.URL.Path]
	s.mu.Unlock()
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/plus/") {
		http.Error(w, "Nur für Abonnenten", http.StatusForbidden)
		return
	}
	file := filepath.Join(s.dir, filepath.FromSlash(path.Clean(r.URL.Path)))
	if strings.HasSuffix(r.URL.Path, "/") {
		file = filepath.Join(file, "index.html")
	}
	if !ok {
		b, err := os.ReadFile(file)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		body = string(b)
	}
	ct := mime.TypeByExtension(filepath.Ext(file))
	if strings.HasSuffix(file, ".xml") {
		ct = "application/xml; charset=utf-8"
	}
	if ct == "" {
		ct = "text/html; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Write([]byte(strings.ReplaceAll(body, "{{BASE}}", s.URL)))
}
