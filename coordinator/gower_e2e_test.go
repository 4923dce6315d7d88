package coordinator_test

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/internal/wire"
)

// gowerData is the directory of R's reference data and values (see its
// export.R).
var gowerData = filepath.Join("..", "algo", "testdata", "gower")

// refTable is a CSV read as text, with Gower's dissimilarity computed
// from it independently of shoal: a column whose cells all parse as
// numbers is interval-scaled by its range (a column of one value adds
// 0); any other column is nominal (0 if equal, 1 if not); the mean over
// the columns, as R's daisy(metric = "gower") computes it.
type refTable struct {
	header []string
	rows   [][]string
	num    [][]float64 // per column, nil for a nominal one
	rng    []float64
}

func readRefTable(t *testing.T, path string) *refTable {
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
	rt := &refTable{header: recs[0], rows: recs[1:]}
	for j := range rt.header {
		col := make([]float64, len(rt.rows))
		for i, r := range rt.rows {
			if col[i], err = strconv.ParseFloat(r[j], 64); err != nil {
				col = nil
				break
			}
		}
		r := 1.0
		if col != nil {
			r = slices.Max(col) - slices.Min(col)
		}
		rt.num, rt.rng = append(rt.num, col), append(rt.rng, r)
	}
	return rt
}

func (rt *refTable) gower(a, b int) float64 {
	s := 0.0
	for j, col := range rt.num {
		switch {
		case col == nil:
			if rt.rows[a][j] != rt.rows[b][j] {
				s++
			}
		case rt.rng[j] > 0:
			s += math.Abs(col[a]-col[b]) / rt.rng[j]
		}
	}
	return s / float64(len(rt.num))
}

// loss is the total deviation of the medoid rows under the reference
// Gower dissimilarity.
func (rt *refTable) loss(medoids []int64) float64 {
	total := 0.0
	for i := range rt.rows {
		best := math.Inf(1)
		for _, m := range medoids {
			best = math.Min(best, rt.gower(i, int(m)))
		}
		total += best
	}
	return total
}

// TestGowerMatchesR runs PAM and FasterPAM (from BUILD) with
// --metric gower on R's flower and warpbreaks through the coordinator and
// workers, over shards of a few rows, and checks R's
// pam(daisy(x, metric = "gower"), k): the same medoids and the same total
// deviation (objective × n) to 1e-9. PAM on the 0/1 matrix "binary" with
// --metric jaccard is checked against pam(dist(x, method = "binary")).
// Where several medoid sets have the same loss, R's pick depends on its
// scan order: another set passes only if the reference loss of both is
// the same.
func TestGowerMatchesR(t *testing.T) {
	s := mustStartStack(t, 2)
	refs := readRefTable(t, filepath.Join(gowerData, "reference.csv"))
	for _, ref := range refs.rows {
		name, k := ref[0], int(mustFloat(t, ref[1]))
		var want []int64
		for _, f := range strings.Fields(ref[2]) {
			want = append(want, int64(mustFloat(t, f)))
		}
		slices.Sort(want)
		td := mustFloat(t, ref[4])
		path := filepath.Join(gowerData, name+".csv")
		data := readRefTable(t, path)
		metric := "gower"
		if name == "binary" {
			metric = "jaccard"
		}
		for _, algo := range []string{"pam", "fasterpam"} {
			t.Run(fmt.Sprintf("%s/%s/k=%d", name, algo, k), func(t *testing.T) {
				m, err := s.run(t, wire.JobSpec{Inputs: []string{path}, K: k, Algorithm: algo, Init: "build", Metric: metric, Seed: 1, ShardRows: 7})
				if err != nil {
					t.Fatal(err)
				}
				got := slices.Sorted(slices.Values(m.MedoidRows))
				if !slices.Equal(got, want) {
					if metric == "jaccard" {
						t.Fatalf("medoids %v, R's %v", got, want)
					}
					if a, b := data.loss(got), data.loss(want); math.Abs(a-b) > 1e-12*b {
						t.Fatalf("medoids %v (reference loss %.17g), R's %v (%.17g)", got, a, want, b)
					}
					t.Logf("medoids %v tie with R's %v", got, want)
				}
				if math.Abs(m.TotalDeviation-td) > 1e-9*td {
					t.Errorf("total deviation %.17g, R's %.17g (relative %.2g)", m.TotalDeviation, td, math.Abs(m.TotalDeviation-td)/td)
				}
				if metric == "gower" {
					checkCenterValues(t, data, m)
				}
			})
		}
	}
	// Alternating (Voronoi iteration) is no PAM and may stop elsewhere;
	// its total deviation is the reference loss of its medoids.
	for _, name := range []string{"flower", "warpbreaks"} {
		path := filepath.Join(gowerData, name+".csv")
		m, err := s.run(t, wire.JobSpec{Inputs: []string{path}, K: 3, Algorithm: "alternating", Init: "build", Metric: "gower", Seed: 1, ShardRows: 7})
		if err != nil {
			t.Fatal(err)
		}
		data := readRefTable(t, path)
		if want := data.loss(m.MedoidRows); math.Abs(m.TotalDeviation-want) > 1e-9*want {
			t.Errorf("%s alternating: total deviation %.17g, reference loss of its medoids %.17g", name, m.TotalDeviation, want)
		}
		checkCenterValues(t, data, m)
	}
}

