package algo

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

func accumulateAll(t *testing.T, a *Assigner, x []float32, d int, w []float32) *CentreSums {
	t.Helper()
	s := NewCentreSums(a.k, d)
	if err := a.Accumulate(x, len(x)/d, w, s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCentreSumsMergeShards(t *testing.T) {
	const n, d, k = 1000, 5, 7
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := NewRand(seed)
			x, c := blobData(rng, n, d, k, 3, 5)
			w := make([]float32, n)
			for i := range w {
				w[i] = float32(1 + rng.IntN(3))
			}
			a := NewAssigner(k, d)
			if err := a.SetCentres(c); err != nil {
				t.Fatal(err)
			}
			whole := accumulateAll(t, a, x, d, w)

			// Random cut points into 1..6 shards.
			cuts := []int{0}
			for len(cuts) < 1+rng.IntN(6) {
				cuts = append(cuts, cuts[len(cuts)-1]+rng.IntN(n-cuts[len(cuts)-1]+1))
			}
			cuts = append(cuts, n)
			partial := func() []*CentreSums {
				var ps []*CentreSums
				for i := 0; i+1 < len(cuts); i++ {
					lo, hi := cuts[i], cuts[i+1]
					ps = append(ps, accumulateAll(t, NewAssigner(k, d).mustSet(t, c), x[lo*d:hi*d], d, w[lo:hi]))
				}
				return ps
			}
			merge := func(ps []*CentreSums) *CentreSums {
				m := NewCentreSums(k, d)
				for _, p := range ps {
					if err := m.Merge(p); err != nil {
						t.Fatal(err)
					}
				}
				return m
			}
			m1 := merge(partial())

			// Within float tolerance of one shard.
			near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }
			for i := range whole.Sums {
				if !near(m1.Sums[i], whole.Sums[i]) {
					t.Fatalf("cuts %v: sum %d: %v vs %v", cuts, i, m1.Sums[i], whole.Sums[i])
				}
			}
			for j := 0; j < k; j++ {
				if !near(m1.Weights[j], whole.Weights[j]) || m1.Counts[j] != whole.Counts[j] || !near(m1.Inertias[j], whole.Inertias[j]) {
					t.Fatalf("cuts %v: centre %d differs", cuts, j)
				}
			}
			if !near(m1.Inertia, whole.Inertia) || m1.Rows != whole.Rows {
				t.Fatalf("cuts %v: inertia %v vs %v, rows %d vs %d", cuts, m1.Inertia, whole.Inertia, m1.Rows, whole.Rows)
			}

			// Same split, same order, partials computed another way (the
			// shard's rows listed for AccumulateRows): bit-identical.
			var ps2 []*CentreSums
			for i := 0; i+1 < len(cuts); i++ {
				lo, hi := cuts[i], cuts[i+1]
				rows := make([]int32, hi-lo)
				for r := range rows {
					rows[r] = int32(lo + r)
				}
				p := NewCentreSums(k, d)
				if err := NewAssigner(k, d).mustSet(t, c).AccumulateRows(x, rows, w, p); err != nil {
					t.Fatal(err)
				}
				ps2 = append(ps2, p)
			}
			sameSums(t, fmt.Sprintf("cuts %v", cuts), merge(ps2), m1)
		})
	}
}

func (a *Assigner) mustSet(t *testing.T, c []float32) *Assigner {
	t.Helper()
	if err := a.SetCentres(c); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCentreSumsMergeMismatch(t *testing.T) {
	s := NewCentreSums(3, 2)
	for _, o := range []*CentreSums{nil, NewCentreSums(2, 2), NewCentreSums(3, 3)} {
		if err := s.Merge(o); !errors.Is(err, ErrMergeMismatch) {
			t.Errorf("merge %+v: %v", o, err)
		}
	}
	bad := NewCentreSums(3, 2)
	bad.Counts = bad.Counts[:2]
	if err := s.Merge(bad); !errors.Is(err, ErrMergeMismatch) {
		t.Errorf("short counts: %v", err)
	}
	s.Sums[0], s.Rows = 1, 1
	s.Reset()
	if s.Sums[0] != 0 || s.Rows != 0 {
		t.Errorf("Reset left %+v", s)
	}
}

// TestLloydUpdateHand checks one update on 1-D data by hand:
// centres 0 and 10, rows 1 2 3 | 9 11.
func TestLloydUpdateHand(t *testing.T) {
	x := []float32{1, 2, 3, 9, 11}
	for _, tc := range []struct {
		name      string
		w         []float32
		want      []float32
		wantShift float64
	}{
		// (1+2+3)/3 = 2, (9+11)/2 = 10; moves 2² and 0.
		{"unweighted", nil, []float32{2, 10}, 4},
		// (1+2+2·3)/4 = 2.25, (9+3·11)/4 = 10.5; moves 2.25² = 5.0625 and 0.25.
		{"weighted", []float32{1, 1, 2, 1, 3}, []float32{2.25, 10.5}, 5.0625},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := []float32{0, 10}
			a := NewAssigner(2, 1).mustSet(t, c)
			s := accumulateAll(t, a, x, 1, tc.w)
			shift, empty, err := LloydUpdate(c, s, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c[0] != tc.want[0] || c[1] != tc.want[1] || shift != tc.wantShift || empty != 0 {
				t.Errorf("centres %v shift %v empty %d; want %v shift %v empty 0", c, shift, empty, tc.want, tc.wantShift)
			}
		})
	}
}

