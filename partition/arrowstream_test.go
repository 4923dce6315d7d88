package partition

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// readLog records the byte ranges read from a stream (see wrapStream).
type readLog struct {
	ra   io.ReaderAt
	mu   *sync.Mutex
	seen *[][2]int64
}

func (l readLog) ReadAt(p []byte, off int64) (int, error) {
	n, err := l.ra.ReadAt(p, off)
	l.mu.Lock()
	*l.seen = append(*l.seen, [2]int64{off, off + int64(n)})
	l.mu.Unlock()
	return n, err
}

// logStreamReads makes stream readers record what they read until the
// test ends.
func logStreamReads(t testing.TB) func() [][2]int64 {
	var (
		mu   sync.Mutex
		seen [][2]int64
	)
	wrapStream = func(ra io.ReaderAt) io.ReaderAt { return readLog{ra, &mu, &seen} }
	t.Cleanup(func() { wrapStream = nil })
	return func() [][2]int64 {
		mu.Lock()
		defer mu.Unlock()
		out := seen
		seen = nil
		return out
	}
}

// writeStream writes recs as an Arrow IPC stream with arrow-go's writer
// and opts (dictionary deltas, for one).
func writeStream(t testing.TB, path string, schema *arrow.Schema, recs []arrow.RecordBatch, opts ...ipc.Option) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := ipc.NewWriter(f, append([]ipc.Option{ipc.WithSchema(schema)}, opts...)...)
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// dictStream builds batches of rows x (the global row, float32) and d, a
// dictionary<int16, float64> column, per mode: "none" leaves d out,
// "same" gives every batch one dictionary, "replaced" a new one each
// batch, "deltas" one that grows each batch. want holds x, d per row.
func dictStream(t testing.TB, mode string, batches, rows int) (*arrow.Schema, []arrow.RecordBatch, []float32) {
	t.Helper()
	typ := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.PrimitiveTypes.Float64}
	fields := []arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Float32}}
	if mode != "none" {
		fields = append(fields, arrow.Field{Name: "d", Type: typ})
	}
	schema := arrow.NewSchema(fields, nil)
	var (
		recs []arrow.RecordBatch
		want []float32
	)
	const width = 5
	for b := range batches {
		var (
			x    []float32
			idx  []int16
			dict []float64
		)
		switch mode {
		case "same":
			for k := range width {
				dict = append(dict, float64(k)+0.5)
			}
		case "replaced":
			for k := range width {
				dict = append(dict, float64(100*b+k)+0.5)
			}
		case "deltas":
			for k := range width * (b + 1) {
				dict = append(dict, float64(k)+0.5)
			}
		}
		for r := range rows {
			row := b*rows + r
			x = append(x, float32(row))
			want = append(want, float32(row))
			if mode == "none" {
				continue
			}
			k := r % width
			if mode == "deltas" {
				k += width * b
			}
			idx = append(idx, int16(k))
			want = append(want, float32(dict[k]))
		}
		cols := []arrow.Array{mustArray(t, array.NewFloat32Builder(memory.DefaultAllocator), func(b *array.Float32Builder) { b.AppendValues(x, nil) })}
		if mode != "none" {
			d := mustArray(t, array.NewFloat64Builder(memory.DefaultAllocator), func(b *array.Float64Builder) { b.AppendValues(dict, nil) })
			cols = append(cols, dictArray(t, typ, array.NewInt16Builder(memory.DefaultAllocator), idx, nil, d))
			d.Release()
		}
		recs = append(recs, array.NewRecordBatch(schema, cols, int64(rows)))
		for _, c := range cols {
			c.Release()
		}
	}
	t.Cleanup(func() {
		for _, r := range recs {
			r.Release()
		}
	})
	return schema, recs, want
}

// allowedReads is what reading shard s may touch: the schema message,
// the dictionary messages it names, and its own range.
func allowedReads(t testing.TB, path string, s Shard) [][2]int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	schema, err := messageAt(f, 0, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	out := [][2]int64{{0, schema.end}, {s.ByteStart, s.ByteEnd}}
	for _, off := range s.DictOffsets {
		d, err := messageAt(f, off, st.Size())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, [2]int64{off, d.end})
	}
	return out
}

