package partition

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestPoolAllocator: buffers come back zeroed however they were left,
// reallocation keeps the contents and zeroes what it adds, and slices the
// pool did not make are left to the garbage collector.
func TestPoolAllocator(t *testing.T) {
	p := new(poolAllocator)
	for _, size := range []int{1, 100, 4095, 4096, 4097, 70000, 1 << 20} {
		for round := range 3 {
			b := p.Allocate(size)
			if len(b) != size {
				t.Fatalf("Allocate(%d): length %d", size, len(b))
			}
			for i, v := range b {
				if v != 0 {
					t.Fatalf("Allocate(%d), round %d: byte %d is %d", size, round, i, v)
				}
			}
			for i := range b {
				b[i] = 0xAB
			}
			b = p.Reallocate(size+5000, b)
			if len(b) != size+5000 || b[size-1] != 0xAB || b[size] != 0 || b[len(b)-1] != 0 {
				t.Fatalf("Reallocate(%d → %d): length %d, last old byte %x, first new %x", size, size+5000, len(b), b[size-1], b[size])
			}
			for i := range b {
				b[i] = 0xCD
			}
			p.Free(b)
		}
	}
	p.Free(make([]byte, 5000)) // not a pool size: ignored
	if b := p.Allocate(5000); b[4999] != 0 {
		t.Fatal("a foreign slice came back from the pool")
	}
}

// TestConcurrentReadsAgree reads the shards of files that take both
// Parquet paths (plain columns, and columns with nulls through pqarrow)
// from several goroutines at once, over and over: with page buffers
// recycled, every read must still give the first read's block.
func TestConcurrentReadsAgree(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.parquet")
	if _, err := GenerateBlobs(plain, BlobsConfig{N: 20000, D: 6, K: 4, Seed: 5, BatchRows: 3000}); err != nil {
		t.Fatal(err)
	}
	nulls := filepath.Join(dir, "nulls.parquet")
	nullTable(t, nulls)
	type job struct {
		ds   *Dataset
		want []*Block
	}
	var jobs []job
	for _, c := range []struct {
		path string
		opts Options
	}{
		{plain, Options{Exclude: []string{"label"}, ShardRows: 3000}},
		{nulls, Options{Columns: []string{"a", "b"}, Weight: "w"}},
	} {
		ds := mustScan(t, []string{c.path}, c.opts)
		j := job{ds: ds}
		for _, s := range ds.Shards {
			b, err := ReadShard(s, ds.Columns, ds.Weight, NullsDrop)
			if err != nil {
				t.Fatal(err)
			}
			j.want = append(j.want, b)
		}
		jobs = append(jobs, j)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				for _, j := range jobs {
					for i, s := range j.ds.Shards {
						b, err := ReadShard(s, j.ds.Columns, j.ds.Weight, NullsDrop)
						if err != nil {
							errs <- err
							return
						}
						if !slices.Equal(b.Data, j.want[i].Data) || !slices.Equal(b.Weights, j.want[i].Weights) || !slices.Equal(b.Index, j.want[i].Index) {
							errs <- fmt.Errorf("goroutine %d: %s shard %d differs from the first read", g, s.File, s.ID)
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestStatsCountNulls: the direct Parquet path learns from column chunk
// statistics which row groups hold nulls, so it does not decode them only
// to fall back: columns a and w of nullTable hold a null, b does not.
func TestStatsCountNulls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nulls.parquet")
	nullTable(t, path)
	pf, fr, err := openParquet(path, false, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	want := map[string]bool{"a": true, "b": false, "w": true}
	for _, f := range fr.Manifest.Fields {
		if got := statsCountNulls(pf.RowGroup(0), f.ColIndex); got != want[f.Field.Name] {
			t.Errorf("column %q: statsCountNulls = %v, want %v", f.Field.Name, got, want[f.Field.Name])
		}
	}
}
