package main

import (
	"os"
	"path/filepath"
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
