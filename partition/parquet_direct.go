package partition

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Plain numeric columns are decoded by arrow-go's typed column chunk
// readers straight into buffers that are reused from one row group to the
// next, and handed to the filler as Arrow arrays over those buffers,
// without a copy. pqarrow instead builds fresh Arrow buffers, zeroed, for
// every column chunk: on the 1M × 32 bench file that fresh memory cost as
// much as the decoding (BenchmarkReadShard). A row group whose columns
// are of other types, or hold nulls, goes through pqarrow as before.

// directBuffers is one column's decoding space.
type directBuffers struct {
	f32  []float32
	f64  []float64
	i32  []int32
	i64  []int64
	defs []int16
}

var directPool = sync.Pool{New: func() any { return new(directBuffers) }}

// directType is the Arrow type a column is read as directly, or false
// when it cannot be: only top-level float32, float64, int32 and int64
// columns stored as the matching Parquet physical type, unannotated or
// annotated as themselves.
func directType(pf *file.Reader, fr *pqarrow.FileReader, field int) (arrow.DataType, bool) {
	f := fr.Manifest.Fields[field]
	if !f.IsLeaf() {
		return nil, false
	}
	col := pf.MetaData().Schema.Column(f.ColIndex)
	if col.MaxRepetitionLevel() != 0 {
		return nil, false
	}
	phys := col.PhysicalType()
	switch f.Field.Type.ID() {
	case arrow.FLOAT32:
		return arrow.PrimitiveTypes.Float32, phys == parquet.Types.Float
	case arrow.FLOAT64:
		return arrow.PrimitiveTypes.Float64, phys == parquet.Types.Double
	case arrow.INT32:
		return arrow.PrimitiveTypes.Int32, phys == parquet.Types.Int32
	case arrow.INT64:
		return arrow.PrimitiveTypes.Int64, phys == parquet.Types.Int64
	}
	return nil, false
}

// readParquetGroupDirect decodes the fields of row group g (eachColumn)
// and calls fn with them.
// It reports ok=false, having called nothing, when a column holds nulls:
// the caller then reads the group through pqarrow. Where the column chunk
// statistics count nulls it says so before decoding anything; only
// chunks without statistics are found out by decoding.
func readParquetGroupDirect(pf *file.Reader, fr *pqarrow.FileReader, path string, names []string, fields []int, types []arrow.DataType, g int, fn func(cols []arrow.Array) error) (ok bool, err error) {
	rg := pf.RowGroup(g)
	for _, f := range fields {
		if statsCountNulls(rg, fr.Manifest.Fields[f].ColIndex) {
			return false, nil
		}
	}
	n := rg.NumRows()
	bufs := make([]*directBuffers, len(names))
	defer func() {
		for _, b := range bufs {
			if b != nil {
				directPool.Put(b)
			}
		}
	}()
	cols := make([]arrow.Array, len(names))
	nulls := make([]bool, len(names))
	for j := range names {
		bufs[j] = directPool.Get().(*directBuffers)
	}
	errs := eachColumn(len(names), func(j int) (err error) {
		cols[j], nulls[j], err = readDirectColumn(rg, fr.Manifest.Fields[fields[j]].ColIndex, types[j], n, bufs[j])
		return err
	})
	for j, err := range errs {
		if err != nil {
			return false, corrupt(path, fmt.Sprintf("row group %d, column %q", g, names[j]), err)
		}
	}
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for _, null := range nulls {
		if null {
			return false, nil
		}
	}
	return true, fn(cols)
}

// statsCountNulls reports whether the statistics of column chunk leaf of
// rg say that it holds a null. Missing or unreadable statistics say
// nothing (false).
func statsCountNulls(rg *file.RowGroupReader, leaf int) bool {
	cc, err := rg.MetaData().ColumnChunk(leaf)
	if err != nil {
		return false
	}
	st, err := cc.Statistics()
	return err == nil && st != nil && st.HasNullCount() && st.NullCount() > 0
}

