package app

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/match"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/story"
	"github.com/newsbot/newsbot/summary"
	"github.com/newsbot/newsbot/watchers"
)

// Stats count what a run did.
type Stats struct {
	mu      sync.Mutex
	sources map[string]bool // source name → checked fine (a failure on any watcher wins)
	logged  sync.Map        // keys of warnings given in this run

	New       atomic.Int64 // items not seen before
	Primed    atomic.Int64 // items recorded without alerting on a first check
	Matches   atomic.Int64
	Updates   atomic.Int64 // follow-ups on articles alerted before
	Also      atomic.Int64 // other outlets' versions of stories alerted
	Sent      atomic.Int64
	SendErrs  atomic.Int64
	StoreErrs atomic.Int64 // failures of the store
	Pending   atomic.Int64 // alerts left for a later attempt
	Quiet     atomic.Int64 // alerts held for their watcher's quiet hours
	ForDigest atomic.Int64 // matches kept for their watcher's digest
	Muted     atomic.Int64 // matches recorded, not posted: the watcher is muted
	Elsewhere atomic.Int64 // source checks another replica made this tick
	GaveUp    bool         // once stopped waiting for Slack (see App.Once)
}

// logOnce logs a warning the first time key comes up in the run, and at
// debug level after: an article shared by several watchers fails once.
func (s *Stats) logOnce(log *slog.Logger, key, msg string, args ...any) {
	if _, dup := s.logged.LoadOrStore(key, true); dup {
		log.Debug(msg, args...)
		return
	}
	log.Warn(msg, args...)
}

// source records that a source was checked, and whether it answered; it
// reports whether this is the first failure of the source in the run.
func (s *Stats) source(name string, ok bool) (first bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sources == nil {
		s.sources = map[string]bool{}
	}
	prev, seen := s.sources[name]
	if !seen || prev {
		s.sources[name] = ok
	}
	return !ok && (!seen || prev)
}

// Sources returns how many sources were checked and how many failed.
func (s *Stats) Sources() (checked, failed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ok := range s.sources {
		checked++
		if !ok {
			failed++
		}
	}
	return checked, failed
}

// String is the one line a run ends with.
func (s *Stats) String() string {
	var b strings.Builder
	checked, failed := s.Sources()
	b.WriteString(Plural(int64(checked), "source") + " checked")
	if failed > 0 {
		fmt.Fprintf(&b, " (%d failed)", failed)
	}
	if n := s.Elsewhere.Load(); n > 0 {
		fmt.Fprintf(&b, " (%d by another replica)", n)
	}
	b.WriteString(", " + Plural(s.New.Load(), "new item"))
	if n := s.Primed.Load(); n > 0 {
		fmt.Fprintf(&b, " (%d recorded without alerts on a first check, first_run: skip)", n)
	}
	b.WriteString(", " + Plural(s.Matches.Load(), "match"))
	if n := s.Muted.Load(); n > 0 {
		fmt.Fprintf(&b, " (%d recorded, not posted: muted from Slack)", n)
	}
	if n := s.Updates.Load(); n > 0 {
		b.WriteString(", " + Plural(n, "follow-up"))
	}
	if n := s.Also.Load(); n > 0 {
		fmt.Fprintf(&b, ", %d also reported by another outlet (folded into its story)", n)
	}
	if n := s.ForDigest.Load(); n > 0 {
		fmt.Fprintf(&b, " (%d kept for a digest)", n)
	}
	b.WriteString(", " + Plural(s.Sent.Load(), "alert") + " sent")
	if n := s.Pending.Load(); n > 0 {
		fmt.Fprintf(&b, ", %d pending", n)
	}
	if n := s.Quiet.Load(); n > 0 {
		fmt.Fprintf(&b, ", %d held for quiet hours", n)
	}
	b.WriteString(", " + Plural(int64(failed)+s.SendErrs.Load()+s.StoreErrs.Load(), "error"))
	return b.String()
}

// Plural is "1 match", "2 matches", "0 errors".
func Plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "ch") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Tick checks every given watcher once, sharing one fetch of each source
// and article among them, records alerts in the outbox, and delivers each
// watcher's alerts as soon as it is done. A failing source or watcher is
// logged and does not stop the others.
//
// A source's conditional request is kept for the group of watchers that
// ticks together, and only once all of them have recorded its items:
// another group, or a tick cut short, reads the source in full.
func (a *App) Tick(ctx context.Context, ws []*Watcher, st *Stats) {
	readers := map[string][]string{}
	for _, w := range ws {
		for _, src := range w.sources {
			readers[src.Name] = append(readers[src.Name], w.Name)
		}
	}
	groups := make(map[string]string, len(readers))
	for src, names := range readers {
		sort.Strings(names)
		groups[src] = strings.Join(names, ",")
	}
	a.prune(ctx, st)
	t := &tick{run: a.fetcher.NewRun(groups), scans: &scanCache{}, groups: groups, parallel: a.cfg.HTTP.Parallel}
	defer t.stopFetchers()
	if a.leasing {
		t.lease = leaseFor(ws, a.now())
	}
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.checkWatcher(ctx, t, w, st)
			if ctx.Err() == nil {
				if err := a.store.WatcherRan(ctx, w.Name, a.now()); err != nil {
					st.StoreErrs.Add(1)
					a.log.Error("store failed", "error", err)
				}
			}
			a.checkSpike(ctx, w, st)
			a.Deliver(ctx, st)
		}()
	}
	wg.Wait()
	a.fetcher.CloseIdle()
	if ctx.Err() != nil {
		return
	}
	if err := t.run.Commit(ctx, func(source string) bool { _, bad := t.failed.Load(source); return bad }); err != nil {
		st.StoreErrs.Add(1)
		a.log.Error("store failed", "error", err)
	}
}

