package pipeline

import (
	"context"
	"log/slog"
	"sort"

	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

// seenStore is what telling new items from those seen needs of the store.
type seenStore interface {
	// Seen returns which of keys the watcher has seen before.
	Seen(ctx context.Context, watcher string, keys []string) (map[string]bool, error)
	// Primed reports whether the watcher has checked the source before.
	Primed(ctx context.Context, watcher, source string) (bool, error)
	// MarkSeen records keys as seen and, when source is not empty, the
	// source as checked.
	MarkSeen(ctx context.Context, watcher, source string, keys []string) error
	// HoldBack keeps an item whose page failed for a passing reason, for
	// a later try, and returns how often that happened; MarkSeen
	// releases it.
	HoldBack(ctx context.Context, watcher string, item news.Item) (int, error)
	// HeldBack returns the watcher's held-back items.
	HeldBack(ctx context.Context, watcher string) ([]news.Item, error)
}

// job is one watcher's check in a tick, and what it has done so far.
type job struct {
	p   *Pipeline
	t   *tick
	w   *Watcher
	st  *Stats
	log *slog.Logger
	// held are the items held back after a passing failure, by key.
	held map[string]news.Item
	// listed are the keys the sources list now; answered, the sources
	// that answered; unprimed, those checked for the first time.
	listed, answered, unprimed map[string]bool
	alerted                    map[string]bool // article URLs alerted
	examined                   map[string]bool // item keys examined
	stories                    storyCache
}

// begin starts the watcher's check, with the items it held back before.
func (p *Pipeline) begin(ctx context.Context, t *tick, w *Watcher, st *Stats) *job {
	j := &job{p: p, t: t, w: w, st: st, log: p.Log.With("watcher", w.Name), held: map[string]news.Item{},
		listed: map[string]bool{}, answered: map[string]bool{}, unprimed: map[string]bool{},
		alerted: map[string]bool{}, examined: map[string]bool{}}
	items, err := p.Store.HeldBack(ctx, w.Name)
	if err != nil {
		j.storeFailed(j.log, err)
	}
	for _, it := range items {
		j.held[it.Key()] = it
	}
	return j
}

// fresh returns the items of a source the watcher has not seen, at most
// max_items of them (capped), and looks again at those it alerted on
// (followUps). On a source's first check with first_run: skip, it
// records them all without alerting, and returns none; ok is false then,
// and when the store fails.
func (j *job) fresh(ctx context.Context, src watchers.Source, items []news.Item) (fresh []news.Item, ok bool) {
	log := j.log.With("source", src.Name)
	fresh, err := j.unseen(ctx, items)
	if err != nil {
		j.t.fail(src.Name)
		j.storeFailed(log, err)
		return nil, false
	}
	j.followUps(ctx, items, fresh, log)
	primed, err := j.p.Store.Primed(ctx, j.w.Name, src.Name)
	if err != nil {
		j.t.fail(src.Name)
		j.storeFailed(log, err)
		return nil, false
	}
	if !primed && j.t.pushed {
		// A push lists a few entries: the source's first check is the
		// poll's, which reads them all (first_run).
		return nil, false
	}
	if primed || j.p.Config.FirstRun != config.FirstRunSkip {
		fresh = j.capped(src, fresh, log)
	}
	for _, it := range fresh {
		if _, ok := j.held[it.Key()]; !ok {
			j.st.New.Add(1)
			j.p.metrics().NewItem(j.w.Name)
		}
	}
	if primed {
		return fresh, true
	}
	if j.p.Config.FirstRun == config.FirstRunSkip {
		if err := j.p.Store.MarkSeen(ctx, j.w.Name, src.Name, keys(fresh)); err != nil {
			j.t.fail(src.Name)
			j.storeFailed(log, err)
			return nil, false
		}
		j.st.Primed.Add(int64(len(fresh)))
		log.Info("first check of source: recorded its items without alerting (first_run: skip)", "items", len(fresh))
		return nil, false
	}
	j.unprimed[src.Name] = true
	return fresh, true
}

// capped returns at most the source's MaxItems of its fresh items, the
// newest (in the feed's order among those without a date), in the order
// the source lists them. The rest wait for the next checks: the source
// counts as not read to the end, so that it is read in full again.
func (j *job) capped(src watchers.Source, fresh []news.Item, log *slog.Logger) []news.Item {
	if src.MaxItems <= 0 || len(fresh) <= src.MaxItems {
		return fresh
	}
	order := make([]int, len(fresh))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return fresh[order[a]].Published.After(fresh[order[b]].Published)
	})
	take := order[:src.MaxItems]
	sort.Ints(take)
	kept := make([]news.Item, len(take))
	for i, k := range take {
		kept[i] = fresh[k]
	}
	left := len(fresh) - len(kept)
	j.t.fail(src.Name)
	j.st.Left.Add(int64(left))
	log.Warn("source lists more new items than a check takes: the newest are checked now, the rest on the next checks",
		"new", len(fresh), "taken", len(kept), "left", left, "max_items", src.MaxItems)
	return kept
}

