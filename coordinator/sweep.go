package coordinator

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/algo/validity"
	"github.com/shoal-io/shoal/internal/wire"
)

// DefaultSweepSample is the size of a k sweep's silhouette sample when
// the job sets no --silhouette: the silhouette is exact on it and costs
// O(size²·d) per k on the coordinator, about a second for 20 values of k
// at d=32. scikit-learn's silhouette_score has no default sample; users
// pass sample_size in the thousands for the same reason.
const DefaultSweepSample = 2000

// Rounds of a sweep's indices passes (see the other round constants).
const (
	roundValiditySums   = -6
	roundValiditySpread = -7
)

// sweep fits every k of the job's range, scores them all in two shared
// passes over the data, and returns the fit of the k that the job's rule
// picks with the selection report. The job's spec becomes a copy with K
// set to the chosen k, so the label pass and the model are those of a
// single fit of that k.
func (j *job) sweep(ctx context.Context) (*fitted, *validity.Selection, error) {
	ks := j.spec.KRange
	fitStart := time.Now()
	fits, err := j.fitSweep(ctx, ks)
	if err != nil {
		return nil, nil, err
	}
	j.endFits()
	// A k-means fit sets the times of its init and iterations for
	// itself, not added up over fits: "fit" is the sweep's.
	delete(j.timings, "init")
	delete(j.timings, "iterate")
	j.timed("fit", fitStart)
	indexStart := time.Now()
	scores, size, err := j.sweepScores(ctx, ks, fits)
	if err != nil {
		return nil, nil, err
	}
	j.timed("indices", indexStart)
	rule := validity.Rule(j.spec.SelectRule)
	chosen, err := validity.Choose(scores, rule)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: choosing k: %w", ErrInput, err)
	}
	sel := &validity.Selection{Rule: rule, ChosenK: chosen, SampleSize: size, Seed: j.spec.Seed, Scores: scores}
	if err := sel.Validate(); err != nil {
		return nil, nil, fmt.Errorf("coordinator: selection report: %w", err)
	}
	i := slices.Index(ks, chosen)
	spec := *j.spec
	spec.K = chosen
	j.spec = &spec
	fit := fits[i]
	s := scores[i]
	fit.silhouette, fit.medoidSil = &s.Silhouette, s.MedoidSilhouette
	j.c.log.Info("k chosen", "job", j.id, "rule", rule, "k", chosen, "tried", len(ks))
	return fit, sel, nil
}

// fitSweep fits every k, sharing what the algorithm allows: k-means runs
// all k through kmeansRuns; the sampled k-medoids draw their samples
// once for every k; the others build the dissimilarity matrix once, in
// one task that fits every k on it.
func (j *job) fitSweep(ctx context.Context, ks []int) ([]*fitted, error) {
	switch {
	case slices.Contains(wire.SampledMedoidAlgorithms, j.spec.Algorithm):
		return j.claraSweep(ctx, ks)
	case j.spec.IsMedoid():
		return j.medoidsSweep(ctx, ks)
	}
	// Every k's n_init restarts run in the same passes too; each k keeps
	// its best, as a job of that k alone would.
	var runs []kmRun
	for _, k := range ks {
		for _, r := range j.restartRuns() {
			runs = append(runs, kmRun{K: k, Seed: r.Seed})
		}
	}
	j.progress(Progress{Job: j.id, Phase: "fit", Steps: len(ks), Rows: j.ds.Rows, Ks: kList(ks)})
	fits, err := j.kmeansRuns(ctx, runs)
	if err != nil {
		return nil, err
	}
	n := len(runs) / len(ks)
	out := make([]*fitted, len(ks))
	for i := range ks {
		group := fits[i*n : (i+1)*n]
		best := bestRun(group)
		out[i] = group[best]
		if n > 1 {
			out[i].bestRun = best
			for _, g := range group {
				out[i].runLosses = append(out[i].runLosses, g.loss)
			}
		}
	}
	return out, nil
}

