package coordinator

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// Several k-means runs in lockstep: restarts from different seedings
// (--n-init) or one run per k. Every run has its own centres, seed and
// stopping, but they share the passes over the data: a Lloyd round's
// tasks carry the centres of every run still going, and the worker
// sums each shard it reads against all of them (wire.Task.RunK); a
// mini-batch step draws one batch of rows, from the job seed, which
// every run updates from. A run's sums are the bits a task of that run
// alone returns, merged in the same order, so a run of a lockstep fit
// is the run fitted alone: sharing saves reads, never changes a run.
//
// What a run's seed decides: its seeding (k-means++ trials, the random
// pick, k-means|| draws), Lloyd's re-seeding of empty centres and
// mini-batch's reassignments. What the job seed decides for all runs:
// the init sample and the mini-batch rows of each step.

// kmRun is one k-means run of a lockstep fit: its number of centres
// and the seed of its own random choices.
type kmRun struct {
	K    int
	Seed uint64
}

// streamRestart derives the seeds of restarts after the first.
const streamRestart = 0x7e57

// roundFinal is the round of the pass that scores every run's final
// centres on all rows: above any iteration (max_iter ≤ 1e6, and
// mini-batch steps are bounded by epochs × rows / batch).
const roundFinal = int64(1) << 50

// restartRuns returns the job's n_init runs of its k: run 0 with the
// job seed, so a single run is the fit of earlier versions, and run r
// with a seed derived from the job seed and r.
func (j *job) restartRuns() []kmRun {
	n := max(j.spec.NInit, 1)
	runs := make([]kmRun, n)
	for r := range runs {
		runs[r] = kmRun{K: j.spec.K, Seed: j.spec.Seed}
		if r > 0 {
			runs[r].Seed = algo.Hash(j.spec.Seed, streamRestart, uint64(r))
		}
	}
	return runs
}

// bestRun returns the index of the fit of lowest loss, the first of
// equal ones.
func bestRun(fits []*fitted) int {
	best := 0
	for r, f := range fits {
		if f.loss < fits[best].loss {
			best = r
		}
	}
	return best
}

// runState is one run's progress through a lockstep fit.
type runState struct {
	run     kmRun
	sample  *rowSample
	tol     float64 // Lloyd: the bound on the summed squared shift
	centres []float32
	mb      *algo.MiniBatchState // mini-batch only
	cands   []float32            // mini-batch reassignment candidates, refilled each step
	fit     *fitted
	done    bool
}

// runsCheckpoint is the state of a lockstep fit after an iteration (the
// checkpointLloyd and checkpointMiniBatch checkpoints). Centres and
// State alone are the form of earlier versions, a single run's.
type runsCheckpoint struct {
	Runs    []runCheckpoint `json:"runs,omitempty"`
	Centres []float32       `json:"centres,omitempty"`
	State   []byte          `json:"state,omitempty"`
}

// runCheckpoint is one run's state in a runsCheckpoint.
type runCheckpoint struct {
	K          int       `json:"k"`
	Seed       uint64    `json:"seed"`
	Centres    []float32 `json:"centres"`
	State      []byte    `json:"state,omitempty"` // mini-batch state
	Iterations int       `json:"iterations"`
	Loss       float64   `json:"loss"`
	Stop       string    `json:"stop,omitempty"` // set once the run has ended
}

