package algo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// k-means|| (Bahmani, Moseley, Vattani, Kumar & Vassilvitskii, "Scalable
// K-Means++", PVLDB 5(7), 2012, doi:10.14778/2180912.2180915) seeds
// k-means in a few passes over distributed data instead of k sequential
// ones. The distributed steps, with C the candidate set:
//
//  1. C = {one row}: for example the row with the smallest
//     Hash(seed, x, globalRow) for some purpose constant x, found as the
//     minimum of the shards' minima; uniform and independent of sharding.
//  2. For round = 1..r: workers compute their shard's cost against C
//     (Assigner.Accumulate, Inertia); the coordinator sums them, in shard
//     order, into φ. Workers then keep each row x with
//     KMeansParallelKeep(seed, round, globalRow, d²(x, C), φ, ℓ) and send
//     the kept rows; the coordinator appends them to C.
//  3. Workers count the rows nearest to each candidate (Accumulate
//     against C, Weights); the coordinator merges the counts and calls
//     ReclusterCandidates(C, weights, d, k, rng).
//
// Bahmani et al. use ℓ = 2k and find r = 5 rounds enough (§5); Spark's
// KMeans uses ℓ = 2k and 2 rounds. The candidate set then has about r·ℓ
// rows. Weighted data: pass w·d² as d2 and the weighted cost as φ.

// kmHashParallel names the k-means|| draws in Hash, so that they are
// independent of other samplings of the same job and rows.
const kmHashParallel = 0x6b6d7c7c // "km||"

// KMeansParallelKeep reports whether a row is kept as a k-means||
// candidate in a round: with probability min(1, ℓ·d2/φ), decided by
// Hash(seed, ·, round, globalRow) so the answer depends only on the job
// seed, the round and the row's global index, never on sharding, workers
// or retries. d2 is the row's squared distance to the current candidates,
// φ the total cost of all rows against them, ℓ the oversampling factor.
// A row at distance zero, φ <= 0 or ℓ <= 0 (or NaN) is never kept.
func KMeansParallelKeep(seed uint64, round int, globalRow int64, d2, phi, ell float64) bool {
	if !(d2 > 0) || !(phi > 0) || !(ell > 0) {
		return false
	}
	return Below(Hash(seed, kmHashParallel, uint64(round), uint64(globalRow)), ell*d2/phi)
}

// kmReclusterIters bounds the weighted Lloyd iterations after seeding, as
// Spark's LocalKMeans (30).
const kmReclusterIters = 30

// ReclusterCandidates reduces the m = len(cand)/d weighted k-means||
// candidates (m×d, row-major; weights[i] is the number or total weight of
// data rows nearest to candidate i) to k centres: weighted greedy
// k-means++ (KMeansPlusPlus with float64 weights) followed by weighted
// Lloyd iterations until no candidate changes cluster, at most 30 (as
// Spark's LocalKMeans). Empty clusters are re-seeded as in LloydUpdate.
//
// It returns ErrInvalidK if k < 1 or k > m (run more rounds or raise ℓ),
// ErrEmpty without candidates, ErrShape on mismatched lengths,
// ErrBadWeight for negative, non-finite or all-zero weights. Cost
// O(m·k·d·(log k + iterations)).
func ReclusterCandidates(cand []float32, weights []float64, d, k int, rng *rand.Rand) ([]float32, error) {
	if d < 1 || len(cand)%d != 0 {
		return nil, fmt.Errorf("%w: %d candidate values with d=%d", ErrShape, len(cand), d)
	}
	m := len(cand) / d
	if m == 0 {
		return nil, fmt.Errorf("%w: no candidates", ErrEmpty)
	}
	if len(weights) != m {
		return nil, fmt.Errorf("%w: %d weights for %d candidates", ErrShape, len(weights), m)
	}
	if k < 1 || k > m {
		return nil, fmt.Errorf("%w: k=%d with %d candidates", ErrInvalidK, k, m)
	}
	centres, err := kmPlusPlus(cand, m, d, k, weights, 0, rng, nil)
	if err != nil {
		return nil, err
	}

	a := NewAssigner(k, d)
	s := NewCentreSums(k, d)
	labels := make([]int32, m)
	prev := make([]int32, m)
	dist := make([]float32, m)
	for it := 0; it < kmReclusterIters; it++ {
		if err := a.SetCentres(centres); err != nil {
			return nil, err
		}
		if err := a.Assign(cand, m, labels, dist); err != nil {
			return nil, err
		}
		if it > 0 && slices.Equal(labels, prev) {
			break
		}
		copy(prev, labels)
		// Weighted sums by hand: the weights are float64 counts.
		s.Reset()
		for i, j := range labels {
			w := weights[i]
			sum := s.Sums[int(j)*d : int(j+1)*d]
			for t, v := range cand[i*d : (i+1)*d] {
				sum[t] += w * float64(v)
			}
			s.Weights[j] += w
			s.Counts[j]++
			s.Inertias[j] += w * float64(dist[i])
			s.Inertia += w * float64(dist[i])
			s.Rows++
		}
		if _, _, err := LloydUpdate(centres, s, rng); err != nil {
			return nil, err
		}
	}
	for _, v := range centres {
		if math.IsNaN(float64(v)) {
			return nil, fmt.Errorf("%w: reclustered centre is NaN", ErrNotFinite)
		}
	}
	return centres, nil
}
