package partition

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// testTable is a small table with known values: float32 features x0..x2, an
// int32 id holding the global row index, a float32 weight.
type testTable struct {
	x  []float32 // row-major, 3 per row
	id []int32
	w  []float32
}

var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "x0", Type: arrow.PrimitiveTypes.Float32},
	{Name: "x1", Type: arrow.PrimitiveTypes.Float32},
	{Name: "id", Type: arrow.PrimitiveTypes.Int32},
	{Name: "x2", Type: arrow.PrimitiveTypes.Float32},
	{Name: "w", Type: arrow.PrimitiveTypes.Float32},
}, nil)

func newTestTable(r *rand.Rand, n int, firstID int) testTable {
	tt := testTable{x: make([]float32, 3*n), id: make([]int32, n), w: make([]float32, n)}
	for i := range n {
		for j := range 3 {
			tt.x[3*i+j] = float32(r.NormFloat64() * 100)
		}
		tt.id[i] = int32(firstID + i)
		tt.w[i] = float32(r.Float64())
	}
	return tt
}

// write stores the table at path in batches (row groups) of batch rows.
func (tt testTable) write(t testing.TB, path string, batch int) {
	t.Helper()
	var recs []arrow.RecordBatch
	n := len(tt.id)
	for start := 0; start < n || (n == 0 && start == 0); start += batch {
		end := min(n, start+batch)
		b := array.NewRecordBuilder(memory.DefaultAllocator, testSchema)
		for i := start; i < end; i++ {
			b.Field(0).(*array.Float32Builder).Append(tt.x[3*i])
			b.Field(1).(*array.Float32Builder).Append(tt.x[3*i+1])
			b.Field(2).(*array.Int32Builder).Append(tt.id[i])
			b.Field(3).(*array.Float32Builder).Append(tt.x[3*i+2])
			b.Field(4).(*array.Float32Builder).Append(tt.w[i])
		}
		recs = append(recs, b.NewRecordBatch())
		b.Release()
		if n == 0 {
			break
		}
	}
	writeRecords(t, path, testSchema, recs...)
	for _, r := range recs {
		r.Release()
	}
}

// TestRoundTrip writes three files (one of a single row) with known values
// into a directory beside files that must be skipped, scans the directory
// with small shards, and reads every shard back: values, weights, global
// row indices and the id column must all come back in order.
func TestRoundTrip(t *testing.T) {
	for _, ext := range allExts {
		t.Run(ext, func(t *testing.T) {
			seed := uint64(7)
			t.Logf("seed %d", seed)
			r := rand.New(rand.NewPCG(seed, 0))
			dir := filepath.Join(t.TempDir(), "data")
			os.Mkdir(dir, 0o755)
			sizes := []int{250, 1, 517}
			var all testTable
			for i, n := range sizes {
				tt := newTestTable(r, n, len(all.id))
				tt.write(t, filepath.Join(dir, fmt.Sprintf("part-%d%s", i, ext)), 100)
				all.x, all.id, all.w = append(all.x, tt.x...), append(all.id, tt.id...), append(all.w, tt.w...)
			}
			// Files a Spark or Hive writer leaves beside data, and our own
			// temporaries: never part of the dataset.
			for _, junk := range []string{"_SUCCESS", ".part-9" + ext + ".tmp-1", "_part-8" + ext, "notes.txt"} {
				os.WriteFile(filepath.Join(dir, junk), []byte("junk"), 0o644)
			}
			ds := mustScan(t, []string{dir}, Options{Exclude: []string{"id"}, Weight: "w", ShardRows: 64})
			if len(ds.Files) != 3 || !strings.HasSuffix(ds.Files[2], "part-2"+ext) {
				t.Fatalf("files %v", ds.Files)
			}
			if !slices.Equal(ds.Columns, []string{"x0", "x1", "x2"}) || ds.Weight != "w" || ds.Rows != 768 {
				t.Fatalf("columns %v weight %q rows %d", ds.Columns, ds.Weight, ds.Rows)
			}
			// Parquet row groups and Arrow batches of 100 rows are shards of
			// their own (never split); CSV ranges hold exactly 64 rows.
			wantShards := map[string]int{".csv": 4 + 1 + 9}[ext]
			if wantShards == 0 {
				wantShards = 3 + 1 + 6
			}
			if len(ds.Shards) != wantShards {
				t.Errorf("%d shards, want %d", len(ds.Shards), wantShards)
			}
			b := readEvery(t, ds, NullsError)
			if !slices.Equal(b.Data, all.x) || !slices.Equal(b.Weights, all.w) {
				t.Fatalf("values or weights differ")
			}
			for i, idx := range b.Index {
				if idx != int64(i) {
					t.Fatalf("row %d has index %d", i, idx)
				}
			}
			ids, err := ReadIntColumn([]string{dir}, "id")
			if err != nil {
				t.Fatal(err)
			}
			for i, id := range ids {
				if id != int64(all.id[i]) || id != int64(i) {
					t.Fatalf("id %d = %d", i, id)
				}
			}
			// ReadAll agrees, and files may also be listed one by one.
			ds2 := mustScan(t, []string{ds.Files[0], ds.Files[1], ds.Files[2]}, Options{Columns: []string{"x2", "x0"}})
			all2, err := ReadAll(ds2, NullsError)
			if err != nil {
				t.Fatal(err)
			}
			for i := range all2.Len() {
				if all2.Data[2*i] != all.x[3*i+2] || all2.Data[2*i+1] != all.x[3*i] || all2.Weights != nil {
					t.Fatalf("ReadAll row %d = %v", i, all2.Data[2*i:2*i+2])
				}
			}
		})
	}
}