// kmeansRuns fits every run (Lloyd or mini-batch, as the job says) in
// the same passes over the data, and returns each run's fit in run
// order. With several runs, each fit's loss is its inertia on all rows
// at its final centres, from one shared pass after the last run ends;
// a single run's loss is that of its last round, as before. It is
// called once per job: its rounds are the job's iteration rounds, and
// its checkpoint resumes only the same runs.
func (j *job) kmeansRuns(ctx context.Context, runs []kmRun) ([]*fitted, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("coordinator: a k-means fit of no runs")
	}
	for _, r := range runs {
		if r.K < 1 || int64(r.K) > j.ds.Rows {
			return nil, fmt.Errorf("%w: k=%d needs at least 1 and at most the %d rows", ErrInput, r.K, j.ds.Rows)
		}
	}
	j.progress(Progress{Job: j.id, Phase: "init", Rows: j.ds.Rows})
	initStart := time.Now()
	defer func() { j.timings["iterate"] = time.Since(initStart).Seconds() - j.timings["init"] }()
	ks := make([]int, len(runs))
	for i, r := range runs {
		ks[i] = r.K
	}
	samples, err := j.runSamples(ctx, ks)
	if err != nil {
		return nil, err
	}
	lloyd := j.spec.Algorithm == "kmeans"
	name := checkpointMiniBatch
	if lloyd {
		name = checkpointLloyd
	}
	st := make([]*runState, len(runs))
	for i, r := range runs {
		st[i] = &runState{run: r, sample: samples[i], fit: &fitted{stop: "max-iter"}}
		if !lloyd {
			st[i].mb = algo.NewMiniBatchState(r.K, j.d, j.miniBatchConfig(samples[i]))
		}
	}
	first := 1
	var saved runsCheckpoint
	if seq, ok := j.restore(name, &saved); ok && j.restoreRuns(st, &saved, int(seq)) {
		first = int(seq) + 1
	} else {
		for i, s := range st {
			if s.centres, err = j.initCentres(ctx, s.sample, s.run, i); err != nil {
				return nil, err
			}
		}
		j.timed("init", initStart)
	}
	if lloyd {
		err = j.lloydRuns(ctx, st, first)
	} else {
		err = j.minibatchRuns(ctx, st, first)
	}
	if err != nil {
		return nil, err
	}
	fits := make([]*fitted, len(st))
	for i, s := range st {
		s.fit.centres = s.centres
		fits[i] = s.fit
	}
	if len(st) > 1 {
		sums, err := j.runSumsRound(ctx, roundFinal, st, j.ds.Shards, 1)
		if err != nil {
			return nil, err
		}
		for i, s := range sums {
			fits[i].loss = s.Inertia
		}
	}
	return fits, nil
}

// restoreRuns puts a checkpoint's state into st after iteration seq,
// if it holds these runs; a checkpoint of other runs (another k, seed
// or n_init) is ignored and the fit starts again.
func (j *job) restoreRuns(st []*runState, saved *runsCheckpoint, seq int) bool {
	if saved.Runs == nil && saved.Centres != nil && len(st) == 1 && st[0].run.Seed == j.spec.Seed {
		// A single run's checkpoint of an earlier version.
		saved.Runs = []runCheckpoint{{K: st[0].run.K, Seed: st[0].run.Seed, Centres: saved.Centres, State: saved.State, Iterations: seq}}
	}
	if len(saved.Runs) != len(st) {
		j.c.log.Warn("ignoring a checkpoint of other runs", "job", j.id, "runs", len(saved.Runs), "want", len(st))
		return false
	}
	for i, r := range saved.Runs {
		s := st[i]
		if r.K != s.run.K || r.Seed != s.run.Seed || len(r.Centres) != r.K*j.d {
			j.c.log.Warn("ignoring a checkpoint of other runs", "job", j.id, "run", i)
			return false
		}
		if s.mb != nil {
			if err := s.mb.UnmarshalBinary(r.State); err != nil {
				j.c.log.Warn("ignoring an unreadable mini-batch state", "job", j.id, "run", i, "err", err)
				return false
			}
		}
	}
	for i, r := range saved.Runs {
		s := st[i]
		s.centres = r.Centres
		s.fit.iterations, s.fit.loss = r.Iterations, r.Loss
		if r.Stop != "" {
			s.fit.stop, s.done = r.Stop, true
		}
	}
	return true
}

