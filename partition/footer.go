package partition

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/apache/arrow-go/v18/parquet/metadata"

	"github.com/shoal-io/shoal/internal/blobfs"
)

// A worker opens a Parquet file once for every shard it reads, and each
// open used to parse the file's Thrift footer again: on the 1M × 32 bench
// file (16 row groups) that was about 3 ms an open, a tenth of reading
// the shard. Parsed footers are kept here, keyed by the file's size and
// the footer's raw bytes, so a cached footer is only ever used for a file
// whose footer is byte for byte the one it was parsed from, whatever
// happened to the file in between. Reading the raw footer is cheap; its
// parsing is what is saved.

// footerCacheBytes bounds the raw footer bytes the cache holds; the
// oldest entries go first.
const footerCacheBytes = 64 << 20

// parquetTail is the Parquet file trailer: the footer length and "PAR1".
const parquetTail = 8

var footers = footerCache{entries: map[string]*metadata.FileMetaData{}}

type footerCache struct {
	mu      sync.Mutex
	entries map[string]*metadata.FileMetaData
	order   []string // keys, oldest first
	costs   []int    // what each key of order counts against the bound
	bytes   int
}

// cachedFooter returns the parsed footer of the Parquet file at path, or
// nil when it cannot tell (the file is unreadable, encrypted or not
// Parquet): the caller then lets arrow-go read the footer, which reports
// such problems properly.
func cachedFooter(path string) *metadata.FileMetaData {
	if isRemote(path) {
		o, err := openRemote(path)
		if err != nil {
			return nil
		}
		defer o.Close()
		return objectFooter(o, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil
	}
	return footerOf(f, st.Size())
}

// objectFooter is cachedFooter for an object that is open. Each footer
// read is two requests, so an object with an entity tag finds its footer
// under its URL, tag and size before reading any of it: a store gives a
// replaced object a new tag.
func objectFooter(o *blobfs.Object, path string) *metadata.FileMetaData {
	tag := o.Info().ETag
	if tag == "" {
		return footerOf(o, o.Size())
	}
	alias := fmt.Sprintf("object\x00%s\x00%s\x00%d", path, tag, o.Size())
	if md := footers.lookup(alias); md != nil {
		return md
	}
	return footerOfAlias(o, o.Size(), alias)
}

// footerOf is cachedFooter for a file of size bytes read through r.
func footerOf(r io.ReaderAt, size int64) *metadata.FileMetaData {
	return footerOfAlias(r, size, "")
}

// footerOfAlias is footerOf that also caches the footer under alias, when
// set, at the cost of its raw bytes.
func footerOfAlias(r io.ReaderAt, size int64, alias string) *metadata.FileMetaData {
	if size < 2*parquetTail {
		return nil
	}
	var tail [parquetTail]byte
	if _, err := r.ReadAt(tail[:], size-parquetTail); err != nil || !bytes.Equal(tail[4:], []byte("PAR1")) {
		return nil
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n <= 0 || n > size-parquetTail || n > footerCacheBytes/4 {
		return nil
	}
	raw := make([]byte, 8+n)
	binary.LittleEndian.PutUint64(raw, uint64(size))
	if got, _ := r.ReadAt(raw[8:], size-parquetTail-n); got != len(raw)-8 {
		return nil // the file shrank since Stat: a partial footer is no key
	}
	md := footers.get(string(raw), raw[8:], size)
	if md != nil && alias != "" {
		footers.add(alias, md, len(raw))
	}
	return md
}

// lookup returns the footer cached under key, or nil.
func (c *footerCache) lookup(key string) *metadata.FileMetaData {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[key]
}

// get returns the footer cached under key, parsing and caching footer
// when there is none.
func (c *footerCache) get(key string, footer []byte, size int64) *metadata.FileMetaData {
	c.mu.Lock()
	md := c.entries[key]
	c.mu.Unlock()
	if md != nil {
		return md
	}
	md, err := metadata.NewFileMetaData(footer, nil)
	if err != nil || md.IsSetEncryptionAlgorithm() {
		return nil
	}
	md.SetSourceFileSize(size)
	return c.add(key, md, len(key))
}

// add caches md under key, counting cost bytes against the bound, and
// returns what the cache then holds under key (an entry added
// concurrently wins).
func (c *footerCache) add(key string, md *metadata.FileMetaData, cost int) *metadata.FileMetaData {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[key]; old != nil {
		return old
	}
	c.entries[key] = md
	c.order = append(c.order, key)
	c.costs = append(c.costs, cost)
	c.bytes += cost
	for c.bytes > footerCacheBytes {
		delete(c.entries, c.order[0])
		c.bytes -= c.costs[0]
		c.order, c.costs = c.order[1:], c.costs[1:]
	}
	return md
}
