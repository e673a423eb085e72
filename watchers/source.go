package watchers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/newsbot/newsbot/news"
)

// Source is a feed or a page that lists articles.
type Source struct {
	Name string
	URL  string
	// Type is a feed or a page, or news.SourceAuto to tell from the
	// content.
	Type news.SourceType
	// Links selects the article links on a page; a page without it is
	// itself the one article.
	Links string
	// NoRobots: the source itself is fetched without asking robots.txt
	// (a feed the publisher means to be polled). Its articles still ask.
	NoRobots bool
	// MaxItems is how many new items a check takes from it; 0 is no
	// limit.
	MaxItems int
}

// ErrNotModified is returned by List for a source whose content has not
// changed since the same watchers last read it to the end (Commit): a 304,
// or the same body.
var ErrNotModified = errors.New("not modified")

// Run is one tick's fetching: each source and each article is fetched at
// most once, however many watchers ask, and concurrent askers wait for the
// one fetch. A Run is safe for concurrent use.
type Run struct {
	f *Fetcher
	// readers names, by source, the watchers that read it in this run:
	// conditional requests are kept per source and set of readers, so
	// that a watcher never misses what others read before it came.
	readers  map[string]string
	commits  map[string][]commit // by source name
	mu       sync.Mutex
	sources  map[string]*call[[]news.Item]
	articles map[string]*call[*news.Article]
	pages    map[string]*Response // bodies of single-page sources, for Article
	bytes    map[string]int       // body sizes of the sources read, by name
	fresh    map[string]time.Time // Response.FreshUntil of the sources read, by name
	hubs     map[string]Hub       // the WebSub hubs of the feeds read, by source name
	// pushed are bodies a WebSub hub pushed, by source name: read instead
	// of fetching the source.
	pushed map[string]pushedBody
	// partial names the sitemap indexes read in part (Partial).
	partial map[string]bool
	// validators are those Preload read for the run's sources, by key;
	// nil: each source's are read when it is.
	validators map[string]news.Validators
	// left counts, by source, the readers that have not taken its list
	// (Release).
	left map[string]int
}

type call[T any] struct {
	done chan struct{}
	val  T
	err  error
}

type commit struct {
	key string
	v   news.Validators
}

// NewRun starts a tick. readers names, by source name, the watchers that
// read each source in it, for conditional requests; nil makes none.
// conditional requests; "" makes none.
func (f *Fetcher) NewRun(readers map[string]string) *Run {
	return &Run{
		f:        f,
		readers:  readers,
		commits:  map[string][]commit{},
		sources:  map[string]*call[[]news.Item]{},
		articles: map[string]*call[*news.Article]{},
		pages:    map[string]*Response{},
	}
}

func once[T any](r *Run, m map[string]*call[T], key string, fn func() (T, error)) (T, error) {
	r.mu.Lock()
	c, ok := m[key]
	if !ok {
		c = &call[T]{done: make(chan struct{})}
		m[key] = c
	}
	r.mu.Unlock()
	if ok {
		<-c.done
		return c.val, c.err
	}
	c.val, c.err = fn()
	close(c.done)
	return c.val, c.err
}

// ReadAhead lists the source ahead of its watchers, unless they have all
// taken its list already.
//
// Whether they have and the start of the read are one step: a read
// ahead that began after the last reader let go of the list would read
// the source a second time, and keep that body's validators although no
// watcher looked at its items (the next tick's conditional request would
// then pass over them).
func (r *Run) ReadAhead(ctx context.Context, src Source) {
	key := src.Name + "\x00" + src.URL
	r.mu.Lock()
	n, released := r.left[key]
	_, started := r.sources[key]
	if released && n <= 0 || started {
		r.mu.Unlock()
		return
	}
	c := &call[[]news.Item]{done: make(chan struct{})}
	r.sources[key] = c
	r.mu.Unlock()
	c.val, c.err = r.listSource(ctx, src)
	close(c.done)
}

// List returns the articles a source lists now, in the source's order.
func (r *Run) List(ctx context.Context, src Source) ([]news.Item, error) {
	return once(r, r.sources, src.Name+"\x00"+src.URL, func() ([]news.Item, error) {
		return r.listSource(ctx, src)
	})
}

func (r *Run) listSource(ctx context.Context, src Source) ([]news.Item, error) {
	items, err := r.list(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", src.Name, err)
	}
	return items, nil
}

// validatorsKey is the key a source's validators are kept under: the
// source and the watchers that read it together.
func (r *Run) validatorsKey(src Source) string {
	return src.Name + "\x00" + src.URL + "\x00" + r.readers[src.Name]
}