// kList is ks as the progress shows it: "2..6" or "2,4,8".
func kList(ks []int) string {
	if len(ks) > 1 && ks[len(ks)-1]-ks[0] == len(ks)-1 {
		return fmt.Sprintf("%d..%d", ks[0], ks[len(ks)-1])
	}
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = fmt.Sprint(k)
	}
	return strings.Join(parts, ",")
}

// beginFit starts fit i (from 0) of a sweep that runs its fits one after
// another, for k: the fit's tasks carry Fit i+1, so they and their
// results keep apart from the other fits' of the same rounds, and
// progress reports name k. The returned func ends it.
func (j *job) beginFit(i, k int) (end func()) {
	progress := j.progress
	j.fit, j.firstRound = i+1, 1
	j.done, j.pending = map[int64]bool{}, map[int64][]*wire.Result{}
	j.progress = func(p Progress) {
		p.K = k
		progress(p)
	}
	return func() { j.progress = progress }
}

// endFits returns the job to the rounds of a single fit, for the passes
// after the fits.
func (j *job) endFits() {
	j.fit, j.firstRound = 0, 1
	j.done, j.pending = map[int64]bool{}, map[int64][]*wire.Result{}
}

// medoidsSweep fits every k with a k-medoids algorithm on all rows: one
// task builds the dissimilarity matrix once and runs every k on it, each
// as a job of that k alone would (the same task round and id, so the same
// random numbers).
func (j *job) medoidsSweep(ctx context.Context, ks []int) ([]*fitted, error) {
	j.progress(Progress{Job: j.id, Phase: "cluster", Steps: len(ks), Rows: j.ds.Rows, Ks: kList(ks)})
	defer j.timed("cluster", time.Now())
	t := &wire.Task{
		ID: 0, Kind: wire.KindMedoids, K: ks[len(ks)-1], Ks: ks, D: j.d, Seed: j.spec.Seed, Metric: j.spec.Metric,
		Algorithm: j.spec.Algorithm, Init: j.spec.Init, MaxIter: j.spec.MaxIter,
	}
	for _, s := range j.ds.Shards {
		t.Shards = append(t.Shards, j.wireShard(s))
	}
	res, err := j.collect(ctx, roundMedoid, []*wire.Task{t})
	if err != nil {
		return nil, err
	}
	r, d := res[0], j.d
	total := 0
	for _, k := range ks {
		total += k
	}
	if len(r.Rows) != total || len(r.Points) != total*d || len(r.Costs) != 3*len(ks) {
		return nil, fmt.Errorf("%w: a sweep's medoids result of %d rows and %d costs for k %v", wire.ErrDecode, len(r.Rows), len(r.Costs), ks)
	}
	fits := make([]*fitted, len(ks))
	off := 0
	for i, k := range ks {
		fits[i] = &fitted{
			centres: r.Points[off*d : (off+k)*d], medoidRows: r.Rows[off : off+k],
			loss: r.Costs[3*i], iterations: int(r.Costs[3*i+1]), swaps: int(r.Costs[3*i+2]),
		}
		off += k
	}
	return fits, nil
}

