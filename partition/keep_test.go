package partition

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// writeKeyed writes a Parquet file of n rows in row groups of group rows:
// a float feature x (NaN in the rows listed in nan) and key columns of
// several types: id (string "id-<row>"), ts (timestamp, row milliseconds),
// cat (dictionary of strings, "c<row%3>") and n (int32, -row).
func writeKeyed(t testing.TB, path string, n, group int, nan ...int) {
	t.Helper()
	mem := memory.DefaultAllocator
	dict := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
		{Name: "cat", Type: dict, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int32},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := range n {
		x := float64(i)
		for _, j := range nan {
			if i == j {
				x = math.NaN()
			}
		}
		b.Field(0).(*array.Float64Builder).Append(x)
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("id-%d", i))
		b.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(i))
		if err := b.Field(3).(*array.BinaryDictionaryBuilder).AppendString(fmt.Sprintf("c%d", i%3)); err != nil {
			t.Fatal(err)
		}
		b.Field(4).(*array.Int32Builder).Append(int32(-i))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl := array.NewTableFromRecords(schema, []arrow.RecordBatch{rec})
	defer tbl.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(int64(group)))
	if err := pqarrow.WriteTable(tbl, f, int64(group), props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())); err != nil {
		t.Fatal(err)
	}
}

// readParquetTable reads a whole Parquet file.
func readParquetTable(t testing.TB, path string) arrow.Table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// valueString is a column's value at row i as text.
func valueString(t testing.TB, a arrow.Array, i int) string {
	t.Helper()
	if a.IsNull(i) {
		return "null"
	}
	return a.ValueStr(i)
}

// TestKeepDroppedRows reads the kept columns of every shard for the rows
// that a NullsDrop read keeps, writes them as a labels part, and reads
// the part back: every kept row has its own id, timestamp, category and
// number, and the NaN rows are in no part.
func TestKeepDroppedRows(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "keyed.parquet")
	writeKeyed(t, in, 10, 4, 2, 9)
	ds := mustScan(t, []string{in}, Options{Columns: []string{"x"}, ShardRows: 4})
	if len(ds.Shards) != 3 {
		t.Fatalf("%d shards, want 3", len(ds.Shards))
	}
	keep, err := KeepColumns(ds, []string{"id", "ts", "cat", "n"})
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	seen := map[string]bool{}
	for _, s := range ds.Shards {
		b, err := ReadShard(s, ds.Columns, "", NullsDrop)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := ReadKept(s, keep, b.Index, mem)
		if err != nil {
			t.Fatal(err)
		}
		cluster := make([]int32, b.Len())
		dist := make([]float64, b.Len())
		part := filepath.Join(dir, fmt.Sprintf("part-%05d.parquet", s.ID))
		err = WriteLabelsPart(part, b.Index, cluster, dist, []string{"id", "ts", "cat", "n"}, cols)
		for _, c := range cols {
			c.Release()
		}
		if err != nil {
			t.Fatal(err)
		}
		tbl := readParquetTable(t, part)
		names := []string{}
		for _, f := range tbl.Schema().Fields() {
			names = append(names, f.Name)
		}
		if got := strings.Join(names, ","); got != "row,cluster,distance,id,ts,cat,n" {
			t.Fatalf("part columns %s", got)
		}
		if tbl.Schema().Field(6).Type.ID() != arrow.INT32 || tbl.Schema().Field(4).Type.ID() != arrow.TIMESTAMP || tbl.Schema().Field(5).Type.ID() != arrow.DICTIONARY {
			t.Errorf("part types %s", tbl.Schema())
		}
		if tbl.NumRows() != int64(b.Len()) {
			t.Fatalf("shard %d: part has %d rows, %d labelled", s.ID, tbl.NumRows(), b.Len())
		}
		for i, row := range b.Index {
			at := func(c int) string {
				ch := tbl.Column(c).Data()
				return valueString(t, ch.Chunk(0), i)
			}
			want := []string{fmt.Sprint(row), fmt.Sprintf("id-%d", row), fmt.Sprintf("c%d", row%3), fmt.Sprint(-row)}
			got := []string{at(0), at(3), at(5), at(6)}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("row %d: got %v, want %v", row, got, want)
			}
			if ts := tbl.Column(4).Data().Chunk(0).(*array.Timestamp).Value(i); int64(ts) != row {
				t.Errorf("row %d: ts %d", row, ts)
			}
			seen[at(3)] = true
		}
		tbl.Release()
	}
	if len(seen) != 8 || seen["id-2"] || seen["id-9"] {
		t.Errorf("ids written: %v; want the 8 rows without NaN", seen)
	}
}

