package partition

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// readFloat64Column reads a float64 column exactly, through the format
// readers (ReadShard would round it to float32); CSV with encoding/csv.
func readFloat64Column(t *testing.T, path, name string) []float64 {
	t.Helper()
	var out []float64
	collect := func(_ int, cols []arrow.Array) error {
		out = append(out, cols[0].(*array.Float64).Float64Values()...)
		return nil
	}
	var err error
	switch format, _ := FormatFromPath(path); format {
	case FormatParquet:
		_, err = readParquet(path, []string{name}, 0, -1, memory.DefaultAllocator, collect)
	case FormatArrowFile:
		_, err = readArrowFile(path, []string{name}, 0, -1, memory.DefaultAllocator, collect)
	case FormatArrowStream:
		_, err = readArrowStream(path, []string{name}, wholeStream, memory.DefaultAllocator, collect)
	case FormatCSV:
		f, _ := os.Open(path)
		defer f.Close()
		recs, e := csv.NewReader(f).ReadAll()
		err = e
		col := slices.Index(recs[0], name)
		for _, r := range recs[1:] {
			v, _ := strconv.ParseFloat(r[col], 64)
			out = append(out, v)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLabelsRoundTrip(t *testing.T) {
	const n = 3*65536 + 42 // four batches
	rows, cluster, dist := make([]int64, n), make([]int32, n), make([]float64, n)
	for i := range n {
		rows[i], cluster[i], dist[i] = 3*int64(i)+1<<40, int32(i%7), float64(i)/3
	}
	for _, ext := range allExts {
		t.Run(ext, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "labels"+ext)
			w, err := CreateLabels(path)
			if err != nil {
				t.Fatal(err)
			}
			at := 0
			// Whole batches at a batch boundary are written without a
			// copy, the others through the builder.
			for _, size := range []int{0, 65536, 1, 70000, 5, n - 135542} {
				if err := w.Write(rows[at:at+size], cluster[at:at+size], dist[at:at+size]); err != nil {
					t.Fatal(err)
				}
				at += size
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("labels file visible before Close: %v", err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("directory holds %d entries, want only the labels file", len(entries))
			}
			gotRows, err := ReadIntColumn([]string{path}, "row")
			if err != nil || !slices.Equal(gotRows, rows) {
				t.Errorf("row column differs (%v)", err)
			}
			gotClusters, err := ReadIntColumn([]string{path}, "cluster")
			if err != nil || len(gotClusters) != n {
				t.Fatalf("cluster column: %d values, %v", len(gotClusters), err)
			}
			for i, c := range gotClusters {
				if c != int64(cluster[i]) {
					t.Fatalf("cluster %d = %d, want %d", i, c, cluster[i])
				}
			}
			if got := readFloat64Column(t, path, "distance"); !slices.Equal(got, dist) {
				t.Errorf("distances differ")
			}
			info, err := probe(path, mustFormat(t, path), 65536, CSVOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if ext != ".csv" {
				var types []string
				for _, c := range info.columns {
					types = append(types, c.typ)
				}
				if !slices.Equal(types, []string{"int64", "int32", "float64"}) || len(info.units) != 4 {
					t.Errorf("columns %v, %d batches; want int64 int32 float64 in 4 batches", info.columns, len(info.units))
				}
			}
		})
	}
}

func mustFormat(t *testing.T, path string) Format {
	f, err := FormatFromPath(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLabelsAbortAndMisuse(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "l.parquet")
	os.WriteFile(path, []byte("previous run"), 0o644)
	w, err := CreateLabels(path)
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, w.Write([]int64{1, 2}, []int32{0}, []float64{0, 0}), ErrInvalidArgument, "2 rows, 1 clusters")
	if err := w.Write([]int64{1}, []int32{0}, []float64{0.5}); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	w.Abort()
	if data, _ := os.ReadFile(path); string(data) != "previous run" {
		t.Errorf("Abort touched the existing file: %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("Abort left %d entries", len(entries))
	}
	wantErr(t, w.Write([]int64{1}, []int32{0}, []float64{0}), ErrClosed)
	wantErr(t, w.Close(), ErrClosed)

	// Close replaces the existing file as a whole.
	w, _ = CreateLabels(path)
	w.Write([]int64{7}, []int32{1}, []float64{2})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w.Abort() // after Close: nothing to undo
	if got, err := ReadIntColumn([]string{path}, "row"); err != nil || !slices.Equal(got, []int64{7}) {
		t.Errorf("replaced file reads %v, %v", got, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("labels file mode %v, want 0644", st.Mode().Perm())
	}

	_, err = CreateLabels(filepath.Join(dir, "l.json"))
	wantErr(t, err, ErrUnknownFormat)
	_, err = CreateLabels(filepath.Join(dir, "missing", "l.csv"))
	wantErr(t, err, ErrUnwritable, "missing")
}

// TestLabelsEmpty: a run that labels no row still writes a valid file.
func TestLabelsEmpty(t *testing.T) {
	for _, ext := range allExts {
		path := filepath.Join(t.TempDir(), "l"+ext)
		w, _ := CreateLabels(path)
		if err := w.Close(); err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		got, err := ReadIntColumn([]string{path}, "cluster")
		if err != nil || len(got) != 0 {
			t.Errorf("%s: %v, %v", ext, got, err)
		}
	}
}

func ExampleCreateLabels() {
	dir, _ := os.MkdirTemp("", "labels")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "labels.csv")
	w, _ := CreateLabels(path)
	defer w.Abort() // no-op once closed; removes the temporary on early return
	w.Write([]int64{0, 1, 2}, []int32{1, 0, 1}, []float64{0.5, 0, 1.25})
	if err := w.Close(); err != nil {
		fmt.Println(err)
	}
	data, _ := os.ReadFile(path)
	fmt.Print(string(data))
	// Output:
	// row,cluster,distance
	// 0,1,0.5
	// 1,0,0
	// 2,1,1.25
}

// BenchmarkWriteLabels writes the labels of 1M rows (k=100) as Parquet:
// the output cost of a job's label pass.
func BenchmarkWriteLabels(b *testing.B) {
	const n, k = 1 << 20, 100
	rows := make([]int64, n)
	cluster := make([]int32, n)
	dist := make([]float64, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		rows[i], cluster[i], dist[i] = int64(i), int32(rng.IntN(k)), rng.Float64()*10
	}
	path := filepath.Join(b.TempDir(), "labels.parquet")
	b.SetBytes(n * (8 + 4 + 8))
	for b.Loop() {
		w, err := CreateLabels(path)
		if err != nil {
			b.Fatal(err)
		}
		for lo := 0; lo < n; lo += 65536 {
			if err := w.Write(rows[lo:lo+65536], cluster[lo:lo+65536], dist[lo:lo+65536]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Size()), "file-bytes")
}

// BenchmarkWriteLabelsPart writes the labels part of one 65536-row shard
// (k=100), as a worker does for a labels dataset, and reports the file's
// size beside the time.
func BenchmarkWriteLabelsPart(b *testing.B) {
	const n, k = 65536, 100
	rows := make([]int64, n)
	cluster := make([]int32, n)
	dist := make([]float64, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		rows[i], cluster[i], dist[i] = int64(i)+3*n, int32(rng.IntN(k)), rng.Float64()*10
	}
	path := filepath.Join(b.TempDir(), "part-00003.parquet")
	b.SetBytes(n * (8 + 4 + 8))
	for b.Loop() {
		if err := WriteLabelsPart(path, rows, cluster, dist, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Size()), "file-bytes")
}
