package algo

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
)

func TestKMeansPlusPlusDeterministic(t *testing.T) {
	x, _ := blobData(NewRand(1), 500, 3, 6, 5, 0)
	a, err := KMeansPlusPlus(x, 500, 3, 6, nil, 0, NewRand(77))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := KMeansPlusPlus(x, 500, 3, 6, nil, 0, NewRand(77))
	c, _ := KMeansPlusPlus(x, 500, 3, 6, nil, 0, NewRand(78))
	if !equalF32(a, b) {
		t.Errorf("same seed, different centres:\n%v\n%v", a, b)
	}
	if equalF32(a, c) {
		t.Errorf("seeds 77 and 78 gave the same centres")
	}
	// Every centre is a row of x.
	for j := 0; j < 6; j++ {
		found := false
		for i := 0; i < 500 && !found; i++ {
			found = equalF32(a[j*3:(j+1)*3], x[i*3:(i+1)*3])
		}
		if !found {
			t.Errorf("centre %d %v is not a row", j, a[j*3:(j+1)*3])
		}
	}
}

// TestKMeansPlusPlusSeeder: seedings that share one seeder, run at once,
// give each what a seeding of its own gives for the same stream,
// weighted or not (under -race this also checks that they share the
// sample read-only).
func TestKMeansPlusPlusSeeder(t *testing.T) {
	const n, d, k, trials = 700, 8, 12, 8
	x, _ := blobData(NewRand(4), n, d, k, 4, 0)
	w := make([]float32, n)
	for i := range w {
		w[i] = float32(1 + i%3)
	}
	for _, weights := range [][]float32{nil, w} {
		s, err := NewKMeansPlusPlusSeeder(x, n, d, weights)
		if err != nil {
			t.Fatal(err)
		}
		got := make([][]float32, trials)
		errs := make([]error, trials)
		var wg sync.WaitGroup
		for tr := range trials {
			wg.Go(func() { got[tr], errs[tr] = s.Seed(k, 0, NewRand(5, uint64(tr))) })
		}
		wg.Wait()
		for tr := range trials {
			want, err := KMeansPlusPlus(x, n, d, k, weights, 0, NewRand(5, uint64(tr)))
			if err != nil || errs[tr] != nil {
				t.Fatal(err, errs[tr])
			}
			if !equalF32(got[tr], want) {
				t.Errorf("weighted=%v trial %d: shared seeder gave other centres", weights != nil, tr)
			}
		}
	}
	if _, err := NewKMeansPlusPlusSeeder(x, n, d, w[:5]); !errors.Is(err, ErrShape) {
		t.Errorf("5 weights for %d rows: %v, want ErrShape", n, err)
	}
}

// blobOf returns the index of the blob centre nearest to v.
func blobOf(v []float32, mids [][]float64) int {
	best, bj := math.Inf(1), -1
	for j, m := range mids {
		var s float64
		for t := range v {
			e := float64(v[t]) - m[t]
			s += e * e
		}
		if s < best {
			best, bj = s, j
		}
	}
	return bj
}

// TestKMeansPlusPlusOnePerBlob: on k blobs 100σ apart, k-means++ must put
// one centre in each blob. A miss needs a draw inside an already covered
// blob, of probability about (covered σ² mass)/(remaining 10⁴σ² mass) per
// draw; over 30 seeds that stays far below 1e-3.
func TestKMeansPlusPlusOnePerBlob(t *testing.T) {
	const per, d, k = 50, 2, 8
	for seed := uint64(1); seed <= 30; seed++ {
		rng := NewRand(seed, 1)
		mids := make([][]float64, k)
		x := make([]float32, 0, per*k*d)
		for j := range mids {
			mids[j] = []float64{100 * float64(j%4), 100 * float64(j/4)}
			for i := 0; i < per; i++ {
				for t := 0; t < d; t++ {
					x = append(x, float32(mids[j][t]+rng.NormFloat64()))
				}
			}
		}
		for _, trials := range []int{1, 0} {
			c, err := KMeansPlusPlus(x, per*k, d, k, nil, trials, NewRand(seed, 2))
			if err != nil {
				t.Fatal(err)
			}
			seen := make(map[int]bool)
			for j := 0; j < k; j++ {
				seen[blobOf(c[j*d:(j+1)*d], mids)] = true
			}
			if len(seen) != k {
				t.Errorf("seed %d trials %d: centres cover %d of %d blobs", seed, trials, len(seen), k)
			}
		}
	}
}

