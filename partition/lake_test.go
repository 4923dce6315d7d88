package partition

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// writePart writes a Parquet part file of n rows with float columns x and
// y: x counts from x0, y is x times 10.
func writePart(t testing.TB, path string, n int, x0 float32) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	data := make([]float32, 0, 2*n)
	for i := range n {
		x := x0 + float32(i)
		data = append(data, x, 10*x)
	}
	if err := WriteTable(path, []string{"x", "y"}, data, n, nil, nil); err != nil {
		t.Fatal(err)
	}
}

// makeLake lays out a hive-partitioned dataset: three partitions of part
// files, the markers and hidden files writers leave, and a partition
// year=2024 whose only file is not Parquet at all, which a read fails on.
func makeLake(t testing.TB) string {
	t.Helper()
	lake := filepath.Join(t.TempDir(), "lake")
	writePart(t, filepath.Join(lake, "year=2025", "region=eu", "part-0.parquet"), 3, 0)
	writePart(t, filepath.Join(lake, "year=2026", "region=eu", "part-0.parquet"), 4, 100)
	writePart(t, filepath.Join(lake, "year=2026", "region=us", "part-0.parquet"), 5, 200)
	writePart(t, filepath.Join(lake, "year=2026", "region=us", "part-1.parquet"), 2, 300)
	writePart(t, filepath.Join(lake, "year=2026.5", "region=eu%2Fwest", "part-0.parquet"), 1, 400)
	writeCSV(t, lake, "_SUCCESS", "")
	writeCSV(t, filepath.Join(lake, "year=2026"), ".part-9.parquet.crc", "junk")
	writePart(t, filepath.Join(lake, "_delta_log", "x.parquet"), 7, 0)
	writePart(t, filepath.Join(lake, ".staging", "region=eu", "part-0.parquet"), 7, 0)
	bad := filepath.Join(lake, "year=2024", "region=eu")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	writeCSV(t, bad, "part-0.parquet", "not parquet")
	return lake
}

func TestLakePartitionColumns(t *testing.T) {
	lake := makeLake(t)
	where := Where{"year": {"2025", "2026"}}
	ds := mustScan(t, []string{lake}, Options{Columns: []string{"x", "year"}, Where: where})
	if len(ds.Files) != 4 || ds.Rows != 14 {
		t.Fatalf("files %v rows %d, want 4 files of 14 rows (no _SUCCESS, _delta_log, .staging)", ds.Files, ds.Rows)
	}
	want := []PartitionColumn{{"year", "int64"}, {"region", "string"}}
	if !slices.Equal(ds.Partitions, want) {
		t.Errorf("partitions %v, want %v", ds.Partitions, want)
	}
	b := readEvery(t, ds, NullsError)
	for i := range b.Len() {
		x, year := b.Data[2*i], b.Data[2*i+1]
		wantYear := float32(2026)
		if x < 100 {
			wantYear = 2025
		}
		if year != wantYear {
			t.Fatalf("row %d: x=%g year=%g, want year %g", i, x, year, wantYear)
		}
	}
	all, err := ReadAll(ds, NullsError)
	if err != nil || !slices.Equal(all.Data, b.Data) {
		t.Fatalf("ReadAll differs from ReadShard: %v", err)
	}

	// A user's features are the files' columns: partition columns are
	// never picked by default, and may be excluded.
	for _, opts := range []Options{{Where: where}, {Where: where, Exclude: []string{"year", "region"}}} {
		ds := mustScan(t, []string{lake}, opts)
		if !slices.Equal(ds.Columns, []string{"x", "y"}) {
			t.Errorf("%+v: default columns %v, want [x y]", opts, ds.Columns)
		}
	}
	// Only a partition column can be a feature too.
	ds = mustScan(t, []string{lake}, Options{Columns: []string{"year"}, Where: where})
	if b := readEvery(t, ds, NullsError); b.Len() != 14 || b.Data[0] != 2025 || b.Data[13] != 2026 {
		t.Errorf("year alone: %d rows, %v", b.Len(), b.Data)
	}
	_, err = Scan([]string{lake}, Options{Columns: []string{"x", "region"}, Where: where})
	wantErr(t, err, ErrNotNumeric, `"region"`, "text")
	_, err = Scan([]string{lake}, Options{Weight: "region", Where: where})
	wantErr(t, err, ErrNotNumeric, `"region"`)
}

