package coordinator

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
)

// Defaults of the k-means drivers, and where they come from.
const (
	// DefaultBatchSize is the mini-batch size when the job gives none.
	// scikit-learn uses 1024 per step on one machine; every step here
	// costs a round trip through the work queue, about 0.5 ms, so a larger
	// batch amortises it. Early stopping smooths the batch inertia with
	// weight 2·batch/n, so a larger batch also stops after fewer steps:
	// on the 1M-row bench (bench/run.sh kmeans, 10 seeds) 16384 rows took
	// 22–96 steps and 4096 rows 52–312, to the same inertia every time,
	// and the steps took about half the time. It is fixed, not scaled by
	// the number of workers, so the model does not depend on how many
	// workers ran it.
	DefaultBatchSize = 16384
	// defaultEpochs bounds mini-batch steps at this many passes over the
	// data (scikit-learn's max_iter=100); early stopping ends most runs
	// long before.
	defaultEpochs = 100
	// defaultLloydIter is scikit-learn's max_iter for KMeans.
	defaultLloydIter = 300
	// defaultLloydTol is scikit-learn's tol: stop when the summed squared
	// centre shift is below tol × mean feature variance.
	defaultLloydTol = 1e-4
	// initSampleRows is the least size of the sample k-means++ runs on:
	// scikit-learn's init_size for mini-batch (3 × its 1024-row batch).
	// It grows to 30 rows per centre so k-means++ sees every sizeable
	// cluster, while it still runs quickly on the coordinator.
	initSampleRows = 3 * 1024
	// initTrials is how many k-means++ seedings are tried on the sample;
	// the one with the lowest sample inertia wins. One unlucky seeding
	// that puts two centres in one blob stays a local optimum to the
	// end: on 1M rows of 100 blobs (bench/run.sh kmeans) the best of 3
	// reached the optimum from 5 of 8 seeds and the best of 10 from all
	// 8. Trials run on all cores, so ten cost about what three did.
	initTrials = 10
	// minTaskBatchRows is the least expected number of batch rows in one
	// mini-batch task, and half the batch when that is more, unless there
	// are more workers (see spreadShardTasks). A step's compute is small
	// (16384 rows × k × d), and each task costs a round trip through the
	// work queue, so per-shard tasks made the messaging, not the
	// arithmetic, the cost of a step. A worker sums a task's shards on all
	// its cores, so two tasks still use two machines fully; with one core
	// per worker, four tasks of a quarter batch made a step 15% slower
	// than two of half (2.6–3.0 against 3.2–3.4 ms). How the shards are
	// grouped never changes the model: the coordinator adds the sums of
	// pieces fixed by the data up a tree fixed by the same (see treeSums).
	minTaskBatchRows = 2048
	// kmParRounds is r of k-means|| (Bahmani et al. 2012 report that 5
	// rounds suffice); the oversampling factor ℓ is 2k as they recommend.
	kmParRounds = 5
)

// Random streams: the purpose of each draw, mixed into the job seed.
const (
	streamInitSample = 0x1417
	streamInit       = 0x1418
	streamStep       = 0x5739
	streamReassign   = 0x2ea5
)

// kmeans runs Lloyd or mini-batch k-means, n_init times from different
// seedings in the same passes (see kmeansRuns), and keeps the run of
// lowest inertia on all rows.
func (j *job) kmeans(ctx context.Context) (*fitted, error) {
	fits, err := j.kmeansRuns(ctx, j.restartRuns())
	if err != nil {
		return nil, err
	}
	best := bestRun(fits)
	f := fits[best]
	if len(fits) > 1 {
		f.bestRun = best
		for _, g := range fits {
			f.runLosses = append(f.runLosses, g.loss)
		}
	}
	return f, nil
}

// miniBatchCheckpointEvery is how often mini-batch k-means saves its
// state. A resumed job repeats the steps since, with the same seeds, so
// the model is the same; only the time is lost. A variable for tests.
var miniBatchCheckpointEvery = time.Second

// rowSample is a deterministic sample of rows gathered from the shards.
type rowSample struct {
	points  []float32
	weights []float32 // nil without a weight column
	n, d    int
}

func (s *rowSample) variance() float64 {
	if s.n < 2 {
		return 1
	}
	var total float64
	for f := range s.d {
		var mean, m2 float64
		for i := range s.n {
			x := float64(s.points[i*s.d+f])
			delta := x - mean
			mean += delta / float64(i+1)
			m2 += delta * (x - mean)
		}
		total += m2 / float64(s.n)
	}
	return total / float64(s.d)
}

// initCentres picks the starting centres of run (the index-th of the
// job's runs) from its sample.
func (j *job) initCentres(ctx context.Context, s *rowSample, run kmRun, index int) ([]float32, error) {
	rng := algo.NewRand(run.Seed, streamInit)
	k, d := run.K, j.d
	if len(j.spec.InitCentres) > 0 {
		if len(j.spec.InitCentres) != k {
			return nil, fmt.Errorf("%w: %d initial centres for k=%d", ErrInput, len(j.spec.InitCentres), k)
		}
		if len(j.spec.InitCentres[0]) != d {
			return nil, fmt.Errorf("%w: initial centres have %d values, the data has %d feature columns", ErrInput, len(j.spec.InitCentres[0]), d)
		}
		c := make([]float32, 0, k*d)
		for _, row := range j.spec.InitCentres {
			for f, v := range row {
				c = append(c, float32(j.toScaled(f, v))) // in the shifted (and scaled) units of the data
			}
		}
		return c, nil
	}
	switch j.spec.Init {
	case "kmeans++":
		return seedKMeansPlusPlus(s, k, run.Seed)
	case "random":
		c := make([]float32, 0, k*d)
		for _, i := range rng.Perm(s.n)[:k] {
			c = append(c, s.points[i*d:(i+1)*d]...)
		}
		return c, nil
	case "kmeans||":
		return j.kmeansParallel(ctx, s, rng, run, roundKMPar-int64(index)<<20)
	}
	return nil, fmt.Errorf("%w: unknown k-means initialisation %q (kmeans++, kmeans||, random)", wire.ErrJobSpec, j.spec.Init)
}

