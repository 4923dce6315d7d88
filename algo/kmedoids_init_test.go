package algo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestParseInit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Init
	}{
		{"build", InitBuild}, {"LAB", InitLAB}, {" random", InitRandom},
		{"kmeans++", InitKMeansPlusPlus}, {"k-means++", InitKMeansPlusPlus},
	} {
		got, err := ParseInit(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseInit(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if back, err := ParseInit(got.String()); err != nil || back != got {
			t.Errorf("%v does not round-trip: %v, %v", got, back, err)
		}
	}
	for _, bad := range []string{"", "pam", "kmeans", "build!"} {
		if _, err := ParseInit(bad); !errors.Is(err, ErrUnknownInit) {
			t.Errorf("ParseInit(%q): %v, want ErrUnknownInit", bad, err)
		}
	}
	if s := Init(-1).String(); s != "Init(-1)" {
		t.Errorf("Init(-1).String() = %q", s)
	}
}

// FuzzParseInit: any input either fails with ErrUnknownInit or names an
// initialisation whose String is the canonical form of the input.
func FuzzParseInit(f *testing.F) {
	for _, s := range []string{"build", "LAB ", "k-means++", "", "random\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		i, err := ParseInit(s)
		if err != nil {
			if !errors.Is(err, ErrUnknownInit) {
				t.Fatalf("ParseInit(%q): %v", s, err)
			}
			return
		}
		canon := strings.ToLower(strings.TrimSpace(s))
		if canon == "k-means++" {
			canon = "kmeans++"
		}
		if i.String() != canon {
			t.Fatalf("ParseInit(%q) = %v", s, i)
		}
	})
}

func TestInitialMedoidsValidation(t *testing.T) {
	d := kmtHand5(t)
	rng := NewRand(1)
	for _, tc := range []struct {
		name string
		d    Dissimilarity
		k    int
		init Init
		rng  bool
		want error
	}{
		{"no objects", kmtEmpty{}, 1, InitBuild, true, ErrEmpty},
		{"k=0", d, 0, InitBuild, true, ErrInvalidK},
		{"k=n", d, 5, InitLAB, true, ErrInvalidK},
		{"unknown", d, 2, Init(9), true, ErrUnknownInit},
		{"LAB nil rng", d, 2, InitLAB, false, ErrRandRequired},
		{"random nil rng", d, 2, InitRandom, false, ErrRandRequired},
		{"k-means++ nil rng", d, 2, InitKMeansPlusPlus, false, ErrRandRequired},
	} {
		r := rng
		if !tc.rng {
			r = nil
		}
		if _, err := InitialMedoids(tc.d, tc.k, tc.init, r); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if m, err := InitialMedoids(d, 2, InitBuild, nil); err != nil || !slices.Equal(m, []int{0, 3}) {
		t.Errorf("BUILD with nil rng: %v, %v; want [0 3] (see TestPAMHand5)", m, err)
	}
}

// TestInitialMedoidsProperties: every method returns k distinct in-range
// medoids and the same medoids for the same seed, on random problems.
func TestInitialMedoidsProperties(t *testing.T) {
	for c := 0; c < 60; c++ {
		seed := uint64(c)
		rng := NewRand(seed, 0x696e6974)
		n := 2 + rng.IntN(40)
		k := 1 + rng.IntN(n-1)
		lt, kind := kmtRandomDissim(rng, n)
		for _, init := range []Init{InitBuild, InitLAB, InitRandom, InitKMeansPlusPlus} {
			name := fmt.Sprintf("seed=%d n=%d k=%d %s %s", seed, n, k, kind, init)
			a, err := InitialMedoids(lt, k, init, NewRand(seed, 1))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			b, _ := InitialMedoids(lt, k, init, NewRand(seed, 1))
			if !slices.Equal(a, b) {
				t.Errorf("%s: not deterministic: %v vs %v", name, a, b)
			}
			if err := kmedCheckMedoids(lt, a); err != nil || len(a) != k {
				t.Errorf("%s: %v invalid: %v", name, a, err)
			}
		}
	}
}

// TestBuildGreedy checks BUILD against a naive greedy: each medoid, the
// first included, must give the smallest total deviation (computed with
// kmtLoss) of all possible additions to the ones before it. Which of
// several tied candidates is taken (the lowest index, see TestPAMHand5) is
// not checked here: naive and incremental sums can round differently.
func TestBuildGreedy(t *testing.T) {
	for c := 0; c < 40; c++ {
		rng := NewRand(uint64(c), 0x6275696c)
		n := 3 + rng.IntN(30)
		k := 1 + rng.IntN(min(6, n-1))
		lt, kind := kmtRandomDissim(rng, n)
		got, err := InitialMedoids(lt, k, InitBuild, nil)
		if err != nil {
			t.Fatal(err)
		}
		for j := range got {
			best := math.Inf(1)
			for x := 0; x < n; x++ {
				if !slices.Contains(got[:j], x) {
					best = min(best, kmtLoss(lt, append(slices.Clone(got[:j]), x)))
				}
			}
			if l := kmtLoss(lt, got[:j+1]); l > best+1e-9*best {
				t.Errorf("case %d (n=%d k=%d %s): BUILD %v, step %d gives %v, greedy best %v", c, n, k, kind, got, j, l, best)
			}
		}
	}
}

// TestLABSmallIsGreedy: for n ≤ 13 the LAB subsample (10+⌈√n⌉ objects)
// is the whole remaining set, so every LAB step must be a greedy-optimal
// choice: adding it gives the smallest total deviation of all possible
// additions (computed naively). Only the order among tied candidates is
// random; ties are common (two objects that only serve each other).
func TestLABSmallIsGreedy(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		n := 4 + int(seed%10)
		v, err := NewVectors(kmtGaussian(seed, n, 2), n, 2, Euclidean)
		if err != nil {
			t.Fatal(err)
		}
		k := 1 + int(seed%3)
		lab, err := InitialMedoids(v, k, InitLAB, NewRand(seed))
		if err != nil {
			t.Fatal(err)
		}
		for j := range lab {
			best := math.Inf(1)
			for x := 0; x < n; x++ {
				if !slices.Contains(lab[:j], x) {
					best = min(best, kmtLoss(v, append(slices.Clone(lab[:j]), x)))
				}
			}
			if got := kmtLoss(v, lab[:j+1]); got > best+1e-9*best {
				t.Errorf("seed=%d n=%d k=%d: LAB %v, step %d gives %v, greedy best %v", seed, n, k, lab, j, got, best)
			}
		}
	}
}

