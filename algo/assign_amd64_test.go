//go:build amd64 && !purego

package algo

import (
	"math"
	"math/big"
	"math/bits"
	"slices"
	"testing"
)

// The assembly kernels against plain loops, below the Assigner (whose
// tests run every path against a naive float64 assignment).

// TestTileAVX2MatchesLoop runs the 16-wide panels and the 8-wide last
// panel, as productsAVX2 lays them out in one output row of stride
// floats (wider than the panels, so a write past them would show), and
// compares every product with a float64 loop. Odd d covers the 8-wide
// kernel's last unpaired dimension.
func TestTileAVX2MatchesLoop(t *testing.T) {
	if !kmHaveAVX2 {
		t.Skip("no AVX2 and FMA on this CPU")
	}
	rng := NewRand(3)
	for _, sh := range []struct {
		d, panels int
		half      bool
	}{{1, 1, false}, {3, 2, false}, {8, 1, false}, {32, 7, false}, {1, 0, true}, {2, 0, true}, {5, 1, true}, {32, 6, true}, {33, 2, true}} {
		d, np := sh.d, sh.panels
		width := np * kmPanel
		if sh.half {
			width += kmHalfPanel
		}
		stride := width + 5
		x := make([]float32, kmTileRows*d) // row-major tile
		c := make([]float32, width*d)      // 16-wide panels, then the half panel
		cn := make([]float32, width)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		for i := range c {
			c[i] = float32(rng.NormFloat64())
		}
		for i := range cn {
			cn[i] = float32(rng.Float64() * 10)
		}
		out := make([]float32, kmTileRows*stride)
		for i := range out {
			out[i] = -7
		}
		full := np * kmPanel
		if np > 0 {
			kmTileAVX2(&x[0], d, &c[0], np, &cn[0], &out[0], stride)
		}
		if sh.half {
			kmTile8AVX2(&x[0], d, &c[full*d], &cn[full], &out[full], stride)
		}
		for r := range kmTileRows {
			for j := range stride {
				got := float64(out[r*stride+j])
				if j >= width {
					if got != -7 {
						t.Fatalf("d=%d panels=%d half=%v row %d: wrote %g past the panels at %d", d, np, sh.half, r, got, j)
					}
					continue
				}
				var dot float64
				for tt := range d {
					if j < full {
						p, l := j/kmPanel, j%kmPanel
						dot += float64(x[r*d+tt]) * float64(c[p*kmPanel*d+tt*kmPanel+l])
					} else {
						dot += float64(x[r*d+tt]) * float64(c[full*d+tt*kmHalfPanel+j-full])
					}
				}
				want := float64(cn[j]) - 2*dot
				if math.Abs(got-want) > 1e-5*(1+math.Abs(want)+2*float64(d)) {
					t.Fatalf("d=%d panels=%d half=%v row %d centre %d: got %g, want %g", d, np, sh.half, r, j, got, want)
				}
			}
		}
	}
}

// TestTile2AVX512MatchesAVX2 runs the 512-bit kernel on pairs of panels
// and checks it gives kmTileAVX2's bits on every product, with nothing
// written past the panels: the model must not depend on which of the
// two a CPU runs. Inputs of mixed magnitude make rounding differ if the
// order of the additions did.
func TestTile2AVX512MatchesAVX2(t *testing.T) {
	if !kmHaveAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	rng := NewRand(5)
	for _, sh := range []struct{ d, pairs int }{{1, 1}, {2, 1}, {3, 2}, {8, 1}, {17, 3}, {32, 3}, {64, 2}} {
		d, np := sh.d, 2*sh.pairs
		width := np * kmPanel
		stride := width + 7
		x := make([]float32, kmTileRows*d)
		c := make([]float32, width*d)
		cn := make([]float32, width)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3)))
		}
		for i := range c {
			c[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3)))
		}
		for i := range cn {
			cn[i] = float32(rng.Float64() * 100)
		}
		want := make([]float32, kmTileRows*stride)
		got := make([]float32, kmTileRows*stride)
		for i := range want {
			want[i], got[i] = -7, -7
		}
		kmTileAVX2(&x[0], d, &c[0], np, &cn[0], &want[0], stride)
		kmTile2AVX512(&x[0], d, &c[0], sh.pairs, &cn[0], &got[0], stride)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("d=%d pairs=%d: row %d column %d: AVX-512 %g, AVX2 %g", d, sh.pairs, i/stride, i%stride, got[i], want[i])
			}
		}
	}
}

