package coordinator_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
	"github.com/shoal-io/shoal/storage"
)

// readDir lists the names in dir, sorted.
func readDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// readDataset reads the row, cluster and label columns of a labels
// dataset's parts, in part order, and checks its manifest.
func readDataset(t *testing.T, dir string, parts int) (rows, clusters, labels []int64) {
	t.Helper()
	var man struct {
		JobID   string   `json:"job_id"`
		Rows    int64    `json:"rows"`
		Columns []string `json:"columns"`
		Parts   []struct {
			Name string `json:"name"`
			Rows int64  `json:"rows"`
		} `json:"parts"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "_manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	if len(man.Parts) != parts || man.JobID == "" || !reflect.DeepEqual(man.Columns, []string{"row", "cluster", "distance", "label"}) {
		t.Fatalf("manifest: %s", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "_SUCCESS")); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, p := range man.Parts {
		path := filepath.Join(dir, p.Name)
		r, err := partition.ReadIntColumn([]string{path}, "row")
		if err != nil {
			t.Fatal(err)
		}
		c, err := partition.ReadIntColumn([]string{path}, "cluster")
		if err != nil {
			t.Fatal(err)
		}
		l, err := partition.ReadIntColumn([]string{path}, "label")
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(r)) != p.Rows {
			t.Fatalf("%s: %d rows, manifest says %d", p.Name, len(r), p.Rows)
		}
		total += p.Rows
		rows, clusters, labels = append(rows, r...), append(clusters, c...), append(labels, l...)
	}
	if total != man.Rows {
		t.Fatalf("parts hold %d rows, manifest says %d", total, man.Rows)
	}
	return rows, clusters, labels
}

// TestLabelsDataset writes the labels as a dataset: the parts hold every
// row once, with the cluster the single-file output gives and the kept
// label column; a rerun with fewer shards replaces the job's parts and
// leaves other files alone; a job that fails in the label pass leaves
// the dataset as it was and no staging directory.
func TestLabelsDataset(t *testing.T) {
	const n = 40_000
	s := mustStartStack(t, 2)
	data := writeBlobs(t, "blobs.parquet", n, 3, 3) // three row groups
	dir := t.TempDir()
	out := filepath.Join(dir, "labels")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	// Files of someone else's: never touched.
	for _, name := range []string{"notes.txt", "part-00099.parquet"} {
		if err := os.WriteFile(filepath.Join(out, name), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spec := wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 3, Seed: 4, ShardRows: 16384, Out: filepath.Join(dir, "one.parquet")}
	if _, err := s.run(t, spec); err != nil {
		t.Fatal(err)
	}
	single, err := partition.ReadIntColumn([]string{spec.Out}, "cluster")
	if err != nil {
		t.Fatal(err)
	}
	truth, err := partition.ReadIntColumn([]string{data}, "label")
	if err != nil {
		t.Fatal(err)
	}

	spec.Out, spec.Keep = out+"/", []string{"label"}
	if _, err := s.run(t, spec); err != nil {
		t.Fatal(err)
	}
	want := []string{"_SUCCESS", "_manifest.json", "notes.txt", "part-00000.parquet", "part-00001.parquet", "part-00002.parquet", "part-00099.parquet"}
	if got := readDir(t, out); !reflect.DeepEqual(got, want) {
		t.Fatalf("dataset files %v, want %v", got, want)
	}
	rows, clusters, labels := readDataset(t, out, 3)
	if len(rows) != n {
		t.Fatalf("%d rows, want %d", len(rows), n)
	}
	for i, r := range rows {
		if r != int64(i) || clusters[i] != single[i] || labels[i] != truth[i] {
			t.Fatalf("row %d: row %d cluster %d label %d, want cluster %d label %d", i, r, clusters[i], labels[i], single[i], truth[i])
		}
	}

	spec.ShardRows = n
	if _, err := s.run(t, spec); err != nil {
		t.Fatal(err)
	}
	want = []string{"_SUCCESS", "_manifest.json", "notes.txt", "part-00000.parquet", "part-00099.parquet"}
	if got := readDir(t, out); !reflect.DeepEqual(got, want) {
		t.Fatalf("after a rerun in one shard: %v, want %v", got, want)
	}
	rows, clusters, _ = readDataset(t, out, 1)
	if len(rows) != n || !slices.Equal(clusters, single) {
		t.Fatalf("rerun: %d rows, clusters equal: %v", len(rows), slices.Equal(clusters, single))
	}

	// A second file without the kept column: its shard's label task
	// fails after the first file's part may have landed.
	before := map[string][]byte{}
	for _, name := range readDir(t, out) {
		before[name], _ = os.ReadFile(filepath.Join(out, name))
	}
	other := filepath.Join(t.TempDir(), "other.parquet")
	if err := partition.WriteTable(other, []string{"f0", "f1", "f2"}, make([]float32, 300), 100, nil, nil); err != nil {
		t.Fatal(err)
	}
	spec.Inputs, spec.Exclude, spec.Columns, spec.ShardRows = []string{data, other}, nil, []string{"f0", "f1", "f2"}, 0
	if _, err := s.run(t, spec); err == nil {
		t.Fatal("a job whose second file lacks the kept column succeeded")
	}
	after := map[string][]byte{}
	for _, name := range readDir(t, out) {
		after[name], _ = os.ReadFile(filepath.Join(out, name))
	}
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("a failed job changed the dataset: %v, was %v", readDir(t, out), slices.Collect(mapKeys(before)))
	}
}

func mapKeys(m map[string][]byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestServiceDatasetResumes stops the service in the middle of a job that
// writes a labels dataset: the staging directory stays for the resumed
// job, which commits the dataset and removes it.
func TestServiceDatasetResumes(t *testing.T) {
	data := writeBlobs(t, "resume.parquet", 60_000, 8, 10)
	out := filepath.Join(t.TempDir(), "labels")
	spec := wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 40, Algorithm: "kmeans", Init: "random",
		Seed: 5, ShardRows: 8192, MaxIter: 40, Tol: 1e-12, Out: out + "/", Keep: []string{"label"}}
	f := newServiceFixture(t, 2)
	id, err := f.client.Submit(context.Background(), &spec)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		seq, _, err := f.store.Checkpoint(id, "lloyd")
		if err == nil && seq >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint within a minute: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.stop()
	staging := filepath.Join(out, "_temporary", id)
	if st, err := os.Stat(staging); err != nil || !st.IsDir() {
		t.Fatalf("the interrupted job's staging directory is gone: %v", err)
	}
	f.start()
	if st := f.waitState(id, 2*time.Minute); st.State != storage.StateSucceeded {
		t.Fatalf("resumed job: %s %s", st.State, st.Reason)
	}
	// Row groups of 16384 rows: four shards.
	want := []string{"_SUCCESS", "_manifest.json", "part-00000.parquet", "part-00001.parquet", "part-00002.parquet", "part-00003.parquet"}
	if got := readDir(t, out); !reflect.DeepEqual(got, want) {
		t.Fatalf("dataset files %v, want %v", got, want)
	}
	rows, _, labels := readDataset(t, out, 4)
	truth, err := partition.ReadIntColumn([]string{data}, "label")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(labels, truth) || len(rows) != 60_000 {
		t.Fatalf("resumed dataset: %d rows, kept labels equal: %v", len(rows), slices.Equal(labels, truth))
	}
}