// saveRuns checkpoints every run's state after iteration seq.
func (j *job) saveRuns(name string, seq int, st []*runState) error {
	cp := runsCheckpoint{Runs: make([]runCheckpoint, len(st))}
	for i, s := range st {
		r := runCheckpoint{K: s.run.K, Seed: s.run.Seed, Centres: s.centres, Iterations: s.fit.iterations, Loss: s.fit.loss}
		if s.done {
			r.Stop = s.fit.stop
		}
		if s.mb != nil {
			b, err := s.mb.MarshalBinary()
			if err != nil {
				return err
			}
			r.State = b
		}
		cp.Runs[i] = r
	}
	j.checkpoint(name, int64(seq), cp)
	return nil
}

// active returns the runs still going.
func active(st []*runState) []*runState {
	var out []*runState
	for _, s := range st {
		if !s.done {
			out = append(out, s)
		}
	}
	return out
}

// lowestLoss is the progress line's loss of a round: the best run's.
func lowestLoss(st []*runState) float64 {
	loss := math.Inf(1)
	for _, s := range st {
		loss = min(loss, s.fit.loss)
	}
	return loss
}

// lloydRuns iterates full passes until every run's centres stop moving
// (summed squared shift at most tol × its sample's variance).
func (j *job) lloydRuns(ctx context.Context, st []*runState, first int) error {
	maxIter := j.spec.MaxIter
	if maxIter == 0 {
		maxIter = defaultLloydIter
	}
	tol := j.spec.Tol
	if tol == 0 {
		tol = defaultLloydTol
	}
	for _, s := range st {
		s.tol = tol * s.sample.variance()
	}
	j.firstRound = int64(first)
	for it := first; it <= maxIter; it++ {
		act := active(st)
		if len(act) == 0 {
			break
		}
		sums, err := j.runSumsRound(ctx, int64(it), act, j.ds.Shards, 1)
		if err != nil {
			return err
		}
		for i, s := range act {
			shift, _, err := algo.LloydUpdate(s.centres, sums[i], algo.NewRand(s.run.Seed, streamStep, uint64(it)))
			if err != nil {
				return err
			}
			s.fit.iterations, s.fit.loss = it, sums[i].Inertia
			if shift <= s.tol {
				s.fit.stop, s.done = "converged", true
			}
		}
		if err := j.saveRuns(checkpointLloyd, it, st); err != nil {
			return err
		}
		j.progress(Progress{Job: j.id, Phase: "iterate", Step: it, Steps: maxIter, Loss: lowestLoss(act), Rows: j.ds.Rows})
	}
	return nil
}

// miniBatchConfig is the mini-batch configuration of a run whose init
// sample is s.
func (j *job) miniBatchConfig(s *rowSample) algo.MiniBatchConfig {
	return algo.MiniBatchConfig{BatchSize: j.batchSize(), Tol: j.spec.Tol, DataVariance: s.variance(), Rows: j.ds.Rows}
}

// minibatchRuns runs Sculley's mini-batch k-means for every run: each
// step the shards of the step's group (see stepShards) draw one batch,
// and every run still going moves its centres by its sums of it.
func (j *job) minibatchRuns(ctx context.Context, st []*runState, first int) error {
	batch := j.batchSize()
	maxSteps := j.spec.MaxIter
	if maxSteps == 0 {
		maxSteps = int(math.Ceil(defaultEpochs * float64(j.ds.Rows) / float64(batch)))
	}
	j.firstRound = int64(first)
	d := j.d
	lastCheckpoint := time.Now()
	for step := first; step <= maxSteps; step++ {
		act := active(st)
		if len(act) == 0 {
			break
		}
		shards, frac := j.stepShards(step)
		sums, err := j.runSumsRound(ctx, int64(step), act, shards, frac)
		if err != nil {
			return err
		}
		for i, s := range act {
			// Starved centres may move to sample rows chosen by the
			// step's seed: deterministic and free of another round trip.
			rng := algo.NewRand(s.run.Seed, streamReassign, uint64(step))
			s.cands = s.cands[:0]
			for range s.run.K {
				r := rng.IntN(s.sample.n)
				s.cands = append(s.cands, s.sample.points[r*d:(r+1)*d]...)
			}
			stop, reason, err := s.mb.Step(s.centres, sums[i], s.cands, algo.NewRand(s.run.Seed, streamStep, uint64(step)))
			if err != nil {
				return err
			}
			s.fit.iterations, s.fit.loss = step, sums[i].Inertia
			if stop {
				s.fit.stop, s.done = reason, true
			}
		}
		j.progress(Progress{Job: j.id, Phase: "iterate", Step: step, Steps: maxSteps, Loss: lowestLoss(act), Rows: j.ds.Rows})
		if time.Since(lastCheckpoint) >= miniBatchCheckpointEvery && len(active(st)) > 0 {
			if err := j.saveRuns(checkpointMiniBatch, step, st); err != nil {
				return err
			}
			lastCheckpoint = time.Now()
		}
	}
	return nil
}

