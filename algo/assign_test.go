package algo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveDist is the reference distance Σ(x_t − c_t)² in float64, in the
// documented order of kmDist64: four lanes by t mod 4, each in increasing
// t, then (lane 0 + lane 1) + (lane 2 + lane 3).
func naiveDist(x, c []float32) float64 {
	var lane [4]float64
	for t := range x {
		e := float64(x[t]) - float64(c[t])
		lane[t%4] += float64(e * e)
	}
	return (lane[0] + lane[1]) + (lane[2] + lane[3])
}

// naiveAssign is the reference: every distance by naiveDist, strict < so
// the lowest index wins ties.
func naiveAssign(x []float32, n, d int, c []float32, k int) ([]int32, []float64, [][]float64) {
	labels := make([]int32, n)
	best := make([]float64, n)
	all := make([][]float64, n)
	for i := 0; i < n; i++ {
		all[i] = make([]float64, k)
		best[i] = math.Inf(1)
		for j := 0; j < k; j++ {
			s := naiveDist(x[i*d:(i+1)*d], c[j*d:(j+1)*d])
			all[i][j] = s
			if s < best[i] {
				best[i], labels[i] = s, int32(j)
			}
		}
	}
	return labels, best, all
}

// blobData draws n rows around k random centres (spread 1, centres spread
// `sep`) shifted by `offset` in every dimension, and returns the rows and
// k centres drawn near (not on) the blob centres.
func blobData(rng *rand.Rand, n, d, k int, sep, offset float64) ([]float32, []float32) {
	mid := make([]float64, k*d)
	for i := range mid {
		mid[i] = sep * rng.NormFloat64()
	}
	x := make([]float32, n*d)
	for i := 0; i < n; i++ {
		b := rng.IntN(k)
		for t := 0; t < d; t++ {
			x[i*d+t] = float32(offset + mid[b*d+t] + rng.NormFloat64())
		}
	}
	c := make([]float32, k*d)
	for i := range c {
		c[i] = float32(offset + mid[i] + 0.3*rng.NormFloat64())
	}
	return x, c
}

// allPaths are the product kernels an Assigner can use; tests run each.
var allPaths = []struct {
	name string
	path kmPath
}{{"panels", kmPathPanels}, {"gemm-rows", kmPathGemmRows}, {"gemm-cols", kmPathGemmCols}}

func init() {
	if kmHaveAVX2 {
		allPaths = append(allPaths, struct {
			name string
			path kmPath
		}{"avx2", kmPathAVX2})
	}
}

// assignWith labels the n rows of x with the kernel of path.
func assignWith(t testing.TB, path kmPath, x []float32, n, d int, c []float32, k int) ([]int32, []float32) {
	t.Helper()
	a := newAssigner(k, d, path)
	if err := a.SetCentres(c); err != nil {
		t.Fatal(err)
	}
	labels, dist := make([]int32, n), make([]float32, n)
	if err := a.Assign(x, n, labels, dist); err != nil {
		t.Fatal(err)
	}
	return labels, dist
}

// nearTie reports whether the naive distances of labels a and b are within
// 1e-4 relative of each other: there the float32 answer may legitimately
// differ from the float64 one.
func nearTie(all []float64, a, b int32) bool {
	da, db := all[a], all[b]
	return math.Abs(da-db) <= 1e-4*math.Max(da, db)
}

func TestAssignMatchesNaive(t *testing.T) {
	cases := []struct {
		n, d, k     int
		sep, offset float64
	}{
		{1, 1, 1, 3, 0},
		{7, 1, 3, 3, 0},
		{100, 2, 1, 3, 0},
		{130, 3, 5, 3, 0},
		{257, 8, 10, 3, 0},
		{65, 16, 31, 2, 0},
		{300, 32, 100, 2, 0},
		{200, 5, 33, 3, 0},
		{70, 7, 129, 3, 0},
		{1000, 1, 7, 5, 0},
		// Far from the origin: ‖x‖² + ‖c‖² − 2x·c cancels in float32.
		{500, 8, 10, 3, 1e3},
		{500, 32, 100, 1, 1e4},
		{300, 4, 40, 0.5, 3e4},
		{64, 2, 2, 1, -5e4},
	}
	for ci, tc := range cases {
		name := fmt.Sprintf("n=%d/d=%d/k=%d/sep=%g/offset=%g", tc.n, tc.d, tc.k, tc.sep, tc.offset)
		t.Run(name, func(t *testing.T) {
			seed := uint64(1000 + ci)
			rng := NewRand(seed)
			x, c := blobData(rng, tc.n, tc.d, tc.k, tc.sep, tc.offset)
			want, wantD, all := naiveAssign(x, tc.n, tc.d, c, tc.k)

			for _, p := range allPaths {
				labels, dist := assignWith(t, p.path, x, tc.n, tc.d, c, tc.k)
				checkAgainstNaive(t, fmt.Sprintf("seed %d %s", seed, p.name), labels, dist, want, wantD, all)
			}
		})
	}
}

