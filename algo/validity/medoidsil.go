package validity

import (
	"fmt"
	"math"

	"github.com/shoal-io/shoal/algo"
)

// MedoidSilhouette is the medoid silhouette of Lenssen & Schubert,
// "Clustering by Direct Optimization of the Medoid Silhouette" (SISAP
// 2022, doi:10.1007/978-3-031-17849-8_15), the simplified silhouette of
// Van der Laan, Pollard & Bryan (2003) with medoids in place of the mean
// distances: for each row, d1 and d2 are its distances to the nearest and
// second-nearest of the k centres (rows of centres, k×d), and
// s = 1 − d1/d2, or 0 when d2 = 0 (a row on two coinciding centres, as
// algo.MedoidSilhouette does). Returns the mean over the rows, summed in
// float64.
//
// It needs no labels: the nearest centre is the row's cluster, which is
// how k-medoids assigns. Cost O(n·k·d), one pass, no scratch.
//
// Errors: ErrShape for mismatched lengths, ErrClusters for fewer than 2
// centres or no rows, ErrNotFinite, algo.ErrUnknownMetric.
func MedoidSilhouette(x []float32, d int, centres []float32, metric algo.Metric) (float64, error) {
	sum, err := MedoidSilhouetteSum(x, d, centres, metric)
	if err != nil {
		return 0, err
	}
	return sum / float64(len(x)/d), nil
}

// MedoidSilhouetteSum is the sum over the rows of x of what
// MedoidSilhouette averages: the part of one shard, which a distributed
// pass adds up in shard order and divides by the number of rows.
func MedoidSilhouetteSum(x []float32, d int, centres []float32, metric algo.Metric) (float64, error) {
	if d < 1 || len(x)%d != 0 || len(centres)%d != 0 {
		return 0, fmt.Errorf("%w: %d values and %d centre values for dimension %d", ErrShape, len(x), len(centres), d)
	}
	n, k := len(x)/d, len(centres)/d
	if n == 0 || k < 2 {
		return 0, fmt.Errorf("%w: %d centres for %d rows", ErrClusters, k, n)
	}
	if _, err := algo.ParseMetric(metric.String()); err != nil {
		return 0, err
	}
	for i, v := range centres {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return 0, fmt.Errorf("%w: centre %d, column %d", ErrNotFinite, i/d, i%d)
		}
	}
	var sum float64
	for i := range n {
		xi := x[i*d : (i+1)*d : (i+1)*d]
		d1, d2 := math.Inf(1), math.Inf(1)
		for c := range k {
			v := algo.Distance(metric, xi, centres[c*d:(c+1)*d:(c+1)*d])
			if math.IsNaN(v) {
				return 0, fmt.Errorf("%w: row %d", ErrNotFinite, i)
			}
			switch {
			case v < d1:
				d1, d2 = v, d1
			case v < d2:
				d2 = v
			}
		}
		if d2 > 0 {
			sum += 1 - d1/d2
		}
	}
	return sum, nil
}
