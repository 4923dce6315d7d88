package partition

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// scaleFixture writes the same three columns as CSV and as an Arrow file
// of float32, int16 and float64 (row 2 has a null in c, row 4 a NaN in
// a), and returns both paths with the values as written.
func scaleFixture(t *testing.T) (csvPath, arrowPath string, a []float32, b []int16, c []float64) {
	t.Helper()
	dir := t.TempDir()
	a = []float32{1.5, -2.25, 3, 1e6, float32(math.NaN()), 7.125}
	b = []int16{10, -20, 30, 40, 50, 60}
	c = []float64{1e9 + 0.001, 1e9 + 0.002, 0, 1e9 + 0.004, 1e9, 1e9 - 0.003}
	csvPath = filepath.Join(dir, "s.csv")
	text := "a,b,c\n1.5,10,1000000000.001\n-2.25,-20,1000000000.002\n3,30,\n1000000,40,1000000000.004\nNaN,50,1000000000\n7.125,60,999999999.997\n"
	if err := os.WriteFile(csvPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Float32},
		{Name: "b", Type: arrow.PrimitiveTypes.Int16},
		{Name: "c", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	rb.Field(0).(*array.Float32Builder).AppendValues(a, nil)
	rb.Field(1).(*array.Int16Builder).AppendValues(b, nil)
	rb.Field(2).(*array.Float64Builder).AppendValues(c, []bool{true, true, false, true, true, true})
	rec := rb.NewRecordBatch()
	defer rec.Release()
	arrowPath = filepath.Join(dir, "s.arrow")
	writeRecords(t, arrowPath, schema, rec)
	return csvPath, arrowPath, a, b, c
}

// TestReadShardScaled: every value is float32((x − offset) / scale)
// computed in float64, rows with a null or NaN are dropped under
// NullsDrop, and ShardValues gives the kept rows' values as written.
func TestReadShardScaled(t *testing.T) {
	csvPath, arrowPath, a, b, c := scaleFixture(t)
	off := []float64{2, 30, 1e9}
	sc := []float64{0.5, 4, 0.001}
	kept := []int{0, 1, 3, 5} // row 2: null c, row 4: NaN a
	for _, path := range []string{csvPath, arrowPath} {
		ds := mustScan(t, []string{path}, Options{})
		s := ds.Shards[0]
		blk, err := ReadShardScaled(s, ds.Columns, "", NullsDrop, off, sc, DeviationLimit(3))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		vals, vb, err := ShardValues(s, ds.Columns, "", NullsDrop)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !slices.Equal(blk.Index, []int64{0, 1, 3, 5}) || !slices.Equal(vb.Index, blk.Index) {
			t.Fatalf("%s: rows %v and %v, want 0 1 3 5", path, blk.Index, vb.Index)
		}
		for i, r := range kept {
			// CSV holds the decimal text, the Arrow file the float32 of it.
			xa := float64(a[r])
			if path == csvPath {
				xa = []float64{1.5, -2.25, 3, 1e6, 0, 7.125}[r]
			}
			want := []float64{xa, float64(b[r]), c[r]}
			for j := range 3 {
				if got, w := blk.Data[i*3+j], float32((want[j]-off[j])/sc[j]); got != w {
					t.Errorf("%s row %d column %d: %v, want %v", filepath.Ext(path), r, j, got, w)
				}
				if vals[j][i] != want[j] {
					t.Errorf("%s row %d column %d: value %v, want %v", filepath.Ext(path), r, j, vals[j][i], want[j])
				}
			}
		}
		// A scaled value beyond the limit is refused: column a of row 3 is
		// (1e6 − 2)/0.5 ≈ 2e6 from its offset.
		_, err = ReadShardScaled(s, ds.Columns, "", NullsDrop, off, sc, 1e6)
		wantErr(t, err, ErrOutOfRange, `column "a", row 3`, "2e+06 scales of 0.5")
		// Scales must be finite and above zero.
		_, err = ReadShardScaled(s, ds.Columns, "", NullsDrop, off, []float64{1, 0, 1}, 0)
		wantErr(t, err, ErrInvalidOptions, `column "b"`)
		_, err = ReadShardScaled(s, ds.Columns, "", NullsDrop, off, []float64{1, 1}, 0)
		wantErr(t, err, ErrInvalidOptions, "2 scales for 3 columns")
	}
}