// keepValidators is how long a source's validators of conditional
// requests are kept unrenewed: one unchanged for longer is read in full
// once, and those of a source no longer checked go.
const keepValidators = 30 * 24 * time.Hour

// prune has the store forget, once an hour, the stories older than the
// story window, and validators and failed fetches older than
// keepValidators.
func (a *App) prune(ctx context.Context, st *Stats) {
	now := a.now()
	last := a.pruned.Load()
	if now.Unix()-last < 3600 || !a.pruned.CompareAndSwap(last, now.Unix()) {
		return
	}
	n, err := a.store.Prune(ctx, now.Add(-time.Duration(a.cfg.StoryWindow)), now.Add(-keepValidators))
	if err != nil {
		st.StoreErrs.Add(1)
		a.log.Error("store failed", "error", err)
		return
	}
	if n > 0 {
		a.log.Debug("pruned the store", "rows", n)
	}
}

// checkWatcher is one watcher's tick: for each source, its new items are
// fetched, extracted, matched and summarized, and each match recorded.
// Items held back after a passing failure are tried again; one that its
// source no longer lists gets its last try now.
func (a *App) checkWatcher(ctx context.Context, t *tick, w *Watcher, st *Stats) {
	w.mu.Lock()
	defer w.mu.Unlock()
	wlog := a.log.With("watcher", w.Name)
	held := map[string]news.Item{}
	if items, err := a.store.HeldBack(ctx, w.Name); err != nil {
		st.StoreErrs.Add(1)
		wlog.Error("store failed", "error", err)
	} else {
		for _, it := range items {
			held[it.Key()] = it
		}
	}
	seen := &tickSeen{alerted: map[string]bool{}, examined: map[string]bool{}, stories: &storyCache{}}
	listed := map[string]bool{}   // keys the sources list now
	listedBy := map[string]bool{} // sources that answered
	// The sources this replica checks (all, but for those another
	// replica took this tick).
	var sources []watchers.Source
	for _, src := range w.sources {
		if a.mine(ctx, t, src.Name) {
			sources = append(sources, src)
		} else if _, dup := st.logged.LoadOrStore("elsewhere:"+src.Name, true); !dup {
			st.Elsewhere.Add(1)
		}
	}
	// Fetch the sources ahead (the tick's fetchers), then read them in
	// the config's order.
	go func() {
		for _, src := range sources {
			t.prefetch(ctx, src)
		}
	}()
	for _, src := range sources {
		if ctx.Err() != nil {
			return
		}
		log := wlog.With("source", src.Name)
		items, err := t.run.List(ctx, src)
		unchanged := errors.Is(err, watchers.ErrNotModified)
		if unchanged {
			// Nothing new since this group last read it; what was held
			// back from it is tried again.
			err = nil
			for _, it := range held {
				if it.Source == src.Name {
					items = append(items, it)
				}
			}
		}
		first := st.source(src.Name, err == nil)
		if _, done := st.logged.LoadOrStore("health:"+src.Name, true); !done {
			a.metrics.sourceChecked(src.Name, len(items), t.run.Bytes(src.Name), unchanged, err, a.now())
			a.sourceHealth(ctx, src, items, unchanged, err, log)
		}
		if err != nil {
			// A source shared by several watchers failed once: say it once.
			if first {
				log.Error("source failed", "url", src.URL, "error", err)
			} else {
				log.Debug("source failed", "url", src.URL, "error", err)
			}
			continue
		}
		listedBy[src.Name] = true
		for _, it := range items {
			listed[it.Key()] = true
		}
		if unchanged && len(items) == 0 {
			continue // nothing new, nothing held back: nothing to do
		}
		fresh, err := a.unseen(ctx, w, items)
		if err != nil {
			st.StoreErrs.Add(1)
			t.fail(src.Name)
			log.Error("store failed", "error", err)
			continue
		}
		a.followUps(ctx, t, w, items, fresh, seen, st, log)
		for _, it := range fresh {
			if _, ok := held[it.Key()]; !ok {
				st.New.Add(1)
				a.metrics.newItems.WithLabelValues(w.Name).Inc()
			}
		}
		primed, err := a.store.Primed(ctx, w.Name, src.Name)
		if err != nil {
			st.StoreErrs.Add(1)
			t.fail(src.Name)
			log.Error("store failed", "error", err)
			continue
		}
		if !primed && a.cfg.FirstRun == config.FirstRunSkip {
			if err := a.store.MarkSeen(ctx, w.Name, src.Name, keys(fresh)); err != nil {
				st.StoreErrs.Add(1)
				t.fail(src.Name)
				log.Error("store failed", "error", err)
				continue
			}
			st.Primed.Add(int64(len(fresh)))
			log.Info("first check of source: recorded its items without alerting (first_run: skip)", "items", len(fresh))
			continue
		}
		a.process(ctx, t, w, fresh, false, seen, st, wlog)
		// Only a source checked to the end counts as primed.
		if !primed && ctx.Err() == nil {
			if err := a.store.MarkSeen(ctx, w.Name, src.Name, nil); err != nil {
				st.StoreErrs.Add(1)
				log.Error("store failed", "error", err)
			}
		}
	}
	// Held-back items their source has dropped: a last try, then the
	// feed's text, so that a page that failed once is not lost.
	var gone []news.Item
	for key, it := range held {
		if !listed[key] && listedBy[it.Source] {
			gone = append(gone, it)
		}
	}
	sort.Slice(gone, func(i, j int) bool { return gone[i].Key() < gone[j].Key() })
	a.process(ctx, t, w, gone, true, seen, st, wlog)
}

