package algo

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

// TestKMeansParallelKeepRate: over many rows the number kept matches
// Σ min(1, ℓ·d²/φ) within 5 binomial standard deviations, rows with
// p >= 1 are always kept and rows at distance 0 never.
func TestKMeansParallelKeepRate(t *testing.T) {
	const n = 200000
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := NewRand(seed, 100)
			d2 := make([]float64, n)
			var phi float64
			for i := range d2 {
				d2[i] = rng.ExpFloat64()
				if i%1000 == 0 {
					d2[i] *= 20 // a few far rows, most with p >= 1
				}
				phi += d2[i]
			}
			const ell = 20000.0 // p ≈ 0.1·d² for most rows
			var want, variance float64
			kept := 0
			for i, v := range d2 {
				p := math.Min(1, ell*v/phi)
				want += p
				variance += p * (1 - p)
				keep := KMeansParallelKeep(seed, 1, int64(i), v, phi, ell)
				if keep {
					kept++
				}
				if p == 1 && !keep {
					t.Fatalf("row %d with p=1 not kept", i)
				}
			}
			if sd := math.Sqrt(variance); math.Abs(float64(kept)-want) > 5*sd {
				t.Errorf("kept %d, expected %.1f ± %.1f", kept, want, 5*sd)
			}
			t.Logf("kept %d, expected %.1f", kept, want)
			if KMeansParallelKeep(seed, 1, 5, 0, phi, ell) || KMeansParallelKeep(seed, 1, 5, 1, 0, ell) ||
				KMeansParallelKeep(seed, 1, 5, 1, phi, 0) || KMeansParallelKeep(seed, 1, 5, math.NaN(), phi, ell) {
				t.Errorf("kept a row with d²=0, φ=0, ℓ=0 or NaN")
			}
		})
	}
}

// TestKMeansParallelKeepRounds: the draws of two rounds are independent:
// with p = 0.3 for every row, both rounds keep about 0.09 of the rows.
func TestKMeansParallelKeepRounds(t *testing.T) {
	const n = 100000
	both, one := 0, 0
	for i := int64(0); i < n; i++ {
		a := KMeansParallelKeep(9, 1, i, 3, 10, 1)
		b := KMeansParallelKeep(9, 2, i, 3, 10, 1)
		if a {
			one++
		}
		if a && b {
			both++
		}
	}
	// Binomial(n, 0.09): sd ≈ 90; Binomial(n, 0.3): sd ≈ 145.
	if math.Abs(float64(both)-0.09*n) > 5*90 || math.Abs(float64(one)-0.3*n) > 5*145 {
		t.Errorf("kept %d in round 1 and %d in both; want about %d and %d", one, both, int(0.3*n), int(0.09*n))
	}
}

// TestReclusterCandidates: weighted candidates around three obvious
// centres, plus light outliers. The result must be the weighted means of
// the three groups, computed here by hand.
func TestReclusterCandidates(t *testing.T) {
	const d = 2
	groups := [][2]float64{{0, 0}, {10, 0}, {0, 10}}
	rng := NewRand(4)
	var cand []float32
	var w []float64
	wantSum := make([][3]float64, 3) // Σw·x, Σw·y, Σw
	for g, mid := range groups {
		for i := 0; i < 20; i++ {
			x := float32(mid[0] + 0.5*rng.NormFloat64())
			y := float32(mid[1] + 0.5*rng.NormFloat64())
			wi := float64(1 + rng.IntN(100))
			cand = append(cand, x, y)
			w = append(w, wi)
			wantSum[g][0] += wi * float64(x)
			wantSum[g][1] += wi * float64(y)
			wantSum[g][2] += wi
		}
	}
	for seed := uint64(1); seed <= 10; seed++ {
		c, err := ReclusterCandidates(cand, w, d, 3, NewRand(seed))
		if err != nil {
			t.Fatal(err)
		}
		for g := range groups {
			wx, wy := wantSum[g][0]/wantSum[g][2], wantSum[g][1]/wantSum[g][2]
			found := false
			for j := 0; j < 3; j++ {
				if math.Abs(float64(c[2*j])-wx) < 1e-4 && math.Abs(float64(c[2*j+1])-wy) < 1e-4 {
					found = true
				}
			}
			if !found {
				t.Errorf("seed %d: no centre at the weighted mean (%.4f, %.4f) of group %d: %v", seed, wx, wy, g, c)
			}
		}
	}
}

