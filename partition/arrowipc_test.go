package partition

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestArrowDictionaryColumnBetweenBatches: a stream whose schema also has a
// dictionary-encoded column that changes between batches. Skipping the
// batches before a shard must still hand the reader every dictionary
// message, or the batches it does decode would not resolve.
func TestArrowDictionaryColumnBetweenBatches(t *testing.T) {
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: dictType},
		{Name: "x", Type: arrow.PrimitiveTypes.Float32},
	}, nil)
	var recs []arrow.RecordBatch
	var want []float32
	for b := range 5 {
		bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		db := bld.Field(0).(*array.BinaryDictionaryBuilder)
		for i := range 3 {
			db.AppendString(string(rune('a' + b*3 + i)))
			v := float32(b*10 + i)
			bld.Field(1).(*array.Float32Builder).Append(v)
			want = append(want, v)
		}
		recs = append(recs, bld.NewRecordBatch())
		bld.Release()
	}
	for _, ext := range []string{".arrows", ".arrow"} {
		path := filepath.Join(t.TempDir(), "dict"+ext)
		if err := writeDictBatches(path, schema, recs); err != nil {
			// The IPC file format allows no dictionary replacement; the
			// writer may refuse.
			t.Logf("%s: %v", ext, err)
			continue
		}
		ds := mustScan(t, []string{path}, Options{ShardRows: 1})
		if !slices.Equal(ds.Columns, []string{"x"}) || len(ds.Shards) != 5 {
			t.Fatalf("%s: columns %v, %d shards", ext, ds.Columns, len(ds.Shards))
		}
		for _, s := range slices.Backward(ds.Shards) {
			b, err := ReadShard(s, ds.Columns, "", NullsError)
			if err != nil {
				t.Fatalf("%s shard %d: %v", ext, s.ID, err)
			}
			if !slices.Equal(b.Data, want[s.RowOffset:s.RowOffset+3]) {
				t.Errorf("%s shard %d = %v", ext, s.ID, b.Data)
			}
		}
	}
	for _, r := range recs {
		r.Release()
	}
}

func writeDictBatches(path string, schema *arrow.Schema, recs []arrow.RecordBatch) error {
	tw, err := createTable(path, schema)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := tw.write(r); err != nil {
			tw.abort()
			return err
		}
	}
	return tw.commit()
}

// ipcSeeds returns Arrow IPC inputs for the fuzzer: generated files with
// several batches, nulls and every numeric type, plus the Arrow project's
// integration and fuzz-crash files when present.
func ipcSeeds(f *testing.F) [][]byte {
	dir := f.TempDir()
	var seeds [][]byte
	for _, ext := range []string{".arrow", ".arrows"} {
		p := filepath.Join(dir, "b"+ext)
		if _, err := GenerateBlobs(p, BlobsConfig{N: 50, D: 2, K: 2, Seed: 1, BatchRows: 20}); err != nil {
			f.Fatal(err)
		}
		n := filepath.Join(dir, "n"+ext)
		nullTable(f, n)
		for _, q := range []string{p, n} {
			data, _ := os.ReadFile(q)
			seeds = append(seeds, data)
		}
	}
	root := filepath.Join("..", "..", "shared", "data", "arrow-testing")
	files, _ := filepath.Glob(filepath.Join(root, "arrow-ipc-stream", "integration", "*", "*[em]"))
	more, _ := filepath.Glob(filepath.Join(root, "arrow-ipc-fuzz", "*"))
	for _, p := range append(files, more...) {
		if data, err := os.ReadFile(p); err == nil && len(data) < 1<<16 {
			seeds = append(seeds, data)
		}
	}
	return seeds
}

// FuzzArrowIPC: any bytes read as an Arrow IPC file and as a stream end in
// data or an error, never a panic or a hang.
func FuzzArrowIPC(f *testing.F) {
	for _, s := range ipcSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		for _, ext := range []string{".arrow", ".arrows"} {
			p := filepath.Join(dir, "f"+ext)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if b, err := scanAndReadAll(p); err == nil && len(b.Data) != b.Len()*b.D {
				t.Fatalf("%s: %d values for %d rows of %d", ext, len(b.Data), b.Len(), b.D)
			}
		}
	})
}
