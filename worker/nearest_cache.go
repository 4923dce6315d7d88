package worker

import (
	"container/list"
	"hash/maphash"
	"sync"
	"unsafe"
)

// NearestCache remembers, for each (job, shard), every row's nearest
// centre and exact squared distance among the first n centres of a list
// that only grows: the candidates of k-means||. A pass against the list
// extended by a few hundred candidates then computes distances to those
// only, rather than to all of them again, and the pass after it that
// samples rows by those distances computes none. Entries are checked
// against a hash of the centres they cover, so a list that changed is
// recomputed, never trusted. Least recently used entries go first beyond
// the byte limit. It is safe for concurrent use; entries are never
// modified once stored.
type NearestCache struct {
	mu      sync.Mutex
	seed    maphash.Seed
	limit   int64
	size    int64
	lru     *list.List // of *nearestEntry, front = most recent
	entries map[string]*nearestEntry
}

// nearestEntry holds the nearest of the first n centres for each row of
// one shard.
type nearestEntry struct {
	key    string
	elem   *list.Element
	n      int    // centres covered
	hash   uint64 // of their values
	labels []int32
	dist   []float64
}

// NewNearestCache returns a cache of up to limit bytes; limit <= 0 means
// 256 MiB (12 bytes a row: 20 million rows).
func NewNearestCache(limit int64) *NearestCache {
	if limit <= 0 {
		limit = 256 << 20
	}
	return &NearestCache{seed: maphash.MakeSeed(), limit: limit, lru: list.New(), entries: map[string]*nearestEntry{}}
}

// hash identifies a list of centres within this process.
func (c *NearestCache) hash(centres []float32) uint64 {
	if len(centres) == 0 {
		return 0
	}
	return maphash.Bytes(c.seed, unsafe.Slice((*byte)(unsafe.Pointer(&centres[0])), 4*len(centres)))
}

// lookup returns what the cache holds for key if it covers a prefix of
// centres (d values each) and rows rows: the number of centres covered
// and, read-only, the labels and distances. n is 0 when nothing usable is
// held.
func (c *NearestCache) lookup(key string, centres []float32, d, rows int) (n int, labels []int32, dist []float64) {
	c.mu.Lock()
	e, ok := c.entries[key]
	if ok {
		c.lru.MoveToFront(e.elem)
	}
	c.mu.Unlock()
	if !ok || e.n*d > len(centres) || len(e.labels) != rows || e.hash != c.hash(centres[:e.n*d]) {
		return 0, nil, nil
	}
	return e.n, e.labels, e.dist
}

// store records the nearest of n centres (hash h) for each row under key.
// The slices must not be modified afterwards.
func (c *NearestCache) store(key string, n int, h uint64, labels []int32, dist []float64) {
	bytes := int64(len(labels))*12 + int64(len(key)) + 64
	if bytes > c.limit {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok {
		c.lru.Remove(old.elem)
		c.size -= int64(len(old.labels))*12 + int64(len(old.key)) + 64
	}
	e := &nearestEntry{key: key, n: n, hash: h, labels: labels, dist: dist}
	e.elem = c.lru.PushFront(e)
	c.entries[key] = e
	c.size += bytes
	for c.size > c.limit {
		last := c.lru.Back().Value.(*nearestEntry)
		c.lru.Remove(last.elem)
		delete(c.entries, last.key)
		c.size -= int64(len(last.labels))*12 + int64(len(last.key)) + 64
	}
}
