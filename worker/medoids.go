package worker

import (
	"context"
	"fmt"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// medoids runs a k-medoids algorithm on the task's points, or on every row
// of its shards, and returns the medoids as global rows with their vectors.
// With Metric "precomputed" the rows are the rows of a square matrix.
// The matrix build and the algorithm give up when ctx ends.
func (x *executor) medoids(ctx context.Context, t *wire.Task, res *wire.Result) error {
	data, rows := t.Points, t.PointRows
	if len(data) == 0 {
		err := x.blocks(t).each(func(_ int, b *partition.Block) error {
			data = append(data, b.Data...)
			rows = append(rows, b.Index...)
			return nil
		})
		if err != nil {
			return err
		}
	}
	n := len(rows)
	var diss algo.Dissimilarity
	if t.Metric == "precomputed" {
		if t.D != n {
			return fmt.Errorf("%w: a precomputed matrix must be square: %d rows, %d columns", algo.ErrNotSquare, n, t.D)
		}
		if n > 0 && rows[n-1] != int64(n-1) {
			return fmt.Errorf("%w: a precomputed matrix cannot drop rows with nulls", algo.ErrNotSquare)
		}
		m, err := algo.NewDenseMatrix(n, data)
		if err != nil {
			if len(t.Shards) > 0 {
				return fmt.Errorf("%s: %w", t.Shards[0].File, err)
			}
			return err
		}
		diss = m
	} else {
		metric, err := algo.ParseMetric(t.Metric)
		if err != nil {
			return err
		}
		if need := algo.MatrixBytes(n); need > wire.MaxMatrixBytes {
			return fmt.Errorf("%w: %d rows need a %.1f GiB dissimilarity matrix (limit %.0f GiB); use --algo fastclara",
				errTooLarge, n, float64(need)/(1<<30), float64(wire.MaxMatrixBytes)/(1<<30))
		}
		v, err := algo.NewVectors(data, n, t.D, metric)
		if err != nil {
			return err
		}
		if metric == algo.Gower {
			v.Ranges = t.Data.Ranges
		}
		if diss, err = algo.BuildLowerTriangleContext(ctx, v, x.aloneGoroutines()); err != nil {
			return err
		}
	}
	if len(t.Ks) > 0 {
		return x.medoidsEach(ctx, t, res, diss, data, rows)
	}
	r, err := x.fitMedoids(ctx, t, diss)
	if err != nil {
		return err
	}
	return x.medoidResult(ctx, t, res, diss, r, data, rows)
}

// fitMedoids runs the task's k-medoids algorithm with t.K medoids on diss.
func (x *executor) fitMedoids(ctx context.Context, t *wire.Task, diss algo.Dissimilarity) (*algo.KMedoidsResult, error) {
	n := diss.Len()
	if t.K < 1 || t.K >= n {
		return nil, fmt.Errorf("%w: k=%d, n=%d (k must be at least 1 and below the number of rows)", algo.ErrInvalidK, t.K, n)
	}
	rng := algo.NewRand(t.Seed, uint64(t.Round), uint64(t.ID), t.Stream)
	var r *algo.KMedoidsResult
	var err error
	switch t.Algorithm {
	case "clarans", "fastclarans":
		cfg := algo.CLARANSConfig{NumLocal: t.NumLocal, MaxNeighbor: t.MaxNeighbor}
		if t.Algorithm == "clarans" {
			r, err = algo.CLARANSContext(ctx, diss, t.K, cfg, rng)
		} else {
			r, err = algo.FastCLARANSContext(ctx, diss, t.K, cfg, rng)
		}
		return r, err
	}
	init, err := algo.ParseInit(t.Init)
	if err != nil {
		return nil, err
	}
	// BUILD and FasterPAM give the same medoids for every parallelism.
	start, err := algo.InitialMedoidsParallel(ctx, diss, t.K, init, rng, x.aloneGoroutines())
	if err != nil {
		return nil, err
	}
	switch t.Algorithm {
	case "pam":
		r, err = algo.PAMSwapContext(ctx, diss, start, exactMaxIter(t.MaxIter))
	case "fastpam1":
		r, err = algo.FastPAM1Context(ctx, diss, start, exactMaxIter(t.MaxIter))
	case "fasterpam":
		r, err = algo.FasterPAMParallel(ctx, diss, start, t.MaxIter, x.aloneGoroutines())
	case "alternating":
		r, err = algo.AlternatingContext(ctx, diss, start, t.MaxIter)
	default:
		return nil, fmt.Errorf("worker: unknown k-medoids algorithm %q", t.Algorithm)
	}
	return r, err
}

// exactMaxIter is the pass bound of PAM and FastPAM1 when the job gives
// none: they are the reference, so they run until no swap improves (the
// bound only guards against a bug); FasterPAM and Alternating keep the
// algo default.
func exactMaxIter(n int) int {
	if n > 0 {
		return n
	}
	return 1 << 20
}

// medoidResult fills the result of a medoids task from the algorithm's.
func (x *executor) medoidResult(ctx context.Context, t *wire.Task, res *wire.Result, diss algo.Dissimilarity, r *algo.KMedoidsResult, data []float32, rows []int64) error {
	res.Loss, res.Iterations, res.Swaps = r.Loss, r.Iterations, r.Swaps
	res.Rows = make([]int64, t.K)
	if t.Metric != "precomputed" {
		res.Points = make([]float32, 0, t.K*t.D)
	}
	for i, m := range r.Medoids {
		res.Rows[i] = rows[m]
		if res.Points != nil {
			res.Points = append(res.Points, data[m*t.D:(m+1)*t.D]...)
		}
	}
	if t.Silhouette > 0 {
		var s float64
		var err error
		n := len(rows)
		if n <= t.Silhouette {
			s, err = algo.SilhouetteContext(ctx, diss, r.Assignment, t.K)
		} else {
			s, err = algo.SampledSilhouetteContext(ctx, diss, r.Assignment, t.K, t.Silhouette, algo.NewRand(t.Seed, uint64(t.ID), 0x5117))
		}
		if err != nil {
			return err
		}
		ms, err := algo.MedoidSilhouette(diss, r.Medoids)
		if err != nil {
			return err
		}
		res.Silhouette, res.MedoidSilhouette = &s, &ms
	}
	return nil
}
