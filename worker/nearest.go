package worker

import (
	"math"

	"github.com/shoal-io/shoal/algo"
)

// nearest finds each row's nearest centre under a metric. Euclidean and
// squared Euclidean use the blocked Assigner, whose reported distances are
// recomputed exactly in float64 (AssignExact), so they carry no
// cancellation error from the ‖x‖²+‖c‖²−2x·c form.
// Other metrics compare every centre directly; Gower with the job's
// column ranges (wire.Data.Ranges).
type nearest struct {
	metric  algo.Metric
	k, d    int
	centres []float32
	a       *algo.Assigner
	ranges  []float64
}

func (x *executor) newNearest(m algo.Metric, k, d int, ranges []float64) *nearest {
	n := &nearest{metric: m, k: k, d: d}
	if m == algo.Gower {
		n.ranges = ranges
	}
	if m == algo.Euclidean || m == algo.SqEuclidean {
		n.a = x.assigner(k, d)
	}
	return n
}

func (n *nearest) setCentres(c []float32) error {
	n.centres = c
	if n.a != nil {
		return n.a.SetCentres(c)
	}
	return nil
}

// assign writes the nearest centre and its distance for the first rows
// rows of x.
func (n *nearest) assign(x []float32, rows int, labels []int32, dist []float64) {
	d := n.d
	if n.a != nil {
		if err := n.a.AssignExact(x, rows, labels[:rows], dist[:rows]); err != nil {
			panic(err) // shapes were checked by the caller
		}
		if n.metric == algo.Euclidean {
			for i, s := range dist[:rows] {
				dist[i] = math.Sqrt(s)
			}
		}
		return
	}
	if n.metric == algo.Gower {
		for i := range rows {
			row := x[i*d : (i+1)*d]
			best, bestD := 0, math.Inf(1)
			for c := range n.k {
				if v := algo.GowerDistance(row, n.centres[c*d:(c+1)*d], n.ranges); v < bestD {
					best, bestD = c, v
				}
			}
			labels[i], dist[i] = int32(best), bestD
		}
		return
	}
	for i := range rows {
		row := x[i*d : (i+1)*d]
		best, bestD := 0, math.Inf(1)
		for c := range n.k {
			if v := algo.Distance(n.metric, row, n.centres[c*d:(c+1)*d]); v < bestD {
				best, bestD = c, v
			}
		}
		labels[i], dist[i] = int32(best), bestD
	}
}
