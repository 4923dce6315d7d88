package algo

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestLowerTriangleLayout checks the storage order by hand: for n=4 the
// entries are (1,0), (2,0), (2,1), (3,0), (3,1), (3,2).
func TestLowerTriangleLayout(t *testing.T) {
	lt, err := NewLowerTriangle(4)
	if err != nil {
		t.Fatal(err)
	}
	lt.Set(0, 1, 10) // upper triangle stores the same entry
	lt.Set(2, 0, 20)
	lt.Set(1, 2, 21)
	lt.Set(3, 0, 30)
	lt.Set(3, 1, 31)
	lt.Set(2, 3, 32)
	lt.Set(2, 2, 0) // the diagonal accepts 0
	if want := []float32{10, 20, 21, 30, 31, 32}; !slices.Equal(lt.data, want) {
		t.Errorf("data %v, want %v", lt.data, want)
	}
	for _, tc := range []struct {
		i, j int
		want float32
	}{{0, 0, 0}, {3, 3, 0}, {1, 0, 10}, {0, 1, 10}, {3, 2, 32}, {2, 3, 32}, {0, 3, 30}} {
		if got := lt.At(tc.i, tc.j); got != tc.want {
			t.Errorf("At(%d,%d) = %v, want %v", tc.i, tc.j, got, tc.want)
		}
	}
	if lt.Len() != 4 {
		t.Errorf("Len %d", lt.Len())
	}
	kmtMustPanic(t, "Set negative", func() { lt.Set(1, 0, -1) })
	kmtMustPanic(t, "Set NaN", func() { lt.Set(1, 0, float32(math.NaN())) })
	kmtMustPanic(t, "Set +Inf", func() { lt.Set(1, 0, float32(math.Inf(1))) })
	kmtMustPanic(t, "Set diagonal non-zero", func() { lt.Set(1, 1, 2) })
	kmtMustPanic(t, "Set out of range", func() { lt.Set(4, 0, 1) })
	kmtMustPanic(t, "At out of range", func() { lt.At(0, 4) })
	kmtMustPanic(t, "At negative", func() { lt.At(-1, 2) })
	kmtMustPanic(t, "At diagonal out of range", func() { lt.At(4, 4) })
}

func TestNewLowerTriangleErrors(t *testing.T) {
	for _, n := range []int{0, -3} {
		if _, err := NewLowerTriangle(n); !errors.Is(err, ErrEmpty) {
			t.Errorf("n=%d: %v, want ErrEmpty", n, err)
		}
	}
	// 2^38 entries is the cap: n(n-1)/2 > 2^38 from n = 741456.
	for _, n := range []int{741456, 1 << 31, math.MaxInt32 + 1} {
		if _, err := NewLowerTriangle(n); !errors.Is(err, ErrTooLarge) {
			t.Errorf("n=%d: %v, want ErrTooLarge", n, err)
		}
	}
	if lt, err := NewLowerTriangle(1); err != nil || lt.Len() != 1 || lt.At(0, 0) != 0 {
		t.Errorf("n=1: %v, %v", lt, err)
	}
}

