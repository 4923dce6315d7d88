package partition

import (
	"math"
	"math/rand/v2"
	"testing"
)

// maxAbsBitsRef is maxAbsBitsAVX2 one value at a time.
func maxAbsBitsRef(v []float32) uint32 {
	var m uint32
	for _, x := range v {
		m = max(m, math.Float32bits(x)&0x7fffffff)
	}
	return m
}

// beyondRef is beyond one value at a time.
func beyondRef(v []float32, lim float32) int {
	for i, x := range v {
		if x > lim || x < -lim {
			return i
		}
	}
	return -1
}

// TestMaxAbsBits: the vector maximum equals the plain one on every
// length around the loops' steps, with special values anywhere, and
// beyond finds the first value past the limit as the plain loop does.
func TestMaxAbsBits(t *testing.T) {
	if !haveMaxAbs {
		t.Skip("no AVX2 here")
	}
	rng := rand.New(rand.NewPCG(4, 2))
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-45, -1e-45, float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), math.MaxFloat32, -math.MaxFloat32, 3e17, -3e17}
	for n := range 100 {
		for trial := range 20 {
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(rng.NormFloat64() * 100)
			}
			if n > 0 && trial > 0 {
				v[rng.IntN(n)] = special[trial%len(special)]
			}
			if got, want := maxAbsBitsAVX2(v), maxAbsBitsRef(v); got != want {
				t.Fatalf("n=%d trial %d: %#x, want %#x", n, trial, got, want)
			}
			for _, lim := range []float32{50, 1e3, 1e17} {
				if got, want := beyond(v, lim), beyondRef(v, lim); got != want {
					t.Fatalf("n=%d trial %d limit %g: beyond %d, want %d", n, trial, lim, got, want)
				}
			}
		}
	}
}

func BenchmarkBeyond(b *testing.B) {
	v := make([]float32, 65536)
	for i := range v {
		v[i] = float32(i%1000) - 500
	}
	b.SetBytes(int64(4 * len(v)))
	for b.Loop() {
		if beyond(v, 1e6) >= 0 {
			b.Fatal("found a value beyond")
		}
	}
}