// typedSchema has one column of every numeric type, plus a string one.
var typedSchema = arrow.NewSchema([]arrow.Field{
	{Name: "i8", Type: arrow.PrimitiveTypes.Int8},
	{Name: "i16", Type: arrow.PrimitiveTypes.Int16},
	{Name: "i32", Type: arrow.PrimitiveTypes.Int32},
	{Name: "i64", Type: arrow.PrimitiveTypes.Int64},
	{Name: "u8", Type: arrow.PrimitiveTypes.Uint8},
	{Name: "u16", Type: arrow.PrimitiveTypes.Uint16},
	{Name: "u32", Type: arrow.PrimitiveTypes.Uint32},
	{Name: "u64", Type: arrow.PrimitiveTypes.Uint64},
	{Name: "f32", Type: arrow.PrimitiveTypes.Float32},
	{Name: "f64", Type: arrow.PrimitiveTypes.Float64},
	{Name: "s", Type: arrow.BinaryTypes.String},
}, nil)

// TestNumericTypes writes each integer and float type with extreme values
// and checks the float32 conversion against Go's own conversion of the
// same literal.
func TestNumericTypes(t *testing.T) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, typedSchema)
	defer b.Release()
	b.Field(0).(*array.Int8Builder).AppendValues([]int8{math.MinInt8, -1, 0, math.MaxInt8}, nil)
	b.Field(1).(*array.Int16Builder).AppendValues([]int16{math.MinInt16, -1, 0, math.MaxInt16}, nil)
	b.Field(2).(*array.Int32Builder).AppendValues([]int32{math.MinInt32, -1, 16777217, math.MaxInt32}, nil)
	b.Field(3).(*array.Int64Builder).AppendValues([]int64{math.MinInt64, -1, 1 << 53, math.MaxInt64}, nil)
	b.Field(4).(*array.Uint8Builder).AppendValues([]uint8{0, 1, 128, math.MaxUint8}, nil)
	b.Field(5).(*array.Uint16Builder).AppendValues([]uint16{0, 1, 40000, math.MaxUint16}, nil)
	b.Field(6).(*array.Uint32Builder).AppendValues([]uint32{0, 1, 3e9, math.MaxUint32}, nil)
	b.Field(7).(*array.Uint64Builder).AppendValues([]uint64{0, 1, 1 << 63, math.MaxUint64}, nil)
	b.Field(8).(*array.Float32Builder).AppendValues([]float32{-math.MaxFloat32, -0.0, math.SmallestNonzeroFloat32, math.MaxFloat32}, nil)
	b.Field(9).(*array.Float64Builder).AppendValues([]float64{-3.4e38, 0.1, 1e-300, 16777217}, nil)
	b.Field(10).(*array.StringBuilder).AppendValues([]string{"a", "b", "c", "d"}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	want := map[string][]float32{
		"i8":  {-128, -1, 0, 127},
		"i16": {-32768, -1, 0, 32767},
		"i32": {-2147483648, -1, 16777216, 2147483648},
		"i64": {-9223372036854775808, -1, 9007199254740992, 9223372036854775807},
		"u8":  {0, 1, 128, 255},
		"u16": {0, 1, 40000, 65535},
		"u32": {0, 1, 3e9, 4294967296},
		"u64": {0, 1, 9223372036854775808, 18446744073709551615},
		"f32": {-math.MaxFloat32, 0, math.SmallestNonzeroFloat32, math.MaxFloat32},
		"f64": {-3.4e38, 0.1, 0, 16777216},
	}
	for _, ext := range []string{".parquet", ".arrow", ".arrows"} {
		path := filepath.Join(t.TempDir(), "types"+ext)
		writeRecords(t, path, typedSchema, rec)
		ds := mustScan(t, []string{path}, Options{})
		if len(ds.Columns) != 10 || slices.Contains(ds.Columns, "s") {
			t.Fatalf("%s: automatic columns %v", ext, ds.Columns)
		}
		blk := readEvery(t, ds, NullsError)
		for j, name := range ds.Columns {
			for i, w := range want[name] {
				if got := blk.Data[i*blk.D+j]; got != w {
					t.Errorf("%s: %s row %d = %v, want %v", ext, name, i, got, w)
				}
			}
		}
		_, err := Scan([]string{path}, Options{Columns: []string{"f64", "s"}})
		wantErr(t, err, ErrNotNumeric, path, `"s"`, "utf8")

		// Parquet reads these four types without pqarrow when no other
		// column is requested: the same values must come out.
		direct := []string{"i32", "i64", "f32", "f64"}
		blk = readEvery(t, mustScan(t, []string{path}, Options{Columns: direct}), NullsError)
		for j, name := range direct {
			for i, w := range want[name] {
				if got := blk.Data[i*blk.D+j]; got != w {
					t.Errorf("%s, columns %v: %s row %d = %v, want %v", ext, direct, name, i, got, w)
				}
			}
		}
	}
}