// TestLABLarge: on well-separated clusters LAB puts one medoid in each
// cluster (its criterion is BUILD's, on a sample of 10+⌈√n⌉ = 42 objects
// per step), and its result is no worse than 1.5× BUILD's loss.
func TestLABLarge(t *testing.T) {
	const n, k = 1000, 4
	pts := kmtGaussian(5, n, 2)
	for i := 0; i < n; i++ {
		pts[2*i] += float32(20 * (i % k)) // cluster i%k centred at (20c, 0)
	}
	v, err := NewVectors(pts, n, 2, Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	build, _ := InitialMedoids(v, k, InitBuild, nil)
	lbuild, _ := TotalDeviation(v, build)
	for seed := uint64(1); seed <= 5; seed++ {
		lab, err := InitialMedoids(v, k, InitLAB, NewRand(seed))
		if err != nil {
			t.Fatal(err)
		}
		clusters := map[int]bool{}
		for _, m := range lab {
			clusters[m%k] = true
		}
		l, _ := TotalDeviation(v, lab)
		if len(clusters) != k || l > 1.5*lbuild {
			t.Errorf("seed=%d: LAB %v (clusters %v) loss %v, BUILD loss %v", seed, lab, clusters, l, lbuild)
		}
	}
}

// TestKMeansPlusPlusDistribution checks the D² rule on three points at
// 0, 1 and 3 with k=2. The first medoid is uniform; then
// from 0 (weights 1², 3²) {0,1} has probability 1/10, {0,2} 9/10;
// from 1 (weights 1², 2²) {0,1} 1/5, {1,2} 4/5;
// from 2 (weights 3², 2²) {0,2} 9/13, {1,2} 4/13.
// So P{0,1} = (1/10+1/5)/3 = 0.1, P{0,2} = (9/10+9/13)/3 ≈ 0.5308,
// P{1,2} = (4/5+4/13)/3 ≈ 0.3692. 30000 seeded draws must be within
// 5 standard deviations (≤ 0.015).
func TestKMeansPlusPlusDistribution(t *testing.T) {
	v, err := NewVectors([]float32{0, 1, 3}, 3, 1, Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	want := map[[2]int]float64{{0, 1}: 0.1, {0, 2}: (0.9 + 9.0/13) / 3, {1, 2}: (0.8 + 4.0/13) / 3}
	const draws = 30000
	count := map[[2]int]int{}
	rng := NewRand(42, 0x2b2b)
	for i := 0; i < draws; i++ {
		m, err := InitialMedoids(v, 2, InitKMeansPlusPlus, rng)
		if err != nil {
			t.Fatal(err)
		}
		count[[2]int{min(m[0], m[1]), max(m[0], m[1])}]++
	}
	for pair, p := range want {
		got := float64(count[pair]) / draws
		if sd := math.Sqrt(p * (1 - p) / draws); math.Abs(got-p) > 5*sd {
			t.Errorf("P%v = %.4f, want %.4f ± %.4f", pair, got, p, 5*sd)
		}
	}
}

// TestKMeansPlusPlusAllDuplicates: when every remaining object coincides
// with a chosen medoid the weights are all zero; the medoids must still
// be k distinct objects.
func TestKMeansPlusPlusAllDuplicates(t *testing.T) {
	v, err := NewVectors(make([]float32, 6), 6, 1, Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(0); seed < 20; seed++ {
		m, err := InitialMedoids(v, 5, InitKMeansPlusPlus, NewRand(seed))
		if err != nil || kmedCheckMedoids(v, m) != nil {
			t.Errorf("seed=%d: %v, %v", seed, m, err)
		}
	}
}

// TestRandomInitUniform: each of 5 objects is in a random 2-subset with
// probability 2/5; 20000 draws within 5 standard deviations.
func TestRandomInitUniform(t *testing.T) {
	d := kmtHand5(t)
	const draws = 20000
	count := make([]int, 5)
	rng := NewRand(9, 0x72)
	for i := 0; i < draws; i++ {
		m, err := InitialMedoids(d, 2, InitRandom, rng)
		if err != nil || m[0] == m[1] {
			t.Fatalf("draw %d: %v, %v", i, m, err)
		}
		count[m[0]]++
		count[m[1]]++
	}
	p := 0.4
	sd := math.Sqrt(p * (1 - p) / draws)
	for o, c := range count {
		if got := float64(c) / draws; math.Abs(got-p) > 5*sd {
			t.Errorf("object %d chosen with frequency %.4f, want %.4f ± %.4f", o, got, p, 5*sd)
		}
	}
}

// TestBuildParallelIdentical: BUILD on a LowerTriangle gives the same
// medoids for every parallelism (the chunks do not depend on it), and on
// integer matrices, where every gain is exact in any order, the same as
// the row-by-row BUILD on the DenseMatrix copy. n spans fewer stored rows
// than chunks to many rows per chunk.
func TestBuildParallelIdentical(t *testing.T) {
	for c := range 30 {
		seed := uint64(c)
		rng := NewRand(seed, 0x62706172)
		n := []int{2, 3, 9, 17, 40, 150}[c%6]
		k := 1 + rng.IntN(min(10, n-1))
		lt, kind := kmtRandomDissim(rng, n)
		name := fmt.Sprintf("seed=%d n=%d k=%d %s", seed, n, k, kind)
		ref, err := InitialMedoidsParallel(context.Background(), lt, k, InitBuild, nil, 1)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, p := range []int{2, 3, 5, 32} {
			got, err := InitialMedoidsParallel(context.Background(), lt, k, InitBuild, nil, p)
			if err != nil || !slices.Equal(got, ref) {
				t.Errorf("%s parallelism %d: %v, %v; serial %v", name, p, got, err, ref)
			}
		}
		if kind == "integer" {
			dense, err := InitialMedoids(denseCopy(t, lt), k, InitBuild, nil)
			if err != nil || !slices.Equal(dense, ref) {
				t.Errorf("%s: dense BUILD %v, %v; triangle %v", name, dense, err, ref)
			}
		}
	}
}

// TestBuildGainRowsMatchesOneRowAtATime: buildGainRows (two rows at a
// time, the AVX2 kernel where the CPU has it) gives every partial gain
// bit for bit as the plain loop "if d < nd { sum += nd - d }" over one
// stored row at a time, for row ranges of odd and even length and
// starting on odd and even rows, with ties between d and nd and zeros.
func TestBuildGainRowsMatchesOneRowAtATime(t *testing.T) {
	const n = 203
	v, err := NewVectors(kmtGaussian(5, n, 3), n, 3, Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	lt, err := BuildLowerTriangle(v, 1)
	if err != nil {
		t.Fatal(err)
	}
	nd := make([]float32, n)
	for o := range nd {
		nd[o] = min(lt.At(0, o), lt.At(7, o))
	}
	nd[9] = lt.At(9, 8) // a tie
	for _, r := range [][2]int{{1, n}, {2, n}, {1, 2}, {5, 6}, {4, 40}, {33, 150}, {100, 101}} {
		lo, hi := r[0], r[1]
		want := make([]float64, n)
		for i := lo; i < hi; i++ {
			var gi float64
			for j := range i {
				d := lt.At(i, j)
				if d < nd[j] {
					gi += float64(nd[j] - d)
				}
				if d < nd[i] {
					want[j] += float64(nd[i] - d)
				}
			}
			want[i] += gi
		}
		got := make([]float64, n)
		if err := buildGainRows(lt.data, nd, got, lo, hi, newStopper(context.Background())); err != nil {
			t.Fatal(err)
		}
		for x := range want {
			if math.Float64bits(got[x]) != math.Float64bits(want[x]) {
				t.Fatalf("rows [%d,%d): gain of %d is %v, one row at a time %v", lo, hi, x, got[x], want[x])
			}
		}
	}
}
