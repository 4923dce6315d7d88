package partition

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Parquet is read with arrow-go's own reader (file + pqarrow): the footer
// gives row groups and their row counts, and a shard's row groups are
// decoded column by column, in parallel, into Arrow arrays that are copied
// into the Block; plain numeric columns without nulls skip pqarrow (see
// parquet_direct.go). Column chunks are read through a buffered stream
// rather than whole into fresh memory. Only top-level columns are
// visible; a nested column is listed but never numeric.

// openParquet opens path and wraps it for Arrow conversion. decode, for
// reading column chunks rather than metadata, reads through a fileReader
// (guard.go).
func openParquet(path string, decode bool, mem memory.Allocator) (*file.Reader, *pqarrow.FileReader, error) {
	pages := mem
	if mem == memory.DefaultAllocator {
		pages = pageAllocator // see pool.go; tests pass their own to check for leaks
	}
	props := parquet.NewReaderProperties(pages)
	props.BufferedStreamEnabled = true
	opts := []file.ReadOption{file.WithReadProps(props)}
	var md *metadata.FileMetaData
	// Decoding reads the file through a fileReader (guard.go), never
	// through arrow-go's own mapping, which would fault where a
	// truncation took the pages away.
	var src parquet.ReaderAtSeeker
	switch {
	case isRemote(path):
		o, err := openRemote(path)
		if err != nil {
			return nil, nil, err
		}
		// Each read is a request: a column chunk is read whole, in one,
		// rather than through a small buffer in many.
		props.BufferedStreamEnabled = false
		src, md = o, objectFooter(o, path)
	case decode:
		m, err := openFile(path)
		if err != nil {
			return nil, nil, openError(path, err)
		}
		src = m
	default:
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, openError(path, err)
		}
		src = f
	}
	if !isRemote(path) {
		md = cachedFooter(path)
	}
	if md != nil {
		opts = append(opts, file.WithMetadata(md))
	}
	pf, err := file.NewParquetReader(src, opts...)
	if err != nil {
		_ = src.(io.Closer).Close()
		if isChanged(err) {
			return nil, nil, errChanged(path)
		}
		return nil, nil, openError(path, err)
	}
	if err := checkStoredArrowSchema(pf.MetaData().KeyValueMetadata().FindValue("ARROW:schema")); err != nil {
		pf.Close()
		return nil, nil, corrupt(path, "", err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		pf.Close()
		return nil, nil, corrupt(path, "", err)
	}
	return pf, fr, nil
}

// parquetColumns lists the file's top-level columns with their Arrow types.
func parquetColumns(fr *pqarrow.FileReader) []column {
	cols := make([]column, len(fr.Manifest.Fields))
	for i, f := range fr.Manifest.Fields {
		cols[i] = column{name: f.Field.Name, typ: f.Field.Type.String(), numeric: f.IsLeaf() && isNumeric(f.Field.Type)}
	}
	return cols
}

func probeParquet(path string) (*fileInfo, error) {
	pf, fr, err := openParquet(path, false, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	info := &fileInfo{columns: parquetColumns(fr)}
	md := pf.MetaData()
	for i := range pf.NumRowGroups() {
		rows := md.RowGroup(i).NumRows()
		if rows < 0 {
			return nil, fmt.Errorf("%w: %s: row group %d has %d rows", ErrCorrupt, path, i, rows)
		}
		info.units = append(info.units, unit{first: int64(i), last: int64(i + 1), rows: rows})
	}
	return info, nil
}

// readParquet decodes the named columns of row groups [first,last) (all of
// them when last < 0) and hands each column's chunks to fn in row order. It
// returns the number of rows.
//
// Columns are decoded in parallel on at most GOMAXPROCS goroutines
// (eachColumn). The goroutines are ours rather than pqarrow's
// (ArrowReadProperties.Parallel) so that a panic on a malformed column
// chunk is recovered here: pqarrow does not recover panics in all of its
// goroutines, and an unrecovered one ends the process.
func readParquet(path string, names []string, first, last int64, mem memory.Allocator, fn batchFunc) (int, error) {
	pf, fr, err := openParquet(path, true, mem)
	if err != nil {
		return 0, err
	}
	defer pf.Close()
	if last < 0 {
		first, last = 0, int64(pf.NumRowGroups())
	}
	if last > int64(pf.NumRowGroups()) {
		return 0, fmt.Errorf("%w: %s: row groups [%d,%d) planned but the file has %d", ErrCorrupt, path, first, last, pf.NumRowGroups())
	}
	cols := parquetColumns(fr)
	fields := make([]int, len(names))
	for j, name := range names {
		if err := readableColumn(path, cols, name); err != nil {
			return 0, err
		}
		for i, c := range cols {
			if c.name == name {
				fields[j] = i
			}
		}
	}
	groups := make([]int, 0, last-first)
	var claimed int64
	for g := first; g < last; g++ {
		groups = append(groups, int(g))
		claimed += pf.MetaData().RowGroup(int(g)).NumRows()
	}
	if claimed < 0 || claimed > maxShardValues/int64(len(names)) {
		return 0, fmt.Errorf("%w: %s: row groups [%d,%d) claim %d rows, more than one read may hold", ErrCorrupt, path, first, last, claimed)
	}

	// One row group at a time: the decoded Arrow columns of a group are
	// copied out and released before the next is decoded, so a read holds
	// the block plus one group, not the block plus the whole shard.
	types := make([]arrow.DataType, len(names))
	direct := true
	for j := range names {
		var ok bool
		types[j], ok = directType(pf, fr, fields[j])
		direct = direct && ok
	}
	rows := 0
	for _, g := range groups {
		if direct {
			done, err := readParquetGroupDirect(pf, fr, path, names, fields, types, g, func(cols []arrow.Array) error {
				if err := fn(rows, cols); err != nil {
					return err
				}
				rows += cols[0].Len()
				return nil
			})
			if err != nil {
				return 0, err
			}
			if done {
				continue
			}
		}
		chunks, err := readParquetGroup(fr, path, names, fields, g)
		if err == nil {
			var n int
			n, err = visitChunks(path, names, chunks, func(at int, cols []arrow.Array) error { return fn(rows+at, cols) })
			rows += n
		}
		for _, c := range chunks {
			if c != nil {
				c.Release()
			}
		}
		if err != nil {
			return 0, err
		}
	}
	return rows, nil
}

// readParquetGroup decodes the fields of one row group (eachColumn).
func readParquetGroup(fr *pqarrow.FileReader, path string, names []string, fields []int, group int) ([]*arrow.Chunked, error) {
	chunks := make([]*arrow.Chunked, len(names))
	groups := []int{group}
	errs := eachColumn(len(names), func(j int) (err error) {
		leaf := fr.Manifest.Fields[fields[j]].ColIndex
		rdr, err := fr.GetFieldReader(context.Background(), fields[j], map[int]bool{leaf: true}, groups)
		if err != nil {
			return err
		}
		defer rdr.Release()
		chunks[j], err = fr.ReadColumn(groups, rdr)
		return err
	})
	for j, err := range errs {
		if err != nil {
			return chunks, corrupt(path, fmt.Sprintf("row group %d, column %q", group, names[j]), err)
		}
	}
	return chunks, nil
}

// visitChunks hands fn the columns in runs of rows where every column's
// current chunk still has data: pqarrow's chunks need not line up across
// columns.
func visitChunks(path string, names []string, chunks []*arrow.Chunked, fn batchFunc) (int, error) {
	total := chunks[0].Len()
	for j, c := range chunks {
		if c.Len() != total {
			return 0, fmt.Errorf("%w: %s: column %q has %d rows, column %q has %d", ErrCorrupt, path, names[j], c.Len(), names[0], total)
		}
	}
	cur := make([]int, len(chunks)) // chunk index per column
	off := make([]int, len(chunks)) // rows of that chunk already visited
	seg := make([]arrow.Array, len(chunks))
	var slices []arrow.Array
	release := func() {
		for _, a := range slices {
			a.Release()
		}
		slices = slices[:0]
	}
	defer release()
	for at := 0; at < total; {
		n := total - at
		for j, c := range chunks {
			for off[j] == c.Chunk(cur[j]).Len() {
				cur[j]++
				off[j] = 0
			}
			n = min(n, c.Chunk(cur[j]).Len()-off[j])
		}
		for j, c := range chunks {
			if ch := c.Chunk(cur[j]); off[j] == 0 && n == ch.Len() {
				seg[j] = ch
			} else {
				seg[j] = array.NewSlice(ch, int64(off[j]), int64(off[j]+n))
				slices = append(slices, seg[j])
			}
			off[j] += n
		}
		if err := fn(at, seg); err != nil {
			return 0, err
		}
		release()
		at += n
	}
	return total, nil
}

func readParquetShard(s Shard, f *filler, mem memory.Allocator) (int, error) {
	return readParquet(s.File, f.names, s.First, s.Last, mem, f.fillBatch)
}

// isNumeric reports whether a column of type t can be a feature.
func isNumeric(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.FLOAT32, arrow.FLOAT64,
		arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}
