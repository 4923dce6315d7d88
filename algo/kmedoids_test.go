package algo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// kmtHand5 is the 5-object matrix of the kmedoids crate's tests, as a lower
// triangle in row order:
//
//	     0  1  2  3  4
//	0    0  1  2  4  7
//	1    1  0  3  5  8
//	2    2  3  0  6  9
//	3    4  5  6  0  1
//	4    7  8  9  1  0
//
// Row sums: 14, 17, 20, 16, 25. The optimum for k=2 is 4, reached by
// {0,3} (0+1+2+0+1) and {0,4} (0+1+2+1+0); every other pair is ≥ 5.
func kmtHand5(t testing.TB) *LowerTriangle {
	t.Helper()
	lt, err := NewLowerTriangle(5)
	if err != nil {
		t.Fatal(err)
	}
	vals := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 1}
	p := 0
	for i := 1; i < 5; i++ {
		for j := 0; j < i; j++ {
			lt.Set(i, j, vals[p])
			p++
		}
	}
	return lt
}

// kmtOpaque hides the concrete type of a Dissimilarity, so that the
// algorithms take their generic path.
type kmtOpaque struct{ d Dissimilarity }

func (o kmtOpaque) Len() int            { return o.d.Len() }
func (o kmtOpaque) At(i, j int) float32 { return o.d.At(i, j) }

// kmtEmpty is a Dissimilarity over no objects.
type kmtEmpty struct{}

func (kmtEmpty) Len() int            { return 0 }
func (kmtEmpty) At(int, int) float32 { panic("empty") }

// kmtLoss is the total deviation computed naively: for every object, the
// minimum over the medoids of At, summed in float64.
func kmtLoss(d Dissimilarity, medoids []int) float64 {
	var loss float64
	for o := 0; o < d.Len(); o++ {
		best := math.Inf(1)
		for _, m := range medoids {
			best = math.Min(best, float64(d.At(o, m)))
		}
		loss += best
	}
	return loss
}

// kmtBrute enumerates all k-subsets of n objects and returns the smallest
// total deviation.
func kmtBrute(d Dissimilarity, k int) float64 {
	n := d.Len()
	best := math.Inf(1)
	set := make([]int, k)
	var rec func(pos, from int)
	rec = func(pos, from int) {
		if pos == k {
			best = math.Min(best, kmtLoss(d, set))
			return
		}
		for i := from; i < n; i++ {
			set[pos] = i
			rec(pos+1, i+1)
		}
	}
	rec(0, 0)
	return best
}

// kmtRandomDissim draws a small test problem of one of three kinds: points
// in the unit square with Euclidean distance (metric), a symmetric matrix
// of uniform values (not metric), or a symmetric matrix of integers 0..4
// (many ties and zero dissimilarities between distinct objects; all sums
// exact in float64).
func kmtRandomDissim(rng *rand.Rand, n int) (*LowerTriangle, string) {
	lt, err := NewLowerTriangle(n)
	if err != nil {
		panic(err)
	}
	switch kind := rng.IntN(3); kind {
	case 0:
		pts := make([]float32, 2*n)
		for i := range pts {
			pts[i] = rng.Float32()
		}
		v, err := NewVectors(pts, n, 2, Euclidean)
		if err != nil {
			panic(err)
		}
		lt, err = BuildLowerTriangle(v, 1)
		if err != nil {
			panic(err)
		}
		return lt, "euclidean"
	case 1:
		for i := range lt.data {
			lt.data[i] = rng.Float32() * 10
		}
		return lt, "uniform"
	default:
		for i := range lt.data {
			lt.data[i] = float32(rng.IntN(5))
		}
		return lt, "integer"
	}
}

// kmtCheckResult checks what every k-medoids result must satisfy whatever
// the algorithm: k distinct in-range medoids, each assigned to its own
// slot, every object assigned to a nearest medoid, and Loss equal to the
// naive total deviation.
func kmtCheckResult(t *testing.T, name string, d Dissimilarity, k int, r *KMedoidsResult) {
	t.Helper()
	n := d.Len()
	if len(r.Medoids) != k || len(r.Assignment) != n {
		t.Fatalf("%s: %d medoids and %d labels, want %d and %d", name, len(r.Medoids), len(r.Assignment), k, n)
	}
	seen := map[int]bool{}
	for s, m := range r.Medoids {
		if m < 0 || m >= n || seen[m] {
			t.Fatalf("%s: medoids %v invalid", name, r.Medoids)
		}
		seen[m] = true
		if r.Assignment[m] != int32(s) {
			t.Errorf("%s: medoid %d of slot %d assigned to slot %d", name, m, s, r.Assignment[m])
		}
	}
	for o := 0; o < n; o++ {
		a := r.Assignment[o]
		if a < 0 || int(a) >= k {
			t.Fatalf("%s: object %d has label %d", name, o, a)
		}
		got := d.At(o, r.Medoids[a])
		for _, m := range r.Medoids {
			if d.At(o, m) < got {
				t.Errorf("%s: object %d assigned at %v but medoid %d is at %v", name, o, got, m, d.At(o, m))
			}
		}
	}
	want := kmtLoss(d, r.Medoids)
	if math.Abs(r.Loss-want) > 1e-9*want {
		t.Errorf("%s: Loss %v, naive total deviation %v", name, r.Loss, want)
	}
	if td, _ := TotalDeviation(d, r.Medoids); td != r.Loss {
		t.Errorf("%s: Loss %v, TotalDeviation %v: documented as bit-equal", name, r.Loss, td)
	}
	if r.Iterations < 1 || r.Swaps < 0 {
		t.Errorf("%s: %d iterations, %d swaps", name, r.Iterations, r.Swaps)
	}
}

// kmtCheckSwapOptimal checks by brute force that no single swap of a
// medoid with a non-medoid lowers the naive total deviation by more than
// the algorithms' tolerance (1e-12 relative) plus rounding.
func kmtCheckSwapOptimal(t *testing.T, name string, d Dissimilarity, r *KMedoidsResult) {
	t.Helper()
	base := kmtLoss(d, r.Medoids)
	set := slices.Clone(r.Medoids)
	for s := range set {
		for x := 0; x < d.Len(); x++ {
			if slices.Contains(r.Medoids, x) {
				continue
			}
			set[s] = x
			if l := kmtLoss(d, set); l < base-1e-9*base {
				t.Errorf("%s: swapping slot %d (object %d) for %d improves %v to %v", name, s, r.Medoids[s], x, base, l)
			}
			set[s] = r.Medoids[s]
		}
	}
}

// TestKMedoidsRandomSmall runs every algorithm on 240 random problems with
// n ≤ 12 and k ≤ 3 and checks, against brute force and naive
// recomputation, what each guarantees:
//   - every result is valid, its Loss is the naive total deviation and
//     every object sits with a nearest medoid;
//   - PAM, PAMSwap, FastPAM1 and FasterPAM end in a local optimum for
//     single swaps, never below the global optimum;
//   - FastPAM1 performs exactly PAMSwap's swaps from the same start;
//   - Alternating ends with every medoid minimising its cluster's sum.
//
// Hitting the global optimum is not guaranteed by any of them; the rate is
// logged and held to a floor below what these seeds show.
func TestKMedoidsRandomSmall(t *testing.T) {
	const cases = 240
	var pamHits, fasterHits, altHits, total int
	for c := 0; c < cases; c++ {
		seed := uint64(1000 + c)
		rng := NewRand(seed, 0x6b6d6564)
		n := 3 + rng.IntN(10)
		k := 1 + rng.IntN(min(3, n-1))
		lt, kind := kmtRandomDissim(rng, n)
		start := kmedRandom(n, k, rng)
		name := fmt.Sprintf("seed=%d n=%d k=%d %s start=%v", seed, n, k, kind, start)
		opt := kmtBrute(lt, k)

		pam, err := PAM(lt, k, 0)
		if err != nil {
			t.Fatalf("%s: PAM: %v", name, err)
		}
		swap, err := PAMSwap(lt, start, 0)
		if err != nil {
			t.Fatalf("%s: PAMSwap: %v", name, err)
		}
		fast, err := FastPAM1(lt, start, 0)
		if err != nil {
			t.Fatalf("%s: FastPAM1: %v", name, err)
		}
		faster, err := FasterPAM(lt, start, 0)
		if err != nil {
			t.Fatalf("%s: FasterPAM: %v", name, err)
		}
		alt, err := Alternating(lt, start, 0)
		if err != nil {
			t.Fatalf("%s: Alternating: %v", name, err)
		}
		par, err := FasterPAMParallel(context.Background(), lt, start, 0, 2)
		if err != nil {
			t.Fatalf("%s: FasterPAMParallel: %v", name, err)
		}
		if !slices.Equal(par.Medoids, faster.Medoids) || par.Loss != faster.Loss || par.Swaps != faster.Swaps || par.Iterations != faster.Iterations {
			t.Errorf("%s: FasterPAMParallel(2) %+v differs from FasterPAM %+v", name, par, faster)
		}
		for _, x := range []struct {
			alg string
			r   *KMedoidsResult
		}{{"PAM", pam}, {"PAMSwap", swap}, {"FastPAM1", fast}, {"FasterPAM", faster}, {"Alternating", alt}} {
			kmtCheckResult(t, name+" "+x.alg, lt, k, x.r)
			if x.r.Loss < opt-1e-9*opt {
				t.Errorf("%s %s: loss %v below the brute-force optimum %v", name, x.alg, x.r.Loss, opt)
			}
			if x.alg != "Alternating" {
				kmtCheckSwapOptimal(t, name+" "+x.alg, lt, x.r)
			}
		}
		if !slices.Equal(fast.Medoids, swap.Medoids) || fast.Swaps != swap.Swaps || fast.Iterations != swap.Iterations || fast.Loss != swap.Loss {
			t.Errorf("%s: FastPAM1 %+v differs from PAMSwap %+v", name, fast, swap)
		}
		if swap.Swaps != swap.Iterations-1 {
			t.Errorf("%s: PAMSwap made %d swaps in %d passes, want one per pass but the last", name, swap.Swaps, swap.Iterations)
		}
		kmtCheckAlternatingFixedPoint(t, name, lt, alt)

		total++
		hit := func(r *KMedoidsResult) int {
			if r.Loss <= opt+1e-9*opt {
				return 1
			}
			return 0
		}
		pamHits += hit(pam)
		fasterHits += hit(faster)
		altHits += hit(alt)
	}
	t.Logf("global optimum reached: PAM %d/%d, FasterPAM (random start) %d/%d, Alternating (random start) %d/%d",
		pamHits, total, fasterHits, total, altHits, total)
	// Measured: on these seeds PAM 225/240 and FasterPAM 223/240; over
	// 20000 problems from the same generator 94.1% and 92.7%. The data
	// has no cluster structure (uniform points and random matrices), the
	// worst case for local search. The floor of 85% is well below both.
	if pamHits < total*85/100 || fasterHits < total*85/100 {
		t.Errorf("global optimum rate too low: PAM %d/%d, FasterPAM %d/%d", pamHits, total, fasterHits, total)
	}
}

// kmtCheckAlternatingFixedPoint checks that each medoid of an Alternating
// result has the smallest sum of dissimilarities to its cluster's members
// (up to the 1e-12 tolerance that keeps the current medoid on ties).
func kmtCheckAlternatingFixedPoint(t *testing.T, name string, d Dissimilarity, r *KMedoidsResult) {
	t.Helper()
	for s, m := range r.Medoids {
		sum := func(x int) float64 {
			var t float64
			for o, a := range r.Assignment {
				if int(a) == s {
					t += float64(d.At(x, o))
				}
			}
			return t
		}
		own := sum(m)
		for o, a := range r.Assignment {
			if int(a) == s && sum(o) < own-1e-9*own {
				t.Errorf("%s Alternating: in cluster %d, object %d has sum %v < medoid %d's %v", name, s, o, sum(o), m, own)
			}
		}
	}
}

