package partition

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Parquet is read with arrow-go's own reader (file + pqarrow): the footer
// gives row groups and their row counts, and a shard's row groups are
// decoded column by column in parallel into Arrow arrays that are copied
// into the Block. Only top-level columns are visible; a nested column is
// listed but never numeric.

// openParquet opens path and wraps it for Arrow conversion. memoryMap
// trades a page-cache copy for faster column chunk reads when decoding.
func openParquet(path string, memoryMap bool, mem memory.Allocator) (*file.Reader, *pqarrow.FileReader, error) {
	pf, err := file.OpenParquetFile(path, memoryMap)
	if err != nil {
		return nil, nil, openError(path, err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{Parallel: true}, mem)
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
func readParquet(path string, names []string, first, last int64, mem memory.Allocator, fn chunkFunc) (int, error) {
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
	leaves := make([]int, len(names))
	for j, name := range names {
		if err := numericColumn(path, cols, name); err != nil {
			return 0, err
		}
		for i, c := range cols {
			if c.name == name {
				leaves[j] = fr.Manifest.Fields[i].ColIndex
			}
		}
	}
	groups := make([]int, 0, last-first)
	for g := first; g < last; g++ {
		groups = append(groups, int(g))
	}
	tbl, err := fr.ReadRowGroups(context.Background(), leaves, groups)
	if err != nil {
		return 0, corrupt(path, "", err)
	}
	defer tbl.Release()
	if int(tbl.NumCols()) != len(names) {
		return 0, fmt.Errorf("%w: %s: read %d columns, asked for %d", ErrCorrupt, path, tbl.NumCols(), len(names))
	}
	rows := 0
	for j := range names {
		at := 0
		for _, chunk := range tbl.Column(j).Data().Chunks() {
			if err := fn(j, at, chunk); err != nil {
				return 0, err
			}
			at += chunk.Len()
		}
		if j == 0 {
			rows = at
		} else if at != rows {
			return 0, fmt.Errorf("%w: %s: column %q has %d rows, column %q has %d", ErrCorrupt, path, names[j], at, names[0], rows)
		}
	}
	return rows, nil
}

func readParquetShard(s Shard, f *filler, mem memory.Allocator) (int, error) {
	return readParquet(s.File, f.names, s.First, s.Last, mem, f.fillArrow)
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
