package validity

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/shoal-io/shoal/algo"
)

// silBlock is the number of rows a goroutine takes at a time: large enough
// that the shared counter is touched rarely, small enough that two
// goroutines finish together.
const silBlock = 16

// Silhouette is the mean silhouette width (Rousseeuw, "Silhouettes: a
// graphical aid to the interpretation and validation of cluster
// analysis", J. Comput. Appl. Math. 20, 1987,
// doi:10.1016/0377-0427(87)90125-7) of the points of data under metric:
// the mean of SilhouetteSamples, summed in row order. It equals
// scikit-learn's silhouette_score(X, labels, metric=...) without
// sample_size; for large data pass the rows of SampleRows, which makes it
// the exact silhouette of a seeded sample, as sample_size does.
//
// Cost: n(n−1) distance evaluations of O(d) each, spread over workers
// goroutines (values below 1 mean 1); O(n + workers·k) memory.
func Silhouette(data Data, metric algo.Metric, workers int) (float64, error) {
	s, err := SilhouetteSamples(data, metric, workers)
	if err != nil {
		return 0, err
	}
	var sum float64
	for _, v := range s {
		sum += v
	}
	return sum / float64(len(s)), nil
}

// SilhouetteSamples is the silhouette width s(i) of every row: a(i) is
// the mean distance from i to the other members of its cluster, b(i) the
// smallest mean distance from i to the members of another non-empty
// cluster, and s(i) = (b−a)/max(a,b), or 0 when i is alone in its cluster
// or a = b = 0 (as scikit-learn's silhouette_samples and R's
// cluster::silhouette). Distances and sums are float64; each row is
// summed in column order by one goroutine, so the widths do not depend on
// workers.
//
// Errors: ErrShape, ErrLabel, ErrNotFinite for bad input, ErrClusters
// unless 2 ≤ non-empty clusters ≤ n−1, and algo.ErrUnknownMetric.
func SilhouetteSamples(data Data, metric algo.Metric, workers int) ([]float64, error) {
	sizes, nonEmpty, err := data.check()
	if err != nil {
		return nil, err
	}
	n := len(data.Labels)
	if nonEmpty < 2 || nonEmpty > n-1 {
		return nil, fmt.Errorf("%w: %d non-empty clusters of n=%d rows", ErrClusters, nonEmpty, n)
	}
	if _, err := algo.ParseMetric(metric.String()); err != nil {
		return nil, err
	}
	out := make([]float64, n)
	var x64 []float64
	if metric == algo.Euclidean || metric == algo.SqEuclidean {
		// Widened once here, not per pair: the kernel then only
		// subtracts, multiplies and adds.
		x64 = make([]float64, len(data.X))
		for i, v := range data.X {
			x64[i] = float64(v)
		}
	}
	workers = max(1, min(workers, (n+silBlock-1)/silBlock))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums := make([]float64, silRows*data.K)
			var dist []float64
			if x64 == nil {
				dist = make([]float64, n)
			}
			for {
				i0 := int(next.Add(silBlock)) - silBlock
				if i0 >= n {
					return
				}
				end := min(i0+silBlock, n)
				for i := i0; i < end; i += silRows {
					rows := min(silRows, end-i)
					if x64 != nil {
						l2Sums(x64, data, metric == algo.Euclidean, i, rows, sums)
					} else {
						for r := range rows {
							distRow(data, metric, i+r, dist)
							clusterSums(data.Labels, dist, sums[r*data.K:(r+1)*data.K])
						}
					}
					for r := range rows {
						out[i+r] = silWidth(data.Labels[i+r], sizes, sums[r*data.K:(r+1)*data.K])
					}
				}
			}
		}()
	}
	wg.Wait()
	return out, nil
}

// silRows is the number of rows whose distances to every row l2Sums
// computes together: each other row is loaded once for all of them, and
// their sums form independent dependency chains.
const silRows = 4

// l2Sums sets sums[r*K+c], for each of rows rows from i, to the sum of its
// (squared, unless root) Euclidean distances to the rows of cluster c.
// Each pair's distance is the same sequential float64 sum whatever the
// grouping, so a row's sums do not depend on which rows share its group.
func l2Sums(x []float64, data Data, root bool, i, rows int, sums []float64) {
	d, k := data.D, data.K
	clear(sums)
	if rows < silRows {
		for r := range rows {
			a := x[(i+r)*d : (i+r+1)*d : (i+r+1)*d]
			own := sums[r*k : (r+1)*k]
			for j, c := range data.Labels {
				b := x[j*d : (j+1)*d : (j+1)*d]
				var q float64
				for t, v := range b {
					e := a[t] - v
					q += e * e
				}
				if root {
					q = math.Sqrt(q)
				}
				own[c] += q
			}
		}
		return
	}
	a0 := x[i*d : (i+1)*d : (i+1)*d]
	a1 := x[(i+1)*d : (i+2)*d : (i+2)*d]
	a2 := x[(i+2)*d : (i+3)*d : (i+3)*d]
	a3 := x[(i+3)*d : (i+4)*d : (i+4)*d]
	s0, s1, s2, s3 := sums[:k:k], sums[k:2*k:2*k], sums[2*k:3*k:3*k], sums[3*k:4*k:4*k]
	for j, c := range data.Labels {
		b := x[j*d : (j+1)*d : (j+1)*d]
		var q0, q1, q2, q3 float64
		for t, v := range b {
			e0, e1, e2, e3 := a0[t]-v, a1[t]-v, a2[t]-v, a3[t]-v
			q0 += e0 * e0
			q1 += e1 * e1
			q2 += e2 * e2
			q3 += e3 * e3
		}
		if root {
			q0, q1, q2, q3 = math.Sqrt(q0), math.Sqrt(q1), math.Sqrt(q2), math.Sqrt(q3)
		}
		s0[c] += q0
		s1[c] += q1
		s2[c] += q2
		s3[c] += q3
	}
}

// clusterSums sets sums[c] to the sum of dist[j] over the rows j of c.
func clusterSums(labels []int32, dist, sums []float64) {
	clear(sums)
	for j, c := range labels {
		sums[c] += dist[j]
	}
}

// silWidth is s(i) from the sums of i's distances to each cluster.
func silWidth(own int32, sizes []int, sums []float64) float64 {
	if sizes[own] < 2 {
		return 0
	}
	a := sums[own] / float64(sizes[own]-1) // d(i,i) = 0 adds nothing
	b := math.Inf(1)
	for c, s := range sums {
		if int32(c) != own && sizes[c] > 0 {
			b = min(b, s/float64(sizes[c]))
		}
	}
	if m := max(a, b); m > 0 {
		return (b - a) / m
	}
	return 0
}

// distRow fills out[j] with the distance from row i to row j under
// metric, for the metrics l2Sums does not cover.
func distRow(data Data, metric algo.Metric, i int, out []float64) {
	xi := data.row(i)
	d := data.D
	for j := range out {
		out[j] = algo.Distance(metric, xi, data.X[j*d:(j+1)*d:(j+1)*d])
	}
}
