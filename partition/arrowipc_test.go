package partition

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
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
	tw, err := createTable(path, schema, dataTable)
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
	// Streams whose dictionaries are replaced or grown between batches.
	for _, mode := range []string{"replaced", "deltas"} {
		schema, recs, _ := dictStream(f, mode, 3, 4)
		p := filepath.Join(dir, mode+".arrows")
		writeStream(f, p, schema, recs, ipc.WithDictionaryDeltas(mode == "deltas"))
		data, _ := os.ReadFile(p)
		seeds = append(seeds, data)
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

// TestArrowDictionaryFeatures: dictionary-encoded columns of numbers are
// numeric features like plain ones, nulls included (in the indices or in
// the dictionary), and a dictionary of strings beside them is text, left
// out, without breaking the read. Files and streams, shard by shard, with
// every decoded buffer released.
func TestArrowDictionaryFeatures(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	f64 := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.PrimitiveTypes.Float64}
	i32 := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Uint8, ValueType: arrow.PrimitiveTypes.Int32}
	str := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: str, Nullable: true},
		{Name: "x", Type: arrow.PrimitiveTypes.Float32},
		{Name: "d", Type: f64, Nullable: true},
		{Name: "i", Type: i32},
	}, nil)
	// One dictionary per column for all batches, as the IPC file format
	// requires. Row 6 points to the null value of d's dictionary, row 9
	// has a null index: both rows are null in d.
	sDict := mustArray(t, array.NewStringBuilder(memory.DefaultAllocator), func(b *array.StringBuilder) { b.AppendValues([]string{"cat", "dog"}, nil) })
	dDict := mustArray(t, array.NewFloat64Builder(memory.DefaultAllocator), func(b *array.Float64Builder) {
		b.AppendValues([]float64{0.5, 1.5, 2.5, 0}, []bool{true, true, true, false})
	})
	iDict := mustArray(t, array.NewInt32Builder(memory.DefaultAllocator), func(b *array.Int32Builder) { b.AppendValues([]int32{100, 101}, nil) })
	defer sDict.Release()
	defer dDict.Release()
	defer iDict.Release()
	var recs []arrow.RecordBatch
	var want []float32 // x, d, i of the rows without a null
	var rows int
	nulls := []int64{6, 9}
	for b := range 3 {
		var sIdx, dIdx []int32
		var dValid []bool
		var iIdx []uint8
		var x []float32
		for r := range 4 {
			row := b*4 + r
			sIdx = append(sIdx, int32(row%2))
			x = append(x, float32(row))
			k := int32(row % 3)
			switch row {
			case 6:
				k = 3
			default:
				if row != 9 {
					want = append(want, float32(row), float32(k)+0.5, float32(100+row%2))
				}
			}
			dIdx = append(dIdx, k)
			dValid = append(dValid, row != 9)
			iIdx = append(iIdx, uint8(row%2))
			rows++
		}
		cols := []arrow.Array{
			dictArray(t, str, array.NewInt32Builder(memory.DefaultAllocator), sIdx, nil, sDict),
			mustArray(t, array.NewFloat32Builder(memory.DefaultAllocator), func(b *array.Float32Builder) { b.AppendValues(x, nil) }),
			dictArray(t, f64, array.NewInt16Builder(memory.DefaultAllocator), convert[int16](dIdx), dValid, dDict),
			dictArray(t, i32, array.NewUint8Builder(memory.DefaultAllocator), iIdx, nil, iDict),
		}
		recs = append(recs, array.NewRecordBatch(schema, cols, 4))
		for _, c := range cols {
			c.Release()
		}
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	for _, ext := range []string{".arrow", ".arrows"} {
		t.Run(ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dict"+ext)
			writeRecords(t, path, schema, recs...)
			ds := mustScan(t, []string{path}, Options{ShardRows: 4})
			if !slices.Equal(ds.Columns, []string{"x", "d", "i"}) {
				t.Fatalf("columns %v, want [x d i]", ds.Columns)
			}
			var got []float32
			var index []int64
			for _, s := range ds.Shards {
				b, err := readShard(s, ds.Columns, "", NullsDrop, mem)
				if err != nil {
					t.Fatalf("shard %d: %v", s.ID, err)
				}
				got = append(got, b.Data...)
				index = append(index, b.Index...)
			}
			if !slices.Equal(got, want) || len(index) != rows-2 || slices.Contains(index, 6) || slices.Contains(index, 9) {
				t.Fatalf("read %v rows %v, want %v without rows %v", got, index, want, nulls)
			}
			_, err := readShard(ds.Shards[1], ds.Columns, "", NullsError, mem)
			wantErr(t, err, ErrNull, `column "d", row 6: null`)
			_, err = Scan([]string{path}, Options{Columns: []string{"x", "s"}})
			wantErr(t, err, ErrNotNumeric, `column "s"`, "dictionary")
			labels, err := ReadIntColumn([]string{path}, "i")
			if err != nil || len(labels) != rows || labels[3] != 101 {
				t.Fatalf("ReadIntColumn: %v, %v", labels, err)
			}
		})
	}
}

// mustArray builds an array with fill.
func mustArray[B interface {
	NewArray() arrow.Array
	Release()
}](t testing.TB, b B, fill func(B)) arrow.Array {
	t.Helper()
	defer b.Release()
	fill(b)
	return b.NewArray()
}

// dictArray builds a dictionary array of type typ from indices (valid
// marks the non-null ones; nil means all) into dict.
func dictArray[T any](t testing.TB, typ *arrow.DictionaryType, b interface {
	AppendValues([]T, []bool)
	NewArray() arrow.Array
	Release()
}, idx []T, valid []bool, dict arrow.Array) arrow.Array {
	t.Helper()
	defer b.Release()
	b.AppendValues(idx, valid)
	indices := b.NewArray()
	defer indices.Release()
	return array.NewDictionaryArray(typ, indices, dict)
}

func convert[T, F int16 | int32](v []F) []T {
	out := make([]T, len(v))
	for i, x := range v {
		out[i] = T(x)
	}
	return out
}
