package algo

import "context"

// FasterPAM is the eager k-medoids swap of Schubert & Rousseeuw, "Fast and
// Eager k-Medoids Clustering: O(k) Runtime Improvement of the PAM, CLARA,
// and CLARANS Algorithms", Information Systems 101 (2021),
// doi:10.1016/j.is.2021.101804 — shoal's default k-medoids.
//
// Each non-medoid x, in index order, is evaluated against the removal of
// all k medoids in one pass over the objects (as in FastPAM1), and the
// best swap for x is performed at once if it lowers the total deviation by
// more than 1e-12 × the current loss (ELKI uses the same relative
// tolerance, -1e-12 × total cost). The nearest and second-nearest medoid
// of every object and the per-slot removal losses are updated after each
// swap instead of being recomputed. The run stops after a full cycle over
// the non-medoids without a swap, or after maxIter passes (≤ 0 means 100).
// A pass is O(n²) for the evaluations plus O(n + k) per swap (and O(k)
// more per object whose second-nearest medoid is replaced); memory is
// O(n + k), allocated once per call.
//
// FasterPAM finds a local optimum with respect to single swaps, like PAM,
// but not necessarily PAM's: eager swaps take a different path. From the
// same start it usually needs far fewer passes than PAM has swaps. The
// initial medoids are copied, not modified.
//
// Errors: ErrEmpty, ErrInvalidK (k = len(medoids) not in [1, n)),
// ErrMedoids (index out of range or duplicated).
func FasterPAM(d Dissimilarity, medoids []int, maxIter int) (*KMedoidsResult, error) {
	return FasterPAMContext(context.Background(), d, medoids, maxIter)
}

// FasterPAMContext is FasterPAM that gives up when ctx ends: it checks
// ctx before every block of kmedBlock candidates (kmedBlock·n reads) and
// then returns ErrCancelled, wrapping the context's cause.
func FasterPAMContext(ctx context.Context, d Dissimilarity, medoids []int, maxIter int) (*KMedoidsResult, error) {
	if err := kmedCheckMedoids(d, medoids); err != nil {
		return nil, err
	}
	stop := newStopper(ctx)
	maxIter = kmedMaxIter(maxIter)
	s := newKmedState(d, medoids)
	s.updateRemoval()
	iter, swaps, lastSwap := 0, 0, -1
	for iter < maxIter {
		iter++
		before := swaps
	pass:
		for x0 := 0; x0 < s.n; x0 += kmedBlock {
			if err := stop.err(); err != nil {
				return nil, err
			}
			for b, row := range s.blocks.block(x0) {
				x := x0 + b
				if x == lastSwap {
					break pass // a full cycle since the last swap found nothing
				}
				if s.slotOf[x] >= 0 {
					continue
				}
				slot, delta := s.bestSwapFor(row)
				if !(delta < -s.tol()) {
					continue
				}
				s.doSwap(slot, x, row)
				s.updateRemoval()
				swaps++
				lastSwap = x
			}
		}
		if swaps == before {
			break
		}
	}
	return s.result(iter, swaps), nil
}
