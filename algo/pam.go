package algo

import (
	"context"
	"math"
)

// PAM is Partitioning Around Medoids as Kaufman & Rousseeuw define it
// ("Clustering by means of medoids", 1987; "Finding Groups in Data",
// 1990, ch. 2): the greedy BUILD initialisation followed by PAMSwap. It is
// the reference the faster variants are checked against, not the one to
// run on large data: BUILD is O(kn²) and each SWAP pass O(k(n-k)²). Use
// FasterPAM (from BUILD or LAB medoids) in production.
//
// It returns ErrEmpty for n = 0 and ErrInvalidK unless 1 ≤ k < n. maxIter
// ≤ 0 means 100 SWAP passes; PAM makes one swap per pass.
func PAM(d Dissimilarity, k, maxIter int) (*KMedoidsResult, error) {
	n, err := kmedLen(d)
	if err != nil {
		return nil, err
	}
	if err := kmedCheckK(n, k); err != nil {
		return nil, err
	}
	acc := newKmedAccess(d)
	start, err := kmedBuild(&acc, k, stopper{}, 1)
	if err != nil {
		return nil, err
	}
	return PAMSwap(d, start, maxIter)
}

// PAMSwap is the SWAP phase of PAM from the given initial medoids (copied,
// not modified). Each pass evaluates the change in total deviation ΔTD of
// every (medoid slot i, non-medoid x) pair, directly from the cached
// nearest and second-nearest medoid of each object as in Kaufman &
// Rousseeuw, and performs the single best swap; it stops when the best
// ΔTD is not below -1e-12 × the current loss (ELKI's tolerance) or after
// maxIter passes (≤ 0 means 100; with one swap per pass a poor start and
// a large k can need more). O(k(n-k)n) per pass, O(n) memory.
//
// Ties: the first minimum in the order "candidate x ascending, then slot
// ascending" wins. FastPAM1 uses the same order, and both sum float32
// differences in float64, exactly whenever the sums fit in 53 bits (any
// moderate n), so the two perform the same swaps medoid for medoid.
//
// Errors: ErrEmpty, ErrInvalidK (k = len(medoids) not in [1, n)),
// ErrMedoids (index out of range or duplicated).
func PAMSwap(d Dissimilarity, medoids []int, maxIter int) (*KMedoidsResult, error) {
	return PAMSwapContext(context.Background(), d, medoids, maxIter)
}

// PAMSwapContext is PAMSwap that gives up when ctx ends: it checks ctx
// before every block of kmedBlock candidates (kmedBlock·k·n reads) and
// then returns ErrCancelled, wrapping the context's cause.
func PAMSwapContext(ctx context.Context, d Dissimilarity, medoids []int, maxIter int) (*KMedoidsResult, error) {
	if err := kmedCheckMedoids(d, medoids); err != nil {
		return nil, err
	}
	stop := newStopper(ctx)
	maxIter = kmedMaxIter(maxIter)
	s := newKmedState(d, medoids)
	iter, swaps := 0, 0
	for iter < maxIter {
		iter++
		bestDelta, bestX, bestSlot := math.Inf(1), -1, -1
		for x0 := 0; x0 < s.n; x0 += kmedBlock {
			if err := stop.err(); err != nil {
				return nil, err
			}
			for b, row := range s.blocks.block(x0) {
				if s.slotOf[x0+b] >= 0 {
					continue
				}
				for i := 0; i < s.k; i++ {
					if delta := s.pamDelta(row, int32(i)); delta < bestDelta {
						bestDelta, bestX, bestSlot = delta, x0+b, i
					}
				}
			}
		}
		if !(bestDelta < -s.tol()) {
			stop.report(Step{Phase: PhaseSwap, Done: iter, Loss: s.loss, Swaps: swaps})
			break
		}
		s.doSwap(bestSlot, bestX, s.acc.row(bestX, s.buf))
		swaps++
		stop.report(Step{Phase: PhaseSwap, Done: iter, Loss: s.loss, Swaps: swaps})
	}
	return s.result(iter, swaps), nil
}

// pamDelta is ΔTD of replacing the medoid of slot i by the object whose
// row is given: each object either keeps its medoid, moves to the new one,
// or, if it loses its medoid, takes the nearer of the new one and its
// second-nearest. O(n). With k = 1, sd is +Inf and every object moves to
// the new medoid; no infinity enters the sum.
func (s *kmedState) pamDelta(row []float32, i int32) float64 {
	near := s.near[:len(row)]
	var delta float64
	for o, v := range row {
		nr := &near[o]
		if nr.ni == i {
			delta += float64(min(v, nr.sd)) - float64(nr.nd)
		} else if v < nr.nd {
			delta += float64(v) - float64(nr.nd)
		}
	}
	return delta
}