func TestLakeWhere(t *testing.T) {
	lake := makeLake(t)
	// Without a filter the broken partition is read and fails.
	_, err := Scan([]string{lake}, Options{})
	wantErr(t, err, ErrCorrupt, "year=2024")
	for _, c := range []struct {
		where Where
		rows  int64
		files int
	}{
		{Where{"year": {"2026"}}, 11, 3},
		{Where{"year": {"2026"}, "region": {"eu"}}, 4, 1},
		{Where{"year": {"2025", "2026"}, "region": {"eu"}}, 7, 2},
		{Where{"region": {"us"}}, 7, 2},
		{Where{"region": {"eu/west"}}, 1, 1},
		{Where{"region": {"eu%2Fwest"}, "year": {"2026.5"}}, 1, 1},
	} {
		ds, err := Scan([]string{lake}, Options{Where: c.where})
		if err != nil {
			t.Errorf("where %v: %v", c.where, err)
			continue
		}
		if ds.Rows != c.rows || len(ds.Files) != c.files {
			t.Errorf("where %v: %d rows in %v, want %d rows in %d files", c.where, ds.Rows, ds.Files, c.rows, c.files)
		}
	}
	// ExpandPaths opens nothing: the broken file's directory is not even
	// listed when where leaves it out.
	ins, err := ExpandPaths([]string{lake}, Where{"year": {"2026"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		if strings.Contains(in.Path, "2024") || len(in.Partition) != 2 || in.Partition[0].Value != "2026" {
			t.Errorf("input %+v", in)
		}
	}
	_, err = Scan([]string{lake}, Options{Where: Where{"month": {"1"}}})
	wantErr(t, err, ErrInvalidOptions, "month", "region, year")
	_, err = Scan([]string{lake}, Options{Where: Where{"year": {"2030"}}})
	wantErr(t, err, ErrNoMatch, lake, "year=2030")
	_, err = Scan([]string{lake}, Options{Where: Where{"year": {""}}})
	wantErr(t, err, ErrInvalidOptions, "empty")
	// A plain file has no partition keys.
	_, err = Scan([]string{filepath.Join(lake, "year=2025", "region=eu", "part-0.parquet")}, Options{Where: Where{"year": {"2025"}}})
	wantErr(t, err, ErrInvalidOptions, "no key=value directories")
}

func TestLakeGlob(t *testing.T) {
	lake := makeLake(t)
	for _, c := range []struct {
		pattern string
		where   Where
		files   []string
		parts   int
	}{
		{"year=202[56]/region=eu/part-*.parquet", nil, []string{"year=2025/region=eu/part-0.parquet", "year=2026/region=eu/part-0.parquet"}, 2},
		{"year=2026/*/part-1.parquet", nil, []string{"year=2026/region=us/part-1.parquet"}, 1},
		{"year=*/region=us", nil, []string{"year=2026/region=us/part-0.parquet", "year=2026/region=us/part-1.parquet"}, 2},
		{"year=*/*/part-?.parquet", Where{"year": {"2025", "2026"}, "region": {"eu"}}, []string{"year=2025/region=eu/part-0.parquet", "year=2026/region=eu/part-0.parquet"}, 2},
		{"*/region=eu/*", Where{"year": {"2025"}}, []string{"year=2025/region=eu/part-0.parquet"}, 2},
	} {
		ins, err := ExpandPaths([]string{filepath.Join(lake, c.pattern)}, c.where)
		if err != nil {
			t.Errorf("%s: %v", c.pattern, err)
			continue
		}
		var got []string
		for _, in := range ins {
			rel, _ := filepath.Rel(lake, in.Path)
			got = append(got, filepath.ToSlash(rel))
			if len(in.Partition) != c.parts {
				t.Errorf("%s: %s has partition %v, want %d keys", c.pattern, rel, in.Partition, c.parts)
			}
		}
		if !slices.Equal(got, c.files) {
			t.Errorf("%s: files %v, want %v", c.pattern, got, c.files)
		}
	}
	// The glob's fixed part is the root: year is a column.
	ds := mustScan(t, []string{filepath.Join(lake, "year=*", "region=us", "*.parquet")}, Options{Columns: []string{"year", "x"}})
	if ds.Rows != 7 || ds.Partitions[0].Name != "year" {
		t.Errorf("rows %d partitions %v", ds.Rows, ds.Partitions)
	}
	pattern := filepath.Join(lake, "year=*", "*.csv")
	_, err := ExpandPaths([]string{pattern}, nil)
	wantErr(t, err, ErrNoMatch, pattern)
	_, err = ExpandPaths([]string{filepath.Join(lake, "[")}, nil)
	wantErr(t, err, ErrInvalidOptions, "[")
	// A path that exists is read as such, metacharacters and all.
	odd := filepath.Join(t.TempDir(), "a[1]")
	writePart(t, filepath.Join(odd, "p.parquet"), 2, 0)
	if ins, err := ExpandPaths([]string{odd}, nil); err != nil || len(ins) != 1 {
		t.Errorf("existing path with [: %v %v", ins, err)
	}
	if GlobRoot(odd) != odd || GlobRoot(pattern) != lake {
		t.Errorf("GlobRoot(%s) = %s, GlobRoot(%s) = %s", odd, GlobRoot(odd), pattern, GlobRoot(pattern))
	}
}

func TestLakeSchemaErrors(t *testing.T) {
	t.Run("keys differ", func(t *testing.T) {
		dir := t.TempDir()
		a := filepath.Join(dir, "year=1", "region=eu", "p.parquet")
		b := filepath.Join(dir, "year=2", "p.parquet")
		writePart(t, a, 2, 0)
		writePart(t, b, 2, 0)
		_, err := Scan([]string{dir}, Options{})
		wantErr(t, err, ErrSchemaMismatch, a, b)
	})
	t.Run("column and key share a name", func(t *testing.T) {
		dir := t.TempDir()
		writePart(t, filepath.Join(dir, "x=1", "p.parquet"), 2, 0)
		_, err := Scan([]string{dir}, Options{})
		wantErr(t, err, ErrAmbiguousColumn, `"x"`)
	})
	t.Run("directory above the root shadows a column", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "x=5", "data")
		writePart(t, filepath.Join(dir, "p.parquet"), 2, 0)
		_, err := Scan([]string{dir}, Options{Columns: []string{"x"}})
		wantErr(t, err, ErrAmbiguousColumn, `"x"`, "above")
		_, err = Scan([]string{dir}, Options{})
		wantErr(t, err, ErrAmbiguousColumn, `"x"`, "above")
		// A column no directory names reads as usual.
		ds := mustScan(t, []string{dir}, Options{Columns: []string{"y"}})
		if b := readEvery(t, ds, NullsError); b.Data[1] != 10 {
			t.Errorf("y = %v", b.Data)
		}
	})
	t.Run("empty value", func(t *testing.T) {
		dir := t.TempDir()
		writePart(t, filepath.Join(dir, "year=", "p.parquet"), 2, 0)
		_, err := Scan([]string{dir}, Options{})
		wantErr(t, err, ErrInvalidPartition, "year=")
	})
}

