package worker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/hugepage"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// BenchmarkSumsTask runs one mini-batch sums task over 8 shards of 65536
// rows × 32 features with k=100 centres. rows=8192 is a step of the
// 1M-row bench job (bench/run.sh kmeans) as each of its two workers gets
// it: the default batch of 16384 rows halved. rows=2048 is a smaller
// batch, where the per-shard work weighs more. centres=rows takes the
// centres from the data, far from most rows' cluster means: the
// assignment's screen turns off and every row takes the full path.
// centres=fitted are fitted first, as in a job's steps, where the
// screen settles most rows and the scattered rows' cache misses weigh
// most. The shards are read before the timer starts, as the init pass
// reads them in a job. ns/row is per batch row.
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
	for _, bc := range []struct {
		centres string
		rows    int
	}{{"rows", 2048}, {"rows", 8192}, {"fitted", 8192}} {
		rows := bc.rows
		b.Run(fmt.Sprintf("centres=%s/rows=%d", bc.centres, rows), func(b *testing.B) {
			// One piece per shard, added up the piece tree in the
			// worker, as a job's step tasks ask (coordinator spreadTasks).
			t := &wire.Task{Job: "bench", Kind: wire.KindSums, K: 100, D: 32, Seed: 1, PieceTree: true,
				Fraction: float64(rows) / (shards * shardRows), Data: wire.Data{Columns: ds.Columns, Nulls: "error"}}
			for _, s := range ds.Shards {
				t.Shards = append(t.Shards, wire.Shard{ID: s.ID, File: s.File, Format: s.Format.String(),
					First: s.First, Last: s.Last, RowOffset: s.RowOffset, Rows: s.Rows})
				t.PieceShards = append(t.PieceShards, 1)
			}
			// Advised as a shoal process advises its heap (cmd/shoal's
			// memory plan): the cached shards then sit on huge pages, and
			// a batch's scattered rows miss in the caches but rarely in
			// the TLB, as in a job.
			hugepage.AdviseHeap(256 << 20)
			x := &executor{cache: NewBlockCache(1 << 30)}
			first, err := x.blocks(t).get(0)
			if err != nil {
				b.Fatal(err)
			}
			for i := range 100 {
				row := i * 650
				t.Centres = append(t.Centres, first.Data[row*32:(row+1)*32]...)
			}
			if bc.centres == "fitted" {
				t.Centres = fittedCentres(b, first.Data)
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

// fittedCentres seeds k-means++ on x (rows of 32 values) and runs ten
// Lloyd passes, so that most rows fall well inside their centre's cell,
// as in a job's steps: there the assignment's screen settles most rows,
// which centres taken from the data leave to the full path.
func fittedCentres(b *testing.B, x []float32) []float32 {
	const k, d = 100, 32
	rng := rand.New(rand.NewPCG(1, 2))
	centres, err := algo.KMeansPlusPlus(x, len(x)/d, d, k, nil, 0, rng)
	if err != nil {
		b.Fatal(err)
	}
	a := algo.NewAssigner(k, d)
	for range 10 {
		if err := a.SetCentres(centres); err != nil {
			b.Fatal(err)
		}
		s := algo.NewCentreSums(k, d)
		if err := a.Accumulate(x, len(x)/d, nil, s); err != nil {
			b.Fatal(err)
		}
		if _, _, err := algo.LloydUpdate(centres, s, rng); err != nil {
			b.Fatal(err)
		}
	}
	return centres
}