// sourceFailures is how many checks in a row a source must fail before
// the ops channel hears of it.
const sourceFailures = 3

// sourceHealth keeps a source's record, once a tick, and tells the ops
// channel when it has failed sourceFailures checks in a row, and when it
// answers again; and when it has had nothing new for far longer than
// usual (staleAfter), and when it has again: once each, not on every tick.
func (a *App) sourceHealth(ctx context.Context, src watchers.Source, items []news.Item, unchanged bool, err error, log *slog.Logger) {
	tell, since, serr := a.store.SourceChecked(ctx, src.Name, err == nil, sourceFailures)
	if serr != nil {
		log.Error("store failed", "error", serr)
		return
	}
	switch tell {
	case news.HealthDown:
		a.tellOps(ctx, log, fmt.Sprintf("newsbot: source %s (%s) has failed %d checks in a row since %s: %v",
			src.Name, src.URL, sourceFailures, since.In(a.cfg.Location).Format("2006-01-02 15:04"), err))
	case news.HealthUp:
		a.tellOps(ctx, log, fmt.Sprintf("newsbot: source %s (%s) answers again", src.Name, src.URL))
	}
	if err != nil {
		return
	}
	listed := keys(items)
	if unchanged {
		listed = nil // as before
	}
	f, serr := a.store.SourceListed(ctx, src.Name, listed, a.now())
	if serr != nil {
		log.Error("store failed", "error", serr)
		return
	}
	quiet := a.now().Sub(f.LastNew)
	limit, known := staleAfter(f.Gaps)
	var msg string
	switch {
	case f.Stale && f.New > 0:
		msg = fmt.Sprintf("newsbot: source %s (%s) has new items again", src.Name, src.URL)
	case !f.Stale && known && quiet > limit:
		msg = fmt.Sprintf("newsbot: source %s (%s) has had nothing new for %s, since %s; it usually has something new every %s. "+
			"Check that it still works: a feed that moved or froze can keep answering with old items.",
			src.Name, src.URL, roughly(quiet), f.LastNew.In(a.cfg.Location).Format("2006-01-02 15:04"), roughly(median(f.Gaps)))
	default:
		return
	}
	if serr := a.store.MarkStale(ctx, src.Name, !f.Stale); serr != nil {
		log.Error("store failed", "error", serr)
		return
	}
	log.Warn(strings.TrimPrefix(msg, "newsbot: "))
	a.tellOps(ctx, log, msg)
}

// A source is stale when it has had nothing new for staleAfter: twice its
// longest recent quiet spell, six times its usual gap, and at least
// minStale. It is judged once minGaps gaps between new items are known.
const (
	minGaps  = 8
	minStale = 2 * time.Hour
)

func staleAfter(gaps []time.Duration) (time.Duration, bool) {
	if len(gaps) < minGaps {
		return 0, false
	}
	return max(2*slices.Max(gaps), 6*median(gaps), minStale), true
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	return s[len(s)/2]
}

// roughly is a duration as a person says it: "40 min", "9 h", "3 days".
func roughly(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", max(1, int(d.Round(time.Minute)/time.Minute)))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Round(time.Hour)/time.Hour))
	default:
		return fmt.Sprintf("%d days", int(d.Round(24*time.Hour)/(24*time.Hour)))
	}
}

// tickSeen is what one watcher's tick has done so far.
type tickSeen struct {
	alerted  map[string]bool // article URLs alerted
	examined map[string]bool // item keys examined
	stories  *storyCache
}

