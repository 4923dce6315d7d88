package validity

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shoal-io/shoal/algo"
)

// naiveSilhouette is s(i) straight from Rousseeuw's definition with
// algo.Distance: a loop per pair, counts instead of cluster sizes.
func naiveSilhouette(x []float32, d int, labels []int32, k int, m algo.Metric) []float64 {
	n := len(labels)
	s := make([]float64, n)
	for i := range n {
		sum := make([]float64, k)
		cnt := make([]int, k)
		for j := range n {
			if j != i {
				sum[labels[j]] += algo.Distance(m, x[i*d:(i+1)*d], x[j*d:(j+1)*d])
				cnt[labels[j]]++
			}
		}
		own := labels[i]
		if cnt[own] == 0 {
			continue
		}
		a := sum[own] / float64(cnt[own])
		b := math.Inf(1)
		for c := range k {
			if int32(c) != own && cnt[c] > 0 {
				b = math.Min(b, sum[c]/float64(cnt[c]))
			}
		}
		if math.Max(a, b) > 0 {
			s[i] = (b - a) / math.Max(a, b)
		}
	}
	return s
}

// TestSilhouetteHand: points 0, 1, 2, 6, 7 on a line, clusters {0,1,2}
// and {6,7}.
//
//	s(0): a = 1.5, b = 6.5, s = 5/6.5      s(6): a = 1, b = 5, s = 4/5
//	s(1): a = 1,   b = 5.5, s = 4.5/5.5    s(7): a = 1, b = 6, s = 5/6
//	s(2): a = 1.5, b = 4.5, s = 3/4.5
func TestSilhouetteHand(t *testing.T) {
	data := Data{X: []float32{0, 1, 2, 6, 7}, D: 1, Labels: []int32{0, 0, 0, 1, 1}, K: 2}
	want := []float64{5 / 6.5, 4.5 / 5.5, 3 / 4.5, 4.0 / 5, 5.0 / 6}
	got, err := SilhouetteSamples(data, algo.Euclidean, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15 {
			t.Errorf("s(%d) = %.16f, want %.16f", i, got[i], want[i])
		}
	}
	mean, err := Silhouette(data, algo.Euclidean, 2)
	if err != nil {
		t.Fatal(err)
	}
	if w := (want[0] + want[1] + want[2] + want[3] + want[4]) / 5; math.Abs(mean-w) > 1e-15 {
		t.Errorf("Silhouette = %.16f, want %.16f", mean, w)
	}
}

// TestSilhouetteBruteForce compares with the definition on random small
// cases: every metric, empty and singleton clusters, 1 to 3 workers. The
// widths must not depend on the number of workers at all.
func TestSilhouetteBruteForce(t *testing.T) {
	seed := uint64(rand.Uint32())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	for trial := range 200 {
		n, d, k := 3+rng.IntN(40), 1+rng.IntN(6), 2+rng.IntN(5)
		x := make([]float32, n*d)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 3)
		}
		labels := make([]int32, n)
		for i := range labels {
			labels[i] = int32(rng.IntN(k))
		}
		labels[0], labels[1] = 0, 1 // two non-empty clusters
		if n-1 > 1 && trial%3 == 0 {
			for i := range labels[:n-1] {
				labels[i] = int32(i % 2)
			}
			labels[n-1] = int32(k - 1) // a singleton when k > 2
		}
		m := algo.Metric(trial % 4)
		data := Data{X: x, D: d, Labels: labels, K: k}
		want := naiveSilhouette(x, d, labels, k, m)
		var first []float64
		for workers := 1; workers <= 3; workers++ {
			got, err := SilhouetteSamples(data, m, workers)
			if errors.Is(err, ErrClusters) {
				break // every row in its own cluster: n−1 bound
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-12 {
					t.Fatalf("trial %d (n=%d d=%d k=%d %v, %d workers): s(%d) = %g, want %g", trial, n, d, k, m, workers, i, got[i], want[i])
				}
				if first != nil && got[i] != first[i] {
					t.Fatalf("trial %d: s(%d) differs between 1 and %d workers: %g vs %g", trial, i, workers, first[i], got[i])
				}
			}
			first = got
		}
	}
}

