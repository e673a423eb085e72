package pipeline

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

// sources are the watcher's sources this replica checks (all, but for
// those another replica took this tick), which the tick's fetchers start
// reading ahead, in the config's order.
func (j *job) sources(ctx context.Context) []watchers.Source {
	var mine []watchers.Source
	for _, src := range j.w.sources {
		if j.p.mine(ctx, j.t, src.Name) {
			mine = append(mine, src)
		} else if _, dup := j.st.logged.LoadOrStore("elsewhere:"+src.Name, true); !dup {
			j.st.Elsewhere.Add(1)
		}
	}
	for _, src := range mine {
		j.t.prefetch(ctx, src)
	}
	return mine
}

// list returns the items a source lists now, with the items held back
// from it when it answers as before (a 304, or the same body), and keeps
// the source's health, once a tick. ok is false when there is nothing to
// do: the source failed (which is logged once a run), or it is unchanged
// and nothing was held back, or the check is cut short.
func (j *job) list(ctx context.Context, src watchers.Source) (items []news.Item, ok bool) {
	if ctx.Err() != nil {
		return nil, false
	}
	log := j.log.With("source", src.Name)
	items, err := j.t.run.List(ctx, src)
	if ctx.Err() != nil {
		return nil, false // cut short: not the source's failure
	}
	unchanged := errors.Is(err, watchers.ErrNotModified)
	// A pushed body, or a sitemap index read in part: what it does not
	// list it may list still.
	partial := err == nil && j.t.run.Partial(src.Name)
	if unchanged || partial {
		// Nothing new since this group last read it (or only a part of
		// it read); what was held back from it is tried again.
		err = nil
		listed := map[string]bool{}
		for _, it := range items {
			listed[it.Key()] = true
		}
		for _, it := range j.held {
			if it.Source == src.Name && !listed[it.Key()] {
				items = append(items, it)
			}
		}
	}
	state := stateOf(err)
	first := j.st.source(src.Name, state)
	if _, done := j.st.logged.LoadOrStore("health:"+src.Name, true); !done {
		j.p.metrics().SourceChecked(src.Name, len(items), j.t.run.Bytes(src.Name), unchanged, err, j.p.now())
		// A part of the list is not the list: its freshness is the poll's.
		j.p.sourceHealth(ctx, src, items, unchanged || partial, err, log)
		// poll.go: when these watchers read it, and how often it publishes;
		// the WebSub hub a feed names.
		j.p.checkedSource(j.t.groups[src.Name], src.Name, items, err == nil && !unchanged && !partial, j.t.run.FreshUntil(src.Name), j.p.now())
		if h, ok := j.t.run.Hub(src.Name); ok {
			j.p.hubs.Store(src.Name, h)
		}
	}
	if state == sourceWaiting {
		// Not a failure: the fetcher said so when the publisher asked.
		log.Debug("source asks newsbot to wait", "url", src.URL, "error", err)
		return nil, false
	}
	if err != nil {
		// A source shared by several watchers failed once: say it once,
		// the cause first; a source failing as at the tick before, in
		// brief.
		reason := watchers.Reason(err)
		if !first {
			log.Debug("source failed: "+reason, "url", src.URL, "error", err)
			return nil, false
		}
		if prev, again := j.p.failures.Swap(src.Name, reason); again && prev == reason {
			log.Warn("source still failing: "+reason, "url", src.URL)
		} else if strings.Contains(err.Error(), reason) {
			log.Error("source failed: "+reason, "url", src.URL) // the error says no more
		} else {
			log.Error("source failed: "+reason, "url", src.URL, "error", err)
		}
		return nil, false
	}
	j.p.failures.Delete(src.Name)
	if !partial {
		j.answered[src.Name] = true // what was held back and is not listed is dropped
	}
	for _, it := range items {
		j.listed[it.Key()] = true
	}
	return items, !unchanged || len(items) > 0
}

// metrics are the pipeline's metrics, or none.
func (p *Pipeline) metrics() Metrics {
	if p.Metrics == nil {
		return noMetrics{}
	}
	return p.Metrics
}

type noMetrics struct{}

func (noMetrics) SourceChecked(string, int, int, bool, error, time.Time) {}
func (noMetrics) NewItem(string)                                         {}
func (noMetrics) Matched(string)                                         {}
func (noMetrics) Recorded(string, string)                                {}

// stateOf is how a source's check went, by its error.
func stateOf(err error) sourceState {
	switch {
	case err == nil:
		return sourceOK
	case errors.Is(err, watchers.ErrBackOff):
		return sourceWaiting
	}
	var se *watchers.StatusError
	if errors.As(err, &se) && se.Code == http.StatusTooManyRequests {
		return sourceWaiting
	}
	return sourceFailed
}