func within(r [2]int64, allowed [][2]int64) bool {
	for _, a := range allowed {
		if r[0] >= a[0] && r[1] <= a[1] {
			return true
		}
	}
	return false
}

// TestStreamShardReadsOnlyItsBytes: each shard of a stream, read last
// first, gives exactly its rows, dictionary-encoded columns decoded with
// the dictionary in force at its batches (one for all, replaced at every
// batch, grown by deltas), and reads nothing but the schema message, the
// dictionary messages it needs and its own batches. A shard without
// offsets (an older plan) reads the same rows from the start of the file.
func TestStreamShardReadsOnlyItsBytes(t *testing.T) {
	const batches, rows = 7, 30
	for _, c := range []struct {
		mode  string
		opts  []ipc.Option
		dicts int // dictionary messages the last shard needs
	}{
		{"none", nil, 0},
		{"same", nil, 1},
		{"replaced", nil, 1},
		{"deltas", []ipc.Option{ipc.WithDictionaryDeltas(true)}, 5},
	} {
		t.Run(c.mode, func(t *testing.T) {
			schema, recs, want := dictStream(t, c.mode, batches, rows)
			path := filepath.Join(t.TempDir(), c.mode+".arrows")
			writeStream(t, path, schema, recs, c.opts...)
			// Two batches a shard: the last shard has one.
			ds := mustScan(t, []string{path}, Options{ShardRows: 2 * rows})
			d := len(ds.Columns)
			if len(ds.Shards) != 4 || d != len(schema.Fields()) {
				t.Fatalf("%d shards, columns %v", len(ds.Shards), ds.Columns)
			}
			if got := len(ds.Shards[2].DictOffsets); got != c.dicts {
				t.Errorf("shard 2 needs %d dictionary messages, want %d", got, c.dicts)
			}
			reads := logStreamReads(t)
			for _, s := range slices.Backward(ds.Shards) {
				if s.ByteStart <= 0 || s.ByteEnd <= s.ByteStart {
					t.Fatalf("shard %d without its byte range: %+v", s.ID, s)
				}
				for _, offsets := range []bool{true, false} {
					if !offsets {
						s.ByteStart, s.ByteEnd, s.DictOffsets = 0, 0, nil
					}
					b, err := ReadShard(s, ds.Columns, "", NullsError)
					if err != nil {
						t.Fatalf("shard %d (offsets %v): %v", s.ID, offsets, err)
					}
					lo, hi := int(s.RowOffset)*d, int(s.RowOffset+s.Rows)*d
					if !slices.Equal(b.Data, want[lo:hi]) {
						t.Fatalf("shard %d (offsets %v) = %v, want %v", s.ID, offsets, b.Data, want[lo:hi])
					}
					var outside [][2]int64
					for _, r := range reads() {
						if !within(r, allowedReads(t, path, ds.Shards[s.ID])) {
							outside = append(outside, r)
						}
					}
					if offsets && len(outside) > 0 {
						t.Errorf("shard %d read bytes %v, outside its messages %v", s.ID, outside, allowedReads(t, path, ds.Shards[s.ID]))
					}
					if !offsets && s.ID > 0 && len(outside) == 0 {
						t.Errorf("shard %d without offsets read no earlier batch: the check cannot tell", s.ID)
					}
				}
			}
		})
	}
}

