// Package arena keeps many small, long-lived strings together in memory.
//
// A string that outlives the request it was read in (a validator, a host
// name) is a small allocation among a great many short-lived ones. Go's
// collector does not move objects, so each such string keeps the whole
// page it landed on in use: ten thousand of them, one per source, held
// tens of megabytes of otherwise free pages (measured with
// cmd/loadbench). Strings copied into an arena sit side by side in a few
// large blocks instead.
package arena

import "unsafe"

// blockSize is the size of a block; a longer string gets a block of its
// own.
const blockSize = 16 << 10

// Strings copies strings into large blocks. A block is freed when no
// string in it is referenced any more, so an arena suits strings that are
// dropped together (a cache that is cleared now and then) or seldom. It is
// not safe for concurrent use.
type Strings struct {
	block []byte
}

// Clone returns a copy of s in the arena.
func (a *Strings) Clone(s string) string {
	if len(s) == 0 {
		return ""
	}
	if len(s) > cap(a.block)-len(a.block) {
		if len(s) > blockSize/4 {
			return string([]byte(s)) // its own allocation: a block would mostly be waste
		}
		a.block = make([]byte, 0, blockSize)
	}
	start := len(a.block)
	a.block = append(a.block, s...)
	// The bytes from start on are never written again: a later append
	// writes after them, and a full block is replaced, not reused.
	return unsafe.String(&a.block[start], len(s))
}

// Entries adds to m an entry for each of keys it lacks, all made at once
// in one slice, so that long-lived entries sit side by side instead of
// each pinning a page of the heap; their keys are copied into names. init,
// when not nil, sets up each new entry with its key (the copy).
func Entries[T any](m map[string]*T, keys []string, names *Strings, init func(e *T, key string)) {
	slab := make([]T, len(keys))
	for i, k := range keys {
		if _, ok := m[k]; ok {
			continue
		}
		k = names.Clone(k)
		if init != nil {
			init(&slab[i], k)
		}
		m[k] = &slab[i]
	}
}
