package worker

import (
	"fmt"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// BlockCache keeps decoded shards in memory, least recently used out
// first, so that iterative algorithms (mini-batch, Lloyd) read each shard
// from disk once rather than every round. Concurrent requests for the same
// shard wait for one read. It is safe for concurrent use.
type BlockCache struct {
	blocks *loadingLRU[*partition.Block]
	reads  atomic.Int64 // shards read (misses), for tests
}

// NewBlockCache returns a cache that holds up to limit bytes of blocks;
// limit <= 0 means 1 GiB.
func NewBlockCache(limit int64) *BlockCache {
	if limit <= 0 {
		limit = 1 << 30
	}
	return &BlockCache{blocks: newLoadingLRU[*partition.Block](limit, nil)}
}

func cacheKey(s wire.Shard, local string, d wire.Data) string {
	return fmt.Sprintf("%s|%s|%s|%s|%d|%d|%s|%s|%s|%v|%v|%q|%v|%v|%v|%x", s.File, s.Version, local, s.Format, s.First, s.Last,
		strings.Join(d.Columns, ","), d.Weight, d.Nulls, d.Offsets, d.NoHeader, d.Delimiter, d.Limit, d.Scales, d.Nominal, levelsHash(d.Levels))
}

// Get returns the block of shard s, reading it on a miss. Errors are not
// cached: a file fixed between rounds is read again.
func (c *BlockCache) Get(s wire.Shard, d wire.Data) (*partition.Block, error) {
	return c.GetLocal(s, "", d)
}

// GetLocal is Get for a shard whose file is read from a local copy (a
// staged input); the shard's own path still gives its partition columns.
func (c *BlockCache) GetLocal(s wire.Shard, local string, d wire.Data) (*partition.Block, error) {
	return c.blocks.get(cacheKey(s, local, d), func() (*partition.Block, int64, error) {
		c.reads.Add(1)
		b, err := readShard(s, local, d)
		if err != nil {
			return nil, 0, &inputError{err}
		}
		return b, int64(len(b.Data))*4 + int64(len(b.Index))*8 + int64(len(b.Weights))*4, nil
	})
}

// readShard converts the wire reference back into a partition shard and
// reads it.
func readShard(s wire.Shard, local string, d wire.Data) (*partition.Block, error) {
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
		RowOffset: s.RowOffset, Rows: s.Rows, Local: local,
		ByteStart: s.ByteStart, ByteEnd: s.ByteEnd, DictOffsets: s.DictOffsets, Version: s.Version,
	}
	if format == partition.FormatCSV {
		ps.CSV.NoHeader = d.NoHeader
		if d.Delimiter != "" {
			ps.CSV.Delimiter, _ = utf8.DecodeRuneInString(d.Delimiter)
		}
	}
	if d.Levels != nil {
		return partition.ReadShardNominal(ps, d.Columns, nulls, d.Nominal, d.Levels)
	}
	if d.Scales != nil {
		return partition.ReadShardScaled(ps, d.Columns, d.Weight, nulls, d.Offsets, d.Scales, d.Limit)
	}
	if d.Offsets != nil {
		return partition.ReadShardShifted(ps, d.Columns, d.Weight, nulls, d.Offsets, d.Limit)
	}
	return partition.ReadShard(ps, d.Columns, d.Weight, nulls)
}

// inputError marks a failure to read a task's input: a missing or corrupt
// file, a bad column or value. Retrying elsewhere cannot help.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }
