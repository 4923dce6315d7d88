package partition

import (
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// linkAs makes path reachable under a name with the given extension, since
// formats are chosen by extension.
func linkAs(t testing.TB, path, ext string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), filepath.Base(path)+ext)
	if err := os.Symlink(abs, link); err != nil {
		t.Fatal(err)
	}
	return link
}

// TestBrokenFilesFailCleanly feeds every file that once crashed a Parquet or
// Arrow reader through Scan and ReadShard: each must give an error or read
// cleanly, never panic or hang.
func TestBrokenFilesFailCleanly(t *testing.T) {
	var cases []string
	bad := sharedData(t, "parquet-testing/bad_data")
	names, _ := filepath.Glob(filepath.Join(bad, "*.parquet"))
	for _, n := range names {
		cases = append(cases, linkAs(t, n, ".parquet"))
	}
	for _, n := range []string{"datapage_v1-corrupt-checksum.parquet", "rle-dict-uncompressed-corrupt-checksum.parquet", "nation.dict-malformed.parquet"} {
		cases = append(cases, filepath.Join(sharedData(t, "parquet-testing/data"), n))
	}
	fuzz := sharedData(t, "arrow-testing/arrow-ipc-fuzz")
	names, _ = filepath.Glob(filepath.Join(fuzz, "*"))
	for _, n := range names {
		// Try each input as both IPC formats: the file reader and the stream
		// reader each have their own ways to fail.
		cases = append(cases, linkAs(t, n, ".arrow"), linkAs(t, n, ".arrows"))
	}
	for _, c := range cases {
		withTimeout(t, 20*time.Second, c, func() {
			b, err := scanAndReadAll(c)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "partition: ") || strings.Contains(err.Error(), "\n") {
					t.Errorf("%s: want one line starting with the package name: %q", c, err)
				}
				t.Logf("%s: %v", filepath.Base(c), err)
				return
			}
			t.Logf("%s: read %d rows", filepath.Base(c), b.Len())
		})
	}
}

// readExpectCSV reads a parquet-testing *_expect.csv: header and rows of
// text, with encoding/csv alone, independent of the package's CSV reader.
func readExpectCSV(t *testing.T, path string) ([]string, [][]string) {
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
	return recs[0], recs[1:]
}

func parquetData(t *testing.T, name string) string {
	return filepath.Join(sharedData(t, "parquet-testing/data"), name)
}

// readColumns reads the named columns of a file with NullsDrop.
func readColumns(t *testing.T, path string, nulls NullPolicy, cols ...string) *Block {
	t.Helper()
	ds := mustScan(t, []string{path}, Options{Columns: cols})
	return readEvery(t, ds, nulls)
}

// TestParquetAllTypesPlain checks Impala's alltypes files (plain, snappy,
// dictionary encoded) against the values published with them and asserted
// by the Arrow and parquet-mr test suites: ids in file order, and every
// numeric column a function of id parity.
func TestParquetAllTypesPlain(t *testing.T) {
	for _, c := range []struct {
		file string
		ids  []float32
	}{
		{"alltypes_plain.parquet", []float32{4, 5, 6, 7, 2, 3, 0, 1}},
		{"alltypes_plain.snappy.parquet", []float32{6, 7}},
		{"alltypes_dictionary.parquet", []float32{0, 1}},
	} {
		t.Run(c.file, func(t *testing.T) {
			cols := []string{"id", "tinyint_col", "smallint_col", "int_col", "bigint_col", "float_col", "double_col"}
			b := readColumns(t, parquetData(t, c.file), NullsError, cols...)
			if b.Len() != len(c.ids) {
				t.Fatalf("%d rows, want %d", b.Len(), len(c.ids))
			}
			for i, id := range c.ids {
				odd := float64(int(id) % 2)
				want := []float32{id, float32(odd), float32(odd), float32(odd), float32(10 * odd), float32(1.1 * odd), float32(10.1 * odd)}
				got := b.Data[i*b.D : (i+1)*b.D]
				for j := range want {
					if got[j] != want[j] {
						t.Errorf("row %d %s = %v, want %v", i, cols[j], got[j], want[j])
					}
				}
			}
		})
	}
}

