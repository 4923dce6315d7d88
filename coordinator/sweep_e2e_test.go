package coordinator_test

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/algo/validity"
	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// readFeatures reads the feature columns cols of a CSV file as float32
// rows, row-major, with encoding/csv: apart from the job's own reader.
func readFeatures(t *testing.T, path string, cols []string) ([]float32, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = slices.Index(recs[0], c)
		if idx[i] < 0 {
			t.Fatalf("%s has no column %s", path, c)
		}
	}
	var x []float32
	for _, r := range recs[1:] {
		for _, i := range idx {
			v, err := strconv.ParseFloat(r[i], 32)
			if err != nil {
				t.Fatal(err)
			}
			x = append(x, float32(v))
		}
	}
	return x, len(recs) - 1
}

func featureNames(d int) []string {
	cols := make([]string, d)
	for i := range cols {
		cols[i] = "f" + strconv.Itoa(i)
	}
	return cols
}

// closeTo reports whether got is within tol of want, relative to want.
func closeTo(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// singleScores fits every k of ks as a job of that k alone (the same
// seed and options), reads back its labels and model, and scores them
// with package validity on the raw data: what the sweep must report,
// computed by another path. It returns the scores and each k's labels.
func singleScores(t *testing.T, s *testStack, base wire.JobSpec, ks []int, x []float32, d int) ([]validity.Score, map[int][]int64) {
	t.Helper()
	dir := t.TempDir()
	metric, err := algo.ParseMetric(base.Metric)
	if err != nil {
		metric = algo.Euclidean
	}
	scores := make([]validity.Score, len(ks))
	labelsOf := map[int][]int64{}
	for i, k := range ks {
		spec := base
		spec.KRange, spec.K = nil, k
		spec.SelectRule, spec.Selection = "", ""
		spec.Out = filepath.Join(dir, fmt.Sprintf("labels-%d.csv", k))
		spec.Model = ""
		m, err := s.run(t, spec)
		if err != nil {
			t.Fatalf("single fit k=%d: %v", k, err)
		}
		cl, err := partition.ReadIntColumn([]string{spec.Out}, "cluster")
		if err != nil {
			t.Fatal(err)
		}
		labelsOf[k] = cl
		lab := make([]int32, len(cl))
		for r, c := range cl {
			lab[r] = int32(c)
		}
		data := validity.Data{X: x, D: d, Labels: lab, K: k}
		sc := validity.Score{K: k, Loss: m.TotalDeviation}
		if !spec.IsMedoid() {
			sc.Loss = *m.Inertia
		}
		if sc.Silhouette, err = validity.Silhouette(data, metric, 2); err != nil {
			t.Fatal(err)
		}
		if sc.CalinskiHarabasz, sc.DaviesBouldin, err = validity.Scatter(data); err != nil {
			t.Fatal(err)
		}
		if spec.IsMedoid() {
			var centres []float32
			for _, c := range m.Centers {
				for _, v := range c {
					centres = append(centres, float32(v))
				}
			}
			ms, err := validity.MedoidSilhouette(x, d, centres, metric)
			if err != nil {
				t.Fatal(err)
			}
			sc.MedoidSilhouette = &ms
		}
		scores[i] = sc
	}
	return scores, labelsOf
}

// checkSweep runs the sweep of base and compares its table, its choice,
// its model and labels and its selection report with single fits.
func checkSweep(t *testing.T, s *testStack, base wire.JobSpec, x []float32, d int) {
	t.Helper()
	dir := t.TempDir()
	spec := base
	spec.Model = filepath.Join(dir, "model.json")
	spec.Out = filepath.Join(dir, "labels.csv")
	m, err := s.run(t, spec)
	if err != nil {
		t.Fatal(err)
	}
	want, labelsOf := singleScores(t, s, base, base.KRange, x, d)
	if m.Selection == nil {
		t.Fatal("the model of a sweep has no selection")
	}
	got := m.Selection.Scores
	if len(got) != len(want) {
		t.Fatalf("%d rows in the table, want %d", len(got), len(want))
	}
	// The workers read the data shifted by a per-column offset before
	// the conversion to float32 (see partition.Offsets); the indices are
	// translation invariant, so they differ from the raw data's only in
	// float32 rounding.
	const tol = 1e-5
	for i, w := range want {
		g := got[i]
		t.Logf("k=%d loss %.6g/%.6g silhouette %.6f/%.6f CH %.6g/%.6g DB %.6f/%.6f", w.K,
			g.Loss, w.Loss, g.Silhouette, w.Silhouette, g.CalinskiHarabasz, w.CalinskiHarabasz, g.DaviesBouldin, w.DaviesBouldin)
		if g.K != w.K || !closeTo(g.Loss, w.Loss, tol) || !closeTo(g.Silhouette, w.Silhouette, tol) ||
			!closeTo(g.CalinskiHarabasz, w.CalinskiHarabasz, tol) || !closeTo(g.DaviesBouldin, w.DaviesBouldin, tol) {
			t.Errorf("row %d: got %+v, want %+v", i, g, w)
		}
		if (g.MedoidSilhouette == nil) != (w.MedoidSilhouette == nil) {
			t.Errorf("k=%d: medoid silhouette %v, want %v", w.K, g.MedoidSilhouette, w.MedoidSilhouette)
		} else if w.MedoidSilhouette != nil && !closeTo(*g.MedoidSilhouette, *w.MedoidSilhouette, tol) {
			t.Errorf("k=%d: medoid silhouette %.8f, want %.8f", w.K, *g.MedoidSilhouette, *w.MedoidSilhouette)
		}
	}
	rule := validity.Rule(spec.SelectRule)
	if rule == "" {
		rule = validity.RuleSilhouette
	}
	chosen, err := validity.Choose(want, rule)
	if err != nil {
		t.Fatal(err)
	}
	if m.K != chosen || m.Selection.ChosenK != chosen || string(m.Selection.Rule) != string(rule) {
		t.Errorf("model k=%d, selection chose %d by %s; %s on the single fits picks %d", m.K, m.Selection.ChosenK, m.Selection.Rule, rule, chosen)
	}
	cl, err := partition.ReadIntColumn([]string{spec.Out}, "cluster")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cl, labelsOf[chosen]) {
		t.Errorf("the sweep's labels differ from those of a single fit of k=%d", chosen)
	}
	if len(m.ClusterSizes) != chosen || (len(m.Centers) != chosen) {
		t.Errorf("model of k=%d has %d sizes and %d centres", chosen, len(m.ClusterSizes), len(m.Centers))
	}
	// The selection report beside the model: the same table, valid.
	path := wire.SelectionPath(spec.Model)
	if m.Selection.Report != path {
		t.Errorf("model names the report %q, want %q", m.Selection.Report, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var sel validity.Selection
	if err := json.Unmarshal(b, &sel); err != nil {
		t.Fatal(err)
	}
	if err := sel.Validate(); err != nil {
		t.Error(err)
	}
	if sel.ChosenK != chosen || len(sel.Scores) != len(want) || sel.SampleSize != len(x)/d {
		t.Errorf("report chose %d of %d rows on %d sample rows", sel.ChosenK, len(sel.Scores), sel.SampleSize)
	}
	var onDisk wire.Model
	b, err = os.ReadFile(spec.Model)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &onDisk); err != nil || onDisk.Selection == nil || onDisk.Selection.ChosenK != chosen {
		t.Errorf("model file's selection: %v, %+v", err, onDisk.Selection)
	}
}

func TestSweepKMeansIris(t *testing.T) {
	const d = 4
	path := filepath.Join("..", "algo", "validity", "testdata", "iris.csv")
	x, _ := readFeatures(t, path, featureNames(d))
	s := mustStartStack(t, 2)
	checkSweep(t, s, wire.JobSpec{
		Inputs: []string{path}, Columns: featureNames(d), KRange: []int{2, 3, 4, 5, 6},
		Algorithm: "kmeans", Seed: 5, ShardRows: 40,
	}, x, d)
}

// Each k of a sweep keeps the best of its n_init restarts, which run in
// the sweep's shared passes: what a job of that k and n_init alone keeps.
func TestSweepKMeansRestartsIris(t *testing.T) {
	const d = 4
	path := filepath.Join("..", "algo", "validity", "testdata", "iris.csv")
	x, _ := readFeatures(t, path, featureNames(d))
	s := mustStartStack(t, 2)
	checkSweep(t, s, wire.JobSpec{
		Inputs: []string{path}, Columns: featureNames(d), KRange: []int{2, 3, 5},
		Algorithm: "kmeans", Init: "random", NInit: 4, Seed: 8, ShardRows: 40,
	}, x, d)
}

func TestSweepMiniBatchWine(t *testing.T) {
	const d = 13
	path := filepath.Join("..", "algo", "validity", "testdata", "wine.csv")
	x, _ := readFeatures(t, path, featureNames(d))
	s := mustStartStack(t, 2)
	checkSweep(t, s, wire.JobSpec{
		Inputs: []string{path}, Columns: featureNames(d), KRange: []int{2, 3, 4},
		Algorithm: "minibatch", BatchSize: 64, MaxIter: 50, Seed: 2, ShardRows: 50, SelectRule: "max_calinski_harabasz",
	}, x, d)
}

func TestSweepFasterPAMWine(t *testing.T) {
	const d = 13
	path := filepath.Join("..", "algo", "validity", "testdata", "wine.csv")
	x, _ := readFeatures(t, path, featureNames(d))
	s := mustStartStack(t, 2)
	checkSweep(t, s, wire.JobSpec{
		Inputs: []string{path}, Columns: featureNames(d), KRange: []int{2, 3, 4, 5, 6},
		Algorithm: "fasterpam", Metric: "manhattan", Seed: 3, ShardRows: 50, SelectRule: "max_medoid_silhouette",
	}, x, d)
}

func TestSweepFastCLARAIris(t *testing.T) {
	const d = 4
	path := filepath.Join("..", "algo", "validity", "testdata", "iris.csv")
	x, _ := readFeatures(t, path, featureNames(d))
	s := mustStartStack(t, 2)
	checkSweep(t, s, wire.JobSpec{
		Inputs: []string{path}, Columns: featureNames(d), KRange: []int{2, 3, 4},
		Algorithm: "fastclara", Samples: 3, SampleSize: 60, Seed: 4, ShardRows: 40,
	}, x, d)
}

func TestSweepRefusesKOfEveryRow(t *testing.T) {
	path := filepath.Join("..", "algo", "validity", "testdata", "iris.csv")
	s := mustStartStack(t, 1)
	_, err := s.run(t, wire.JobSpec{
		Inputs: []string{path}, Columns: featureNames(4), KRange: []int{2, 150}, Algorithm: "kmeans", Seed: 1,
	})
	if !errors.Is(err, coordinator.ErrInput) || !strings.Contains(err.Error(), "largest k of the range, 150") {
		t.Errorf("got %v, want ErrInput naming the largest k", err)
	}
}
