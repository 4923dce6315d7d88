package algo

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// CentreSums is the partial result of one k-means pass over a shard: for
// each centre, the weighted sum of the rows assigned to it, their total
// weight, their number and their weighted squared distance to it. Workers
// fill one with Assigner.Accumulate; the coordinator merges them and hands
// the total to LloydUpdate or MiniBatchState.Step.
//
// Merge adds element by element in a fixed order, so merging the same
// partials in the same order gives bit-identical results whatever computed
// them; a different order may differ in the last bits (float addition is
// not associative), which is why the coordinator merges in task order.
type CentreSums struct {
	K, D     int
	Sums     []float64 // K×D: Σ w·x over the rows nearest to each centre
	Weights  []float64 // K: Σ w over those rows
	Counts   []int64   // K: number of those rows, whatever their weight
	Inertias []float64 // K: Σ w·‖x − c‖² over those rows (contribution to inertia)
	Inertia  float64   // Σ w·‖x − c‖² over all rows, added in row order
	Rows     int64     // rows accumulated
}

// NewCentreSums returns zeroed sums for k centres of dimension d.
func NewCentreSums(k, d int) *CentreSums {
	k, d = max(k, 0), max(d, 0)
	return &CentreSums{
		K: k, D: d,
		Sums:     make([]float64, k*d),
		Weights:  make([]float64, k),
		Counts:   make([]int64, k),
		Inertias: make([]float64, k),
	}
}

// AddRow adds row x (length D), nearest to centre j at squared distance
// d2, with weight w. It is what Accumulate does per row, for callers that
// found the nearest centre another way. It panics if j or len(x) is out
// of range.
func (s *CentreSums) AddRow(x []float32, j int, w, d2 float64) {
	if len(x) != s.D || j < 0 || j >= s.K {
		panic(fmt.Sprintf("algo: AddRow of %d values to centre %d of CentreSums %d×%d", len(x), j, s.K, s.D))
	}
	s.add(x, j, w, d2)
}

func (s *CentreSums) add(x []float32, j int, w, d2 float64) {
	sum := s.Sums[j*s.D : (j+1)*s.D : (j+1)*s.D]
	x = x[:len(sum)]
	t := 0
	if d4 := len(sum) &^ 3; kmHaveAVX2 && d4 > 0 {
		kmAddRowAVX2(&sum[0], &x[0], d4, w)
		t = d4
	}
	for ; t < len(sum); t++ {
		// The conversion keeps the product rounded on its own, as the
		// assembly rounds it, rather than fused into the add.
		sum[t] += float64(w * float64(x[t]))
	}
	s.Weights[j] += w
	s.Counts[j]++
	e := w * d2
	s.Inertias[j] += e
	s.Inertia += e
	s.Rows++
}

// Reset zeroes s for reuse.
func (s *CentreSums) Reset() {
	clear(s.Sums)
	clear(s.Weights)
	clear(s.Counts)
	clear(s.Inertias)
	s.Inertia = 0
	s.Rows = 0
}

// check reports whether the slices match K and D (a CentreSums decoded
// from the wire may not).
func (s *CentreSums) check() error {
	if s.K < 1 || s.D < 1 || len(s.Sums) != s.K*s.D || len(s.Weights) != s.K ||
		len(s.Counts) != s.K || len(s.Inertias) != s.K {
		return fmt.Errorf("%w: CentreSums K=%d D=%d with %d sums, %d weights, %d counts, %d inertias",
			ErrShape, s.K, s.D, len(s.Sums), len(s.Weights), len(s.Counts), len(s.Inertias))
	}
	return nil
}

// Merge adds o into s. It returns ErrMergeMismatch if the shapes differ.
func (s *CentreSums) Merge(o *CentreSums) error {
	if o == nil {
		return fmt.Errorf("%w: nil CentreSums", ErrMergeMismatch)
	}
	if s.K != o.K || s.D != o.D || len(s.Sums) != len(o.Sums) || len(s.Weights) != len(o.Weights) ||
		len(s.Counts) != len(o.Counts) || len(s.Inertias) != len(o.Inertias) {
		return fmt.Errorf("%w: %d×%d and %d×%d", ErrMergeMismatch, s.K, s.D, o.K, o.D)
	}
	for i, v := range o.Sums {
		s.Sums[i] += v
	}
	for i, v := range o.Weights {
		s.Weights[i] += v
	}
	for i, v := range o.Counts {
		s.Counts[i] += v
	}
	for i, v := range o.Inertias {
		s.Inertias[i] += v
	}
	s.Inertia += o.Inertia
	s.Rows += o.Rows
	return nil
}

// kmSplitStep is the distance, in RMS radii of the split cluster, between
// the mean of the cluster split for an empty centre and the re-seeded
// centre. Any positive value splits the cluster by the bisecting
// hyperplane through (nearly) its mean; 0.1 keeps the new centre inside
// the cluster while staying well above float32 resolution for ordinary
// data.
const kmSplitStep = 0.1

