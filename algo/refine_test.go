package algo

import (
	"errors"
	"math"
	"testing"
)

// TestCandidateCosts checks the sums by hand on five points on a line,
// two clusters: {0, 1, 3} with candidates 1 and 3, {10, 12} with
// candidate 10.
func TestCandidateCosts(t *testing.T) {
	x := []float32{0, 1, 10, 3, 12}
	labels := []int32{0, 0, 1, 0, 1}
	cands := []float32{1, 3, 10}
	costs := make([]float64, 3)
	if err := CandidateCosts(Manhattan, x, 5, 1, labels, cands, []int{0, 2, 3}, costs); err != nil {
		t.Fatal(err)
	}
	want := []float64{1 + 0 + 2, 3 + 2 + 0, 0 + 2}
	for i := range want {
		if math.Abs(costs[i]-want[i]) > 0 {
			t.Errorf("cost %d = %v, want %v", i, costs[i], want[i])
		}
	}
	if err := CandidateCosts(Manhattan, x, 5, 1, []int32{0, 0, 2, 0, 1}, cands, []int{0, 2, 3}, costs); !errors.Is(err, ErrShape) {
		t.Errorf("label 2 of k=2: %v, want ErrShape", err)
	}
	if err := CandidateCosts(Manhattan, x, 5, 1, labels, cands, []int{0, 2, 4}, costs); !errors.Is(err, ErrShape) {
		t.Errorf("4 candidates stated, 3 given: %v, want ErrShape", err)
	}
}
