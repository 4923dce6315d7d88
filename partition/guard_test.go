package partition

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// truncateFile cuts path to a quarter of its size.
func truncateFile(t testing.TB, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, st.Size()/4); err != nil {
		t.Fatal(err)
	}
}

// guardFile writes 4 row groups (or batches) of 32768 rows of 8 float32
// features: a batch is large enough for fillBatch to copy it on several
// goroutines.
func guardFile(t *testing.T, ext string) (string, *Dataset) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data"+ext)
	if _, err := GenerateBlobs(path, BlobsConfig{N: 4 << 15, D: 8, K: 3, Seed: 1, BatchRows: 1 << 15}); err != nil {
		t.Fatal(err)
	}
	ds, err := Scan([]string{path}, Options{Exclude: []string{"label"}, ShardRows: 1 << 15})
	if err != nil {
		t.Fatal(err)
	}
	return path, ds
}

// TestTruncatedWhileRead cuts a mapped Parquet or Arrow IPC file short
// while a read is under way, after the first row group or batch was
// handed over: the reads that follow, and the copies of the handed-over
// columns that fillBatch makes on goroutines of its own, meet pages that
// are gone. That must be an error naming the file, not a fault (SIGBUS)
// that ends the process.
func TestTruncatedWhileRead(t *testing.T) {
	for _, c := range []struct {
		ext  string
		read func(path string, names []string, first, last int64, mem memory.Allocator, fn batchFunc) (int, error)
	}{{".parquet", readParquet}, {".arrow", readArrowFile}} {
		t.Run(c.ext, func(t *testing.T) {
			path, ds := guardFile(t, c.ext)
			whole := ds.Shards[0]
			whole.Last, whole.Rows = ds.Shards[len(ds.Shards)-1].Last, ds.Rows
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := newFiller(whole, ds.Columns, "", NullsError, st.Size())
			if err != nil {
				t.Fatal(err)
			}
			calls := 0
			_, err = c.read(path, ds.Columns, 0, -1, memory.DefaultAllocator, func(at int, cols []arrow.Array) error {
				calls++
				if calls == 1 {
					truncateFile(t, path)
				}
				return f.fillBatch(at, cols)
			})
			if err == nil {
				t.Fatalf("read a file truncated while it was read without an error (%d batches)", calls)
			}
			wantErr(t, err, ErrCorrupt, path)
		})
	}
}

// TestTruncatedAfterOpen cuts the file short between its mapping and the
// reads, through ReadShard: the error names the file and says it changed.
func TestTruncatedAfterOpen(t *testing.T) {
	for _, ext := range []string{".parquet", ".arrow"} {
		t.Run(ext, func(t *testing.T) {
			path, ds := guardFile(t, ext)
			afterOpen = func(p string) {
				if p == path {
					truncateFile(t, p)
				}
			}
			defer func() { afterOpen = nil }()
			_, err := ReadShard(ds.Shards[len(ds.Shards)-1], ds.Columns, "", NullsError)
			wantErr(t, err, ErrCorrupt, path, "changed or was truncated while it was read")
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error of more than one line: %q", err)
			}
		})
	}
}

// TestChangedWhileRead appends to a CSV or Arrow stream file (read
// without a mapping) after ReadShard has looked at it and before it reads:
// the shard's own bytes are intact, but what was read may be of two
// versions of the file, so the read is refused.
func TestChangedWhileRead(t *testing.T) {
	for _, ext := range []string{".csv", ".arrows", ".parquet", ".arrow"} {
		t.Run(ext, func(t *testing.T) {
			path, ds := guardFile(t, ext)
			beforeRead = func(p string) {
				f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
				if err != nil {
					t.Error(err)
					return
				}
				defer f.Close()
				if _, err := f.WriteString("1,2,3,4,5,6,7,8,0\n"); err != nil {
					t.Error(err)
				}
			}
			defer func() { beforeRead = nil }()
			_, err := ReadShard(ds.Shards[0], ds.Columns, "", NullsError)
			wantErr(t, err, ErrCorrupt, path, "changed or was truncated while it was read")
		})
	}
}

// TestFileReader checks the Parquet reader as io.ReaderAt, io.Reader
// and io.Seeker, and that a read of bytes cut off is errChanged.
func TestFileReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.bin")
	page := os.Getpagesize()
	if err := os.WriteFile(path, []byte(strings.Repeat("abcdefgh", page)), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := openFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	buf := make([]byte, 4)
	if n, err := m.ReadAt(buf, int64(8*page-2)); n != 2 || err == nil || string(buf[:2]) != "gh" {
		t.Errorf("ReadAt at the end = %d, %v, %q", n, err, buf[:n])
	}
	if _, err := m.Seek(3, 0); err != nil {
		t.Fatal(err)
	}
	if n, err := m.Read(buf); n != 4 || err != nil || string(buf) != "defg" {
		t.Errorf("Read after Seek = %d, %v, %q", n, err, buf)
	}
	if err := os.Truncate(path, int64(page)); err != nil {
		t.Fatal(err)
	}
	_, err = m.ReadAt(buf, int64(4*page))
	if !isChanged(err) || !errors.Is(err, ErrCorrupt) {
		t.Errorf("reading bytes cut off: %v, want the file changed", err)
	}
	if !strings.Contains(fmt.Sprint(err), path) {
		t.Errorf("%v does not name %s", err, path)
	}
}