// nullTable writes rows with a null, NaN, ±Inf and a float32 overflow at
// known rows of two float64 columns and a weight column; rows 0, 2, 7, 9
// are clean.
func nullTable(t testing.TB, path string) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "b", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "w", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer bld.Release()
	a := bld.Field(0).(*array.Float64Builder)
	bb := bld.Field(1).(*array.Float32Builder)
	w := bld.Field(2).(*array.Float64Builder)
	//              row: 0  1           2  3           4            5             6      7  8  9
	aVals := []float64{0, 1, 2, math.NaN(), 4, 1e300, 6, 7, 8, 9}
	aValid := []bool{true, false, true, true, true, true, true, true, true, true}
	bVals := []float32{0, 1, 2, 3, float32(math.Inf(1)), 5, float32(math.Inf(-1)), 7, 8, 9}
	wVals := []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	wValid := []bool{true, true, true, true, true, true, true, true, false, true}
	a.AppendValues(aVals, aValid)
	bb.AppendValues(bVals, nil)
	w.AppendValues(wVals, wValid)
	rec := bld.NewRecordBatch()
	defer rec.Release()
	writeRecords(t, path, schema, rec)
}

// TestNulls checks both policies on nulls, NaN, ±Inf and a float64 too
// large for float32, in every format.
func TestNulls(t *testing.T) {
	for _, ext := range allExts {
		t.Run(ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "nulls"+ext)
			nullTable(t, path)
			ds := mustScan(t, []string{path}, Options{Columns: []string{"a", "b"}, Weight: "w", ShardRows: 100})
			b := readEvery(t, ds, NullsDrop)
			if !slices.Equal(b.Index, []int64{0, 2, 7, 9}) {
				t.Errorf("kept rows %v, want [0 2 7 9]", b.Index)
			}
			if !slices.Equal(b.Data, []float32{0, 0, 2, 2, 7, 7, 9, 9}) || !slices.Equal(b.Weights, []float32{1, 1, 1, 1}) {
				t.Errorf("kept data %v weights %v", b.Data, b.Weights)
			}
			_, err := ReadShard(ds.Shards[0], ds.Columns, ds.Weight, NullsError)
			wantErr(t, err, ErrNull, path, `column "a"`, "row 1:", "null", "--nulls drop")

			// One bad kind at a time, each named in the message.
			for _, c := range []struct {
				cols []string
				weight,
				frag string
			}{
				{[]string{"b"}, "", `column "b", row 4: +Inf`},
				{[]string{"a"}, "w", `column "a", row 1: null`},
				{[]string{"b"}, "w", `column "b", row 4: +Inf`},
				{[]string{"w"}, "", `column "w", row 8: null`},
			} {
				_, err := ReadShard(ds.Shards[0], c.cols, c.weight, NullsError)
				wantErr(t, err, ErrNull, c.frag)
			}
			// Rows 3 (NaN), 5 (1e300) and 6 (-Inf) in isolation.
			sub := mustScan(t, []string{path}, Options{Columns: []string{"a"}})
			b = readEvery(t, sub, NullsDrop)
			if !slices.Equal(b.Index, []int64{0, 2, 4, 6, 7, 8, 9}) {
				t.Errorf("column a alone keeps %v, want [0 2 4 6 7 8 9]", b.Index)
			}
		})
	}
}