func TestTotalDeviation(t *testing.T) {
	d := kmtHand5(t)
	for _, tc := range []struct {
		medoids []int
		loss    float64
		assign  []int32
	}{
		// Hand-computed from the matrix in kmtHand5.
		{[]int{0, 1}, 0 + 0 + 2 + 4 + 7, []int32{0, 1, 0, 0, 0}},
		{[]int{0, 3}, 0 + 1 + 2 + 0 + 1, []int32{0, 0, 0, 1, 1}},
		{[]int{3, 0}, 4, []int32{1, 1, 1, 0, 0}},
		{[]int{4, 3}, 4 + 5 + 6 + 0 + 0, []int32{1, 1, 1, 1, 0}},
		{[]int{2}, 20, []int32{0, 0, 0, 0, 0}},
		// Duplicate medoids: ties go to the lowest slot.
		{[]int{1, 1}, 17, []int32{0, 0, 0, 0, 0}},
	} {
		loss, assign := TotalDeviation(d, tc.medoids)
		if loss != tc.loss || !slices.Equal(assign, tc.assign) {
			t.Errorf("medoids %v: got %v %v, want %v %v", tc.medoids, loss, assign, tc.loss, tc.assign)
		}
	}
	kmtMustPanic(t, "empty medoids", func() { TotalDeviation(d, nil) })
	kmtMustPanic(t, "medoid out of range", func() { TotalDeviation(d, []int{5}) })
}

func kmtMustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: did not panic", name)
		}
	}()
	f()
}

// TestKMedoidsValidation checks every entry point's input errors.
func TestKMedoidsValidation(t *testing.T) {
	d := kmtHand5(t)
	algos := map[string]func(Dissimilarity, []int, int) (*KMedoidsResult, error){
		"PAMSwap": PAMSwap, "FastPAM1": FastPAM1, "FasterPAM": FasterPAM, "Alternating": Alternating,
	}
	for name, f := range algos {
		for _, tc := range []struct {
			d       Dissimilarity
			medoids []int
			want    error
		}{
			{kmtEmpty{}, []int{0}, ErrEmpty},
			{nil, []int{0}, ErrEmpty},
			{(*LowerTriangle)(nil), []int{0}, ErrEmpty},
			{(*DenseMatrix)(nil), []int{0}, ErrEmpty},
			{(*Vectors)(nil), []int{0}, ErrEmpty},
			{&Vectors{Data: make([]float32, 5), N: 3, D: 2}, []int{0}, ErrShape},
			{&Vectors{Data: make([]float32, 6), N: 3, D: 2, Metric: -1}, []int{0}, ErrUnknownMetric},
			{d, nil, ErrInvalidK},
			{d, []int{0, 1, 2, 3, 4}, ErrInvalidK},
			{d, []int{0, 5}, ErrMedoids},
			{d, []int{-1, 2}, ErrMedoids},
			{d, []int{2, 2}, ErrMedoids},
		} {
			if _, err := f(tc.d, tc.medoids, 0); !errors.Is(err, tc.want) {
				t.Errorf("%s(%v): error %v, want %v", name, tc.medoids, err, tc.want)
			}
		}
	}
	for _, k := range []int{0, -1, 5, 6} {
		_, err := PAM(d, k, 0)
		if !errors.Is(err, ErrInvalidK) {
			t.Errorf("PAM k=%d: error %v, want ErrInvalidK", k, err)
		} else if want := fmt.Sprintf("k=%d, n=5", k); !strings.Contains(err.Error(), want) {
			t.Errorf("PAM k=%d: message %q lacks %q", k, err, want)
		}
	}
	if _, err := PAM(kmtEmpty{}, 1, 0); !errors.Is(err, ErrEmpty) {
		t.Errorf("PAM on no objects: %v", err)
	}
	if _, err := PAM(&Vectors{Data: make([]float32, 5), N: 3, D: 2}, 1, 0); !errors.Is(err, ErrShape) {
		t.Errorf("PAM on inconsistent Vectors: %v", err)
	}
	if _, err := InitialMedoids(&Vectors{Data: make([]float32, 5), N: 3, D: 2}, 1, InitBuild, nil); !errors.Is(err, ErrShape) {
		t.Errorf("InitialMedoids on inconsistent Vectors: %v", err)
	}
	if _, err := Silhouette(&Vectors{Data: make([]float32, 5), N: 3, D: 2}, []int32{0, 1, 1}, 2); !errors.Is(err, ErrShape) {
		t.Errorf("Silhouette on inconsistent Vectors: %v", err)
	}
}

