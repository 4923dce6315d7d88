package worker

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// batchRows must draw each row independently with probability p: sorted,
// distinct, in range, and about p·n of them; the rows drawn right after
// another drawn row (a gap of one) are a fraction p of all draws, as
// independence requires; and the first and last tenth of the rows are
// drawn equally often.
func TestBatchRows(t *testing.T) {
	const n, p, trials = 200_000, 0.05, 20
	var draws, adjacent, first, last int
	for s := range trials {
		rows := batchRows(nil, n, p, algo.NewRand(uint64(s), 9))
		for i, r := range rows {
			if i > 0 && r == rows[i-1]+1 {
				adjacent++
			}
			if r < n/10 {
				first++
			}
			if r >= n-n/10 {
				last++
			}
		}
		draws += len(rows)
	}
	if frac, sd := float64(adjacent)/float64(draws), math.Sqrt(p*(1-p)/float64(draws)); math.Abs(frac-p) > 5*sd {
		t.Errorf("%.4f of draws follow a drawn row, want %.4f ± %.4f", frac, p, 5*sd)
	}
	if diff, sd := float64(first-last), math.Sqrt(2*trials*n/10*p); math.Abs(diff) > 5*sd {
		t.Errorf("first tenth drawn %d times, last tenth %d: differ by more than 5σ = %.0f", first, last, 5*sd)
	}

	for _, c := range []struct {
		n int
		p float64
	}{{100_000, 0.01}, {100_000, 0.5}, {1000, 1}, {1000, 0}, {0, 0.3}, {7, 0.999}} {
		var total int
		const trials = 20
		for s := range trials {
			rows := batchRows(nil, c.n, c.p, algo.NewRand(uint64(s)))
			for i, r := range rows {
				if r < 0 || int(r) >= c.n || (i > 0 && r <= rows[i-1]) {
					t.Fatalf("n=%d p=%v: rows not sorted, distinct and in range at %d: %v", c.n, c.p, i, rows[max(0, i-1):i+1])
				}
			}
			total += len(rows)
		}
		mean, want := float64(total)/trials, c.p*float64(c.n)
		sd := math.Sqrt(float64(c.n)*c.p*(1-c.p)/trials) + 1e-9
		if math.Abs(mean-want) > 5*sd+1e-9 {
			t.Errorf("n=%d p=%v: mean %.1f rows per draw, want %.1f ± %.1f", c.n, c.p, mean, want, 5*sd)
		}
	}
}

