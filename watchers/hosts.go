package watchers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/newsbot/newsbot/internal/arena"
)

// ErrBackOff is returned for a request to a host that has asked newsbot to
// wait (429 or 503 with Retry-After) and whose time has not come.
var ErrBackOff = errors.New("the publisher asked newsbot to wait")

// hostTable holds each host's limits, shared by every watcher and run.
type hostTable struct {
	mu    sync.Mutex
	hosts map[string]*host
	names arena.Strings
}

func (t *hostTable) get(name string) *host {
	name = strings.ToLower(name)
	t.mu.Lock()
	defer t.mu.Unlock()
	if h, ok := t.hosts[name]; ok {
		return h
	}
	if t.hosts == nil {
		t.hosts = map[string]*host{}
	}
	h := &host{name: t.names.Clone(name)}
	t.hosts[h.name] = h
	return h
}

// prepare makes the entries of these hosts at once, side by side in
// memory (see Fetcher.Prepare).
func (t *hostTable) prepare(names []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hosts == nil {
		t.hosts = make(map[string]*host, len(names))
	}
	lower := make([]string, len(names))
	for i, name := range names {
		lower[i] = strings.ToLower(name)
	}
	arena.Entries(t.hosts, lower, &t.names, func(h *host, name string) { h.name = name })
}

// host is one host's state: requests in flight, when the last one
// started, and until when the host asked to be left alone.
type host struct {
	name     string
	mu       sync.Mutex
	inFlight int
	next     time.Time // no request starts before
	until    time.Time // Retry-After
	free     chan struct{}
}

// acquire waits for a slot (at most conns in flight) and for the host's
// interval since the last request, and returns the function that frees
// the slot; a request not charged (robots.txt) does not start the
// interval for the next. A host in back-off is an error at once.
func (h *host) acquire(ctx context.Context, conns int, interval time.Duration, charge bool) (func(), error) {
	for {
		h.mu.Lock()
		now := time.Now()
		if now.Before(h.until) {
			until := h.until
			h.mu.Unlock()
			return nil, fmt.Errorf("%w until %s (%s)", ErrBackOff, until.Format(time.RFC3339), h.name)
		}
		if conns > 0 && h.inFlight >= conns {
			if h.free == nil {
				h.free = make(chan struct{})
			}
			free := h.free
			h.mu.Unlock()
			select {
			case <-free:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		start := now
		if h.next.After(now) {
			start = h.next
		}
		if charge {
			h.next = start.Add(interval)
		}
		h.inFlight++
		h.mu.Unlock()
		if wait := time.Until(start); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				h.release()
				return nil, ctx.Err()
			}
		}
		return h.release, nil
	}
}

// wait is how long until a request to the host would start: 0 when it
// may now (or would fail at once, the host having asked newsbot to
// wait), else until its interval has passed or, with all its connections
// busy, a little while.
func (h *host) wait(conns int) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	switch {
	case now.Before(h.until):
		return 0
	case conns > 0 && h.inFlight >= conns:
		return busyWait
	case h.next.After(now):
		return h.next.Sub(now)
	}
	return 0
}

// busyWait is how long a host whose connections are all busy is left
// alone before it is looked at again (a request that ends says so
// sooner).
const busyWait = 50 * time.Millisecond

func (h *host) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.inFlight--
	if h.free != nil {
		close(h.free)
		h.free = nil
	}
}

// backOff makes the host wait, and returns until when.
func (h *host) backOff(d time.Duration) time.Time {
	d = min(d, maxBackOff)
	h.mu.Lock()
	defer h.mu.Unlock()
	if until := time.Now().Add(d); until.After(h.until) {
		h.until = until
	}
	return h.until
}

// maxBackOff bounds a Retry-After: a publisher asking for a day is asked
// again after an hour.
const maxBackOff = time.Hour

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		return max(0, time.Duration(secs)*time.Second)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now))
	}
	return 0
}