// TestAssignWideTileSameBits runs whole assignments (labels, exact
// distances and sums) with and without the 512-bit kernel, for k that
// leave an odd full panel and a half panel, and wants the same bits.
func TestAssignWideTileSameBits(t *testing.T) {
	if !kmHaveAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	defer func(w bool) { kmTileWide = w }(kmTileWide)
	rng := NewRand(11)
	for _, sh := range []struct{ n, d, k int }{{1000, 32, 100}, {777, 8, 48}, {500, 5, 37}, {300, 16, 33}} {
		x := make([]float32, sh.n*sh.d)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		c := append([]float32(nil), x[:sh.k*sh.d]...)
		run := func(wide bool) ([]int32, []float64, *CentreSums) {
			kmTileWide = wide
			a := NewAssigner(sh.k, sh.d)
			if err := a.SetCentres(c); err != nil {
				t.Fatal(err)
			}
			labels, dist := make([]int32, sh.n), make([]float64, sh.n)
			if err := a.AssignExact(x, sh.n, labels, dist); err != nil {
				t.Fatal(err)
			}
			sums := NewCentreSums(sh.k, sh.d)
			if err := a.Accumulate(x, sh.n, nil, sums); err != nil {
				t.Fatal(err)
			}
			return labels, dist, sums
		}
		l1, d1, s1 := run(false)
		l2, d2, s2 := run(true)
		if !slices.Equal(l1, l2) || !slices.Equal(d1, d2) || !slices.Equal(s1.Sums, s2.Sums) || s1.Inertia != s2.Inertia {
			t.Errorf("n=%d d=%d k=%d: the 512-bit kernel changed the assignment", sh.n, sh.d, sh.k)
		}
	}
}

// top2Row runs kmTop2RowsAVX2 on one row.
func top2Row(v []float32) (b1, b2 float32, j1 int32) {
	kmTop2RowsAVX2(&v[0], len(v), 1, &b1, &b2, &j1)
	return b1, b2, j1
}

// TestTop2RowsAVX2 runs several rows at once, as the Assigner does (pairs
// and a last odd row), against a scalar scan of each row.
func TestTop2RowsAVX2(t *testing.T) {
	if !kmHaveAVX2 {
		t.Skip("no AVX2 and FMA on this CPU")
	}
	inf := float32(math.Inf(1))
	rng := NewRand(6)
	for trial := range 300 {
		n, rows := 8*(1+rng.IntN(16)), 1+rng.IntN(7)
		v := make([]float32, n*rows)
		for i := range v {
			v[i] = float32(rng.IntN(40)) // many ties
			if rng.IntN(50) == 0 {
				v[i] = float32(math.NaN())
			}
		}
		b1, b2, j1 := make([]float32, rows+1), make([]float32, rows+1), make([]int32, rows+1)
		b1[rows], b2[rows], j1[rows] = -7, -7, -7 // must stay
		kmTop2RowsAVX2(&v[0], n, rows, &b1[0], &b2[0], &j1[0])
		for r := range rows {
			w1, w2, wj := inf, inf, int32(0)
			for i, x := range v[r*n : (r+1)*n] {
				if x < w2 {
					if x < w1 {
						w1, w2, wj = x, w1, int32(i)
					} else {
						w2 = x
					}
				}
			}
			if b1[r] != w1 || b2[r] != w2 || j1[r] != wj {
				t.Fatalf("trial %d, row %d of %d: got (%g, %g, %d), scan (%g, %g, %d)", trial, r, rows, b1[r], b2[r], j1[r], w1, w2, wj)
			}
		}
		if b1[rows] != -7 || b2[rows] != -7 || j1[rows] != -7 {
			t.Fatalf("trial %d: wrote past %d rows", trial, rows)
		}
	}
}