// eachColumn calls fn(j) for every column j < n on at most GOMAXPROCS
// goroutines, which take the columns in turn, and returns each column's
// error; a panic in fn becomes that column's error (the goroutines are
// ours, so that a malformed column chunk cannot end the process). A
// goroutine a column grew its stack again through arrow-go's deep
// readers, a copy paid 32 times a shard of 32 columns.
func eachColumn(n int, fn func(j int) error) []error {
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := int(next.Add(1) - 1); j < n; j = int(next.Add(1) - 1) {
				func() {
					defer func() {
						if r := recover(); r != nil {
							errs[j] = fmt.Errorf("%v", r)
						}
					}()
					errs[j] = fn(j)
				}()
			}
		}()
	}
	wg.Wait()
	return errs
}

// readDirectColumn reads the n values of one column chunk into b and
// returns them as an array over b's memory, or null=true when some value
// is null.
func readDirectColumn(rg *file.RowGroupReader, leaf int, typ arrow.DataType, n int64, b *directBuffers) (arr arrow.Array, null bool, err error) {
	cr, err := rg.Column(leaf)
	if err != nil {
		return nil, false, err
	}
	if c, ok := cr.(interface{ Close() error }); ok {
		defer c.Close() // releases the page buffers to the allocator
	}
	b.defs = growDirect(b.defs, n)
	var values []byte
	var read int64
	switch typ.ID() {
	case arrow.FLOAT32:
		values, read, err = readValues(&b.f32, b.defs, n, cr.(*file.Float32ColumnChunkReader).ReadBatch)
	case arrow.FLOAT64:
		values, read, err = readValues(&b.f64, b.defs, n, cr.(*file.Float64ColumnChunkReader).ReadBatch)
	case arrow.INT32:
		values, read, err = readValues(&b.i32, b.defs, n, cr.(*file.Int32ColumnChunkReader).ReadBatch)
	case arrow.INT64:
		values, read, err = readValues(&b.i64, b.defs, n, cr.(*file.Int64ColumnChunkReader).ReadBatch)
	default:
		return nil, false, fmt.Errorf("no direct reader for %s", typ)
	}
	if err != nil {
		return nil, false, err
	}
	if read < n {
		return nil, true, nil
	}
	data := array.NewData(typ, int(n), []*memory.Buffer{nil, memory.NewBufferBytes(values)}, nil, 0, 0)
	defer data.Release()
	return array.MakeFromData(data), false, nil
}

// readValues reads the n values of a column chunk into *buf, grown as
// needed, with readBatch, the typed reader's ReadBatch. It returns them as
// bytes and how many values came: fewer than n when some are null.
func readValues[T float32 | float64 | int32 | int64](buf *[]T, defs []int16, n int64,
	readBatch func(int64, []T, []int16, []int16) (int64, int, error)) ([]byte, int64, error) {
	*buf = growDirect(*buf, n)
	v := *buf
	read, err := readAll(n, func(at int64) (int64, int, error) { return readBatch(n-at, v[at:], defs[at:], nil) })
	if err != nil {
		return nil, 0, err
	}
	return arrow.GetBytes(v), read, nil
}

// readAll calls batch until n levels are read and returns how many values
// came with them: fewer than n when some are null. Running out of levels
// early means the chunk holds fewer rows than its row group claims.
func readAll(n int64, batch func(at int64) (levels int64, values int, err error)) (int64, error) {
	var at, values int64
	for at < n {
		levels, v, err := batch(at)
		if err != nil {
			return 0, err
		}
		if levels == 0 {
			return 0, fmt.Errorf("column chunk ends after %d of %d rows", at, n)
		}
		at += levels
		values += int64(v)
		if values < at {
			return values, nil // a null: the caller falls back
		}
	}
	return values, nil
}

// growDirect returns s with length n, reusing its memory when it is large
// enough.
func growDirect[T any](s []T, n int64) []T {
	if int64(cap(s)) >= n {
		return s[:n]
	}
	return make([]T, n)
}