func checkAgainstNaive(t *testing.T, what string, labels []int32, dist []float32, want []int32, wantD []float64, all [][]float64) {
	t.Helper()
	k := len(all[0])
	ties, wrong := 0, 0
	for i := range labels {
		if labels[i] < 0 || int(labels[i]) >= k {
			t.Fatalf("%s row %d: label %d out of range", what, i, labels[i])
		}
		if labels[i] != want[i] {
			if nearTie(all[i], labels[i], want[i]) {
				ties++
			} else {
				wrong++
				if wrong < 5 {
					t.Errorf("%s row %d: label %d (d²=%g), naive %d (d²=%g)",
						what, i, labels[i], all[i][labels[i]], want[i], wantD[i])
				}
			}
		}
		got := float64(dist[i])
		ref := all[i][labels[i]]
		if !(got >= 0) || math.Abs(got-ref) > 1e-6*ref+1e-30 {
			t.Errorf("%s row %d: dist2 %g, naive %g", what, i, got, ref)
		}
	}
	if wrong > 0 {
		t.Errorf("%s: %d of %d labels differ from the naive loop outside near ties", what, wrong, len(labels))
	}
	if ties > 0 {
		t.Logf("%s: %d near ties decided differently (allowed)", what, ties)
	}
}

// TestAssignOffsetStressesCancellation shows that the offset cases above
// really are hard: the plain float32 expansion, without centring or
// rescoring, gets labels wrong on them.
func TestAssignOffsetStressesCancellation(t *testing.T) {
	const n, d, k = 500, 32, 100
	rng := NewRand(7)
	x, c := blobData(rng, n, d, k, 1, 1e4)
	want, _, all := naiveAssign(x, n, d, c, k)
	wrong := 0
	for i := 0; i < n; i++ {
		var xn float32
		for t := 0; t < d; t++ {
			xn += x[i*d+t] * x[i*d+t]
		}
		best, bj := float32(math.Inf(1)), int32(0)
		for j := 0; j < k; j++ {
			var cn, dot float32
			for t := 0; t < d; t++ {
				cn += c[j*d+t] * c[j*d+t]
				dot += x[i*d+t] * c[j*d+t]
			}
			if v := xn + cn - 2*dot; v < best {
				best, bj = v, int32(j)
			}
		}
		if bj != want[i] && !nearTie(all[i], bj, want[i]) {
			wrong++
		}
	}
	if wrong < n/10 {
		t.Fatalf("plain float32 expansion got only %d of %d labels wrong; the offset test data is too easy", wrong, n)
	}
	t.Logf("plain float32 expansion: %d of %d labels wrong", wrong, n)
}

