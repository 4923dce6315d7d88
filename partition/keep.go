package partition

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
)

// KeepColumn is an input column copied, with its Arrow type, into the
// labels beside row, cluster and distance (--keep), so that the labels
// join back to the input on a key.
type KeepColumn struct {
	// Name is the column's name in the input and in the labels.
	Name string `json:"name"`
	// Partition is the type ("int64", "float64" or "string", see
	// PartitionColumn) of a column that key=value directories give; ""
	// for a column of the files.
	Partition string `json:"partition,omitempty"`
}

// labelColumns are the labels' own columns, which a kept column may not
// be named.
var labelColumns = []string{"row", "cluster", "distance"}

// KeepColumns resolves names against the dataset: each must be a
// partition column or a top-level column of every file's first one
// (checked here for the first file; a worker names any other file that
// lacks it). Columns of CSV files are refused: the labels keep Arrow
// types, which a CSV file does not have.
func KeepColumns(ds *Dataset, names []string) ([]KeepColumn, error) {
	if len(names) == 0 {
		return nil, nil
	}
	out := make([]KeepColumn, 0, len(names))
	var cols []column
	for i, name := range names {
		if name == "" {
			return nil, fmt.Errorf("%w: --keep: empty column name", ErrInvalidOptions)
		}
		if slices.Contains(labelColumns, name) {
			return nil, fmt.Errorf("%w: --keep %s: the labels have their own %q column; rename the input column", ErrInvalidOptions, name, name)
		}
		if slices.Contains(names[:i], name) {
			return nil, fmt.Errorf("%w: --keep names %q twice", ErrInvalidOptions, name)
		}
		if j := slices.IndexFunc(ds.Partitions, func(p PartitionColumn) bool { return p.Name == name }); j >= 0 {
			out = append(out, KeepColumn{Name: name, Partition: ds.Partitions[j].Type})
			continue
		}
		if len(ds.Files) == 0 {
			return nil, fmt.Errorf("%w: --keep %s: no input file", ErrNoSuchColumn, name)
		}
		first := ds.Files[0]
		if cols == nil {
			format, err := FormatFromPath(first)
			if err != nil {
				return nil, err
			}
			if format == FormatCSV {
				return nil, fmt.Errorf("%w: --keep %s: %s is CSV; --keep copies columns of Parquet and Arrow files (convert the input, or keep only partition columns)",
					ErrInvalidOptions, name, first)
			}
			info, err := probe(first, format, 0, CSVOptions{})
			if err != nil {
				return nil, err
			}
			cols = info.columns
		}
		if _, err := findColumn(first, cols, name); err != nil {
			return nil, fmt.Errorf("--keep: %w", err)
		}
		out = append(out, KeepColumn{Name: name})
	}
	return out, nil
}

// ReadKept reads the kept columns of shard s for the rows whose global
// indices are rows (ascending, within the shard: the rows a label pass
// labelled, which under NullsDrop skip the dropped ones). Each array has
// len(rows) values; the caller releases them. Partition columns come
// from s.File's key=value directories, typed as keep says.
func ReadKept(s Shard, keep []KeepColumn, rows []int64, mem memory.Allocator) (_ []arrow.Array, err error) {
	for i, r := range rows {
		if r < s.RowOffset || r >= s.RowOffset+s.Rows || (i > 0 && r <= rows[i-1]) {
			return nil, fmt.Errorf("%w: %s: row %d is not an ascending row of shard %d [%d,%d)", ErrInvalidArgument, s.File, r, s.ID, s.RowOffset, s.RowOffset+s.Rows)
		}
	}
	out := make([]arrow.Array, len(keep))
	defer func() {
		if err != nil {
			for _, a := range out {
				if a != nil {
					a.Release()
				}
			}
		}
	}()
	var names []string
	for _, k := range keep {
		if k.Partition == "" {
			names = append(names, k.Name)
		}
	}
	var full []arrow.Array
	if len(names) > 0 {
		if full, err = readShardColumns(s, names, mem); err != nil {
			return nil, err
		}
		defer func() {
			for _, a := range full {
				a.Release()
			}
		}()
	}
	parts := pathPartition(s.File)
	j := 0
	for i, k := range keep {
		if k.Partition != "" {
			pv, ok := parts[k.Name]
			if !ok {
				return nil, fmt.Errorf("%w: %s: no %s=... directory in the path", ErrNoSuchColumn, s.File, k.Name)
			}
			if out[i], err = partitionArray(s.File, k, pv, len(rows), mem); err != nil {
				return nil, err
			}
			continue
		}
		if out[i], err = takeRows(full[j], rows, s.RowOffset, mem); err != nil {
			return nil, fmt.Errorf("%w: %s: column %q: %v", ErrInvalidArgument, s.File, k.Name, err)
		}
		j++
	}
	return out, nil
}

