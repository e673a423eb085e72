package pipeline

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

// tickStore is what a tick needs of the store.
type tickStore interface {
	// WatcherRan records that the watcher checked its sources then.
	WatcherRan(ctx context.Context, watcher string, at time.Time) error
	// Prune forgets stories found before stories, and validators and
	// failed fetches not renewed since validators.
	Prune(ctx context.Context, stories, validators time.Time) (int64, error)
}

// tick is what the watchers of one tick share: each source and article is
// fetched once, and each article read once by the matcher.
type tick struct {
	run   *watchers.Run
	scans *Scans
	// groups are the watchers that read each source this tick, by name.
	groups map[string]string
	// ahead reads the sources' lists ahead of the watchers.
	ahead *readAhead
	// lease, when set, is how long a replica holds the check of a source
	// (job.mine); mine caches whether this one does.
	lease  time.Duration
	mineMu sync.Mutex
	mine   map[string]*leaseCall
	// failed holds the sources some of whose items a watcher could not
	// record: their conditional request is not kept.
	failed sync.Map
	// llm holds the model's summaries of the tick (*llmCall), by article
	// and language; llmDown is set once a call failed.
	llm     sync.Map
	llmDown atomic.Bool
	// pushed: the tick is of a body a WebSub hub pushed.
	pushed bool
}

// Tick checks every given watcher once, sharing one fetch of each source
// and article among them, records alerts in the outbox, and delivers each
// watcher's alerts as soon as it is done. A failing source or watcher is
// logged and does not stop the others.
//
// A source's conditional request is kept for the group of watchers that
// ticks together, and only once all of them have recorded its items:
// another group, or a tick cut short, reads the source in full.
func (p *Pipeline) Tick(ctx context.Context, ws []*Watcher, st *Stats) {
	p.tick(ctx, ws, st, nil, true)
}

// TickEarly is Tick for some of the watchers' sources (adaptive
// polling): it is not the watchers' run, which /newsbot status shows.
func (p *Pipeline) TickEarly(ctx context.Context, ws []*Watcher, st *Stats) {
	p.tick(ctx, ws, st, nil, false)
}

// Pushed is a feed's body a WebSub hub pushed for a source.
type Pushed struct {
	Source      watchers.Source
	Body        []byte
	ContentType string
	Arrival     time.Time
}

// TickPushed checks the watchers that read a source on the body its hub
// pushed, as a tick would (without fetching the source, and without a
// lease: the replica the hub reached has the body).
func (p *Pipeline) TickPushed(ctx context.Context, ws []*Watcher, push Pushed, st *Stats) {
	var only []*Watcher // the pushed source alone: the others wait for their checks
	for _, w := range ws {
		if o := w.only(map[string]bool{push.Source.Name: true}); o != nil {
			only = append(only, o)
		}
	}
	p.tick(ctx, only, st, &push, false)
}

// tick checks the watchers, on the pushed body when there is one; ran:
// it is the watchers' run (all their sources, on their schedule).
func (p *Pipeline) tick(ctx context.Context, ws []*Watcher, st *Stats, push *Pushed, ran bool) {
	groups := readersOf(ws)
	p.prune(ctx, st)
	t := &tick{run: p.Fetcher.NewRun(groups), scans: &Scans{}, groups: groups}
	t.ahead = &readAhead{run: t.run, fetcher: p.Fetcher, fetchers: 2 * p.Config.HTTP.Parallel}
	defer t.stopFetchers()
	if push != nil {
		t.pushed = true
		t.run.Push(push.Source, push.Body, push.ContentType, push.Arrival)
		p.PushedSource(push.Source.Name, push.Arrival)
	} else if p.Leasing {
		t.lease = leaseFor(ws, p.now())
	}
	// The sources' validators in one read of the store, not one a source.
	if err := t.run.Preload(ctx, tickSources(ws)); err != nil {
		st.StoreErrs.Add(1)
		p.Log.Error("store failed", "error", err)
	}
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() {
			before := st.recorded.Load()
			p.check(ctx, t, w, st)
			if ctx.Err() == nil && ran {
				if err := p.Store.WatcherRan(ctx, w.Name, p.now()); err != nil {
					st.StoreErrs.Add(1)
					p.Log.Error("store failed", "error", err)
				}
			}
			p.checkSpike(ctx, w, st)
			// What it recorded goes out now, not after the slowest
			// watcher's check.
			if p.Deliver != nil && st.recorded.Load() != before {
				p.Deliver(ctx, st)
			}
		})
	}
	wg.Wait()
	if p.Deliver != nil {
		p.Deliver(ctx, st) // what was pending before, digests due, quiet hours over
	}
	p.Fetcher.CloseIdle()
	if ctx.Err() != nil {
		st.notReached(groups)
		p.saveRobots(context.WithoutCancel(ctx), st) // what was learnt holds
		return
	}
	if err := t.run.Commit(ctx, func(source string) bool { _, bad := t.failed.Load(source); return bad }); err != nil {
		st.StoreErrs.Add(1)
		p.Log.Error("store failed", "error", err)
	}
	p.saveRobots(ctx, st)
}

