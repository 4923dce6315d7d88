package coordinator

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/shoal-io/shoal/internal/wire"
)

// streamSample offsets the sampling streams of CLARA samples so they never
// coincide with other hashes of the job seed.
const streamSample = 0xc1a7a000

// roundClara numbers CLARA's rounds: gather, cluster and score get their
// own task rounds, below every other round in use.
func roundClara(round, phase int) int64 { return -1000 - int64(3*round+phase) }

// candidate is one sample's medoid set.
type candidate struct {
	sample int
	rows   []int64   // global rows of the medoids
	points []float32 // k × d
	loss   float64   // the algorithm's loss on its sample
	cost   float64   // total deviation over all rows
}

// clara runs CLARA, FastCLARA, CLARANS or FastCLARANS: samples are drawn
// by the workers (row r is in sample s when Hash(seed, s, r) falls under
// sampleSize/n), clustered by workers, and every candidate medoid set is
// scored on all rows in one pass per round; the lowest total deviation
// wins. Samples run in two rounds: the second round's samples include the
// best medoids of the first, as CLARA carries its best medoids forward,
// while the samples within a round run in parallel.
func (j *job) clara(ctx context.Context) (*fitted, error) {
	spec := j.spec
	var best *candidate
	rounds := [][2]int{{0, spec.Samples}}
	if spec.Samples > 1 {
		half := (spec.Samples + 1) / 2
		rounds = [][2]int{{0, half}, {half, spec.Samples}}
	}
	steps := 0
	var saved claraCheckpoint
	doneRounds := int64(0)
	if seq, ok := j.restore(checkpointClara, &saved); ok {
		best, doneRounds = saved.candidate(), seq
	}
	for r, span := range rounds {
		if int64(r) < doneRounds {
			steps += span[1] - span[0]
			continue
		}
		samples := make([]int, 0, span[1]-span[0])
		for s := span[0]; s < span[1]; s++ {
			samples = append(samples, s)
		}
		var bestCost float64
		if best != nil {
			bestCost = best.cost
		}
		j.progress(Progress{Job: j.id, Phase: "cluster", Step: steps, Steps: spec.Samples, Loss: bestCost, Rows: j.ds.Rows})
		t := time.Now()
		points, rows, err := j.gatherSamples(ctx, r, samples)
		if err != nil {
			return nil, err
		}
		j.timed("sample", t)
		t = time.Now()
		clustered := steps
		cands, err := j.clusterSamples(ctx, r, samples, points, rows, best, func() {
			clustered++
			j.progress(Progress{Job: j.id, Phase: "cluster", Step: clustered, Steps: spec.Samples, Loss: bestCost, Rows: j.ds.Rows})
		})
		if err != nil {
			return nil, err
		}
		j.timed("cluster", t)
		j.progress(Progress{Job: j.id, Phase: "score", Step: steps, Steps: spec.Samples, Loss: bestCost, Rows: j.ds.Rows})
		t = time.Now()
		if err := j.scoreCandidates(ctx, r, cands); err != nil {
			return nil, err
		}
		j.timed("score", t)
		for _, c := range cands {
			if best == nil || c.cost < best.cost {
				best = c
			}
		}
		steps += len(samples)
		j.checkpoint(checkpointClara, int64(r+1), claraCheckpointOf(best))
		j.progress(Progress{Job: j.id, Phase: "score", Step: steps, Steps: spec.Samples, Loss: best.cost, Rows: j.ds.Rows})
	}
	fit := &fitted{centres: best.points, medoidRows: best.rows, iterations: spec.Samples, loss: best.cost,
		stop: fmt.Sprintf("best of %d samples: sample %d", spec.Samples, best.sample)}
	if spec.Refine > 0 {
		return j.refine(ctx, fit)
	}
	return fit, nil
}