// TestKMeansParallelPipeline runs the documented distributed steps on
// blobs split into shards, with one shard and with three: the candidates,
// their weights and the final centres are identical, and the centres are
// as good as k-means++ on the whole data.
func TestKMeansParallelPipeline(t *testing.T) {
	const n, d, k, rounds, seed = 3000, 3, 6, 5, 42
	x, _ := blobData(NewRand(seed), n, d, k, 10, 0)
	run := func(cuts []int) ([]float32, []float64, []float32) {
		// Step 1: the row with the smallest hash.
		first, fh := 0, ^uint64(0)
		for i := 0; i < n; i++ {
			if h := Hash(seed, 1, uint64(i)); h < fh {
				first, fh = i, h
			}
		}
		cand := append([]float32(nil), x[first*d:(first+1)*d]...)
		shardSums := func() []*CentreSums {
			m := len(cand) / d
			var ps []*CentreSums
			for s := 0; s+1 < len(cuts); s++ {
				a := NewAssigner(m, d)
				if err := a.SetCentres(cand); err != nil {
					t.Fatal(err)
				}
				p := NewCentreSums(m, d)
				if err := a.Accumulate(x[cuts[s]*d:cuts[s+1]*d], cuts[s+1]-cuts[s], nil, p); err != nil {
					t.Fatal(err)
				}
				ps = append(ps, p)
			}
			return ps
		}
		for r := 1; r <= rounds; r++ {
			var phi float64
			for _, p := range shardSums() {
				phi += p.Inertia
			}
			m := len(cand) / d
			a := NewAssigner(m, d)
			if err := a.SetCentres(cand); err != nil {
				t.Fatal(err)
			}
			var kept []float32
			lab, dist := make([]int32, 1), make([]float32, 1)
			for s := 0; s+1 < len(cuts); s++ {
				for i := cuts[s]; i < cuts[s+1]; i++ {
					if err := a.Assign(x[i*d:(i+1)*d], 1, lab, dist); err != nil {
						t.Fatal(err)
					}
					if KMeansParallelKeep(seed, r, int64(i), float64(dist[0]), phi, 2*k) {
						kept = append(kept, x[i*d:(i+1)*d]...)
					}
				}
			}
			cand = append(cand, kept...)
		}
		m := len(cand) / d
		total := NewCentreSums(m, d)
		for _, p := range shardSums() {
			if err := total.Merge(p); err != nil {
				t.Fatal(err)
			}
		}
		c, err := ReclusterCandidates(cand, total.Weights, d, k, NewRand(seed, 7))
		if err != nil {
			t.Fatal(err)
		}
		return cand, total.Weights, c
	}
	c1, w1, r1 := run([]int{0, n})
	c3, w3, r3 := run([]int{0, 1000, 1700, n})
	if !equalF32(c1, c3) || !equalF32(r1, r3) || len(w1) != len(w3) {
		t.Fatalf("results depend on sharding: %d vs %d candidates", len(c1)/d, len(c3)/d)
	}
	for i := range w1 {
		if w1[i] != w3[i] {
			t.Fatalf("candidate %d weight %v vs %v", i, w1[i], w3[i])
		}
	}
	t.Logf("%d candidates after %d rounds (ℓ = 2k = %d)", len(c1)/d, rounds, 2*k)

	inertia := func(c []float32) float64 {
		s := NewCentreSums(k, d)
		if err := NewAssigner(k, d).mustSet(t, c).Accumulate(x, n, nil, s); err != nil {
			t.Fatal(err)
		}
		return s.Inertia
	}
	pp, err := KMeansPlusPlus(x, n, d, k, nil, 0, NewRand(seed, 8))
	if err != nil {
		t.Fatal(err)
	}
	// Unit-variance blobs: the optimum is about n·d.
	if got := inertia(r1); got > 1.2*float64(n*d) {
		t.Errorf("k-means|| inertia %.0f, k-means++ %.0f, optimum about %d", got, inertia(pp), n*d)
	}
}

func TestReclusterCandidatesErrors(t *testing.T) {
	cand := []float32{0, 0, 1, 1, 2, 2}
	w := []float64{1, 1, 1}
	rng := NewRand(1)
	for _, tc := range []struct {
		name string
		err  error
		f    func() error
	}{
		{"k>m", ErrInvalidK, func() error { _, err := ReclusterCandidates(cand, w, 2, 4, rng); return err }},
		{"k=0", ErrInvalidK, func() error { _, err := ReclusterCandidates(cand, w, 2, 0, rng); return err }},
		{"empty", ErrEmpty, func() error { _, err := ReclusterCandidates(nil, nil, 2, 1, rng); return err }},
		{"shape", ErrShape, func() error { _, err := ReclusterCandidates(cand[:5], w, 2, 1, rng); return err }},
		{"weights", ErrShape, func() error { _, err := ReclusterCandidates(cand, w[:2], 2, 1, rng); return err }},
		{"zero weights", ErrBadWeight, func() error { _, err := ReclusterCandidates(cand, make([]float64, 3), 2, 1, rng); return err }},
		{"nil rng", ErrRandRequired, func() error { _, err := ReclusterCandidates(cand, w, 2, 1, nil); return err }},
	} {
		if err := tc.f(); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
}