// keepValidators is how long a source's validators of conditional
// requests are kept unrenewed: one unchanged for longer is read in full
// once, and those of a source no longer checked go.
const keepValidators = 30 * 24 * time.Hour

// prune has the store forget, once an hour, the stories older than the
// story window, and validators and failed fetches older than
// keepValidators.
func (p *Pipeline) prune(ctx context.Context, st *Stats) {
	now := p.now()
	last := p.pruned.Load()
	if now.Unix()-last < 3600 || !p.pruned.CompareAndSwap(last, now.Unix()) {
		return
	}
	n, err := p.Store.Prune(ctx, now.Add(-time.Duration(p.Config.StoryWindow)), now.Add(-keepValidators))
	if err != nil {
		st.StoreErrs.Add(1)
		p.Log.Error("store failed", "error", err)
		return
	}
	if n > 0 {
		p.Log.Debug("pruned the store", "rows", n)
	}
}

// fail notes that a source's items were not all recorded.
func (t *tick) fail(source string) { t.failed.Store(source, true) }

// prefetch has the source's list read ahead of its watcher.
func (t *tick) prefetch(ctx context.Context, src watchers.Source) { t.ahead.add(ctx, src) }

// stopFetchers ends the read-ahead: what it has not read, nobody needs
// any more.
func (t *tick) stopFetchers() { t.ahead.stop() }

// leaseFor is how long a replica holds a source's check for these
// watchers: half the time until the next of their ticks, so that replicas
// ticking together make one check, and the next tick is anyone's.
func leaseFor(ws []*Watcher, now time.Time) time.Duration {
	d := time.Duration(0)
	for _, w := range ws {
		if w.Cron == nil {
			continue
		}
		if until := w.Cron.Next(now).Sub(now) / 2; until > 0 && (d == 0 || until < d) {
			d = until
		}
	}
	return max(d, time.Second)
}

// leaseStore is what taking leases needs of the store.
type leaseStore interface {
	// Lease takes the lease on a source's check for d unless another
	// process holds it.
	Lease(ctx context.Context, l news.SourceLease, d time.Duration) (bool, error)
}

type leaseCall struct {
	once sync.Once
	ok   bool
}

// mine reports whether this replica checks the source this tick: always,
// without leases (newsbot once, or one replica); with them, when it took
// the source's lease for the tick's group of watchers. A store that
// fails leaves the check to this one: checking twice is safe, missing
// one is not.
func (p *Pipeline) mine(ctx context.Context, t *tick, src string) bool {
	if t.lease == 0 {
		return true
	}
	t.mineMu.Lock()
	if t.mine == nil {
		t.mine = map[string]*leaseCall{}
	}
	c := t.mine[src]
	if c == nil {
		c = &leaseCall{}
		t.mine[src] = c
	}
	t.mineMu.Unlock()
	// Each source's lease once a tick, several sources' at once.
	c.once.Do(func() {
		ok, err := p.Store.Lease(ctx, news.SourceLease{Source: src, Group: t.groups[src]}, t.lease)
		if err != nil {
			p.Log.Error("store failed", "source", src, "error", err)
			ok = true
		}
		c.ok = ok
	})
	return c.ok
}

// saveRobots keeps the robots.txt fetched in the tick, for the next
// process.
func (p *Pipeline) saveRobots(ctx context.Context, st *Stats) {
	if err := p.Fetcher.SaveRobots(ctx); err != nil {
		st.StoreErrs.Add(1)
		p.Log.Error("store failed", "error", err)
	}
}

// tickSources are the sources the watchers read, each once.
func tickSources(ws []*Watcher) []watchers.Source {
	seen := map[string]bool{}
	var out []watchers.Source
	for _, w := range ws {
		for _, src := range w.sources {
			if !seen[src.Name] {
				seen[src.Name] = true
				out = append(out, src)
			}
		}
	}
	return out
}