// TestParquetTinyPages reads Impala's alltypes table written with tiny
// pages and a page index (7300 rows): every column is, by the generator's
// definition, a function of id mod 10.
func TestParquetTinyPages(t *testing.T) {
	cols := []string{"id", "tinyint_col", "smallint_col", "int_col", "bigint_col", "float_col", "double_col"}
	b := readColumns(t, parquetData(t, "alltypes_tiny_pages.parquet"), NullsError, cols...)
	if b.Len() != 7300 {
		t.Fatalf("%d rows, want 7300", b.Len())
	}
	seen := make([]bool, 7300)
	for i := range b.Len() {
		row := b.Data[i*b.D : (i+1)*b.D]
		id := int(row[0])
		seen[id] = true
		m := float64(id % 10)
		want := []float32{float32(id), float32(m), float32(m), float32(m), float32(10 * m), float32(1.1 * m), float32(10.1 * m)}
		for j := range want {
			if row[j] != want[j] {
				t.Fatalf("row %d (id %d) %s = %v, want %v", i, id, cols[j], row[j], want[j])
			}
		}
	}
	for id, ok := range seen {
		if !ok {
			t.Fatalf("id %d missing", id)
		}
	}
}

// TestParquetByteStreamSplit: the file holds np.random.seed(0) normals
// (its README gives the generating script); the first ten are the
// well-known 1.764, 0.400, 0.979, ...
func TestParquetByteStreamSplit(t *testing.T) {
	b := readColumns(t, parquetData(t, "byte_stream_split.zstd.parquet"), NullsError, "f32")
	want := []float64{1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458, 1.8675579901499675,
		-0.977277879876411, 0.9500884175255894, -0.1513572082976979, -0.10321885179355784, 0.41059850193837233}
	if b.Len() != 300 {
		t.Fatalf("%d rows, want 300", b.Len())
	}
	for i, w := range want {
		if b.Data[i] != float32(w) {
			t.Errorf("f32[%d] = %v, want %v", i, b.Data[i], float32(w))
		}
	}
}

// TestParquetByteStreamSplitExtended compares each BYTE_STREAM_SPLIT column
// with its PLAIN twin, as the file's README prescribes.
func TestParquetByteStreamSplitExtended(t *testing.T) {
	path := parquetData(t, "byte_stream_split_extended.gzip.parquet")
	for _, typ := range []string{"float", "double", "int32", "int64"} {
		plain, split := typ+"_plain", typ+"_byte_stream_split"
		b := readColumns(t, path, NullsDrop, plain, split)
		if b.Len() != 200 {
			t.Errorf("%s: %d rows, want 200", typ, b.Len())
		}
		for i := range b.Len() {
			if b.Data[2*i] != b.Data[2*i+1] {
				t.Errorf("%s row %d: plain %v, split %v", typ, i, b.Data[2*i], b.Data[2*i+1])
			}
		}
		if typ == "int32" || typ == "int64" {
			p, err1 := ReadIntColumn([]string{path}, plain)
			s, err2 := ReadIntColumn([]string{path}, split)
			if err1 != nil || err2 != nil || !slices.Equal(p, s) || len(p) != 200 {
				t.Errorf("%s: ReadIntColumn plain %d values (%v), split %d (%v), equal %v", typ, len(p), err1, len(s), err2, slices.Equal(p, s))
			}
		}
	}
}

// TestParquetDeltaBinaryPacked reads every int64 column of the
// DELTA_BINARY_PACKED file exactly and compares with its _expect.csv.
func TestParquetDeltaBinaryPacked(t *testing.T) {
	path := parquetData(t, "delta_binary_packed.parquet")
	header, rows := readExpectCSV(t, parquetData(t, "delta_binary_packed_expect.csv"))
	for j, name := range header {
		got, err := ReadIntColumn([]string{path}, name)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(rows) {
			t.Fatalf("%s: %d values, want %d", name, len(got), len(rows))
		}
		for i, row := range rows {
			want, _ := strconv.ParseInt(row[j], 10, 64)
			if got[i] != want {
				t.Fatalf("%s row %d = %d, want %d", name, i, got[i], want)
			}
		}
	}
	// The same values through ReadShard, rounded to float32.
	b := readColumns(t, path, NullsError, header[64], header[63])
	for i, row := range rows {
		for j, c := range []int{64, 63} {
			want, _ := strconv.ParseInt(row[c], 10, 64)
			if b.Data[i*2+j] != float32(want) {
				t.Fatalf("%s row %d = %v, want %v", header[c], i, b.Data[i*2+j], float32(want))
			}
		}
	}
}