// LloydUpdate is the update step of Lloyd's algorithm (Lloyd 1982,
// doi:10.1109/TIT.1982.1056489): it moves every centre with positive
// weight in s to the weighted mean of its rows. centres (k×d, row-major)
// are the centres s was accumulated against and are overwritten.
//
// An empty centre (zero weight) is re-seeded by splitting the cluster that
// contributes most to the inertia. The coordinator knows no individual
// row, so the farthest point (scikit-learn's choice) is not available;
// instead, for each empty centre in index order:
//
//  1. the within-cluster sum of squares of every non-empty cluster about
//     its new mean is SSE_j = Inertias_j − W_j·‖mean_j − old c_j‖²
//     (König–Huygens), clamped at 0; the cluster j with the largest SSE_j
//     is chosen (lowest index on ties);
//  2. with r = √(SSE_j / W_j) its RMS radius and u a uniformly random unit
//     vector drawn from rng (d normal deviates, normalised), the empty
//     centre moves to mean_j + kmSplitStep·r·u; the next assignment splits
//     cluster j by the hyperplane bisecting the two centres;
//  3. SSE_j and W_j are halved and the halves credited to the new centre,
//     so several empty centres spread over several clusters.
//
// If every cluster has SSE 0 (fewer distinct rows than centres), the empty
// centre lands on the mean of the heaviest cluster: a duplicate that stays
// empty, which is the best k-means can do on such data.
//
// It returns the largest squared move of any stored (float32) centre, so
// a converged run returns exactly 0; re-seeded centres count, so an
// iteration that re-seeds never looks converged. It also returns the
// number of empty centres re-seeded. It returns ErrShape if centres is not
// K×D, ErrEmpty if s holds no weight at all, and ErrRandRequired if a
// centre is empty and rng is nil. Cost O(k·d) plus O(k) per empty centre.
func LloydUpdate(centres []float32, s *CentreSums, rng *rand.Rand) (shift float64, empty int, err error) {
	if s == nil {
		return 0, 0, fmt.Errorf("%w: nil CentreSums", ErrShape)
	}
	if err := s.check(); err != nil {
		return 0, 0, err
	}
	k, d := s.K, s.D
	if len(centres) != k*d {
		return 0, 0, fmt.Errorf("%w: %d centre values, want k×d = %d×%d", ErrShape, len(centres), k, d)
	}
	var total float64
	for j, w := range s.Weights {
		if err := kmCheckWeight(w); err != nil {
			return 0, 0, fmt.Errorf("%w: centre %d", err, j)
		}
		total += w
		if w == 0 {
			empty++
		}
	}
	if total == 0 {
		return 0, 0, fmt.Errorf("%w: no weight in the sums", ErrEmpty)
	}
	if empty > 0 && rng == nil {
		return 0, 0, fmt.Errorf("%w: %d empty centres to re-seed", ErrRandRequired, empty)
	}

	// sse and wt hold the split bookkeeping; both are only needed when a
	// centre is empty, which is rare, so allocating them then is fine.
	var sse, wt []float64
	if empty > 0 {
		sse = make([]float64, k)
		wt = make([]float64, k)
	}
	for j := 0; j < k; j++ {
		w := s.Weights[j]
		if w == 0 {
			continue
		}
		c := centres[j*d : (j+1)*d]
		sum := s.Sums[j*d : (j+1)*d]
		// move is the float64 mean's distance (for the SSE), stored the
		// float32 centre's: a converged centre moves exactly 0.
		var move, stored float64
		for t := range c {
			m := sum[t] / w
			e := m - float64(c[t])
			move += e * e
			nc := float32(m)
			e = float64(nc) - float64(c[t])
			stored += e * e
			c[t] = nc
		}
		shift = math.Max(shift, stored)
		if sse != nil {
			sse[j] = math.Max(0, s.Inertias[j]-w*move)
			wt[j] = w
		}
	}
	if empty == 0 {
		return shift, 0, nil
	}

	u := make([]float64, d)
	for e := 0; e < k; e++ {
		if s.Weights[e] != 0 {
			continue
		}
		// The cluster to split: largest SSE, else heaviest.
		src := -1
		for j := 0; j < k; j++ {
			if wt[j] > 0 && (src < 0 || sse[j] > sse[src] || (sse[src] == 0 && sse[j] == 0 && wt[j] > wt[src])) {
				src = j
			}
		}
		r := math.Sqrt(sse[src] / wt[src])
		var norm float64
		for t := range u {
			u[t] = rng.NormFloat64()
			norm += u[t] * u[t]
		}
		norm = math.Sqrt(norm)
		step := 0.0
		if norm > 0 {
			step = kmSplitStep * r / norm
		}
		ce := centres[e*d : (e+1)*d]
		cs := centres[src*d : (src+1)*d]
		var move float64
		for t := range ce {
			v := float32(float64(cs[t]) + step*u[t])
			dv := float64(v) - float64(ce[t])
			move += dv * dv
			ce[t] = v
		}
		shift = math.Max(shift, move)
		sse[src] /= 2
		wt[src] /= 2
		sse[e], wt[e] = sse[src], wt[src]
	}
	return shift, empty, nil
}
