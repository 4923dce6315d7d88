package coordinator_test

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/shoal-io/shoal/internal/wire"
)

// writeLogicalArrow writes mtlogical.csv (mtcars' mpg, hp, cyl, vs, am)
// as an Arrow IPC file whose vs and am are booleans, as R holds them.
func writeLogicalArrow(t *testing.T) string {
	t.Helper()
	data := readRefTable(t, filepath.Join(gowerData, "mtlogical.csv"))
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "mpg", Type: arrow.PrimitiveTypes.Float64},
		{Name: "hp", Type: arrow.PrimitiveTypes.Float64},
		{Name: "cyl", Type: arrow.BinaryTypes.String},
		{Name: "vs", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "am", Type: arrow.FixedWidthTypes.Boolean},
	}, nil)
	rb := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer rb.Release()
	for _, row := range data.rows {
		for j, v := range row {
			switch b := rb.Field(j).(type) {
			case *array.Float64Builder:
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatal(err)
				}
				b.Append(f)
			case *array.StringBuilder:
				b.Append(v)
			case *array.BooleanBuilder:
				b.Append(v == "true")
			}
		}
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "mtlogical.arrow")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// Boolean columns are asymmetric binary under Gower, as R's daisy makes
// logical columns: two falses leave the column out of the pair's mean.
// pam and fasterpam on mtcars' mpg, hp, cyl and the logical vs and am
// reach R's medoids and total deviation (algo/testdata/gower/export.R
// wrote logical_reference.csv), where the same columns as text (the CSV,
// symmetric) give other totals.
func TestGowerLogicalColumnsMatchR(t *testing.T) {
	s := mustStartStack(t, 2)
	arrowPath := writeLogicalArrow(t)
	csvPath := filepath.Join(gowerData, "mtlogical.csv")
	refs := readRefTable(t, filepath.Join(gowerData, "logical_reference.csv"))
	data := readRefTable(t, csvPath)
	for _, ref := range refs.rows {
		k := int(mustFloat(t, ref[1]))
		var want []int64
		for _, f := range strings.Fields(ref[2]) {
			want = append(want, int64(mustFloat(t, f)))
		}
		slices.Sort(want)
		td := mustFloat(t, ref[4])
		for _, algo := range []string{"pam", "fasterpam"} {
			m, err := s.run(t, wire.JobSpec{Inputs: []string{arrowPath}, K: k, Algorithm: algo, Init: "build", Metric: "gower", Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			// A medoid may be another row holding the same values
			// (mtcars' first two rows agree on these columns).
			got := slices.Sorted(slices.Values(m.MedoidRows))
			for i := range got {
				if i >= len(want) || !slices.Equal(data.rows[got[i]], data.rows[want[i]]) {
					t.Errorf("k=%d %s: medoids %v, R's %v", k, algo, got, want)
					break
				}
			}
			// mpg's decimals are held as float32: 1e-7 of R's doubles.
			if math.Abs(m.TotalDeviation-td) > 1e-7*td {
				t.Errorf("k=%d %s: total deviation %.17g, R's %.17g", k, algo, m.TotalDeviation, td)
			}
			if r := m.Ranges; len(r) != 5 || r[3] != wire.AsymmetricBinary || r[4] != wire.AsymmetricBinary || r[2] != 1 {
				t.Errorf("k=%d %s: ranges %v, want vs and am marked asymmetric", k, algo, r)
			}
		}
		sym, err := s.run(t, wire.JobSpec{Inputs: []string{csvPath}, K: k, Algorithm: "pam", Init: "build", Metric: "gower", Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(sym.TotalDeviation-td) <= 1e-7*td {
			t.Errorf("k=%d: the text columns, symmetric, gave R's asymmetric total %.17g", k, td)
		}
	}
}