// Preload reads the validators of these sources' conditional requests in
// one go (when the Cache can), instead of a read a source: ten thousand
// sources are ten thousand reads of the store otherwise.
func (r *Run) Preload(ctx context.Context, srcs []Source) error {
	bulk, ok := r.f.Cache.(BulkCache)
	if !ok {
		return nil
	}
	keys := make([]string, 0, len(srcs))
	for _, src := range srcs {
		if r.readers[src.Name] != "" {
			keys = append(keys, r.validatorsKey(src))
		}
	}
	vs, err := bulk.ValidatorsOf(ctx, keys)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.validators = vs
	r.mu.Unlock()
	return nil
}

// pushedBody is a feed's body a WebSub hub pushed, and when.
type pushedBody struct {
	resp *Response
	at   time.Time
}

// Push gives the run a body of the source that a WebSub hub pushed (at
// arrival): the run reads it instead of fetching the source, its items
// say they were pushed, and no conditional request is kept of it.
//
// The body is the source's as far as its links go: they are fetched as
// those of the source's own address (src.URL), not of the address the
// feed says it has, which its publisher chooses.
func (r *Run) Push(src Source, body []byte, contentType string, arrival time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pushed == nil {
		r.pushed = map[string]pushedBody{}
	}
	r.pushed[src.Name] = pushedBody{resp: &Response{URL: src.URL, ContentType: contentType, Body: body}, at: arrival}
}

// Partial reports whether the source's list in the run is a part of what
// it lists: a pushed body (the new entries), or a sitemap index some of
// whose sitemaps were unchanged or failed. Items held back from it that
// it does not list are not taken as dropped.
func (r *Run) Partial(source string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, pushed := r.pushed[source]
	return pushed || r.partial[source]
}

// Hub is the WebSub hub the source named when the run read it in full;
// ok is false when it was not read so (a 304, a failure, a page).
func (r *Run) Hub(source string) (h Hub, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok = r.hubs[source]
	return h, ok
}

func (r *Run) list(ctx context.Context, src Source) ([]news.Item, error) {
	r.mu.Lock()
	push, pushed := r.pushed[src.Name]
	r.mu.Unlock()
	if pushed {
		items, _, err := r.parse(push.resp, Source{Name: src.Name, URL: src.URL, Type: news.SourceFeed, MaxItems: src.MaxItems})
		for i := range items {
			items[i].From, items[i].Pushed = news.SourceFeed, push.at
		}
		return items, err
	}
	req := Request{URL: src.URL, Trusted: true, Robots: !src.NoRobots}
	readers := r.readers[src.Name]
	key := r.validatorsKey(src)
	if r.f.Cache != nil && readers != "" {
		r.mu.Lock()
		v, preloaded := r.validators[key]
		loaded := r.validators != nil
		r.mu.Unlock()
		if !loaded {
			var err error
			if v, err = r.f.Cache.Validators(ctx, key); err != nil {
				return nil, err
			}
		} else if !preloaded {
			v = news.Validators{} // none kept
		}
		req.If = v
	}
	resp, err := r.f.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.bytes == nil {
		r.bytes, r.fresh = map[string]int{}, map[string]time.Time{}
	}
	r.bytes[src.Name] = len(resp.Body)
	r.fresh[src.Name] = resp.FreshUntil
	r.mu.Unlock()
	if resp.NotModified {
		return nil, ErrNotModified
	}
	if src.Type == news.SourceSitemap || src.Type == news.SourceAuto && IsSitemap(resp.Body) {
		return r.listSitemap(ctx, src, resp, key)
	}
	items, typ, err := r.parse(resp, src)
	for i := range items {
		items[i].From = typ
	}
	if typ == news.SourceFeed && err == nil && r.f.FindHubs {
		r.mu.Lock()
		if r.hubs == nil {
			r.hubs = map[string]Hub{}
		}
		r.hubs[src.Name] = FindHub(resp.Body, http.Header{"Link": resp.Links}, resp.URL)
		r.mu.Unlock()
	}
	if err == nil {
		// Kept only for a source read without error: a broken one is
		// read (and reported) again.
		r.commit(src.Name, key, resp.Validators)
	}
	return items, err
}

// commit keeps validators of a body the source's watchers read, to be
// saved by Commit: the source's own, and for a sitemap index, each of
// its sitemaps'.
func (r *Run) commit(source, key string, v news.Validators) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.commits[source] = append(r.commits[source], commit{key: key, v: v})
}

