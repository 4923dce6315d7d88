package validity

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/shoal-io/shoal/algo"
)

// Silhouettes is the silhouette of each of several labellings of the same
// points x (n×d, row-major): labels[s] puts the rows in ks[s] clusters,
// as a k sweep's fits do. Each pair's distance is computed once and
// added to the cluster sums of every labelling, so m labellings cost
// O(n²·(d+m)) rather than m·O(n²·d). Each result equals
// Silhouette(Data{x, d, labels[s], ks[s]}, metric, workers) bit for bit:
// the same per-pair distances, summed per row in the same order.
//
// Errors: those of Silhouette for any labelling (naming its k), and
// ErrShape when labels and ks differ in length.
func Silhouettes(x []float32, d int, labels [][]int32, ks []int, metric algo.Metric, workers int) ([]float64, error) {
	if len(labels) != len(ks) || len(ks) == 0 {
		return nil, fmt.Errorf("%w: %d labellings for %d values of k", ErrShape, len(labels), len(ks))
	}
	sizes := make([][]int, len(ks))
	offs := make([]int, len(ks)+1)
	for s, k := range ks {
		data := Data{X: x, D: d, Labels: labels[s], K: k}
		sz, nonEmpty, err := data.check()
		if err != nil {
			return nil, fmt.Errorf("k=%d: %w", k, err)
		}
		if n := len(labels[s]); nonEmpty < 2 || nonEmpty > n-1 {
			return nil, fmt.Errorf("%w: k=%d: %d non-empty clusters of n=%d rows", ErrClusters, k, nonEmpty, n)
		}
		if s > 0 && len(labels[s]) != len(labels[0]) {
			return nil, fmt.Errorf("%w: labellings of %d and %d rows", ErrShape, len(labels[0]), len(labels[s]))
		}
		sizes[s], offs[s+1] = sz, offs[s]+k
	}
	if _, err := algo.ParseMetric(metric.String()); err != nil {
		return nil, err
	}
	n := len(labels[0])
	var x64 []float64
	l2 := metric == algo.Euclidean || metric == algo.SqEuclidean
	if l2 {
		x64 = make([]float64, len(x))
		for i, v := range x {
			x64[i] = float64(v)
		}
	}
	widths := make([][]float64, len(ks))
	for s := range widths {
		widths[s] = make([]float64, n)
	}
	workers = max(1, min(workers, (n+silBlock-1)/silBlock))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dist := make([]float64, n)
			sums := make([]float64, offs[len(ks)])
			for {
				i0 := int(next.Add(silBlock)) - silBlock
				if i0 >= n {
					return
				}
				for i := i0; i < min(i0+silBlock, n); i++ {
					if l2 {
						a := x64[i*d : (i+1)*d : (i+1)*d]
						for j := range n {
							b := x64[j*d : (j+1)*d : (j+1)*d]
							var q float64
							for t, v := range b {
								e := a[t] - v
								q += e * e
							}
							if metric == algo.Euclidean {
								q = math.Sqrt(q)
							}
							dist[j] = q
						}
					} else {
						distRow(Data{X: x, D: d, Labels: labels[0], K: ks[0]}, metric, i, dist)
					}
					for s, lab := range labels {
						own := sums[offs[s]:offs[s+1]]
						clusterSums(lab, dist, own)
						widths[s][i] = silWidth(lab[i], sizes[s], own)
					}
				}
			}
		}()
	}
	wg.Wait()
	out := make([]float64, len(ks))
	for s, w := range widths {
		var sum float64
		for _, v := range w {
			sum += v
		}
		out[s] = sum / float64(n)
	}
	return out, nil
}
