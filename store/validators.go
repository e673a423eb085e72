package store

import (
	"sync"

	"github.com/newsbot/newsbot/internal/arena"
	"github.com/newsbot/newsbot/news"
)

// validatorCache keeps the validators a store saved, by key, in memory.
// There is one entry per source, kept for as long as newsbot runs: the
// keys and values are copied into an arena, so that ten thousand of them
// do not each pin a page of the heap (see package arena). Replaced values
// stay in the arena until the cache is cleared, which Prune does hourly.
type validatorCache struct {
	mu      sync.RWMutex
	m       map[string]cachedValidators
	strings arena.Strings
}

type cachedValidators struct {
	key string // the map's key, in the arena (see put)
	v   news.Validators
}

func (c *validatorCache) get(key string) (news.Validators, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.m[key]
	return e.v, ok
}

func (c *validatorCache) put(key string, v news.Validators) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedValidators{}
	}
	e, ok := c.m[key]
	if ok && e.v == v {
		return
	}
	if !ok {
		e.key = c.strings.Clone(key)
	}
	e.v = news.Validators{ETag: c.strings.Clone(v.ETag), LastModified: c.strings.Clone(v.LastModified), Hash: c.strings.Clone(v.Hash)}
	// Assigning to a string key stores the key given: the arena's copy,
	// not the caller's.
	c.m[e.key] = e
}

func (c *validatorCache) remove(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}

// clear forgets every entry and the arena with them.
func (c *validatorCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
	c.strings = arena.Strings{}
}
