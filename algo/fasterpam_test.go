package algo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
)

// TestFasterPAMHand5 traces FasterPAM by hand on kmtHand5 from {0, 1}.
//
// Start: nearest/second per object (slot:dist) 0: 0:0/1:1, 1: 1:0/0:1,
// 2: 0:2/1:3, 3: 0:4/1:5, 4: 0:7/1:8; loss 13; removal losses
// slot 0: 1+1+1+1 = 4, slot 1: 1.
//
// Pass 1. x=2, row (2,3,0,6,9): only o=2 moves (0 < 2): shared -2, and
// slot 0's removal loses 2-3 → (3, 1); best slot 1: 1-2 = -1 < 0, swap:
// medoids {0,2}, loss 0+1+0+4+7 = 12; removal losses (8, 2).
// x=3, row (4,5,6,0,1): o=3 (0<4) and o=4 (1<7) move: shared -4-6 = -10,
// slot 0: 8 + (4-6) + (7-9) = 4, slot 1: 2; best slot 1: 2-10 = -8, swap:
// medoids {0,3}, loss 0+1+2+0+1 = 4; removal losses (12, 10).
// x=4, row (7,8,9,1,0): o=4 moves (shared -1), o=3 changes its second
// (slot 1: 10 + (1-4) + (1-7) = 1); best slot 1: 1-1 = 0, not < 0.
// Pass 2. x=1: slot 0: 12-10 = 2, shared -1: +1. x=2: +2. x=3 is the last
// swap: a full cycle without a swap, stop.
//
// Result: medoids [0 3], loss 4, 2 swaps, 2 passes, assignment
// [0 0 0 1 1] — the kmedoids crate's published result for this case.
func TestFasterPAMHand5(t *testing.T) {
	r, err := FasterPAM(kmtHand5(t), []int{0, 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Medoids, []int{0, 3}) || r.Loss != 4 || r.Swaps != 2 || r.Iterations != 2 ||
		!slices.Equal(r.Assignment, []int32{0, 0, 0, 1, 1}) {
		t.Errorf("got %+v, want medoids [0 3], loss 4, 2 swaps in 2 passes, assignment [0 0 0 1 1]", r)
	}
	// maxIter=1 still performs both swaps of the first pass.
	r, err = FasterPAM(kmtHand5(t), []int{0, 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Medoids, []int{0, 3}) || r.Swaps != 2 || r.Iterations != 1 {
		t.Errorf("maxIter=1: got %+v", r)
	}
}

// TestFasterPAMRuspini: from PAM's BUILD, from LAB and from random starts
// (seeds printed), FasterPAM reaches the k=4 optimum that R reports and
// TestRuspiniGlobalOptimum confirms exhaustively: medoids 10, 32, 52, 70
// (1-based), total deviation 861.4781110933.
func TestFasterPAMRuspini(t *testing.T) {
	lt, err := BuildLowerTriangle(kmtRuspini(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{9, 31, 51, 69}
	check := func(name string, start []int) {
		r, err := FasterPAM(lt, start, 0)
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Sorted(slices.Values(r.Medoids))
		if !slices.Equal(got, want) || math.Abs(r.Loss-861.4781110933) > 1e-6*861.4781110933 {
			t.Errorf("%s start %v: medoids %v loss %.10f, want %v 861.4781110933", name, start, got, r.Loss, want)
		}
	}
	build, err := InitialMedoids(lt, 4, InitBuild, nil)
	if err != nil {
		t.Fatal(err)
	}
	check("BUILD", build)
	for seed := uint64(1); seed <= 20; seed++ {
		for _, init := range []Init{InitLAB, InitRandom, InitKMeansPlusPlus} {
			start, err := InitialMedoids(lt, 4, init, NewRand(seed))
			if err != nil {
				t.Fatal(err)
			}
			check(fmt.Sprintf("%s seed=%d", init, seed), start)
		}
	}
}

// TestFasterPAMLocalOptimumLarger checks the swap-local optimality by brute
// force on problems larger than the exhaustive test can reach (n=150,
// k=2..7 with the nearest/second-nearest bookkeeping exercised by many
// swaps), on clustered and unclustered data.
func TestFasterPAMLocalOptimumLarger(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		rng := NewRand(seed, 0x66617374)
		const n, dim = 150, 3
		k := 1 + int(seed)
		pts := make([]float32, n*dim)
		for i := 0; i < n; i++ {
			c := float64(i % k * 4 * int(seed%2)) // clustered for odd seeds
			for j := 0; j < dim; j++ {
				pts[i*dim+j] = float32(c + rng.NormFloat64())
			}
		}
		v, err := NewVectors(pts, n, dim, Euclidean)
		if err != nil {
			t.Fatal(err)
		}
		lt, err := BuildLowerTriangle(v, 1)
		if err != nil {
			t.Fatal(err)
		}
		start := kmedRandom(n, k, rng)
		r, err := FasterPAM(lt, start, 0)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("seed=%d k=%d", seed, k)
		kmtCheckResult(t, name, lt, k, r)
		kmtCheckSwapOptimal(t, name, lt, r)
		if r.Swaps == 0 {
			t.Errorf("%s: no swap from a random start", name)
		}
	}
}

// TestFasterPAMDuplicates: objects at distance 0 from each other (here all
// ten objects sit on two points) must not confuse the nearest/second
// bookkeeping or the "is a medoid" test: the result is the two points,
// loss 0.
func TestFasterPAMDuplicates(t *testing.T) {
	pts := []float32{0, 0, 0, 0, 0, 5, 5, 5, 5, 5}
	v, err := NewVectors(pts, 10, 1, Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	for _, start := range [][]int{{0, 1}, {1, 4}, {6, 9}, {4, 5}} {
		for name, f := range map[string]func(Dissimilarity, []int, int) (*KMedoidsResult, error){
			"PAMSwap": PAMSwap, "FastPAM1": FastPAM1, "FasterPAM": FasterPAM,
		} {
			r, err := f(v, start, 0)
			if err != nil {
				t.Fatal(err)
			}
			kmtCheckResult(t, fmt.Sprintf("%s start %v", name, start), v, 2, r)
			if r.Loss != 0 {
				t.Errorf("%s start %v: loss %v, want 0", name, start, r.Loss)
			}
		}
	}
}

// kmtFasterPAMNaive is FasterPAM written from the paper's description with
// no cache at all: for each non-medoid x in index order it computes the
// total deviation of every swap (slot, x) from scratch, O(k²n) per
// candidate, takes the first slot with the lowest loss, and swaps if that
// lowers the loss by more than 1e-12 × the loss; it stops after a full
// cycle without a swap or after a pass without one. On integer
// dissimilarities every sum is exact, so it must make the same swaps as
// FasterPAM whatever the summation order.
func kmtFasterPAMNaive(d Dissimilarity, start []int, maxIter int) ([]int, int, int) {
	med := slices.Clone(start)
	loss := kmtLoss(d, med)
	n, iter, swaps, last := d.Len(), 0, 0, -1
	for iter < maxIter {
		iter++
		before := swaps
		for x := 0; x < n; x++ {
			if x == last {
				return med, iter, swaps
			}
			if slices.Contains(med, x) {
				continue
			}
			bestSlot, bestLoss := -1, math.Inf(1)
			for slot := range med {
				old := med[slot]
				med[slot] = x
				if l := kmtLoss(d, med); l < bestLoss {
					bestSlot, bestLoss = slot, l
				}
				med[slot] = old
			}
			if bestLoss-loss < -1e-12*loss {
				med[bestSlot], loss = x, bestLoss
				swaps++
				last = x
			}
		}
		if swaps == before {
			break
		}
	}
	return med, iter, swaps
}

// TestFasterPAMParallelIdentical: FasterPAMParallel gives FasterPAM's
// result bit for bit (medoids, assignment, loss, passes, swaps) for every
// parallelism, on all three concrete types, from random starts (many
// swaps, so speculative evaluations are thrown away often) and from LAB;
// on integer matrices both also agree with the cache-free kmtFasterPAMNaive.
// n spans one partial block to several rounds of blocks.
func TestFasterPAMParallelIdentical(t *testing.T) {
	for c := range 24 {
		seed := uint64(500 + c)
		rng := NewRand(seed, 0x70617261)
		n := []int{7, 31, 33, 70, 129, 300}[c%6]
		k := 1 + rng.IntN(min(12, n-1))
		var lt *LowerTriangle
		var vec *Vectors
		kind := "integer"
		if c%2 == 0 {
			pts := make([]float32, 3*n)
			for i := range pts {
				pts[i] = float32(rng.NormFloat64()) + float32(i%5)
			}
			var err error
			if vec, err = NewVectors(pts, n, 3, Euclidean); err != nil {
				t.Fatal(err)
			}
			if lt, err = BuildLowerTriangle(vec, 2); err != nil {
				t.Fatal(err)
			}
			kind = "euclidean"
		} else {
			lt, _ = NewLowerTriangle(n)
			for i := range lt.data {
				lt.data[i] = float32(rng.IntN(20))
			}
		}
		starts := map[string][]int{"random": kmedRandom(n, k, rng)}
		lab, err := InitialMedoids(lt, k, InitLAB, rng)
		if err != nil {
			t.Fatal(err)
		}
		starts["lab"] = lab
		types := map[string]Dissimilarity{"LowerTriangle": lt, "DenseMatrix": denseCopy(t, lt)}
		if vec != nil {
			types["Vectors"] = vec
		}
		for sname, start := range starts {
			for _, maxIter := range []int{0, 1} {
				ref, err := FasterPAM(lt, start, maxIter)
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("seed=%d n=%d k=%d %s start=%s maxIter=%d", seed, n, k, kind, sname, maxIter)
				if kind == "integer" {
					med, iter, swaps := kmtFasterPAMNaive(lt, start, kmedMaxIter(maxIter))
					if !slices.Equal(med, ref.Medoids) || iter != ref.Iterations || swaps != ref.Swaps {
						t.Errorf("%s: FasterPAM %v in %d passes, %d swaps; naive %v in %d passes, %d swaps",
							name, ref.Medoids, ref.Iterations, ref.Swaps, med, iter, swaps)
					}
				}
				for tname, d := range types {
					for _, p := range []int{1, 2, 3, 8} {
						r, err := FasterPAMParallel(context.Background(), d, start, maxIter, p)
						if err != nil {
							t.Fatal(err)
						}
						if !slices.Equal(r.Medoids, ref.Medoids) || !slices.Equal(r.Assignment, ref.Assignment) ||
							r.Loss != ref.Loss || r.Iterations != ref.Iterations || r.Swaps != ref.Swaps {
							t.Errorf("%s %s parallelism %d: %v loss %v passes %d swaps %d; serial %v loss %v passes %d swaps %d",
								name, tname, p, r.Medoids, r.Loss, r.Iterations, r.Swaps, ref.Medoids, ref.Loss, ref.Iterations, ref.Swaps)
						}
					}
				}
			}
		}
	}
}