// checkCenterValues checks that each medoid's center_values are its row
// of the file: the text of a nominal column, the number of a numeric one.
func checkCenterValues(t *testing.T, data *refTable, m *wire.Model) {
	t.Helper()
	if len(m.CenterValues) != len(m.MedoidRows) || !slices.Equal(m.Columns, data.header) {
		t.Fatalf("%d center values for %d medoids; columns %v", len(m.CenterValues), len(m.MedoidRows), m.Columns)
	}
	for c, row := range m.MedoidRows {
		for f, v := range m.CenterValues[c] {
			want := data.rows[row][f]
			if got := fmt.Sprint(v); got != want {
				t.Fatalf("medoid %d (row %d) column %s: center value %v, file has %s", c, row, m.Columns[f], got, want)
			}
		}
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// writeMixed writes n rows of mixed data: two numeric columns around k
// centres, a text column whose value follows the centre most of the time,
// and a boolean.
func writeMixed(t *testing.T, n, k int, seed uint64) string {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 0))
	var b strings.Builder
	b.WriteString("x,y,colour,flag\n")
	colours := []string{"red", "green", "blue", "teal", "plum"}
	for range n {
		c := r.IntN(k)
		col := colours[c%len(colours)]
		if r.Float64() < 0.1 {
			col = colours[r.IntN(len(colours))]
		}
		fmt.Fprintf(&b, "%d,%d,%s,%v\n", 10*c+r.IntN(4), 5*(c%3)+r.IntN(3), col, r.Float64() < 0.3+0.1*float64(c%3))
	}
	path := filepath.Join(t.TempDir(), "mixed.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestGowerClaraScoresAllRows runs the CLARA family with --metric gower
// on mixed data of 6,000 rows in many shards: medoids are real rows, and
// the model's total deviation is the reference Gower loss of those
// medoids over every row.
func TestGowerClaraScoresAllRows(t *testing.T) {
	path := writeMixed(t, 6000, 5, 3)
	data := readRefTable(t, path)
	s := mustStartStack(t, 2)
	for _, algo := range []string{"clara", "fastclara", "fastclarans"} {
		t.Run(algo, func(t *testing.T) {
			m, err := s.run(t, wire.JobSpec{Inputs: []string{path}, K: 5, Algorithm: algo, Metric: "gower", Seed: 2, ShardRows: 1000})
			if err != nil {
				t.Fatal(err)
			}
			want := data.loss(m.MedoidRows)
			if math.Abs(m.TotalDeviation-want) > 1e-9*want {
				t.Errorf("total deviation %.17g, reference loss of its medoids over all rows %.17g", m.TotalDeviation, want)
			}
			if m.N != 6000 {
				t.Errorf("n = %d", m.N)
			}
			checkCenterValues(t, data, m)
			t.Logf("medoids %v, total deviation %.6f", m.MedoidRows, m.TotalDeviation)
		})
	}
}

// TestGowerHostileInput: metric gower refused with k-means and --scale;
// a text column of more distinct values than a job takes; a numeric
// column of one value (range 0) that adds 0 to every distance, as in
// daisy; nulls refused or dropped.
func TestGowerHostileInput(t *testing.T) {
	s := mustStartStack(t, 1)
	wb := filepath.Join(gowerData, "warpbreaks.csv")
	for _, spec := range []wire.JobSpec{
		{Inputs: []string{wb}, K: 2, Algorithm: "kmeans", Metric: "gower"},
		{Inputs: []string{wb}, K: 2, Algorithm: "minibatch", Metric: "jaccard"},
		{Inputs: []string{wb}, K: 2, Algorithm: "pam", Metric: "gower", Scale: "minmax"},
	} {
		if _, err := s.run(t, spec); !errors.Is(err, wire.ErrJobSpec) || !strings.Contains(err.Error(), spec.Metric) {
			t.Errorf("%s with %s, scale %q: err = %v", spec.Algorithm, spec.Metric, spec.Scale, err)
		}
	}

	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,id\n")
	for i := range wire.MaxLevels + 1 {
		fmt.Fprintf(&b, "%d,u%d\n", i%7, i)
	}
	many := filepath.Join(dir, "many.csv")
	writeFile(t, many, b.String())
	if _, err := s.run(t, wire.JobSpec{Inputs: []string{many}, K: 2, Algorithm: "fastclara", Metric: "gower"}); !errors.Is(err, wire.ErrBadInput) || !strings.Contains(err.Error(), `"id"`) || !strings.Contains(err.Error(), "distinct values") {
		t.Errorf("too many levels: err = %v", err)
	}

	// warpbreaks with a constant column: every distance is 3/4 of R's.
	raw, err := os.ReadFile(wb)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	for i := range lines {
		lines[i] += map[bool]string{true: ",const", false: ",7"}[i == 0]
	}
	constant := filepath.Join(dir, "const.csv")
	writeFile(t, constant, strings.Join(lines, "\n")+"\n")
	m, err := s.run(t, wire.JobSpec{Inputs: []string{constant}, K: 2, Algorithm: "pam", Metric: "gower"})
	if err != nil {
		t.Fatal(err)
	}
	if want := 14.422222222222224 * 3 / 4; math.Abs(m.TotalDeviation-want) > 1e-9*want || !slices.Equal(slices.Sorted(slices.Values(m.MedoidRows)), []int64{1, 38}) {
		t.Errorf("constant column: medoids %v, total deviation %.17g, want R's [1 38] and %.17g", m.MedoidRows, m.TotalDeviation, want)
	}

	lines[5] = "29,,L,7" // a null wool
	nulls := filepath.Join(dir, "nulls.csv")
	writeFile(t, nulls, strings.Join(lines, "\n")+"\n")
	if _, err := s.run(t, wire.JobSpec{Inputs: []string{nulls}, K: 2, Algorithm: "pam", Metric: "gower"}); !errors.Is(err, wire.ErrBadInput) || !strings.Contains(err.Error(), `column "wool", row 4: null`) {
		t.Errorf("null: err = %v", err)
	}
	m, err = s.run(t, wire.JobSpec{Inputs: []string{nulls}, K: 2, Algorithm: "pam", Metric: "gower", Nulls: "drop"})
	if err != nil || m.RowsDropped != 1 || m.N != 53 {
		t.Errorf("nulls drop: err %v, model n %v dropped %v", err, m.N, m.RowsDropped)
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestJaccardBooleanColumns: the 0/1 matrix of the Jaccard reference
// written as true/false gives R's pam(dist(x, method = "binary"), 2)
// medoids and total deviation; a text column that is not boolean is
// refused by name.
func TestJaccardBooleanColumns(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(gowerData, "binary.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	for i := 1; i < len(lines); i++ {
		lines[i] = strings.NewReplacer("0", "false", "1", "true").Replace(lines[i])
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "bool.csv")
	writeFile(t, path, strings.Join(lines, "\n")+"\n")
	s := mustStartStack(t, 1)
	m, err := s.run(t, wire.JobSpec{Inputs: []string{path}, K: 2, Algorithm: "pam", Metric: "jaccard"})
	if err != nil {
		t.Fatal(err)
	}
	if want := 6.0666666666666664; !slices.Equal(slices.Sorted(slices.Values(m.MedoidRows)), []int64{5, 13}) || math.Abs(m.TotalDeviation-want) > 1e-9*want {
		t.Errorf("medoids %v, total deviation %.17g; R: [5 13], %.17g", m.MedoidRows, m.TotalDeviation, want)
	}
	lines[3] = strings.Replace(lines[3], "true", "maybe", 1)
	bad := filepath.Join(dir, "bad.csv")
	writeFile(t, bad, strings.Join(lines, "\n")+"\n")
	if _, err := s.run(t, wire.JobSpec{Inputs: []string{bad}, K: 2, Algorithm: "pam", Metric: "jaccard"}); err == nil || !strings.Contains(err.Error(), `"maybe"`) {
		t.Errorf("text column under jaccard: err = %v", err)
	}
}