func TestTop2AVX2(t *testing.T) {
	if !kmHaveAVX2 {
		t.Skip("no AVX2 and FMA on this CPU")
	}
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	seq := func(n int, f func(i int) float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = f(i)
		}
		return v
	}
	for _, tc := range []struct {
		name   string
		v      []float32
		b1, b2 float32
		j1     int32
	}{
		{"ascending", seq(16, func(i int) float32 { return float32(i) }), 0, 1, 0},
		{"descending", seq(16, func(i int) float32 { return float32(16 - i) }), 1, 2, 15},
		{"best and second in one lane", seq(24, func(i int) float32 {
			return map[int]float32{5: -3, 13: -2}[i]
		}), -3, -2, 5},
		{"tie across lanes keeps the lowest index", seq(16, func(i int) float32 {
			return map[int]float32{11: -1, 4: -1}[i]
		}), -1, -1, 4},
		{"tie within a lane keeps the first", seq(24, func(i int) float32 {
			return map[int]float32{18: -1, 2: -1}[i]
		}), -1, -1, 2},
		{"NaN is skipped", seq(8, func(i int) float32 {
			return map[int]float32{0: nan, 1: 5, 2: nan, 3: 4}[i] + 1
		}), 1, 1, 4},
		{"all NaN", seq(8, func(int) float32 { return nan }), inf, inf, 0},
		{"padding +Inf", seq(16, func(i int) float32 {
			if i >= 10 {
				return inf
			}
			return float32(10 - i)
		}), 1, 2, 9},
	} {
		b1, b2, j1 := top2Row(tc.v)
		if b1 != tc.b1 || b2 != tc.b2 || j1 != tc.j1 {
			t.Errorf("%s: got (%g, %g, %d), want (%g, %g, %d)", tc.name, b1, b2, j1, tc.b1, tc.b2, tc.j1)
		}
	}
	// Random rows against a scalar scan.
	rng := NewRand(5)
	for trial := range 500 {
		n := 8 * (1 + rng.IntN(20))
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.IntN(50)) // many ties
		}
		w1, w2, wj := inf, inf, int32(0)
		for i, x := range v {
			if x < w2 {
				if x < w1 {
					w1, w2, wj = x, w1, int32(i)
				} else {
					w2 = x
				}
			}
		}
		b1, b2, j1 := top2Row(v)
		if b1 != w1 || b2 != w2 || j1 != wj {
			t.Fatalf("trial %d: got (%g, %g, %d), scan (%g, %g, %d)", trial, b1, b2, j1, w1, w2, wj)
		}
	}
}

func TestCentreAVX2(t *testing.T) {
	if !kmHaveAVX2 {
		t.Skip("no AVX2 and FMA on this CPU")
	}
	rng := NewRand(8)
	for _, d := range []int{1, 5, 8, 9, 16, 33} {
		src, mu := make([]float32, d), make([]float32, d)
		for i := range src {
			src[i], mu[i] = float32(rng.NormFloat64()*100), float32(rng.NormFloat64()*100)
		}
		dst := make([]float32, d+1) // one past the end must stay untouched
		dst[d] = 42
		norm := kmCentreAVX2(&dst[0], &src[0], &mu[0], d, &src[0])
		var want float64
		for i := range d {
			if dst[i] != src[i]-mu[i] {
				t.Fatalf("d=%d: dst[%d] = %g, want %g", d, i, dst[i], src[i]-mu[i])
			}
			want += float64(dst[i]) * float64(dst[i])
		}
		if dst[d] != 42 {
			t.Fatalf("d=%d: wrote past the end", d)
		}
		if math.Abs(float64(norm)-want) > 1e-5*want {
			t.Errorf("d=%d: norm %g, want %g", d, norm, want)
		}
	}
}

// BenchmarkKMeansPlusPlus seeds k=100 centres on 3072 rows of d=32, as
// the coordinator does for each of its trials, with the distance loop in
// assembly and in Go.
func BenchmarkKMeansPlusPlus(b *testing.B) {
	const n, d, k = 3072, 32, 100
	x, _ := benchInput(n, d, k)
	for _, p := range []struct {
		name string
		avx2 bool
	}{{"go", false}, {"avx2", kmHaveAVX2}} {
		b.Run("impl="+p.name, func(b *testing.B) {
			defer func(v bool) { kmHaveAVX2 = v }(kmHaveAVX2)
			kmHaveAVX2 = p.avx2
			var c []float32
			for b.Loop() {
				var err error
				if c, err = KMeansPlusPlus(x, n, d, k, nil, 0, NewRand(1)); err != nil {
					b.Fatal(err)
				}
			}
			_ = c
		})
	}
}