// gatherSamples asks every shard for its rows of each sample, in one
// dispatch, and returns each sample's points and global rows in row order.
func (j *job) gatherSamples(ctx context.Context, round int, samples []int) ([][]float32, [][]int64, error) {
	frac := math.Min(1, float64(j.spec.SampleSize)/float64(j.ds.Rows))
	var tasks []*wire.Task
	nShards := len(j.ds.Shards)
	for si, s := range samples {
		for _, t := range j.shardTasks(wire.KindSample) {
			t.ID = si*nShards + t.ID
			t.Stream, t.Fraction = streamSample+uint64(s), frac
			tasks = append(tasks, t)
		}
	}
	res, err := j.collect(ctx, roundClara(round, 0), tasks)
	if err != nil {
		return nil, nil, err
	}
	points := make([][]float32, len(samples))
	rows := make([][]int64, len(samples))
	for i, r := range res {
		si := i / nShards
		points[si] = append(points[si], r.Points...)
		rows[si] = append(rows[si], r.Rows...)
	}
	return points, rows, nil
}

// clusterSamples runs the k-medoids algorithm on each sample in its own
// task. The best medoids so far join every sample that lacks them. done
// is called as each sample's result arrives.
func (j *job) clusterSamples(ctx context.Context, round int, samples []int, points [][]float32, rows [][]int64, best *candidate, done func()) ([]*candidate, error) {
	spec, d := j.spec, j.d
	inner := map[string]string{"clara": "pam", "fastclara": "fasterpam", "clarans": "clarans", "fastclarans": "fastclarans"}[spec.Algorithm]
	tasks := make([]*wire.Task, len(samples))
	for i, s := range samples {
		p, r := points[i], rows[i]
		if best != nil {
			for m, row := range best.rows {
				if !slices.Contains(r, row) {
					r = append(r, row)
					p = append(p, best.points[m*d:(m+1)*d]...)
				}
			}
		}
		if len(r) <= spec.K {
			return nil, fmt.Errorf("%w: sample %d drew %d rows, not enough for k=%d; raise --sample-size", ErrInput, s, len(r), spec.K)
		}
		tasks[i] = &wire.Task{
			ID: i, Kind: wire.KindMedoids, K: spec.K, D: d, Seed: spec.Seed, Stream: uint64(s), Metric: spec.Metric,
			Algorithm: inner, Init: spec.Init, MaxIter: spec.MaxIter, NumLocal: spec.NumLocal, MaxNeighbor: spec.MaxNeighbor,
			Points: p, PointRows: r,
		}
	}
	res, err := j.collectEach(ctx, roundClara(round, 1), tasks, func(int) {
		if done != nil {
			done()
		}
	})
	if err != nil {
		return nil, err
	}
	cands := make([]*candidate, len(res))
	for i, r := range res {
		cands[i] = &candidate{sample: samples[i], rows: r.Rows, points: r.Points, loss: r.Loss}
	}
	return cands, nil
}

// scoreCandidates computes every candidate's total deviation over all rows
// in one pass: each shard scores all candidates (in one task, or in
// several that split the candidates when there are fewer shards than
// workers), and each candidate's partial sums are added in shard order.
func (j *job) scoreCandidates(ctx context.Context, round int, cands []*candidate) error {
	centres := make([]float32, 0, len(cands)*j.spec.K*j.d)
	for _, c := range cands {
		centres = append(centres, c.points...)
	}
	tasks, first := j.scoreTasks(centres, len(cands), j.c.workers())
	res, err := j.collect(ctx, roundClara(round, 2), tasks)
	if err != nil {
		return err
	}
	for ti, r := range res {
		if len(r.Costs) != tasks[ti].Sets {
			return fmt.Errorf("%w: %d costs for %d candidates", wire.ErrDecode, len(r.Costs), tasks[ti].Sets)
		}
		for i, c := range r.Costs {
			cands[first[ti]+i].cost += c
		}
	}
	return nil
}

// claraCheckpoint is the best candidate after a round of samples.
type claraCheckpoint struct {
	Sample int       `json:"sample"`
	Rows   []int64   `json:"rows"`
	Points []float32 `json:"points"`
	Loss   float64   `json:"loss"`
	Cost   float64   `json:"cost"`
}

func claraCheckpointOf(c *candidate) claraCheckpoint {
	return claraCheckpoint{c.sample, c.rows, c.points, c.loss, c.cost}
}

func (s claraCheckpoint) candidate() *candidate {
	return &candidate{s.Sample, s.Rows, s.Points, s.Loss, s.Cost}
}
