package coordinator_test

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// writeFloat64Parquet writes float64 columns x and y and an int64 label
// in row groups of groupRows rows.
func writeFloat64Parquet(t *testing.T, x, y []float64, label []int64, groupRows int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f64.parquet")
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "y", Type: arrow.PrimitiveTypes.Float64},
		{Name: "label", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Float64Builder).AppendValues(x, nil)
	b.Field(1).(*array.Float64Builder).AppendValues(y, nil)
	b.Field(2).(*array.Int64Builder).AppendValues(label, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(int64(groupRows))),
		pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCloseFloat64GroupsAreSeparated clusters two groups of float64 rows,
// around (1e6, -2e6) and 0.03 further in both columns, so close that
// every row rounds to the same float32: each algorithm must find the
// groups (the labels are known by construction) and report centres in
// the data's units, within the groups' noise of the generating means.
func TestCloseFloat64GroupsAreSeparated(t *testing.T) {
	const n, sep, noise = 512, 0.03, 0.003
	rng := rand.New(rand.NewPCG(1, 2))
	x, y, label := make([]float64, n), make([]float64, n), make([]int64, n)
	for i := range n {
		g := int64(i % 2)
		label[i] = g
		x[i] = 1e6 + sep*float64(g) + noise*(2*rng.Float64()-1)
		y[i] = -2e6 - sep*float64(g) + noise*(2*rng.Float64()-1)
	}
	if float32(x[0]) != float32(x[1]) || float32(y[0]) != float32(y[1]) {
		t.Fatal("the test data no longer rounds to one float32 per column")
	}
	data := writeFloat64Parquet(t, x, y, label, 64)
	s := mustStartStack(t, 2)
	for _, a := range []string{"minibatch", "kmeans", "fasterpam", "fastclara"} {
		t.Run(a, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "labels.parquet")
			m, err := s.run(t, wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 2,
				Algorithm: a, Seed: 1, ShardRows: 64, Out: out})
			if err != nil {
				t.Fatal(err)
			}
			got, err := partition.ReadIntColumn([]string{out}, "cluster")
			if err != nil {
				t.Fatal(err)
			}
			if ari, err := algo.ARI(got, label); err != nil || ari != 1 {
				t.Fatalf("ARI %v (%v) against the construction, want 1; cluster sizes %v", ari, err, m.ClusterSizes)
			}
			for c, centre := range m.Centers {
				g := float64(label[slicesIndex(got, int64(c))])
				if dx, dy := centre[0]-(1e6+sep*g), centre[1]-(-2e6-sep*g); math.Abs(dx) > noise || math.Abs(dy) > noise {
					t.Errorf("centre %d is %v, off the mean of group %v by (%.2g, %.2g)", c, centre, g, dx, dy)
				}
			}
		})
	}
}

// slicesIndex returns the first index of v in s.
func slicesIndex(s []int64, v int64) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// TestTooWideColumnIsRefused clusters points near ±2e19 in x, inside
// float32 but with squared distances beyond it: the job must fail naming
// the column, never return one cluster. With both signs in the first
// shard the coordinator refuses before any task; with the first shards
// all positive, the worker that reads a negative row refuses it.
func TestTooWideColumnIsRefused(t *testing.T) {
	const n = 256
	s := mustStartStack(t, 2)
	for _, c := range []struct {
		name string
		sign func(i int) float64
		want string
	}{
		{"mixed first shard", func(i int) float64 { return float64(2*(i%2) - 1) }, "values span"},
		{"negative rows later", func(i int) float64 { return float64(2*min(1, (n-1-i)/64) - 1) }, "row 192"},
	} {
		t.Run(c.name, func(t *testing.T) {
			x, y, label := make([]float64, n), make([]float64, n), make([]int64, n)
			for i := range n {
				x[i] = c.sign(i) * 2e19 * (1 + 0.001*float64(i%7))
				y[i] = float64(i % 5)
				label[i] = int64(c.sign(i))
			}
			data := writeFloat64Parquet(t, x, y, label, 64)
			for _, a := range []string{"minibatch", "fasterpam"} {
				m, err := s.run(t, wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 2,
					Algorithm: a, Seed: 1, ShardRows: 64})
				if err == nil {
					t.Fatalf("%s: no error; cluster sizes %v", a, m.ClusterSizes)
				}
				if msg := err.Error(); !strings.Contains(msg, `column "x"`) || !strings.Contains(msg, "float32 distances") ||
					!strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
					t.Errorf("%s: %q, want one line naming column \"x\", float32 distances and %q", a, msg, c.want)
				}
			}
		})
	}
}

// TestWideColumnWithoutSquares: Manhattan and cosine dissimilarities
// square nothing in float32, so the ±2e19 points that Euclidean distances
// refuse cluster as constructed with them.
func TestWideColumnWithoutSquares(t *testing.T) {
	const n = 256
	x, y, label := make([]float64, n), make([]float64, n), make([]int64, n)
	for i := range n {
		label[i] = int64(i % 2)
		x[i] = float64(2*label[i]-1) * 2e19 * (1 + 0.001*float64(i%7))
		y[i] = float64(i % 5)
	}
	data := writeFloat64Parquet(t, x, y, label, 64)
	s := mustStartStack(t, 2)
	for _, metric := range []string{"manhattan", "cosine"} {
		for _, a := range []string{"fasterpam", "fastclara"} {
			out := filepath.Join(t.TempDir(), "labels.parquet")
			if _, err := s.run(t, wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 2,
				Algorithm: a, Metric: metric, Seed: 1, ShardRows: 64, Out: out}); err != nil {
				t.Fatalf("%s %s: %v", metric, a, err)
			}
			got, err := partition.ReadIntColumn([]string{out}, "cluster")
			if err != nil {
				t.Fatal(err)
			}
			if ari, err := algo.ARI(got, label); err != nil || ari != 1 {
				t.Errorf("%s %s: ARI %v (%v) against the construction, want 1", metric, a, ari, err)
			}
		}
	}
}

// TestWarmStartInDataUnits: --init-from centres are in the data's units
// and are shifted like the data: warm-starting Lloyd from its own model
// of close float64 groups gives the same centres at once.
func TestWarmStartInDataUnits(t *testing.T) {
	const n = 256
	rng := rand.New(rand.NewPCG(5, 6))
	x, y, label := make([]float64, n), make([]float64, n), make([]int64, n)
	for i := range n {
		label[i] = int64(i % 2)
		x[i] = 1e6 + 0.03*float64(label[i]) + 0.003*(2*rng.Float64()-1)
		y[i] = -2e6 + 0.003*(2*rng.Float64()-1)
	}
	data := writeFloat64Parquet(t, x, y, label, 64)
	s := mustStartStack(t, 1)
	spec := wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 2, Algorithm: "kmeans", Seed: 1, ShardRows: 64}
	first, err := s.run(t, spec)
	if err != nil {
		t.Fatal(err)
	}
	spec.InitCentres = first.Centers
	again, err := s.run(t, spec)
	if err != nil {
		t.Fatal(err)
	}
	if again.Iterations != 1 || !reflect.DeepEqual(again.Centers, first.Centers) {
		t.Errorf("warm start took %d iterations to %v, want 1 to %v", again.Iterations, again.Centers, first.Centers)
	}
}
