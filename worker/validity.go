package worker

import (
	"fmt"
	"slices"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/algo/validity"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// validity runs a pass of a k sweep's indices (wire.KindValidity): for
// each centre set, every row of the task's shards goes to its nearest
// centre, and the rows are summed per cluster, in shard order, into
// validity.Sums (the first pass) or validity.Spread around the task's
// means (the second). The first pass also returns the rows of the
// silhouette sample (Task.PointRows) that the shards hold. Both return in
// Costs, for each set, the sums of the rows' distances to their nearest
// centre and of their squares: the set's losses.
func (x *executor) validity(t *wire.Task, res *wire.Result) error {
	blocks, err := x.blocks(t).all()
	if err != nil {
		return err
	}
	m, err := algo.ParseMetric(t.Metric)
	if err != nil {
		return err
	}
	d := t.D
	res.K, res.D = t.K, d
	res.Counts = make([]int64, t.K)
	if t.Spread {
		res.Weights, res.Inertias = make([]float64, t.K), make([]float64, t.K)
	} else {
		res.Sums = make([]float64, t.K*d)
	}
	// Costs: per set, the sums of the distances and of their squares,
	// and with MedoidSil of the rows' medoid silhouettes.
	per := 2
	if t.MedoidSil {
		per = 3
	}
	res.Costs = make([]float64, per*len(t.Ks))
	var labels []int32
	var dist []float64
	off := 0
	for s, k := range t.Ks {
		nn := x.newNearest(m, k, d, t.Data.Ranges)
		if err := nn.setCentres(t.Centres[off*d : (off+k)*d]); err != nil {
			return err
		}
		var sums *validity.Sums
		var spread *validity.Spread
		if t.Spread {
			if spread, err = validity.NewSpread(k, d, t.Means[off*d:(off+k)*d]); err != nil {
				return err
			}
		} else {
			sums = validity.NewSums(k, d)
		}
		for _, b := range blocks {
			n := b.Len()
			labels, dist = grow(labels, n), grow(dist, n)
			nn.assign(b.Data, n, labels, dist)
			for _, v := range dist[:n] {
				res.Costs[per*s] += v
				res.Costs[per*s+1] += v * v
			}
			if t.MedoidSil {
				ms, err := validity.MedoidSilhouetteSum(b.Data[:n*d], d, t.Centres[off*d:(off+k)*d], m)
				if err != nil {
					return fmt.Errorf("worker: medoid silhouette of %s: %w", t.Shards[0].File, err)
				}
				res.Costs[per*s+2] += ms
			}
			if t.Spread {
				err = spread.Add(b.Data[:n*d], labels[:n])
			} else {
				err = sums.Add(b.Data[:n*d], labels[:n])
			}
			if err != nil {
				return fmt.Errorf("worker: validity sums of %s: %w", t.Shards[0].File, err)
			}
		}
		if t.Spread {
			copy(res.Counts[off:], spread.Count)
			copy(res.Weights[off:], spread.Dist)
			copy(res.Inertias[off:], spread.SqDist)
		} else {
			copy(res.Counts[off:], sums.Count)
			copy(res.Sums[off*d:], sums.Sum)
		}
		off += k
	}
	if t.Spread {
		return nil
	}
	// The sample's rows, found by their global index (PointRows is
	// sorted).
	for _, b := range blocks {
		for i, row := range b.Index {
			if _, ok := slices.BinarySearch(t.PointRows, row); ok {
				keepRow(res, b, i, row)
			}
		}
	}
	if res.Points == nil {
		res.Points = []float32{}
	}
	return nil
}

// scoreEach is a score task whose candidate sets have k of their own
// (Task.Ks): a k sweep scores the CLARA candidates of every k in one
// pass. Each set's cost is summed as score sums it.
func (x *executor) scoreEach(t *wire.Task, blocks []*partition.Block, m algo.Metric, res *wire.Result) error {
	res.Costs = make([]float64, len(t.Ks))
	var labels []int32
	var dist []float64
	off := 0
	for s, k := range t.Ks {
		nn := x.newNearest(m, k, t.D, t.Data.Ranges)
		if err := nn.setCentres(t.Centres[off*t.D : (off+k)*t.D]); err != nil {
			return err
		}
		off += k
		for _, b := range blocks {
			n := b.Len()
			labels, dist = grow(labels, n), grow(dist, n)
			nn.assign(b.Data, n, labels, dist)
			for _, v := range dist[:n] {
				res.Costs[s] += v
			}
		}
	}
	return nil
}
