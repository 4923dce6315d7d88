package worker

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// BenchmarkSumsTask runs one mini-batch sums task over 8 shards of 65536
// rows × 32 features with k=100 centres taken from the data. rows=8192 is
// a step of the 1M-row bench job (bench/run.sh kmeans) as each of its two
// workers gets it: the default batch of 16384 rows halved. rows=2048 is a
// smaller batch, where the per-shard work weighs more. The shards are
// read before the timer starts, as the init pass reads them in a job.
// ns/row is per batch row.
func BenchmarkSumsTask(b *testing.B) {
	const shards, shardRows = 8, 1 << 16
	path := filepath.Join(b.TempDir(), "blobs.parquet")
	if _, err := partition.GenerateBlobs(path, partition.BlobsConfig{N: shards * shardRows, D: 32, K: 100, Seed: 7}); err != nil {
		b.Fatal(err)
	}
	ds, err := partition.Scan([]string{path}, partition.Options{Exclude: []string{"label"}, ShardRows: shardRows})
	if err != nil {
		b.Fatal(err)
	}
	for _, rows := range []int{2048, 8192} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			// One piece per shard, added up the piece tree in the
			// worker, as a job's step tasks ask (coordinator spreadTasks).
			t := &wire.Task{Job: "bench", Kind: wire.KindSums, K: 100, D: 32, Seed: 1, PieceTree: true,
				Fraction: float64(rows) / (shards * shardRows), Data: wire.Data{Columns: ds.Columns, Nulls: "error"}}
			for _, s := range ds.Shards {
				t.Shards = append(t.Shards, wire.Shard{ID: s.ID, File: s.File, Format: s.Format.String(),
					First: s.First, Last: s.Last, RowOffset: s.RowOffset, Rows: s.Rows})
				t.PieceShards = append(t.PieceShards, 1)
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
			var n int64
			for b.Loop() {
				t.Round++
				res, err := x.execute(context.Background(), t)
				if err != nil {
					b.Fatal(err)
				}
				n += res.N
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/row")
		})
	}
}
