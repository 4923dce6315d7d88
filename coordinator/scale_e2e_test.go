package coordinator_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// sklearnScale is what testdata/scale/export_scale.py writes: scikit-learn's
// fitted scalers and StandardScaler + KMeans(n_init=10, random_state=0) on
// one data set.
type sklearnScale struct {
	N        int                             `json:"n"`
	Columns  []string                        `json:"columns"`
	Target   []int64                         `json:"target"`
	Standard struct{ Mean, Scale []float64 } `json:"standard"`
	MinMax   struct {
		DataMin   []float64 `json:"data_min"`
		DataRange []float64 `json:"data_range"`
	} `json:"minmax"`
	Robust struct{ Center, Scale []float64 } `json:"robust"`
	KMeans struct {
		K       int     `json:"k"`
		Inertia float64 `json:"inertia"`
		ARI     float64 `json:"ari"`
		Labels  []int64 `json:"labels"`
	} `json:"kmeans"`
}

func readSklearnScale(t *testing.T, name string) (csv string, ref sklearnScale) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "scale", name+"_sklearn.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return filepath.Join("testdata", "scale", name+".csv"), ref
}

// closeRel reports whether a and b agree to tol relative to the larger,
// or to tol absolutely near zero.
func closeRel(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1e-12, math.Max(math.Abs(a), math.Abs(b)))
}

func checkVector(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, scikit-learn has %d", what, len(got), len(want))
	}
	for j := range got {
		if !closeRel(got[j], want[j], tol) {
			t.Errorf("%s[%d] = %.17g, scikit-learn %.17g", what, j, got[j], want[j])
		}
	}
}

// TestScaleMatchesScikitLearn fits each scaler on wine and breast cancer,
// cut into many shards, and compares the model's scaler with scikit-learn's
// fitted attributes (testdata/scale, from export_scale.py); standardised
// k-means must reach scikit-learn's inertia (n_init=10) or lower and its
// agreement with the true classes.
func TestScaleMatchesScikitLearn(t *testing.T) {
	s := mustStartStack(t, 2)
	for _, name := range []string{"wine", "breast_cancer"} {
		data, ref := readSklearnScale(t, name)
		for _, method := range algo.ScaleMethods {
			t.Run(name+"/"+method, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "labels.csv")
				m, err := s.run(t, wire.JobSpec{Inputs: []string{data}, K: ref.KMeans.K, Algorithm: "kmeans",
					Seed: 1, ShardRows: 50, Scale: method, Out: out})
				if err != nil {
					t.Fatal(err)
				}
				if m.Scaler == nil || m.Scaler.Method != method || m.Params.Scale != method {
					t.Fatalf("model scaler %+v, params %+v", m.Scaler, m.Params)
				}
				switch method {
				case "standard":
					checkVector(t, "mean", m.Scaler.Center, ref.Standard.Mean, 1e-9)
					checkVector(t, "scale", m.Scaler.Scale, ref.Standard.Scale, 1e-9)
				case "minmax":
					checkVector(t, "data_min", m.Scaler.Center, ref.MinMax.DataMin, 1e-9)
					checkVector(t, "data_range", m.Scaler.Scale, ref.MinMax.DataRange, 1e-9)
				case "robust":
					checkVector(t, "center", m.Scaler.Center, ref.Robust.Center, 1e-9)
					checkVector(t, "scale", m.Scaler.Scale, ref.Robust.Scale, 1e-9)
				}
				// Centres in the data's units are the scaled ones mapped back.
				for c, row := range m.Centers {
					for f, v := range row {
						back := m.ScaledCenters[c][f]*m.Scaler.Scale[f] + m.Scaler.Center[f]
						if !closeRel(v, back, 1e-12) {
							t.Fatalf("centre %d column %d: %v in data units, %v from the scaled centre", c, f, v, back)
						}
					}
				}
				if method != "standard" {
					return
				}
				if *m.Inertia > ref.KMeans.Inertia*(1+1e-3) {
					t.Errorf("inertia %.6f, scikit-learn's %.6f", *m.Inertia, ref.KMeans.Inertia)
				}
				labels, err := partition.ReadIntColumn([]string{out}, "cluster")
				if err != nil {
					t.Fatal(err)
				}
				ari, err := algo.ARI(labels, ref.Target)
				if err != nil {
					t.Fatal(err)
				}
				if ari < ref.KMeans.ARI-0.02 {
					t.Errorf("ARI %.4f against the classes, scikit-learn's %.4f", ari, ref.KMeans.ARI)
				}
				t.Logf("%s: inertia %.6f (scikit-learn %.6f), ARI %.4f (scikit-learn %.4f)", name, *m.Inertia, ref.KMeans.Inertia, ari, ref.KMeans.ARI)
			})
		}
	}
}

