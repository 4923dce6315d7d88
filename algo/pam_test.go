package algo

import (
	"bufio"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestPAMHand5 runs PAM on the hand matrix of kmtHand5.
//
// BUILD: row sums 14, 17, 20, 16, 25, so object 0 comes first. Gains
// Σ max(0, d(o,0) - d(o,x)) for the second medoid: x=1: 1; x=2: 2;
// x=3: 4 (o=3) + 6 (o=4) = 10; x=4: 7 + 3 = 10. The tie goes to the lower
// index: medoids {0, 3}, loss 0+1+2+0+1 = 4, the optimum. SWAP finds
// nothing better (the only other set with loss 4 is {0,4}, not better):
// one pass, no swap.
func TestPAMHand5(t *testing.T) {
	r, err := PAM(kmtHand5(t), 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Medoids, []int{0, 3}) || r.Loss != 4 || r.Swaps != 0 || r.Iterations != 1 ||
		!slices.Equal(r.Assignment, []int32{0, 0, 0, 1, 1}) {
		t.Errorf("got %+v, want medoids [0 3], loss 4, 0 swaps in 1 pass, assignment [0 0 0 1 1]", r)
	}
}

// TestPAMSwapHand5 starts SWAP from {0, 1} (loss 0+0+2+4+7 = 13). The new
// loss of each swap, by hand:
//
//	slot 0 (object 0) → 2: {2,1} = 1+0+0+5+8 = 14    slot 1 (object 1) → 2: {0,2} = 0+1+0+4+7 = 12
//	slot 0 → 3:           {3,1} = 1+0+3+0+1 = 5      slot 1 → 3:           {0,3} = 0+1+2+0+1 = 4
//	slot 0 → 4:           {4,1} = 1+0+3+1+0 = 5      slot 1 → 4:           {0,4} = 0+1+2+1+0 = 4
//
// The best change, -9, is reached by (slot 1, x=3) and (slot 1, x=4); the
// tie rule (lowest x first) picks x=3. Pass 2 finds no improvement: loss 4,
// medoids [0 3], 1 swap, 2 passes. FastPAM1 must do exactly the same.
func TestPAMSwapHand5(t *testing.T) {
	for name, f := range map[string]func(Dissimilarity, []int, int) (*KMedoidsResult, error){
		"PAMSwap": PAMSwap, "FastPAM1": FastPAM1,
	} {
		r, err := f(kmtHand5(t), []int{0, 1}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Medoids, []int{0, 3}) || r.Loss != 4 || r.Swaps != 1 || r.Iterations != 2 {
			t.Errorf("%s: got %+v, want medoids [0 3], loss 4, 1 swap in 2 passes", name, r)
		}
		// maxIter=1 stops after the first swap.
		r, err = f(kmtHand5(t), []int{0, 1}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Medoids, []int{0, 3}) || r.Swaps != 1 || r.Iterations != 1 {
			t.Errorf("%s maxIter=1: got %+v", name, r)
		}
	}
}

// TestPAMSingleMedoid: with k=1 the best medoid has the smallest row sum
// (object 0, 14); from object 1 (17) one swap gets there.
func TestPAMSingleMedoid(t *testing.T) {
	for name, f := range map[string]func(Dissimilarity, []int, int) (*KMedoidsResult, error){
		"PAMSwap": PAMSwap, "FastPAM1": FastPAM1, "FasterPAM": FasterPAM, "Alternating": Alternating,
	} {
		r, err := f(kmtHand5(t), []int{1}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Medoids, []int{0}) || r.Loss != 14 || r.Swaps != 1 || r.Iterations != 2 {
			t.Errorf("%s: got %+v, want medoid [0], loss 14, 1 swap in 2 passes", name, r)
		}
	}
}

// kmtRuspini loads the 75 Ruspini (1970) points, exported from R with
// Rscript -e 'library(cluster); write.csv(ruspini, "ruspini.csv", row.names=FALSE)'.
func kmtRuspini(t testing.TB) *Vectors {
	t.Helper()
	f, err := os.Open("testdata/ruspini.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var data []float32
	sc := bufio.NewScanner(f)
	sc.Scan() // header x,y
	for sc.Scan() {
		for _, field := range strings.Split(sc.Text(), ",") {
			v, err := strconv.ParseFloat(field, 32)
			if err != nil {
				t.Fatal(err)
			}
			data = append(data, float32(v))
		}
	}
	v, err := NewVectors(data, len(data)/2, 2, Euclidean)
	if err != nil || v.N != 75 {
		t.Fatalf("ruspini: %v, n=%d", err, len(data)/2)
	}
	return v
}

// kmtRuspiniR are R's results for pam(ruspini, k), cluster 2.1.4 on
// R 4.2, printed by
//
//	Rscript -e 'library(cluster); for (k in 2:6) { p <- pam(ruspini,k);
//	  cat(k, p$id.med, sprintf("%.10f", p$objective["swap"]*75),
//	  sprintf("%.12f", p$silinfo$avg.width), "\n") }'
//
// id.med is 1-based; objective is the average dissimilarity, times n = 75
// the total deviation. (For k=4 that is 11.48637 × 75 = 861.478, not the
// 11.09 sometimes quoted.)
var kmtRuspiniR = []struct {
	k       int
	medoids []int // 1-based, as R prints them
	loss    float64
	sil     float64
}{
	{2, []int{17, 42}, 2395.8042112113, 0.582726420815},
	{3, []int{17, 32, 52}, 1619.4697603882, 0.632704714035},
	{4, []int{10, 32, 52, 70}, 861.4781110933, 0.737656990881},
	{5, []int{10, 32, 52, 47, 70}, 779.6843019643, 0.713478829304},
	{6, []int{6, 16, 32, 52, 47, 70}, 714.6510305113, 0.599352850375},
}

// TestPAMRuspini checks PAM against R's pam on the Ruspini data for k=2..6:
// the same medoids and the same total deviation (up to float32 storage of
// the distances, relative 1e-6).
func TestPAMRuspini(t *testing.T) {
	v := kmtRuspini(t)
	lt, err := BuildLowerTriangle(v, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range kmtRuspiniR {
		r, err := PAM(lt, tc.k, 0)
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Clone(r.Medoids)
		for i := range got {
			got[i]++
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(tc.medoids))
		if !slices.Equal(got, want) || math.Abs(r.Loss-tc.loss) > 1e-6*tc.loss {
			t.Errorf("k=%d: medoids (1-based) %v loss %.10f, R gives %v %.10f", tc.k, got, r.Loss, want, tc.loss)
		}
	}
}

// TestRuspiniGlobalOptimum checks by exhaustive search over all
// C(75,4) = 1,215,450 medoid sets that R's k=4 loss is the global optimum,
// so that "PAM/FasterPAM reach the optimum" means what it says.
func TestRuspiniGlobalOptimum(t *testing.T) {
	if testing.Short() {
		t.Skip("exhaustive search over 1.2 million sets")
	}
	v := kmtRuspini(t)
	n := v.N
	d := make([][]float64, n)
	for i := range d {
		d[i] = make([]float64, n)
		for j := range d[i] {
			d[i][j] = math.Sqrt(math.Pow(float64(v.Data[2*i]-v.Data[2*j]), 2) + math.Pow(float64(v.Data[2*i+1]-v.Data[2*j+1]), 2))
		}
	}
	best := math.Inf(1)
	m3 := make([]float64, n)
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			for c := b + 1; c < n; c++ {
				for o := range m3 {
					m3[o] = min(d[a][o], d[b][o], d[c][o])
				}
				for e := c + 1; e < n; e++ {
					var s float64
					for o, x := range m3 {
						s += min(x, d[e][o])
					}
					best = min(best, s)
				}
			}
		}
	}
	if math.Abs(best-861.4781110933) > 1e-7 {
		t.Errorf("exhaustive k=4 optimum %.10f, R's pam gives 861.4781110933", best)
	}
}
