package algo

import (
	"context"
	"fmt"
	"math/rand/v2"
)

// Silhouette is the mean silhouette width of a partition (Rousseeuw,
// "Silhouettes: a graphical aid to the interpretation and validation of
// cluster analysis", J. Comput. Appl. Math. 20, 1987,
// doi:10.1016/0377-0427(87)90125-7): for each object i, a(i) is its mean
// dissimilarity to the other members of its cluster, b(i) the smallest mean
// dissimilarity to the members of another non-empty cluster, and
// s(i) = (b-a)/max(a,b). As in R's cluster::silhouette, s(i) = 0 when i
// is alone in its cluster, and also when a = b = 0 or no other cluster has
// members. The result is the mean of s(i) over all n objects, summed in
// float64.
//
// assignment gives the cluster, in [0, k), of each object. O(n²) time
// (one row of the dissimilarity per object), O(k) memory.
//
// Errors: ErrEmpty for n = 0, ErrInvalidK unless 2 ≤ k < n (a silhouette
// needs two clusters), ErrAssignment for a wrong length or a label out of
// range.
func Silhouette(d Dissimilarity, assignment []int32, k int) (float64, error) {
	return SilhouetteContext(context.Background(), d, assignment, k)
}

// SilhouetteContext is Silhouette that gives up when ctx ends: it checks
// ctx before every block of kmedBlock objects and then returns
// ErrCancelled, wrapping the context's cause.
func SilhouetteContext(ctx context.Context, d Dissimilarity, assignment []int32, k int) (float64, error) {
	sc, err := newSilState(d, assignment, k)
	if err != nil {
		return 0, err
	}
	stop := newStopper(ctx)
	var sum float64
	blocks := newKmedBlockReader(&sc.acc)
	for i0 := 0; i0 < sc.acc.n; i0 += kmedBlock {
		if err := stop.err(); err != nil {
			return 0, err
		}
		for b, row := range blocks.block(i0) {
			sum += sc.width(i0+b, row)
		}
	}
	return sum / float64(sc.acc.n), nil
}

// SampledSilhouette is the mean silhouette width over sampleSize objects
// drawn uniformly without replacement by rng; each sampled object's a and
// b are still exact, computed against all n objects, so the result is an
// unbiased estimate of Silhouette at O(sampleSize·n) cost. A sampleSize ≥ n
// gives Silhouette itself. Errors are Silhouette's plus
// ErrSilhouetteSample for sampleSize < 1 and ErrRandRequired for a nil rng.
func SampledSilhouette(d Dissimilarity, assignment []int32, k, sampleSize int, rng *rand.Rand) (float64, error) {
	return SampledSilhouetteContext(context.Background(), d, assignment, k, sampleSize, rng)
}

// SampledSilhouetteContext is SampledSilhouette that gives up when ctx
// ends, checking it every kmedBlock sampled objects.
func SampledSilhouetteContext(ctx context.Context, d Dissimilarity, assignment []int32, k, sampleSize int, rng *rand.Rand) (float64, error) {
	if sampleSize < 1 {
		return 0, fmt.Errorf("%w: sampleSize=%d", ErrSilhouetteSample, sampleSize)
	}
	if rng == nil {
		return 0, fmt.Errorf("%w: SampledSilhouette", ErrRandRequired)
	}
	sc, err := newSilState(d, assignment, k)
	if err != nil {
		return 0, err
	}
	n := sc.acc.n
	if sampleSize >= n {
		return SilhouetteContext(ctx, d, assignment, k)
	}
	stop := newStopper(ctx)
	var sum float64
	for t, i := range kmedRandom(n, sampleSize, rng) {
		if t%kmedBlock == 0 {
			if err := stop.err(); err != nil {
				return 0, err
			}
		}
		sum += sc.width(i, sc.acc.row(i, sc.buf))
	}
	return sum / float64(sampleSize), nil
}

// silState holds what every per-object silhouette needs: the cluster
// sizes and scratch for one row and the per-cluster sums.
type silState struct {
	acc    kmedAccess
	assign []int32
	size   []int
	sums   []float64
	buf    []float32
}

func newSilState(d Dissimilarity, assignment []int32, k int) (*silState, error) {
	n, err := kmedLen(d)
	if err != nil {
		return nil, err
	}
	if k < 2 || k >= n {
		return nil, fmt.Errorf("%w: k=%d, n=%d (a silhouette needs 2 ≤ k < n)", ErrInvalidK, k, n)
	}
	if len(assignment) != n {
		return nil, fmt.Errorf("%w: %d labels for n=%d objects", ErrAssignment, len(assignment), n)
	}
	size := make([]int, k)
	for i, c := range assignment {
		if c < 0 || int(c) >= k {
			return nil, fmt.Errorf("%w: object %d has label %d, want [0,%d)", ErrAssignment, i, c, k)
		}
		size[c]++
	}
	return &silState{
		acc:    newKmedAccess(d),
		assign: assignment,
		size:   size,
		sums:   make([]float64, k),
		buf:    make([]float32, n),
	}, nil
}

// width is s(i), given the dissimilarity row of i. O(n + k).
func (sc *silState) width(i int, row []float32) float64 {
	own := sc.assign[i]
	if sc.size[own] < 2 {
		return 0
	}
	clear(sc.sums)
	for j, v := range row {
		sc.sums[sc.assign[j]] += float64(v)
	}
	a := sc.sums[own] / float64(sc.size[own]-1)
	b, found := 0.0, false
	for c, sum := range sc.sums {
		if int32(c) == own || sc.size[c] == 0 {
			continue
		}
		if m := sum / float64(sc.size[c]); !found || m < b {
			b, found = m, true
		}
	}
	return silRatio(a, b, found)
}

func silRatio(a, b float64, found bool) float64 {
	if !found || max(a, b) == 0 {
		return 0
	}
	return (b - a) / max(a, b)
}

// MedoidSilhouette is the simplified medoid silhouette (Van der Laan,
// Pollard & Bryan, "A new partitioning around medoids algorithm", J. Stat.
// Comput. Simul. 73(8), 2003, doi:10.1080/0094965031000136012; Lenssen &
// Schubert, "Clustering by Direct Optimization of the Medoid Silhouette",
// SISAP 2022, doi:10.1007/978-3-031-17849-8_15): each object is in the
// cluster of its nearest medoid at dissimilarity d1, d2 is the
// dissimilarity to the second-nearest medoid, and
// s(i) = (d2-d1)/max(d1,d2) = 1 - d1/d2; s(i) = 0 when d1 = d2 = 0 (an
// object on two medoids at once, which the kmedoids crate counts as 1).
// Returns the mean over all objects. O(nk) time, O(n) memory.
//
// Errors: ErrEmpty for n = 0, ErrInvalidK unless 2 ≤ k = len(medoids) < n,
// ErrMedoids for an index out of range or a duplicate.
func MedoidSilhouette(d Dissimilarity, medoids []int) (float64, error) {
	if err := kmedCheckMedoids(d, medoids); err != nil {
		return 0, err
	}
	if len(medoids) < 2 {
		return 0, fmt.Errorf("%w: k=%d, n=%d (a silhouette needs 2 ≤ k < n)", ErrInvalidK, len(medoids), d.Len())
	}
	s := newKmedState(d, medoids)
	var sum float64
	for o := range s.near {
		nr := &s.near[o]
		sum += silRatio(float64(nr.nd), float64(nr.sd), true)
	}
	return sum / float64(s.n), nil
}
