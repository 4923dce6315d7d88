package coordinator

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"gocloud.dev/blob/memblob"

	"github.com/shoal-io/shoal/internal/blobfs"
	"github.com/shoal-io/shoal/internal/wire"
)

// TestDatasetCommit checks the commit protocol on files alone: a part
// that did not land fails the commit with the dataset unchanged; a
// manifest naming files of other forms cannot make a commit remove them;
// abort leaves no staging directory.
func TestDatasetCommit(t *testing.T) {
	out := filepath.Join(t.TempDir(), "labels")
	write := func(path, s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	list := func() []string {
		t.Helper()
		ents, err := os.ReadDir(out)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	d, err := openDataset(out+"/", "job1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.staging != filepath.Join(out, "_temporary", "job1") {
		t.Fatalf("staging %s", d.staging)
	}
	// A manifest of an earlier job that lists files a commit must not
	// remove, whatever it says.
	write(filepath.Join(out, "_manifest.json"), `{"parts":[{"name":"../x.parquet"},{"name":"keep.parquet"},{"name":"part-00007.parquet"}]}`)
	write(filepath.Join(out, "keep.parquet"), "mine")
	write(filepath.Join(out, "part-00007.parquet"), "old part")
	write(filepath.Join(out, "_SUCCESS"), "")
	d.rows = []int64{1, 2}
	write(filepath.Join(d.staging, partName(0)), "p0")
	m := &wire.Model{Algorithm: "minibatch", K: 2, N: 3}
	before := list()
	if err := d.commit(m); err == nil {
		t.Fatal("commit with a missing part succeeded")
	}
	if got := list(); !reflect.DeepEqual(got, before) {
		t.Fatalf("a failed commit changed the dataset: %v, was %v", got, before)
	}
	write(filepath.Join(d.staging, partName(1)), "p1")
	if err := d.commit(m); err != nil {
		t.Fatal(err)
	}
	want := []string{"_SUCCESS", "_manifest.json", "keep.parquet", "part-00000.parquet", "part-00001.parquet"}
	if got := list(); !reflect.DeepEqual(got, want) {
		t.Fatalf("committed %v, want %v", got, want)
	}

	d2, err := openDataset(out, "job2", nil)
	if err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(d2.staging, partName(0)), "p0")
	d2.abort()
	if got := list(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after an abort: %v, want %v", got, want)
	}
}

// TestDatasetCommitObjects runs the commit protocol on an object prefix:
// a missing part (or a prefix where a part should be) fails the commit
// with the earlier dataset and its _SUCCESS in place; a rerun with
// fewer parts removes the earlier parts its manifest listed, and no
// others.
func TestDatasetCommitObjects(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	blobfs.Use("mem://commit", b)
	t.Cleanup(func() { blobfs.Use("mem://commit", nil); b.Close() })
	write := func(key, s string) {
		t.Helper()
		if err := b.WriteAll(ctx, key, []byte(s), nil); err != nil {
			t.Fatal(err)
		}
	}
	list := func() map[string]string {
		t.Helper()
		got := map[string]string{}
		it := b.List(nil)
		for {
			o, err := it.Next(ctx)
			if err == io.EOF {
				return got
			}
			if err != nil {
				t.Fatal(err)
			}
			data, err := b.ReadAll(ctx, o.Key)
			if err != nil {
				t.Fatal(err)
			}
			got[o.Key] = string(data)
		}
	}
	m := &wire.Model{Algorithm: "minibatch", K: 2, N: 3}

	// An earlier run of three parts, and an object of the user's.
	d, err := openDataset("mem://commit/labels/", "job1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.staging != "mem://commit/labels/_temporary/job1" {
		t.Fatalf("staging %s", d.staging)
	}
	d.rows = []int64{1, 1, 1}
	for i := range 3 {
		write("labels/_temporary/job1/"+partName(i), "old")
	}
	write("labels/keep.parquet", "mine")
	if err := d.commit(m); err != nil {
		t.Fatal(err)
	}
	first := list()
	if _, ok := first["labels/_SUCCESS"]; !ok || len(first) != 6 {
		t.Fatalf("first commit left %v", first)
	}

	// A rerun whose second part did not land, or is a prefix rather
	// than an object: nothing changes.
	d2, err := openDataset("mem://commit/labels", "job2", nil)
	if err != nil {
		t.Fatal(err)
	}
	d2.rows = []int64{2, 1}
	write("labels/_temporary/job2/"+partName(0), "new")
	before := list()
	if err := d2.commit(m); err == nil {
		t.Fatal("commit with a missing part succeeded")
	}
	write("labels/_temporary/job2/"+partName(1)+"/x", "not a part")
	before = list()
	if err := d2.commit(m); err == nil {
		t.Fatal("commit with a prefix for a part succeeded")
	}
	if got := list(); !reflect.DeepEqual(got, before) {
		t.Fatalf("a failed commit changed the objects:\n%v\nwas\n%v", got, before)
	}
	if err := b.Delete(ctx, "labels/_temporary/job2/"+partName(1)+"/x"); err != nil {
		t.Fatal(err)
	}

	// The rerun lands with two parts: the third earlier part goes.
	write("labels/_temporary/job2/"+partName(1), "new")
	if err := d2.commit(m); err != nil {
		t.Fatal(err)
	}
	got := list()
	delete(got, "labels/_manifest.json")
	want := map[string]string{"labels/_SUCCESS": "", "labels/keep.parquet": "mine",
		"labels/part-00000.parquet": "new", "labels/part-00001.parquet": "new"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after the rerun: %v, want %v", got, want)
	}
}