// TestStreamShardChangedFile: a stream cut short or rewritten after Scan
// is ErrCorrupt naming the file, whichever bytes the plan points to.
func TestStreamShardChangedFile(t *testing.T) {
	schema, recs, _ := dictStream(t, "replaced", 5, 20)
	for _, c := range []struct {
		name   string
		change func(t *testing.T, path string, s *Shard)
		want   string
	}{
		{"cut inside the shard", func(t *testing.T, path string, s *Shard) {
			if err := os.Truncate(path, (s.ByteStart+s.ByteEnd)/2); err != nil {
				t.Fatal(err)
			}
		}, "scan the file again"},
		{"cut before the shard", func(t *testing.T, path string, s *Shard) {
			if err := os.Truncate(path, s.ByteStart-1); err != nil {
				t.Fatal(err)
			}
		}, "scan the file again"},
		{"cut inside the schema", func(t *testing.T, path string, s *Shard) {
			if err := os.Truncate(path, 6); err != nil {
				t.Fatal(err)
			}
		}, "scan the file again"},
		{"dictionary offset on a batch", func(t *testing.T, path string, s *Shard) {
			s.DictOffsets = []int64{s.ByteStart}
		}, "not a dictionary"},
		{"dictionary offset inside a message", func(t *testing.T, path string, s *Shard) {
			s.DictOffsets = []int64{s.DictOffsets[0] + 8}
		}, "is not a dictionary"},
		{"dictionary missing", func(t *testing.T, path string, s *Shard) {
			s.DictOffsets = nil
		}, "dictionaries"},
		{"range off a message boundary", func(t *testing.T, path string, s *Shard) {
			s.ByteStart++
		}, "record batch"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.arrows")
			writeStream(t, path, schema, recs)
			ds := mustScan(t, []string{path}, Options{ShardRows: 20})
			s := ds.Shards[len(ds.Shards)-1]
			c.change(t, path, &s)
			_, err := ReadShard(s, ds.Columns, "", NullsError)
			wantErr(t, err, ErrCorrupt, path, c.want)
		})
	}
}

// TestSegmentReaderShortFile: a range the file no longer holds whole is
// io.ErrUnexpectedEOF, not the start of the next range.
func TestSegmentReaderShortFile(t *testing.T) {
	data := []byte("0123456789")
	for _, c := range []struct {
		segs [][2]int64
		want string
		err  error
	}{
		{[][2]int64{{0, 2}, {5, 7}}, "0156", nil},
		{[][2]int64{{0, 2}, {8, 12}, {0, 1}}, "0189", io.ErrUnexpectedEOF},
		{[][2]int64{{3, 3}, {9, 10}}, "9", nil},
	} {
		got, err := io.ReadAll(&segmentReader{ra: bytes.NewReader(data), segs: slices.Clone(c.segs)})
		if string(got) != c.want || !errors.Is(err, c.err) {
			t.Errorf("%v: read %q, %v; want %q, %v", c.segs, got, err, c.want, c.err)
		}
	}
}

// TestPlanShardsByteRanges: a shard's byte range runs from its first
// unit's start to its last unit's end with the first unit's dictionaries;
// a unit without a range leaves its shard without one.
func TestPlanShardsByteRanges(t *testing.T) {
	u := func(i, start, end int64, dicts ...int64) unit {
		return unit{first: i, last: i + 1, rows: 5, start: start, end: end, dicts: dicts}
	}
	type r struct {
		start, end int64
		dicts      []int64
	}
	for _, c := range []struct {
		name  string
		units []unit
		want  []r
	}{
		{"two units a shard", []unit{u(0, 100, 200, 50), u(1, 260, 300, 210), u(2, 300, 400, 210)},
			[]r{{100, 300, []int64{50}}, {300, 400, []int64{210}}}},
		{"a unit without offsets", []unit{u(0, 100, 200), u(1, 0, 0), u(2, 300, 400)},
			[]r{{0, 0, nil}, {300, 400, nil}}},
		{"no offsets at all", []unit{{first: 0, last: 1, rows: 5}}, []r{{0, 0, nil}}},
	} {
		got := planShards("f.arrows", FormatArrowStream, c.units, 10, 0, 0)
		var gs []r
		for _, s := range got {
			gs = append(gs, r{s.ByteStart, s.ByteEnd, s.DictOffsets})
		}
		if fmt.Sprint(gs) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, gs, c.want)
		}
	}
}

