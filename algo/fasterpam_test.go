package algo

import (
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
