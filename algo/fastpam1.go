package algo

import (
	"context"
	"math"
)

// FastPAM1 performs exactly the swaps of PAMSwap, O(k) times faster
// (Schubert & Rousseeuw, "Faster k-Medoids Clustering: Improving the PAM,
// CLARA, and CLARANS Algorithms", SISAP 2019, doi:10.1007/978-3-030-32047-8_16;
// Information Systems 2021, doi:10.1016/j.is.2021.101804).
// For each non-medoid x one pass over the objects yields ΔTD for removing
// every one of the k medoids at once, from the cached nearest and
// second-nearest medoids and per-slot removal losses; the best (slot, x)
// of the whole pass is swapped. O(n²) per pass instead of O(k(n-k)²),
// O(n + k) memory.
//
// The tie rule is PAMSwap's (first minimum in x, then slot order) and the
// arithmetic is exact in the same cases, so from the same start the two
// agree medoid for medoid; the stopping rule and maxIter (≤ 0 means 100)
// are PAMSwap's too. The initial medoids are copied, not modified.
//
// Errors: ErrEmpty, ErrInvalidK (k = len(medoids) not in [1, n)),
// ErrMedoids (index out of range or duplicated).
func FastPAM1(d Dissimilarity, medoids []int, maxIter int) (*KMedoidsResult, error) {
	return FastPAM1Context(context.Background(), d, medoids, maxIter)
}

// FastPAM1Context is FastPAM1 that gives up when ctx ends: it checks ctx
// before every block of kmedBlock candidates (kmedBlock·n reads) and then
// returns ErrCancelled, wrapping the context's cause.
func FastPAM1Context(ctx context.Context, d Dissimilarity, medoids []int, maxIter int) (*KMedoidsResult, error) {
	if err := kmedCheckMedoids(d, medoids); err != nil {
		return nil, err
	}
	stop := newStopper(ctx)
	maxIter = kmedMaxIter(maxIter)
	s := newKmedState(d, medoids)
	iter, swaps := 0, 0
	for iter < maxIter {
		iter++
		s.updateRemoval()
		bestDelta, bestX, bestSlot := math.Inf(1), -1, -1
		for x0 := 0; x0 < s.n; x0 += kmedBlock {
			if err := stop.err(); err != nil {
				return nil, err
			}
			for b, row := range s.blocks.block(x0) {
				if s.slotOf[x0+b] >= 0 {
					continue
				}
				slot, delta := s.bestSwapFor(row)
				if delta < bestDelta {
					bestDelta, bestX, bestSlot = delta, x0+b, slot
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
