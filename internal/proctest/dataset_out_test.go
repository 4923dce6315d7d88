package proctest_test

// Issue 13, items 3 and 4: labels written by the workers as a Parquet
// dataset, with kept input columns, through the real binary, a real
// nats-server, a coordinator service and two worker processes.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// writeKeyedParquet writes rows [first, first+n) as a Parquet file in row
// groups of 1000: features f0 and f1 (three separated groups) and a
// string id "id-<row>". The row listed as nan, if in range, has a NaN f0.
func writeKeyedParquet(t *testing.T, path string, first, n, nan int) {
	t.Helper()
	writeKeyedParquetGroups(t, path, first, n, nan, 1000)
}

// writeKeyedParquetGroups is writeKeyedParquet with row groups of group
// rows.
func writeKeyedParquetGroups(t *testing.T, path string, first, n, nan, group int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "f0", Type: arrow.PrimitiveTypes.Float64},
		{Name: "f1", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := first; i < first+n; i++ {
		g := float64(i % 3)
		f0 := 10*g + float64(i%7)/7
		if i == nan {
			f0 = math.NaN()
		}
		b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("id-%d", i))
		b.Field(1).(*array.Float64Builder).Append(f0)
		b.Field(2).(*array.Float64Builder).Append(-10*g + float64(i%5)/5)
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

// labelRow is one row of a labels file or dataset.
type labelRow struct {
	cluster int64
	id      string // "" when the labels keep no id
	year    int64
}

// readLabelsParquet reads a labels file with arrow-go, by global row.
func readLabelsParquet(t *testing.T, path string, into map[int64]labelRow) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
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
	defer tbl.Release()
	tr := array.NewTableReader(tbl, 1<<20)
	defer tr.Release()
	for tr.Next() {
		rec := tr.RecordBatch()
		col := func(name string) arrow.Array {
			idx := rec.Schema().FieldIndices(name)
			if len(idx) != 1 {
				return nil
			}
			return rec.Column(idx[0])
		}
		rows, clusters := col("row").(*array.Int64), col("cluster").(*array.Int32)
		ids, _ := col("id").(*array.String)
		years, _ := col("year").(*array.Int64)
		for i := range int(rec.NumRows()) {
			r := rows.Value(i)
			if _, dup := into[r]; dup {
				t.Fatalf("%s: row %d labelled twice", path, r)
			}
			lr := labelRow{cluster: int64(clusters.Value(i))}
			if ids != nil {
				lr.id = ids.Value(i)
			}
			if years != nil {
				lr.year = years.Value(i)
			}
			into[r] = lr
		}
	}
}

