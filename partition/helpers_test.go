package partition

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// allExts names one extension per format, for tests that run over all.
var allExts = []string{".parquet", ".arrow", ".arrows", ".csv"}

// sharedData returns the folder of real files written by other
// implementations (the repo's parent dir shared/data), or skips the test.
func sharedData(t testing.TB, sub string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "data", sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("real files from other writers not available (%s: %v); they live beside the repository in shared/data", dir, err)
	}
	return dir
}

// writeRecords writes records of one schema to path with the package's own
// writer machinery (any Arrow type for Parquet and IPC).
func writeRecords(t testing.TB, path string, schema *arrow.Schema, recs ...arrow.RecordBatch) {
	t.Helper()
	tw, err := createTable(path, schema, dataTable)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		if err := tw.write(rec); err != nil {
			tw.abort()
			t.Fatal(err)
		}
	}
	if err := tw.commit(); err != nil {
		t.Fatal(err)
	}
}

// mustScan scans and checks the shard plan's invariants: IDs in order,
// shards contiguous over rows in input order, rows adding up.
func mustScan(t testing.TB, paths []string, opts Options) *Dataset {
	t.Helper()
	ds, err := Scan(paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, ds)
	return ds
}

func checkPlan(t testing.TB, ds *Dataset) {
	t.Helper()
	var next int64
	for i, s := range ds.Shards {
		if s.ID != i {
			t.Errorf("shard %d has ID %d", i, s.ID)
		}
		if s.RowOffset != next {
			t.Errorf("shard %d starts at row %d, want %d", i, s.RowOffset, next)
		}
		if s.Rows <= 0 || s.Last <= s.First {
			t.Errorf("shard %d is empty: %+v", i, s)
		}
		next += s.Rows
	}
	if next != ds.Rows {
		t.Errorf("shards hold %d rows, dataset %d", next, ds.Rows)
	}
}

// readEvery reads every shard and concatenates the blocks, checking that
// each block's rows lie inside its shard.
func readEvery(t testing.TB, ds *Dataset, nulls NullPolicy) *Block {
	t.Helper()
	out := &Block{D: len(ds.Columns)}
	for _, s := range ds.Shards {
		b, err := ReadShard(s, ds.Columns, ds.Weight, nulls)
		if err != nil {
			t.Fatalf("shard %d: %v", s.ID, err)
		}
		if len(b.Data) != b.Len()*b.D {
			t.Fatalf("shard %d: %d values for %d rows of %d", s.ID, len(b.Data), b.Len(), b.D)
		}
		for _, r := range b.Index {
			if r < s.RowOffset || r >= s.RowOffset+s.Rows {
				t.Fatalf("shard %d [%d,%d) returned row %d", s.ID, s.RowOffset, s.RowOffset+s.Rows, r)
			}
		}
		out.Data = append(out.Data, b.Data...)
		out.Index = append(out.Index, b.Index...)
		if ds.Weight != "" {
			out.Weights = append(out.Weights, b.Weights...)
		}
	}
	return out
}

// wantErr checks that err wraps sentinel and mentions every fragment.
func wantErr(t testing.TB, err, sentinel error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", sentinel)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %q does not wrap %q", err, sentinel)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err, f)
		}
	}
}

// withTimeout runs fn and fails the test if it does not return within d:
// a reader that hangs on a malformed file is a bug like a panic.
func withTimeout(t testing.TB, d time.Duration, name string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Errorf("%s: no answer after %v (hang)", name, d)
	}
}

// scanAndReadAll is what a job does with an untrusted file: scan it with
// automatic columns and read every shard, dropping bad rows. It returns the
// first error; it must never panic.
func scanAndReadAll(path string) (*Block, error) {
	ds, err := Scan([]string{path}, Options{ShardRows: 64})
	if err != nil {
		return nil, err
	}
	return ReadAll(ds, NullsDrop)
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
