package algo

import (
	"slices"
	"testing"
)

// TestAlternatingHand5 traces Alternating by hand on kmtHand5 from {0, 1}.
//
// Iteration 1: objects 2, 3, 4 are nearer to 0 (2<3, 4<5, 7<8), so slot 0
// holds {0,2,3,4} and slot 1 holds {1}. Sums within slot 0: object 0:
// 2+4+7 = 13, 2: 2+6+9 = 17, 3: 4+6+1 = 11, 4: 7+9+1 = 17: object 3 takes
// over slot 0. Medoids {3, 1}.
// Iteration 2: 0 and 2 go to 1 (1<4, 3<6), 4 to 3: slot 0 = {3,4} (sums
// 1 and 1: the tie keeps 3), slot 1 = {0,1,2} (sums 0: 3, 1: 4, 2: 5):
// object 0 takes slot 1. Medoids {3, 0}.
// Iteration 3: same clusters, no change. Loss 0+1+2+0+1 = 4, 2 swaps.
func TestAlternatingHand5(t *testing.T) {
	r, err := Alternating(kmtHand5(t), []int{0, 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Medoids, []int{3, 0}) || r.Loss != 4 || r.Swaps != 2 || r.Iterations != 3 ||
		!slices.Equal(r.Assignment, []int32{1, 1, 1, 0, 0}) {
		t.Errorf("got %+v, want medoids [3 0], loss 4, 2 swaps in 3 iterations, assignment [1 1 1 0 0]", r)
	}
	// maxIter=1 stops after the first medoid update, with the assignment
	// to the updated medoids.
	r, err = Alternating(kmtHand5(t), []int{0, 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Medoids, []int{3, 1}) || r.Loss != 1+0+3+0+1 || r.Iterations != 1 {
		t.Errorf("maxIter=1: got %+v, want medoids [3 1], loss 5", r)
	}
}

// TestAlternatingStuck shows the documented weakness: on three points at
// 0, 1 and 10 with k=2 started from {0, 1}, both medoids sit in their own
// singleton-or-pair cluster and nothing moves, although {0 or 1, 10} is
// far better. FasterPAM from the same start finds it.
func TestAlternatingStuck(t *testing.T) {
	v, err := NewVectors([]float32{0, 1, 10}, 3, 1, Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	alt, err := Alternating(v, []int{0, 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Clusters {0} and {1, 10}: medoid of {1, 10} is 1 (tie 9 vs 9 keeps
	// the current one): loss 9.
	if !slices.Equal(alt.Medoids, []int{0, 1}) || alt.Loss != 9 {
		t.Errorf("Alternating: %+v, want stuck at [0 1] with loss 9", alt)
	}
	fp, err := FasterPAM(v, []int{0, 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fp.Loss != 1 {
		t.Errorf("FasterPAM: %+v, want loss 1", fp)
	}
}
