package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pristineCatalog writes a catalog of many pages (jobs, checkpoints,
// models, branch pages among them) and returns its bytes.
func pristineCatalog(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shoal.db")
	s, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		id := fmt.Sprintf("job-%04d", i)
		if _, err := s.CreateJob(id, json.RawMessage(`{"k":3,"inputs":["/data/x.parquet"]}`)); err != nil {
			t.Fatal(err)
		}
		if err := s.PutCheckpoint(id, "round", 1, []byte(strings.Repeat("c", 200))); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			if err := s.PutModel(id, []byte(`{"k":3}`)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// useCatalog opens the catalog at path and runs every read and a write,
// as a starting coordinator would, and returns the errors met. A panic
// or a fault ends the test binary: that is the failure this guards.
func useCatalog(path string) []error {
	s, err := Open(path, Options{NoSync: true, Timeout: -1})
	if err != nil {
		return []error{err}
	}
	defer s.Close()
	var errs []error
	note := func(err error) {
		if err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, err)
		}
	}
	note(s.Check())
	_, err = s.Jobs()
	note(err)
	_, err = s.JobsInState(StateRunning, StatePending)
	note(err)
	for _, id := range []string{"job-0000", "job-0150", "job-0299"} {
		_, err = s.Job(id)
		note(err)
		_, _, err = s.Checkpoint(id, "round")
		note(err)
		_, err = s.Model(id)
		note(err)
	}
	_, err = s.CreateJob("job-new", json.RawMessage(`{}`))
	note(err)
	note(s.PutCheckpoint("job-0001", "round", 2, []byte("x")))
	note(s.DeleteJob("job-0002"))
	return errs
}

// TestCorruptCatalog overwrites the catalog with garbage at several
// places, and truncates it, and requires that every operation returns,
// and that what fails says ErrCorrupt naming the file in one line.
func TestCorruptCatalog(t *testing.T) {
	pristine := pristineCatalog(t)
	page := os.Getpagesize()
	pages := len(pristine) / page
	garbage := func(n int) []byte {
		b := make([]byte, n)
		x := uint32(2463534242)
		for i := range b {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			b[i] = byte(x)
		}
		return b
	}
	type damage struct {
		name string
		at   int // byte offset
		b    []byte
	}
	cases := []damage{
		{"first meta page", 0, garbage(page)},
		{"second meta page", page, garbage(page)},
		{"both meta pages", 0, garbage(2 * page)},
		{"meta checksum", 16, []byte{0xff, 0xff, 0xff, 0xff}},
		{"page header 2", 2 * page, garbage(16)},
		{"page header 3", 3 * page, garbage(16)},
		{"page body 4", 4*page + 64, garbage(256)},
		{"middle", len(pristine) / 2, garbage(page)},
		{"last page", len(pristine) - page, garbage(page)},
		{"zeroes", 2 * page, make([]byte, 4*page)},
	}
	// And every page of the file, overwritten whole.
	for p := 2; p < pages; p++ {
		cases = append(cases, damage{fmt.Sprintf("page %d", p), p * page, garbage(page)})
	}
	dir := t.TempDir()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("case-%d.db", i))
			b := append([]byte(nil), pristine...)
			copy(b[c.at:], c.b)
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			checkCorruptErrors(t, path, useCatalog(path))
		})
	}
	// A file cut anywhere before its last used page is corrupt; bbolt
	// grows its file ahead of use, so a cut past that loses nothing, and
	// an empty file is a new catalog.
	for _, c := range []struct {
		size    int
		corrupt bool
	}{{0, false}, {100, true}, {page, true}, {2 * page, true}, {3*page + 100, true}, {len(pristine) / 4, true}, {len(pristine) - 1, false}} {
		size := c.size
		t.Run(fmt.Sprintf("truncated to %d bytes", size), func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("truncated-%d.db", size))
			if err := os.WriteFile(path, pristine[:size], 0o600); err != nil {
				t.Fatal(err)
			}
			errs := useCatalog(path)
			if c.corrupt && len(errs) == 0 {
				t.Errorf("a catalog truncated to %d of %d bytes opened and read without an error", size, len(pristine))
			}
			checkCorruptErrors(t, path, errs)
		})
	}
}

func checkCorruptErrors(t *testing.T, path string, errs []error) {
	t.Helper()
	for _, err := range errs {
		msg := err.Error()
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(msg, path) || strings.Contains(msg, "\n") ||
			!strings.Contains(msg, "move it aside or restore a backup") {
			t.Errorf("want one line wrapping ErrCorrupt naming %s, got %q", path, msg)
		}
	}
}
