package partition

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestNominalWarpbreaks scans R's warpbreaks with nominal columns, finds
// the levels of wool and tension and reads their codes: the index of
// each value among the sorted levels, checked against the file's text.
func TestNominalWarpbreaks(t *testing.T) {
	path := filepath.Join("..", "algo", "testdata", "gower", "warpbreaks.csv")
	if _, err := Scan([]string{path}, Options{}); err != nil {
		t.Fatal(err) // numeric only: breaks
	}
	ds, err := Scan([]string{path}, Options{Nominal: true, ShardRows: 20})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds.Columns, []string{"breaks", "wool", "tension"}) || !slices.Equal(ds.Nominal, []bool{false, true, true}) {
		t.Fatalf("columns %v nominal %v", ds.Columns, ds.Nominal)
	}
	levels := make([][]string, len(ds.Columns))
	for _, s := range ds.Shards {
		lv, _, err := ShardLevels(s, ds.Columns, NullsError, ds.Nominal, 10)
		if err != nil {
			t.Fatal(err)
		}
		for j := range lv {
			if lv[j] != nil {
				levels[j] = MergeLevels(levels[j], lv[j])
			}
		}
	}
	if !slices.Equal(levels[1], []string{"A", "B"}) || !slices.Equal(levels[2], []string{"H", "L", "M"}) || levels[0] != nil {
		t.Fatalf("levels %q", levels)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")[1:]
	for _, s := range ds.Shards {
		b, err := ReadShardNominal(s, ds.Columns, NullsError, ds.Nominal, levels)
		if err != nil {
			t.Fatal(err)
		}
		for i, g := range b.Index {
			f := strings.Split(lines[g], ",")
			want := fmt.Sprintf("%s,%s,%s", f[0], levels[1][int(b.Data[i*3+1])], levels[2][int(b.Data[i*3+2])])
			got := fmt.Sprintf("%v,%s,%s", b.Data[i*3], f[1], f[2])
			if want != got {
				t.Fatalf("row %d: read %v, file has %s", g, b.Data[i*3:i*3+3], lines[g])
			}
		}
	}
}

// TestNominalHostile: a column with more distinct values than allowed,
// a null in a nominal column, and a value the levels do not hold.
func TestNominalHostile(t *testing.T) {
	dir := t.TempDir()
	var sb strings.Builder
	sb.WriteString("x,id\n")
	for i := range 50 {
		fmt.Fprintf(&sb, "%d,user%d\n", i, i)
	}
	many := filepath.Join(dir, "many.csv")
	if err := os.WriteFile(many, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err := Scan([]string{many}, Options{Nominal: true})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = ShardLevels(ds.Shards[0], ds.Columns, NullsError, ds.Nominal, 20)
	if !errors.Is(err, ErrTooManyLevels) || !strings.Contains(err.Error(), `"id"`) {
		t.Fatalf("err = %v, want ErrTooManyLevels naming id", err)
	}
	if _, err := ReadShardNominal(ds.Shards[0], ds.Columns, NullsError, ds.Nominal, [][]string{nil, {"user1"}}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("unknown level: err = %v", err)
	}

	nulls := filepath.Join(dir, "nulls.csv")
	if err := os.WriteFile(nulls, []byte("x,c\n1,a\n2,\n3,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err = Scan([]string{nulls}, Options{Nominal: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ShardLevels(ds.Shards[0], ds.Columns, NullsError, ds.Nominal, 20); !errors.Is(err, ErrNull) {
		t.Fatalf("null: err = %v, want ErrNull", err)
	}
	lv, _, err := ShardLevels(ds.Shards[0], ds.Columns, NullsDrop, ds.Nominal, 20)
	if err != nil || !slices.Equal(lv[1], []string{"a", "b"}) {
		t.Fatalf("levels %q, err %v", lv, err)
	}
	b, err := ReadShardNominal(ds.Shards[0], ds.Columns, NullsDrop, ds.Nominal, lv)
	if err != nil || !slices.Equal(b.Index, []int64{0, 2}) || !slices.Equal(b.Data, []float32{1, 0, 3, 1}) {
		t.Fatalf("block %v %v, err %v", b.Index, b.Data, err)
	}
}

// TestNominalArrowTypes: a text, a boolean and a dictionary-of-text
// column in Parquet, Arrow IPC and Arrow stream files give the levels
// and codes that the same values give in a CSV file (booleans as
// "false"/"true").
func TestNominalArrowTypes(t *testing.T) {
	mem := memory.NewGoAllocator()
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "s", Type: arrow.BinaryTypes.String},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "d", Type: dictType},
	}, nil)
	rb := array.NewRecordBuilder(mem, schema)
	defer rb.Release()
	xs := []float64{1.5, 2, 3, 4}
	ss := []string{"pear", "apple", "pear", "fig"}
	bs := []bool{true, false, false, true}
	ds := []string{"b", "a", "b", "c"}
	rb.Field(0).(*array.Float64Builder).AppendValues(xs, nil)
	rb.Field(1).(*array.StringBuilder).AppendValues(ss, nil)
	rb.Field(2).(*array.BooleanBuilder).AppendValues(bs, nil)
	for _, v := range ds {
		if err := rb.Field(3).(*array.BinaryDictionaryBuilder).AppendString(v); err != nil {
			t.Fatal(err)
		}
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	wantLevels := [][]string{nil, {"apple", "fig", "pear"}, {"false", "true"}, {"a", "b", "c"}}
	wantData := []float32{1.5, 2, 1, 1, 2, 0, 0, 0, 3, 2, 0, 1, 4, 1, 1, 2}
	dir := t.TempDir()
	var csvText strings.Builder
	csvText.WriteString("x,s,b,d\n")
	for i := range xs {
		fmt.Fprintf(&csvText, "%v,%s,%v,%s\n", xs[i], ss[i], bs[i], ds[i])
	}
	csvPath := filepath.Join(dir, "t.csv")
	if err := os.WriteFile(csvPath, []byte(csvText.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := []string{csvPath}
	for _, name := range []string{"t.parquet", "t.arrow", "t.arrows"} {
		p := filepath.Join(dir, name)
		writeRecords(t, p, schema, rec)
		paths = append(paths, p)
	}
	for _, p := range paths {
		t.Run(filepath.Ext(p), func(t *testing.T) {
			ds, err := Scan([]string{p}, Options{Nominal: true})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ds.Nominal, []bool{false, true, true, true}) {
				t.Fatalf("nominal %v (columns %v)", ds.Nominal, ds.Columns)
			}
			lv, _, err := ShardLevels(ds.Shards[0], ds.Columns, NullsError, ds.Nominal, 10)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(lv) != fmt.Sprint(wantLevels) {
				t.Fatalf("levels %q, want %q", lv, wantLevels)
			}
			b, err := ReadShardNominal(ds.Shards[0], ds.Columns, NullsError, ds.Nominal, lv)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(b.Data, wantData) {
				t.Fatalf("codes %v, want %v", b.Data, wantData)
			}
		})
	}
}
