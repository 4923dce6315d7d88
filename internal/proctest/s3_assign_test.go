package proctest_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/internal/blobfs"
	"github.com/shoal-io/shoal/internal/proctest"
)

// shoal assign with everything in an object store: the model, the input
// lake and the labels dataset are s3:// paths, and the labels equal those
// of the fit on local files.
func TestS3Assign(t *testing.T) {
	dir := t.TempDir()
	s3 := proctest.StartS3(t, bins.VersityGW, dir, "", "", "lake")
	local := filepath.Join(dir, "lake")
	writeKeyedParquet(t, filepath.Join(local, "year=2026", "part-00000.parquet"), 0, 3000, -1)
	model, single := filepath.Join(dir, "model.json"), filepath.Join(dir, "fit.parquet")
	proctest.MustRun(t, dir, jobWait, shoal("run", "run", "-q", "--workers", "2", "--input", local+"/", "--columns", "f0,f1",
		"--k", "3", "--algo", "fasterpam", "--model", model, "--out", single))
	fit := map[int64]labelRow{}
	readLabelsParquet(t, single, fit)

	// The lake and the model go into the bucket through the S3 API.
	for _, kv := range s3.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	if err := blobfs.SetS3Endpoint(s3.URL()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = blobfs.SetS3Endpoint("") })
	for _, up := range []struct{ src, url string }{
		{filepath.Join(local, "year=2026", "part-00000.parquet"), "s3://lake/data/year=2026/part-00000.parquet"},
		{model, "s3://lake/model.json"},
	} {
		if err := blobfs.UploadFile(context.Background(), up.src, up.url); err != nil {
			t.Fatal(err)
		}
	}

	cmd := shoal("assign", "assign", "-q", "--workers", "2", "--s3-endpoint", s3.URL(), "--model", "s3://lake/model.json",
		"--input", "s3://lake/data/", "--keep", "id,year", "--out", "s3://lake/labels/")
	cmd.Env = s3.Env()
	proctest.MustRun(t, dir, jobWait, cmd)
	got, _ := readLabelsDataset(t, filepath.Join(s3.Root, "lake", "labels"))
	if len(got) != 3000 {
		t.Fatalf("%d labelled rows, want 3000", len(got))
	}
	for r := range int64(3000) {
		if g := got[r]; g.id != fmt.Sprintf("id-%d", r) || g.cluster != fit[r].cluster {
			t.Fatalf("row %d: %+v, the fit gave cluster %d", r, g, fit[r].cluster)
		}
	}
}
