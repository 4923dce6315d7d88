package partition

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// writeCSV writes text to dir/name and returns the path.
func writeCSV(t testing.TB, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScanColumnSelection(t *testing.T) {
	dir := t.TempDir()
	p := writeCSV(t, dir, "a.csv", "id,name,x,y,w,z\n1,ann,0.5,1,2,3\n2,bob,1.5,2,3,4\n")
	for _, c := range []struct {
		name string
		opts Options
		want []string
	}{
		{"all numeric columns", Options{}, []string{"id", "x", "y", "w", "z"}},
		{"exclude", Options{Exclude: []string{"id", "z"}}, []string{"x", "y", "w"}},
		{"weight is never a feature", Options{Weight: "w", Exclude: []string{"id"}}, []string{"x", "y", "z"}},
		{"explicit order is kept", Options{Columns: []string{"z", "x"}, Weight: "w"}, []string{"z", "x"}},
		{"exclude ignored with explicit columns", Options{Columns: []string{"y"}, Exclude: []string{"y"}}, []string{"y"}},
	} {
		ds, err := Scan([]string{p}, c.opts)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !slices.Equal(ds.Columns, c.want) || ds.Weight != c.opts.Weight {
			t.Errorf("%s: columns %v weight %q, want %v %q", c.name, ds.Columns, ds.Weight, c.want, c.opts.Weight)
		}
	}
	// The explicit order decides the layout of the block.
	ds := mustScan(t, []string{p}, Options{Columns: []string{"z", "x"}, Weight: "w"})
	b := readEvery(t, ds, NullsError)
	if !slices.Equal(b.Data, []float32{3, 0.5, 4, 1.5}) || !slices.Equal(b.Weights, []float32{2, 3}) {
		t.Errorf("data %v weights %v", b.Data, b.Weights)
	}
}

func TestScanErrors(t *testing.T) {
	dir := t.TempDir()
	a := writeCSV(t, dir, "a.csv", "x,y,label\n1,2,cat\n3,4,dog\n")
	b := writeCSV(t, dir, "b.csv", "x,y,label\n5,6,cow\n")
	noY := writeCSV(t, dir, "noy.csv", "x,label\n5,cow\n")
	extra := writeCSV(t, dir, "extra.csv", "x,y,z,label\n5,6,7,cow\n")
	textY := writeCSV(t, dir, "texty.csv", "x,y,label\n5,six,cow\n")
	dup := writeCSV(t, dir, "dup.csv", "x,x,y\n1,2,3\n")
	empty := writeCSV(t, dir, "empty.csv", "x,y,label\n")
	odd := writeCSV(t, dir, "data.json", "{}")
	emptyDir := filepath.Join(dir, "nothing")
	os.Mkdir(emptyDir, 0o755)
	writeCSV(t, emptyDir, "_SUCCESS", "")
	for _, c := range []struct {
		name  string
		paths []string
		opts  Options
		want  error
		frags []string
	}{
		{"missing file", []string{filepath.Join(dir, "gone.csv")}, Options{}, ErrNotFound, []string{"gone.csv"}},
		{"unknown extension", []string{odd}, Options{}, ErrUnknownFormat, []string{"data.json"}},
		{"no paths", nil, Options{}, ErrEmptyDataset, nil},
		{"directory without data", []string{emptyDir}, Options{}, ErrEmptyDataset, []string{"nothing"}},
		{"no rows", []string{empty, empty}, Options{}, ErrEmptyDataset, []string{"empty.csv"}},
		{"unknown column lists the others", []string{a}, Options{Columns: []string{"x", "q"}}, ErrNoSuchColumn,
			[]string{"a.csv", `"q"`, `"x" (int64)`, `"y" (int64)`, `"label" (text)`}},
		{"unknown weight", []string{a}, Options{Weight: "ww"}, ErrNoSuchColumn, []string{`"ww"`}},
		{"unknown exclude", []string{a}, Options{Exclude: []string{"lable"}}, ErrNoSuchColumn, []string{`"lable"`, `"label"`}},
		{"text feature", []string{a}, Options{Columns: []string{"label"}}, ErrNotNumeric, []string{"a.csv", `"label"`, "text"}},
		{"text weight", []string{a}, Options{Weight: "label"}, ErrNotNumeric, []string{`"label"`}},
		{"weight listed as feature", []string{a}, Options{Columns: []string{"x"}, Weight: "x"}, ErrInvalidOptions, []string{`"x"`}},
		{"column twice", []string{a}, Options{Columns: []string{"x", "x"}}, ErrInvalidOptions, []string{`"x"`}},
		{"negative shard rows", []string{a}, Options{ShardRows: -1}, ErrInvalidOptions, []string{"-1"}},
		{"nothing numeric left", []string{a}, Options{Exclude: []string{"x", "y"}}, ErrInvalidOptions, []string{"a.csv"}},
		{"ambiguous name", []string{dup}, Options{Columns: []string{"x"}}, ErrAmbiguousColumn, []string{"dup.csv", `"x"`}},
		{"second file lacks a column", []string{a, b, noY}, Options{}, ErrSchemaMismatch, []string{"noy.csv", `"y"`, "a.csv"}},
		{"second file has another numeric column", []string{a, extra}, Options{}, ErrSchemaMismatch, []string{"extra.csv", `"z"`}},
		{"second file has text where numbers were", []string{a, textY}, Options{}, ErrNotNumeric, []string{"texty.csv", `"y"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Scan(c.paths, c.opts)
			t.Logf("%v", err)
			wantErr(t, err, c.want, c.frags...)
		})
	}
	// Naming the common columns resolves the extra-column mismatch.
	ds := mustScan(t, []string{a, extra}, Options{Columns: []string{"x", "y"}})
	if ds.Rows != 3 {
		t.Errorf("rows %d, want 3", ds.Rows)
	}
}

// TestScanSchemaMismatchAcrossFormats mixes formats in one dataset: allowed
// when the columns agree (types may differ), refused when they do not.
func TestScanSchemaMismatchAcrossFormats(t *testing.T) {
	dir := t.TempDir()
	csvPath := writeCSV(t, dir, "a.csv", "x,y\n1,2\n")
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Int64},
		{Name: "y", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	bld.Field(0).(*array.Int64Builder).Append(3)
	bld.Field(1).(*array.Float64Builder).Append(4)
	rec := bld.NewRecordBatch()
	bld.Release()
	defer rec.Release()
	pq := filepath.Join(dir, "b.parquet")
	writeRecords(t, pq, schema, rec)
	ds := mustScan(t, []string{csvPath, pq}, Options{})
	b := readEvery(t, ds, NullsError)
	if !slices.Equal(b.Data, []float32{1, 2, 3, 4}) || !slices.Equal(b.Index, []int64{0, 1}) {
		t.Errorf("mixed formats read %v %v", b.Data, b.Index)
	}
	other := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}, {Name: "y", Type: arrow.BinaryTypes.String}}, nil)
	bld = array.NewRecordBuilder(memory.DefaultAllocator, other)
	bld.Field(0).(*array.Int64Builder).Append(3)
	bld.Field(1).(*array.StringBuilder).Append("four")
	rec2 := bld.NewRecordBatch()
	bld.Release()
	defer rec2.Release()
	arr := filepath.Join(dir, "c.arrow")
	writeRecords(t, arr, other, rec2)
	_, err := Scan([]string{csvPath, arr}, Options{})
	wantErr(t, err, ErrNotNumeric, "c.arrow", `"y"`, "utf8")
}

// TestScanEmptyFiles: files with a schema and no rows take part in a
// dataset without making shards; alone they are an empty dataset.
func TestScanEmptyFiles(t *testing.T) {
	for _, ext := range allExts {
		dir := t.TempDir()
		empty := filepath.Join(dir, "empty"+ext)
		if err := WriteTable(empty, []string{"a", "b"}, nil, 0, nil, nil); err != nil {
			t.Fatal(err)
		}
		_, err := Scan([]string{empty}, Options{})
		wantErr(t, err, ErrEmptyDataset)
		full := filepath.Join(dir, "full"+ext)
		if err := WriteTable(full, []string{"a", "b"}, []float32{1, 2, 3, 4}, 2, nil, nil); err != nil {
			t.Fatal(err)
		}
		ds := mustScan(t, []string{empty, full, empty}, Options{})
		if ds.Rows != 2 || len(ds.Shards) != 1 || ds.Shards[0].File != full {
			t.Errorf("%s: %+v", ext, ds)
		}
	}
}

func ExampleScan() {
	dir, _ := os.MkdirTemp("", "scan")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "blobs.parquet")
	// 1000 rows in row groups of 300.
	GenerateBlobs(path, BlobsConfig{N: 1000, D: 2, K: 3, Seed: 1, BatchRows: 300})

	ds, err := Scan([]string{path}, Options{Exclude: []string{"label"}, ShardRows: 500})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ds.Columns, ds.Rows)
	for _, s := range ds.Shards {
		b, _ := ReadShard(s, ds.Columns, ds.Weight, NullsError)
		fmt.Printf("shard %d: row groups [%d,%d), rows %d..%d, block %d×%d\n",
			s.ID, s.First, s.Last, s.RowOffset, s.RowOffset+s.Rows-1, b.Len(), b.D)
	}
	// Output:
	// [f0 f1] 1000
	// shard 0: row groups [0,2), rows 0..599, block 600×2
	// shard 1: row groups [2,4), rows 600..999, block 400×2
}

// TestScanFollowsSymlinks: symbolic links to directories and files, given
// as inputs or found inside an input directory, are followed; a loop and
// a directory or file reached twice are errors, never a hang or rows read
// twice.
func TestScanFollowsSymlinks(t *testing.T) {
	base := t.TempDir()
	elsewhere := filepath.Join(base, "elsewhere")
	os.Mkdir(elsewhere, 0o755)
	writeCSV(t, elsewhere, "e.csv", "x\n3\n4\n")
	single := writeCSV(t, base, "single.csv", "x\n5\n")
	mkdir := func(t *testing.T, parts ...string) string {
		t.Helper()
		p := filepath.Join(parts...)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	link := func(t *testing.T, target, name string) {
		t.Helper()
		if err := os.Symlink(target, name); err != nil {
			t.Skipf("symbolic links unavailable: %v", err)
		}
	}
	for _, c := range []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the input path
		want  []float32                             // x in input order
		err   error
		frags []string
	}{
		{"input is a link to a directory", func(t *testing.T, dir string) string {
			link(t, elsewhere, filepath.Join(dir, "in"))
			return filepath.Join(dir, "in")
		}, []float32{3, 4}, nil, nil},
		{"link to a directory inside the input", func(t *testing.T, dir string) string {
			in := mkdir(t, dir, "in")
			writeCSV(t, in, "a.csv", "x\n1\n2\n")
			link(t, elsewhere, filepath.Join(in, "b"))
			return in
		}, []float32{1, 2, 3, 4}, nil, nil},
		{"link to a file inside the input", func(t *testing.T, dir string) string {
			in := mkdir(t, dir, "in")
			writeCSV(t, in, "a.csv", "x\n1\n2\n")
			link(t, single, filepath.Join(in, "b.csv"))
			return in
		}, []float32{1, 2, 5}, nil, nil},
		{"links whose names are skipped", func(t *testing.T, dir string) string {
			in := mkdir(t, dir, "in")
			writeCSV(t, in, "a.csv", "x\n1\n2\n")
			link(t, elsewhere, filepath.Join(in, "_tmp"))
			link(t, filepath.Join(dir, "gone"), filepath.Join(in, "dangling"))
			return in
		}, []float32{1, 2}, nil, nil},
		{"loop to the input", func(t *testing.T, dir string) string {
			in := mkdir(t, dir, "in", "sub")
			writeCSV(t, in, "a.csv", "x\n1\n")
			link(t, "..", filepath.Join(in, "up"))
			return filepath.Dir(in)
		}, nil, ErrSymlinkLoop, []string{filepath.Join("sub", "up")}},
		{"link to itself", func(t *testing.T, dir string) string {
			in := mkdir(t, dir, "in")
			link(t, ".", filepath.Join(in, "self"))
			return in
		}, nil, ErrSymlinkLoop, []string{"self"}},
		{"directory reached twice", func(t *testing.T, dir string) string {
			in := mkdir(t, dir, "in")
			link(t, elsewhere, filepath.Join(in, "a"))
			link(t, elsewhere, filepath.Join(in, "b"))
			return in
		}, nil, ErrDuplicateInput, []string{filepath.Join("in", "a"), filepath.Join("in", "b")}},
		{"file reached twice", func(t *testing.T, dir string) string {
			in := mkdir(t, dir, "in")
			a := writeCSV(t, in, "a.csv", "x\n1\n")
			link(t, a, filepath.Join(in, "latest.csv"))
			return in
		}, nil, ErrDuplicateInput, []string{"a.csv", "latest.csv"}},
		{"dangling link to a data file", func(t *testing.T, dir string) string {
			in := mkdir(t, dir, "in")
			writeCSV(t, in, "a.csv", "x\n1\n")
			link(t, filepath.Join(dir, "gone.csv"), filepath.Join(in, "b.csv"))
			return in
		}, nil, ErrNotFound, []string{"b.csv"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			input := c.setup(t, dir)
			var ds *Dataset
			var err error
			withTimeout(t, 10*time.Second, "Scan", func() { ds, err = Scan([]string{input}, Options{}) })
			if t.Failed() {
				return
			}
			if c.err != nil {
				wantErr(t, err, c.err, c.frags...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := readEvery(t, ds, NullsError); !slices.Equal(got.Data, c.want) {
				t.Fatalf("read %v from %v, want %v", got.Data, ds.Files, c.want)
			}
			for _, f := range ds.Files {
				if !strings.HasPrefix(f, input) {
					t.Errorf("file %s is not named through the input %s", f, input)
				}
			}
		})
	}
}
