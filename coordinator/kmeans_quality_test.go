package coordinator_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// readAll reads every feature row of a file.
func readAll(t testing.TB, path string, exclude ...string) *partition.Block {
	t.Helper()
	ds, err := partition.Scan([]string{path}, partition.Options{Exclude: exclude})
	if err != nil {
		t.Fatal(err)
	}
	b, err := partition.ReadAll(ds, partition.NullsError)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A Lloyd run over NATS, with its sums computed shard by shard on two
// workers, equals Lloyd computed here in one process with a naive float64
// loop from the same start.
func TestLloydOverNATSEqualsInProcess(t *testing.T) {
	const k, iters = 6, 8
	data := writeBlobs(t, "lloyd.parquet", 30_000, 5, k)
	x := readAll(t, data, "label")
	d := x.D
	// Start from rows 0..k-1: deterministic and independent of shoal's
	// own initialisation.
	start := make([][]float64, k)
	for c := range k {
		start[c] = make([]float64, d)
		for f := range d {
			start[c][f] = float64(x.Data[c*d+f])
		}
	}
	s := mustStartStack(t, 2)
	m, err := s.run(t, wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: k, Algorithm: "kmeans",
		InitCentres: start, MaxIter: iters, Tol: 1e-300, ShardRows: 4096})
	if err != nil {
		t.Fatal(err)
	}

	// The reference: float64 Lloyd, every row against every centre.
	c := start
	n := x.Len()
	ran := 0
	for range iters {
		ran++
		sums := make([][]float64, k)
		counts := make([]float64, k)
		for j := range k {
			sums[j] = make([]float64, d)
		}
		for i := range n {
			best, bestD := 0, math.Inf(1)
			for j := range k {
				var s float64
				for f := range d {
					v := float64(x.Data[i*d+f]) - c[j][f]
					s += v * v
				}
				if s < bestD {
					best, bestD = j, s
				}
			}
			counts[best]++
			for f := range d {
				sums[best][f] += float64(x.Data[i*d+f])
			}
		}
		next := make([][]float64, k)
		for j := range k {
			if counts[j] == 0 {
				t.Fatalf("reference Lloyd has an empty cluster %d; pick another start", j)
			}
			next[j] = make([]float64, d)
			for f := range d {
				// shoal keeps centres as float32, as the reference must.
				next[j][f] = float64(float32(sums[j][f] / counts[j]))
			}
		}
		moved := false
		for j := range k {
			for f := range d {
				moved = moved || next[j][f] != c[j][f]
			}
		}
		c = next
		if !moved { // converged: shoal stops here too
			break
		}
	}
	if m.Iterations != ran {
		t.Errorf("shoal ran %d iterations, the reference %d", m.Iterations, ran)
	}
	for j := range k {
		for f := range d {
			if diff := math.Abs(m.Centers[j][f] - c[j][f]); diff > 1e-5*math.Max(1, math.Abs(c[j][f])) {
				t.Errorf("centre %d feature %d: shoal %v, in-process %v", j, f, m.Centers[j][f], c[j][f])
			}
		}
	}
}

// A weight w on a row must act like w copies of it.
func TestWeightsActLikeCopies(t *testing.T) {
	dir := t.TempDir()
	rng := algo.NewRand(1)
	const n, d = 600, 3
	var data, repeated []float32
	var weights []int32
	for i := range n {
		row := make([]float32, d)
		for f := range row {
			row[f] = float32(rng.NormFloat64() + float64(10*(i%3)))
		}
		w := int32(1 + rng.IntN(3))
		data = append(data, row...)
		weights = append(weights, w)
		for range w {
			repeated = append(repeated, row...)
		}
	}
	names := []string{"a", "b", "c"}
	weighted := filepath.Join(dir, "weighted.csv")
	copies := filepath.Join(dir, "copies.csv")
	if err := partition.WriteTable(weighted, names, data, n, []string{"w"}, [][]int32{weights}); err != nil {
		t.Fatal(err)
	}
	if err := partition.WriteTable(copies, names, repeated, len(repeated)/d, nil, nil); err != nil {
		t.Fatal(err)
	}
	start := [][]float64{{0, 0, 0}, {5, 5, 5}, {20, 20, 20}}
	s := mustStartStack(t, 2)
	a, err := s.run(t, wire.JobSpec{Inputs: []string{weighted}, Columns: names, Weight: "w", K: 3, Algorithm: "kmeans", InitCentres: start})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.run(t, wire.JobSpec{Inputs: []string{copies}, K: 3, Algorithm: "kmeans", InitCentres: start})
	if err != nil {
		t.Fatal(err)
	}
	for j := range 3 {
		for f := range d {
			if math.Abs(a.Centers[j][f]-b.Centers[j][f]) > 1e-4 {
				t.Errorf("centre %d: weighted %v, copies %v", j, a.Centers[j], b.Centers[j])
				break
			}
		}
	}
	if math.Abs(*a.Inertia-*b.Inertia) > 1e-6**b.Inertia {
		t.Errorf("weighted inertia %v, copies %v", *a.Inertia, *b.Inertia)
	}
}

