package coordinator

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/shoal-io/shoal/internal/pathguard"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// Globs and where filters go through the same expansion whose every file
// the roots check sees: a glob cannot reach a file outside the roots, by
// its fixed part or through a link it matches, and a where filter leaves
// its pruned files out of both the check and the scan.
func TestCheckPathsGlobAndWhere(t *testing.T) {
	base := t.TempDir()
	allowed, outside := filepath.Join(base, "allowed"), filepath.Join(base, "outside")
	write := func(path string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := partition.WriteTable(path, []string{"x"}, []float32{1, 2}, 2, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(allowed, "lake", "year=2025", "p.parquet"))
	write(filepath.Join(allowed, "lake", "year=2026", "p.parquet"))
	write(filepath.Join(outside, "year=2027", "p.parquet"))
	if err := os.Symlink(filepath.Join(outside, "year=2027"), filepath.Join(allowed, "lake", "year=2027")); err != nil {
		t.Fatal(err)
	}
	roots, err := pathguard.NewRoots([]string{allowed}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &Coordinator{opts: Options{Paths: pathguard.Options{Roots: roots}}}
	lake := filepath.Join(allowed, "lake")
	for _, tc := range []struct {
		inputs []string
		where  map[string][]string
		files  int
		denied bool
	}{
		{[]string{filepath.Join(lake, "year=*", "*.parquet")}, nil, 0, true},
		{[]string{filepath.Join(lake, "year=*", "*.parquet")}, map[string][]string{"year": {"2025", "2026"}}, 2, false},
		{[]string{lake}, nil, 0, true},
		{[]string{lake}, map[string][]string{"year": {"2026"}}, 1, false},
		{[]string{filepath.Join(outside, "*", "*.parquet")}, nil, 0, true},
		{[]string{filepath.Join(base, "*", "lake", "year=2025", "*.parquet")}, nil, 0, true},
	} {
		files, err := c.checkPaths(&wire.JobSpec{Inputs: tc.inputs, Where: tc.where})
		if tc.denied {
			if !errors.Is(err, ErrPath) {
				t.Errorf("%v where %v: %v, want ErrPath", tc.inputs, tc.where, err)
			}
			continue
		}
		if err != nil || len(files) != tc.files {
			t.Errorf("%v where %v: %d files, %v; want %d", tc.inputs, tc.where, len(files), err, tc.files)
		}
	}
}
