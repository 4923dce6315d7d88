package coordinator

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
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
	// pieces fixed by the data in shard order (see addSums).
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

// kmeans runs Lloyd or mini-batch k-means.
func (j *job) kmeans(ctx context.Context) (*fitted, error) {
	j.progress(Progress{Job: j.id, Phase: "init", Rows: j.ds.Rows})
	initStart := time.Now()
	defer func() { j.timings["iterate"] = time.Since(initStart).Seconds() - j.timings["init"] }()
	sample, err := j.initSample(ctx)
	if err != nil {
		return nil, err
	}
	if j.spec.Algorithm == "kmeans" {
		var saved lloydCheckpoint
		if it, ok := j.restore(checkpointLloyd, &saved); ok {
			return j.lloyd(ctx, saved.Centres, sample.variance(), int(it)+1)
		}
	} else {
		var saved miniBatchCheckpoint
		if step, ok := j.restore(checkpointMiniBatch, &saved); ok {
			return j.minibatch(ctx, saved.Centres, sample, &saved, int(step)+1)
		}
	}
	centres, err := j.initCentres(ctx, sample)
	if err != nil {
		return nil, err
	}
	j.timed("init", initStart)
	if j.spec.Algorithm == "kmeans" {
		return j.lloyd(ctx, centres, sample.variance(), 1)
	}
	return j.minibatch(ctx, centres, sample, nil, 1)
}

// lloydCheckpoint is the state of Lloyd after an iteration.
type lloydCheckpoint struct {
	Centres []float32 `json:"centres"`
}

// miniBatchCheckpoint is the state of mini-batch k-means after a step.
type miniBatchCheckpoint struct {
	Centres []float32 `json:"centres"`
	State   []byte    `json:"state"`
}

// miniBatchCheckpointEvery is how often mini-batch k-means saves its
// state. A resumed job repeats the steps since, with the same seeds, so
// the model is the same; only the time is lost.
const miniBatchCheckpointEvery = time.Second

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

// initSample asks every shard for the rows whose hash falls under the
// sampling rate, so the sample is the same however the data is sharded.
func (j *job) initSample(ctx context.Context) (*rowSample, error) {
	target := max(initSampleRows, 30*j.spec.K)
	frac := min(1, float64(target)/float64(j.ds.Rows))
	for attempt := int64(0); ; attempt++ {
		tasks := j.shardTasks(wire.KindSample)
		for _, t := range tasks {
			t.Stream, t.Fraction = streamInitSample, frac
		}
		res, err := j.collect(ctx, roundInit-10*attempt, tasks)
		if err != nil {
			return nil, err
		}
		s := &rowSample{d: j.d}
		for _, r := range res {
			s.points = append(s.points, r.Points...)
			s.weights = append(s.weights, r.RowWeight...)
			s.n += len(r.Rows)
		}
		if j.ds.Weight == "" {
			s.weights = nil
		}
		if s.n >= j.spec.K || frac >= 1 {
			if s.n < j.spec.K {
				return nil, fmt.Errorf("%w: only %d usable rows for k=%d", ErrInput, s.n, j.spec.K)
			}
			return s, nil
		}
		frac = min(1, 4*frac) // unlucky draw for tiny data: sample more
	}
}

// initCentres picks the starting centres.
func (j *job) initCentres(ctx context.Context, s *rowSample) ([]float32, error) {
	rng := algo.NewRand(j.spec.Seed, streamInit)
	k, d := j.spec.K, j.d
	if len(j.spec.InitCentres) > 0 {
		if len(j.spec.InitCentres[0]) != d {
			return nil, fmt.Errorf("%w: initial centres have %d values, the data has %d feature columns", ErrInput, len(j.spec.InitCentres[0]), d)
		}
		c := make([]float32, 0, k*d)
		for _, row := range j.spec.InitCentres {
			for f, v := range row {
				c = append(c, float32(v-j.offset(f))) // in the shifted units of the data
			}
		}
		return c, nil
	}
	switch j.spec.Init {
	case "kmeans++":
		return seedKMeansPlusPlus(s, k, j.spec.Seed)
	case "random":
		c := make([]float32, 0, k*d)
		for _, i := range rng.Perm(s.n)[:k] {
			c = append(c, s.points[i*d:(i+1)*d]...)
		}
		return c, nil
	case "kmeans||":
		return j.kmeansParallel(ctx, s, rng)
	}
	return nil, fmt.Errorf("%w: unknown k-means initialisation %q (kmeans++, kmeans||, random)", wire.ErrJobSpec, j.spec.Init)
}

