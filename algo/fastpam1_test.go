package algo

import (
	"fmt"
	"slices"
	"testing"
)

// TestFastPAM1EqualsPAMSwap checks, on problems larger than the brute-force
// test, that FastPAM1 performs PAMSwap's swaps medoid for medoid: on
// Gaussian points (no ties) and on integer matrices (many exactly tied
// swaps, where only a shared tie rule makes them agree).
func TestFastPAM1EqualsPAMSwap(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		rng := NewRand(seed, 0x66707331)
		n, k := 80+rng.IntN(60), 2+rng.IntN(6)
		var d Dissimilarity
		kind := "gaussian"
		if seed%2 == 0 {
			kind = "integer"
			lt, err := NewLowerTriangle(n)
			if err != nil {
				t.Fatal(err)
			}
			for i := range lt.data {
				lt.data[i] = float32(rng.IntN(5))
			}
			d = lt
		} else {
			v, err := NewVectors(kmtGaussian(seed, n, 2), n, 2, Euclidean)
			if err != nil {
				t.Fatal(err)
			}
			d = v
		}
		start := kmedRandom(n, k, rng)
		name := fmt.Sprintf("seed=%d n=%d k=%d %s", seed, n, k, kind)
		swap, err := PAMSwap(d, start, 0)
		if err != nil {
			t.Fatal(err)
		}
		fast, err := FastPAM1(d, start, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(fast.Medoids, swap.Medoids) || fast.Loss != swap.Loss || fast.Swaps != swap.Swaps || fast.Iterations != swap.Iterations {
			t.Errorf("%s: FastPAM1 %v loss %v (%d swaps), PAMSwap %v loss %v (%d swaps)",
				name, fast.Medoids, fast.Loss, fast.Swaps, swap.Medoids, swap.Loss, swap.Swaps)
		}
		if swap.Swaps == 0 {
			t.Errorf("%s: no swap from a random start", name)
		}
		kmtCheckResult(t, name, d, k, fast)
	}
}
