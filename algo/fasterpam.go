package algo

import (
	"context"
	"sync"
)

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
	return FasterPAMParallel(context.Background(), d, medoids, maxIter, 1)
}

// FasterPAMContext is FasterPAM that gives up when ctx ends: it checks
// ctx before every block of kmedBlock candidates (kmedBlock·n reads) and
// then returns ErrCancelled, wrapping the context's cause.
func FasterPAMContext(ctx context.Context, d Dissimilarity, medoids []int, maxIter int) (*KMedoidsResult, error) {
	return FasterPAMParallel(ctx, d, medoids, maxIter, 1)
}

// FasterPAMParallel is FasterPAMContext with the evaluation of candidates
// spread over parallelism goroutines (≤ 0 means 1); it returns the same
// medoids, assignment, loss, passes and swaps as FasterPAM for every
// parallelism, bit for bit.
//
// Eager swapping is sequential: whether candidate x+1 improves depends on
// whether x was swapped in. So the goroutines evaluate consecutive blocks
// of kmedBlock candidates speculatively against the current medoids, each
// stopping at its first improving candidate; the earliest improvement (in
// candidate order) is applied, the evaluations before it stand, and those
// after it are repeated against the new medoids from the rows already
// fetched. Every candidate is thus finally judged against exactly the
// medoids the serial algorithm would judge it against. The speculation
// costs at most parallelism·kmedBlock wasted evaluations per swap, little
// once the early passes are over and swaps become rare. The caller decides
// the parallelism: FasterPAMParallel starts its goroutines per block of
// candidates and leaves none behind. Memory: O(n + k) plus kmedBlock rows
// of n values per goroutine (for a LowerTriangle or Vectors).
//
// ctx is checked before every round of parallelism·kmedBlock candidates;
// errors as FasterPAMContext.
func FasterPAMParallel(ctx context.Context, d Dissimilarity, medoids []int, maxIter, parallelism int) (*KMedoidsResult, error) {
	if err := kmedCheckMedoids(d, medoids); err != nil {
		return nil, err
	}
	stop := newStopper(ctx)
	maxIter = kmedMaxIter(maxIter)
	s := newKmedState(d, medoids)
	s.updateRemoval()
	p := max(1, min(parallelism, (s.n+kmedBlock-1)/kmedBlock))
	ws := make([]*fpWorker, p)
	ws[0] = &fpWorker{blocks: s.blocks, ploss: s.ploss}
	for w := 1; w < p; w++ {
		ws[w] = &fpWorker{blocks: newKmedBlockReader(&s.acc), ploss: make([]float64, s.k)}
	}
	iter, swaps, lastSwap := 0, 0, -1
	for iter < maxIter {
		iter++
		before := swaps
		for x0 := 0; x0 < s.n; x0 += p * kmedBlock {
			if err := stop.err(); err != nil {
				return nil, err
			}
			active := ws[:0]
			for w, wk := range ws {
				lo := x0 + w*kmedBlock
				if lo >= s.n {
					break
				}
				wk.x0, wk.next = lo, lo
				active = append(active, wk)
			}
			runWorkers(active, func(wk *fpWorker) { wk.rows = wk.blocks.block(wk.x0) })
			for {
				runWorkers(active, func(wk *fpWorker) { wk.evaluate(s, lastSwap) })
				first := firstEvent(active)
				if first == nil {
					break
				}
				if first.stop {
					// A full cycle since the last swap found nothing.
					stop.report(Step{Phase: PhaseSwap, Done: iter, Loss: s.loss, Swaps: swaps})
					return s.result(iter, swaps), nil
				}
				x := first.next
				s.doSwap(first.slot, x, first.rows[x-first.x0])
				s.updateRemoval()
				swaps++
				lastSwap = x
				// Candidates after x were judged against the old medoids:
				// judge them again.
				first.next = x + 1
				for _, wk := range active {
					if wk.x0 > first.x0 {
						wk.next = wk.x0
					}
				}
			}
		}
		stop.report(Step{Phase: PhaseSwap, Done: iter, Loss: s.loss, Swaps: swaps})
		if swaps == before {
			break
		}
	}
	return s.result(iter, swaps), nil
}

// fpWorker is one goroutine's share of a FasterPAMParallel round: a block
// of candidate rows [x0, x0+len(rows)), the position next of the first
// candidate not yet judged against the current medoids, and the first
// event found from there: an improving swap (slot) or the last swap's
// position (stop), at next; next = x0+len(rows) when there is none.
type fpWorker struct {
	blocks *kmedBlockReader
	ploss  []float64
	rows   [][]float32
	x0     int
	next   int
	slot   int
	stop   bool
}

// evaluate judges the candidates from next on against s, stopping at the
// first event. It reads s and writes only the worker.
func (wk *fpWorker) evaluate(s *kmedState, lastSwap int) {
	wk.stop = false
	end := wk.x0 + len(wk.rows)
	for ; wk.next < end; wk.next++ {
		x := wk.next
		if x == lastSwap {
			wk.stop = true
			return
		}
		if s.slotOf[x] >= 0 {
			continue
		}
		slot, delta := s.bestSwapInto(wk.rows[x-wk.x0], wk.ploss)
		if delta < -s.tol() {
			wk.slot = slot
			return
		}
	}
}

// firstEvent returns the worker holding the earliest event in candidate
// order (workers hold consecutive blocks in order), or nil.
func firstEvent(ws []*fpWorker) *fpWorker {
	for _, wk := range ws {
		if wk.next < wk.x0+len(wk.rows) {
			return wk
		}
	}
	return nil
}

// runWorkers calls f on every worker, the first on this goroutine and the
// others on goroutines of their own, and waits for all of them.
func runWorkers(ws []*fpWorker, f func(*fpWorker)) {
	if len(ws) == 1 {
		f(ws[0])
		return
	}
	var wg sync.WaitGroup
	for _, wk := range ws[1:] {
		wg.Go(func() { f(wk) })
	}
	f(ws[0])
	wg.Wait()
}
