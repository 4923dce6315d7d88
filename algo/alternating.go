package algo

import "context"

// Alternating is the k-means-style Voronoi iteration for k-medoids (Park &
// Jun, "A simple and fast algorithm for K-medoids clustering", Expert
// Systems with Applications 36(2), 2009, doi:10.1016/j.eswa.2008.01.039;
// the "alternate" method of Schubert & Rousseeuw 2021): assign every
// object to its nearest medoid, then make each cluster's medoid the member
// with the smallest sum of dissimilarities to the other members, and
// repeat until no medoid changes or maxIter iterations (≤ 0 means 100).
// A current medoid is only replaced by a member whose sum is lower by more
// than 1e-12 of it, so ties keep the current medoid and the loop cannot
// cycle on rounding noise.
//
// Each iteration costs O(nk) for the assignment plus O(Σ_c |c|²) for the
// medoid updates (at most O(n²)). It is fast but usually ends in a worse
// local optimum than the swap-based methods: it never moves a medoid
// across cluster boundaries. Swaps counts medoid replacements. The initial
// medoids are copied, not modified.
//
// Errors: ErrEmpty, ErrInvalidK (k = len(medoids) not in [1, n)),
// ErrMedoids (index out of range or duplicated).
func Alternating(d Dissimilarity, medoids []int, maxIter int) (*KMedoidsResult, error) {
	return AlternatingContext(context.Background(), d, medoids, maxIter)
}

// AlternatingContext is Alternating that gives up when ctx ends: it
// checks ctx every stopEvery candidate medoids of a cluster (stopEvery
// sums over the cluster) and then returns ErrCancelled, wrapping the
// context's cause.
func AlternatingContext(ctx context.Context, d Dissimilarity, medoids []int, maxIter int) (*KMedoidsResult, error) {
	if err := kmedCheckMedoids(d, medoids); err != nil {
		return nil, err
	}
	stop := newStopper(ctx)
	maxIter = kmedMaxIter(maxIter)
	s := newKmedState(d, medoids)
	members := make([]int32, s.n)
	start := make([]int, s.k+1)
	dist := make([]float32, s.n)
	fill := make([]int, s.k)
	iter, swaps := 0, 0
	for iter < maxIter {
		iter++
		// Counting sort of the objects by cluster: members of slot c
		// are members[start[c]:start[c+1]], in object order.
		clear(start)
		for o := range s.near {
			start[s.near[o].ni+1]++
		}
		for c := 0; c < s.k; c++ {
			start[c+1] += start[c]
		}
		copy(fill, start[:s.k])
		for o := range s.near {
			c := s.near[o].ni
			members[fill[c]] = int32(o)
			fill[c]++
		}
		changed := false
		for c := 0; c < s.k; c++ {
			mem := members[start[c]:start[c+1]]
			cur := s.med[c]
			best, bestSum := cur, s.sumTo(cur, mem, dist)
			limit := bestSum - kmedSwapTol*bestSum
			for t, x32 := range mem {
				if t%stopEvery == 0 {
					if err := stop.err(); err != nil {
						return nil, err
					}
				}
				x := int(x32)
				if x == cur {
					continue
				}
				if sum := s.sumTo(x, mem, dist); sum < bestSum && sum < limit {
					best, bestSum = x, sum
				}
			}
			if best != cur {
				s.med[c] = best
				changed = true
				swaps++
			}
		}
		if !changed {
			stop.report(Step{Phase: PhaseSwap, Done: iter, Loss: s.loss, Swaps: swaps})
			break
		}
		s.assignAll()
		stop.report(Step{Phase: PhaseSwap, Done: iter, Loss: s.loss, Swaps: swaps})
	}
	return s.result(iter, swaps), nil
}

// sumTo is Σ_{y ∈ mem} d(x, y) in float64.
func (s *kmedState) sumTo(x int, mem []int32, dist []float32) float64 {
	dist = dist[:len(mem)]
	s.acc.gather(x, mem, dist)
	var sum float64
	for _, v := range dist {
		sum += float64(v)
	}
	return sum
}