// readShardColumns reads the named top-level columns of every row of
// shard s, any type, each as one array the caller releases.
func readShardColumns(s Shard, names []string, mem memory.Allocator) (_ []arrow.Array, err error) {
	path := s.File
	if s.Local != "" {
		path = s.Local
	}
	if s.Version != "" && s.Local == "" {
		now, _, err := statInput(path)
		if err != nil {
			return nil, openError(path, err)
		}
		if err := checkVersion(s, now); err != nil {
			return nil, err
		}
	}
	defer recoverCorrupt(path, &err)
	chunks := make([][]arrow.Array, len(names))
	defer func() {
		for _, cs := range chunks {
			for _, c := range cs {
				c.Release()
			}
		}
	}()
	collect := func(rec arrow.RecordBatch) error {
		schema := rec.Schema()
		for j, name := range names {
			idx := schema.FieldIndices(name)
			switch {
			case len(idx) == 0:
				return fmt.Errorf("%w: %s: column %q (available: %s)", ErrNoSuchColumn, s.File, name, describeColumns(arrowColumns(schema)))
			case len(idx) > 1:
				return fmt.Errorf("%w: %s: column %q", ErrAmbiguousColumn, s.File, name)
			}
			// A copy: the batch may live on a mapping released after it.
			c, err := array.Concatenate([]arrow.Array{rec.Column(idx[0])}, mem)
			if err != nil {
				return corrupt(s.File, fmt.Sprintf("column %q", name), err)
			}
			chunks[j] = append(chunks[j], c)
		}
		return nil
	}
	switch s.Format {
	case FormatParquet:
		err = readParquetRecords(path, s, names, mem, collect)
	case FormatArrowFile:
		err = withMappedFile(path, s.First, s.Last, mem, func(r *ipc.FileReader, _ []int64) error {
			if s.Last > int64(r.NumRecords()) {
				return fmt.Errorf("%w: %s: record batches [%d,%d) planned but the file has %d", ErrCorrupt, s.File, s.First, s.Last, r.NumRecords())
			}
			for i := s.First; i < s.Last; i++ {
				rec, err := r.RecordBatchAt(int(i))
				if err != nil {
					return corrupt(s.File, fmt.Sprintf("record batch %d", i), err)
				}
				err = collect(rec)
				rec.Release()
				if err != nil {
					return err
				}
			}
			return nil
		})
	case FormatArrowStream:
		err = withStream(path, spanOf(s), mem, func(r *ipc.Reader, _ *streamMessages) error {
			for i := s.First; i < s.Last; i++ {
				if !r.Next() {
					if err := r.Err(); err != nil {
						return corrupt(s.File, fmt.Sprintf("record batch %d", i), err)
					}
					return fmt.Errorf("%w: %s: stream ends at record batch %d, before the planned %d", ErrCorrupt, s.File, i, s.Last)
				}
				if err := collect(r.RecordBatch()); err != nil {
					return err
				}
			}
			return nil
		})
	default:
		err = fmt.Errorf("%w: %s: --keep copies columns of Parquet and Arrow files, not %v", ErrInvalidOptions, s.File, s.Format)
	}
	if err != nil {
		return nil, err
	}
	out := make([]arrow.Array, len(names))
	for j, cs := range chunks {
		var a arrow.Array
		if len(cs) == 1 {
			a = cs[0]
			a.Retain()
		} else if a, err = array.Concatenate(cs, mem); err != nil {
			for _, b := range out[:j] {
				b.Release()
			}
			return nil, corrupt(s.File, fmt.Sprintf("column %q", names[j]), err)
		}
		if int64(a.Len()) != s.Rows {
			a.Release()
			for _, b := range out[:j] {
				b.Release()
			}
			return nil, fmt.Errorf("%w: %s: column %q has %d rows in shard %d, planned %d", ErrCorrupt, s.File, names[j], a.Len(), s.ID, s.Rows)
		}
		out[j] = a
	}
	return out, nil
}

