package validity

import (
	"fmt"
	"math"
)

// Data is a labelled set of points: len(Labels) rows of D values each in
// X, row-major, and the cluster of each row in [0, K).
type Data struct {
	X      []float32
	D      int
	Labels []int32
	K      int
}

// check validates d and returns the size of every cluster and the number
// of non-empty ones.
func (d Data) check() (sizes []int, nonEmpty int, err error) {
	n := len(d.Labels)
	if d.D < 1 || d.K < 1 || len(d.X) != n*d.D {
		return nil, 0, fmt.Errorf("%w: %d values for %d labels of dimension %d, k=%d", ErrShape, len(d.X), n, d.D, d.K)
	}
	sizes = make([]int, d.K)
	for i, c := range d.Labels {
		if c < 0 || int(c) >= d.K {
			return nil, 0, fmt.Errorf("%w: row %d has label %d, want [0,%d)", ErrLabel, i, c, d.K)
		}
		if sizes[c] == 0 {
			nonEmpty++
		}
		sizes[c]++
	}
	for i, v := range d.X {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, 0, fmt.Errorf("%w: row %d, column %d", ErrNotFinite, i/d.D, i%d.D)
		}
	}
	return sizes, nonEmpty, nil
}

func (d Data) row(i int) []float32 { return d.X[i*d.D : (i+1)*d.D : (i+1)*d.D] }