// TestParquetDeltaEncodingNulls reads the optional and required delta
// encoded files: with NullsDrop exactly the rows whose numeric fields are
// all present in the _expect.csv remain, with their values.
func TestParquetDeltaEncodingNulls(t *testing.T) {
	for _, name := range []string{"delta_encoding_optional_column", "delta_encoding_required_column"} {
		t.Run(name, func(t *testing.T) {
			path := parquetData(t, name+".parquet")
			_, rows := readExpectCSV(t, parquetData(t, name+"_expect.csv"))
			// The first nine columns are the integer ones (the file's column
			// names differ from the csv header in the required variant).
			ds := mustScan(t, []string{path}, Options{})
			if len(ds.Columns) != 9 {
				t.Fatalf("numeric columns %v, want 9", ds.Columns)
			}
			b := readEvery(t, ds, NullsDrop)
			var wantIdx []int64
			var wantData []float32
		rowLoop:
			for i, row := range rows {
				vals := make([]float32, 9)
				for j := range 9 {
					if row[j] == "" {
						continue rowLoop
					}
					v, err := strconv.ParseInt(row[j], 10, 64)
					if err != nil {
						t.Fatal(err)
					}
					vals[j] = float32(v)
				}
				wantIdx = append(wantIdx, int64(i))
				wantData = append(wantData, vals...)
			}
			if !slices.Equal(b.Index, wantIdx) {
				t.Fatalf("kept rows %v, want %v", b.Index, wantIdx)
			}
			if !slices.Equal(b.Data, wantData) {
				t.Fatalf("values differ from %s_expect.csv", name)
			}
		})
	}
}

// TestParquetCompressedAndV2 checks small files whose values the Arrow test
// suites assert (arrow-rs prints datapage_v2 as b 1..5, c 2,3,4,5,2):
// LZ4_RAW compression, data page v2, concatenated gzip
// members.
func TestParquetCompressedAndV2(t *testing.T) {
	c0, err := ReadIntColumn([]string{parquetData(t, "lz4_raw_compressed.parquet")}, "c0")
	if err != nil || !slices.Equal(c0, []int64{1593604800, 1593604800, 1593604801, 1593604801}) {
		t.Errorf("lz4_raw c0 = %v, %v", c0, err)
	}
	b := readColumns(t, parquetData(t, "lz4_raw_compressed.parquet"), NullsError, "v11")
	if !slices.Equal(b.Data, []float32{42, 7.7, 42.125, 7.7}) {
		t.Errorf("lz4_raw v11 = %v", b.Data)
	}
	b = readColumns(t, parquetData(t, "datapage_v2.snappy.parquet"), NullsError, "b", "c")
	if !slices.Equal(b.Data, []float32{1, 2, 2, 3, 3, 4, 4, 5, 5, 2}) {
		t.Errorf("datapage_v2 b,c = %v", b.Data)
	}
	n, err := ReadIntColumn([]string{parquetData(t, "concatenated_gzip_members.parquet")}, "long_col")
	if err != nil || len(n) != 513 {
		t.Fatalf("concatenated gzip: %d values, %v", len(n), err)
	}
	for i, v := range n {
		if v != int64(i+1) {
			t.Fatalf("concatenated gzip value %d = %d, want %d", i, v, i+1)
		}
	}
}

// TestParquetNullPagesAndNaN: int32_with_null_pages.md documents 275 nulls
// in 1000 rows; nan_in_stats holds [1.0, NaN] (its README).
func TestParquetNullPagesAndNaN(t *testing.T) {
	path := parquetData(t, "int32_with_null_pages.parquet")
	b := readColumns(t, path, NullsDrop, "int32_field")
	if b.Len() != 725 {
		t.Errorf("kept %d rows, want 1000-275 = 725", b.Len())
	}
	firstNull := int64(len(b.Index))
	for i, r := range b.Index {
		if r != int64(i) {
			firstNull = int64(i)
			break
		}
	}
	ds := mustScan(t, []string{path}, Options{})
	_, err := ReadShard(ds.Shards[0], ds.Columns, "", NullsError)
	wantErr(t, err, ErrNull, "int32_with_null_pages.parquet", `"int32_field"`, fmt.Sprintf("row %d:", firstNull), "--nulls drop")

	path = parquetData(t, "nan_in_stats.parquet")
	b = readColumns(t, path, NullsDrop, "x")
	if !slices.Equal(b.Index, []int64{0}) || !slices.Equal(b.Data, []float32{1}) {
		t.Errorf("nan_in_stats with drop: index %v data %v, want [0] [1]", b.Index, b.Data)
	}
	ds = mustScan(t, []string{path}, Options{})
	_, err = ReadShard(ds.Shards[0], ds.Columns, "", NullsError)
	wantErr(t, err, ErrNull, `"x"`, "row 1:", "NaN")
}