// readParquetRecords reads the named columns of row groups
// [s.First,s.Last), one group at a time, as record batches.
func readParquetRecords(path string, s Shard, names []string, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	pf, fr, err := openParquet(path, false, mem)
	if err != nil {
		return err
	}
	defer pf.Close()
	if s.Last > int64(pf.NumRowGroups()) {
		return fmt.Errorf("%w: %s: row groups [%d,%d) planned but the file has %d", ErrCorrupt, s.File, s.First, s.Last, pf.NumRowGroups())
	}
	cols := parquetColumns(fr)
	var leaves []int
	for _, name := range names {
		if _, err := findColumn(s.File, cols, name); err != nil {
			return err
		}
		f := fr.Manifest.Fields[slices.IndexFunc(cols, func(c column) bool { return c.name == name })]
		if !f.IsLeaf() {
			return fmt.Errorf("%w: %s: column %q is nested (%s); --keep copies flat columns", ErrInvalidOptions, s.File, name, f.Field.Type)
		}
		leaves = append(leaves, f.ColIndex)
	}
	for g := s.First; g < s.Last; g++ {
		tbl, err := fr.ReadRowGroups(context.Background(), leaves, []int{int(g)})
		if err != nil {
			return corrupt(s.File, fmt.Sprintf("row group %d", g), err)
		}
		tr := array.NewTableReader(tbl, tbl.NumRows()+1)
		for tr.Next() {
			if err = fn(tr.RecordBatch()); err != nil {
				break
			}
		}
		if err == nil {
			if e := tr.Err(); e != nil {
				err = corrupt(s.File, fmt.Sprintf("row group %d", g), e)
			}
		}
		tr.Release()
		tbl.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// takeRows returns the values of a (a whole shard's column, whose first
// row is global row offset) at the global rows, which ascend.
func takeRows(a arrow.Array, rows []int64, offset int64, mem memory.Allocator) (arrow.Array, error) {
	if len(rows) == a.Len() {
		// Ascending and within the shard: every row, in order.
		a.Retain()
		return a, nil
	}
	var runs []arrow.Array
	defer func() {
		for _, r := range runs {
			r.Release()
		}
	}()
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j] == rows[j-1]+1 {
			j++
		}
		runs = append(runs, array.NewSlice(a, rows[i]-offset, rows[j-1]-offset+1))
		i = j
	}
	if len(runs) == 0 {
		return array.MakeArrayOfNull(mem, a.DataType(), 0), nil
	}
	return array.Concatenate(runs, mem)
}

