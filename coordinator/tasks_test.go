package coordinator

import (
	"fmt"
	"math"
	"reflect"
	"slices"
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

// TestTreeSumsAnyCut: a round's sums added up the piece tree are the
// same bits however the pieces were cut into tasks, whether the tasks
// sent a sum per piece (as workers without the tree do) or per node of
// the tree, and they are the sums of all rows.
func TestTreeSumsAnyCut(t *testing.T) {
	const k, d, shards = 3, 2, 7
	rng := algo.NewRand(42, 1)
	parts := make([]*algo.CentreSums, shards)
	rows := algo.NewCentreSums(k, d) // every row, added in one sequence
	for s := range parts {
		p := algo.NewCentreSums(k, d)
		for range 50 {
			x := []float32{float32(rng.NormFloat64() * 1e3), float32(rng.NormFloat64() * 1e-3)}
			j, w, d2 := rng.IntN(k), rng.Float64()*10, rng.Float64()*1e6
			p.AddRow(x, j, w, d2)
			rows.AddRow(x, j, w, d2)
		}
		parts[s] = p
	}
	stack := func(r *wire.Result, sums []*algo.CentreSums) {
		if len(sums) == 1 {
			p := sums[0]
			r.Sums, r.Weights, r.Counts, r.Inertias, r.Inertia, r.N = p.Sums, p.Weights, p.Counts, p.Inertias, p.Inertia, p.Rows
			return
		}
		r.Pieces = len(sums)
		for _, p := range sums {
			r.Sums = append(r.Sums, p.Sums...)
			r.Weights = append(r.Weights, p.Weights...)
			r.Counts = append(r.Counts, p.Counts...)
			r.Inertias = append(r.Inertias, p.Inertias...)
			r.PieceInertia = append(r.PieceInertia, p.Inertia)
			r.PieceRows = append(r.PieceRows, p.Rows)
		}
	}
	// round returns the tasks and results of a round cut at cuts, each
	// task sending its pieces, or nodes when tree is set.
	round := func(cuts []int, tree bool) ([]*wire.Task, []*wire.Result) {
		var tasks []*wire.Task
		var res []*wire.Result
		for i := 1; i < len(cuts); i++ {
			lo, hi := cuts[i-1], cuts[i]
			task := &wire.Task{Kind: wire.KindSums, K: k, D: d, PieceTree: tree, FirstPiece: lo, Shards: make([]wire.Shard, hi-lo)}
			r := &wire.Result{Kind: wire.KindSums, K: k, D: d, Task: i}
			if !tree {
				stack(r, parts[lo:hi])
			} else {
				sizes := algo.TreeCover(lo, hi)
				var nodes []*algo.CentreSums
				at := lo
				for _, size := range sizes {
					n, err := algo.SumTree(at, size, hi, func(p, n int) []*algo.CentreSums {
						if n == 1 {
							return []*algo.CentreSums{parts[p]}
						}
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					nodes, at = append(nodes, n[0]), at+size
				}
				stack(r, nodes)
				if len(nodes) > 1 {
					r.NodePieces = sizes
				}
			}
			tasks, res = append(tasks, task), append(res, r)
		}
		return tasks, res
	}
	tasks, res := round([]int{0, 1, 2, 3, 4, 5, 6, 7}, false)
	want, err := treeSums(tasks, res, []int{k}, d)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(want[0].Counts, rows.Counts) || want[0].Rows != rows.Rows {
		t.Fatalf("counts %v of %d rows, want %v of %d", want[0].Counts, want[0].Rows, rows.Counts, rows.Rows)
	}
	for i, v := range rows.Sums {
		if math.Abs(want[0].Sums[i]-v) > 1e-9*math.Abs(v) {
			t.Fatalf("sum %d is %v, the rows add up to %v", i, want[0].Sums[i], v)
		}
	}
	for _, cuts := range [][]int{{0, 7}, {0, 3, 4, 7}, {0, 2, 7}, {0, 6, 7}, {0, 1, 5, 7}, {0, 4, 7}} {
		for _, tree := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/tree=%v", cuts, tree), func(t *testing.T) {
				tasks, res := round(cuts, tree)
				got, err := treeSums(tasks, res, []int{k}, d)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("tasks over shards cut at %v: sums differ from the piece-by-piece round", cuts)
				}
			})
		}
	}
	// Tasks that add their pieces in another order give other bits on
	// this data: without a fixed tree the test above would fail.
	grouped := algo.NewCentreSums(k, d)
	for _, span := range [][2]int{{0, 3}, {3, 7}} {
		sub := algo.NewCentreSums(k, d)
		for _, p := range parts[span[0]:span[1]] {
			_ = sub.Merge(p)
		}
		_ = grouped.Merge(sub)
	}
	if reflect.DeepEqual(grouped, want[0]) {
		t.Error("merging the tasks' totals gives the same bits: the data does not tell the orders apart")
	}
	// A sum that is not a node of the tree is refused, not added.
	tasks, res = round([]int{0, 3, 7}, false)
	res[0].Pieces, res[0].NodePieces = 2, []int{1, 2}
	if _, err := treeSums(tasks, res, []int{k}, d); err == nil {
		t.Error("a sum of pieces [1, 3), not a node of the tree, was added")
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