// TestParquetArrowGoLimits documents files arrow-go v18.8 cannot read
// (Hadoop-framed LZ4; a compressed v2 page with no data, which must not be
// decompressed): they must fail cleanly, naming the file, or, once arrow-go
// reads them, give their documented values.
func TestParquetArrowGoLimits(t *testing.T) {
	for _, name := range []string{"hadoop_lz4_compressed.parquet", "non_hadoop_lz4_compressed.parquet"} {
		b, err := scanAndReadAll(parquetData(t, name))
		if err != nil {
			wantErr(t, err, ErrCorrupt, name)
			t.Logf("%s: %v", name, err)
			continue
		}
		// The same rows as lz4_raw_compressed.parquet: c0 and v11.
		if !slices.Equal(b.Data, []float32{1593604800, 42, 1593604800, 7.7, 1593604801, 42.125, 1593604801, 7.7}) {
			t.Errorf("%s: %v", name, b.Data)
		}
	}
	path := parquetData(t, "datapage_v2_empty_datapage.snappy.parquet")
	ds := mustScan(t, []string{path}, Options{})
	b, err := ReadAll(ds, NullsDrop)
	if err != nil {
		wantErr(t, err, ErrCorrupt, "datapage_v2_empty_datapage")
		t.Logf("%v", err)
	} else if b.Len() != 0 {
		t.Errorf("a single null value read as %d rows", b.Len())
	}
}

// integrationJSON is the part of the Arrow integration-test JSON format
// that describes primitive columns.
type integrationJSON struct {
	Schema struct {
		Fields []struct {
			Name string
			Type struct{ Name string }
		}
	}
	Batches []struct {
		Count   int
		Columns []struct {
			Name     string
			Validity []int `json:"VALIDITY"`
			Data     []json.RawMessage
		}
	}
}

// TestArrowIntegrationFiles reads Arrow C++'s integration files (little
// and big endian, LZ4 and ZSTD buffers), file and stream, one numeric
// column at a time with one shard per batch, and compares with the JSON
// description beside each: rows with validity 0 dropped, the rest equal to
// the JSON value in float32.
func TestArrowIntegrationFiles(t *testing.T) {
	root := sharedData(t, "arrow-testing/arrow-ipc-stream/integration")
	for _, name := range []string{
		"cpp-21.0.0/generated_primitive", "1.0.0-bigendian/generated_primitive",
		"2.0.0-compression/generated_lz4", "2.0.0-compression/generated_zstd",
		"2.0.0-compression/generated_uncompressible_lz4", "2.0.0-compression/generated_uncompressible_zstd",
	} {
		want := readIntegrationJSON(t, filepath.Join(root, name+".json.gz"))
		for _, v := range []struct{ suffix, ext string }{{".arrow_file", ".arrow"}, {".stream", ".arrows"}} {
			path := linkAs(t, filepath.Join(root, name+v.suffix), v.ext)
			checked := 0
			for fi, field := range want.Schema.Fields {
				if field.Type.Name != "int" && field.Type.Name != "floatingpoint" {
					continue
				}
				ds := mustScan(t, []string{path}, Options{Columns: []string{field.Name}, ShardRows: 1})
				if len(ds.Shards) != len(want.Batches) {
					t.Errorf("%s%s: %d shards for %d batches", name, v.suffix, len(ds.Shards), len(want.Batches))
				}
				b := readEvery(t, ds, NullsDrop)
				var wantIdx []int64
				var wantData []float32
				var row int64
				for _, batch := range want.Batches {
					col := batch.Columns[fi]
					for i := range batch.Count {
						if col.Validity == nil || col.Validity[i] == 1 {
							wantIdx = append(wantIdx, row)
							wantData = append(wantData, jsonFloat32(t, col.Data[i]))
						}
						row++
					}
				}
				if !slices.Equal(b.Index, wantIdx) || !slices.Equal(b.Data, wantData) {
					t.Errorf("%s%s column %s:\n got %v %v\nwant %v %v", name, v.suffix, field.Name, b.Index, b.Data, wantIdx, wantData)
				}
				checked++
			}
			if checked == 0 {
				t.Errorf("%s: no numeric column checked", name)
			}
		}
	}
	// Files with a schema but no rows make an empty dataset.
	for _, name := range []string{"cpp-21.0.0/generated_primitive_zerolength", "cpp-21.0.0/generated_primitive_no_batches"} {
		for _, v := range []struct{ suffix, ext string }{{".arrow_file", ".arrow"}, {".stream", ".arrows"}} {
			_, err := Scan([]string{linkAs(t, filepath.Join(root, name+v.suffix), v.ext)}, Options{})
			wantErr(t, err, ErrEmptyDataset)
		}
	}
}

func readIntegrationJSON(t *testing.T, path string) *integrationJSON {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out integrationJSON
	if err := json.NewDecoder(zr).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// jsonFloat32 converts a JSON value (a number, or a string for 64-bit
// integers) to float32 as the reader does: integers exactly first, then
// rounded once.
func jsonFloat32(t *testing.T, raw json.RawMessage) float32 {
	s := strings.Trim(string(raw), `"`)
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return float32(v)
	}
	if v, err := strconv.ParseUint(s, 10, 64); err == nil {
		return float32(v)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("bad JSON number %s", raw)
	}
	return float32(v)
}
