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

	"github.com/newsbot/newsbot/watchers"
)

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
