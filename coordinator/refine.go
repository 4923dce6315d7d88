package coordinator

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shoal-io/shoal/internal/wire"
)

// Refinement of sampled k-medoids on all rows (JobSpec.Refine).
//
// CLARA and its kin keep the best medoids of a few samples: each medoid is
// the best row of a sample's share of its cluster, and on large data its
// cluster holds far more rows than the sample drew, so a better row is
// almost always among them. The refinement is the alternating k-medoids
// step of Park & Jun (2009, doi:10.1016/j.eswa.2008.01.039) over all rows,
// restricted to a few candidates per cluster so that a round is one pass
// of O(n·m·d) for m candidates: in round r every shard assigns its rows
// to the nearest of the medoids, and adds each row's dissimilarity to
// every candidate of its cluster (the current medoid among them); the
// coordinator adds the shards' sums in shard order and moves each medoid
// to its cluster's cheapest candidate when that is cheaper by more than
// a relative tolerance. Reassignment in the next round can only lower
// each row's distance, so the total deviation never rises.
//
// Candidates are not drawn at random: in 32 dimensions a random row of a
// Gaussian blob lies about √2 times farther from the blob's rows than
// its centre does, so random candidates rarely beat a sample's medoid.
// Each cluster has a target point instead, moved every round by one
// Weiszfeld step towards the cluster's geometric median (Euclidean; the
// mean for other metrics), which the same pass sums; the next round's
// candidates are the m rows of the cluster nearest its target, by
// (distance, row). The best real row lies near the geometric median, so
// the candidates close in on it within a few rounds.
//
// The rounds stop when a round moves no medoid and its candidates were
// drawn under the medoids it started from (so with m at least a
// cluster's size the result is a fixed point of the alternating
// algorithm), or after maxRefineRounds. Every sum is in float64, added
// in shard order, and candidates are ordered totally, so the result does
// not depend on the number of workers; the state after each round is
// checkpointed, and a resumed job continues from it to the same result.
// The medoids stay input rows, with their global row indices.

// maxRefineRounds bounds the refinement's rounds: each moves a medoid or
// brings the candidates up to date, and a few dozen suffice in practice.
const maxRefineRounds = 50

// refineTol is the relative improvement of a cluster's cost, against the
// total deviation, below which a medoid stays (ELKI's 1e-12 × total cost
// for a swap), so floating-point noise never moves one.
const refineTol = 1e-12

// refineGroupBytes, when above 0, replaces half the result bound as
// the candidate bytes of one task (see refineGroups); tests lower it.
var refineGroupBytes = 0

// checkpointRefine names the refinement's state after a round.
const checkpointRefine = "refine"

// roundRefine numbers the refinement's task rounds, far below all others.
func roundRefine(r int) int64 { return -(1 << 40) - int64(r) }

// refineState is the refinement between rounds; it is also its
// checkpoint.
type refineState struct {
	Round   int       `json:"round"` // rounds done
	Rows    []int64   `json:"rows"`  // the medoids' global rows
	Points  []float32 `json:"points"`
	Targets []float32 `json:"targets"`
	// Each cluster's candidates for the next round besides its medoid.
	CandRows   [][]int64   `json:"cand_rows"`
	CandPoints [][]float32 `json:"cand_points"`
	// Fresh says the candidates come from the assignment to the current
	// medoids.
	Fresh bool    `json:"fresh"`
	Swaps int     `json:"swaps"` // medoids moved so far
	Loss  float64 `json:"loss"`  // total deviation of the last pass
	Done  bool    `json:"done"`
}

// refine improves fit, CLARA's best medoids, on all rows (see above) and
// returns the refined medoids.
func (j *job) refine(ctx context.Context, fit *fitted) (*fitted, error) {
	k := j.spec.K
	st := &refineState{
		Rows: slices.Clone(fit.medoidRows), Points: slices.Clone(fit.centres), Targets: slices.Clone(fit.centres),
		CandRows: make([][]int64, k), CandPoints: make([][]float32, k), Loss: fit.loss,
	}
	var saved refineState
	if _, ok := j.restore(checkpointRefine, &saved); ok && len(saved.Rows) == k && len(saved.CandRows) == k {
		st = &saved
	}
	start := time.Now()
	for !st.Done && st.Round < maxRefineRounds {
		j.progress(Progress{Job: j.id, Phase: "refine", Step: st.Round, Steps: maxRefineRounds, Loss: st.Loss, Rows: j.ds.Rows})
		if err := j.refineRound(ctx, st); err != nil {
			return nil, err
		}
		j.checkpoint(checkpointRefine, int64(st.Round), st)
	}
	j.timed("refine", start)
	stop := fmt.Sprintf("%s; refined on all rows in %d rounds, %d medoids moved", fit.stop, st.Round, st.Swaps)
	if !st.Done {
		stop += fmt.Sprintf(", stopped at the bound of %d rounds", maxRefineRounds)
	}
	return &fitted{centres: st.Points, medoidRows: st.Rows, iterations: fit.iterations + st.Round,
		swaps: st.Swaps, loss: st.Loss, stop: stop}, nil
}

