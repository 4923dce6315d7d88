package partition

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestFooterCacheFollowsRewrites: a file replaced by another of the same
// row count, written at once under the same path, must be read as the new
// file, not through the footer cached for the old one; a file read again
// unchanged reuses the parsed footer.
func TestFooterCacheFollowsRewrites(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.parquet")
	other := filepath.Join(dir, "other.parquet")
	cfg := BlobsConfig{N: 5000, D: 3, K: 2, Seed: 1, BatchRows: 1000}
	if _, err := GenerateBlobs(path, cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Seed, cfg.BatchRows = 2, 700 // other values and other row groups
	if _, err := GenerateBlobs(other, cfg); err != nil {
		t.Fatal(err)
	}
	read := func(p string) []float32 {
		t.Helper()
		ds := mustScan(t, []string{p}, Options{Exclude: []string{"label"}})
		var all []float32
		for _, s := range ds.Shards {
			b, err := ReadShard(s, ds.Columns, ds.Weight, NullsError)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b.Data...)
		}
		return all
	}
	first := read(path)
	if md := cachedFooter(path); md == nil || md != cachedFooter(path) {
		t.Fatalf("an unchanged file's footer is parsed again (%p)", md)
	}
	want := read(other)
	if slices.Equal(first, want) {
		t.Fatal("the two generated files hold the same values")
	}
	raw, err := os.ReadFile(other)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := read(path); !slices.Equal(got, want) {
		t.Fatal("after the rewrite the file reads as its old contents")
	}
}

// TestFooterCacheDeclines: what is not a readable plain Parquet footer is
// not cached, and opening it still fails with arrow-go's own error.
func TestFooterCacheDeclines(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"empty.parquet":     "",
		"short.parquet":     "PAR1",
		"text.parquet":      "this is not a parquet file at all",
		"badlength.parquet": "PAR1\xff\xff\xff\x7fPAR1",
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if md := cachedFooter(p); md != nil {
			t.Errorf("%s: a footer was cached", name)
		}
		if _, _, err := openParquet(p, false, memory.DefaultAllocator); err == nil {
			t.Errorf("%s: opened without an error", name)
		}
	}
	if md := cachedFooter(filepath.Join(dir, "missing.parquet")); md != nil {
		t.Error("a missing file has a cached footer")
	}
}

// shrunk is a file cut to cut bytes between the read of its tail and
// the read of its footer: a read that starts before cut ends there, with
// io.EOF; the tail, read before the cut, still reads whole.
type shrunk struct {
	b   []byte
	cut int64
}

func (s shrunk) ReadAt(p []byte, off int64) (int, error) {
	if off < s.cut {
		n := copy(p, s.b[off:min(int64(len(s.b)), s.cut)])
		return n, io.EOF
	}
	return copy(p, s.b[off:]), nil
}

// TestFooterOfShortRead: a footer that comes back short (the file shrank
// between Stat and the read) is not parsed or cached from the part read.
func TestFooterOfShortRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.parquet")
	if _, err := GenerateBlobs(path, BlobsConfig{N: 500, D: 2, K: 2, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	size := int64(len(b))
	if footerOf(shrunk{b, 0}, size) == nil {
		t.Fatal("the whole file gives no footer")
	}
	// Only the first bytes of the footer are readable; the tail still is.
	n := int64(b[size-8]) | int64(b[size-7])<<8 | int64(b[size-6])<<16 | int64(b[size-5])<<24
	start := size - 8 - n
	if md := footerOf(shrunk{b, start + n/2}, size); md != nil {
		t.Fatal("a footer read half was parsed")
	}
}