// TestDist64 checks kmDist64 against the reference order, and the AVX2
// lane sums, finished the same way, and the AVX2 kernel on float64
// centres, bit for bit, for every d up to 40.
func TestDist64(t *testing.T) {
	rng := NewRand(6)
	for d := 1; d <= 40; d++ {
		x, c := make([]float32, 4*d), make([]float32, 4*d)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(8)-4)))
			c[i] = float32(rng.NormFloat64())
		}
		for r := range 4 {
			xr, cr := x[r*d:(r+1)*d], c[r*d:(r+1)*d]
			if got, want := kmDist64(xr, cr), naiveDist(xr, cr); math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("d=%d row %d: kmDist64 %v, reference %v", d, r, got, want)
			}
		}
		if !kmHaveAVX2 || d < 4 {
			continue
		}
		var lanes [16]float64
		kmDist64x4AVX2(&x[0], &x[d], &x[2*d], &x[3*d], &c[0], &c[d], &c[2*d], &c[3*d], d&^3, &lanes)
		for r := range 4 {
			xr, cr := x[r*d:(r+1)*d], c[r*d:(r+1)*d]
			if got, want := kmDist64Finish(lanes[4*r:4*r+4], xr, cr), kmDist64(xr, cr); math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("d=%d row %d: AVX2 %v, kmDist64 %v", d, r, got, want)
			}
		}
		if d%4 != 0 {
			continue
		}
		c64 := make([]float64, len(c))
		for i, v := range c {
			c64[i] = float64(v)
		}
		var out [4]float64
		kmDist64x4C64AVX2(&x[0], &x[d], &x[2*d], &x[3*d], &c64[0], &c64[d], &c64[2*d], &c64[3*d], d, &out)
		for r := range 4 {
			if got, want := out[r], kmDist64(x[r*d:(r+1)*d], c[r*d:(r+1)*d]); math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("d=%d row %d: AVX2 with float64 centres %v, kmDist64 %v", d, r, got, want)
			}
		}
	}
}

// TestTrialPotentialAVX2: the AVX2 loop gives kmTrialPotential's trial
// values and sum bit for bit, weighted or not, ties and zero potentials
// included, for lengths on and off a multiple of four.
func TestTrialPotentialAVX2(t *testing.T) {
	if !kmHaveAVX2 {
		t.Skip("no AVX2 and FMA on this CPU")
	}
	rng := NewRand(8)
	for _, n := range []int{1, 3, 4, 5, 8, 31, 100, 1027} {
		pot, dist, w := make([]float64, n), make([]float32, n), make([]float64, n)
		for i := range n {
			dist[i] = float32(rng.ExpFloat64() * math.Pow(10, float64(rng.IntN(6)-3)))
			w[i] = float64(rng.IntN(3))
			switch rng.IntN(4) {
			case 0:
				pot[i] = 0
			case 1:
				pot[i] = float64(dist[i]) // a tie
			default:
				pot[i] = rng.ExpFloat64()
			}
		}
		for _, weights := range [][]float64{nil, w} {
			got, want := make([]float64, n), make([]float64, n)
			sGot := kmTrialPotential(pot, dist, weights, got)
			kmHaveAVX2 = false
			sWant := kmTrialPotential(pot, dist, weights, want)
			kmHaveAVX2 = true
			if math.Float64bits(sGot) != math.Float64bits(sWant) || !slices.Equal(got, want) {
				t.Errorf("n=%d weighted=%v: sum %v against %v, or trial values differ", n, weights != nil, sGot, sWant)
			}
		}
	}
}

// TestDistRows4AVX2 checks the four-row routine against the one-row
// routine bit for bit, on every d it accepts up to 72, with values of
// mixed scale so that summation order would show.
func TestDistRows4AVX2(t *testing.T) {
	if !kmHaveAVX2 {
		t.Skip("no AVX2 and FMA on this CPU")
	}
	rng := NewRand(5)
	for d := 8; d <= 72; d += 8 {
		for _, n := range []int{4, 8, 20} {
			x, c := make([]float32, n*d), make([]float32, d)
			for i := range x {
				x[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(6)-3)))
			}
			for i := range c {
				c[i] = float32(rng.NormFloat64())
			}
			got, want := make([]float32, n+1), make([]float32, n)
			got[n] = 42
			kmDistRows4AVX2(&x[0], n, d, &c[0], &got[0])
			kmDistRowsAVX2(&x[0], n, d, &c[0], &want[0])
			for i := range n {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Errorf("d=%d n=%d row %d: %g, one-row routine %g", d, n, i, got[i], want[i])
				}
			}
			if got[n] != 42 {
				t.Errorf("d=%d n=%d: wrote past the end", d, n)
			}
		}
	}
}

