package proctest_test

// Issue 13, item 1: a data lake in object storage. A real S3 server
// (versitygw) and NATS run on the host, three workers each in a network
// namespace of its own and in a mount namespace where the lake's files and the server's
// directory are hidden under empty filesystems: whatever they read comes
// over S3. The coordinator lists and plans from S3, the workers read
// their shards with ranged requests and upload their label parts, and the
// result equals the same job on local files.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/shoal-io/shoal/internal/blobfs"
	"github.com/shoal-io/shoal/internal/proctest"
	"github.com/shoal-io/shoal/partition"
)

func TestS3Lake(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the S3 lake in network namespaces is skipped")
	}
	ns := proctest.NewNetns(t, 3)
	dir := t.TempDir()
	// The server listens on the host's bridge address, the one address
	// the namespaces reach (as the NATS server does).
	s3 := proctest.StartS3(t, bins.VersityGW, dir, ns.HostAddr, "", "lake")

	// A hive-partitioned lake of 1M rows, written locally and uploaded
	// through the S3 API with the markers writers leave beside data.
	local := filepath.Join(dir, "local-lake")
	writeKeyedParquetGroups(t, filepath.Join(local, "year=2025", "part-00000.parquet"), 0, 500000, -1, 50000)
	writeKeyedParquetGroups(t, filepath.Join(local, "year=2026", "part-00000.parquet"), 500000, 300000, -1, 50000)
	writeKeyedParquetGroups(t, filepath.Join(local, "year=2026", "part-00001.parquet"), 800000, 200000, -1, 50000)
	writeInput(t, local, "_SUCCESS", "")
	writeInput(t, filepath.Join(local, "year=2026"), ".part-00002.parquet.crc", "not data")
	for _, kv := range s3.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	if err := blobfs.SetS3Endpoint(s3.URL()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = blobfs.SetS3Endpoint("") })
	ctx := context.Background()
	var eu2026 int64 // bytes of the partition the job reads
	err := filepath.Walk(local, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(local, p)
		if strings.HasPrefix(rel, "year=2026/part-") {
			eu2026 += info.Size()
		}
		return blobfs.UploadFile(ctx, p, "s3://lake/data/"+filepath.ToSlash(rel))
	})
	if err != nil {
		t.Fatal(err)
	}

	srv := proctest.StartNATS(t, bins.NATSServer, t.TempDir(), proctest.NATSOptions{Host: ns.HostAddr})
	job := []string{"--where", "year=2026", "--columns", "f0,f1", "--k", "3", "--seed", "5"}
	// The task stream exists before the workers start (see warmUp).
	proctest.MustRun(t, dir, jobWait, shoal("warm-up", "run", "--nats", srv.URL(), "--workers", "1", "-q",
		"--input", filepath.Join(local, "year=2025", "part-00000.parquet"), "--columns", "f0,f1", "--k", "2", "--algo", "kmeans", "--max-iter", "1"))

	// Workers that cannot see the lake on disk.
	var workers []*proctest.Process
	for i, name := range ns.Names {
		wname := fmt.Sprintf("w%d", i+1)
		script := fmt.Sprintf("mount -t tmpfs tmpfs %s && mount -t tmpfs tmpfs %s && exec %s worker --nats %s -c 1 --name %s --s3-endpoint %s --log-level debug --log-format json",
			local, s3.Root, bins.Shoal, srv.URL(), wname, s3.URL())
		c := proctest.Cmd{Name: wname, Path: "unshare", Args: []string{"--mount", "--propagation", "private", "sh", "-c", script}, Netns: name, Env: s3.Env()}
		workers = append(workers, proctest.Start(t, dir, c))
	}
	for _, w := range workers {
		if err := w.WaitLog(readyWait, `"worker ready"`); err != nil {
			t.Fatal(err)
		}
	}
	coord := shoal("coordinator", append([]string{"run", "--nats", srv.URL(), "--workers", "0", "-q", "--s3-endpoint", s3.URL(),
		"--log-level", "info", "--log-format", "json",
		"--input", "s3://lake/data/", "--keep", "id,year", "--out", "s3://lake/labels/", "--model", "s3://lake/model.json"}, job...)...)
	coord.Env = s3.Env()
	r := proctest.MustRun(t, dir, jobWait, coord)
	for _, w := range workers {
		if err := w.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code, err := w.Wait(quickWait); err != nil || code != 0 {
			t.Fatalf("worker %s: exit %d, %v:\n%s", w.Name(), code, err, w.Stderr())
		}
	}

	// The coordinator read footers and listings, a sliver of the data;
	// every worker read over S3.
	coordRead := logRecords(r.Stderr, "object storage read")
	if len(coordRead) != 1 {
		t.Fatalf("the coordinator logged %d object storage reads, want 1:\n%s", len(coordRead), r.Stderr)
	}
	if n := coordRead[0]["bytes"].(float64); n > float64(eu2026)/50 {
		t.Errorf("the coordinator read %.0f bytes of a %d-byte partition; want footers only", n, eu2026)
	} else {
		t.Logf("the coordinator read %.0f bytes over S3", n)
	}
	for _, w := range workers {
		recs := logRecords(w.Stderr(), "object storage read")
		if len(recs) != 1 || recs[0]["bytes"].(float64) <= 0 {
			t.Errorf("worker %s read nothing over S3: %v", w.Name(), recs)
			continue
		}
		t.Logf("worker %s read %.0f bytes over S3 (the partition is %d bytes)", w.Name(), recs[0]["bytes"], eu2026)
	}

	// The labels dataset, as arrow-go reads the objects the server
	// stored: exactly the filtered rows, each with its id and year.
	labels := filepath.Join(s3.Root, "lake", "labels")
	rows, parts := readLabelsDataset(t, labels)
	if len(rows) != 500000 {
		t.Fatalf("%d labelled rows, want the 500000 of year=2026", len(rows))
	}
	for row, l := range rows {
		if want := fmt.Sprintf("id-%d", 500000+row); l.id != want || l.year != 2026 || l.cluster < 0 || l.cluster >= 3 {
			t.Fatalf("row %d: %+v, want id %s, year 2026, a cluster in [0,3)", row, l, want)
		}
	}
	t.Logf("labels: %d rows in parts %v", len(rows), parts)
	// And as shoal reads them back over S3.
	ds, err := partition.Scan([]string{"s3://lake/labels/"}, partition.Options{Columns: []string{"row", "cluster"}})
	if err != nil || ds.Rows != 500000 {
		t.Fatalf("shoal reading the labels over S3: %v rows, %v", ds, err)
	}

	// The same job on the local files gives the same model.
	path := filepath.Join(dir, "local-model.json")
	proctest.MustRun(t, dir, jobWait, shoal("local", append([]string{"run", "--workers", "2", "-q", "--data-dir", filepath.Join(dir, "data"),
		"--input", local + "/", "--model", path}, job...)...))
	got := filepath.Join(s3.Root, "lake", "model.json")
	sameModel(t, "S3 lake against local files", readModel(t, path), readModel(t, got))

	// Wrong keys, a missing bucket, an endpoint in the URL: one line
	// each, and the labels as they were.
	snap := takeSnapshot(t, s3.Root)
	for _, c := range []struct {
		env  []string
		args []string
		code int
		want string
	}{
		{[]string{"AWS_SECRET_ACCESS_KEY=wrong"}, []string{"--input", "s3://lake/data/"}, 1, "SignatureDoesNotMatch"},
		{nil, []string{"--input", "s3://nolake/data/"}, 2, "no such file or directory: s3://nolake/data/"},
		{nil, []string{"--input", "s3://lake/data/?endpoint=http://10.0.0.1"}, 2, "query"},
		{nil, []string{"--input", "s3://lake/data/", "--out", "s3://lake/data/year=2026/labels.parquet"}, 2, "inside the input"},
	} {
		args := append([]string{"run", "--workers", "1", "-q", "--data-dir", filepath.Join(dir, "data"), "--s3-endpoint", s3.URL(),
			"--k", "3", "--columns", "f0,f1", "--out", "s3://lake/labels/"}, c.args...)
		cmd := shoal("refused", args...)
		cmd.Env = append(s3.Env(), c.env...)
		res := proctest.Run(t, dir, jobWait, cmd)
		oneLine(t, res, c.code, c.want)
	}
	snap.unchanged(t, s3.Root)
}
