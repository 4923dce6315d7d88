package worker

import (
	"container/list"
	"fmt"
	"strings"
	"sync"

	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// BlockCache keeps decoded shards in memory, least recently used out
// first, so that iterative algorithms (mini-batch, Lloyd) read each shard
// from disk once rather than every round. Concurrent requests for the same
// shard wait for one read. It is safe for concurrent use.
type BlockCache struct {
	mu      sync.Mutex
	limit   int64
	size    int64
	lru     *list.List // of *cacheEntry, front = most recent
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	key   string
	elem  *list.Element
	ready chan struct{} // closed when block/err are set
	block *partition.Block
	err   error
	bytes int64
}

// NewBlockCache returns a cache that holds up to limit bytes of blocks;
// limit <= 0 means 1 GiB.
func NewBlockCache(limit int64) *BlockCache {
	if limit <= 0 {
		limit = 1 << 30
	}
	return &BlockCache{limit: limit, lru: list.New(), entries: make(map[string]*cacheEntry)}
}

func cacheKey(s wire.Shard, d wire.Data) string {
	return fmt.Sprintf("%s|%s|%d|%d|%s|%s|%s", s.File, s.Format, s.First, s.Last,
		strings.Join(d.Columns, ","), d.Weight, d.Nulls)
}

// Get returns the block of shard s, reading it on a miss. Errors are not
// cached: a file fixed between rounds is read again.
func (c *BlockCache) Get(s wire.Shard, d wire.Data) (*partition.Block, error) {
	key := cacheKey(s, d)
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		if e.elem != nil {
			c.lru.MoveToFront(e.elem)
		}
		c.mu.Unlock()
		<-e.ready
		return e.block, e.err
	}
	e := &cacheEntry{key: key, ready: make(chan struct{})}
	c.entries[key] = e
	c.mu.Unlock()

	e.block, e.err = readShard(s, d)
	if e.err != nil {
		e.err = &inputError{e.err}
	}

	c.mu.Lock()
	if e.err != nil {
		delete(c.entries, key)
	} else {
		e.bytes = int64(len(e.block.Data))*4 + int64(len(e.block.Index))*8 + int64(len(e.block.Weights))*4
		e.elem = c.lru.PushFront(e)
		c.size += e.bytes
		for c.size > c.limit && c.lru.Len() > 1 {
			old := c.lru.Remove(c.lru.Back()).(*cacheEntry)
			delete(c.entries, old.key)
			c.size -= old.bytes
		}
	}
	c.mu.Unlock()
	close(e.ready)
	return e.block, e.err
}

// readShard converts the wire reference back into a partition shard and
// reads it.
func readShard(s wire.Shard, d wire.Data) (*partition.Block, error) {
	format, err := partition.FormatFromPath(s.File)
	if err != nil {
		return nil, err
	}
	nulls, err := partition.ParseNullPolicy(d.Nulls)
	if err != nil {
		return nil, err
	}
	ps := partition.Shard{
		ID: s.ID, File: s.File, Format: format, First: s.First, Last: s.Last,
		RowOffset: s.RowOffset, Rows: s.Rows,
	}
	return partition.ReadShard(ps, d.Columns, d.Weight, nulls)
}

// inputError marks a failure to read a task's input: a missing or corrupt
// file, a bad column or value. Retrying elsewhere cannot help.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }
