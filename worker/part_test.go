package worker

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/internal/blobfs"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

func TestCheckPart(t *testing.T) {
	out := t.TempDir()
	staging := filepath.Join(out, "_temporary", "job1")
	if err := os.MkdirAll(staging, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(out, "_temporary", "job2"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(out, "_temporary", "job3")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, job, dir, part string
		want                 string // "" accepts
	}{
		{"staging dir", "job1", staging, "part-00000.parquet", ""},
		{"trailing separator", "job1", staging + "/", "part-12345.parquet", ""},
		{"many parts", "job1", staging, "part-123456.parquet", ""},
		{"another job's staging", "job1", filepath.Join(out, "_temporary", "job2"), "part-00000.parquet", "is not <out>/_temporary/job1"},
		{"the dataset itself", "job1", out, "part-00000.parquet", "is not <out>/_temporary/job1"},
		{"no _temporary", "job1", filepath.Join(out, "job1"), "part-00000.parquet", "is not <out>/_temporary/job1"},
		{"dot-dot out of staging", "job1", staging + "/../../../etc/_temporary/job1/..", "part-00000.parquet", "is not"},
		{"job id dot-dot", "..", filepath.Join(out, "_temporary", ".."), "part-00000.parquet", "cannot name"},
		{"job id with a separator", "a/job1", staging, "part-00000.parquet", "cannot name"},
		{"part name with a directory", "job1", staging, "../part-00000.parquet", "is not part-NNNNN.parquet"},
		{"part name of another form", "job1", staging, "labels.parquet", "is not part-NNNNN.parquet"},
		{"short part number", "job1", staging, "part-1.parquet", "is not part-NNNNN.parquet"},
		{"missing staging dir", "job9", filepath.Join(out, "_temporary", "job9"), "part-00000.parquet", "staging directory"},
		{"staging is a file", "job3", file, "part-00000.parquet", "not a directory"},
		{"object staging", "job1", "s3://lake/out/_temporary/job1", "part-00000.parquet", ""},
		{"object staging, trailing slashes", "job1", "s3://lake/out/_temporary/job1/", "part-00000.parquet", ""},
		{"object staging, uppercase scheme", "job1", "S3://lake/out/_temporary/job1", "part-00000.parquet", ""},
		{"object dot-dot", "job1", "s3://lake/x/_temporary/../../evil/_temporary/job1", "part-00000.parquet", "not allowed"},
		{"object encoded dot-dot", "job1", "s3://lake/x/_temporary/job1/%2e%2e/%2E%2E/_temporary/job1", "part-00000.parquet", "not allowed"},
		{"object encoded slash", "job1", "s3://lake/x/_temporary/a%2F..%2F..%2F_temporary%2Fjob1", "part-00000.parquet", "not allowed"},
		{"object double slash", "job1", "s3://lake/x//_temporary/job1", "part-00000.parquet", "not allowed"},
		{"object two trailing slashes", "job1", "s3://lake/x/_temporary/job1//", "part-00000.parquet", "not allowed"},
		{"object query", "job1", "s3://lake/x/_temporary/job1?endpoint=http://evil", "part-00000.parquet", "query"},
		{"object fragment", "job1", "s3://lake/x/_temporary/job1#a", "part-00000.parquet", "query"},
		{"object credentials", "job1", "s3://u:p@lake/x/_temporary/job1", "part-00000.parquet", "credentials"},
		{"object other scheme", "job1", "http://lake/x/_temporary/job1", "part-00000.parquet", "scheme"},
		{"object no bucket", "job1", "s3:///x/_temporary/job1", "part-00000.parquet", "no bucket"},
		{"object dataset itself", "job1", "s3://lake/x/", "part-00000.parquet", "is not"},
		{"object another job", "job1", "s3://lake/x/_temporary/job2", "part-00000.parquet", "is not"},
		// Job ids that decode to a path: the part directory is compared
		// with the job id as written and never decoded a second time.
		{"object job id that decodes to dot-dot", "%2E%2E", "s3://lake/x/_temporary/%252E%252E", "part-00000.parquet", ""},
		{"object job id encoded twice", "%2E%2E", "s3://lake/x/_temporary/%25252E%25252E", "part-00000.parquet", "is not"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			task := &wire.Task{Job: tc.job, Kind: wire.KindLabel, PartDir: tc.dir, PartName: tc.part}
			err := checkPart(task)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("checkPart: %v", err)
				}
				if blobfs.IsURL(tc.dir) {
					// The object written is the part in that job's staging prefix.
					loc, err := blobfs.Parse(partObject(task))
					want := "out/_temporary/" + tc.job + "/" + tc.part
					if strings.HasPrefix(tc.dir, "s3://lake/x/") {
						want = "x/_temporary/" + tc.job + "/" + tc.part
					}
					if err != nil || loc.Bucket != "lake" || loc.Key != want {
						t.Fatalf("part object %+v, %v; want key %s in lake", loc, err, want)
					}
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("checkPart(%s, %s) = %v, want an error with %q", tc.dir, tc.part, err, tc.want)
			}
		})
	}
}

// TestLabelPart runs a label task that writes its part: the part holds
// the rows and clusters a plain label task returns, with the kept label
// column of each row, and the result carries counts only. A crafted task
// whose part directory is not a staging directory writes nothing and is
// a bad-input failure.
func TestLabelPart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "b.parquet")
	if _, err := partition.GenerateBlobs(path, partition.BlobsConfig{N: 3000, D: 3, K: 3, Seed: 5, BatchRows: 1000}); err != nil {
		t.Fatal(err)
	}
	ds, err := partition.Scan([]string{path}, partition.Options{Exclude: []string{"label"}, ShardRows: 1000})
	if err != nil || len(ds.Shards) != 3 {
		t.Fatalf("%v, %d shards", err, len(ds.Shards))
	}
	truth, err := partition.ReadIntColumn([]string{path}, "label")
	if err != nil {
		t.Fatal(err)
	}
	task := func() *wire.Task {
		tk := &wire.Task{Job: "job1", ID: 1, Kind: wire.KindLabel, Round: -3, K: 3, D: 3, Metric: "euclidean",
			Data: wire.Data{Columns: ds.Columns, Nulls: "error"}, Centres: []float32{0, 0, 0, 5, 5, 5, -5, 0, 5}}
		for _, s := range ds.Shards[1:] { // two shards: the kept columns of both
			tk.Shards = append(tk.Shards, wire.Shard{ID: s.ID, File: s.File, Format: s.Format.String(),
				First: s.First, Last: s.Last, RowOffset: s.RowOffset, Rows: s.Rows})
		}
		return tk
	}
	x := &executor{cache: NewBlockCache(0), parallelism: 1}
	plain, err := x.execute(context.Background(), task())
	if err != nil {
		t.Fatal(err)
	}
	// A label result's arrays are the executor's scratch until its next
	// task.
	plain.Rows, plain.Labels, plain.Distances = slices.Clone(plain.Rows), slices.Clone(plain.Labels), slices.Clone(plain.Distances)
	staging := filepath.Join(dir, "labels", "_temporary", "job1")
	if err := os.MkdirAll(staging, 0o755); err != nil {
		t.Fatal(err)
	}
	tk := task()
	tk.CountsOnly, tk.PartDir, tk.PartName, tk.Keep = true, staging, "part-00001.parquet", []wire.KeepColumn{{Name: "label"}}
	res, err := x.execute(context.Background(), tk)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != nil || res.Labels != nil || res.N != 2000 || res.Loss != plain.Loss {
		t.Fatalf("result: %d rows, %d labels, n=%d, loss %v (plain %v)", len(res.Rows), len(res.Labels), res.N, res.Loss, plain.Loss)
	}
	wantCounts := make([]int64, 3)
	for _, c := range plain.Labels {
		wantCounts[c]++
	}
	if !reflect.DeepEqual(res.Counts, wantCounts) {
		t.Errorf("counts %v, want %v", res.Counts, wantCounts)
	}
	part := filepath.Join(staging, "part-00001.parquet")
	rows, err := partition.ReadIntColumn([]string{part}, "row")
	if err != nil {
		t.Fatal(err)
	}
	clusters, err := partition.ReadIntColumn([]string{part}, "cluster")
	if err != nil {
		t.Fatal(err)
	}
	labels, err := partition.ReadIntColumn([]string{part}, "label")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows, plain.Rows) {
		t.Fatalf("part rows differ from the plain task's (%d vs %d)", len(rows), len(plain.Rows))
	}
	for i, row := range rows {
		if clusters[i] != int64(plain.Labels[i]) || labels[i] != truth[row] {
			t.Fatalf("row %d: cluster %d label %d, want %d and %d", row, clusters[i], labels[i], plain.Labels[i], truth[row])
		}
	}

	crafted := task()
	evil := filepath.Join(dir, "evil")
	if err := os.MkdirAll(evil, 0o755); err != nil {
		t.Fatal(err)
	}
	crafted.CountsOnly, crafted.PartDir, crafted.PartName = true, evil, "part-00000.parquet"
	_, err = x.execute(context.Background(), crafted)
	if err == nil || classify(err) != wire.CodeBadInput {
		t.Fatalf("crafted part dir: %v (code %v), want a bad-input refusal", err, classify(err))
	}
	if ents, _ := os.ReadDir(evil); len(ents) != 0 {
		t.Errorf("the crafted task wrote %d files", len(ents))
	}
}