// runSumsRound runs one pass of sums (all rows, or a mini-batch when
// fraction < 1) against the centres of every run in st, and returns
// each run's merged sums. One run goes as a plain sums task. Several
// share tasks (wire.Task.RunK), in groups whose sums fit one result
// message; every task of a group is cut as spreadShardTasks cuts a
// round, so a group's tasks read each shard once.
func (j *job) runSumsRound(ctx context.Context, round int64, st []*runState, shards []partition.Shard, fraction float64) ([]*algo.CentreSums, error) {
	minRows := minTaskBatchRows
	if fraction < 1 {
		minRows = max(minRows, j.batchSize()/2)
	}
	workers := j.c.workers()
	if len(st) == 1 {
		s := st[0]
		tasks := j.spreadTasks(wire.KindSums, shards, fraction, minRows, workers, s.run.K, 1)
		for _, t := range tasks {
			t.Centres, t.K, t.Fraction = s.centres, s.run.K, fraction
		}
		total, err := j.mergeSums(ctx, round, tasks, s.run.K)
		if err != nil {
			return nil, err
		}
		return []*algo.CentreSums{total}, nil
	}
	groups, err := j.runGroups(st)
	if err != nil {
		return nil, err
	}
	var tasks []*wire.Task
	var group []int // each task's group
	for g, members := range groups {
		totalK := 0
		var runK []int
		var centres []float32
		for _, i := range members {
			totalK += st[i].run.K
			runK = append(runK, st[i].run.K)
			centres = append(centres, st[i].centres...)
		}
		for _, t := range j.spreadTasks(wire.KindSums, shards, fraction, minRows, workers, totalK, len(members)) {
			t.ID = t.ID*len(groups) + g
			t.Centres, t.K, t.RunK, t.Fraction = centres, totalK, runK, fraction
			tasks = append(tasks, t)
			group = append(group, g)
		}
	}
	res, err := j.collect(ctx, round, tasks)
	if err != nil {
		return nil, err
	}
	totals := make([]*algo.CentreSums, len(st))
	for g, members := range groups {
		var gt []*wire.Task
		var gr []*wire.Result
		for n, r := range res {
			if group[n] == g {
				gt, gr = append(gt, tasks[n]), append(gr, r)
			}
		}
		ks := make([]int, len(members))
		for m, i := range members {
			ks[m] = st[i].run.K
		}
		sums, err := treeSums(gt, gr, ks, j.d)
		if err != nil {
			return nil, err
		}
		for m, i := range members {
			totals[i] = sums[m]
		}
	}
	return totals, nil
}

// runGroups cuts the runs in st into consecutive groups whose sums of
// one piece fit a result message (see spreadShardTasks), as few as can
// be; each group shares its tasks.
func (j *job) runGroups(st []*runState) ([][]int, error) {
	room := j.c.resultBytes() - resultSlack
	var groups [][]int
	bytes := 0
	for i, s := range st {
		b := 8 * (s.run.K*j.d + 3*s.run.K + 2)
		if b > room {
			return nil, fmt.Errorf("%w: the sums of k=%d centres of %d features (%d bytes) do not fit a result message of %d bytes",
				ErrInput, s.run.K, j.d, b, j.c.resultBytes())
		}
		if len(groups) == 0 || bytes+b > room {
			groups, bytes = append(groups, nil), 0
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], i)
		bytes += b
	}
	return groups, nil
}

