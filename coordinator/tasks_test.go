package coordinator

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

func TestSpreadShardTasks(t *testing.T) {
	sizes := []int64{10000, 10000, 5000, 30000, 10000, 10000, 2000}
	ds := &partition.Dataset{}
	var off int64
	for i, n := range sizes {
		ds.Shards = append(ds.Shards, partition.Shard{ID: i, File: "f", RowOffset: off, Rows: n})
		off += n
	}
	// k=3, d=2: 136 bytes of sums per piece; a bound of two pieces' worth.
	small := &Coordinator{opts: Options{MaxResultBytes: resultSlack + 2*136}}
	// At a fraction of 0.05 the shards expect 500, 500, 250, 1500, 500,
	// 500 and 100 rows: pieces of shards {0,1,2}, {3} and {4,5,6}.
	for _, tc := range []struct {
		name     string
		c        *Coordinator
		fraction float64
		minRows  int
		workers  int
		want     [][]int // shard IDs per task
		pieces   [][]int // PieceShards per task
	}{
		{"full pass: one task per shard", nil, 1, 2048, 1,
			[][]int{{0}, {1}, {2}, {3}, {4}, {5}, {6}}, [][]int{{1}, {1}, {1}, {1}, {1}, {1}, {1}}},
		{"batch of one task", nil, 0.05, 4096, 1,
			[][]int{{0, 1, 2, 3, 4, 5, 6}}, [][]int{{3, 1, 3}}},
		{"batch for two workers", nil, 0.05, 4096, 2,
			[][]int{{0, 1, 2, 3}, {4, 5, 6}}, [][]int{{3, 1}, {3}}},
		{"batch for three workers", nil, 0.05, 4096, 3,
			[][]int{{0, 1, 2}, {3}, {4, 5, 6}}, [][]int{{3}, {1}, {3}}},
		{"batch for more workers than pieces", nil, 0.05, 4096, 8,
			[][]int{{0, 1, 2}, {3}, {4, 5, 6}}, [][]int{{3}, {1}, {3}}},
		{"full pass, more workers than shards", nil, 1, 2048, 100,
			[][]int{{0}, {1}, {2}, {3}, {4}, {5}, {6}}, [][]int{{1}, {1}, {1}, {1}, {1}, {1}, {1}}},
		{"tiny batch: the data does not allow a split", nil, 0.0001, 1000, 8,
			[][]int{{0, 1, 2, 3, 4, 5, 6}}, [][]int{{7}}},
		{"sums of two pieces fill a result", small, 1, 1 << 30, 1,
			[][]int{{0, 1}, {2, 3}, {4}, {5, 6}}, [][]int{{1, 1}, {1, 1}, {1}, {1, 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := &job{c: tc.c, spec: &wire.JobSpec{K: 3, Seed: 5}, ds: ds, d: 2}
			tasks := j.spreadShardTasks(wire.KindSums, ds.Shards, tc.fraction, tc.minRows, tc.workers)
			var got, pieces [][]int
			for i, task := range tasks {
				var ids []int
				for _, s := range task.Shards {
					ids = append(ids, s.ID)
				}
				got = append(got, ids)
				pieces = append(pieces, task.PieceShards)
				if task.ID != ids[0] || task.Kind != wire.KindSums || task.K != 3 || task.D != 2 || task.Seed != 5 {
					t.Errorf("task %d: %+v", i, task)
				}
			}
			if !reflect.DeepEqual(got, tc.want) || !reflect.DeepEqual(pieces, tc.pieces) {
				t.Fatalf("fraction %v, minRows %d, %d workers: tasks over shards %v in pieces %v, want %v in %v",
					tc.fraction, tc.minRows, tc.workers, got, pieces, tc.want, tc.pieces)
			}
		})
	}
}

// TestAddSumsPieces: a round's sums added piece by piece are the same
// bits as the per-shard sums added one after another, however the
// shards were grouped into tasks.
func TestAddSumsPieces(t *testing.T) {
	const k, d, shards = 3, 2, 7
	rng := algo.NewRand(42, 1)
	parts := make([]*algo.CentreSums, shards)
	for s := range parts {
		p := algo.NewCentreSums(k, d)
		for range 50 {
			x := []float32{float32(rng.NormFloat64() * 1e3), float32(rng.NormFloat64() * 1e-3)}
			p.AddRow(x, rng.IntN(k), rng.Float64()*10, rng.Float64()*1e6)
		}
		parts[s] = p
	}
	want := algo.NewCentreSums(k, d)
	for _, p := range parts {
		if err := want.Merge(p); err != nil {
			t.Fatal(err)
		}
	}
	// result stacks shards [lo,hi) as a worker does.
	result := func(lo, hi int) *wire.Result {
		r := &wire.Result{Kind: wire.KindSums, K: k, D: d}
		if hi-lo == 1 {
			p := parts[lo]
			r.Sums, r.Weights, r.Counts, r.Inertias, r.Inertia, r.N = p.Sums, p.Weights, p.Counts, p.Inertias, p.Inertia, p.Rows
			return r
		}
		r.Pieces = hi - lo
		for _, p := range parts[lo:hi] {
			r.Sums = append(r.Sums, p.Sums...)
			r.Weights = append(r.Weights, p.Weights...)
			r.Counts = append(r.Counts, p.Counts...)
			r.Inertias = append(r.Inertias, p.Inertias...)
			r.PieceInertia = append(r.PieceInertia, p.Inertia)
			r.PieceRows = append(r.PieceRows, p.Rows)
		}
		return r
	}
	for _, cuts := range [][]int{{0, 7}, {0, 1, 2, 3, 4, 5, 6, 7}, {0, 3, 4, 7}, {0, 2, 7}, {0, 6, 7}} {
		t.Run(fmt.Sprint(cuts), func(t *testing.T) {
			got := algo.NewCentreSums(k, d)
			for i := 1; i < len(cuts); i++ {
				if err := addSums(got, result(cuts[i-1], cuts[i])); err != nil {
					t.Fatal(err)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("tasks over shards cut at %v: sums differ from the shard-by-shard merge", cuts)
			}
		})
	}
	// Tasks that merge their shards first, as workers did before, give
	// other bits on this data: without pieces the test above would fail.
	grouped := algo.NewCentreSums(k, d)
	for _, span := range [][2]int{{0, 3}, {3, 7}} {
		sub := algo.NewCentreSums(k, d)
		for _, p := range parts[span[0]:span[1]] {
			_ = sub.Merge(p)
		}
		_ = grouped.Merge(sub)
	}
	if reflect.DeepEqual(grouped, want) {
		t.Error("merging the tasks' totals gives the same bits: the data does not tell the orders apart")
	}
}

// TestSpreadBatchRounding: the default batch of 16384 rows drawn from
// the shards of the 1M-row bench file (15 row groups of 65536 rows and
// one of 16960) adds up to a little over 16384 in float64; with two
// workers that is two tasks of half the batch, not three.
func TestSpreadBatchRounding(t *testing.T) {
	ds := &partition.Dataset{}
	for i := range 16 {
		rows := int64(65536)
		if i == 15 {
			rows = 1_000_000 - 15*65536
		}
		ds.Shards = append(ds.Shards, partition.Shard{ID: i, File: "f", RowOffset: int64(i) * 65536, Rows: rows})
	}
	j := &job{spec: &wire.JobSpec{K: 100}, ds: ds, d: 32}
	fraction := float64(DefaultBatchSize) / 1e6
	var total float64
	for _, s := range ds.Shards {
		total += fraction * float64(s.Rows)
	}
	if total <= DefaultBatchSize {
		t.Fatalf("the expected rows add up to %v, not above the batch: the case does not test the rounding", total)
	}
	tasks := j.spreadShardTasks(wire.KindSums, ds.Shards, fraction, DefaultBatchSize/2, 2)
	if len(tasks) != 2 {
		t.Fatalf("%d tasks, want 2", len(tasks))
	}
}
