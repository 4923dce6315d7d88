package wire

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOutDatasetAndKeep(t *testing.T) {
	dir := t.TempDir() // a directory of other files
	file := filepath.Join(dir, "labels.parquet")
	empty := filepath.Join(dir, "empty")     // only names readers skip
	dataset := filepath.Join(dir, "dataset") // an earlier labels dataset
	for _, p := range []string{file, filepath.Join(empty, "_temporary", "x"), filepath.Join(empty, ".hidden"),
		filepath.Join(dataset, "_manifest.json"), filepath.Join(dataset, "part-00000.parquet")} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		out     string
		keep    []string
		dataset bool
		err     string
	}{
		{"", nil, false, ""},
		{"labels.parquet", nil, false, ""},
		{file, nil, false, ""},
		{"lake/labels/", nil, true, ""},
		{dir + "/", nil, true, ""},
		{dir, nil, false, ""},
		{empty, nil, true, ""},
		{dataset, nil, true, ""},
		{"lake/labels/", []string{"id"}, true, ""},
		{empty, []string{"id"}, true, ""},
		{dataset, []string{"id"}, true, ""},
		{dir, []string{"id"}, false, "directory of other files; end it in /"},
		{"labels.parquet", []string{"id"}, false, "give --out a directory"},
		{"", []string{"id"}, false, "there is no --out"},
	} {
		spec := JobSpec{Inputs: []string{"in.parquet"}, K: 2, Out: c.out, Keep: c.keep}
		if got := spec.OutDataset(); got != c.dataset {
			t.Errorf("OutDataset(%q) = %v, want %v", c.out, got, c.dataset)
		}
		err := spec.Normalize()
		if c.err == "" && err != nil || c.err != "" && (!errors.Is(err, ErrJobSpec) || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("out %q keep %v: %v, want %q", c.out, c.keep, err, c.err)
		}
		// Normalize settles a dataset: its Out ends in a separator.
		if err == nil && c.dataset != strings.HasSuffix(spec.Out, string(filepath.Separator)) {
			t.Errorf("out %q: normalized to %q", c.out, spec.Out)
		}
	}
}

func TestDecodeRejectsStrayPartFields(t *testing.T) {
	for name, mod := range map[string]func(*Task){
		"dir without name":  func(t *Task) { t.Kind, t.PartDir = KindLabel, "out/_temporary/j" },
		"name without dir":  func(t *Task) { t.Kind, t.PartName = KindLabel, "part-00000.parquet" },
		"part on sums task": func(t *Task) { t.PartDir, t.PartName = "out/_temporary/j", "part-00000.parquet" },
		"keep without part": func(t *Task) { t.Kind, t.Keep = KindLabel, []KeepColumn{{Name: "id"}} },
	} {
		task := sampleTask()
		mod(task)
		b, err := EncodeTask(task)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeTask(b); !errors.Is(err, ErrDecode) {
			t.Errorf("%s: %v, want ErrDecode", name, err)
		}
	}
	task := sampleTask()
	task.Kind, task.PartDir, task.PartName, task.Keep = KindLabel, "out/_temporary/j", "part-00000.parquet", []KeepColumn{{Name: "year", Partition: "int64"}}
	b, err := EncodeTask(task)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeTask(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.PartDir != task.PartDir || got.PartName != task.PartName || len(got.Keep) != 1 || got.Keep[0] != task.Keep[0] {
		t.Errorf("round trip: %+v", got)
	}
}