func TestSilhouetteErrors(t *testing.T) {
	x := []float32{0, 1, 2, 3}
	cases := []struct {
		name string
		data Data
		m    algo.Metric
		want error
	}{
		{"one cluster", Data{X: x, D: 1, Labels: []int32{0, 0, 0, 0}, K: 2}, algo.Euclidean, ErrClusters},
		{"n clusters", Data{X: x, D: 1, Labels: []int32{0, 1, 2, 3}, K: 4}, algo.Euclidean, ErrClusters},
		{"label out of range", Data{X: x, D: 1, Labels: []int32{0, 1, 2, 0}, K: 2}, algo.Euclidean, ErrLabel},
		{"negative label", Data{X: x, D: 1, Labels: []int32{0, 1, -1, 0}, K: 2}, algo.Euclidean, ErrLabel},
		{"short data", Data{X: x[:3], D: 1, Labels: []int32{0, 1, 1, 0}, K: 2}, algo.Euclidean, ErrShape},
		{"NaN", Data{X: []float32{0, float32(math.NaN()), 2, 3}, D: 1, Labels: []int32{0, 1, 1, 0}, K: 2}, algo.Euclidean, ErrNotFinite},
		{"metric", Data{X: x, D: 1, Labels: []int32{0, 1, 1, 0}, K: 2}, algo.Metric(9), algo.ErrUnknownMetric},
	}
	for _, c := range cases {
		if _, err := Silhouette(c.data, c.m, 1); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

// TestMedoidSilhouetteAgainstAlgo: the vector form here and algo's
// dissimilarity form must agree when the centres are rows of the data.
func TestMedoidSilhouetteAgainstAlgo(t *testing.T) {
	seed := uint64(rand.Uint32())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	for trial := range 100 {
		n, d, k := 5+rng.IntN(30), 1+rng.IntN(5), 2+rng.IntN(3)
		m := algo.Metric(trial % 4)
		x := make([]float32, n*d)
		for i := range x {
			// Ties and duplicates on purpose, but not for cosine: there
			// parallel vectors sit at 0 or at rounding noise depending on
			// how the norms were computed, and 1 − d1/d2 of noise is noise.
			if m == algo.Cosine {
				x[i] = float32(rng.NormFloat64())
			} else {
				x[i] = float32(rng.IntN(7))
			}
		}
		medoids := rng.Perm(n)[:k]
		var centres []float32
		for _, r := range medoids {
			centres = append(centres, x[r*d:(r+1)*d]...)
		}
		got, err := MedoidSilhouette(x, d, centres, m)
		if err != nil {
			t.Fatal(err)
		}
		v, err := algo.NewVectors(x, n, d, m)
		if err != nil {
			t.Fatal(err)
		}
		want, err := algo.MedoidSilhouette(v, medoids)
		if err != nil {
			t.Fatal(err)
		}
		// algo works on float32 dissimilarities, this package on float64.
		if math.Abs(got-want) > 1e-6 {
			t.Fatalf("trial %d (n=%d d=%d k=%d %v): %g, algo.MedoidSilhouette %g", trial, n, d, k, m, got, want)
		}
	}
}

// TestMedoidSilhouetteHand: points 0, 1, 5, 9 and centres 0, 9.
// Row 0: 1−0/9; row 1: 1−1/8; row 5: 1−4/5; row 9: 1−0/9.
func TestMedoidSilhouetteHand(t *testing.T) {
	got, err := MedoidSilhouette([]float32{0, 1, 5, 9}, 1, []float32{0, 9}, algo.Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	if want := (1 + (1 - 1.0/8) + (1 - 4.0/5) + 1) / 4; math.Abs(got-want) > 1e-15 {
		t.Errorf("MedoidSilhouette = %.16f, want %.16f", got, want)
	}
	if _, err := MedoidSilhouette([]float32{0, 1}, 1, []float32{0}, algo.Euclidean); !errors.Is(err, ErrClusters) {
		t.Errorf("one centre: err = %v, want ErrClusters", err)
	}
}

// TestScatterHand: 2-D points (0,0), (2,0) in cluster 0 and (10,0),
// (10,2), (10,4) in cluster 1.
//
//	centroids (1,0) and (10,2); grand mean (32/5, 6/5) = (6.4, 1.2)
//	W = 1+1 + 4+0+4 = 10
//	B = 2·(5.4²+1.2²) + 3·(3.6²+0.8²) = 2·30.6 + 3·13.6 = 102
//	CH = (102/1)/(10/3) = 30.6
//	S_0 = 1, S_1 = (2+0+2)/3 = 4/3, M = √85
//	DB = (1+4/3)/√85 (both clusters have the same worst partner)
func TestScatterHand(t *testing.T) {
	data := Data{X: []float32{0, 0, 2, 0, 10, 0, 10, 2, 10, 4}, D: 2, Labels: []int32{0, 0, 1, 1, 1}, K: 3}
	ch, db, err := Scatter(data) // cluster 2 is empty and ignored
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ch-30.6) > 1e-12 {
		t.Errorf("CH = %.16g, want 30.6", ch)
	}
	if want := (1 + 4.0/3) / math.Sqrt(85); math.Abs(db-want) > 1e-15 {
		t.Errorf("DB = %.16g, want %.16g", db, want)
	}
}

// naiveDB is Davies–Bouldin from the definition, with centroids computed
// per cluster by its own loop.
func naiveDB(x []float32, d int, labels []int32, k int) float64 {
	type cl struct {
		mu []float64
		s  float64
		n  int
	}
	cls := make([]cl, k)
	for c := range cls {
		cls[c].mu = make([]float64, d)
	}
	for i, c := range labels {
		cls[c].n++
		for j := range d {
			cls[c].mu[j] += float64(x[i*d+j])
		}
	}
	var live []int
	for c := range cls {
		if cls[c].n > 0 {
			for j := range d {
				cls[c].mu[j] /= float64(cls[c].n)
			}
			live = append(live, c)
		}
	}
	for i, c := range labels {
		var q float64
		for j := range d {
			q += (float64(x[i*d+j]) - cls[c].mu[j]) * (float64(x[i*d+j]) - cls[c].mu[j])
		}
		cls[c].s += math.Sqrt(q) / float64(cls[c].n)
	}
	var sum float64
	for _, a := range live {
		worst := 0.0
		for _, b := range live {
			if a == b {
				continue
			}
			var q float64
			for j := range d {
				q += (cls[a].mu[j] - cls[b].mu[j]) * (cls[a].mu[j] - cls[b].mu[j])
			}
			worst = math.Max(worst, (cls[a].s+cls[b].s)/math.Sqrt(q))
		}
		sum += worst
	}
	return sum / float64(len(live))
}

// TestScatterMerge: splitting the rows over shards and merging the
// partial sums gives the single-pass indices, and DB agrees with the
// definition.
func TestScatterMerge(t *testing.T) {
	seed := uint64(rand.Uint32())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	for trial := range 50 {
		n, d, k := 10+rng.IntN(50), 1+rng.IntN(5), 2+rng.IntN(4)
		x := make([]float32, n*d)
		labels := make([]int32, n)
		for i := range labels {
			labels[i] = int32(rng.IntN(k))
			for j := range d {
				x[i*d+j] = float32(rng.NormFloat64() + 4*float64(labels[i]))
			}
		}
		labels[0], labels[1] = 0, 1
		data := Data{X: x, D: d, Labels: labels, K: k}
		ch, db, err := Scatter(data)
		if err != nil {
			t.Fatal(err)
		}
		if want := naiveDB(x, d, labels, k); math.Abs(db-want) > 1e-12*want {
			t.Fatalf("trial %d: DB %g, definition %g", trial, db, want)
		}
		cut := 1 + rng.IntN(n-1)
		a, b := NewSums(k, d), NewSums(k, d)
		if err := a.Add(x[:cut*d], labels[:cut]); err != nil {
			t.Fatal(err)
		}
		if err := b.Add(x[cut*d:], labels[cut:]); err != nil {
			t.Fatal(err)
		}
		if err := a.Merge(b); err != nil {
			t.Fatal(err)
		}
		sa, _ := NewSpread(k, d, a.Means())
		sb, _ := NewSpread(k, d, a.Means())
		if err := sb.Add(x[cut*d:], labels[cut:]); err != nil {
			t.Fatal(err)
		}
		if err := sa.Add(x[:cut*d], labels[:cut]); err != nil {
			t.Fatal(err)
		}
		if err := sa.Merge(sb); err != nil {
			t.Fatal(err)
		}
		ch2, err := CalinskiHarabasz(a, sa)
		if err != nil {
			t.Fatal(err)
		}
		db2, err := DaviesBouldin(a, sa)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(ch2-ch) > 1e-9*ch || math.Abs(db2-db) > 1e-12*db {
			t.Fatalf("trial %d: merged CH %g DB %g, one pass CH %g DB %g", trial, ch2, db2, ch, db)
		}
	}
}

// TestScatterDegenerate: scikit-learn's conventions for zero dispersion.
func TestScatterDegenerate(t *testing.T) {
	// Every row on its centroid: W = 0 gives CH = 1, all S_i = 0 gives DB = 0.
	ch, db, err := Scatter(Data{X: []float32{1, 1, 5, 5}, D: 1, Labels: []int32{0, 0, 1, 1}, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	if ch != 1 || db != 0 {
		t.Errorf("zero dispersion: CH %g DB %g, want 1 and 0", ch, db)
	}
	if _, _, err := Scatter(Data{X: []float32{1, 2}, D: 1, Labels: []int32{0, 0}, K: 2}); !errors.Is(err, ErrClusters) {
		t.Errorf("one cluster: err = %v, want ErrClusters", err)
	}
	a, b := NewSums(2, 1), NewSums(3, 1)
	if err := a.Merge(b); !errors.Is(err, ErrShape) {
		t.Errorf("merge of different k: err = %v, want ErrShape", err)
	}
}

func ptr(v float64) *float64 { return &v }

func TestChoose(t *testing.T) {
	rows := []Score{
		{K: 4, Silhouette: 0.5, CalinskiHarabasz: 90, DaviesBouldin: 0.9, MedoidSilhouette: ptr(0.7)},
		{K: 2, Silhouette: 0.5, CalinskiHarabasz: 100, DaviesBouldin: 0.8, MedoidSilhouette: ptr(0.6)},
		{K: 3, Silhouette: 0.4, CalinskiHarabasz: 120, DaviesBouldin: 0.7},
		{K: 5, Silhouette: math.NaN(), CalinskiHarabasz: 80, DaviesBouldin: 0.7},
	}
	cases := []struct {
		rule Rule
		want int
	}{
		{RuleSilhouette, 2},       // tie of 2 and 4 goes to the smaller k
		{RuleMedoidSilhouette, 4}, // rows without it are skipped
		{RuleCalinskiHarabasz, 3}, // highest
		{RuleDaviesBouldin, 3},    // lowest; tie of 3 and 5 goes to 3
	}
	for _, c := range cases {
		got, err := Choose(rows, c.rule)
		if err != nil || got != c.want {
			t.Errorf("Choose(%s) = %d, %v; want %d", c.rule, got, err, c.want)
		}
	}
	// Noise in the last bits is a tie, not a win.
	noisy := []Score{{K: 2, Silhouette: 0.3}, {K: 3, Silhouette: 0.3 * (1 + 1e-14)}}
	if got, _ := Choose(noisy, RuleSilhouette); got != 2 {
		t.Errorf("rounding noise chose k=%d, want 2", got)
	}
	if _, err := Choose(rows, "max_loss"); !errors.Is(err, ErrRule) {
		t.Errorf("unknown rule: err = %v", err)
	}
	if _, err := Choose(rows[2:3], RuleMedoidSilhouette); !errors.Is(err, ErrNoScore) {
		t.Errorf("no medoid silhouette: err = %v", err)
	}
}

func TestSelectionValidate(t *testing.T) {
	good := Selection{Rule: RuleSilhouette, ChosenK: 3, Scores: []Score{{K: 2, Silhouette: 0.1}, {K: 3, Silhouette: 0.2}}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []Selection{
		{Rule: RuleSilhouette, ChosenK: 2, Scores: good.Scores},
		{Rule: RuleSilhouette, ChosenK: 3, Scores: []Score{{K: 3, Silhouette: 0.2}, {K: 2, Silhouette: 0.1}}},
		{Rule: RuleSilhouette, ChosenK: 1, Scores: []Score{{K: 1, Silhouette: 0.2}}},
		{Rule: RuleSilhouette, ChosenK: 3},
	}
	for i, s := range bad {
		if err := s.Validate(); !errors.Is(err, ErrSelection) {
			t.Errorf("case %d: err = %v, want ErrSelection", i, err)
		}
	}
}

func TestSampleRows(t *testing.T) {
	a, err := SampleRows(1000, 100, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := SampleRows(1000, 100, 7)
	c, _ := SampleRows(1000, 100, 8)
	same := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, row %d: %d vs %d", i, a[i], b[i])
		}
		if i > 0 && a[i] <= a[i-1] {
			t.Fatalf("not strictly increasing at %d: %v", i, a[i-1:i+1])
		}
		if a[i] == c[i] {
			same++
		}
	}
	if same == len(a) {
		t.Error("seeds 7 and 8 drew the same rows")
	}
	all, _ := SampleRows(5, 10, 1)
	if len(all) != 5 || all[4] != 4 {
		t.Errorf("size ≥ n: %v", all)
	}
	// Uniformity: over many seeds each of 10 rows is drawn 3/10 of the time.
	counts := make([]int, 10)
	const draws = 20000
	for s := range uint64(draws) {
		r, _ := SampleRows(10, 3, s)
		for _, i := range r {
			counts[i]++
		}
	}
	for i, c := range counts {
		if p := float64(c) / draws; math.Abs(p-0.3) > 0.02 {
			t.Errorf("row %d drawn with frequency %.3f, want 0.3", i, p)
		}
	}
}