func TestDistRowsAVX2(t *testing.T) {
	if !kmHaveAVX2 {
		t.Skip("no AVX2 and FMA on this CPU")
	}
	rng := NewRand(4)
	for _, d := range []int{1, 7, 8, 15, 16, 17, 24, 33} {
		const n = 5
		x, c := make([]float32, n*d), make([]float32, d)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		for i := range c {
			c[i] = float32(rng.NormFloat64())
		}
		out := make([]float32, n+1)
		out[n] = 42
		kmDistRowsAVX2(&x[0], n, d, &c[0], &out[0])
		for i := range n {
			want := kmDist64(x[i*d:(i+1)*d], c)
			if math.Abs(float64(out[i])-want) > 1e-5*want {
				t.Errorf("d=%d row %d: %g, want %g", d, i, out[i], want)
			}
		}
		if out[n] != 42 {
			t.Errorf("d=%d: wrote past the end", d)
		}
	}
}

// TestAddRowAVX2 checks CentreSums' row add, through the assembly, bit for
// bit against the product-then-sum loop, for every d up to 41 and weights
// of 1, 0 and awkward fractions.
func TestAddRowAVX2(t *testing.T) {
	if !kmHaveAVX2 {
		t.Skip("no AVX2 and FMA on this CPU")
	}
	rng := NewRand(9)
	for d := 1; d <= 41; d++ {
		for _, w := range []float64{1, 0, 0.1, 3.7e-5, 12345.678} {
			const k, j = 3, 1
			s := NewCentreSums(k, d)
			x := make([]float32, d)
			for i := range s.Sums {
				s.Sums[i] = rng.NormFloat64() * 1e3
			}
			for i := range x {
				x[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3)))
			}
			want := slices.Clone(s.Sums)
			for i, v := range x {
				p := w * float64(v)
				want[j*d+i] += p
			}
			s.add(x, j, w, 2)
			for i := range want {
				if math.Float64bits(s.Sums[i]) != math.Float64bits(want[i]) {
					t.Fatalf("d=%d w=%v: sum %d is %v, want %v", d, w, i, s.Sums[i], want[i])
				}
			}
			if s.Weights[j] != w || s.Counts[j] != 1 || s.Inertia != 2*w {
				t.Fatalf("d=%d w=%v: weight %v count %d inertia %v", d, w, s.Weights[j], s.Counts[j], s.Inertia)
			}
		}
	}
}

// TestTriRowL2AVX2: the kernel gives float32 of metricSqL2 (and of its
// square root) bit for bit, for values spread over eight orders of
// magnitude, d and the number of points multiples of four.
func TestTriRowL2AVX2(t *testing.T) {
	if !kmHaveAVX2 {
		t.Skip("no AVX2")
	}
	rng := NewRand(7)
	for _, d := range []int{4, 8, 12, 64} {
		const m = 12
		x := make([]float32, (m+1)*d)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(8)-4)))
		}
		f := make([]float64, len(x))
		for i, v := range x {
			f[i] = float64(v)
		}
		for _, root := range []bool{false, true} {
			out := make([]float32, m)
			kmTriRowL2AVX2(&f[0], &f[d], d, m, root, &out[0])
			for j := range m {
				s := metricSqL2(x[:d], x[(j+1)*d:(j+2)*d])
				if root {
					s = math.Sqrt(s)
				}
				if want := float32(s); math.Float32bits(out[j]) != math.Float32bits(want) {
					t.Errorf("d=%d root=%v point %d: kernel %v, metricSqL2 %v", d, root, j, out[j], want)
				}
			}
		}
	}
}