// TestKMeansPlusPlusHandProbabilities checks plain k-means++ (one trial) on
// the rows 0, 1, 3 with k = 2 against probabilities by hand. The first
// centre is uniform; the second is drawn ∝ D²:
//
//	first 0: D² = (·, 1, 9)  → 1 w.p. 1/10, 3 w.p. 9/10
//	first 1: D² = (1, ·, 4)  → 0 w.p. 1/5,  3 w.p. 4/5
//	first 3: D² = (9, 4, ·)  → 0 w.p. 9/13, 1 w.p. 4/13
//
// so P{0,1} = (1/10 + 1/5)/3 = 0.1, P{0,3} = (9/10 + 9/13)/3 ≈ 0.53077,
// P{1,3} = (4/5 + 4/13)/3 ≈ 0.36923. With weights (2, 1, 1) the first
// draw is 1/2, 1/4, 1/4 and the second ∝ w·D²; e.g. after 1 the weighted
// potentials are (2, ·, 4): 0 w.p. 1/3.
func TestKMeansPlusPlusHandProbabilities(t *testing.T) {
	x := []float32{0, 1, 3}
	for _, tc := range []struct {
		w    []float32
		want map[[2]float32]float64
	}{
		{nil, map[[2]float32]float64{{0, 1}: 0.1, {0, 3}: (0.9 + 9.0/13) / 3, {1, 3}: (0.8 + 4.0/13) / 3}},
		// first 0 (1/2): D²·w = (·, 1, 9)  → {0,1} 1/10, {0,3} 9/10
		// first 1 (1/4): D²·w = (2, ·, 4)  → {0,1} 1/3,  {1,3} 2/3
		// first 3 (1/4): D²·w = (18, 4, ·) → {0,3} 18/22, {1,3} 4/22
		{[]float32{2, 1, 1}, map[[2]float32]float64{
			{0, 1}: 0.5*0.1 + 0.25/3,
			{0, 3}: 0.5*0.9 + 0.25*18/22,
			{1, 3}: 0.25*2/3 + 0.25*4/22,
		}},
	} {
		t.Run(fmt.Sprintf("w=%v", tc.w), func(t *testing.T) {
			const runs = 20000
			got := map[[2]float32]float64{}
			for s := uint64(0); s < runs; s++ {
				c, err := KMeansPlusPlus(x, 3, 1, 2, tc.w, 1, NewRand(s, 9))
				if err != nil {
					t.Fatal(err)
				}
				key := [2]float32{min(c[0], c[1]), max(c[0], c[1])}
				got[key] += 1.0 / runs
			}
			for key, p := range tc.want {
				// 5 standard errors of a proportion over 20000 runs.
				if se := math.Sqrt(p * (1 - p) / runs); math.Abs(got[key]-p) > 5*se {
					t.Errorf("P%v = %.4f, want %.4f ± %.4f", key, got[key], p, 5*se)
				}
			}
		})
	}
}

// TestKMeansPlusPlusWeights: rows of weight zero are never chosen, and
// with fewer distinct weighted rows than k the extra centres repeat them.
func TestKMeansPlusPlusWeights(t *testing.T) {
	x := []float32{0, 10, 20, 30}
	w := []float32{0, 1, 0, 1}
	for s := uint64(0); s < 50; s++ {
		c, err := KMeansPlusPlus(x, 4, 1, 3, w, 0, NewRand(s))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range c {
			if v != 10 && v != 30 {
				t.Fatalf("seed %d: centre %v has weight zero (centres %v)", s, v, c)
			}
		}
		if c[0] == c[1] {
			t.Fatalf("seed %d: second centre repeats the first while another row has positive D²: %v", s, c)
		}
	}
}

func TestKMeansPlusPlusErrors(t *testing.T) {
	x := []float32{0, 1, 2, 3}
	rng := NewRand(1)
	for _, tc := range []struct {
		name string
		err  error
		f    func() error
	}{
		{"k=0", ErrInvalidK, func() error { _, err := KMeansPlusPlus(x, 4, 1, 0, nil, 0, rng); return err }},
		{"k>n", ErrInvalidK, func() error { _, err := KMeansPlusPlus(x, 4, 1, 5, nil, 0, rng); return err }},
		{"n=0", ErrEmpty, func() error { _, err := KMeansPlusPlus(nil, 0, 1, 1, nil, 0, rng); return err }},
		{"shape", ErrShape, func() error { _, err := KMeansPlusPlus(x, 3, 1, 1, nil, 0, rng); return err }},
		{"weights", ErrShape, func() error { _, err := KMeansPlusPlus(x, 4, 1, 1, []float32{1}, 0, rng); return err }},
		{"zero weights", ErrBadWeight, func() error { _, err := KMeansPlusPlus(x, 4, 1, 1, make([]float32, 4), 0, rng); return err }},
		{"negative weight", ErrBadWeight, func() error {
			_, err := KMeansPlusPlus(x, 4, 1, 1, []float32{1, -1, 1, 1}, 0, rng)
			return err
		}},
		{"nil rng", ErrRandRequired, func() error { _, err := KMeansPlusPlus(x, 4, 1, 1, nil, 0, nil); return err }},
		{"trials", ErrConfig, func() error { _, err := KMeansPlusPlus(x, 4, 1, 1, nil, -1, rng); return err }},
	} {
		if err := tc.f(); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
}