// readLabelsDataset reads every part a dataset's manifest lists, checks
// _SUCCESS and the manifest, and returns the rows and the part names.
func readLabelsDataset(t *testing.T, dir string) (map[int64]labelRow, []string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "_SUCCESS")); err != nil {
		t.Fatalf("no _SUCCESS: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "_manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var man struct {
		JobID   string   `json:"job_id"`
		Rows    int64    `json:"rows"`
		Columns []string `json:"columns"`
		Parts   []struct {
			Name string `json:"name"`
			Rows int64  `json:"rows"`
		} `json:"parts"`
	}
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	if man.JobID == "" || !reflect.DeepEqual(man.Columns, []string{"row", "cluster", "distance", "id", "year"}) {
		t.Errorf("manifest: %s", b)
	}
	rows := map[int64]labelRow{}
	var names []string
	for _, p := range man.Parts {
		before := len(rows)
		readLabelsParquet(t, filepath.Join(dir, p.Name), rows)
		if int64(len(rows)-before) != p.Rows {
			t.Errorf("%s: %d rows, the manifest says %d", p.Name, len(rows)-before, p.Rows)
		}
		names = append(names, p.Name)
	}
	if int64(len(rows)) != man.Rows {
		t.Errorf("the parts hold %d rows, the manifest says %d", len(rows), man.Rows)
	}
	return rows, names
}

// listDir is the sorted names in dir.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestDatasetOut(t *testing.T) {
	s := newService(t, 2, serviceOptions{})
	// A hive-partitioned input: 2000 rows a year, in row groups of 1000.
	lake := filepath.Join(s.dir, "lake")
	writeKeyedParquet(t, filepath.Join(lake, "year=2025", "part-00000.parquet"), 0, 2000, -1)
	writeKeyedParquet(t, filepath.Join(lake, "year=2026", "part-00000.parquet"), 2000, 2000, -1)
	const n = 4000
	labels := filepath.Join(s.dir, "labels")
	job := []string{"--input", lake + "/", "--columns", "f0,f1", "--k", "3", "--seed", "5", "--max-iter", "20"}

	single := filepath.Join(s.dir, "single.parquet")
	s.waitSubmit(s.submit("single", filepath.Join(s.dir, "single.json"), append(job, "--shard-rows", "1000", "--out", single)))
	want := map[int64]labelRow{}
	readLabelsParquet(t, single, want)

	s.waitSubmit(s.submit("dataset", filepath.Join(s.dir, "dataset.json"), append(job, "--shard-rows", "1000", "--out", labels+"/", "--keep", "id,year")))
	got, parts := readLabelsDataset(t, labels)
	if len(parts) != 4 || len(got) != n {
		t.Fatalf("%d parts, %d rows; want 4 parts of the 4000 rows", len(parts), len(got))
	}
	for r := range int64(n) {
		g, ok := got[r]
		year := int64(2025 + r/2000)
		switch {
		case !ok:
			t.Fatalf("row %d is in no part", r)
		case g.id != fmt.Sprintf("id-%d", r) || g.year != year:
			t.Fatalf("row %d: id %q year %d, want id-%d and %d", r, g.id, g.year, r, year)
		case g.cluster != want[r].cluster:
			t.Fatalf("row %d: cluster %d in the dataset, %d in the single file", r, g.cluster, want[r].cluster)
		}
	}
	// The dataset's files, and no staging directory.
	wantFiles := []string{"_SUCCESS", "_manifest.json", "part-00000.parquet", "part-00001.parquet", "part-00002.parquet", "part-00003.parquet"}
	if names := listDir(t, labels); !reflect.DeepEqual(names, wantFiles) {
		t.Fatalf("dataset files %v, want %v", names, wantFiles)
	}

	// A rerun in fewer, larger shards: exactly its own parts.
	s.waitSubmit(s.submit("rerun", filepath.Join(s.dir, "rerun.json"), append(job, "--shard-rows", "100000", "--out", labels+"/", "--keep", "id,year")))
	got, parts = readLabelsDataset(t, labels)
	if len(parts) != 2 || len(got) != n {
		t.Fatalf("rerun: %d parts, %d rows; want 2 parts of the 4000 rows", len(parts), len(got))
	}
	wantFiles = []string{"_SUCCESS", "_manifest.json", "part-00000.parquet", "part-00001.parquet"}
	if names := listDir(t, labels); !reflect.DeepEqual(names, wantFiles) {
		t.Fatalf("after the rerun: %v, want %v", names, wantFiles)
	}

	// A job that fails (a NaN in the last shard under --nulls error)
	// leaves the dataset byte for byte as it was.
	bad := filepath.Join(s.dir, "bad")
	writeKeyedParquet(t, filepath.Join(bad, "year=2025", "part-00000.parquet"), 0, 2000, -1)
	writeKeyedParquet(t, filepath.Join(bad, "year=2026", "part-00000.parquet"), 2000, 2000, 3999)
	snap := takeSnapshot(t, labels)
	p := s.submit("failing", filepath.Join(s.dir, "failing.json"), []string{"--input", bad + "/", "--columns", "f0,f1", "--k", "3",
		"--shard-rows", "1000", "--out", labels + "/", "--keep", "id"})
	code, err := p.Wait(jobWait)
	if err != nil {
		t.Fatal(err)
	}
	if code != exitFailed {
		t.Fatalf("the failing job exited %d, want %d:\n%s", code, exitFailed, p.Stderr())
	}
	if !strings.Contains(p.Stderr(), "row 3999") {
		t.Errorf("the failing job did not fail on the NaN row:\n%s", p.Stderr())
	}
	snap.unchanged(t, labels)

	// A job that fails in the label pass itself, after parts landed: the
	// second year's file has no id column to keep.
	noID := filepath.Join(s.dir, "noid")
	writeKeyedParquet(t, filepath.Join(noID, "year=2025", "part-00000.parquet"), 0, 2000, -1)
	lakePart(t, filepath.Join(noID, "year=2026", "part-00000.parquet"), "2000", "3")
	p = s.submit("failing-label", filepath.Join(s.dir, "failing-label.json"), []string{"--input", noID + "/", "--columns", "f0,f1", "--k", "3",
		"--shard-rows", "1000", "--out", labels + "/", "--keep", "id"})
	if code, err = p.Wait(jobWait); err != nil {
		t.Fatal(err)
	}
	if code != exitFailed || !strings.Contains(p.Stderr(), `"id"`) {
		t.Fatalf("the job without an id to keep exited %d, want %d for the missing column:\n%s", code, exitFailed, p.Stderr())
	}
	snap.unchanged(t, labels)

	// Labels that would mix with the data are refused before the job.
	refused(t, s.dir, exitUsage, []string{"submit", "--nats", s.srv.URL(), "--input", lake + "/", "--k", "3", "--out", filepath.Join(lake, "labels") + "/"},
		"--out", "inside the input directory")
	refused(t, s.dir, exitUsage, []string{"submit", "--nats", s.srv.URL(), "--input", lake + "/", "--k", "3", "--out", s.dir + "/"},
		"--input", "inside the output directory")
	refused(t, s.dir, exitUsage, []string{"submit", "--nats", s.srv.URL(), "--input", lake + "/", "--k", "3", "--out", filepath.Join(s.dir, "x.parquet"), "--keep", "id"},
		"--keep", "directory")
}