func TestLakeTypesAndNulls(t *testing.T) {
	dir := t.TempDir()
	for i, v := range []string{"1.5", "2", hiveNull, "1e1"} {
		writePart(t, filepath.Join(dir, "f="+v, "n=%2D"+fmt.Sprint(i), "p.parquet"), 2, float32(10*i))
	}
	ds := mustScan(t, []string{dir}, Options{Columns: []string{"x", "f", "n"}, ShardRows: 1})
	want := []PartitionColumn{{"f", "float64"}, {"n", "int64"}}
	if !slices.Equal(ds.Partitions, want) {
		t.Fatalf("partitions %v, want %v", ds.Partitions, want)
	}
	_, err := ReadAll(ds, NullsError)
	wantErr(t, err, ErrNull, `"f"`, "row 6")
	// Files sort as f=1.5, f=1e1, f=2, f=__HIVE_DEFAULT_PARTITION__.
	b := readEvery(t, ds, NullsDrop)
	wantData := []float32{0, 1.5, 0, 1, 1.5, 0, 30, 10, -3, 31, 10, -3, 10, 2, -1, 11, 2, -1}
	if !slices.Equal(b.Data, wantData) || !slices.Equal(b.Index, []int64{0, 1, 2, 3, 4, 5}) {
		t.Errorf("data %v index %v, want %v", b.Data, b.Index, wantData)
	}
}