// TestMatrixBytes: 4 bytes per pair, n(n-1)/2 pairs.
func TestMatrixBytes(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want int64
	}{
		{0, 0}, {1, 0}, {2, 4}, {3, 12}, {5000, 5000 * 4999 / 2 * 4},
		{100000, 19999800000},                      // 18.6 GiB
		{1 << 31, 2 * (1 << 31) * ((1 << 31) - 1)}, // 2^31(2^31-1)·2, still fits
		{1<<31 + 1, math.MaxInt64},                 // saturates
	} {
		if got := MatrixBytes(tc.n); got != tc.want {
			t.Errorf("MatrixBytes(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

func TestNewDenseMatrix(t *testing.T) {
	good := []float32{
		0, 1, 2,
		1, 0, 3,
		2, 3, 0,
	}
	dm, err := NewDenseMatrix(3, good)
	if err != nil {
		t.Fatal(err)
	}
	if dm.Len() != 3 || dm.At(2, 1) != 3 || dm.At(0, 2) != 2 {
		t.Errorf("At wrong: %v", dm)
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, tc := range []struct {
		name string
		n    int
		data []float32
		want error
		msg  string
	}{
		{"short", 3, good[:8], ErrNotSquare, "8 values for n=3"},
		{"long", 2, good[:5], ErrNotSquare, "5 values for n=2"},
		{"empty", 0, nil, ErrEmpty, "n=0"},
		{"negative", 3, []float32{0, -1, 2, -1, 0, 3, 2, 3, 0}, ErrBadDissimilarity, "(0,1)"},
		{"NaN", 3, []float32{0, 1, 2, 1, 0, nan, 2, 3, 0}, ErrBadDissimilarity, "(1,2)"},
		{"Inf", 3, []float32{0, 1, 2, 1, 0, 3, inf, 3, 0}, ErrBadDissimilarity, "(2,0)"},
		{"diagonal", 3, []float32{0, 1, 2, 1, 0.5, 3, 2, 3, 0}, ErrBadDissimilarity, "(1,1)"},
		{"asymmetric", 3, []float32{0, 1, 2, 1, 0, 3, 2, 3.1, 0}, ErrAsymmetric, "(2,1)"},
	} {
		_, err := NewDenseMatrix(tc.n, tc.data)
		if !errors.Is(err, tc.want) || !strings.Contains(fmt.Sprint(err), tc.msg) {
			t.Errorf("%s: error %v, want %v mentioning %q", tc.name, err, tc.want, tc.msg)
		}
	}
	// Within the 1e-5 relative tolerance the matrix is accepted as given.
	near := []float32{0, 1, 1, 0}
	near[2] = math.Nextafter32(1, 2) // one ulp off
	if dm, err := NewDenseMatrix(2, near); err != nil || dm.At(1, 0) != near[2] || dm.At(0, 1) != 1 {
		t.Errorf("one-ulp asymmetry: %v, %v", dm, err)
	}
}

func TestNewVectors(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []float32
		n, d int
		m    Metric
		want error
	}{
		{"empty", nil, 0, 2, Euclidean, ErrEmpty},
		{"shape", []float32{1, 2, 3}, 2, 2, Euclidean, ErrShape},
		{"d=0", nil, 2, 0, Euclidean, ErrShape},
		{"metric", []float32{1, 2}, 1, 2, Metric(7), ErrUnknownMetric},
		{"NaN", []float32{1, 2, float32(math.NaN()), 4}, 2, 2, Euclidean, ErrBadDissimilarity},
		{"Inf", []float32{1, 2, 3, float32(math.Inf(-1))}, 2, 2, Euclidean, ErrBadDissimilarity},
	} {
		if _, err := NewVectors(tc.data, tc.n, tc.d, tc.m); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	_, err := NewVectors([]float32{1, 2, 3, float32(math.NaN())}, 2, 2, Euclidean)
	if !strings.Contains(fmt.Sprint(err), "row 1, column 1") {
		t.Errorf("NaN error does not name row and column: %v", err)
	}
}

// kmtGaussian returns n points of dimension d, standard normal.
func kmtGaussian(seed uint64, n, d int) []float32 {
	rng := NewRand(seed, 0x67617573)
	pts := make([]float32, n*d)
	for i := range pts {
		pts[i] = float32(rng.NormFloat64())
	}
	return pts
}

// TestDissimilarityTypesAgreeWithDistance: Vectors.At, BuildLowerTriangle
// (parallelism 1 and 4, n crossing the 64-row blocks and 512-column
// tiles) and a DenseMatrix filled from Distance all give
// float32(Distance(...)) exactly, for every metric. The vectors include a
// zero row for the cosine convention.
func TestDissimilarityTypesAgreeWithDistance(t *testing.T) {
	const n = 700
	// d = 8 and 64 take the four-pair AVX2 path for (squared) Euclidean
	// where the CPU has it; d = 5 never does.
	for _, d := range []int{5, 8, 64} {
		pts := kmtGaussian(11, n, d)
		clear(pts[3*d : 4*d])
		for _, m := range []Metric{Euclidean, SqEuclidean, Manhattan, Cosine} {
			v, err := NewVectors(pts, n, d, m)
			if err != nil {
				t.Fatal(err)
			}
			lt1, err := BuildLowerTriangle(v, 1)
			if err != nil {
				t.Fatal(err)
			}
			lt4, err := BuildLowerTriangle(v, 4)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(lt1.data, lt4.data) {
				t.Errorf("%s d=%d: parallelism 1 and 4 differ", m, d)
			}
			dense := make([]float32, n*n)
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					want := float32(0)
					if i != j {
						want = float32(Distance(m, pts[i*d:(i+1)*d], pts[j*d:(j+1)*d]))
					}
					dense[i*n+j] = want
					if got := lt1.At(i, j); got != want {
						t.Fatalf("%s d=%d: LowerTriangle.At(%d,%d) = %v, Distance %v", m, d, i, j, got, want)
					}
					if got := v.At(i, j); got != want {
						t.Fatalf("%s d=%d: Vectors.At(%d,%d) = %v, Distance %v", m, d, i, j, got, want)
					}
				}
			}
			dm, err := NewDenseMatrix(n, dense)
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			kmtCheckAccess(t, fmt.Sprintf("%s d=%d", m, d), lt1, []Dissimilarity{lt1, dm, v, kmtOpaque{lt1}})
		}
	}
	if _, err := BuildLowerTriangle(nil, 1); !errors.Is(err, ErrEmpty) {
		t.Errorf("nil vectors: %v", err)
	}
	if _, err := BuildLowerTriangle(&Vectors{Data: make([]float32, 7), N: 2, D: 5}, 1); !errors.Is(err, ErrShape) {
		t.Errorf("bad shape: %v", err)
	}
}

// kmtCheckAccess checks the row, gather and at fast paths of each type
// against ref.At.
func kmtCheckAccess(t *testing.T, name string, ref Dissimilarity, ds []Dissimilarity) {
	t.Helper()
	n := ref.Len()
	idx := []int32{5, 0, int32(n - 1), 5, 64, 63}
	for _, d := range ds {
		acc := newKmedAccess(d)
		buf := make([]float32, n)
		out := make([]float32, len(idx))
		for _, x := range []int{0, 1, 63, 64, 65, n / 2, n - 1} {
			row := acc.row(x, buf)
			for o := 0; o < n; o++ {
				if row[o] != ref.At(x, o) || acc.at(x, o) != ref.At(x, o) {
					t.Fatalf("%s %T: row/at(%d,%d) = %v/%v, want %v", name, d, x, o, row[o], acc.at(x, o), ref.At(x, o))
				}
			}
			acc.gather(x, idx, out)
			for t2, j := range idx {
				if out[t2] != ref.At(x, int(j)) {
					t.Fatalf("%s %T: gather(%d,%d) = %v, want %v", name, d, x, j, out[t2], ref.At(x, int(j)))
				}
			}
		}
		blocks := newKmedBlockReader(&acc)
		for _, x0 := range []int{0, kmedBlock, n / 2, n - kmedBlock, n - 5, n - 1} {
			rows := blocks.block(x0)
			if len(rows) != min(kmedBlock, n-x0) {
				t.Fatalf("%s %T: block(%d) has %d rows", name, d, x0, len(rows))
			}
			for b, row := range rows {
				for o := 0; o < n; o++ {
					if row[o] != ref.At(x0+b, o) {
						t.Fatalf("%s %T: block(%d) row %d at %d = %v, want %v", name, d, x0, b, o, row[o], ref.At(x0+b, o))
					}
				}
			}
		}
	}
}