// process examines items and records, in their order, an alert for each
// match and the rest as seen. last: no item is held back for later.
func (a *App) process(ctx context.Context, t *tick, w *Watcher, items []news.Item, last bool, seen *tickSeen, st *Stats, log *slog.Logger) {
	// An item two sources list is examined once a tick.
	var todo []news.Item
	for _, it := range items {
		if !seen.examined[it.Key()] {
			seen.examined[it.Key()] = true
			todo = append(todo, it)
		}
	}
	items = todo
	if len(items) == 0 {
		return
	}
	// Fetch and match concurrently, then record in the source's order,
	// so that alerts go out in the order their articles were found.
	results := a.examine(ctx, t, w, items, last, st)
	var quiet []string
	for i, r := range results {
		if ctx.Err() != nil {
			return
		}
		if r.alert == nil || seen.alerted[r.alert.URL] {
			quiet = append(quiet, r.keys...)
			continue
		}
		seen.alerted[r.alert.URL] = true
		// An article seen before (under another of its links, or its text
		// under another link of its site) is the store's to tell
		// (news.ErrSeen), not a story's; nor is it worth a summary.
		known := a.seenBefore(ctx, w, r)
		if !known && a.sameStory(ctx, t, w, r, seen.stories, st, log) {
			continue
		}
		// Only an alert that will be recorded costs a model's summary.
		if !known {
			if by := a.llmSummary(ctx, t, w, r.art, r.match, st, log); by != "" {
				r.alert.Summary, r.alert.Marks, r.alert.SummaryBy = r.match.Summary.Text, r.match.Summary.Marks, by
			}
		}
		same, err := a.recordStory(ctx, w, r, seen.stories)
		if same != nil {
			// Another process recorded the story meanwhile.
			_, copied := storyOf(r.alert, []news.StoryRef{*same})
			a.foldStory(ctx, t, w, r, same, copied, seen.stories, st, log)
			continue
		}
		if err != nil && !errors.Is(err, news.ErrSeen) {
			t.fail(items[i].Source)
		}
		if errors.Is(err, news.ErrSeen) {
			log.Debug("article already seen under another link", "source", items[i].Source, "url", r.alert.URL, "link", items[i].URL)
			// Under a new link, perhaps with a new headline; or its text
			// under another link of its site.
			ks := []string{r.alert.URL}
			if r.alert.Fingerprint != "" {
				ks = append(ks, r.alert.Fingerprint)
			}
			if prior, err := a.store.Alerted(ctx, w.Name, ks); err == nil {
				for _, k := range ks {
					if p, ok := prior[k]; ok {
						a.followUp(ctx, w, p, r, st, log)
						break
					}
				}
			}
			continue
		}
		if err != nil {
			st.StoreErrs.Add(1)
			log.Error("recording alert failed", "source", items[i].Source, "url", items[i].URL, "error", err)
			continue
		}
		st.Matches.Add(1)
		a.metrics.matches.WithLabelValues(w.Name).Inc()
		a.metrics.alerts.WithLabelValues(w.Name, "alert").Inc()
		switch {
		case r.alert.Muted:
			st.Muted.Add(1)
		case r.alert.InDigest:
			st.ForDigest.Add(1)
		}
		log.Info("match", "source", items[i].Source, "url", r.alert.URL, "terms", strings.Join(r.alert.Terms, ", "))
	}
	if err := a.store.MarkSeen(ctx, w.Name, "", quiet); err != nil {
		st.StoreErrs.Add(1)
		for _, it := range items {
			t.fail(it.Source)
		}
		log.Error("store failed", "error", err)
	}
}

// followUps looks again at the articles the watcher alerted on whose item
// the source now describes differently (title or description), and
// records a follow-up for each that matters.
func (a *App) followUps(ctx context.Context, t *tick, w *Watcher, items, fresh []news.Item, seen *tickSeen, st *Stats, log *slog.Logger) {
	isFresh := make(map[string]bool, len(fresh))
	for _, it := range fresh {
		isFresh[it.Key()] = true
	}
	var old []news.Item
	for _, it := range items {
		if !isFresh[it.Key()] && !seen.examined[it.Key()] {
			old = append(old, it)
		}
	}
	if len(old) == 0 {
		return
	}
	prior, err := a.store.Alerted(ctx, w.Name, keysAndGUIDs(old))
	if err != nil {
		st.StoreErrs.Add(1)
		log.Error("store failed", "error", err)
		return
	}
	known, err := a.store.Seen(ctx, w.Name, keys(old))
	if err != nil {
		st.StoreErrs.Add(1)
		log.Error("store failed", "error", err)
		return
	}
	var changed []news.Item
	var priors []news.Prior
	alerts := map[int64]bool{} // one look a tick at an article, however many links it has
	for _, it := range old {
		p, ok := prior[it.Key()]
		moved := !known[it.Key()] // its GUID seen under another link
		if !ok && moved {
			p, ok = prior[guidKey(it)]
		}
		switch {
		case ok && (p.Sig != itemSig(it) || moved) && !alerts[p.AlertID]:
			alerts[p.AlertID] = true
			seen.examined[it.Key()] = true
			changed = append(changed, it)
			priors = append(priors, p)
		case moved:
			// Moved, and never alerted (it did not match): its new link
			// is seen too.
			if err := a.store.MarkSeen(ctx, w.Name, "", []string{it.Key()}); err != nil {
				st.StoreErrs.Add(1)
				log.Error("store failed", "error", err)
			}
		}
	}
	if len(changed) == 0 {
		return
	}
	for i, r := range a.examine(ctx, t, w, changed, true, st) {
		if ctx.Err() != nil {
			return
		}
		r.sig = itemSig(changed[i])
		a.followUp(ctx, w, priors[i], r, st, log)
		// A moved article's new link is seen, whatever followUp made of it.
		if err := a.store.MarkSeen(ctx, w.Name, "", r.keys); err != nil {
			st.StoreErrs.Add(1)
			log.Error("store failed", "error", err)
		}
	}
}

// followUp records what changed in an article the watcher alerted on
// (prior), when it matters: a new headline, or terms it did not match
// before. Otherwise only the item's new signature is kept.
func (a *App) followUp(ctx context.Context, w *Watcher, prior news.Prior, r result, st *Stats, log *slog.Logger) {
	var al *news.Alert
	if r.alert != nil {
		up := &news.Update{}
		// A headline from the feed is not compared with one from the
		// page: they differ in their kicker and site name.
		if r.alert.FromFeed == prior.FromFeed && normTitle(r.alert.Title) != normTitle(prior.Title) {
			up.OldTitle = prior.Title
		}
		for _, t := range r.alert.Terms {
			if !slices.Contains(prior.Terms, t) {
				up.NewTerms = append(up.NewTerms, t)
			}
		}
		if up.OldTitle != "" || len(up.NewTerms) > 0 {
			al, r.alert.Update = r.alert, up
			// A reply notifies only for terms that are new; an unsent
			// alert that this replaces keeps al.Mentions.
			if len(up.NewTerms) > 0 {
				up.Mentions = w.mentions(up.NewTerms)
			}
		}
	}
	if r.sig == "" && r.alert != nil {
		r.sig = r.alert.ItemSig
	}
	if al == nil && r.sig == "" {
		return // nothing to record
	}
	var up news.Update
	if al != nil {
		up = *al.Update
	}
	if err := a.store.RecordFollowUp(ctx, prior, al, r.keys, r.sig); err != nil {
		st.StoreErrs.Add(1)
		log.Error("recording follow-up failed", "alert", prior.AlertID, "error", err)
		return
	}
	if al != nil {
		st.Updates.Add(1)
		a.metrics.alerts.WithLabelValues(w.Name, "follow_up").Inc()
		log.Info("follow-up", "url", al.URL, "alert", prior.AlertID, "new_title", up.OldTitle != "", "new_terms", strings.Join(up.NewTerms, ", "))
	}
}