// refineRound runs one round: a pass over all rows scores the candidates,
// and st moves on to the next round's medoids, targets and candidates.
func (j *job) refineRound(ctx context.Context, st *refineState) error {
	k, d, m := j.spec.K, j.d, j.spec.Refine
	// Each cluster's candidates: its medoid first, then the others.
	counts := make([]int, k)
	var candRows []int64
	var candPoints []float32
	for c := range k {
		candRows = append(candRows, st.Rows[c])
		candPoints = append(candPoints, st.Points[c*d:(c+1)*d]...)
		counts[c] = 1
		for i, row := range st.CandRows[c] {
			if row == st.Rows[c] {
				continue
			}
			candRows = append(candRows, row)
			candPoints = append(candPoints, st.CandPoints[c][i*d:(i+1)*d]...)
			counts[c]++
		}
	}
	centres := append(slices.Clone(st.Points), st.Targets...)
	budget := j.c.resultBytes() / 2
	if refineGroupBytes > 0 {
		budget = refineGroupBytes
	}
	groups := refineGroups(counts, d, budget)
	var tasks []*wire.Task
	var taskGroup []int
	for _, t := range j.shardTasks(wire.KindRefine) {
		for g, grp := range groups {
			u := *t
			u.ID = t.ID*len(groups) + g
			u.Sets, u.Centres = 2, centres
			u.Candidates = make([]int, k)
			lo, hi := 0, 0
			for c := range k {
				if c < grp[0] {
					lo += counts[c]
				}
				if c < grp[1] {
					hi += counts[c]
				}
			}
			copy(u.Candidates[grp[0]:grp[1]], counts[grp[0]:grp[1]])
			u.PointRows, u.Points = candRows[lo:hi], candPoints[lo*d:hi*d]
			if g == 0 {
				u.TopRows = m
			}
			tasks = append(tasks, &u)
			taskGroup = append(taskGroup, g)
		}
	}
	res, err := j.collect(ctx, roundRefine(st.Round), tasks)
	if err != nil {
		return err
	}
	costs := make([]float64, len(candRows))
	sums := make([]float64, k*d)
	weights := make([]float64, k)
	sizes := make([]int64, k)
	near := make([][]nearCand, k)
	var loss float64
	for ti, r := range res {
		t := tasks[ti]
		if len(r.Costs) != len(t.PointRows) {
			return fmt.Errorf("%w: refine task %d returned %d costs for %d candidates", wire.ErrDecode, t.ID, len(r.Costs), len(t.PointRows))
		}
		lo := 0
		for c := range groups[taskGroup[ti]][0] {
			lo += counts[c]
		}
		for i, v := range r.Costs {
			costs[lo+i] += v
		}
		if taskGroup[ti] != 0 {
			continue
		}
		if len(r.Sums) != k*d || len(r.Weights) != k || len(r.Counts) != k || len(r.Labels) != len(r.Rows) || len(r.Points) != len(r.Rows)*d {
			return fmt.Errorf("%w: refine task %d returned sums, weights or rows of the wrong shape", wire.ErrDecode, t.ID)
		}
		for i, v := range r.Sums {
			sums[i] += v
		}
		for c := range k {
			weights[c] += r.Weights[c]
			sizes[c] += r.Counts[c]
		}
		loss += r.Loss
		for i, c := range r.Labels {
			if c < 0 || int(c) >= k {
				return fmt.Errorf("%w: refine label %d outside [0,%d)", wire.ErrDecode, c, k)
			}
			near[c] = append(near[c], nearCand{r.Distances[i], r.Rows[i], r.Points[i*d : (i+1)*d]})
		}
	}
	// Move each medoid to its cheapest candidate, the first of equal
	// ones, when it gains more than the tolerance. A candidate of cluster
	// c that is another cluster's medoid is labelled c only when it has
	// c's medoid's vector, so it costs the same bits and never wins: no
	// row becomes two medoids.
	moved := 0
	next := 0
	for c := range k {
		best := next
		for i := next + 1; i < next+counts[c]; i++ {
			if costs[i] < costs[best] {
				best = i
			}
		}
		if best != next && costs[next]-costs[best] > refineTol*loss {
			st.Rows[c] = candRows[best]
			copy(st.Points[c*d:(c+1)*d], candPoints[best*d:(best+1)*d])
			moved++
		}
		next += counts[c]
	}
	// The next targets, and the rows nearest this round's targets as the
	// next candidates.
	for c := range k {
		if weights[c] > 0 {
			for f := range d {
				st.Targets[c*d+f] = float32(sums[c*d+f] / weights[c])
			}
		}
		slices.SortFunc(near[c], func(a, b nearCand) int {
			return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.row, b.row))
		})
		rows := near[c][:min(len(near[c]), m)]
		st.CandRows[c], st.CandPoints[c] = make([]int64, len(rows)), make([]float32, 0, len(rows)*d)
		for i, r := range rows {
			st.CandRows[c][i] = r.row
			st.CandPoints[c] = append(st.CandPoints[c], r.point...)
		}
	}
	st.Done = moved == 0 && st.Fresh
	st.Fresh = moved == 0
	st.Swaps += moved
	st.Loss = loss
	st.Round++
	return nil
}

// nearCand is a row near its cluster's target.
type nearCand struct {
	dist  float64
	row   int64
	point []float32
}

// refineGroups cuts the clusters into groups [first, end) whose
// candidates (count[c] rows of d float32 each in the task, a float64
// cost each in the result) fit in maxBytes, so that a task that carries
// one group's candidates, and its result, fit a message. One group when
// all fit; a cluster alone in a group when it does not.
func refineGroups(counts []int, d, maxBytes int) [][2]int {
	var groups [][2]int
	first, bytes := 0, 0
	for c, n := range counts {
		b := n * max(d*4, 8)
		if c > first && bytes+b > maxBytes {
			groups = append(groups, [2]int{first, c})
			first, bytes = c, 0
		}
		bytes += b
	}
	return append(groups, [2]int{first, len(counts)})
}
