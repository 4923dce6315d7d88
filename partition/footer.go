package partition

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"sync"

	"github.com/apache/arrow-go/v18/parquet/metadata"
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
		return footerOf(o, o.Size())
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

// footerOf is cachedFooter for a file of size bytes read through r.
func footerOf(r io.ReaderAt, size int64) *metadata.FileMetaData {
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
	return footers.get(string(raw), raw[8:], size)
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
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[key]; old != nil {
		return old // parsed concurrently by another reader
	}
	c.entries[key] = md
	c.order = append(c.order, key)
	c.bytes += len(key)
	for c.bytes > footerCacheBytes {
		oldest := c.order[0]
		c.order = c.order[1:]
		delete(c.entries, oldest)
		c.bytes -= len(oldest)
	}
	return md
}