// runSamples returns each run's init sample: the rows whose hash under
// the job seed falls below the sampling rate for its k, so the sample is
// the same however the data is sharded. The rate targets
// max(initSampleRows, 30k) rows and grows fourfold while the sample
// holds fewer than k rows (tiny data). One pass draws the rows for the
// largest rate; a run of a lower rate keeps those below its own, which
// are the rows, in the same order, that a pass at its rate draws, so a
// run's sample is that of a job of its k alone.
func (j *job) runSamples(ctx context.Context, ks []int) ([]*rowSample, error) {
	start := func(k int) float64 {
		return min(1, float64(max(initSampleRows, 30*k))/float64(j.ds.Rows))
	}
	frac := 0.0
	for _, k := range ks {
		frac = max(frac, start(k))
	}
	prefix := algo.Hash(j.spec.Seed, streamInitSample)
	for attempt := int64(0); ; attempt++ {
		all, rows, err := j.drawSample(ctx, roundInit-10*attempt, frac)
		if err != nil {
			return nil, err
		}
		// Each k's rate: raised fourfold while its rows are fewer than k.
		rates := make([]float64, len(ks))
		need := frac
		for i, k := range ks {
			f := start(k)
			for f <= frac && f < 1 && countBelow(prefix, rows, f) < k {
				f = min(1, 4*f)
			}
			rates[i] = f
			if f > frac {
				need = max(need, f)
			}
		}
		if need > frac {
			frac = need // a rate above this pass's: draw again at it
			continue
		}
		out := make([]*rowSample, len(ks))
		for i, k := range ks {
			s := all
			if rates[i] < frac {
				s = subSample(all, rows, prefix, rates[i])
			}
			if s.n < k {
				return nil, fmt.Errorf("%w: only %d usable rows for k=%d", ErrInput, s.n, k)
			}
			out[i] = s
		}
		return out, nil
	}
}

// drawSample asks every shard for the rows whose hash falls under frac,
// and returns them with their global row indices.
func (j *job) drawSample(ctx context.Context, round int64, frac float64) (*rowSample, []int64, error) {
	tasks := j.shardTasks(wire.KindSample)
	for _, t := range tasks {
		t.Stream, t.Fraction = streamInitSample, frac
	}
	res, err := j.collect(ctx, round, tasks)
	if err != nil {
		return nil, nil, err
	}
	s := &rowSample{d: j.d}
	var rows []int64
	for _, r := range res {
		s.points = append(s.points, r.Points...)
		s.weights = append(s.weights, r.RowWeight...)
		s.n += len(r.Rows)
		rows = append(rows, r.Rows...)
	}
	if j.ds.Weight == "" {
		s.weights = nil
	}
	return s, rows, nil
}

// countBelow counts the rows whose sample hash is below frac.
func countBelow(prefix uint64, rows []int64, frac float64) int {
	n := 0
	for _, row := range rows {
		if algo.Below(algo.HashMore(prefix, uint64(row)), frac) {
			n++
		}
	}
	return n
}

// subSample keeps the rows of s whose sample hash is below frac.
func subSample(s *rowSample, rows []int64, prefix uint64, frac float64) *rowSample {
	out := &rowSample{d: s.d}
	for i, row := range rows {
		if !algo.Below(algo.HashMore(prefix, uint64(row)), frac) {
			continue
		}
		out.points = append(out.points, s.points[i*s.d:(i+1)*s.d]...)
		if s.weights != nil {
			out.weights = append(out.weights, s.weights[i])
		}
		out.n++
	}
	return out
}
