package validity

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/shoal-io/shoal/algo"
)

// Silhouettes of many labellings at once must be Silhouette of each, bit
// for bit, for every metric and any number of goroutines.
func TestSilhouettesMatchSilhouette(t *testing.T) {
	seed := uint64(rand.Uint32())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	for trial := range 60 {
		n, d := 5+rng.IntN(60), 1+rng.IntN(7)
		x := make([]float32, n*d)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 4)
		}
		var ks []int
		var labels [][]int32
		top := 2 + rng.IntN(5)
		for k := 2; k <= top; k++ {
			lab := make([]int32, n)
			for i := range lab {
				lab[i] = int32(rng.IntN(k))
			}
			lab[0], lab[1], lab[2] = 0, 1, 1 // two non-empty clusters, not all singletons
			ks, labels = append(ks, k), append(labels, lab)
		}
		m := algo.Metric(trial % 4)
		for workers := 1; workers <= 3; workers += 2 {
			got, err := Silhouettes(x, d, labels, ks, m, workers)
			if err != nil {
				t.Fatal(err)
			}
			for s, k := range ks {
				want, err := Silhouette(Data{X: x, D: d, Labels: labels[s], K: k}, m, 1)
				if err != nil {
					t.Fatal(err)
				}
				if got[s] != want {
					t.Fatalf("trial %d (n=%d d=%d %v, %d workers) k=%d: %v, Silhouette gives %v", trial, n, d, m, workers, k, got[s], want)
				}
			}
		}
	}
}

// On scikit-learn's data, the silhouettes of the target and k-means
// labels at once are scikit-learn's, to the 1e-9 of TestAgainstScikitLearn.
func TestSilhouettesSklearn(t *testing.T) {
	ref := skReference(t)
	for _, name := range []string{"iris", "wine", "digits"} {
		x, d, labels := skLoad(t, name)
		set := ref[name]
		k := func(l []int32) int {
			m := int32(0)
			for _, c := range l {
				m = max(m, c)
			}
			return int(m) + 1
		}
		got, err := Silhouettes(x, d, [][]int32{labels["target"], labels["kmeans"]},
			[]int{k(labels["target"]), k(labels["kmeans"])}, algo.Euclidean, 2)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []float64{set.Target.Silhouette, set.KMeans.Silhouette} {
			if !relClose(got[i], want, 1e-9) {
				t.Errorf("%s labelling %d: %.15f, scikit-learn %.15f", name, i, got[i], want)
			}
		}
	}
}

func TestSilhouettesErrors(t *testing.T) {
	x := []float32{0, 1, 2, 3}
	if _, err := Silhouettes(x, 1, [][]int32{{0, 1, 0, 1}}, []int{2, 3}, algo.Euclidean, 1); !errors.Is(err, ErrShape) {
		t.Errorf("labellings and k of different lengths: %v", err)
	}
	if _, err := Silhouettes(x, 1, [][]int32{{0, 1, 0, 1}, {0, 0, 0, 0}}, []int{2, 2}, algo.Euclidean, 1); !errors.Is(err, ErrClusters) {
		t.Errorf("one cluster: %v", err)
	}
}
