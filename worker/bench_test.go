package worker

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// BenchmarkSumsTask runs one mini-batch sums task as a step of the 1M-row
// bench (bench/run.sh kmeans) sends it: 8 shards of 65536 rows × 32
// features, 2048 expected batch rows, k=100 centres taken from the data.
// The shards are read before the timer starts, as the init pass reads
// them in a job.
func BenchmarkSumsTask(b *testing.B) {
	path := filepath.Join(b.TempDir(), "blobs.parquet")
	if _, err := partition.GenerateBlobs(path, partition.BlobsConfig{N: 8 << 16, D: 32, K: 100, Seed: 7}); err != nil {
		b.Fatal(err)
	}
	ds, err := partition.Scan([]string{path}, partition.Options{Exclude: []string{"label"}, ShardRows: 1 << 16})
	if err != nil {
		b.Fatal(err)
	}
	t := &wire.Task{Job: "bench", Kind: wire.KindSums, K: 100, D: 32, Seed: 1, Fraction: 4096.0 / 1e6,
		Data: wire.Data{Columns: ds.Columns, Nulls: "error"}}
	for _, s := range ds.Shards {
		t.Shards = append(t.Shards, wire.Shard{ID: s.ID, File: s.File, Format: s.Format.String(),
			First: s.First, Last: s.Last, RowOffset: s.RowOffset, Rows: s.Rows})
	}
	x := &executor{cache: NewBlockCache(1 << 30)}
	first, err := x.blocks(t).get(0)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 100 {
		row := i * 650
		t.Centres = append(t.Centres, first.Data[row*32:(row+1)*32]...)
	}
	for b.Loop() {
		t.Round++
		if _, err := x.execute(context.Background(), t); err != nil {
			b.Fatal(err)
		}
	}
}