// seedKMeansPlusPlus runs initTrials k-means++ seedings of the sample
// in parallel, sharing its prepared copy (algo.KMeansPlusPlusSeeder), and
// returns the one with the lowest sample inertia (the first such trial on
// ties, so the result does not depend on timing).
func seedKMeansPlusPlus(s *rowSample, k int, seed uint64) ([]float32, error) {
	d := s.d
	seeder, err := algo.NewKMeansPlusPlusSeeder(s.points, s.n, d, s.weights)
	if err != nil {
		return nil, err
	}
	centres := make([][]float32, initTrials)
	inertia := make([]float64, initTrials)
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for trial := range initTrials {
		g.Go(func() error {
			c, err := seeder.Seed(k, 0, algo.NewRand(seed, streamInit, uint64(trial)))
			if err != nil {
				return err
			}
			a := algo.NewAssigner(k, d)
			sums := algo.NewCentreSums(k, d)
			if err := a.SetCentres(c); err != nil {
				return err
			}
			if err := a.Accumulate(s.points, s.n, s.weights, sums); err != nil {
				return err
			}
			centres[trial], inertia[trial] = c, sums.Inertia
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	best := 0
	for trial, v := range inertia {
		if v < inertia[best] {
			best = trial
		}
	}
	return centres[best], nil
}

// mergeSums runs a round of sums tasks over consecutive shards and adds
// their sums up the round's piece tree (see treeSums).
func (j *job) mergeSums(ctx context.Context, round int64, tasks []*wire.Task, k int) (*algo.CentreSums, error) {
	res, err := j.collect(ctx, round, tasks)
	if err != nil {
		return nil, err
	}
	totals, err := treeSums(tasks, res, []int{k}, j.d)
	if err != nil {
		return nil, err
	}
	return totals[0], nil
}

// extendingSumsRound is a full sums pass of k-means||, whose candidates
// only grow: workers that remember each row's nearest candidate from the
// previous pass compute distances to the new candidates only (see
// wire.Task.Extends). Tasks are one per shard, as in every full pass.
func (j *job) extendingSumsRound(ctx context.Context, round int64, cand []float32, nc int) (*algo.CentreSums, error) {
	tasks := j.shardTasks(wire.KindSums)
	for _, t := range tasks {
		t.Centres, t.K, t.Fraction, t.Extends = cand, nc, 1, true
	}
	return j.mergeSums(ctx, round, tasks, nc)
}

// kmeansParallel is k-means|| (Bahmani et al. 2012): one random row, then
// kmParRounds rounds in which every shard keeps rows with probability
// ℓ·d²(x)/φ, then the candidates, weighted by how many rows they attract,
// are reclustered to k centres. Its rounds count down from base (the
// first run's from roundKMPar, later runs' far below); the keep draws
// hash the run's seed and the round.
func (j *job) kmeansParallel(ctx context.Context, s *rowSample, rng interface{ IntN(int) int }, run kmRun, base int64) ([]float32, error) {
	k, d := run.K, j.d
	first := rng.IntN(s.n)
	cand := append([]float32(nil), s.points[first*d:(first+1)*d]...)
	ell := 2 * float64(k)
	for r := 1; r <= kmParRounds; r++ {
		nc := len(cand) / d
		cost, err := j.extendingSumsRound(ctx, base-int64(2*r), cand, nc)
		if err != nil {
			return nil, err
		}
		if cost.Inertia == 0 {
			break
		}
		tasks := j.shardTasks(wire.KindKeep)
		for _, t := range tasks {
			t.Centres, t.K, t.Phi, t.Ell, t.Seed = cand, nc, cost.Inertia, ell, run.Seed
		}
		res, err := j.collect(ctx, base-int64(2*r+1), tasks)
		if err != nil {
			return nil, err
		}
		for _, r := range res {
			cand = append(cand, r.Points...)
		}
		j.progress(Progress{Job: j.id, Phase: "init", Step: r, Steps: kmParRounds, Loss: cost.Inertia, Rows: j.ds.Rows})
	}
	nc := len(cand) / d
	if nc <= k {
		return nil, fmt.Errorf("%w: k-means|| found only %d distinct candidates for k=%d; use --init kmeans++", ErrInput, nc, k)
	}
	counts, err := j.extendingSumsRound(ctx, base, cand, nc)
	if err != nil {
		return nil, err
	}
	return algo.ReclusterCandidates(cand, counts.Weights, d, k, algo.NewRand(run.Seed, streamInit, 2))
}

func (j *job) batchSize() int {
	if j.spec.BatchSize > 0 {
		return j.spec.BatchSize
	}
	return DefaultBatchSize
}
