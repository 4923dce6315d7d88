package worker

import (
	"container/list"
	"sync"
)

// loadingLRU holds values by key up to a byte limit, least recently used
// out first. A miss loads the value once however many callers ask for it
// at the same time; the others wait for that load. Failed loads are not
// kept: the next request loads again. The most recent value is always
// kept, even alone above the limit. It is safe for concurrent use.
type loadingLRU[V any] struct {
	mu      sync.Mutex
	limit   int64
	size    int64
	lru     *list.List // of *lruEntry[V], front = most recent
	entries map[string]*lruEntry[V]
	evicted func(V)          // called, under the lock, for each value evicted; may be nil
	resized func(size int64) // called, under the lock, with the bytes held after a load; may be nil
}

type lruEntry[V any] struct {
	key   string
	elem  *list.Element // nil while loading
	ready chan struct{} // closed when val/err are set
	val   V
	err   error
	bytes int64
}

func newLoadingLRU[V any](limit int64, evicted func(V)) *loadingLRU[V] {
	return &loadingLRU[V]{limit: limit, lru: list.New(), entries: map[string]*lruEntry[V]{}, evicted: evicted}
}

// get returns the value under key, calling load on a miss; load returns
// the value and its size in bytes.
func (c *loadingLRU[V]) get(key string, load func() (V, int64, error)) (V, error) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		if e.elem != nil {
			c.lru.MoveToFront(e.elem)
		}
		c.mu.Unlock()
		<-e.ready
		return e.val, e.err
	}
	e := &lruEntry[V]{key: key, ready: make(chan struct{})}
	c.entries[key] = e
	c.mu.Unlock()

	e.val, e.bytes, e.err = load()

	c.mu.Lock()
	if e.err != nil {
		delete(c.entries, key)
	} else {
		e.elem = c.lru.PushFront(e)
		c.size += e.bytes
		for c.size > c.limit && c.lru.Len() > 1 {
			old := c.lru.Remove(c.lru.Back()).(*lruEntry[V])
			delete(c.entries, old.key)
			c.size -= old.bytes
			if c.evicted != nil {
				c.evicted(old.val)
			}
		}
		if c.resized != nil {
			c.resized(c.size)
		}
	}
	c.mu.Unlock()
	close(e.ready)
	return e.val, e.err
}