// TestKeepPartitionColumns keeps key=value directory columns, typed as
// the dataset types them.
func TestKeepPartitionColumns(t *testing.T) {
	lake := makeLake(t)
	ds := mustScan(t, []string{lake}, Options{Columns: []string{"x"}, Where: Where{"year": {"2025", "2026"}}})
	keep, err := KeepColumns(ds, []string{"region", "year"})
	if err != nil {
		t.Fatal(err)
	}
	if keep[0] != (KeepColumn{Name: "region", Partition: "string"}) || keep[1] != (KeepColumn{Name: "year", Partition: "int64"}) {
		t.Fatalf("KeepColumns = %+v", keep)
	}
	for _, s := range ds.Shards {
		rows := []int64{s.RowOffset, s.RowOffset + s.Rows - 1}
		cols, err := ReadKept(s, keep, rows, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		parts := pathPartition(s.File)
		for i := range rows {
			if got := cols[0].(*array.String).Value(i); got != parts["region"].Value {
				t.Errorf("%s: region %q", s.File, got)
			}
			if got := cols[1].(*array.Int64).Value(i); fmt.Sprint(got) != parts["year"].Value {
				t.Errorf("%s: year %d", s.File, got)
			}
		}
		for _, c := range cols {
			c.Release()
		}
	}
}

func TestKeepColumnsRefused(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "keyed.parquet")
	writeKeyed(t, in, 4, 4)
	csvDir := t.TempDir()
	writeCSV(t, csvDir, "a.csv", "x,id\n1,a\n")
	ds := mustScan(t, []string{in}, Options{Columns: []string{"x"}})
	csvDS := mustScan(t, []string{filepath.Join(csvDir, "a.csv")}, Options{Columns: []string{"x"}})
	for _, tc := range []struct {
		name string
		ds   *Dataset
		keep []string
		err  error
		want []string
	}{
		{"unknown column", ds, []string{"idx"}, ErrNoSuchColumn, []string{"idx", "available", "id"}},
		{"labels column", ds, []string{"cluster"}, ErrInvalidOptions, []string{"cluster", "rename"}},
		{"twice", ds, []string{"id", "id"}, ErrInvalidOptions, []string{"twice"}},
		{"csv", csvDS, []string{"id"}, ErrInvalidOptions, []string{"a.csv", "is CSV"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := KeepColumns(tc.ds, tc.keep)
			if !errors.Is(err, tc.err) {
				t.Fatalf("KeepColumns(%v) = %v, want %v", tc.keep, err, tc.err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestReadKeptRefusesRowsOutsideShard(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "keyed.parquet")
	writeKeyed(t, in, 8, 4)
	ds := mustScan(t, []string{in}, Options{Columns: []string{"x"}, ShardRows: 4})
	keep := []KeepColumn{{Name: "id"}}
	for _, rows := range [][]int64{{3}, {4, 4}, {6, 5}, {8}} {
		if _, err := ReadKept(ds.Shards[1], keep, rows, memory.DefaultAllocator); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("rows %v: %v, want ErrInvalidArgument", rows, err)
		}
	}
}

// TestLabelsColumnEncodings checks how the labels' own columns are
// stored, in a part and in a single file alike: row and cluster
// delta-encoded without a dictionary (no hash per value), none of the
// three compressed, and kept columns with the defaults (Snappy).
func TestLabelsColumnEncodings(t *testing.T) {
	dir := t.TempDir()
	n := 5000
	rows := make([]int64, n)
	cluster := make([]int32, n)
	dist := make([]float64, n)
	ids := array.NewInt64Builder(memory.DefaultAllocator)
	defer ids.Release()
	for i := range n {
		rows[i], cluster[i], dist[i] = int64(i), int32(i%4), float64(i)/7
		ids.Append(int64(i) * 10)
	}
	id := ids.NewArray()
	defer id.Release()
	part := filepath.Join(dir, "part-00000.parquet")
	if err := WriteLabelsPart(part, rows, cluster, dist, []string{"id"}, []arrow.Array{id}); err != nil {
		t.Fatal(err)
	}
	single := filepath.Join(dir, "labels.parquet")
	w, err := CreateLabels(single)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rows, cluster, dist); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	type want struct {
		dict  bool
		delta bool
		codec compress.Compression
	}
	for path, cols := range map[string][]want{
		part:   {{false, true, compress.Codecs.Uncompressed}, {false, true, compress.Codecs.Uncompressed}, {false, false, compress.Codecs.Uncompressed}, {true, false, compress.Codecs.Snappy}},
		single: {{false, true, compress.Codecs.Uncompressed}, {false, true, compress.Codecs.Uncompressed}, {false, false, compress.Codecs.Uncompressed}},
	} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		pf, err := file.NewParquetReader(f)
		if err != nil {
			t.Fatal(err)
		}
		rg := pf.MetaData().RowGroup(0)
		if rg.NumColumns() != len(cols) {
			t.Fatalf("%s: %d columns, want %d", filepath.Base(path), rg.NumColumns(), len(cols))
		}
		for c, want := range cols {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Base(path) + ": column " + cc.PathInSchema().String()
			if got := cc.HasDictionaryPage(); got != want.dict {
				t.Errorf("%s has a dictionary page: %v, want %v", name, got, want.dict)
			}
			if got := slices.Contains(cc.Encodings(), parquet.Encodings.DeltaBinaryPacked); got != want.delta {
				t.Errorf("%s: encodings %v, delta-encoded %v, want %v", name, cc.Encodings(), got, want.delta)
			}
			if got := cc.Compression(); got != want.codec {
				t.Errorf("%s: compression %v, want %v", name, got, want.codec)
			}
		}
		pf.Close()
		f.Close()
		// And they read back as written.
		gotRows, err := ReadIntColumn([]string{path}, "row")
		if err != nil || !slices.Equal(gotRows, rows) {
			t.Errorf("%s: row column differs (%v)", filepath.Base(path), err)
		}
		gotClusters, err := ReadIntColumn([]string{path}, "cluster")
		if err != nil || len(gotClusters) != n {
			t.Fatalf("%s: cluster column: %d values, %v", filepath.Base(path), len(gotClusters), err)
		}
		for i, c := range gotClusters {
			if c != int64(cluster[i]) {
				t.Fatalf("%s: cluster %d = %d, want %d", filepath.Base(path), i, c, cluster[i])
			}
		}
		if got := readFloat64Column(t, path, "distance"); !slices.Equal(got, dist) {
			t.Errorf("%s: distances differ", filepath.Base(path))
		}
		pf.Close()
		f.Close()
	}
}