// storyCache is the stories a watcher's tick knows (news.StoryRef), read
// from the store once and then only those recorded since the last one
// read.
type storyCache struct {
	loaded bool
	refs   []news.StoryRef
	last   int64 // the ID of the last story read
	has    map[int64]bool
}

// add adds a story read from the store.
func (c *storyCache) add(r news.StoryRef) {
	c.known(r)
	c.last = max(c.last, r.ID)
}

// known adds a story this tick recorded; it does not move last, since
// another process may have recorded stories before it that the tick has
// not read.
func (c *storyCache) known(r news.StoryRef) {
	if c.has == nil {
		c.has = map[int64]bool{}
	}
	if !c.has[r.ID] {
		c.has[r.ID] = true
		c.refs = append(c.refs, r)
	}
}

// sameStory looks for the story of the alert among those the watcher
// alerted on within story_window, and the other outlets' versions of them
// (storyOf), and when it finds it, folds the alert into it (foldStory).
// It reports whether the alert was dealt with so.
func (a *App) sameStory(ctx context.Context, t *tick, w *Watcher, r result, stories *storyCache, st *Stats, log *slog.Logger) bool {
	window := time.Duration(a.cfg.StoryWindow)
	if window <= 0 || len(r.alert.StorySig) == 0 {
		return false
	}
	if !stories.loaded {
		refs, err := a.store.RecentStories(ctx, w.Name, a.now().Add(-window))
		if err != nil {
			st.StoreErrs.Add(1)
			log.Error("store failed", "error", err)
			return false
		}
		stories.loaded = true
		for _, ref := range refs {
			stories.add(ref)
		}
	}
	best, copied := storyOf(r.alert, stories.refs)
	if best == nil {
		return false
	}
	a.foldStory(ctx, t, w, r, best, copied, stories, st, log)
	return true
}

// recordStory records the alert, and its story. Inside the transaction
// that records it, the stories recorded since the tick's last look
// (another process's) are looked at too: when one is the alert's, nothing
// is recorded, and that story is returned.
func (a *App) recordStory(ctx context.Context, w *Watcher, r result, stories *storyCache) (*news.StoryRef, error) {
	window := time.Duration(a.cfg.StoryWindow)
	check := news.StoryCheck{TextSince: a.textSince()}
	if window > 0 && len(r.alert.StorySig) > 0 && stories.loaded {
		check.Since, check.After = a.now().Add(-window), stories.last
		check.Same = func(ref news.StoryRef) bool {
			stories.add(ref)
			best, _ := storyOf(r.alert, []news.StoryRef{ref})
			return best != nil
		}
	}
	same, id, err := a.store.RecordStory(ctx, r.alert, r.keys, check)
	if same == nil && err == nil && id > 0 && stories.loaded {
		stories.known(news.StoryRef{ID: id, AlertID: r.alert.ID, Source: r.alert.Source, Host: news.Host(r.alert.URL),
			Sig: r.alert.StorySig, Event: r.alert.EventSig, Title: r.alert.Title, Terms: r.alert.Terms})
	}
	return same, err
}

// textSince is how far back an article's text (its fingerprint) makes a
// new link the same article: the story window, or 48 hours with the
// story check off. Not for ever: a site whose extracted text is the same
// on every page (a consent wall) makes them one article only so long.
func (a *App) textSince() time.Time {
	return a.now().Add(-cmp.Or(time.Duration(a.cfg.StoryWindow), config.DefaultStoryWindow))
}

// seenBefore reports whether the watcher has seen the alert's article
// before: one of its links, or its text within textSince. A store that
// fails says no; recording the alert then tells.
func (a *App) seenBefore(ctx context.Context, w *Watcher, r result) bool {
	links := []string{r.alert.URL}
	for _, k := range r.keys {
		if k != r.alert.Fingerprint {
			links = append(links, k)
		}
	}
	if seen, err := a.store.Seen(ctx, w.Name, links); err != nil || len(seen) > 0 {
		return err == nil
	}
	if r.alert.Fingerprint == "" {
		return false
	}
	seen, err := a.store.SeenSince(ctx, w.Name, []string{r.alert.Fingerprint}, a.textSince())
	return err == nil && len(seen) > 0
}