// claraSweep runs CLARA (or FastCLARA, CLARANS, FastCLARANS) for every k:
// each round's samples are gathered once, clustered for every k (each k
// in its own fit, with the random numbers of a single fit), and the
// candidates of every k are scored on all rows in one pass. The sample
// size is the job's, by default that of the largest k. Each k's fit is
// what a job of that k with this sample size finds.
func (j *job) claraSweep(ctx context.Context, ks []int) ([]*fitted, error) {
	spec := j.spec
	rounds := [][2]int{{0, spec.Samples}}
	if spec.Samples > 1 {
		half := (spec.Samples + 1) / 2
		rounds = [][2]int{{0, half}, {half, spec.Samples}}
	}
	best := make([]*candidate, len(ks))
	for r, span := range rounds {
		samples := make([]int, 0, span[1]-span[0])
		for s := span[0]; s < span[1]; s++ {
			samples = append(samples, s)
		}
		t := time.Now()
		points, rows, err := j.gatherSamples(ctx, r, samples)
		if err != nil {
			return nil, err
		}
		j.timed("sample", t)
		cands := make([][]*candidate, len(ks))
		for i, k := range ks {
			t = time.Now()
			cands[i], err = j.clusterSweepSamples(ctx, i, k, r, samples, points, rows, best[i])
			if err != nil {
				return nil, fmt.Errorf("k=%d: %w", k, err)
			}
			j.timed("cluster", t)
		}
		t = time.Now()
		j.progress(Progress{Job: j.id, Phase: "score", Rows: j.ds.Rows, Ks: kList(ks)})
		if err := j.scoreSweep(ctx, r, ks, cands); err != nil {
			return nil, err
		}
		j.timed("score", t)
		for i := range ks {
			for _, c := range cands[i] {
				if best[i] == nil || c.cost < best[i].cost {
					best[i] = c
				}
			}
		}
	}
	fits := make([]*fitted, len(ks))
	for i, b := range best {
		fits[i] = &fitted{centres: b.points, medoidRows: b.rows, iterations: spec.Samples, loss: b.cost,
			stop: fmt.Sprintf("best of %d samples: sample %d", spec.Samples, b.sample)}
	}
	return fits, nil
}

// clusterSweepSamples clusters a round's samples for k, fit i of the
// sweep, as clusterSamples does for a job of that k.
func (j *job) clusterSweepSamples(ctx context.Context, i, k, round int, samples []int, points [][]float32, rows [][]int64, best *candidate) ([]*candidate, error) {
	spec := j.spec
	defer func() { j.spec = spec }()
	s := *spec
	s.K = k
	j.spec = &s
	end := j.beginFit(i, k)
	defer func() {
		end()
		j.endFits()
	}()
	j.progress(Progress{Job: j.id, Phase: "cluster", Step: i, Steps: len(spec.KRange), Rows: j.ds.Rows, Ks: kList(spec.KRange)})
	return j.clusterSamples(ctx, round, samples, points, rows, best, nil)
}

// scoreSweep computes the total deviation over all rows of every
// candidate of every k in one pass, one task per shard, each shard's
// costs added in shard order as scoreCandidates adds them.
func (j *job) scoreSweep(ctx context.Context, round int, ks []int, cands [][]*candidate) error {
	var centres []float32
	var setK []int
	var all []*candidate
	for i, k := range ks {
		for _, c := range cands[i] {
			centres = append(centres, c.points...)
			setK = append(setK, k)
			all = append(all, c)
		}
	}
	tasks := j.shardTasks(wire.KindScore)
	for _, t := range tasks {
		t.K, t.Centres, t.Sets, t.Ks = ks[len(ks)-1], centres, len(setK), setK
	}
	res, err := j.collect(ctx, roundClara(round, 2), tasks)
	if err != nil {
		return err
	}
	for _, r := range res {
		if len(r.Costs) != len(all) {
			return fmt.Errorf("%w: %d costs for %d candidates", wire.ErrDecode, len(r.Costs), len(all))
		}
		for i, c := range r.Costs {
			all[i].cost += c
		}
	}
	return nil
}

