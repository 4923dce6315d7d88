package algo

import (
	"fmt"
	"math"
	"testing"
)

// screenCase is data for the screen: blobs, optionally with two centres
// made equal (no row is certain of either), NaN rows and rows exactly
// halfway between two centres.
type screenCase struct {
	name        string
	n, d, k     int
	sep, offset float64
	dupCentre   bool
	nanRows     bool
	halfway     bool
}

func (sc screenCase) data() ([]float32, []float32) {
	x, c := blobData(NewRand(7, uint64(sc.n), uint64(sc.d), uint64(sc.k)), sc.n, sc.d, sc.k, sc.sep, sc.offset)
	d := sc.d
	if sc.dupCentre {
		copy(c[d:2*d], c[:d])
	}
	if sc.nanRows {
		for i := 5; i < sc.n; i += 97 {
			x[i*d+i%d] = float32(math.NaN())
		}
	}
	if sc.halfway {
		// Midpoints of centres 2 and 3 (sums of float32 halves: exact
		// when no exponent is lost).
		for i := 11; i < sc.n; i += 53 {
			for t := range d {
				x[i*d+t] = c[2*d+t]/2 + c[3*d+t]/2
			}
		}
	}
	return x, c
}

// screenedAndFull returns two AVX2 Assigners with centres c, one with
// the screen and one without.
func screenedAndFull(t *testing.T, x, c []float32, n, d, k int) (screened, full *Assigner) {
	t.Helper()
	screened, full = newAssigner(k, d, kmPathAVX2), newAssigner(k, d, kmPathAVX2)
	full.screen = nil
	if screened.screen == nil {
		t.Fatalf("d=%d k=%d: no screen", d, k)
	}
	for _, a := range []*Assigner{screened, full} {
		if err := a.SetCentres(c); err != nil {
			t.Fatal(err)
		}
	}
	return screened, full
}

// sameAssignments labels the n rows of x with both Assigners and fails
// unless labels and float64 distances agree bit for bit; it returns the
// screened ones.
func sameAssignments(t *testing.T, screened, full *Assigner, x []float32, n int) ([]int32, []float64) {
	t.Helper()
	gotL, wantL := make([]int32, n), make([]int32, n)
	gotD, wantD := make([]float64, n), make([]float64, n)
	if err := screened.AssignExact(x, n, gotL, gotD); err != nil {
		t.Fatal(err)
	}
	if err := full.AssignExact(x, n, wantL, wantD); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if gotL[i] != wantL[i] || math.Float64bits(gotD[i]) != math.Float64bits(wantD[i]) {
			t.Fatalf("row %d: screened (%d, %v), full path (%d, %v)", i, gotL[i], gotD[i], wantL[i], wantD[i])
		}
	}
	return gotL, gotD
}

var screenCases = []screenCase{
	{name: "separated", n: 2000, d: 32, k: 100, sep: 6},
	{name: "separated-far", n: 2000, d: 32, k: 100, sep: 6, offset: 1e4},
	{name: "mixed", n: 2000, d: 32, k: 100, sep: 2.5},
	{name: "overlapping", n: 2000, d: 32, k: 100, sep: 1},
	{name: "duplicate-centre", n: 1500, d: 24, k: 16, sep: 6, dupCentre: true},
	{name: "nan-rows", n: 1500, d: 40, k: 33, sep: 6, nanRows: true},
	{name: "halfway", n: 1500, d: 64, k: 20, sep: 6, halfway: true},
}

// TestScreenMatchesFullPath holds the screened AVX2 path to the full one
// bit for bit (labels, float64 distances, sums over a mini-batch with
// repeats) and to the naive float64 loop, on data where most rows pass,
// where some do, where too few do and the screen turns off, and on rows
// no screen may decide: NaN, halfway between two centres, nearest to a
// centre that has a twin.
func TestScreenMatchesFullPath(t *testing.T) {
	if !kmHaveAVX2 {
		t.Skip("the screen runs on the AVX2 path only")
	}
	for _, sc := range screenCases {
		t.Run(sc.name, func(t *testing.T) {
			x, c := sc.data()
			n, d, k := sc.n, sc.d, sc.k
			screened, full := screenedAndFull(t, x, c, n, d, k)
			gotL, gotD := sameAssignments(t, screened, full, x, n)
			naive, naiveD, all := naiveAssign(x, n, d, c, k)
			dist32 := make([]float32, n)
			for i, v := range gotD {
				dist32[i] = float32(v)
			}
			nanRows := 0
			for i := range n {
				if math.IsNaN(gotD[i]) {
					nanRows++
					naive[i], gotL[i] = 0, 0 // the naive loop's label of a NaN row is not a contract
					dist32[i], all[i][0] = 0, 0
				}
			}
			checkAgainstNaive(t, sc.name, gotL, dist32, naive, naiveD, all)
			if sc.nanRows && nanRows == 0 {
				t.Error("no NaN row reached the assigner")
			}

			s := screened.screen
			t.Logf("%d rows screened, %d passed, off=%v", s.tried, s.passed, s.off)
			switch sc.name {
			case "separated", "separated-far":
				if s.off || s.passed < s.tried*9/10 {
					t.Errorf("separated blobs: %d of %d rows passed (off=%v); the test does not show the screen deciding", s.passed, s.tried, s.off)
				}
			case "mixed":
				if s.passed == 0 || s.passed == s.tried {
					t.Errorf("mixed blobs: %d of %d passed; the test does not reach both outcomes", s.passed, s.tried)
				}
			case "overlapping":
				if !s.off || s.tried > kmScreenWarm+kmBlock {
					t.Errorf("overlapping blobs: screen off=%v after %d rows; it should stop once the warm-up shows it does not pay", s.off, s.tried)
				}
			}

			// A mini-batch with repeats, through AccumulateRows: the
			// rows are gathered, and sums must be bit-identical.
			rng := NewRand(3)
			rows := make([]int32, 3*n/2)
			for i := range rows {
				rows[i] = int32(rng.IntN(n))
			}
			if sc.nanRows {
				return // sums of NaN rows compare unequal
			}
			for _, a := range []*Assigner{screened, full} {
				if err := a.SetCentres(c); err != nil { // and the screen starts again
					t.Fatal(err)
				}
			}
			got, want := NewCentreSums(k, d), NewCentreSums(k, d)
			if err := screened.AccumulateRows(x, rows, nil, got); err != nil {
				t.Fatal(err)
			}
			if err := full.AccumulateRows(x, rows, nil, want); err != nil {
				t.Fatal(err)
			}
			sameSums(t, sc.name+" AccumulateRows", got, want)
		})
	}
}