// storyOf returns the story among refs that the alert's article tells:
// one whose text it copies (story.Same), the most similar where several
// do (copied); else one whose event it reports in its own words
// (story.SameEvent); nil for none. An article that matches terms a
// story's alert did not is not that story: it is news of its own for the
// watcher.
func storyOf(al *news.Alert, refs []news.StoryRef) (best *news.StoryRef, copied bool) {
	sig, ev := story.FromBytes(al.StorySig), story.EventFromBytes(al.EventSig)
	bestSim := 0.0
	var event *news.StoryRef
	for i := range refs {
		if !covers(refs[i].Terms, al.Terms) {
			continue
		}
		other := story.FromBytes(refs[i].Sig)
		if story.Same(sig, other) {
			if s := story.Similarity(sig, other); best == nil || s > bestSim {
				best, bestSim = &refs[i], s
			}
		} else if event == nil && story.SameEvent(ev, story.EventFromBytes(refs[i].Event)) {
			event = &refs[i]
		}
	}
	if best != nil {
		return best, true
	}
	return event, false
}

// covers reports whether every one of terms is in have.
func covers(have, terms []string) bool {
	for _, t := range terms {
		if !slices.Contains(have, t) {
			return false
		}
	}
	return true
}

// foldStory records the alert's article with the story it tells (best).
// Another outlet's version (another source or another host), or any
// outlet's own write-up of the story's event (not copied), is recorded
// with the story's first alert, as a line of it or a reply in its
// thread. A copy of the same outlet's article under another link is the
// same article, looked at as a follow-up; a copy from an outlet the story
// already names is only seen.
func (a *App) foldStory(ctx context.Context, t *tick, w *Watcher, r result, best *news.StoryRef, copied bool, stories *storyCache, st *Stats, log *slog.Logger) {
	sim := story.Similarity(story.FromBytes(r.alert.StorySig), story.FromBytes(best.Sig))
	log = log.With("source", r.alert.Source, "url", r.alert.URL, "story", best.AlertID, "similarity", fmt.Sprintf("%.2f", sim), "copy", copied)
	if copied && best.Source == r.alert.Source && best.Host == news.Host(r.alert.URL) {
		if err := a.store.MarkSeen(ctx, w.Name, "", r.keys); err != nil {
			st.StoreErrs.Add(1)
			t.fail(r.alert.Source)
			log.Error("store failed", "error", err)
			return
		}
		if best.Version {
			log.Info("same story from an outlet it already names: seen")
			return
		}
		log.Info("same story from the same outlet under another link: a follow-up at most")
		a.followUp(ctx, w, news.Prior{AlertID: best.AlertID, Title: best.Title, Terms: best.Terms}, r, st, log)
		return
	}
	id, err := a.store.RecordAlsoReported(ctx, best.AlertID, r.alert, r.keys, copied)
	if errors.Is(err, news.ErrSeen) {
		log.Info("same story from an outlet it already names: seen")
		return
	}
	if err != nil {
		st.StoreErrs.Add(1)
		t.fail(r.alert.Source)
		log.Error("recording another outlet's version failed", "error", err)
		return
	}
	if id > 0 && stories.loaded {
		stories.known(news.StoryRef{ID: id, AlertID: best.AlertID, Version: true, Source: r.alert.Source,
			Host: news.Host(r.alert.URL), Sig: r.alert.StorySig, Event: r.alert.EventSig, Title: r.alert.Title, Terms: best.Terms})
	}
	st.Also.Add(1)
	a.metrics.alerts.WithLabelValues(w.Name, "also").Inc()
	log.Info("also reported by another outlet: folded into its story")
}

// signatures are what tells an article from others: its story signature
// (story.Sign), its event signature (story.SignEvent), and its text as a
// key (text). The same text under another link of the site is the same
// article (a print or AMP version, a moved page), whatever its headline;
// the same text on another site is another outlet's version. An article
// with too little text (80 words) to tell it from another has none, nor
// has a feed's text.
type signatures struct {
	story, event []byte
	text         string // "text:" host ":" a hash of its words
}

func sign(art *news.Article) signatures {
	if art.FromFeed {
		return signatures{}
	}
	text := art.MainText()
	words := story.Words(text)
	if len(words) < 80 {
		return signatures{}
	}
	h := sha256.New()
	for _, w := range words {
		h.Write([]byte(w))
		h.Write([]byte{0})
	}
	return signatures{
		story: story.SignWords(words).Bytes(),
		event: story.SignEvent(art.Title, text).Bytes(),
		text:  "text:" + news.Host(art.URL) + ":" + hex.EncodeToString(h.Sum(nil)[:16]),
	}
}

// itemSig is a digest of what a source says of an item.
func itemSig(it news.Item) string {
	h := sha256.Sum256([]byte(it.Title + "\x00" + it.Description))
	return hex.EncodeToString(h[:12])
}

// normTitle is a headline as compared for a follow-up: a change of case,
// spacing or punctuation alone is not a new headline.
func normTitle(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	}), " ")
}

// unseen returns the items the watcher has not seen.
// An item whose feed GUID the watcher has seen under another link is the
// same article moved: not new (followUps looks at it).
func (a *App) unseen(ctx context.Context, w *Watcher, items []news.Item) ([]news.Item, error) {
	seen, err := a.store.Seen(ctx, w.Name, keysAndGUIDs(items))
	if err != nil {
		return nil, err
	}
	var fresh []news.Item
	for _, it := range items {
		if !seen[it.Key()] && (guidKey(it) == "" || !seen[guidKey(it)]) {
			fresh = append(fresh, it)
		}
	}
	return fresh, nil
}

// guidKey is the key of an item's feed GUID, for an item that has a link
// too (one without is known by its GUID already): a GUID stays when a
// publisher moves an article to a new link.
func guidKey(it news.Item) string {
	if it.GUID == "" || it.URL == "" {
		return ""
	}
	return "guid:" + it.GUID
}

