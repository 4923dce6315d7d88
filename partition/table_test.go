package partition

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestWriteTable writes more rows than one batch with float and int
// columns and reads them back in every format.
func TestWriteTable(t *testing.T) {
	const n = 70001
	data := make([]float32, 2*n)
	ints := [][]int32{make([]int32, n), make([]int32, n)}
	for i := range n {
		data[2*i], data[2*i+1] = float32(i)*0.25, -float32(i)
		ints[0][i], ints[1][i] = int32(i%3), int32(-i)
	}
	for _, ext := range allExts {
		path := filepath.Join(t.TempDir(), "t"+ext)
		if err := WriteTable(path, []string{"a", "b"}, data, n, []string{"k", "m"}, ints); err != nil {
			t.Fatal(err)
		}
		ds := mustScan(t, []string{path}, Options{Columns: []string{"a", "b"}})
		if ext != ".csv" && len(ds.Shards) != 2 {
			t.Errorf("%s: %d shards, want 2 batches of at most 65536", ext, len(ds.Shards))
		}
		if b := readEvery(t, ds, NullsError); !slices.Equal(b.Data, data) {
			t.Errorf("%s: float columns differ", ext)
		}
		for c, name := range []string{"k", "m"} {
			got, err := ReadIntColumn([]string{path}, name)
			if err != nil || len(got) != n {
				t.Fatalf("%s: %s: %d values, %v", ext, name, len(got), err)
			}
			for i, v := range got {
				if v != int64(ints[c][i]) {
					t.Fatalf("%s: %s[%d] = %d, want %d", ext, name, i, v, ints[c][i])
				}
			}
		}
	}
}

func TestWriteTableInvalid(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "t.parquet")
	for _, c := range []struct {
		name     string
		names    []string
		data     []float32
		n        int
		intNames []string
		ints     [][]int32
	}{
		{"data not n×d", []string{"a", "b"}, []float32{1, 2, 3}, 2, nil, nil},
		{"negative n", []string{"a"}, nil, -1, nil, nil},
		{"int names and columns disagree", []string{"a"}, []float32{1}, 1, []string{"k"}, nil},
		{"short int column", []string{"a"}, []float32{1, 2}, 2, []string{"k"}, [][]int32{{1}}},
		{"duplicate name", []string{"a", "k"}, []float32{1, 2}, 1, []string{"k"}, [][]int32{{1}}},
		{"no columns", nil, nil, 0, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantErr(t, WriteTable(p, c.names, c.data, c.n, c.intNames, c.ints), ErrInvalidArgument)
		})
	}
	wantErr(t, WriteTable(filepath.Join(dir, "t.txt"), []string{"a"}, []float32{1}, 1, nil, nil), ErrUnknownFormat)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed writes left %d files", len(entries))
	}
}