// partitionArray is n copies of a partition value, typed as k says.
func partitionArray(path string, k KeepColumn, pv PartitionValue, n int, mem memory.Allocator) (arrow.Array, error) {
	var sc scalar.Scalar
	switch k.Partition {
	case "int64":
		sc = scalar.MakeNullScalar(arrow.PrimitiveTypes.Int64)
		if !pv.Null {
			v, err := strconv.ParseInt(pv.Value, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: partition column %q: %q is not an int64", ErrInvalidPartition, path, k.Name, pv.Value)
			}
			sc = scalar.NewInt64Scalar(v)
		}
	case "float64":
		sc = scalar.MakeNullScalar(arrow.PrimitiveTypes.Float64)
		if !pv.Null {
			v, err := strconv.ParseFloat(pv.Value, 64)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: partition column %q: %q is not a float64", ErrInvalidPartition, path, k.Name, pv.Value)
			}
			sc = scalar.NewFloat64Scalar(v)
		}
	case "string":
		sc = scalar.MakeNullScalar(arrow.BinaryTypes.String)
		if !pv.Null {
			sc = scalar.NewStringScalar(pv.Value)
		}
	default:
		return nil, fmt.Errorf("%w: partition column %q of type %q", ErrInvalidArgument, k.Name, k.Partition)
	}
	a, err := scalar.MakeArrayFromScalar(sc, n, mem)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: partition column %q: %v", ErrInvalidArgument, path, k.Name, err)
	}
	return a, nil
}

// WriteLabelsPart writes one part of a labels dataset to path (Parquet):
// columns row, cluster and distance, then the kept columns (names[i]
// holding keep[i], each with len(rows) values). Like every writer here it
// writes a temporary file and renames it into place.
func WriteLabelsPart(path string, rows []int64, cluster []int32, distance []float64, names []string, keep []arrow.Array) error {
	if len(cluster) != len(rows) || len(distance) != len(rows) || len(names) != len(keep) {
		return fmt.Errorf("%w: %s: %d rows, %d clusters, %d distances, %d kept names for %d columns",
			ErrInvalidArgument, path, len(rows), len(cluster), len(distance), len(names), len(keep))
	}
	fields := slices.Clone(labelsSchema.Fields())
	for i, a := range keep {
		if a.Len() != len(rows) {
			return fmt.Errorf("%w: %s: kept column %q has %d values for %d rows", ErrInvalidArgument, path, names[i], a.Len(), len(rows))
		}
		fields = append(fields, arrow.Field{Name: names[i], Type: a.DataType(), Nullable: true})
	}
	if format, err := FormatFromPath(path); err != nil || format != FormatParquet {
		return fmt.Errorf("%w: %s: a labels part is a .parquet file", ErrInvalidArgument, path)
	}
	schema := arrow.NewSchema(fields, nil)
	tw, err := createTable(path, schema, labelsTable)
	if err != nil {
		return err
	}
	for start := 0; start < len(rows); start += tableBatchRows {
		end := min(start+tableBatchRows, len(rows))
		cols := []arrow.Array{
			primitiveArray(arrow.PrimitiveTypes.Int64, arrow.Int64Traits.CastToBytes(rows[start:end]), end-start),
			primitiveArray(arrow.PrimitiveTypes.Int32, arrow.Int32Traits.CastToBytes(cluster[start:end]), end-start),
			primitiveArray(arrow.PrimitiveTypes.Float64, arrow.Float64Traits.CastToBytes(distance[start:end]), end-start),
		}
		for _, a := range keep {
			cols = append(cols, array.NewSlice(a, int64(start), int64(end)))
		}
		rec := array.NewRecordBatch(schema, cols, int64(end-start))
		for _, c := range cols {
			c.Release()
		}
		err := tw.write(rec)
		rec.Release()
		if err != nil {
			tw.abort()
			return err
		}
	}
	return tw.commit()
}

// primitiveArray wraps the bytes of n fixed-width values, without nulls,
// as an array of type t (no copy).
func primitiveArray(t arrow.DataType, b []byte, n int) arrow.Array {
	data := array.NewData(t, n, []*memory.Buffer{nil, memory.NewBufferBytes(b)}, nil, 0, 0)
	defer data.Release()
	return array.MakeFromData(data)
}