func keys(items []news.Item) []string {
	ks := make([]string, 0, len(items))
	for _, it := range items {
		ks = append(ks, it.Key())
	}
	return ks
}

// keysAndGUIDs are the items' keys and the keys of their feed GUIDs.
func keysAndGUIDs(items []news.Item) []string {
	ks := keys(items)
	for _, it := range items {
		if g := guidKey(it); g != "" {
			ks = append(ks, g)
		}
	}
	return ks
}

// fetchAttempts is how many checks try an article page that fails with a
// passing error before its feed text is used instead.
const fetchAttempts = 3

// tooOld reports whether an article published at t is past max_age. An
// article without a date is never too old.
func (a *App) tooOld(t time.Time) bool {
	max := time.Duration(a.cfg.MaxAge)
	return max > 0 && !t.IsZero() && a.now().Sub(t) > max
}

type result struct {
	alert *news.Alert // nil: no alert
	keys  []string    // to mark seen
	sig   string      // the item's signature, for a follow-up
	art   *news.Article
	match *Match
}

// examine fetches, extracts, matches and summarizes items concurrently;
// the fetcher bounds how many requests are in flight (http.parallel).
func (a *App) examine(ctx context.Context, t *tick, w *Watcher, items []news.Item, last bool, st *Stats) []result {
	results := make([]result, len(items))
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = a.examineItem(ctx, t, w, it, last, st)
		}()
	}
	wg.Wait()
	return results
}

func (a *App) examineItem(ctx context.Context, t *tick, w *Watcher, it news.Item, last bool, st *Stats) result {
	r := result{keys: []string{it.Key()}}
	if g := guidKey(it); g != "" {
		r.keys = append(r.keys, g)
	}
	if a.tooOld(it.Published) {
		return r // not worth fetching
	}
	log := a.log.With("watcher", w.Name, "source", it.Source, "url", it.URL)
	art, err := t.run.Article(ctx, it)
	if err != nil {
		if ctx.Err() != nil {
			return result{} // cut short: leave the item unseen
		}
		// A link on a section page that leads to no article (a newsletter
		// form, a topic index) has only its link text: nothing to match.
		// A feed's item still has the feed's own text.
		if errors.Is(err, watchers.ErrNotArticle) && it.Description == "" {
			log.Debug("not an article page, skipped", "error", err)
			return r
		}
		// A page that may answer later is tried again on the next ticks
		// before newsbot settles for the feed's text.
		if watchers.Transient(err) && !last {
			n, serr := a.store.HoldBack(ctx, w.Name, it)
			if serr == nil && n < fetchAttempts {
				st.logOnce(log, "article:"+it.Key(), "article unavailable, will try again on the next check", "attempt", n, "error", err)
				return result{}
			}
		}
		st.logOnce(log, "article:"+it.Key(), "article unavailable, matching the feed's title and description", "error", err)
	}
	if art.URL != "" && art.URL != it.Key() {
		r.keys = append(r.keys, art.URL)
	}
	if a.tooOld(art.Published) {
		return r
	}
	m := w.Match(art, it.Source, t.scans)
	if m == nil {
		return r
	}
	r.art, r.match = art, m
	sigs := sign(art)
	r.alert = &news.Alert{
		Watcher:   w.Name,
		Channel:   w.Channel,
		Source:    it.Source,
		URL:       cmp.Or(art.URL, it.URL),
		Title:     cmp.Or(art.Title, it.Title),
		Summary:   m.Summary.Text,
		Marks:     m.Summary.Marks,
		Snippets:  m.Summary.Snippets,
		Terms:     m.Terms,
		Fields:    m.Fields,
		Published: art.Published,
		Found:     a.now(),
		Lang:      art.Lang,
		FromFeed:  art.FromFeed,
		Mentions:  w.mentions(m.Terms),
		NotBefore: w.QuietUntil(a.now().In(a.cfg.Location)),
		ItemSig:   itemSig(it),
		StorySig:  sigs.story,
		EventSig:  sigs.event,
		InDigest:  w.DigestCron != nil,
	}
	if sigs.text != "" {
		r.alert.Fingerprint = sigs.text
		r.keys = append(r.keys, sigs.text)
	}
	return r
}

// llmSummary has the language model write the match's summary, when the
// config asks for it and the day's budget allows, and returns the model's
// name; on any failure the extractive summary stays, and the log says so.
// An article is summarized once a tick, however many watchers match it;
// after a failure the model is not asked again in the tick.
func (a *App) llmSummary(ctx context.Context, t *tick, w *Watcher, art *news.Article, m *Match, st *Stats, log *slog.Logger) string {
	if a.llm == nil || art == nil || m == nil || art.FromFeed || t.llmDown.Load() {
		return ""
	}
	cfg := a.cfg.Summarize
	lang := cmp.Or(cfg.Language, w.Lang, art.Lang)
	c, _ := t.llm.LoadOrStore(art.URL+"\x00"+lang, &llmCall{})
	call := c.(*llmCall)
	call.once.Do(func() {
		ok, err := a.store.TakeBudget(ctx, cfg.DailyBudget)
		if err != nil {
			st.StoreErrs.Add(1)
			log.Error("store failed", "error", err)
			return
		}
		if !ok {
			st.logOnce(log, "llm-budget", "the day's budget of model summaries is spent (summarize.daily_budget): extractive summaries until tomorrow (UTC)", "daily_budget", cfg.DailyBudget)
			return
		}
		call.text, call.err = a.llm.Summarize(ctx, art, lang)
		if call.err != nil {
			// A failed call costs nothing, and the model rests for the tick.
			if err := a.store.ReturnBudget(context.WithoutCancel(ctx)); err != nil {
				st.StoreErrs.Add(1)
			}
			t.llmDown.Store(true)
			st.logOnce(log, "llm-error", "model summary failed: using the extractive summary (the model is not asked again this tick)", "model", cfg.Model, "error", call.err)
		}
	})
	if call.text == "" {
		return ""
	}
	m.Summary.Text, m.Summary.Marks = call.text, m.Find(call.text)
	return cfg.Model
}

