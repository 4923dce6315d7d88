package worker

import (
	"fmt"
	"runtime/debug"
	"slices"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
)

// Sums of several k-means runs in lockstep (wire.Task.RunK): restarts
// of one k, or one run per k of a sweep. The shards are read once and
// a mini-batch's rows drawn once per shard; every run then sums them
// against its own centres with its own Assigner, into its own
// per-shard sums, merged into pieces exactly as a task of that run
// alone would (see sums), so sharing the pass never changes a run.

// runAssigners returns, for each of n goroutines, one Assigner per run
// of the given sizes with d features, kept between tasks of the same
// shapes.
func (x *executor) runAssigners(n int, runK []int, d int) [][]*algo.Assigner {
	if !slices.Equal(x.runAssignK, runK) || x.runAssignD != d {
		x.runAssign, x.runAssignK, x.runAssignD = nil, slices.Clone(runK), d
	}
	for len(x.runAssign) < n {
		as := make([]*algo.Assigner, len(runK))
		for r, k := range runK {
			as[r] = algo.NewAssigner(k, d)
		}
		x.runAssign = append(x.runAssign, as)
	}
	return x.runAssign[:n]
}

// sumsRuns is sums for a task of several runs.
func (x *executor) sumsRuns(t *wire.Task, blocks taskBlocks, res *wire.Result) error {
	runs := len(t.RunK)
	offset := make([]int, runs+1) // first centre of each run
	for r, k := range t.RunK {
		offset[r+1] = offset[r] + k
	}
	if len(t.Centres) != offset[runs]*t.D {
		return fmt.Errorf("%w: %d centre values for runs of %v centres, d=%d", wire.ErrDecode, len(t.Centres), t.RunK, t.D)
	}
	n := blocks.len()
	parts := make([][]*algo.CentreSums, n) // by shard, then run
	for i := range parts {
		parts[i] = make([]*algo.CentreSums, runs)
		for r, k := range t.RunK {
			parts[i][r] = algo.NewCentreSums(k, t.D)
		}
	}
	goroutines := x.shardGoroutines(n)
	as := x.runAssigners(goroutines, t.RunK, t.D)
	if err := onGoroutines(goroutines, func(g int) error {
		return x.sumRunShards(t, blocks, parts, offset, as[g], g, goroutines)
	}); err != nil {
		return err
	}
	// Each run's pieces, merged as a task of that run alone merges them.
	pieces := make([][]*algo.CentreSums, runs) // by run, then piece
	shardSums := make([]*algo.CentreSums, n)
	for r, k := range t.RunK {
		for i := range parts {
			shardSums[i] = parts[i][r]
		}
		p, err := mergePieces(shardSums, t.PieceShards, k, t.D)
		if err != nil {
			return err
		}
		pieces[r] = p
	}
	if t.PieceTree {
		byPiece := make([][]*algo.CentreSums, len(pieces[0]))
		for i := range byPiece {
			byPiece[i] = make([]*algo.CentreSums, runs)
			for r := range runs {
				byPiece[i][r] = pieces[r][i]
			}
		}
		nodes, sizes, err := treeNodes(t.FirstPiece, byPiece, algo.NewCentreSums)
		if err != nil {
			return err
		}
		for r := range runs {
			pieces[r] = pieces[r][:0]
			for _, n := range nodes {
				pieces[r] = append(pieces[r], n[r])
			}
		}
		res.NodePieces = sizes
	}
	putRunPieces(res, pieces, t.K, t.D)
	return nil
}

// sumRunShards sums shards first, first+step, ... for every run, with the
// goroutine's Assigners (one per run). A panic becomes an error, as in
// sumShards.
func (x *executor) sumRunShards(t *wire.Task, blocks taskBlocks, parts [][]*algo.CentreSums, offset []int, as []*algo.Assigner, first, step int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("worker: task %s panicked: %v\n%s", t.Key(), p, debug.Stack())
		}
	}()
	for r, a := range as {
		if err := a.SetCentres(t.Centres[offset[r]*t.D : offset[r+1]*t.D]); err != nil {
			return err
		}
	}
	var rows []int32
	for i := first; i < blocks.len(); i += step {
		b, err := blocks.get(i)
		if err != nil {
			return err
		}
		if t.Fraction < 1 {
			// The same rows as a task of one run draws: one batch for all.
			rows = batchRows(rows[:0], b.Len(), t.Fraction, algo.NewRand(t.Seed, uint64(t.Round), uint64(t.Shards[i].ID)))
		}
		for r, a := range as {
			if t.Fraction >= 1 {
				err = a.Accumulate(b.Data, b.Len(), b.Weights, parts[i][r])
			} else {
				err = a.AccumulateRows(b.Data, rows, b.Weights, parts[i][r])
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// putRunPieces puts the runs' pieces into res, piece by piece and within
// a piece run by run (see wire.Result.Runs); totalK is the runs' total
// number of centres.
func putRunPieces(res *wire.Result, pieces [][]*algo.CentreSums, totalK, d int) {
	runs, np := len(pieces), len(pieces[0])
	res.Pieces, res.Runs, res.Inertia, res.N = np, runs, 0, 0
	res.Sums = make([]float64, 0, np*totalK*d)
	res.Weights = make([]float64, 0, np*totalK)
	res.Counts = make([]int64, 0, np*totalK)
	res.Inertias = make([]float64, 0, np*totalK)
	res.PieceInertia = make([]float64, 0, np*runs)
	res.PieceRows = make([]int64, 0, np*runs)
	for p := range np {
		for r := range runs {
			s := pieces[r][p]
			res.Sums = append(res.Sums, s.Sums...)
			res.Weights = append(res.Weights, s.Weights...)
			res.Counts = append(res.Counts, s.Counts...)
			res.Inertias = append(res.Inertias, s.Inertias...)
			res.PieceInertia = append(res.PieceInertia, s.Inertia)
			res.PieceRows = append(res.PieceRows, s.Rows)
		}
		res.N += pieces[0][p].Rows
	}
}