// TestScaledMedoidsAreRowsInDataUnits: k-medoids on standardised wine
// gives medoids that are input rows, with their coordinates in the data's
// units.
func TestScaledMedoidsAreRowsInDataUnits(t *testing.T) {
	data, _ := readSklearnScale(t, "wine")
	s := mustStartStack(t, 2)
	m, err := s.run(t, wire.JobSpec{Inputs: []string{data}, K: 3, Algorithm: "fasterpam", Seed: 1, ShardRows: 50, Scale: "standard"})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := partition.Scan([]string{data}, partition.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]float64
	for _, sh := range ds.Shards {
		vals, b, err := partition.ShardValues(sh, ds.Columns, "", partition.NullsError)
		if err != nil {
			t.Fatal(err)
		}
		for i := range b.Len() {
			row := make([]float64, len(vals))
			for j := range vals {
				row[j] = vals[j][i]
			}
			rows = append(rows, row)
		}
	}
	for c, r := range m.MedoidRows {
		// float32 holds the scaled value to about 6e-8 of a standard
		// deviation.
		for f, v := range m.Centers[c] {
			if math.Abs(v-rows[r][f]) > 1e-6*m.Scaler.Scale[f] {
				t.Errorf("medoid %d (row %d) column %d: %v, the row holds %v", c, r, f, v, rows[r][f])
			}
		}
	}
}