// TestDictTracker: a batch needs, per dictionary id, the last replacing
// message and the deltas since, in stream order; past maxShardDicts
// messages batches go without offsets until a replacement.
func TestDictTracker(t *testing.T) {
	tr := newDictTracker()
	at := int64(10)
	dict := func(id int64, delta bool) {
		tr.add(messageInfo{typ: messageHeaderDictionary, dictID: id, delta: delta, offset: at})
		at += 10
	}
	batch := func() unit {
		u := tr.batch(0, messageInfo{typ: messageHeaderRecordBatch, offset: at, end: at + 10})
		at += 10
		return u
	}
	dict(1, false) // 10
	dict(2, false) // 20
	if u := batch(); !slices.Equal(u.dicts, []int64{10, 20}) || u.start != 30 || u.end != 40 {
		t.Fatalf("after two dictionaries: %+v", u)
	}
	dict(1, true)  // 40
	dict(2, false) // 50
	if u := batch(); !slices.Equal(u.dicts, []int64{10, 40, 50}) {
		t.Fatalf("after a delta and a replacement: %+v", u)
	}
	for range maxShardDicts {
		dict(1, true)
	}
	if u := batch(); u.end != 0 || u.dicts != nil {
		t.Fatalf("after %d deltas the batch keeps offsets: %+v", maxShardDicts, u)
	}
	dict(1, false)
	if u := batch(); len(u.dicts) != 2 || u.end == 0 {
		t.Fatalf("after a replacement: %+v", u)
	}
}

// FuzzStreamOffsets: any bytes read as a stream at any planned offsets
// end in data or an error, never a panic or a hang.
func FuzzStreamOffsets(f *testing.F) {
	for _, s := range ipcSeeds(f) {
		f.Add(s, int64(0), int64(0), int64(-1))
	}
	schema, recs, _ := dictStream(f, "deltas", 3, 4)
	path := filepath.Join(f.TempDir(), "d.arrows")
	writeStream(f, path, schema, recs, ipc.WithDictionaryDeltas(true))
	data, _ := os.ReadFile(path)
	ds, err := Scan([]string{path}, Options{ShardRows: 1})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range ds.Shards {
		f.Add(data, s.ByteStart, s.ByteEnd, s.DictOffsets[len(s.DictOffsets)-1])
	}
	f.Fuzz(func(t *testing.T, data []byte, start, end, dict int64) {
		p := filepath.Join(t.TempDir(), "f.arrows")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		span := streamSpan{first: 0, last: 4, start: start, end: end}
		if dict >= 0 {
			span.dicts = []int64{dict}
		}
		withTimeout(t, 10*time.Second, "stream", func() {
			_, _ = readArrowStream(p, nil, span, memory.DefaultAllocator, func(int, []arrow.Array) error { return nil })
		})
	})
}

// BenchmarkReadShardStream reads every shard of a 2²⁰ × 32 stream, one
// batch each, with the planned byte offsets and without (each shard read
// from the start of the stream, as older plans do): linear against
// quadratic I/O. file-bytes/op counts the bytes read from the file.
func BenchmarkReadShardStream(b *testing.B) {
	for _, batch := range []int{65536, 8192} {
		path := filepath.Join(b.TempDir(), "bench.arrows")
		if _, err := GenerateBlobs(path, BlobsConfig{N: benchRows, D: 32, K: 10, Seed: 1, BatchRows: batch}); err != nil {
			b.Fatal(err)
		}
		ds, err := Scan([]string{path}, Options{Exclude: []string{"label"}, ShardRows: batch})
		if err != nil || len(ds.Shards) != benchRows/batch {
			b.Fatalf("%v, %d shards", err, len(ds.Shards))
		}
		for _, offsets := range []bool{true, false} {
			name := fmt.Sprintf("arrows-%dshards-offsets", len(ds.Shards))
			if !offsets {
				name = fmt.Sprintf("arrows-%dshards-sequential", len(ds.Shards))
			}
			b.Run(name, func(b *testing.B) {
				reads := logStreamReads(b)
				var read int64
				b.SetBytes(benchRows * 32 * 4)
				for b.Loop() {
					for _, s := range ds.Shards {
						if !offsets {
							s.ByteStart, s.ByteEnd, s.DictOffsets = 0, 0, nil
						}
						blk, err := ReadShard(s, ds.Columns, "", NullsError)
						if err != nil || int64(blk.Len()) != s.Rows {
							b.Fatal(err)
						}
						for _, r := range reads() {
							read += r[1] - r[0]
						}
					}
				}
				b.ReportMetric(float64(read)/float64(b.N), "file-bytes/op")
			})
		}
	}
}
