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
	workers = max(1, min(workers, (n+silBlock-1)/silBlock))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums := make([]float64, data.K)
			dist := make([]float64, n)
			for {
				i0 := int(next.Add(silBlock)) - silBlock
				if i0 >= n {
					return
				}
				for i := i0; i < min(i0+silBlock, n); i++ {
					out[i] = silWidth(data, sizes, metric, i, dist, sums)
				}
			}
		}()
	}
	wg.Wait()
	return out, nil
}

// silWidth is s(i), using dist (n) and sums (k) as scratch.
func silWidth(data Data, sizes []int, metric algo.Metric, i int, dist, sums []float64) float64 {
	own := data.Labels[i]
	if sizes[own] < 2 {
		return 0
	}
	distRow(data, metric, i, dist)
	clear(sums)
	for j, c := range data.Labels {
		sums[c] += dist[j]
	}
	a := sums[own] / float64(sizes[own]-1) // dist[i] = 0 adds nothing
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

// distRow fills out[j] with the distance from row i to row j, choosing the
// kernel once per row rather than per pair.
func distRow(data Data, metric algo.Metric, i int, out []float64) {
	xi := data.row(i)
	d := data.D
	switch metric {
	case algo.Euclidean:
		for j := range out {
			out[j] = math.Sqrt(sqL2(xi, data.X[j*d:(j+1)*d:(j+1)*d]))
		}
	case algo.SqEuclidean:
		for j := range out {
			out[j] = sqL2(xi, data.X[j*d:(j+1)*d:(j+1)*d])
		}
	default:
		for j := range out {
			out[j] = algo.Distance(metric, xi, data.X[j*d:(j+1)*d:(j+1)*d])
		}
	}
}

// sqL2 is Σ(a_i−b_i)² in float64 over four lanes, the dependency chains
// that keep a latency-bound loop busy.
func sqL2(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	for len(a) >= 4 && len(b) >= 4 {
		x, y := a[:4:4], b[:4:4]
		d0 := float64(x[0]) - float64(y[0])
		d1 := float64(x[1]) - float64(y[1])
		d2 := float64(x[2]) - float64(y[2])
		d3 := float64(x[3]) - float64(y[3])
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
		a, b = a[4:], b[4:]
	}
	s := (s0 + s1) + (s2 + s3)
	for i, x := range a {
		e := float64(x) - float64(b[i])
		s += e * e
	}
	return s
}