// split must cut per-row arrays into parts that fit, and joining the parts
// must give back the result; totals travel once.
func TestSplit(t *testing.T) {
	n := 200_000 // 9 bytes a row: 1.8 MB
	res := &wire.Result{Job: "j", Kind: wire.KindLabel, Parts: 1, Loss: 3, Inertia: 4}
	for i := range n {
		res.Rows = append(res.Rows, int64(i))
		res.Labels = append(res.Labels, int32(i%7))
		res.Distances = append(res.Distances, float64(i))
	}
	parts := split(res, 1<<20)
	if len(parts) < 2 {
		t.Fatalf("%d rows of labels fit one 1 MiB message?", n)
	}
	var rows []int64
	var labels []int32
	var loss float64
	for i, p := range parts {
		b, err := wire.EncodeResult(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 1<<20 {
			t.Errorf("part %d is %d bytes", i, len(b))
		}
		if p.Part != i || p.Parts != len(parts) {
			t.Errorf("part %d says %d of %d", i, p.Part, p.Parts)
		}
		rows = append(rows, p.Rows...)
		labels = append(labels, p.Labels...)
		loss += p.Loss
	}
	if !reflect.DeepEqual(rows, res.Rows) || !reflect.DeepEqual(labels, res.Labels) || loss != 3 {
		t.Errorf("joined parts differ from the result (loss %v)", loss)
	}
	if one := split(&wire.Result{Job: "j", Parts: 1, Rows: []int64{1}}, 1<<20); len(one) != 1 {
		t.Errorf("a small result was split in %d", len(one))
	}
	// A shard's labels (65536 consecutive rows, k ≤ 256) take one
	// message of the default 1 MiB, as with k > 256 (12 bytes a row);
	// with a dropped row (17 bytes a row), two.
	shard := &wire.Result{Job: "j", Kind: wire.KindLabel, Parts: 1, Rows: res.Rows[:65536], Labels: res.Labels[:65536], Distances: res.Distances[:65536]}
	gapped := *shard
	gapped.Rows = append(slices.Clone(shard.Rows[:100]), shard.Rows[101:]...)
	gapped.Rows = append(gapped.Rows, 65536)
	wide := *shard
	wide.Labels = slices.Clone(shard.Labels)
	wide.Labels[0] = 300
	for _, c := range []struct {
		name  string
		r     *wire.Result
		parts int
	}{{"shard", shard, 1}, {"gapped", &gapped, 2}, {"k > 256", &wide, 1}} {
		parts := split(c.r, 1<<20)
		if len(parts) != c.parts {
			t.Errorf("%s: %d parts, want %d", c.name, len(parts), c.parts)
		}
		for i, p := range parts {
			if b, err := wire.EncodeResult(p); err != nil || len(b) > 1<<20 {
				t.Errorf("%s: part %d is %d bytes (%v)", c.name, i, len(b), err)
			}
		}
	}
}

// The cache holds what fits, evicts the least recently used block, and
// does not keep errors.
func TestBlockCache(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "b.arrow")
	if _, err := partition.GenerateBlobs(path, partition.BlobsConfig{N: 3000, D: 2, K: 2, BatchRows: 1000}); err != nil {
		t.Fatal(err)
	}
	ds, err := partition.Scan([]string{path}, partition.Options{Columns: []string{"f0", "f1"}, ShardRows: 1000})
	if err != nil || len(ds.Shards) != 3 {
		t.Fatalf("%v, %d shards", err, len(ds.Shards))
	}
	data := wire.Data{Columns: ds.Columns, Nulls: "error"}
	shard := func(i int) wire.Shard {
		s := ds.Shards[i]
		return wire.Shard{ID: s.ID, File: s.File, Format: s.Format.String(), First: s.First, Last: s.Last, RowOffset: s.RowOffset, Rows: s.Rows}
	}
	blockBytes := int64(1000*2*4 + 1000*8)
	c := NewBlockCache(2 * blockBytes) // room for two shards
	b0, err := c.Get(shard(0), data)
	if err != nil || b0.Len() != 1000 || b0.Index[0] != 0 {
		t.Fatalf("shard 0: %v", err)
	}
	if again, _ := c.Get(shard(0), data); again != b0 {
		t.Error("a second Get read the shard again")
	}
	c.Get(shard(1), data)
	c.Get(shard(2), data) // evicts shard 0, the least recently used
	if again, _ := c.Get(shard(0), data); again == b0 {
		t.Error("shard 0 was not evicted")
	}
	if _, err := c.Get(wire.Shard{File: filepath.Join(dir, "missing.arrow"), Last: 1}, data); err == nil {
		t.Error("a missing file read without error")
	}
	if n := len(c.blocks.entries); n > 2 {
		t.Errorf("cache holds %d entries, limit allows 2", n)
	}
}