// TestSwapGainAVX2: the kernel gives bestSwapInto's loop bit for bit (the
// shared gain and every slot's loss), with values equal to nd or sd, for
// groups with no, some and all objects below their second nearest.
func TestSwapGainAVX2(t *testing.T) {
	if !kmHaveAVX2 {
		t.Skip("no AVX2")
	}
	rng := NewRand(8)
	const n, k = 8 * 40, 7
	near := make([]kmedNear, n)
	sd := make([]float32, n)
	row := make([]float32, n)
	for o := range near {
		a, b := float32(rng.ExpFloat64()), float32(rng.ExpFloat64())
		near[o] = kmedNear{ni: int32(rng.IntN(k)), nd: min(a, b), si: -1, sd: max(a, b)}
		sd[o] = near[o].sd
		switch g := o / 8; {
		case g%5 == 0:
			row[o] = near[o].sd + 1 // a group without hits
		case rng.IntN(6) == 0:
			row[o] = near[o].nd
		case rng.IntN(6) == 0:
			row[o] = near[o].sd
		default:
			row[o] = float32(rng.ExpFloat64())
		}
	}
	removal := make([]float64, k)
	for i := range removal {
		removal[i] = rng.Float64()
	}
	want := slices.Clone(removal)
	var wantAcc float64
	for o, v := range row {
		nr := near[o]
		if v < nr.nd {
			wantAcc += float64(v) - float64(nr.nd)
			want[nr.ni] += float64(nr.nd) - float64(nr.sd)
		} else if v < nr.sd {
			want[nr.ni] += float64(v) - float64(nr.sd)
		}
	}
	got := slices.Clone(removal)
	acc := kmSwapGainAVX2(&row[0], &sd[0], &near[0], n, &got[0])
	if math.Float64bits(acc) != math.Float64bits(wantAcc) {
		t.Errorf("gain %v, Go loop %v", acc, wantAcc)
	}
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Errorf("slot %d: loss %v, Go loop %v", i, got[i], want[i])
		}
	}
}

// TestTriRowL2AVX512: the 512-bit kernel on paired points gives float32
// of metricSqL2 (and of its square root) bit for bit, for values spread
// over eight orders of magnitude.
func TestTriRowL2AVX512(t *testing.T) {
	if !kmHaveAVX512 {
		t.Skip("no AVX-512")
	}
	rng := NewRand(9)
	for _, d := range []int{4, 8, 12, 64} {
		const m = 16
		x := make([]float32, (m+1)*d)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(8)-4)))
		}
		a := make([]float64, d)
		for i := range a {
			a[i] = float64(x[m*d+i])
		}
		pairs := kmPairPoints(x[:m*d], m, d)
		for _, root := range []bool{false, true} {
			out := make([]float32, m)
			kmTriRowL2AVX512(&a[0], &pairs[0], d, m, root, &out[0])
			for j := range m {
				s := metricSqL2(x[m*d:], x[j*d:(j+1)*d])
				if root {
					s = math.Sqrt(s)
				}
				if want := float32(s); math.Float32bits(out[j]) != math.Float32bits(want) {
					t.Errorf("d=%d root=%v point %d: kernel %v, metricSqL2 %v", d, root, j, out[j], want)
				}
			}
		}
	}
}

// fma32 is the float32 a·b + c rounded once, as VFMADD231PS computes it:
// the exact value in a big.Float, then rounded to the nearest float32.
func fma32(a, b, c float32) float32 {
	var p, s big.Float
	p.SetPrec(200).Mul(big.NewFloat(float64(a)), big.NewFloat(float64(b)))
	s.SetPrec(200).Add(&p, big.NewFloat(float64(c)))
	f, _ := s.Float32()
	return f
}