// primed records a source's first check, once it was checked to the end.
func (j *job) primed(ctx context.Context, src watchers.Source) {
	if !j.unprimed[src.Name] || ctx.Err() != nil {
		return
	}
	if err := j.p.Store.MarkSeen(ctx, j.w.Name, src.Name, nil); err != nil {
		j.storeFailed(j.log.With("source", src.Name), err)
	}
}

// dropped are the held-back items whose source answered without them:
// they get a last try, then the feed's text, so that a page that failed
// once is not lost.
func (j *job) dropped() []news.Item {
	var gone []news.Item
	for key, it := range j.held {
		if !j.listed[key] && j.answered[it.Source] {
			gone = append(gone, it)
		}
	}
	sort.Slice(gone, func(a, b int) bool { return gone[a].Key() < gone[b].Key() })
	return gone
}

// unexamined are the items not examined yet in this check: an item two
// sources list is examined once.
func (j *job) unexamined(items []news.Item) []news.Item {
	var todo []news.Item
	for _, it := range items {
		if !j.examined[it.Key()] {
			j.examined[it.Key()] = true
			todo = append(todo, it)
		}
	}
	return todo
}

// unseen returns the items the watcher has not seen. An item whose feed
// GUID the watcher has seen under another link is the same article moved:
// not new (followUps looks at it).
func (j *job) unseen(ctx context.Context, items []news.Item) ([]news.Item, error) {
	seen, err := j.p.Store.Seen(ctx, j.w.Name, keysAndGUIDs(items))
	if err != nil {
		return nil, err
	}
	var fresh []news.Item
	for _, it := range items {
		if !seen[it.Key()] && (it.GUIDKey() == "" || !seen[it.GUIDKey()]) && (it.LegacyKey() == "" || !seen[it.LegacyKey()]) {
			fresh = append(fresh, it)
		}
	}
	return fresh, nil
}

// markSeen records keys as seen; when that fails, the sources of items
// are read in full next time.
func (j *job) markSeen(ctx context.Context, keys []string, items ...news.Item) {
	if err := j.p.Store.MarkSeen(ctx, j.w.Name, "", keys); err != nil {
		for _, it := range items {
			j.t.fail(it.Source)
		}
		j.storeFailed(j.log, err)
	}
}

// storeFailed counts and logs a failure of the store.
func (j *job) storeFailed(log *slog.Logger, err error) {
	j.st.StoreErrs.Add(1)
	log.Error("store failed", "error", err)
}

func keys(items []news.Item) []string {
	ks := make([]string, 0, len(items))
	for _, it := range items {
		ks = append(ks, it.Key())
	}
	return ks
}

// keysAndGUIDs are the items' keys, the keys of their feed GUIDs and the
// keys an earlier newsbot gave them.
func keysAndGUIDs(items []news.Item) []string {
	ks := keys(items)
	for _, it := range items {
		for _, k := range []string{it.GUIDKey(), it.LegacyKey()} {
			if k != "" {
				ks = append(ks, k)
			}
		}
	}
	return ks
}
