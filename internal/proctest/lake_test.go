package proctest_test

// Issue 13, item 2: a data lake's layouts through the real binary. A
// directory of hive-partitioned Parquet part files is one dataset whose
// key=value directories are columns; --where prunes partitions; a quoted
// glob expands; .csv.gz and .csv.zst read as the plain CSV does; markers
// and hidden files are skipped.

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/shoal-io/shoal/internal/proctest"
)

// lakePart generates one part file of n rows (features f0, f1, label).
func lakePart(t *testing.T, path string, n, seed string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	proctest.MustRun(t, t.TempDir(), quickWait, shoal("gen", "gen", "blobs", "--n", n, "--d", "2", "--k", "3", "--seed", seed, "--out", path))
}

func TestLakeHivePartitions(t *testing.T) {
	lake := filepath.Join(t.TempDir(), "lake")
	p := func(rel string) string { return filepath.Join(lake, rel) }
	lakePart(t, p("year=2025/region=eu/part-00000.parquet"), "1000", "1")
	lakePart(t, p("year=2026/region=eu/part-00000.parquet"), "1500", "2")
	lakePart(t, p("year=2026/region=us/part-00000.parquet"), "700", "3")
	lakePart(t, p("year=2026/region=us/part-00001.parquet"), "300", "4")
	writeInput(t, lake, "_SUCCESS", "")
	writeInput(t, p("year=2026"), ".hidden", "not data")
	writeInput(t, p("year=2026/region=us"), ".part-00002.parquet.crc", "not data")
	snap := takeSnapshot(t, lake)
	out := t.TempDir()
	model := func(name string) string { return filepath.Join(out, name) }
	job := []string{"--k", "3", "--seed", "9", "--max-iter", "20"}

	// --where keeps exactly the 2026 files: the same model as naming them.
	runJob(t, append(job, "--input", lake+"/", "--where", "year=2026", "--columns", "f0,f1", "--model", model("where.json"))...)
	m := readInputModel(t, model("where.json"))
	if m.N != 2500 {
		t.Errorf("--where year=2026 clustered %d rows, want 2500 (the 2026 files)", m.N)
	}
	runJob(t, append(job, "--input", p("year=2026/region=eu/part-00000.parquet"), "--input", p("year=2026/region=us"),
		"--columns", "f0,f1", "--model", model("files.json"))...)
	sameModel(t, "--where year=2026 against the 2026 files", readModel(t, model("files.json")), readModel(t, model("where.json")))

	// Two keys AND, a list IN.
	runJob(t, append(job, "--input", lake, "--where", "year=2025,2026", "--where", "region=us", "--model", model("us.json"))...)
	if m := readInputModel(t, model("us.json")); m.N != 1000 {
		t.Errorf("--where year=2025,2026 --where region=us clustered %d rows, want 1000", m.N)
	}

	// A quoted glob, through the partition directories.
	runJob(t, append(job, "--input", filepath.Join(lake, "year=*", "*", "part-*.parquet"), "--columns", "f0,f1", "--model", model("glob.json"))...)
	if m := readInputModel(t, model("glob.json")); m.N != 3500 {
		t.Errorf("glob clustered %d rows, want 3500", m.N)
	}

	// A numeric partition column is a feature when named, never by
	// default; the default features are the files' numeric columns.
	runJob(t, append(job, "--input", lake, "--columns", "f0,f1,year", "--model", model("year.json"))...)
	m = readInputModel(t, model("year.json"))
	if m.N != 3500 || len(m.Columns) != 3 || m.Columns[2] != "year" {
		t.Errorf("--columns f0,f1,year: n %d columns %v", m.N, m.Columns)
	}
	for _, c := range m.Centers {
		if c[2] < 2025 || c[2] > 2026 {
			t.Errorf("a centre's year is %g, outside [2025, 2026]", c[2])
		}
	}
	// Workers that read a staged copy take the partition from the
	// file's own path, not the copy's.
	runJob(t, append(job, "--input", lake, "--stage", "--columns", "f0,f1,year", "--model", model("staged.json"))...)
	sameModel(t, "--stage", readModel(t, model("year.json")), readModel(t, model("staged.json")))
	runJob(t, append(job, "--input", lake, "--exclude", "label,year", "--model", model("default.json"))...)
	if m := readInputModel(t, model("default.json")); len(m.Columns) != 2 || m.Columns[0] != "f0" || m.Columns[1] != "f1" {
		t.Errorf("default features %v, want [f0 f1]", m.Columns)
	}

	dir := t.TempDir()
	refused(t, dir, exitUsage, []string{"run", "--input", lake, "--k", "3", "--where", "month=1"}, "month", "region, year")
	refused(t, dir, exitFailed, []string{"run", "--input", lake, "--k", "3", "--where", "year=2030"}, "year=2030", lake)
	refused(t, dir, exitFailed, []string{"run", "--input", lake, "--k", "3", "--columns", "f0,region"}, `"region"`, "text")
	refused(t, dir, exitUsage, []string{"run", "--input", lake, "--k", "3", "--where", "year"}, "--where", "key=value")
	pattern := filepath.Join(lake, "year=*", "*.csv")
	refused(t, dir, exitFailed, []string{"run", "--input", pattern, "--k", "3"}, pattern, "matches no")
	snap.unchanged(t, lake)
}

func TestLakeCompressedCSV(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "blobs.csv")
	proctest.MustRun(t, t.TempDir(), quickWait, shoal("gen", "gen", "blobs", "--n", "4000", "--d", "3", "--k", "4", "--seed", "11", "--out", plain))
	text, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	if _, err := w.Write(text); err != nil || w.Close() != nil {
		t.Fatal(err)
	}
	writeInput(t, dir, "blobs.csv.gz", gz.String())
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	writeInput(t, dir, "blobs.csv.zst", string(enc.EncodeAll(text, nil)))
	snap := takeSnapshot(t, dir)
	out := t.TempDir()
	var ref model
	for i, name := range []string{"blobs.csv", "blobs.csv.gz", "blobs.csv.zst"} {
		mp := filepath.Join(out, name+".json")
		runJob(t, "--input", filepath.Join(dir, name), "--exclude", "label", "--k", "4", "--seed", "3", "--model", mp)
		m := readModel(t, mp)
		if i == 0 {
			ref = m
			continue
		}
		sameModel(t, name, ref, m)
	}
	snap.unchanged(t, dir)
}
