package partition

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestReadIntColumnTypes(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8},
		{Name: "u32", Type: arrow.PrimitiveTypes.Uint32},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64},
		{Name: "u64", Type: arrow.PrimitiveTypes.Uint64},
		{Name: "whole", Type: arrow.PrimitiveTypes.Float64},
		{Name: "frac", Type: arrow.PrimitiveTypes.Float32},
		{Name: "nulls", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Int8Builder).AppendValues([]int8{-128, 0, 127}, nil)
	b.Field(1).(*array.Uint32Builder).AppendValues([]uint32{0, 7, math.MaxUint32}, nil)
	b.Field(2).(*array.Int64Builder).AppendValues([]int64{math.MinInt64, 0, math.MaxInt64}, nil)
	b.Field(3).(*array.Uint64Builder).AppendValues([]uint64{0, math.MaxInt64, math.MaxInt64 + 1}, nil)
	b.Field(4).(*array.Float64Builder).AppendValues([]float64{-3, 4e15, 0}, nil)
	b.Field(5).(*array.Float32Builder).AppendValues([]float32{1, 2.5, 3}, nil)
	b.Field(6).(*array.Int32Builder).AppendValues([]int32{1, 0, 3}, []bool{true, false, true})
	b.Field(7).(*array.StringBuilder).AppendValues([]string{"a", "b", "c"}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	for _, ext := range []string{".parquet", ".arrow", ".arrows"} {
		dir := t.TempDir()
		p1, p2 := filepath.Join(dir, "1"+ext), filepath.Join(dir, "2"+ext)
		writeRecords(t, p1, schema, rec)
		writeRecords(t, p2, schema, rec)
		for name, want := range map[string][]int64{
			"i8":    {-128, 0, 127, -128, 0, 127},
			"u32":   {0, 7, math.MaxUint32, 0, 7, math.MaxUint32},
			"i64":   {math.MinInt64, 0, math.MaxInt64, math.MinInt64, 0, math.MaxInt64},
			"whole": {-3, 4e15, 0, -3, 4e15, 0},
		} {
			got, err := ReadIntColumn([]string{p1, p2}, name)
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("%s %s = %v, %v; want %v", ext, name, got, err, want)
			}
		}
		// Errors name the file and the global row: the second file's rows
		// count from 3.
		_, err := ReadIntColumn([]string{p1, p2}, "u64")
		wantErr(t, err, ErrNotInteger, p1, `"u64"`, "row 2", "9223372036854775808")
		_, err = ReadIntColumn([]string{p1, p2}, "frac")
		wantErr(t, err, ErrNotInteger, p1, "row 1", "2.5")
		_, err = ReadIntColumn([]string{p2, p1}, "nulls")
		wantErr(t, err, ErrNull, p2, "row 1")
		_, err = ReadIntColumn([]string{p1}, "s")
		wantErr(t, err, ErrNotNumeric, `"s"`)
		_, err = ReadIntColumn([]string{p1}, "nope")
		wantErr(t, err, ErrNoSuchColumn, `"nope"`, `"i8"`)
	}
}

func TestReadIntColumnCSV(t *testing.T) {
	dir := t.TempDir()
	a := writeCSV(t, dir, "a.csv", "k,t\n1,x\n-2,y\n3.0,z\n 4 ,w\n")
	b := writeCSV(t, dir, "b.csv", "k,t\n5,x\n6.5,y\n")
	c := writeCSV(t, dir, "c.csv", "k,t\n7,x\n,y\n")
	got, err := ReadIntColumn([]string{a}, "k")
	if err != nil || !slices.Equal(got, []int64{1, -2, 3, 4}) {
		t.Errorf("a.csv k = %v, %v", got, err)
	}
	_, err = ReadIntColumn([]string{a, b}, "k")
	wantErr(t, err, ErrNotInteger, b, `"k"`, "row 5", `"6.5"`)
	_, err = ReadIntColumn([]string{a, c}, "k")
	wantErr(t, err, ErrNull, c, "row 5")
	_, err = ReadIntColumn([]string{a}, "t")
	wantErr(t, err, ErrNotInteger, `"x"`)
	_, err = ReadIntColumn([]string{dir}, "k")
	wantErr(t, err, ErrNotInteger, "b.csv")
}