// llmCall is one article's model summary in a tick.
type llmCall struct {
	once sync.Once
	text string
	err  error
}

// tick is what the watchers of one tick share: each source and article is
// fetched once, and each article read once by the matcher.
type tick struct {
	run   *watchers.Run
	scans *scanCache
	// groups are the watchers that read each source this tick, by name.
	groups map[string]string
	// fetchQ feeds the tick's fetchers (prefetch); parallel is
	// http.parallel.
	fetchOnce sync.Once
	fetchQ    chan watchers.Source
	fetchDone chan struct{}
	parallel  int
	// lease, when set, is how long a replica holds the check of a source
	// (App.mine); mine caches whether this one does.
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
}

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

// mine reports whether this replica checks the source this tick: always,
// without leases (newsbot once, or one replica); with them, when it took
// the source's lease for the tick's group of watchers. A store that
// fails leaves the check to this one: checking twice is safe, missing
// one is not.
func (a *App) mine(ctx context.Context, t *tick, src string) bool {
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
		ok, err := a.store.Lease(ctx, news.SourceLease{Source: src, Group: t.groups[src]}, t.lease)
		if err != nil {
			a.log.Error("store failed", "source", src, "error", err)
			ok = true
		}
		c.ok = ok
	})
	return c.ok
}

type leaseCall struct {
	once sync.Once
	ok   bool
}

// prefetch has one of the tick's fetchers read the source's list ahead of
// its watcher. A few fetchers (twice http.parallel) serve all watchers,
// so that ten thousand sources are not ten thousand goroutines waiting
// for a turn, each with its stack.
func (t *tick) prefetch(ctx context.Context, src watchers.Source) {
	t.fetchOnce.Do(func() {
		t.fetchQ, t.fetchDone = make(chan watchers.Source), make(chan struct{})
		for range max(2*t.parallel, 2) {
			go func() {
				for {
					select {
					case src := <-t.fetchQ:
						t.run.List(ctx, src)
					case <-t.fetchDone:
						return
					}
				}
			}()
		}
	})
	select {
	case t.fetchQ <- src:
	case <-t.fetchDone:
	case <-ctx.Done():
	}
}

// stopFetchers ends the tick's fetchers: what they have not read ahead,
// nobody needs any more.
func (t *tick) stopFetchers() {
	t.fetchOnce.Do(func() { t.fetchDone = make(chan struct{}) })
	close(t.fetchDone)
}

// fail notes that a source's items were not all recorded.
func (t *tick) fail(source string) { t.failed.Store(source, true) }

// mentions are who an alert with these terms notifies.
func (w *Watcher) mentions(terms []string) []string {
	if len(w.Mention) == 0 {
		return nil
	}
	if len(w.MentionOn) > 0 {
		on := false
		for _, t := range terms {
			for _, o := range w.MentionOn {
				on = on || t == o
			}
		}
		if !on {
			return nil
		}
	}
	var out []string
	for _, m := range w.Mention {
		if mk, ok := config.MentionMarkup(m); ok {
			out = append(out, mk)
		}
	}
	return out
}

// scanCache holds the scans of a tick's articles, by their text.
type scanCache struct{ m sync.Map }

func (c *scanCache) get(set *match.Set, art *news.Article) *match.Scanned {
	body := strings.Join(art.Body, "\n")
	scan := func() *match.Scanned {
		return set.Scan(match.Doc{Title: art.Title, Teaser: art.Teaser, Body: body, URL: art.URL, Lang: art.Lang})
	}
	if c == nil {
		return scan()
	}
	// The same page gives the same article; a feed's fallback text differs
	// from item to item, so the key is the text.
	key := art.URL + "\x00" + art.Lang + "\x00" + art.Title + "\x00" + art.Teaser + "\x00" + body
	if sc, ok := c.m.Load(key); ok {
		return sc.(*match.Scanned)
	}
	sc, _ := c.m.LoadOrStore(key, scan())
	return sc.(*match.Scanned)
}

// Match is a watcher's verdict on an article.
type Match struct {
	Terms []string
	// Fields says where each term stands: "title", "teaser", "body".
	Fields  map[string][]string
	Summary summary.Summary
	// Find finds the matched words in a text, to mark them.
	Find summary.Finder
}

// Match matches the article (in NFC, as watchers gives it), listed by
// the named source, against the watcher's watchlist and, when it matches,
// summarizes it. It returns nil for no match.
// scans keeps each article's scan for one tick, so that the watchers
// share it; nil scans nothing twice only within one call.
func (w *Watcher) Match(art *news.Article, source string, scans *scanCache) *Match {
	sc := scans.get(w.set, art)
	r := w.query.EvalScanned(w.set.WithSource(sc, source))
	if !r.Matched {
		return nil
	}
	find := func(s string) [][2]int { return w.query.Highlights(r, s, art.Lang) }
	return &Match{Terms: r.Terms, Fields: r.Fields, Summary: summary.Summarize(art, find), Find: find}
}