func TestNegativeWeight(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.csv")
	os.WriteFile(path, []byte("x,w\n1,1\n2,0\n3,-0.5\n"), 0o644)
	ds := mustScan(t, []string{path}, Options{Weight: "w"})
	_, err := ReadShard(ds.Shards[0], ds.Columns, ds.Weight, NullsDrop)
	wantErr(t, err, ErrNegativeWeight, path, `"w"`, "row 2", "-0.5")
}

// TestTruncated cuts valid files of every format and expects an error
// naming the file, whether the cut happens before Scan or between Scan and
// ReadShard.
func TestTruncated(t *testing.T) {
	for _, ext := range allExts {
		for _, frac := range []float64{0.1, 0.5, 0.9, 0.999} {
			t.Run(fmt.Sprintf("%s/%g", ext, frac), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "full"+ext)
				if _, err := GenerateBlobs(path, BlobsConfig{N: 3000, D: 4, K: 3, Seed: 1, BatchRows: 500}); err != nil {
					t.Fatal(err)
				}
				full, _ := os.ReadFile(path)
				cut := int(float64(len(full)) * frac)
				if ext == ".csv" {
					// A CSV cut at a line end, or inside the last field, is
					// a valid shorter file; cut after the line's first
					// field, leaving a record too short.
					line := bytes.LastIndexByte(full[:cut], '\n') + 1
					cut = line + bytes.IndexByte(full[line:], ',') + 1
				}
				ds := mustScan(t, []string{path}, Options{ShardRows: 500})
				os.WriteFile(path, full[:cut], 0o644)
				var errs int
				for _, s := range ds.Shards {
					if _, err := ReadShard(s, ds.Columns, "", NullsError); err != nil {
						errs++
						wantErr(t, err, ErrCorrupt, path)
					}
				}
				if errs == 0 {
					t.Errorf("cut at %d of %d bytes: every shard read", cut, len(full))
				}
				if _, err := scanAndReadAll(path); err == nil {
					t.Errorf("cut at %d of %d bytes: Scan and read succeeded", cut, len(full))
				} else if !strings.Contains(err.Error(), path) {
					t.Errorf("error does not name the file: %v", err)
				}
			})
		}
	}
}

