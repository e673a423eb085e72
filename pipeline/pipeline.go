// Package pipeline is newsbot's check of a watcher: the journey of an
// article from its source to the outbox. Check reads top to bottom, each
// line a stage in a file of its own:
//
//   - fetch.go: the sources this replica checks (leases), read ahead, and
//     their health;
//   - fresh.go: the items the watcher has not seen, a source's first
//     check, and items held back after a failed fetch;
//   - followup.go: items alerted before that their source now describes
//     differently;
//   - extract.go: each item's article, or the feed's text when the page
//     can't be had;
//   - match.go: the watcher's verdict, and the alert it makes;
//   - story.go: seen before, the same story (package story judges), or new;
//   - summarize.go: the language model's summary, within the budget;
//   - record.go: seen and the outbox, in one transaction.
//
// Tick (tick.go) runs the watchers that tick together, sharing one fetch of
// each source and article; after each watcher, its spike (spike.go) and a
// delivery. Digests (digest.go) are made before each delivery. The stages
// talk to the store through the few methods each declares (Store).
package pipeline

import (
	"cmp"
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

// Store is what the pipeline's stages need of the store: each stage's
// part is declared in its file.
type Store interface {
	tickStore
	leaseStore
	healthStore
	seenStore
	followUpStore
	storyStore
	budgetStore
	spikeStore
	digestStore
}

// Summarizer writes an article's summary (summary.LLM).
type Summarizer interface {
	Summarize(ctx context.Context, a *news.Article, lang string) (string, error)
}

// Ops hears what the people running newsbot should know (slack.ops_channel).
type Ops interface {
	TellOps(ctx context.Context, log *slog.Logger, text string)
}

// Metrics count what the pipeline does (newsbot run's /metrics).
type Metrics interface {
	// SourceChecked counts a check of a source: its items, the bytes of
	// its body, whether it answered as before, and its error.
	SourceChecked(source string, items, bytes int, unchanged bool, err error, now time.Time)
	NewItem(watcher string)
	Matched(watcher string)
	// Recorded counts a message recorded: "alert", "follow_up", "also",
	// "spike".
	Recorded(watcher, kind string)
}

// Pipeline checks watchers. Set its fields before the first Tick.
type Pipeline struct {
	Config  *config.Config
	Store   Store
	Fetcher *watchers.Fetcher
	// LLM writes summaries when the config has summarize; nil: newsbot's
	// own extractive summaries.
	LLM     Summarizer
	Ops     Ops
	Metrics Metrics
	Log     *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Leasing makes each tick take a lease on each source it checks, so
	// that of several replicas on one store, one checks it.
	Leasing bool
	// Deliver, when set, delivers what is pending: after each watcher's
	// check, so that its alerts go out while the others check.
	Deliver func(ctx context.Context, st *Stats)

	// pruned is when the store was last pruned (Unix seconds).
	pruned atomic.Int64
	// failures holds, by source, why it failed at its last check, so
	// that a daemon says a failure that lasts in brief.
	failures sync.Map
	// noted holds what noteOnce said.
	noted sync.Map
	// polls is what adaptive polling knows of the sources (poll.go).
	polls polls
	// hubs are the WebSub hubs the feeds named at their last full read
	// (watchers.Hub, by source name).
	hubs sync.Map
}

// noteOnce logs a note on the config once in the process's life (a
// daemon's ticks do not repeat it).
func (p *Pipeline) noteOnce(key, msg string, log *slog.Logger) {
	if _, dup := p.noted.LoadOrStore(key, true); !dup {
		log.Info(msg)
	}
}

// check runs one watcher over its sources: every article it finds goes
// down this function, stage by stage.
func (p *Pipeline) check(ctx context.Context, t *tick, w *Watcher, st *Stats) {
	w.mu.Lock()
	defer w.mu.Unlock()
	j := p.begin(ctx, t, w, st)          // fresh.go: what the check carries, items held back included
	for _, src := range j.sources(ctx) { // fetch.go: this replica's sources, read ahead
		items, ok := j.list(ctx, src) // fetch.go: a conditional request, the source's health
		j.t.run.Release(src)          // this watcher has the list: the run need not keep it for it
		if !ok {
			continue
		}
		fresh, ok := j.fresh(ctx, src, items) // fresh.go, followup.go: unseen items (max_items); changes to those alerted
		if !ok {
			continue
		}
		j.process(ctx, fresh, false)
		j.primed(ctx, src) // fresh.go: a source checked to the end
	}
	if ctx.Err() != nil {
		return // cut short: what is left waits for the next check
	}
	j.process(ctx, j.dropped(), true) // fresh.go: held-back items their source dropped: a last try
}

// process takes items through the stages after fetching, concurrently,
// then records, in the items' order, an alert for each match and the
// rest as seen, so that alerts go out in the order their articles were
// found. last: no item is held back for later.
func (j *job) process(ctx context.Context, items []news.Item, last bool) {
	items = j.unexamined(items)
	if len(items) == 0 {
		return
	}
	var quiet []string
	for i, r := range j.examine(ctx, items, last) { // extract.go, match.go: the article, the watcher's verdict
		if ctx.Err() != nil {
			return
		}
		if r.alert == nil || j.alerted[articleOf(r.alert, items[i])] {
			quiet = append(quiet, r.keys...)
			continue
		}
		j.alerted[articleOf(r.alert, items[i])] = true
		known := j.seenBefore(ctx, r)      // story.go: under another of its links, or its text under another of its site's
		if !known && j.sameStory(ctx, r) { // story.go: another outlet's version of a story, folded into it
			continue
		}
		if !known {
			j.summarize(ctx, r) // summarize.go: the model's summary, for an alert that will be recorded
		}
		j.record(ctx, items[i], r) // record.go: seen, and the alert in the outbox
	}
	j.markSeen(ctx, quiet, items...)
}

// articleOf names an alert's article, so that each gets one alert however
// many items lead to it: its URL, or for an item without a link, the
// item itself.
func articleOf(a *news.Alert, it news.Item) string {
	return cmp.Or(a.URL, it.Key())
}

func (p *Pipeline) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// tellOps tells the ops channel, when there is one.
func (p *Pipeline) tellOps(ctx context.Context, log *slog.Logger, text string) {
	if p.Ops != nil {
		p.Ops.TellOps(ctx, log, text)
	}
}
