package algo

import "fmt"

// CandidateCosts is the scoring step of a k-medoids refinement over
// candidate sets (the "alternating" step of Park & Jun, "A simple and
// fast algorithm for K-medoids clustering", Expert Systems with
// Applications 36(2), 2009, doi:10.1016/j.eswa.2008.01.039, restricted
// to a few candidates per cluster): for each of the n rows of x (row-major,
// dimension d) with cluster labels[i] = c, it adds the dissimilarity under
// m between the row and each candidate of cluster c to that candidate's
// cost. Cluster c's candidates are rows first[c] … first[c+1]-1 of cands
// (row-major, dimension d), and their costs are the same entries of costs;
// first has k+1 entries, ascending from 0. Each cost is accumulated in
// float64, in row order, so the sums over a block are the same bits
// however the blocks are grouped. A label of -1 skips the row.
//
// Complexity O(n·m·d) for m candidates per cluster. It returns ErrShape
// when the slices disagree with n, d and first, or a label is outside
// [-1, k).
func CandidateCosts(m Metric, x []float32, n, d int, labels []int32, cands []float32, first []int, costs []float64) error {
	if !m.valid() {
		return fmt.Errorf("%w: %v", ErrUnknownMetric, m)
	}
	if d < 1 || n < 0 || len(x) != n*d || len(labels) != n || len(first) < 2 || first[0] != 0 {
		return fmt.Errorf("%w: candidate costs of %d values for n=%d d=%d, %d labels, %d cluster bounds", ErrShape, len(x), n, d, len(labels), len(first))
	}
	k := len(first) - 1
	for c := range k {
		if first[c+1] < first[c] {
			return fmt.Errorf("%w: cluster %d's candidates end at %d before they start at %d", ErrShape, c, first[c+1], first[c])
		}
	}
	total := first[k]
	if len(cands) != total*d || len(costs) != total {
		return fmt.Errorf("%w: %d candidate values and %d costs for %d candidates of d=%d", ErrShape, len(cands), len(costs), total, d)
	}
	for i, c := range labels {
		if c < -1 || int(c) >= k {
			return fmt.Errorf("%w: row %d has label %d outside [-1, %d)", ErrShape, i, c, k)
		}
	}
	for i, c := range labels {
		if c < 0 {
			continue
		}
		row := x[i*d : (i+1)*d]
		for j := first[c]; j < first[c+1]; j++ {
			costs[j] += Distance(m, row, cands[j*d:(j+1)*d])
		}
	}
	return nil
}