// TestNoLeaks reads shards of every format through a checked allocator,
// including failing reads and compressed Arrow buffers, and proves every
// Arrow buffer is released.
func TestNoLeaks(t *testing.T) {
	dir := t.TempDir()
	var cases []string
	for _, ext := range allExts {
		p := filepath.Join(dir, "b"+ext)
		if _, err := GenerateBlobs(p, BlobsConfig{N: 2000, D: 5, K: 3, Seed: 2, BatchRows: 300}); err != nil {
			t.Fatal(err)
		}
		n := filepath.Join(dir, "n"+ext)
		nullTable(t, n)
		cases = append(cases, p, n)
	}
	if root := filepath.Join("..", "..", "shared", "data", "arrow-testing", "arrow-ipc-stream", "integration", "2.0.0-compression"); dirExists(root) {
		cases = append(cases, linkAs(t, filepath.Join(root, "generated_lz4.arrow_file"), ".arrow"),
			linkAs(t, filepath.Join(root, "generated_zstd.stream"), ".arrows"))
	}
	for _, path := range cases {
		ds := mustScan(t, []string{path}, Options{ShardRows: 1})
		for _, nulls := range []NullPolicy{NullsError, NullsDrop} {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			for _, s := range ds.Shards {
				readShard(s, ds.Columns, ds.Weight, nulls, mem)
			}
			t.Run(filepath.Base(path)+"/"+nulls.String(), func(t *testing.T) { mem.AssertSize(t, 0) })
		}
	}
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func TestReadShardRejectsBadArguments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.parquet")
	newTestTable(rand.New(rand.NewPCG(1, 1)), 10, 0).write(t, path, 10)
	ds := mustScan(t, []string{path}, Options{})
	s := ds.Shards[0]
	for _, c := range []struct {
		name   string
		s      Shard
		cols   []string
		weight string
		nulls  NullPolicy
		want   error
	}{
		{"no columns", s, nil, "", NullsError, ErrInvalidOptions},
		{"column twice", s, []string{"x0", "x0"}, "", NullsError, ErrInvalidOptions},
		{"weight is a feature", s, []string{"x0", "w"}, "w", NullsError, ErrInvalidOptions},
		{"bad policy", s, []string{"x0"}, "", NullPolicy(7), ErrInvalidOptions},
		{"unknown column", s, []string{"nope"}, "", NullsError, ErrNoSuchColumn},
		{"inverted range", Shard{File: path, First: 1, Last: 0, Rows: 10}, []string{"x0"}, "", NullsError, ErrInvalidArgument},
		{"absurd rows", Shard{File: path, First: 0, Last: 1, Rows: 1 << 40}, []string{"x0"}, "", NullsError, ErrInvalidArgument},
		{"rows changed", Shard{File: path, First: 0, Last: 1, Rows: 9}, []string{"x0"}, "", NullsError, ErrCorrupt},
		{"row groups beyond file", Shard{File: path, First: 0, Last: 2, Rows: 10}, []string{"x0"}, "", NullsError, ErrCorrupt},
		{"missing file", Shard{File: path + ".gone.parquet", Last: 1, Rows: 10}, []string{"x0"}, "", NullsError, ErrNotFound},
		{"unknown format", Shard{File: path, Format: Format(42), Last: 1, Rows: 10}, []string{"x0"}, "", NullsError, ErrUnknownFormat},
	} {
		_, err := ReadShard(c.s, c.cols, c.weight, c.nulls)
		if err == nil || !errorsIs(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
}

// benchFile writes the benchmark dataset, 2²⁰ rows × 32 float32 features
// plus a label, in row groups or batches of 65536.
func benchFile(b *testing.B, ext string) string {
	path := filepath.Join(b.TempDir(), "bench"+ext)
	if _, err := GenerateBlobs(path, BlobsConfig{N: benchRows, D: 32, K: 10, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	return path
}

const benchRows = 1 << 20

// BenchmarkReadShard decodes one shard of 2²⁰ rows × 32 float32 features
// (16 row groups or batches) per format; MB/s counts the float32 data
// produced. parquet-arrowgo is arrow-go's own parallel ReadRowGroups on the
// same file, into Arrow columns, for comparison: NOTES.md measures it at
// ~90 ms.
func BenchmarkReadShard(b *testing.B) {
	for _, c := range []struct{ name, ext string }{{"parquet", ".parquet"}, {"arrow", ".arrow"}, {"arrow-stream", ".arrows"}, {"csv", ".csv"}} {
		b.Run(c.name, func(b *testing.B) {
			path := benchFile(b, c.ext)
			ds, err := Scan([]string{path}, Options{Exclude: []string{"label"}, ShardRows: benchRows})
			if err != nil || len(ds.Shards) != 1 {
				b.Fatalf("%v, %d shards", err, len(ds.Shards))
			}
			b.SetBytes(benchRows * 32 * 4)
			for b.Loop() {
				blk, err := ReadShard(ds.Shards[0], ds.Columns, "", NullsError)
				if err != nil || blk.Len() != benchRows {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
	b.Run("parquet-arrowgo", func(b *testing.B) {
		path := benchFile(b, ".parquet")
		b.SetBytes(benchRows * 32 * 4)
		for b.Loop() {
			pf, err := file.OpenParquetFile(path, true)
			if err != nil {
				b.Fatal(err)
			}
			fr, _ := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{Parallel: true}, memory.DefaultAllocator)
			cols := make([]int, 32)
			for i := range cols {
				cols[i] = i
			}
			groups := make([]int, pf.NumRowGroups())
			for i := range groups {
				groups[i] = i
			}
			tbl, err := fr.ReadRowGroups(context.Background(), cols, groups)
			if err != nil {
				b.Fatal(err)
			}
			tbl.Release()
			pf.Close()
		}
	})
}

// BenchmarkScan plans shards of 65536 rows over the same files: metadata
// only for Parquet and Arrow files, a read through the data for streams
// and CSV. MB/s counts file bytes.
func BenchmarkScan(b *testing.B) {
	for _, c := range []struct{ name, ext string }{{"parquet", ".parquet"}, {"arrow", ".arrow"}, {"arrow-stream", ".arrows"}, {"csv", ".csv"}} {
		b.Run(c.name, func(b *testing.B) {
			path := benchFile(b, c.ext)
			st, _ := os.Stat(path)
			b.SetBytes(st.Size())
			for b.Loop() {
				ds, err := Scan([]string{path}, Options{})
				if err != nil || ds.Rows != benchRows {
					b.Fatal(err)
				}
			}
		})
	}
}
