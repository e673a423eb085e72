package watchers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
