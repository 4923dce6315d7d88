package worker

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// TestStreamShardOffsets: the byte range and dictionary offsets of an
// Arrow stream shard reach the reader, both where blocks are cached and
// where a shard is converted for a labels part: offsets pointing past the
// file are refused, where a reader that dropped them would read the
// stream from its start and succeed; an older task without them reads
// the same rows.
func TestStreamShardOffsets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.arrows")
	if _, err := partition.GenerateBlobs(path, partition.BlobsConfig{N: 200, D: 2, K: 2, Seed: 1, BatchRows: 50}); err != nil {
		t.Fatal(err)
	}
	ds, err := partition.Scan([]string{path}, partition.Options{ShardRows: 50, Exclude: []string{"label"}})
	if err != nil {
		t.Fatal(err)
	}
	ps := ds.Shards[len(ds.Shards)-1]
	if ps.ByteEnd == 0 {
		t.Fatalf("shard without offsets: %+v", ps)
	}
	ws := wire.Shard{ID: ps.ID, File: ps.File, Format: ps.Format.String(), First: ps.First, Last: ps.Last,
		RowOffset: ps.RowOffset, Rows: ps.Rows, ByteStart: ps.ByteStart, ByteEnd: ps.ByteEnd, DictOffsets: ps.DictOffsets}
	d := wire.Data{Columns: ds.Columns, Nulls: "error"}
	want, err := readShard(ws, "", d)
	if err != nil {
		t.Fatal(err)
	}
	old := ws
	old.ByteStart, old.ByteEnd = 0, 0
	if b, err := readShard(old, "", d); err != nil || !slices.Equal(b.Data, want.Data) || !slices.Equal(b.Index, want.Index) {
		t.Fatalf("without offsets: %v", err)
	}
	far := ws
	far.ByteStart, far.ByteEnd = ws.ByteEnd+1<<20, ws.ByteEnd+2<<20
	if _, err := readShard(far, "", d); !errors.Is(err, partition.ErrCorrupt) || !strings.Contains(err.Error(), "scan the file again") {
		t.Fatalf("offsets past the file: %v", err)
	}
	got, err := (&executor{}).partitionShard(far)
	if err != nil || got.ByteStart != far.ByteStart || got.ByteEnd != far.ByteEnd || !slices.Equal(got.DictOffsets, far.DictOffsets) {
		t.Fatalf("partitionShard: %+v, %v", got, err)
	}
}
