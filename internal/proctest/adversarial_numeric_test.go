package proctest_test

// No silently wrong numbers: data that float32 cannot hold as it is, run
// through the real binary. Float64 groups 0.03 apart near 1e6 round to
// one float32 value per column; points near ±2e19 fit float32 but their
// squared distances do not. The first must cluster as constructed, the
// second must be refused with one line naming the file and the column,
// and neither may touch the user's files.

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/shoal-io/shoal/internal/proctest"
)

// numericRows is the size of the generated inputs: a few shards of 64
// rows, so later shards are read by workers only.
const numericRows = 320

// closeGroups returns float64 rows of two groups 0.03 apart near
// (1e6, -2e6), the group of each row alternating.
func closeGroups() (x, y []float64, group []int64) {
	rng := rand.New(rand.NewPCG(12, 3))
	for i := range numericRows {
		g := int64(i % 2)
		x = append(x, 1e6+0.03*float64(g)+0.003*(2*rng.Float64()-1))
		y = append(y, -2e6-0.03*float64(g)+0.003*(2*rng.Float64()-1))
		group = append(group, g)
	}
	return x, y, group
}

// writeNumericCSV writes columns x, y and label as CSV, values in their
// shortest float64 form.
func writeNumericCSV(t *testing.T, path string, x, y []float64, group []int64) {
	t.Helper()
	var b strings.Builder
	b.WriteString("x,y,label\n")
	for i := range x {
		fmt.Fprintf(&b, "%s,%s,%d\n", strconv.FormatFloat(x[i], 'g', -1, 64), strconv.FormatFloat(y[i], 'g', -1, 64), group[i])
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeParquet writes columns x and y, float32 or float64 (typ), and an
// int64 label, in row groups of 64 rows.
func writeParquet(t *testing.T, path string, typ arrow.DataType, x, y []float64, group []int64) {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: typ},
		{Name: "y", Type: typ},
		{Name: "label", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for c, vals := range [][]float64{x, y} {
		switch fb := b.Field(c).(type) {
		case *array.Float64Builder:
			fb.AppendValues(vals, nil)
		case *array.Float32Builder:
			for _, v := range vals {
				fb.Append(float32(v))
			}
		}
	}
	b.Field(2).(*array.Int64Builder).AppendValues(group, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, f, nil, pqarrow.NewArrowWriterProperties())
	if err != nil {
		t.Fatal(err)
	}
	for lo := int64(0); lo < rec.NumRows(); lo += 64 { // a row group per 64 rows
		part := rec.NewSlice(lo, min(rec.NumRows(), lo+64))
		err := w.Write(part)
		part.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// readClusters reads the cluster column of a labels CSV, checking that
// it holds every row once, in order.
func readClusters(t *testing.T, path string) []int64 {
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
	var out []int64
	for i, r := range recs[1:] {
		row, err1 := strconv.ParseInt(r[0], 10, 64)
		c, err2 := strconv.ParseInt(r[1], 10, 32)
		if err1 != nil || err2 != nil || row != int64(i) {
			t.Fatalf("labels line %d is %q", i+2, r)
		}
		out = append(out, c)
	}
	return out
}

func TestAdversarialCloseFloat64GroupsCluster(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	x, y, group := closeGroups()
	if float32(x[0]) != float32(x[1]) || float32(y[0]) != float32(y[1]) {
		t.Fatal("the groups no longer round to one float32; the case shows nothing")
	}
	inputs := map[string]string{"csv": filepath.Join(in, "close.csv"), "parquet": filepath.Join(in, "close.parquet")}
	writeNumericCSV(t, inputs["csv"], x, y, group)
	writeParquet(t, inputs["parquet"], arrow.PrimitiveTypes.Float64, x, y, group)
	snap := takeSnapshot(t, in)
	for _, c := range []struct{ format, algo string }{
		{"csv", "minibatch"}, {"csv", "kmeans"}, {"csv", "fasterpam"}, {"csv", "fastclara"},
		{"parquet", "minibatch"}, {"parquet", "fasterpam"},
	} {
		t.Run(c.format+"/"+c.algo, func(t *testing.T) {
			if testing.Short() && c.format == "parquet" {
				t.Skip("the CSV runs cover the algorithms in -short")
			}
			out := t.TempDir()
			labels, modelPath := filepath.Join(out, "labels.csv"), filepath.Join(out, "model.json")
			proctest.MustRun(t, out, jobWait, shoal(c.algo, "run", "--workers", "2", "-q",
				"--data-dir", filepath.Join(out, "data"), "--input", inputs[c.format], "--exclude", "label",
				"--k", "2", "--algo", c.algo, "--seed", "1", "--shard-rows", "64",
				"--model", modelPath, "--out", labels))
			got := readClusters(t, labels)
			if len(got) != numericRows {
				t.Fatalf("%d labels for %d rows", len(got), numericRows)
			}
			// The groups by construction: each cluster holds one group.
			for i := range got {
				if (got[i] == got[0]) != (group[i] == group[0]) {
					t.Fatalf("row %d of group %d is in cluster %d, row 0 of group %d in cluster %d",
						i, group[i], got[i], group[0], got[0])
				}
			}
			var m struct {
				Centers [][]float64 `json:"centers"`
			}
			b, err := os.ReadFile(modelPath)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &m); err != nil || len(m.Centers) != 2 {
				t.Fatalf("model %s: %v, %d centres", modelPath, err, len(m.Centers))
			}
			for c, centre := range m.Centers {
				g := group[0]
				if int64(c) != got[0] {
					g = 1 - g
				}
				wx, wy := 1e6+0.03*float64(g), -2e6-0.03*float64(g)
				if math.Abs(centre[0]-wx) > 0.003 || math.Abs(centre[1]-wy) > 0.003 {
					t.Errorf("centre %d is %v, want within 0.003 of (%v, %v) in the data's units", c, centre, wx, wy)
				}
			}
		})
	}
	snap.unchanged(t, in)
}

func TestAdversarialTooWideColumnRefused(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	// Two obvious clusters in x, near -2e19 and +2e19; y is small.
	// In "late.parquet" the first shards hold only the positive ones, so
	// it is a worker that finds the far rows.
	x, late, y := make([]float64, numericRows), make([]float64, numericRows), make([]float64, numericRows)
	group, lateGroup := make([]int64, numericRows), make([]int64, numericRows)
	for i := range numericRows {
		x[i] = float64(float32(float64(2*(i%2)-1) * 2e19 * (1 + float64(i%7)/1000)))
		y[i] = float64(i % 5)
		group[i] = int64(i % 2)
		late[i] = math.Abs(x[i])
		if i >= numericRows-64 {
			late[i], lateGroup[i] = -late[i], 1
		}
	}
	f32 := arrow.PrimitiveTypes.Float32
	writeParquet(t, filepath.Join(in, "wide.parquet"), f32, x, y, group)
	writeParquet(t, filepath.Join(in, "late.parquet"), f32, late, y, lateGroup)
	writeNumericCSV(t, filepath.Join(in, "wide.csv"), x, y, group)
	snap := takeSnapshot(t, in)
	for _, c := range []struct{ file, algo, want string }{
		{"wide.parquet", "minibatch", "values span"},
		{"wide.parquet", "kmeans", "values span"},
		{"wide.parquet", "fasterpam", "values span"},
		{"wide.parquet", "fastclara", "values span"},
		{"wide.csv", "kmeans", "values span"},
		{"late.parquet", "minibatch", fmt.Sprintf("row %d", numericRows-64)},
		{"late.parquet", "fastclara", fmt.Sprintf("row %d", numericRows-64)},
	} {
		t.Run(c.file+"/"+c.algo, func(t *testing.T) {
			out := t.TempDir()
			path := filepath.Join(in, c.file)
			refused(t, out, exitFailed, []string{"run", "--workers", "2", "-q",
				"--data-dir", filepath.Join(out, "data"), "--input", path, "--exclude", "label",
				"--k", "2", "--algo", c.algo, "--seed", "1", "--shard-rows", "64",
				"--model", filepath.Join(out, "model.json"), "--out", filepath.Join(out, "labels.csv")},
				path, `column "x"`, "float32 distances", "rescale the column", c.want)
			for _, name := range []string{"model.json", "labels.csv"} {
				if _, err := os.Stat(filepath.Join(out, name)); !os.IsNotExist(err) {
					t.Errorf("%s left behind by a refused job (%v)", name, err)
				}
			}
		})
	}
	// Manhattan distances square nothing: the same data clusters.
	t.Run("wide.parquet/fasterpam/manhattan", func(t *testing.T) {
		out := t.TempDir()
		labels := filepath.Join(out, "labels.csv")
		proctest.MustRun(t, out, jobWait, shoal("manhattan", "run", "--workers", "2", "-q",
			"--data-dir", filepath.Join(out, "data"), "--input", filepath.Join(in, "wide.parquet"), "--exclude", "label",
			"--k", "2", "--algo", "fasterpam", "--metric", "manhattan", "--seed", "1", "--shard-rows", "64", "--out", labels))
		got := readClusters(t, labels)
		for i := range got {
			if (got[i] == got[0]) != (group[i] == group[0]) {
				t.Fatalf("row %d of group %d is in cluster %d, row 0 of group %d in cluster %d", i, group[i], got[i], group[0], got[0])
			}
		}
	})
	snap.unchanged(t, in)
}