// sweepScores computes every k's row of the selection report in two
// passes over the data, each one task per shard for all k together: the
// first sums every cluster's rows (validity.Sums) and returns the rows of
// the silhouette sample; the second sums the distances to the cluster
// means the first gave (validity.Spread), which Davies–Bouldin needs.
// The sums merge in shard order. The silhouette (exact on the sample,
// under the job's metric, every k from one pass over the sample's pairs)
// is computed here from the sample's rows; the medoid silhouette
// (k-medoids) comes from every row in the first pass. It returns the
// scores in increasing k and the sample's size.
func (j *job) sweepScores(ctx context.Context, ks []int, fits []*fitted) ([]validity.Score, int, error) {
	d := j.d
	var centres []float32
	total := 0
	for i, f := range fits {
		if len(f.centres) != ks[i]*d {
			return nil, 0, fmt.Errorf("coordinator: the fit of k=%d has %d centre values, want %d", ks[i], len(f.centres), ks[i]*d)
		}
		centres = append(centres, f.centres...)
		total += ks[i]
	}
	size := j.spec.Silhouette
	if size == 0 {
		size = DefaultSweepSample
	}
	sample, err := validity.SampleRows(int(j.ds.Rows), size, j.spec.Seed)
	if err != nil {
		return nil, 0, err
	}
	j.progress(Progress{Job: j.id, Phase: "indices", Step: 0, Steps: 2, Rows: j.ds.Rows, Ks: kList(ks)})
	tasks := j.validityTasks(ks, total, centres)
	per := 2 // costs a set: distances, squares, medoid silhouettes
	if j.spec.IsMedoid() {
		per = 3
	}
	for i, t := range tasks {
		t.MedoidSil = per == 3
		s := j.ds.Shards[i]
		lo, _ := slices.BinarySearch(sample, int(s.RowOffset))
		hi, _ := slices.BinarySearch(sample, int(s.RowOffset+s.Rows))
		for _, r := range sample[lo:hi] {
			t.PointRows = append(t.PointRows, int64(r))
		}
	}
	res, err := j.collect(ctx, roundValiditySums, tasks)
	if err != nil {
		return nil, 0, err
	}
	sums := make([]*validity.Sums, len(ks))
	for i, k := range ks {
		sums[i] = validity.NewSums(k, d)
	}
	losses, medoidSils := make([]float64, len(ks)), make([]float64, len(ks))
	var x []float32
	for _, r := range res {
		if err := checkValidityResult(r, ks, total, d, per); err != nil {
			return nil, 0, err
		}
		off := 0
		for i, k := range ks {
			part := &validity.Sums{K: k, D: d, Count: r.Counts[off : off+k], Sum: r.Sums[off*d : (off+k)*d]}
			if err := sums[i].Merge(part); err != nil {
				return nil, 0, err
			}
			losses[i] += j.sweepLoss(r.Costs[per*i], r.Costs[per*i+1])
			if per == 3 {
				medoidSils[i] += r.Costs[per*i+2]
			}
			off += k
		}
		x = append(x, r.Points...)
	}
	j.progress(Progress{Job: j.id, Phase: "indices", Step: 1, Steps: 2, Rows: j.ds.Rows, Ks: kList(ks)})
	tasks = j.validityTasks(ks, total, centres)
	means := make([]float64, 0, total*d)
	for _, s := range sums {
		means = append(means, s.Means()...)
	}
	for _, t := range tasks {
		t.Spread, t.Means = true, means
	}
	if res, err = j.collect(ctx, roundValiditySpread, tasks); err != nil {
		return nil, 0, err
	}
	spreads := make([]*validity.Spread, len(ks))
	for i, k := range ks {
		if spreads[i], err = validity.NewSpread(k, d, sums[i].Means()); err != nil {
			return nil, 0, err
		}
	}
	for _, r := range res {
		if err := checkValidityResult(r, ks, total, d, 2); err != nil {
			return nil, 0, err
		}
		off := 0
		for i, k := range ks {
			part := &validity.Spread{K: k, D: d, Count: r.Counts[off : off+k], Dist: r.Weights[off : off+k], SqDist: r.Inertias[off : off+k]}
			if err := spreads[i].Merge(part); err != nil {
				return nil, 0, err
			}
			off += k
		}
	}
	j.progress(Progress{Job: j.id, Phase: "indices", Step: 2, Steps: 2, Rows: j.ds.Rows, Ks: kList(ks)})
	metric, err := algo.ParseMetric(j.spec.Metric)
	if err != nil {
		return nil, 0, err
	}
	n := len(x) / d
	labels := make([][]int32, len(ks))
	off := 0
	for i, k := range ks {
		if labels[i], err = nearestLabels(x, n, d, centres[off*d:(off+k)*d], k, metric); err != nil {
			return nil, 0, err
		}
		off += k
	}
	// Every k's silhouette from one pass over the sample's pairs.
	sils, err := validity.Silhouettes(x, d, labels, ks, metric, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, 0, fmt.Errorf("%w: the silhouette on a sample of %d rows: %w; raise --silhouette", ErrInput, n, err)
	}
	scores := make([]validity.Score, len(ks))
	for i, k := range ks {
		sc := validity.Score{K: k, Loss: losses[i], Silhouette: sils[i]}
		if sc.CalinskiHarabasz, err = validity.CalinskiHarabasz(sums[i], spreads[i]); err != nil {
			return nil, 0, fmt.Errorf("%w: k=%d: %w", ErrInput, k, err)
		}
		if sc.DaviesBouldin, err = validity.DaviesBouldin(sums[i], spreads[i]); err != nil {
			return nil, 0, fmt.Errorf("%w: k=%d: %w", ErrInput, k, err)
		}
		if per == 3 {
			// Over every row, from the first pass.
			var rows int64
			for _, c := range sums[i].Count {
				rows += c
			}
			ms := medoidSils[i] / float64(rows)
			sc.MedoidSilhouette = &ms
		}
		scores[i] = sc
	}
	return scores, n, nil
}