// TestAssignExactTies puts rows exactly on the bisector of two centres and
// duplicates a centre: the lowest index must win, with the exact distance.
func TestAssignExactTies(t *testing.T) {
	for _, off := range []float32{0, 1024, -65536} {
		t.Run(fmt.Sprintf("offset=%g", off), func(t *testing.T) {
			// Centres: 0 and 2 are identical, 1 is at +2 on the first axis.
			c := []float32{off - 1, off, off + 1, off, off - 1, off}
			x := []float32{
				off, off + 5, // on the bisector of centres 0/2 and 1: d² = 1 + 25
				off, off - 3, // same, d² = 1 + 9
				off - 1, off, // on centres 0 and 2: d² = 0
				off + 1, off + 0.5, // nearest is 1: d² = 0.25
			}
			wantL := []int32{0, 0, 0, 1}
			wantD := []float32{26, 10, 0, 0.25}
			for _, k := range []int{3, 33} { // one and two Gemm chunks
				cc := c
				if k == 33 { // pad with far centres
					cc = append([]float32(nil), c...)
					for j := 3; j < k; j++ {
						cc = append(cc, off+float32(100*j), off-float32(50*j))
					}
				}
				for _, p := range allPaths {
					a := newAssigner(k, 2, p.path)
					if err := a.SetCentres(cc); err != nil {
						t.Fatal(err)
					}
					labels := make([]int32, 4)
					dist := make([]float32, 4)
					if err := a.Assign(x, 4, labels, dist); err != nil {
						t.Fatal(err)
					}
					for i := range wantL {
						if labels[i] != wantL[i] || dist[i] != wantD[i] {
							t.Errorf("%s k=%d row %d: got (%d, %g), want (%d, %g)", p.name, k, i, labels[i], dist[i], wantL[i], wantD[i])
						}
					}
				}
			}
		})
	}
}

// naiveSums accumulates by hand from naive labels, in row order.
func naiveSums(x []float32, rows []int, d, k int, w []float32, labels []int32, dist []float64) *CentreSums {
	s := &CentreSums{K: k, D: d, Sums: make([]float64, k*d), Weights: make([]float64, k),
		Counts: make([]int64, k), Inertias: make([]float64, k)}
	for _, i := range rows {
		wi := 1.0
		if w != nil {
			wi = float64(w[i])
		}
		j := int(labels[i])
		for t := 0; t < d; t++ {
			s.Sums[j*d+t] += wi * float64(x[i*d+t])
		}
		s.Weights[j] += wi
		s.Counts[j]++
		s.Inertias[j] += wi * dist[i]
		s.Inertia += wi * dist[i]
		s.Rows++
	}
	return s
}

func sameSums(t *testing.T, what string, got, want *CentreSums) {
	t.Helper()
	eq := func(a, b []float64) bool {
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return len(a) == len(b)
	}
	ok := got.K == want.K && got.D == want.D && eq(got.Sums, want.Sums) && eq(got.Weights, want.Weights) &&
		eq(got.Inertias, want.Inertias) && got.Inertia == want.Inertia && got.Rows == want.Rows
	for i := range want.Counts {
		ok = ok && got.Counts[i] == want.Counts[i]
	}
	if !ok {
		t.Errorf("%s: sums differ\ngot  %+v\nwant %+v", what, got, want)
	}
}

func TestAccumulateMatchesNaive(t *testing.T) {
	for _, tc := range []struct{ n, d, k int }{{1, 1, 1}, {131, 3, 4}, {200, 6, 40}} {
		for _, weighted := range []bool{false, true} {
			name := fmt.Sprintf("n=%d/d=%d/k=%d/weighted=%v", tc.n, tc.d, tc.k, weighted)
			t.Run(name, func(t *testing.T) {
				rng := NewRand(42, uint64(tc.n))
				x, c := blobData(rng, tc.n, tc.d, tc.k, 4, 10)
				var w []float32
				if weighted {
					w = make([]float32, tc.n)
					for i := range w {
						w[i] = float32(rng.IntN(4)) * 0.5 // includes zero weights
					}
				}
				labels, dist, _ := naiveAssign(x, tc.n, tc.d, c, tc.k)
				all := make([]int, tc.n)
				for i := range all {
					all[i] = i
				}
				// A mini-batch with repeats, in a scrambled order.
				rows := make([]int32, 3*tc.n/2+1)
				irows := make([]int, len(rows))
				for i := range rows {
					rows[i] = int32(rng.IntN(tc.n))
					irows[i] = int(rows[i])
				}
				for _, p := range allPaths {
					a := newAssigner(tc.k, tc.d, p.path)
					if err := a.SetCentres(c); err != nil {
						t.Fatal(err)
					}
					s := NewCentreSums(tc.k, tc.d)
					if err := a.Accumulate(x, tc.n, w, s); err != nil {
						t.Fatal(err)
					}
					sameSums(t, p.name+" Accumulate", s, naiveSums(x, all, tc.d, tc.k, w, labels, dist))
					s2 := NewCentreSums(tc.k, tc.d)
					if err := a.AccumulateRows(x, rows, w, s2); err != nil {
						t.Fatal(err)
					}
					sameSums(t, p.name+" AccumulateRows", s2, naiveSums(x, irows, tc.d, tc.k, w, labels, dist))
				}
			})
		}
	}
}

