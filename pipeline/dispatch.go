package pipeline

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/newsbot/newsbot/watchers"
)

// readAhead hands the tick's sources to a few fetchers (twice
// http.parallel), which read their lists ahead of the watchers. Sources
// wait in a queue a host: a fetcher takes a source whose host may be
// asked now, so that a host that is busy, or whose interval has not
// passed, keeps its sources waiting, not a fetcher that the other hosts'
// sources could use. Ten thousand sources are not ten thousand
// goroutines waiting for a turn, each with its stack.
type readAhead struct {
	run      *watchers.Run
	fetcher  *watchers.Fetcher
	fetchers int

	mu      sync.Mutex
	started bool
	stopped bool
	queues  map[string][]watchers.Source // by host
	// hosts are the hosts with sources waiting, in turn: a host is
	// taken from the front, and put back at the end while it has more.
	hosts []string
	head  int
	wake  chan struct{} // a source came, or the read-ahead stopped
}

// add queues a source to be read ahead; the first starts the fetchers.
func (r *readAhead) add(ctx context.Context, src watchers.Source) {
	host := hostOf(src.URL)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	if !r.started {
		r.started = true
		r.queues, r.wake = map[string][]watchers.Source{}, make(chan struct{}, 1)
		for range max(r.fetchers, 2) {
			go r.fetch(ctx)
		}
	}
	if len(r.queues[host]) == 0 {
		r.push(host)
	}
	r.queues[host] = append(r.queues[host], src)
	r.signal()
}

// signal wakes a fetcher that waits for work; r.mu is held.
func (r *readAhead) signal() {
	if r.stopped {
		return
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// fetch is one fetcher: it reads what take gives it until the read-ahead
// stops.
func (r *readAhead) fetch(ctx context.Context) {
	for {
		src, wait, ok := r.take()
		if !ok {
			return
		}
		if src == nil {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-r.wake:
			case <-ctx.Done():
				t.Stop()
				return
			}
			t.Stop()
			continue
		}
		r.run.ReadAhead(ctx, *src)
		r.mu.Lock()
		r.signal() // the host may be free again for another fetcher
		r.mu.Unlock()
	}
}

// idleWait is how long a fetcher with nothing to do waits before it looks
// again, unless a source comes.
const idleWait = time.Second

// take returns the next source whose host may be asked now, taking hosts
// in turn; or, when none may, how long until one may; ok is false once
// the read-ahead has stopped.
func (r *readAhead) take() (src *watchers.Source, wait time.Duration, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return nil, 0, false
	}
	wait = idleWait
	for range len(r.hosts) - r.head {
		host := r.hosts[r.head]
		r.head++
		if w := r.fetcher.HostWait(host); w > 0 {
			wait = min(wait, w)
			r.push(host) // its turn comes again
			continue
		}
		q := r.queues[host]
		s := q[0]
		if len(q) == 1 {
			delete(r.queues, host)
		} else {
			r.queues[host] = q[1:]
			r.push(host)
		}
		return &s, 0, true
	}
	return nil, max(wait, time.Millisecond), true
}

// push puts a host at the end of the turn; r.mu is held. The slice is
// compacted when its taken front is more than half of it.
func (r *readAhead) push(host string) {
	if r.head > len(r.hosts)/2 && r.head > 64 {
		r.hosts = append(r.hosts[:0], r.hosts[r.head:]...)
		r.head = 0
	}
	r.hosts = append(r.hosts, host)
}

// stop ends the read-ahead: what it has not read, nobody needs any more.
func (r *readAhead) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
	if r.wake != nil {
		close(r.wake)
	}
}

// hostOf is the host (with its port) of a URL, as the fetcher's limits
// know it.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.ToLower(u.Host)
}