// validityTasks are one KindValidity task per shard for the centre sets
// of ks (total centres in all).
func (j *job) validityTasks(ks []int, total int, centres []float32) []*wire.Task {
	tasks := j.shardTasks(wire.KindValidity)
	for _, t := range tasks {
		t.K, t.Ks, t.Centres = total, ks, centres
	}
	return tasks
}

// checkValidityResult checks the shape of a validity result with per
// costs a set.
func checkValidityResult(r *wire.Result, ks []int, total, d, per int) error {
	if r.K != total || r.D != d || len(r.Costs) != per*len(ks) || (r.Sums == nil && r.Weights == nil) {
		return fmt.Errorf("%w: a validity result for k=%d d=%d with %d costs", wire.ErrDecode, r.K, r.D, len(r.Costs))
	}
	return nil
}

// sweepLoss is a k's loss from the sums of the rows' distances to their
// nearest centre and of their squares: total deviation for k-medoids,
// inertia (squared Euclidean) for k-means, as the model reports them.
func (j *job) sweepLoss(dist, sq float64) float64 {
	if j.spec.IsMedoid() || j.spec.Metric == "sqeuclidean" {
		return dist
	}
	return sq
}

// nearestLabels assigns the n rows of x (n×d) to their nearest of the k
// centres c under metric, as the workers' label pass does: Euclidean
// distances through the blocked assigner with exact distances, the
// others by comparing every centre.
func nearestLabels(x []float32, n, d int, c []float32, k int, metric algo.Metric) ([]int32, error) {
	labels := make([]int32, n)
	if n == 0 {
		return labels, nil
	}
	if metric == algo.Euclidean || metric == algo.SqEuclidean {
		a := algo.NewAssigner(k, d)
		if err := a.SetCentres(c); err != nil {
			return nil, err
		}
		dist := make([]float64, n)
		if err := a.AssignExact(x, n, labels, dist); err != nil {
			return nil, err
		}
		return labels, nil
	}
	for i := range n {
		row := x[i*d : (i+1)*d]
		best, bestD := 0, math.Inf(1)
		for m := range k {
			if v := algo.Distance(metric, row, c[m*d:(m+1)*d]); v < bestD {
				best, bestD = m, v
			}
		}
		labels[i] = int32(best)
	}
	return labels, nil
}