// parse reads a source's document as its type says, or, without one, as
// what it turns out to be (a feed or a page), and says which.
func (r *Run) parse(resp *Response, src Source) ([]news.Item, news.SourceType, error) {
	// A feed's body as UTF-8, decoded once: to tell a feed, and to read it.
	var feedBody []byte
	typ := src.Type
	if typ == "" {
		typ = news.SourcePage
		if feedBody = feedUTF8(resp.Body, resp.ContentType); IsFeed(feedBody) {
			typ = news.SourceFeed
		} else if why := notFeed(resp.Body, resp.ContentType); why != "" {
			return nil, typ, &NotFeedError{URL: resp.URL, Reason: why}
		}
	}
	if typ == news.SourceFeed {
		if feedBody == nil {
			feedBody = feedUTF8(resp.Body, resp.ContentType)
		}
		items, err := parseFeedBody(feedBody, resp.URL, src.Name)
		var broken *BrokenFeedError
		if errors.As(err, &broken) && len(items) > 0 {
			// What can be had is had; the log says what was lost.
			r.f.Log.Warn("feed is broken: read the items before the break", "source", src.Name, "url", resp.URL, "items", len(items), "error", broken.Err)
			return items, typ, nil
		}
		return items, typ, err
	}
	if src.Links == "" {
		item := news.Item{URL: Canonical(resp.URL, ""), Source: src.Name, ListedBy: resp.URL}
		r.mu.Lock()
		r.pages[item.URL] = resp
		r.mu.Unlock()
		return []news.Item{item}, typ, nil
	}
	items, err := pageLinks(resp, src)
	return items, typ, err
}

// Release says a watcher of the run has taken the source's list: once
// all its readers have, the run keeps it no more. (The first check of
// ten thousand feeds held three hundred thousand items otherwise.)
func (r *Run) Release(src Source) {
	key := src.Name + "\x00" + src.URL
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.left == nil {
		r.left = map[string]int{}
	}
	n, ok := r.left[key]
	if !ok {
		n = strings.Count(r.readers[src.Name], ",") + 1
	}
	n--
	r.left[key] = n // at 0: taken by all, and not to be read ahead
	if n > 0 {
		return
	}
	if c, ok := r.sources[key]; ok {
		select {
		case <-c.done:
			delete(r.sources, key) // read: a watcher that lists it again reads it again
		default: // still being read
		}
	}
}

// Commit keeps the validators of the sources this run read, so that the
// next run of the group asks whether they changed; failed names the
// sources whose items were not all recorded (a store error, a cut-short
// tick): those are read in full next time.
func (r *Run) Commit(ctx context.Context, failed func(source string) bool) error {
	if r.f.Cache == nil || r.readers == nil {
		return nil
	}
	r.mu.Lock()
	commits := make(map[string][]commit, len(r.commits))
	for name, cs := range r.commits {
		commits[name] = cs
	}
	r.mu.Unlock()
	for name, cs := range commits {
		if failed(name) {
			continue
		}
		for _, c := range cs {
			if err := r.f.Cache.SaveValidators(ctx, c.key, c.v); err != nil {
				return err
			}
		}
	}
	return nil
}

// FreshUntil is when the source's server said its answer may change, at
// its read in the run (zero: it did not say).
func (r *Run) FreshUntil(source string) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fresh[source]
}

// Bytes is the size of the body of the source's last read in the run
// (after decompression; 0 for a 304).
func (r *Run) Bytes(source string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bytes[source]
}

// Article fetches and extracts an item's article. When the page can't be
// had (a paywall, a 403, a dead link) or has no main text, the article is
// made of the item's own title and description, marked FromFeed, and the
// error says why.
func (r *Run) Article(ctx context.Context, item news.Item) (*news.Article, error) {
	if item.URL == "" {
		// No page of its own: the feed's text is the article.
		return fromFeed(item), nil
	}
	key := item.Key()
	a, err := once(r, r.articles, key, func() (*news.Article, error) {
		r.mu.Lock()
		resp := r.pages[item.URL]
		r.mu.Unlock()
		if resp == nil {
			var err error
			req := Request{URL: item.URL, ListedBy: item.ListedBy, Robots: true}
			if resp, err = r.f.Do(ctx, req); err != nil {
				return nil, err
			}
		}
		// Extraction takes a processor and holds the page's whole tree:
		// as many at once as there are processors, however many pages
		// have come in.
		select {
		case r.f.extractSem() <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		defer func() { <-r.f.extracting }()
		return Extract(UTF8(resp.Body, resp.ContentType), resp.URL)
	})
	if err != nil {
		return fromFeed(item), err
	}
	// Copy, so that callers may fill in from the item without racing.
	c := *a
	c.Body = append([]string(nil), a.Body...)
	if c.Teaser == "" && item.Description != "" && len(c.Body) == 0 {
		c.Teaser = item.Description
	}
	if c.Lang == "" {
		c.Lang = item.Lang
	}
	// A feed's date carries the time of day; a page's often only the day.
	if !item.Published.IsZero() {
		c.Published = item.Published
	}
	if c.Title == "" {
		c.Title = item.Title
	}
	return &c, nil
}

func fromFeed(item news.Item) *news.Article {
	lang := item.Lang
	if lang == "" {
		lang = guessLang(item.Title + " " + item.Description)
	}
	return &news.Article{
		URL: item.URL, Title: item.Title, Teaser: item.Description,
		Lang: lang, Published: item.Published, FromFeed: true,
	}
}
