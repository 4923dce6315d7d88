package coordinator

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

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