func TestKMeansParallelInit(t *testing.T) {
	const n, k = 60_000, 10
	data := writeBlobs(t, "kmpar.parquet", n, 8, k)
	out := filepath.Join(t.TempDir(), "labels.parquet")
	var models []*wire.Model
	for _, workers := range []int{1, 3} {
		s := mustStartStack(t, workers)
		m, err := s.run(t, wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: k, Algorithm: "kmeans", Init: "kmeans||", Seed: 8, Out: out, ShardRows: 8192})
		if err != nil {
			t.Fatal(err)
		}
		if ari := checkLabels(t, out, data, n); ari < 0.99 {
			t.Errorf("%d workers: ARI %.4f < 0.99", workers, ari)
		}
		m.Seconds, m.Timings, m.Tasks = 0, nil, nil
		models = append(models, m)
	}
	if *models[0].Inertia != *models[1].Inertia {
		t.Errorf("k-means|| with 1 and 3 workers: inertia %v vs %v", *models[0].Inertia, *models[1].Inertia)
	}
}

// Inertia on generated blobs is within 1% of the inertia of the
// generator's own centres, an independent near-optimum.
func TestKMeansInertiaNearGeneratorCentres(t *testing.T) {
	const n, d, k = 50_000, 8, 10
	path := filepath.Join(t.TempDir(), "blobs.parquet")
	blobs, err := partition.GenerateBlobs(path, partition.BlobsConfig{N: n, D: d, K: k, Seed: 21})
	if err != nil {
		t.Fatal(err)
	}
	x := readAll(t, path, "label")
	var truth float64
	for i := range n {
		best := math.Inf(1)
		for _, c := range blobs.Centres {
			var s float64
			for f := range d {
				v := float64(x.Data[i*d+f]) - c[f]
				s += v * v
			}
			best = math.Min(best, s)
		}
		truth += best
	}
	s := mustStartStack(t, 2)
	for _, algo := range []string{"kmeans", "minibatch"} {
		m, err := s.run(t, wire.JobSpec{Inputs: []string{path}, Exclude: []string{"label"}, K: k, Algorithm: algo, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		rel := *m.Inertia/truth - 1
		t.Logf("%s: inertia %.1f, generator centres %.1f (%+.3f%%)", algo, *m.Inertia, truth, 100*rel)
		if rel > 0.01 {
			t.Errorf("%s: inertia %.1f is %.2f%% above the generator centres' %.1f", algo, *m.Inertia, 100*rel, truth)
		}
	}
}

// scikit-learn's digits (1,797 8×8 images, exported once into testdata
// with sklearn 1.2.1's load_digits). The reference inertia is the best of
// 10 single runs of sklearn.cluster.KMeans(n_clusters=10, n_init=1,
// random_state=s) for s in 0..9, computed with Debian's python3-sklearn:
//
//	min(KMeans(n_clusters=10, n_init=1, random_state=s).fit(X).inertia_ for s in range(10))
//	= 1165177.956424016
func TestKMeansDigitsAgainstScikitLearn(t *testing.T) {
	const sklearnBest = 1165177.956424016
	path := filepath.Join("testdata", "digits.csv")
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	s := mustStartStack(t, 2)
	best := math.Inf(1)
	for seed := uint64(1); seed <= 5; seed++ {
		m, err := s.run(t, wire.JobSpec{Inputs: []string{path}, Exclude: []string{"label"}, K: 10, Algorithm: "kmeans", Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		rel := *m.Inertia/sklearnBest - 1
		t.Logf("seed %d: inertia %.1f (%+.2f%% against scikit-learn's best of 10)", seed, *m.Inertia, 100*rel)
		if seed == 1 && rel > 0.01 {
			t.Errorf("default seed: inertia %.1f is %.2f%% above scikit-learn's best of 10 runs", *m.Inertia, 100*rel)
		}
		best = math.Min(best, *m.Inertia)
	}
	if rel := best/sklearnBest - 1; rel > 0.001 {
		t.Errorf("best of 5 seeds %.1f is %.3f%% above scikit-learn's best of 10", best, 100*rel)
	}
}

// A centre that attracts no row must not stay empty or turn into NaN:
// Lloyd splits the largest cluster, mini-batch moves the starved centre
// to a sample row.
func TestEmptyClusterIsReseeded(t *testing.T) {
	const n, k = 20_000, 4
	data := writeBlobs(t, "empty.parquet", n, 2, k)
	// Three centres near the data, one so far away that no row is nearest
	// to it in the first round.
	start := [][]float64{{0, 0}, {1, 1}, {-1, -1}, {1e6, 1e6}}
	s := mustStartStack(t, 2)
	for _, algo := range []string{"kmeans", "minibatch"} {
		out := filepath.Join(t.TempDir(), "labels.parquet")
		m, err := s.run(t, wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: k, Algorithm: algo, InitCentres: start, Seed: 2, Out: out})
		if err != nil {
			t.Fatal(err)
		}
		for c, size := range m.ClusterSizes {
			if size == 0 {
				t.Errorf("%s: cluster %d is empty: sizes %v", algo, c, m.ClusterSizes)
			}
			for _, v := range m.Centers[c] {
				if math.IsNaN(v) || math.Abs(v) > 1e5 {
					t.Errorf("%s: centre %d is %v", algo, c, m.Centers[c])
					break
				}
			}
		}
		t.Logf("%s: sizes %v, ARI %.3f", algo, m.ClusterSizes, checkLabels(t, out, data, n))
	}
}