// TestLloydUpdateEmpty makes a centre that no row is nearest to and checks
// the documented split: the empty centre lands kmSplitStep RMS radii from
// the mean of the cluster with the largest SSE.
func TestLloydUpdateEmpty(t *testing.T) {
	// Cluster A: 0 1 2 3 (mean 1.5, SSE 5), cluster B: 100 101 (SSE 0.5).
	x := []float32{0, 1, 2, 3, 100, 101}
	c := []float32{1.5, 100.5, -1000}
	a := NewAssigner(3, 1).mustSet(t, c)
	s := accumulateAll(t, a, x, 1, nil)
	if s.Weights[2] != 0 {
		t.Fatalf("centre 2 should be empty: %+v", s)
	}
	if _, _, err := LloydUpdate(append([]float32(nil), c...), s, nil); !errors.Is(err, ErrRandRequired) {
		t.Fatalf("nil rng with an empty centre: %v", err)
	}
	shift, empty, err := LloydUpdate(c, s, NewRand(1))
	if err != nil {
		t.Fatal(err)
	}
	// RMS radius of A: √(5/4); in 1-D the unit direction is ±1.
	off := kmSplitStep * math.Sqrt(5.0/4)
	if empty != 1 || c[0] != 1.5 || c[1] != 100.5 || math.Abs(math.Abs(float64(c[2])-1.5)-off) > 1e-6 {
		t.Fatalf("centres %v empty %d; want [1.5 100.5 1.5±%g] and 1 empty", c, empty, off)
	}
	if want := (float64(c[2]) + 1000) * (float64(c[2]) + 1000); math.Abs(shift-want) > 1e-9*want {
		t.Errorf("shift %v, want the re-seeded centre's move %v", shift, want)
	}
	// Two more Lloyd steps: A is split in two, nothing is empty, and the
	// inertia reaches the optimum for these rows (0.5 + 0.5 + 0.5 = 1.5).
	for it := 0; it < 2; it++ {
		s = accumulateAll(t, a.mustSet(t, c), x, 1, nil)
		if _, empty, err = LloydUpdate(c, s, NewRand(2)); err != nil || empty != 0 {
			t.Fatalf("iteration %d: empty %d err %v centres %v", it, empty, err, c)
		}
	}
	s = accumulateAll(t, a.mustSet(t, c), x, 1, nil)
	if s.Inertia != 1.5 {
		t.Errorf("inertia after the split %v, want 1.5 (centres %v)", s.Inertia, c)
	}
}

// TestLloydUpdateTwoEmpty re-seeds two empty centres: both move, to
// different places, and no value is NaN.
func TestLloydUpdateTwoEmpty(t *testing.T) {
	const d = 3
	rng := NewRand(5)
	x, _ := blobData(rng, 200, d, 2, 5, 0)
	c := make([]float32, 4*d)
	copy(c, x[:d])        // centre 0: on a row
	copy(c[d:], x[d:2*d]) // centre 1: on another row
	for t := 2 * d; t < 4*d; t++ {
		c[t] = 1e6 // centres 2 and 3: far away, empty
	}
	s := accumulateAll(t, NewAssigner(4, d).mustSet(t, c), x, d, nil)
	_, empty, err := LloydUpdate(c, s, NewRand(6))
	if err != nil || empty != 2 {
		t.Fatalf("empty %d err %v", empty, err)
	}
	for i, v := range c {
		if math.IsNaN(float64(v)) || v > 1e5 {
			t.Fatalf("centre value %d = %v after re-seeding", i, v)
		}
	}
	if kmDist64(c[2*d:3*d], c[3*d:4*d]) == 0 {
		t.Errorf("both empty centres landed on the same point: %v", c)
	}
}

func TestLloydUpdateErrors(t *testing.T) {
	s := NewCentreSums(2, 2)
	if _, _, err := LloydUpdate(make([]float32, 4), s, nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("no weight: %v", err)
	}
	if _, _, err := LloydUpdate(make([]float32, 3), s, nil); !errors.Is(err, ErrShape) {
		t.Errorf("short centres: %v", err)
	}
	s.Weights[0] = -1
	if _, _, err := LloydUpdate(make([]float32, 4), s, nil); !errors.Is(err, ErrBadWeight) {
		t.Errorf("negative weight: %v", err)
	}
	if _, _, err := LloydUpdate(nil, nil, nil); !errors.Is(err, ErrShape) {
		t.Errorf("nil sums: %v", err)
	}
}