// TestKMedoidsDoesNotModifyInput checks that the initial medoids are
// copied.
func TestKMedoidsDoesNotModifyInput(t *testing.T) {
	d := kmtHand5(t)
	for name, f := range map[string]func(Dissimilarity, []int, int) (*KMedoidsResult, error){
		"PAMSwap": PAMSwap, "FastPAM1": FastPAM1, "FasterPAM": FasterPAM, "Alternating": Alternating,
	} {
		start := []int{0, 1}
		r, err := f(d, start, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(start, []int{0, 1}) {
			t.Errorf("%s modified its input to %v", name, start)
		}
		if slices.Equal(r.Medoids, start) {
			t.Errorf("%s: no swap from {0,1}, the hand example needs one", name)
		}
	}
}

// TestKMedoidsConcreteTypesAgree runs FasterPAM and PAMSwap on the same
// data through each concrete type and through the generic interface path:
// the fast paths must give the same medoids and the same loss bits.
func TestKMedoidsConcreteTypesAgree(t *testing.T) {
	rng := NewRand(7, 1)
	const n, dim, k = 120, 3, 4
	pts := make([]float32, n*dim)
	for i := range pts {
		pts[i] = float32(rng.NormFloat64())
	}
	for _, m := range []Metric{Euclidean, SqEuclidean, Manhattan, Cosine} {
		vec, err := NewVectors(pts, n, dim, m)
		if err != nil {
			t.Fatal(err)
		}
		lt, err := BuildLowerTriangle(vec, 2)
		if err != nil {
			t.Fatal(err)
		}
		dm := denseCopy(t, lt)
		start := kmedRandom(n, k, rng)
		for name, f := range map[string]func(Dissimilarity, []int, int) (*KMedoidsResult, error){
			"PAMSwap": PAMSwap, "FasterPAM": FasterPAM, "Alternating": Alternating,
		} {
			ref, err := f(kmtOpaque{lt}, start, 0)
			if err != nil {
				t.Fatal(err)
			}
			for tname, d := range map[string]Dissimilarity{"LowerTriangle": lt, "DenseMatrix": dm, "Vectors": vec} {
				r, err := f(d, start, 0)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(r.Medoids, ref.Medoids) || r.Loss != ref.Loss || r.Swaps != ref.Swaps {
					t.Errorf("%s %s on %s: %v loss %v, generic path %v loss %v", m, name, tname, r.Medoids, r.Loss, ref.Medoids, ref.Loss)
				}
			}
		}
	}
}

// denseCopy returns the full n×n DenseMatrix of a lower triangle, so that
// tests can run the same problem through both representations.
func denseCopy(t testing.TB, lt *LowerTriangle) *DenseMatrix {
	t.Helper()
	n := lt.Len()
	dense := make([]float32, n*n)
	for i := range n {
		for j := range n {
			dense[i*n+j] = lt.At(i, j)
		}
	}
	dm, err := NewDenseMatrix(n, dense)
	if err != nil {
		t.Fatal(err)
	}
	return dm
}
