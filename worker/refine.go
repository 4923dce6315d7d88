package worker

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// nearRow is a row near its cluster's target: its distance to the
// target, global row and vector (a copy: the shard it came from is gone
// by the task's end).
type nearRow struct {
	dist  float64
	row   int64
	point []float32
}

// byDistRow orders rows by distance to the target, then by global row:
// a total order, so the nearest rows do not depend on the sharding.
func byDistRow(a, b nearRow) int {
	if c := cmp.Compare(a.dist, b.dist); c != 0 {
		return c
	}
	return cmp.Compare(a.row, b.row)
}

// refine runs a round of k-medoids refinement on the task's shards (see
// wire.KindRefine), one shard at a time: each row goes to its nearest
// medoid, adds its dissimilarity to every candidate of that cluster and
// its weighted vector to the cluster's target sums, and the rows nearest
// each cluster's target are kept. Costs and sums add shards and rows in
// order.
func (x *executor) refine(t *wire.Task, res *wire.Result) error {
	m, err := algo.ParseMetric(t.Metric)
	if err != nil {
		return err
	}
	k, d := t.K, t.D
	nn := x.newNearest(m, k, d, t.Data.Ranges)
	if err := nn.setCentres(t.Centres[:k*d]); err != nil {
		return err
	}
	targets := t.Centres[k*d:]
	first := make([]int, k+1)
	for c, n := range t.Candidates {
		first[c+1] = first[c] + n
	}
	res.D = d
	res.Costs = make([]float64, first[k])
	res.Counts = make([]int64, k)
	res.Sums = make([]float64, k*d)
	res.Weights = make([]float64, k)
	near := make([][]nearRow, k)
	var shardNear [][]nearRow
	if t.TopRows > 0 {
		shardNear = make([][]nearRow, k)
	}
	var labels []int32
	var dist []float64
	err = x.blocks(t).each(func(_ int, b *partition.Block) error {
		n := b.Len()
		labels, dist = grow(labels, n), grow(dist, n)
		nn.assign(b.Data, n, labels, dist)
		if err := algo.CandidateCosts(m, b.Data[:n*d], n, d, labels[:n], t.Points, first, res.Costs); err != nil {
			return fmt.Errorf("worker: refine task %s: %w", t.Key(), err)
		}
		for c := range shardNear {
			shardNear[c] = shardNear[c][:0]
		}
		for i, row := range b.Index {
			c := int(labels[i])
			res.Counts[c]++
			res.Loss += dist[i]
			p := b.Data[i*d : (i+1)*d]
			dt := algo.Distance(m, p, targets[c*d:(c+1)*d])
			w := 1.0
			if m == algo.Euclidean {
				// Weiszfeld's weight; a row on the target has none.
				w = 0
				if dt > 0 {
					w = 1 / dt
				}
			}
			if w > 0 {
				sums := res.Sums[c*d : (c+1)*d]
				for f, v := range p {
					sums[f] += w * float64(v)
				}
				res.Weights[c] += w
			}
			if shardNear != nil {
				shardNear[c] = append(shardNear[c], nearRow{dt, row, p})
			}
		}
		// Each cluster's nearest rows so far: the shard's best joined to
		// those of the shards before, vectors copied out of the shard.
		for c, rows := range shardNear {
			slices.SortFunc(rows, byDistRow)
			rows = rows[:min(len(rows), t.TopRows)]
			for i := range rows {
				rows[i].point = slices.Clone(rows[i].point)
			}
			all := append(near[c], rows...)
			slices.SortFunc(all, byDistRow)
			near[c] = all[:min(len(all), t.TopRows)]
		}
		res.N += int64(n)
		return nil
	})
	if err != nil {
		return err
	}
	res.Rows, res.Points, res.Labels, res.Distances = []int64{}, []float32{}, []int32{}, []float64{}
	for c, rows := range near {
		for _, r := range rows {
			res.Rows = append(res.Rows, r.row)
			res.Points = append(res.Points, r.point...)
			res.Labels = append(res.Labels, int32(c))
			res.Distances = append(res.Distances, r.dist)
		}
	}
	return nil
}
