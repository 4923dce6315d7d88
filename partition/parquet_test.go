package partition

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestParquetColumnsAfterNestedOnes: a struct column holds two Parquet leaf
// columns, so the numeric columns after it sit at leaf indices that differ
// from their field positions. Reading must pick the right leaves.
func TestParquetColumnsAfterNestedOnes(t *testing.T) {
	st := arrow.StructOf(
		arrow.Field{Name: "p", Type: arrow.PrimitiveTypes.Int32},
		arrow.Field{Name: "q", Type: arrow.PrimitiveTypes.Int32},
	)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: st},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)},
		{Name: "y", Type: arrow.PrimitiveTypes.Int16},
	}, nil)
	bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer bld.Release()
	sb := bld.Field(0).(*array.StructBuilder)
	lb := bld.Field(2).(*array.ListBuilder)
	for i := range 4 {
		sb.Append(true)
		sb.FieldBuilder(0).(*array.Int32Builder).Append(int32(100 + i))
		sb.FieldBuilder(1).(*array.Int32Builder).Append(int32(200 + i))
		bld.Field(1).(*array.Float64Builder).Append(float64(i) + 0.5)
		lb.Append(true)
		lb.ValueBuilder().(*array.Int64Builder).AppendValues([]int64{7, 8}, nil)
		bld.Field(3).(*array.Int16Builder).Append(int16(-i))
	}
	rec := bld.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "nested.parquet")
	writeRecords(t, path, schema, rec)
	ds := mustScan(t, []string{path}, Options{})
	if !slices.Equal(ds.Columns, []string{"x", "y"}) {
		t.Fatalf("automatic columns %v, want [x y]", ds.Columns)
	}
	b := readEvery(t, ds, NullsError)
	if !slices.Equal(b.Data, []float32{0.5, 0, 1.5, -1, 2.5, -2, 3.5, -3}) {
		t.Errorf("read %v", b.Data)
	}
	b = readColumns(t, path, NullsError, "y", "x")
	if !slices.Equal(b.Data, []float32{0, 0.5, -1, 1.5, -2, 2.5, -3, 3.5}) {
		t.Errorf("reversed read %v", b.Data)
	}
	for _, name := range []string{"s", "l"} {
		_, err := Scan([]string{path}, Options{Columns: []string{name}})
		wantErr(t, err, ErrNotNumeric, `"`+name+`"`)
	}
}

// parquetSeeds returns Parquet inputs for the fuzzer: generated files with
// several row groups and nulls, and the parquet-testing files when present.
func parquetSeeds(f *testing.F) [][]byte {
	dir := f.TempDir()
	p := filepath.Join(dir, "b.parquet")
	if _, err := GenerateBlobs(p, BlobsConfig{N: 60, D: 2, K: 2, Seed: 1, BatchRows: 20}); err != nil {
		f.Fatal(err)
	}
	n := filepath.Join(dir, "n.parquet")
	nullTable(f, n)
	var seeds [][]byte
	for _, q := range []string{p, n} {
		data, _ := os.ReadFile(q)
		seeds = append(seeds, data)
	}
	root := filepath.Join("..", "..", "shared", "data", "parquet-testing")
	files, _ := filepath.Glob(filepath.Join(root, "data", "*.parquet"))
	more, _ := filepath.Glob(filepath.Join(root, "bad_data", "*.parquet"))
	for _, q := range append(files, more...) {
		if data, err := os.ReadFile(q); err == nil && len(data) < 1<<16 {
			seeds = append(seeds, data)
		}
	}
	return seeds
}

// FuzzParquet: any bytes read as Parquet end in data or an error, never a
// panic or a hang.
func FuzzParquet(f *testing.F) {
	for _, s := range parquetSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f.parquet")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if b, err := scanAndReadAll(p); err == nil && len(b.Data) != b.Len()*b.D {
			t.Fatalf("%d values for %d rows of %d", len(b.Data), b.Len(), b.D)
		}
	})
}