// TestSumsParallelism: a sums task's result is its pieces' sums
// (wire.Task.PieceShards), each the per-shard sums merged in shard
// order, whatever the number of goroutines the worker gives it; checked
// against one Assigner run shard by shard here, for a mini-batch and a
// full pass, with a piece per shard, pieces of several shards, and one
// piece of all.
func TestSumsParallelism(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.parquet")
	if _, err := partition.GenerateBlobs(path, partition.BlobsConfig{N: 9000, D: 5, K: 4, Seed: 3, BatchRows: 1000}); err != nil {
		t.Fatal(err)
	}
	ds, err := partition.Scan([]string{path}, partition.Options{Exclude: []string{"label"}, ShardRows: 1000})
	if err != nil || len(ds.Shards) != 9 {
		t.Fatalf("%v, %d shards", err, len(ds.Shards))
	}
	cache := NewBlockCache(0)
	for _, fraction := range []float64{0.3, 1} {
		task := &wire.Task{Job: "j", Kind: wire.KindSums, Round: 7, K: 4, D: 5, Seed: 11, Fraction: fraction,
			Data:    wire.Data{Columns: ds.Columns, Nulls: "error"},
			Centres: []float32{0, 0, 0, 0, 0, 5, 5, 5, 5, 5, -5, 0, 5, 0, -5, 9, -9, 9, -9, 9}}
		for _, s := range ds.Shards {
			task.Shards = append(task.Shards, wire.Shard{ID: s.ID, File: s.File, Format: s.Format.String(),
				First: s.First, Last: s.Last, RowOffset: s.RowOffset, Rows: s.Rows})
		}
		// The reference: one Assigner, one CentreSums per shard.
		ref := &executor{cache: cache, parallelism: 1}
		a := algo.NewAssigner(4, 5)
		if err := a.SetCentres(task.Centres); err != nil {
			t.Fatal(err)
		}
		var shardSums []*algo.CentreSums
		for i := range task.Shards {
			b, err := ref.blocks(task).get(i)
			if err != nil {
				t.Fatal(err)
			}
			part := algo.NewCentreSums(4, 5)
			if fraction >= 1 {
				err = a.Accumulate(b.Data, b.Len(), b.Weights, part)
			} else {
				rows := batchRows(nil, b.Len(), fraction, algo.NewRand(task.Seed, uint64(task.Round), uint64(task.Shards[i].ID)))
				err = a.AccumulateRows(b.Data, rows, b.Weights, part)
			}
			if err != nil {
				t.Fatal(err)
			}
			shardSums = append(shardSums, part)
		}
		for _, sizes := range [][]int{nil, {2, 3, 4}, {9}} {
			var want struct {
				sums, weights, inertias, pieceInertia []float64
				counts, pieceRows                     []int64
				inertia                               float64
				rows                                  int64
			}
			pieceSizes := sizes
			if pieceSizes == nil {
				pieceSizes = []int{1, 1, 1, 1, 1, 1, 1, 1, 1}
			}
			next := 0
			for _, n := range pieceSizes {
				piece := algo.NewCentreSums(4, 5)
				for _, part := range shardSums[next : next+n] {
					if err := piece.Merge(part); err != nil {
						t.Fatal(err)
					}
				}
				next += n
				want.sums = append(want.sums, piece.Sums...)
				want.weights = append(want.weights, piece.Weights...)
				want.counts = append(want.counts, piece.Counts...)
				want.inertias = append(want.inertias, piece.Inertias...)
				want.pieceInertia = append(want.pieceInertia, piece.Inertia)
				want.pieceRows = append(want.pieceRows, piece.Rows)
				want.inertia += piece.Inertia
				want.rows += piece.Rows
			}
			wantPieces := len(pieceSizes)
			if wantPieces == 1 { // one piece is the task's sums
				wantPieces, want.pieceInertia, want.pieceRows = 0, nil, nil
			}
			task.PieceShards = sizes
			for _, p := range []int{1, 2, 3, 16} {
				x := &executor{cache: cache, parallelism: p}
				for range 2 { // the second run reuses the executor's scratch
					res, err := x.execute(context.Background(), task)
					if err != nil {
						t.Fatal(err)
					}
					if res.Pieces != wantPieces || !reflect.DeepEqual(res.Sums, want.sums) || !reflect.DeepEqual(res.Weights, want.weights) ||
						!reflect.DeepEqual(res.Counts, want.counts) || !reflect.DeepEqual(res.Inertias, want.inertias) ||
						!reflect.DeepEqual(res.PieceInertia, want.pieceInertia) || !reflect.DeepEqual(res.PieceRows, want.pieceRows) ||
						res.Inertia != want.inertia || res.N != want.rows {
						t.Fatalf("fraction %v, pieces %v, %d goroutines: sums differ from the shard-by-shard reference", fraction, sizes, p)
					}
				}
			}
		}
	}
}