// TestScaleConstantColumn: a column constant everywhere gets scale 1 and
// its value as centre, as scikit-learn's scalers give it.
func TestScaleConstantColumn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.csv")
	var b strings.Builder
	b.WriteString("x,c\n")
	for i := range 200 {
		b.WriteString(strings.Join([]string{jsonNum(float64(i%17) * 1.5), "42.5"}, ",") + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	s := mustStartStack(t, 2)
	for _, method := range algo.ScaleMethods {
		m, err := s.run(t, wire.JobSpec{Inputs: []string{path}, K: 2, Algorithm: "kmeans", Seed: 1, ShardRows: 30, Scale: method})
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if m.Scaler.Center[1] != 42.5 || m.Scaler.Scale[1] != 1 {
			t.Errorf("%s: constant column has centre %v, scale %v; want 42.5, 1", method, m.Scaler.Center[1], m.Scaler.Scale[1])
		}
		for c := range m.Centers {
			if m.Centers[c][1] != 42.5 || m.ScaledCenters[c][1] != 0 {
				t.Errorf("%s: centre %d is %v (scaled %v) in the constant column", method, c, m.Centers[c][1], m.ScaledCenters[c][1])
			}
		}
	}
}

func jsonNum(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestScaleRefusals: options that cannot go together fail before any
// task, with ErrJobSpec.
func TestScaleRefusals(t *testing.T) {
	data, _ := readSklearnScale(t, "wine")
	s := mustStartStack(t, 1)
	for _, spec := range []wire.JobSpec{
		{Inputs: []string{data}, K: 3, Scale: "bogus"},
		{Inputs: []string{data}, K: 3, Scale: "standard", Algorithm: "fasterpam", Precomputed: true},
		{Inputs: []string{data}, K: 3, Scale: "standard", Weight: "f0"},
	} {
		if _, err := s.run(t, spec); !errors.Is(err, wire.ErrJobSpec) || strings.Contains(err.Error(), "\n") {
			t.Errorf("scale %q precomputed %v weight %q: err %v, want one line of ErrJobSpec", spec.Scale, spec.Precomputed, spec.Weight, err)
		}
	}
}

// TestScaleLeavesOutDroppedRows: rows that --nulls drop leaves out of the
// clustering are left out of the statistics too. Wine with a few cells
// blanked is scaled as the remaining rows, computed here in float64.
func TestScaleLeavesOutDroppedRows(t *testing.T) {
	data, _ := readSklearnScale(t, "wine")
	b, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	blank := map[int]int{3: 0, 50: 7, 51: 12, 120: 4, 177: 2} // data row → column
	var kept [][]float64
	for i, line := range lines[1:] {
		cells := strings.Split(line, ",")
		if f, ok := blank[i]; ok {
			cells[f] = ""
			lines[i+1] = strings.Join(cells, ",")
			continue
		}
		row := make([]float64, len(cells))
		for j, c := range cells {
			if err := json.Unmarshal([]byte(c), &row[j]); err != nil {
				t.Fatal(err)
			}
		}
		kept = append(kept, row)
	}
	path := filepath.Join(t.TempDir(), "holes.csv")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := mustStartStack(t, 2)
	m, err := s.run(t, wire.JobSpec{Inputs: []string{path}, K: 3, Algorithm: "kmeans", Seed: 1, ShardRows: 40, Nulls: "drop", Scale: "standard"})
	if err != nil {
		t.Fatal(err)
	}
	if m.RowsDropped != int64(len(blank)) {
		t.Fatalf("%d rows dropped, want %d", m.RowsDropped, len(blank))
	}
	n := float64(len(kept))
	for j := range kept[0] {
		var sum, ss float64
		for _, r := range kept {
			sum += r[j]
		}
		mean := sum / n
		for _, r := range kept {
			ss += (r[j] - mean) * (r[j] - mean)
		}
		if !closeRel(m.Scaler.Center[j], mean, 1e-12) || !closeRel(m.Scaler.Scale[j], math.Sqrt(ss/n), 1e-9) {
			t.Errorf("column %d: mean %v scale %v, the kept rows have %v %v", j, m.Scaler.Center[j], m.Scaler.Scale[j], mean, math.Sqrt(ss/n))
		}
	}
}

// TestRobustScaleManyColumns: with more columns than one task's quantile
// queries (wire.MaxQuantileQueries), the rounds go out in chunks; the
// medians and quartiles must still be numpy's, computed here by sorting.
func TestRobustScaleManyColumns(t *testing.T) {
	const n, d = 301, wire.MaxQuantileQueries + 40
	rng := rand.New(rand.NewPCG(8, 1))
	cols := make([][]float64, d)
	var b strings.Builder
	for j := range d {
		if j > 0 {
			b.WriteString(",")
		}
		b.WriteString("c" + strconv.Itoa(j))
		cols[j] = make([]float64, n)
	}
	b.WriteString("\n")
	for i := range n {
		for j := range d {
			v := math.Round(rng.NormFloat64()*float64(j+1)*100) / 8 // ties, several scales
			cols[j][i] = v
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		}
		b.WriteString("\n")
	}
	path := filepath.Join(t.TempDir(), "wide.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	s := mustStartStack(t, 2)
	m, err := s.run(t, wire.JobSpec{Inputs: []string{path}, K: 2, Algorithm: "kmeans", Seed: 1, ShardRows: 70, Scale: "robust"})
	if err != nil {
		t.Fatal(err)
	}
	// numpy.percentile, linear: position q(n−1) between sorted values.
	pct := func(sorted []float64, q float64) float64 {
		pos := q * float64(len(sorted)-1)
		lo := int(pos)
		if lo+1 >= len(sorted) {
			return sorted[lo]
		}
		return sorted[lo] + (sorted[lo+1]-sorted[lo])*(pos-float64(lo))
	}
	for j, c := range cols {
		sorted := slices.Sorted(slices.Values(c))
		median, iqr := pct(sorted, 0.5), pct(sorted, 0.75)-pct(sorted, 0.25)
		if iqr == 0 {
			iqr = 1
		}
		if !closeRel(m.Scaler.Center[j], median, 1e-12) || !closeRel(m.Scaler.Scale[j], iqr, 1e-12) {
			t.Errorf("column %d: centre %v scale %v, want %v %v", j, m.Scaler.Center[j], m.Scaler.Scale[j], median, iqr)
		}
	}
}