// TestCandDistKernels runs kmCandidates.distances with the 512-bit and
// the 256-bit kernel and checks every distance, bit for bit, against one
// correctly rounded FMA chain per row over the dimensions in order, and
// the padding rows and the output beyond the candidates untouched where
// the caller reads. Odd counts of candidates reuse the last one.
func TestCandDistKernels(t *testing.T) {
	if !kmHaveAVX2 {
		t.Skip("no AVX2 and FMA on this CPU")
	}
	rng := NewRand(8)
	for _, n := range []int{1, 63, 64, 65, 200} {
		for _, d := range []int{1, 3, 16, 33} {
			for _, m := range []int{1, 2, 5, 6} {
				x := make([]float32, n*d)
				for i := range x {
					x[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(5)-2)))
				}
				want := make([]float32, m*n)
				cands := make([]int, m)
				for j := range cands {
					cands[j] = rng.IntN(n)
					c := x[cands[j]*d : (cands[j]+1)*d]
					for i := range n {
						var s float32
						for k, v := range x[i*d : (i+1)*d] {
							e := v - c[k]
							s = fma32(e, e, s)
						}
						want[j*n+i] = s
					}
				}
				for _, wide := range []bool{false, true} {
					if wide && !kmHaveAVX512 {
						continue
					}
					func() {
						defer func(v bool) { kmHaveAVX512 = v }(kmHaveAVX512)
						kmHaveAVX512 = wide
						cd := newKMTransposed(x, n, d).candidates(d, m)
						copy(cd.cands, cands)
						cd.distances(x, d)
						for j := range m {
							for i := range n {
								got := cd.out[j*cd.np+i]
								if math.Float32bits(got) != math.Float32bits(want[j*n+i]) {
									t.Fatalf("n=%d d=%d m=%d wide=%v: candidate %d row %d: %g, want %g", n, d, m, wide, j, i, got, want[j*n+i])
								}
							}
						}
					}()
				}
			}
		}
	}
}

// kmGuessRowsAVX2 must name, for every row, a column whose value is the
// row's smallest once the low bits are set aside: on values that differ
// above those bits it is the scan's column exactly, on near ties one
// within the bits' rounding of the smallest. NaN never wins while the
// row has a number; a row without one gives a column below the power of
// two. Rows are run several at a time, as the screen does, over widths
// that use the 32-value chunks, the 8-value tail and both.
func TestGuessRowsAVX2(t *testing.T) {
	if !kmHaveAVX2 {
		t.Skip("no AVX2 and FMA on this CPU")
	}
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	rng := NewRand(8)
	for trial := range 2000 {
		n, rows := 8*(1+rng.IntN(40)), 1+rng.IntN(6)
		b := bits.Len(uint(n - 1))
		keep := ^int32(1<<b - 1)
		cols := make([]int32, n)
		for j := range cols {
			cols[j] = int32(j)
		}
		v := make([]float32, n*rows)
		kind := trial % 4
		for i := range v {
			switch kind {
			case 0: // distinct above the low bits: exact
				v[i] = float32(rng.IntN(1<<16)-1<<15) * 0.37
			case 1: // near ties
				v[i] = float32(-100 + rng.Float64()*1e-3)
			case 2: // mixed signs, NaN and +Inf among them
				v[i] = float32(rng.NormFloat64() * 1e3)
				switch rng.IntN(10) {
				case 0:
					v[i] = nan
				case 1:
					v[i] = inf
				}
			case 3: // whole rows without a number, now and then
				v[i] = float32(rng.NormFloat64())
				if i/n%2 == 0 {
					v[i] = []float32{nan, inf}[rng.IntN(2)]
				}
			}
		}
		if kind == 0 { // make each row's minimum unique
			for r := range rows {
				v[r*n+rng.IntN(n)] = -1e9 - float32(r)
			}
		}
		j1 := make([]int32, rows+1)
		j1[rows] = -7 // must stay
		kmGuessRowsAVX2(&v[0], n, rows, &cols[0], keep, &j1[0])
		if j1[rows] != -7 {
			t.Fatalf("trial %d: wrote past %d rows", trial, rows)
		}
		for r := range rows {
			row := v[r*n : (r+1)*n]
			best, bj := inf, -1
			for j, x := range row {
				if x < best {
					best, bj = x, j
				}
			}
			got := j1[r]
			if got < 0 || got >= 1<<b {
				t.Fatalf("trial %d row %d: column %d outside [0, %d)", trial, r, got, 1<<b)
			}
			switch {
			case bj < 0: // no finite number: any column will do
			case kind == 0:
				if int(got) != bj {
					t.Fatalf("trial %d row %d: column %d (%g), scan %d (%g)", trial, r, got, row[got], bj, best)
				}
			default:
				tol := math.Abs(float64(best)) * math.Ldexp(1, b-22)
				if int(got) >= n || math.Abs(float64(row[got])-float64(best)) > tol {
					t.Fatalf("trial %d row %d: column %d, value %g; smallest %g at %d (tolerance %g)", trial, r, got, row[min(int(got), n-1)], best, bj, tol)
				}
			}
		}
	}
}
