package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// submit sends --out absolute, with exactly one trailing separator for a
// dataset, a local one or an object prefix.
func TestAbsOut(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		out     string
		dataset bool
		want    string
	}{
		{"labels.parquet", false, filepath.Join(wd, "labels.parquet")},
		{"lake/labels/", true, filepath.Join(wd, "lake/labels") + "/"},
		{"/data/out/labels", true, "/data/out/labels/"},
		{"s3://lake/out/labels/", true, "s3://lake/out/labels/"},
		{"s3://lake/out/labels.parquet", false, "s3://lake/out/labels.parquet"},
	} {
		if got := absOut(c.out, c.dataset); got != c.want {
			t.Errorf("absOut(%q, %v) = %q, want %q", c.out, c.dataset, got, c.want)
		}
	}
}

// --replicas and --s3-endpoint refuse values that cannot work, as usage
// errors, before anything runs.
func TestReplicasAndEndpointFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--demo", "--replicas", "3"}, "--replicas needs --nats"},
		{[]string{"run", "--demo", "--replicas", "0"}, "--replicas must be 1 to 5"},
		{[]string{"run", "--demo", "--nats", "nats://127.0.0.1:1", "--replicas", "9"}, "--replicas must be 1 to 5"},
		{[]string{"coordinator", "--data-dir", t.TempDir(), "--nats", "nats://127.0.0.1:1", "--replicas", "-1"}, "--replicas must be 1 to 5"},
		{[]string{"run", "--demo", "--s3-endpoint", "ftp://127.0.0.1:9000"}, "--s3-endpoint"},
	} {
		code, _, stderr := shoal(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("shoal %v: exit %d, %q; want exit 2 mentioning %q", c.args, code, stderr, c.want)
		}
	}
}
