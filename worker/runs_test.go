package worker

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// runsTaskFixture returns a sums task over the 9 shards of a blobs file.
func runsTaskFixture(t *testing.T) *wire.Task {
	t.Helper()
	path := filepath.Join(t.TempDir(), "b.parquet")
	if _, err := partition.GenerateBlobs(path, partition.BlobsConfig{N: 9000, D: 5, K: 4, Seed: 3, BatchRows: 1000}); err != nil {
		t.Fatal(err)
	}
	ds, err := partition.Scan([]string{path}, partition.Options{Exclude: []string{"label"}, ShardRows: 1000})
	if err != nil || len(ds.Shards) != 9 {
		t.Fatalf("%v, %d shards", err, len(ds.Shards))
	}
	task := &wire.Task{Job: "j", Kind: wire.KindSums, Round: 7, D: 5, Seed: 11, Data: wire.Data{Columns: ds.Columns, Nulls: "error"}}
	for _, s := range ds.Shards {
		task.Shards = append(task.Shards, wire.Shard{ID: s.ID, File: s.File, Format: s.Format.String(),
			First: s.First, Last: s.Last, RowOffset: s.RowOffset, Rows: s.Rows})
	}
	return task
}

// runPiece is one run's sums of one piece, cut out of a result.
type runPiece struct {
	Sums, Weights, Inertias []float64
	Counts                  []int64
	Inertia                 float64
	Rows                    int64
}

// piecesOf cuts the sums of run r (of the sizes runK) out of res, piece
// by piece, by the layout wire.Result documents.
func piecesOf(res *wire.Result, runK []int, r int) []runPiece {
	if res.Runs == 0 { // one run: a piece, or several stacked
		if res.Pieces == 0 {
			return []runPiece{{res.Sums, res.Weights, res.Inertias, res.Counts, res.Inertia, res.N}}
		}
		k, d := res.K, res.D
		var out []runPiece
		for p := range res.Pieces {
			out = append(out, runPiece{res.Sums[p*k*d : (p+1)*k*d], res.Weights[p*k : (p+1)*k], res.Inertias[p*k : (p+1)*k],
				res.Counts[p*k : (p+1)*k], res.PieceInertia[p], res.PieceRows[p]})
		}
		return out
	}
	off := 0
	for _, k := range runK[:r] {
		off += k
	}
	k, d, total := runK[r], res.D, res.K
	var out []runPiece
	for p := range res.Pieces {
		lo := p*total + off
		out = append(out, runPiece{res.Sums[lo*d : (lo+k)*d], res.Weights[lo : lo+k], res.Inertias[lo : lo+k],
			res.Counts[lo : lo+k], res.PieceInertia[p*res.Runs+r], res.PieceRows[p*res.Runs+r]})
	}
	return out
}

// A task of several runs returns, for every run, the bits a task of that
// run alone returns (full passes and mini-batches, any pieces, any
// goroutines), and survives the wire.
func TestSumsRunsEqualSingleRuns(t *testing.T) {
	base := runsTaskFixture(t)
	runK := []int{4, 2, 3}
	centres := [][]float32{
		{0, 0, 0, 0, 0, 5, 5, 5, 5, 5, -5, 0, 5, 0, -5, 9, -9, 9, -9, 9},
		{1, 1, 1, 1, 1, -3, -3, -3, -3, -3},
		{2, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 2, 0, 0},
	}
	cache := NewBlockCache(0)
	for _, fraction := range []float64{0.3, 1} {
		for _, sizes := range [][]int{nil, {2, 3, 4}, {9}} {
			for _, p := range []int{1, 3} {
				multi := *base
				multi.Fraction, multi.PieceShards, multi.RunK, multi.K = fraction, sizes, runK, 9
				multi.Centres = slices.Concat(centres...)
				x := &executor{cache: cache, parallelism: p}
				res, err := x.execute(context.Background(), &multi)
				if err != nil {
					t.Fatal(err)
				}
				b, err := wire.EncodeResult(res)
				if err != nil {
					t.Fatal(err)
				}
				if res, err = wire.DecodeResult(b); err != nil {
					t.Fatalf("a result of runs does not decode: %v", err)
				}
				for r, k := range runK {
					one := *base
					one.Fraction, one.PieceShards, one.K, one.Centres = fraction, sizes, k, centres[r]
					want, err := (&executor{cache: cache, parallelism: 1}).execute(context.Background(), &one)
					if err != nil {
						t.Fatal(err)
					}
					if got, wantPieces := piecesOf(res, runK, r), piecesOf(want, nil, 0); !reflect.DeepEqual(got, wantPieces) {
						t.Fatalf("fraction %v, pieces %v, %d goroutines, run %d (k=%d): sums differ from a task of the run alone\n got %+v\nwant %+v",
							fraction, sizes, p, r, k, got, wantPieces)
					}
				}
			}
		}
	}
}

// A task of several runs reads each of its shards once, however many
// runs it carries; the same runs as tasks of their own read them once
// each. The cache keeps only the last shard, so every other fetch reads.
func TestSumsRunsReadEachShardOnce(t *testing.T) {
	base := runsTaskFixture(t)
	for _, runs := range []int{1, 2, 4, 8} {
		cache := NewBlockCache(1)
		multi := *base
		multi.Fraction, multi.K = 1, 3*runs
		for range runs {
			multi.RunK = append(multi.RunK, 3)
			multi.Centres = append(multi.Centres, 0, 0, 0, 0, 0, 5, 5, 5, 5, 5, -5, 0, 5, 0, -5)
		}
		if _, err := (&executor{cache: cache, parallelism: 2}).execute(context.Background(), &multi); err != nil {
			t.Fatal(err)
		}
		if got := cache.reads.Load(); got != int64(len(base.Shards)) {
			t.Errorf("%d runs in one task read %d shards, want each of the %d once", runs, got, len(base.Shards))
		}
		alone := NewBlockCache(1)
		for r := range runs {
			one := *base
			one.Fraction, one.K, one.Centres = 1, 3, multi.Centres[r*15:(r+1)*15]
			if _, err := (&executor{cache: alone, parallelism: 2}).execute(context.Background(), &one); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := alone.reads.Load(), int64(runs*len(base.Shards)); got != want {
			t.Errorf("%d runs as tasks of their own read %d shards, want %d", runs, got, want)
		}
	}
}