// seedKMeansPlusPlus runs initTrials k-means++ seedings of the sample
// in parallel and returns the one with the lowest sample inertia (the
// first such trial on ties, so the result does not depend on timing).
func seedKMeansPlusPlus(s *rowSample, k int, seed uint64) ([]float32, error) {
	d := s.d
	centres := make([][]float32, initTrials)
	inertia := make([]float64, initTrials)
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for trial := range initTrials {
		g.Go(func() error {
			c, err := algo.KMeansPlusPlus(s.points, s.n, d, k, s.weights, 0, algo.NewRand(seed, streamInit, uint64(trial)))
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

// sumsRound runs one KindSums pass over shards against centres, spread
// over the workers, and merges the partial sums in shard order.
func (j *job) sumsRound(ctx context.Context, round int64, shards []partition.Shard, centres []float32, k int, fraction float64) (*algo.CentreSums, error) {
	minRows := minTaskBatchRows
	if fraction < 1 {
		minRows = max(minRows, j.batchSize()/2)
	}
	tasks := j.spreadShardTasks(wire.KindSums, shards, fraction, minRows, j.c.workers())
	for _, t := range tasks {
		t.Centres, t.K, t.Fraction = centres, k, fraction
	}
	return j.mergeSums(ctx, round, tasks, k)
}

// mergeSums runs a round of sums tasks over consecutive shards and
// merges their pieces' sums in shard order (see addSums).
func (j *job) mergeSums(ctx context.Context, round int64, tasks []*wire.Task, k int) (*algo.CentreSums, error) {
	res, err := j.collect(ctx, round, tasks)
	if err != nil {
		return nil, err
	}
	total := algo.NewCentreSums(k, j.d)
	for _, r := range res {
		if err := addSums(total, r); err != nil {
			return nil, err
		}
	}
	return total, nil
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
// are reclustered to k centres.
func (j *job) kmeansParallel(ctx context.Context, s *rowSample, rng interface{ IntN(int) int }) ([]float32, error) {
	k, d := j.spec.K, j.d
	first := rng.IntN(s.n)
	cand := append([]float32(nil), s.points[first*d:(first+1)*d]...)
	ell := 2 * float64(k)
	for r := 1; r <= kmParRounds; r++ {
		nc := len(cand) / d
		cost, err := j.extendingSumsRound(ctx, roundKMPar-int64(2*r), cand, nc)
		if err != nil {
			return nil, err
		}
		if cost.Inertia == 0 {
			break
		}
		tasks := j.shardTasks(wire.KindKeep)
		for _, t := range tasks {
			t.Centres, t.K, t.Phi, t.Ell = cand, nc, cost.Inertia, ell
		}
		res, err := j.collect(ctx, roundKMPar-int64(2*r+1), tasks)
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
	counts, err := j.extendingSumsRound(ctx, roundKMPar, cand, nc)
	if err != nil {
		return nil, err
	}
	return algo.ReclusterCandidates(cand, counts.Weights, d, k, algo.NewRand(j.spec.Seed, streamInit, 2))
}

// lloyd iterates full passes until the centres stop moving.
func (j *job) lloyd(ctx context.Context, centres []float32, variance float64, first int) (*fitted, error) {
	maxIter := j.spec.MaxIter
	if maxIter == 0 {
		maxIter = defaultLloydIter
	}
	tol := j.spec.Tol
	if tol == 0 {
		tol = defaultLloydTol
	}
	tol *= variance
	f := &fitted{centres: centres, stop: "max-iter", iterations: first - 1}
	j.firstRound = int64(first)
	for it := first; it <= maxIter; it++ {
		sums, err := j.sumsRound(ctx, int64(it), j.ds.Shards, centres, j.spec.K, 1)
		if err != nil {
			return nil, err
		}
		shift, _, err := algo.LloydUpdate(centres, sums, algo.NewRand(j.spec.Seed, streamStep, uint64(it)))
		if err != nil {
			return nil, err
		}
		f.iterations, f.loss = it, sums.Inertia
		j.checkpoint(checkpointLloyd, int64(it), lloydCheckpoint{Centres: centres})
		j.progress(Progress{Job: j.id, Phase: "iterate", Step: it, Steps: maxIter, Loss: sums.Inertia, Rows: j.ds.Rows})
		if shift <= tol {
			f.stop = "converged"
			break
		}
	}
	return f, nil
}

// minibatch runs Sculley's mini-batch k-means: each step every shard
// draws its part of the batch, the merged sums move the centres with
// per-centre learning rates.
func (j *job) minibatch(ctx context.Context, centres []float32, s *rowSample, saved *miniBatchCheckpoint, first int) (*fitted, error) {
	batch := j.batchSize()
	maxSteps := j.spec.MaxIter
	if maxSteps == 0 {
		maxSteps = int(math.Ceil(defaultEpochs * float64(j.ds.Rows) / float64(batch)))
	}
	state := algo.NewMiniBatchState(j.spec.K, j.d, algo.MiniBatchConfig{
		BatchSize: batch, Tol: j.spec.Tol, DataVariance: s.variance(), Rows: j.ds.Rows,
	})
	if saved != nil {
		if err := state.UnmarshalBinary(saved.State); err != nil {
			return nil, fmt.Errorf("coordinator: restoring mini-batch state: %w", err)
		}
	}
	f := &fitted{centres: centres, stop: "max-iter", iterations: first - 1}
	j.firstRound = int64(first)
	d := j.d
	lastCheckpoint := time.Now()
	cands := make([]float32, 0, j.spec.K*d) // reassignment candidates, refilled each step
	for step := first; step <= maxSteps; step++ {
		shards, frac := j.stepShards(step)
		sums, err := j.sumsRound(ctx, int64(step), shards, centres, j.spec.K, frac)
		if err != nil {
			return nil, err
		}
		// Starved centres may move to sample rows chosen by the step's
		// seed: deterministic and free of another round trip.
		rng := algo.NewRand(j.spec.Seed, streamReassign, uint64(step))
		cands = cands[:0]
		for range j.spec.K {
			i := rng.IntN(s.n)
			cands = append(cands, s.points[i*d:(i+1)*d]...)
		}
		stop, reason, err := state.Step(centres, sums, cands, algo.NewRand(j.spec.Seed, streamStep, uint64(step)))
		if err != nil {
			return nil, err
		}
		f.iterations = step
		f.loss = sums.Inertia
		j.progress(Progress{Job: j.id, Phase: "iterate", Step: step, Steps: maxSteps, Loss: sums.Inertia, Rows: j.ds.Rows})
		if time.Since(lastCheckpoint) >= miniBatchCheckpointEvery && !stop {
			b, err := state.MarshalBinary()
			if err != nil {
				return nil, err
			}
			j.checkpoint(checkpointMiniBatch, int64(step), miniBatchCheckpoint{Centres: centres, State: b})
			lastCheckpoint = time.Now()
		}
		if stop {
			f.stop = reason
			break
		}
	}
	return f, nil
}

func (j *job) batchSize() int {
	if j.spec.BatchSize > 0 {
		return j.spec.BatchSize
	}
	return DefaultBatchSize
}