// TestScreenReachIsSafe checks each centre's reach against half its
// distance to the nearest other centre computed naively in float64: the
// screen's bound must never exceed it, and must not be far below it
// either, or it would pass nothing.
func TestScreenReachIsSafe(t *testing.T) {
	if !kmHaveAVX2 {
		t.Skip("the screen runs on the AVX2 path only")
	}
	for _, sc := range []struct {
		d, k   int
		offset float64
	}{{24, 16, 0}, {32, 100, 0}, {32, 100, 1e4}, {100, 40, -3e3}} {
		t.Run(fmt.Sprintf("d=%d/k=%d/offset=%g", sc.d, sc.k, sc.offset), func(t *testing.T) {
			_, c := blobData(NewRand(5, uint64(sc.d)), 1, sc.d, sc.k, 3, sc.offset)
			a := newAssigner(sc.k, sc.d, kmPathAVX2)
			if err := a.SetCentres(c); err != nil {
				t.Fatal(err)
			}
			for j := range sc.k {
				nearest := math.Inf(1)
				for i := range sc.k {
					if i != j {
						nearest = math.Min(nearest, naiveDist(c[j*sc.d:(j+1)*sc.d], c[i*sc.d:(i+1)*sc.d]))
					}
				}
				half2 := nearest / 4
				if r := a.screen.reach2[j]; !(r < half2) || r < half2*(1-1e-4) {
					t.Errorf("centre %d: reach² %v, (half the nearest distance)² %v", j, r, half2)
				}
			}
		})
	}
}

// TestScreenDims checks that the screen looks at the dimensions in which
// the centres differ: the run of 8 (at d=32) it screens must hold every
// dimension in which they vary.
func TestScreenDims(t *testing.T) {
	if !kmHaveAVX2 {
		t.Skip("the screen runs on the AVX2 path only")
	}
	const d, k = 32, 20
	for _, varying := range [][]int{{20, 21, 22, 23}, {0}, {31}, {9, 15}, {24, 25, 26, 27, 28, 29, 30, 31}} {
		c := make([]float32, k*d)
		for j := range k {
			for q, t := range varying {
				c[j*d+t] = float32((j*(q+3))%7) - 3
			}
		}
		a := newAssigner(k, d, kmPathAVX2)
		if err := a.SetCentres(c); err != nil {
			t.Fatal(err)
		}
		s := a.screen
		for _, v := range varying {
			if v < s.t0 || v >= s.t0+s.ds {
				t.Errorf("centres varying in %v: screened dimensions %d..%d", varying, s.t0, s.t0+s.ds-1)
				break
			}
		}
	}
}

// TestScreenExtremeCentres puts centres so far apart that their squared
// distances overflow float32, and others so close that they fall among
// the subnormals: the screen must not trust either, and the labels must
// still be the full path's.
func TestScreenExtremeCentres(t *testing.T) {
	if !kmHaveAVX2 {
		t.Skip("the screen runs on the AVX2 path only")
	}
	const n, d, k = 600, 24, 16
	for _, scale := range []float64{1e19, 1e-22} {
		t.Run(fmt.Sprintf("scale=%g", scale), func(t *testing.T) {
			rng := NewRand(17)
			c := make([]float32, k*d)
			for i := range c {
				c[i] = float32(scale * rng.NormFloat64())
			}
			x := make([]float32, n*d)
			for i := range n {
				j := rng.IntN(k)
				for q := range d {
					x[i*d+q] = c[j*d+q] + float32(0.1*scale*rng.NormFloat64())
				}
			}
			screened, full := screenedAndFull(t, x, c, n, d, k)
			for j, r := range screened.screen.reach2 {
				if r != 0 {
					t.Errorf("centre %d: reach² %v from distances the float32 kernel cannot give", j, r)
				}
			}
			sameAssignments(t, screened, full, x, n)
		})
	}
}