func TestCompressedCSV(t *testing.T) {
	dir := t.TempDir()
	var text strings.Builder
	text.WriteString("a,b,name\n")
	for i := range 50 {
		fmt.Fprintf(&text, "%d,%g,\"n\n%d\"\n", i, float64(i)/4, i)
	}
	plain := writeCSV(t, dir, "d.csv", text.String())
	var gz bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write([]byte(text.String()))
	gw.Close()
	writeCSV(t, dir, "d.csv.gz", gz.String())
	zw, _ := zstd.NewWriter(nil)
	writeCSV(t, dir, "d.CSV.ZST", string(zw.EncodeAll([]byte(text.String()), nil)))
	ref := readEvery(t, mustScan(t, []string{plain}, Options{ShardRows: 7}), NullsError)
	for _, name := range []string{"d.csv.gz", "d.CSV.ZST"} {
		ds := mustScan(t, []string{filepath.Join(dir, name)}, Options{ShardRows: 7})
		if len(ds.Shards) != 1 || ds.Rows != 50 || !slices.Equal(ds.Columns, []string{"a", "b"}) {
			t.Errorf("%s: %d shards, %d rows, columns %v; want 1 shard of 50 rows", name, len(ds.Shards), ds.Rows, ds.Columns)
		}
		b := readEvery(t, ds, NullsError)
		if !slices.Equal(b.Data, ref.Data) || !slices.Equal(b.Index, ref.Index) {
			t.Errorf("%s: read differs from the plain file", name)
		}
		ints, err := ReadIntColumn([]string{filepath.Join(dir, name)}, "a")
		if err != nil || len(ints) != 50 || ints[49] != 49 {
			t.Errorf("%s: ReadIntColumn %v %v", name, ints, err)
		}
	}
	// Writers refuse a compressed name rather than write plain text there.
	for _, name := range []string{"out.csv.gz", "out.csv.zst"} {
		err := WriteTable(filepath.Join(t.TempDir(), name), []string{"x"}, []float32{1}, 1, nil, nil)
		wantErr(t, err, ErrUnknownFormat, name, "not written")
	}
	// A directory picks compressed files up; a truncated one is corrupt.
	ins, err := ExpandPaths([]string{dir}, nil)
	if err != nil || len(ins) != 3 {
		t.Errorf("directory: %v %v", ins, err)
	}
	bad := filepath.Join(t.TempDir(), "t.csv.gz")
	writeCSV(t, filepath.Dir(bad), "t.csv.gz", gz.String()[:gz.Len()/2])
	_, err = Scan([]string{bad}, Options{})
	wantErr(t, err, ErrCorrupt, bad)
	writeCSV(t, filepath.Dir(bad), "t.csv.gz", "plain text")
	_, err = Scan([]string{bad}, Options{})
	wantErr(t, err, ErrCorrupt, bad)
}

func TestParseSegment(t *testing.T) {
	for _, c := range []struct {
		seg  string
		want PartitionValue
		ok   bool
		err  bool
	}{
		{"year=2026", PartitionValue{Key: "year", Value: "2026"}, true, false},
		{"region=eu%2Fwest", PartitionValue{Key: "region", Value: "eu/west"}, true, false},
		{"a%3Db=c=d", PartitionValue{Key: "a=b", Value: "c=d"}, true, false},
		{"p=100%", PartitionValue{Key: "p", Value: "100%"}, true, false},
		{"d=" + hiveNull, PartitionValue{Key: "d", Null: true}, true, false},
		{"k= ", PartitionValue{Key: "k", Value: " "}, true, false},
		{"part-0", PartitionValue{}, false, false},
		{"=x", PartitionValue{}, false, false},
		{"", PartitionValue{}, false, false},
		{"k=", PartitionValue{}, false, true},
	} {
		got, ok, err := parseSegment(c.seg)
		if got != c.want || ok != c.ok || (err != nil) != c.err {
			t.Errorf("parseSegment(%q) = %+v, %v, %v; want %+v, %v, error %v", c.seg, got, ok, err, c.want, c.ok, c.err)
		}
	}
}

func FuzzParseSegment(f *testing.F) {
	for _, s := range []string{"year=2026", "a%2F=b%3D", "k=", "=", "x", "d=" + hiveNull, "k=%zz", "0==" + hiveNull} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seg string) {
		pv, ok, err := parseSegment(seg)
		if err != nil && ok {
			t.Fatalf("%q: ok with error %v", seg, err)
		}
		if !ok {
			return
		}
		if pv.Key == "" && !strings.HasPrefix(seg, "%") {
			t.Fatalf("%q: empty key", seg)
		}
		// The value is what follows the first "=": "k==…" has the value
		// "=…", which is not the null marker.
		_, raw, _ := strings.Cut(seg, "=")
		if pv.Null != (raw == hiveNull) || (pv.Null && pv.Value != "") {
			t.Fatalf("%q: null %v value %q", seg, pv.Null, pv.Value)
		}
		// The raw value is never longer than what the segment held.
		if len(pv.Key)+len(pv.Value) >= len(seg) {
			t.Fatalf("%q: key %q value %q longer than the segment", seg, pv.Key, pv.Value)
		}
	})
}

// BenchmarkReadShardPartitionColumn reads one 65536-row shard of eight
// float32 columns, alone and with a partition column as a ninth feature:
// the partition column should cost about what a ninth file column does.
func BenchmarkReadShardPartitionColumn(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "year=2026")
	const n, d = 65536, 9
	names := make([]string, d)
	data := make([]float32, n*d)
	for j := range names {
		names[j] = fmt.Sprintf("f%d", j)
	}
	for i := range data {
		data[i] = float32(i % 1000)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := WriteTable(filepath.Join(dir, "p.parquet"), names, data, n, nil, nil); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		cols []string
	}{
		{"8-file-columns", names[:8]},
		{"9-file-columns", names},
		{"8-file-columns+year", append(slices.Clone(names[:8]), "year")},
	} {
		ds, err := Scan([]string{filepath.Dir(dir)}, Options{Columns: c.cols})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := ReadShard(ds.Shards[0], ds.Columns, "", NullsError); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