func TestAssignDoesNotAllocate(t *testing.T) {
	for _, p := range allPaths {
		const n, d, k = 300, 8, 70
		x, c := blobData(NewRand(3), n, d, k, 3, 0)
		a := newAssigner(k, d, p.path)
		if err := a.SetCentres(c); err != nil {
			t.Fatal(err)
		}
		labels := make([]int32, n)
		dist := make([]float32, n)
		s := NewCentreSums(k, d)
		rows := []int32{5, 1, 299, 7}
		allocs := testing.AllocsPerRun(10, func() {
			_ = a.SetCentres(c)
			_ = a.Assign(x, n, labels, dist)
			_ = a.Accumulate(x, n, nil, s)
			_ = a.AccumulateRows(x, rows, nil, s)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per run, want 0", p.name, allocs)
		}
	}
}

func TestAssignerErrors(t *testing.T) {
	a := NewAssigner(2, 2)
	lab, dist := make([]int32, 1), make([]float32, 1)
	if err := a.Assign([]float32{1, 2}, 1, lab, dist); !errors.Is(err, ErrShape) {
		t.Errorf("centres not set: %v", err)
	}
	if err := a.SetCentres([]float32{1, 2, 3}); !errors.Is(err, ErrShape) {
		t.Errorf("short centres: %v", err)
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if err := a.SetCentres([]float32{1, 2, float32(bad), 3}); !errors.Is(err, ErrNotFinite) {
			t.Errorf("%v in a centre: %v", bad, err)
		}
	}
	if err := a.SetCentres([]float32{1, math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32}); err != nil {
		t.Errorf("finite extremes refused: %v", err)
	}
	if err := a.SetCentres([]float32{0, 0, 1, 1}); err != nil {
		t.Fatal(err)
	}
	if err := a.Assign([]float32{1, 2, 3}, 1, lab, dist); !errors.Is(err, ErrShape) {
		t.Errorf("x length: %v", err)
	}
	if err := a.Assign([]float32{1, 2}, 1, lab, nil); !errors.Is(err, ErrShape) {
		t.Errorf("dist length: %v", err)
	}
	s := NewCentreSums(2, 2)
	if err := a.Accumulate([]float32{1, 2}, 1, []float32{-1}, s); !errors.Is(err, ErrBadWeight) {
		t.Errorf("negative weight: %v", err)
	}
	if err := a.Accumulate([]float32{1, 2}, 1, []float32{float32(math.Inf(1))}, s); !errors.Is(err, ErrBadWeight) {
		t.Errorf("infinite weight: %v", err)
	}
	if err := a.Accumulate([]float32{1, 2}, 1, nil, NewCentreSums(3, 2)); !errors.Is(err, ErrShape) {
		t.Errorf("sums shape: %v", err)
	}
	if err := a.AccumulateRows([]float32{1, 2}, []int32{1}, nil, s); !errors.Is(err, ErrShape) {
		t.Errorf("row out of range: %v", err)
	}
	if s.Rows != 0 {
		t.Errorf("failed calls changed the sums: %+v", s)
	}
	if err := NewAssigner(0, 2).SetCentres(nil); !errors.Is(err, ErrInvalidK) {
		t.Errorf("k=0: %v", err)
	}
	if err := NewAssigner(2, 0).Assign(nil, 0, nil, nil); !errors.Is(err, ErrShape) {
		t.Errorf("d=0: %v", err)
	}
}

// TestAssignRescoresNearTies builds rows that the float32 expansion cannot
// separate: a hair's breadth off the bisector of two centres, far out
// along the bisector. Exact rescoring must still find the naive label.
func TestAssignRescoresNearTies(t *testing.T) {
	const off = 1e4
	const n, d = 400, 2
	rng := NewRand(11)
	for _, k := range []int{2, 40} {
		c := []float32{off - 1, off, off + 1, off}
		for j := 2; j < k; j++ {
			c = append(c, off+float32(1e5+j), off)
		}
		x := make([]float32, 0, n*d)
		for i := 0; i < n; i++ {
			// ulp(1e4) = 2⁻¹⁰: the offsets below are exact in float32.
			dx := float32(rng.IntN(5)-2) / 1024
			y := float32(rng.IntN(4000) - 2000)
			x = append(x, off+dx, off+y)
		}
		want, _, all := naiveAssign(x, n, d, c, k)
		for _, p := range allPaths {
			a := newAssigner(k, d, p.path)
			if err := a.SetCentres(c); err != nil {
				t.Fatal(err)
			}
			labels := make([]int32, n)
			dist := make([]float32, n)
			if err := a.Assign(x, n, labels, dist); err != nil {
				t.Fatal(err)
			}
			for i := range labels {
				if labels[i] != want[i] || float64(dist[i]) != float64(float32(all[i][want[i]])) {
					t.Errorf("%s k=%d row %d (%g, %g): got (%d, %g), naive (%d, %g)",
						p.name, k, i, x[2*i], x[2*i+1], labels[i], dist[i], want[i], all[i][want[i]])
				}
			}
			if a.rescored == 0 {
				t.Errorf("%s k=%d: no row was rescored; the test does not reach the near-tie path", p.name, k)
			}
			t.Logf("%s k=%d: %d of %d rows rescored", p.name, k, a.rescored, n)
		}
	}
}

// FuzzAssignMatchesNaive runs every kernel on generated shapes (k up to
// 40, d up to 40, rows in and across blocks, data near and far from the
// origin) against the naive float64 assignment: the assembly kernel's
// panel, tile and remainder handling are where a shape bug would hide.
func FuzzAssignMatchesNaive(f *testing.F) {
	f.Add(uint64(1), uint8(10), uint8(3), uint8(7), uint16(200), uint8(0))
	f.Add(uint64(2), uint8(1), uint8(1), uint8(1), uint16(1), uint8(3))
	f.Add(uint64(3), uint8(17), uint8(33), uint8(40), uint16(500), uint8(2))
	f.Fuzz(func(t *testing.T, seed uint64, kb, db, sepb uint8, nb uint16, off uint8) {
		k, d, n := 1+int(kb)%40, 1+int(db)%40, 1+int(nb)%600
		sep := 0.25 + float64(sepb%16)/4
		offset := []float64{0, 100, -1e3, 1e4}[off%4]
		x, c := blobData(NewRand(seed), n, d, k, sep, offset)
		want, wantD, all := naiveAssign(x, n, d, c, k)
		for _, p := range allPaths {
			labels, dist := assignWith(t, p.path, x, n, d, c, k)
			checkAgainstNaive(t, p.name, labels, dist, want, wantD, all)
		}
	})
}

// TestAssignOverflowingProducts feeds values whose squares overflow
// float32 (about ±2e19): the expanded distances become Inf or NaN, and
// every row must still get the centre a float64 loop finds, on every
// kernel, instead of centre 0.
func TestAssignOverflowingProducts(t *testing.T) {
	const n, d, k = 64, 2, 3
	centres := []float32{-2e19, -2e19, 2e19, 2e19, -2e19, 2e19}
	x := make([]float32, n*d)
	for i := range n {
		c := i % k
		x[i*d] = centres[c*d] + float32(i)*1e16
		x[i*d+1] = centres[c*d+1] - float32(i)*1e16
	}
	want, wantDist, _ := naiveAssign(x, n, d, centres, k)
	for _, path := range []kmPath{kmPathGemmCols, kmPathGemmRows, kmPathPanels, kmDefaultPath()} {
		a := newAssigner(k, d, path)
		if err := a.SetCentres(centres); err != nil {
			t.Fatal(err)
		}
		labels := make([]int32, n)
		dist := make([]float64, n)
		if err := a.AssignExact(x, n, labels, dist); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if labels[i] != want[i] || dist[i] != wantDist[i] {
				t.Fatalf("path %d, row %d: label %d at %g, want %d at %g", path, i, labels[i], dist[i], want[i], wantDist[i])
			}
		}
	}
}
