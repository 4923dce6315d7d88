package partition

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/shoal-io/shoal/internal/atomicfile"
)

// tableBatchRows is the rows per record batch, row group or CSV chunk that
// WriteTable and the labels writer produce: the same 65536 as
// defaultShardRows, so a file they write shards one batch per shard.
const tableBatchRows = 65536

// WriteTable writes a table to path, format by extension: float32 columns
// names (data is n×len(names), row-major) followed by int32 columns
// intNames (ints[c] holds n values). It is how tests and `shoal gen` write
// datasets; like every writer here it writes a temporary file and renames
// it into place, so an interrupted run leaves no file that looks complete.
func WriteTable(path string, names []string, data []float32, n int, intNames []string, ints [][]int32) error {
	if n < 0 || len(data) != n*len(names) {
		return fmt.Errorf("%w: %s: %d values for %d rows of %d float columns", ErrInvalidArgument, path, len(data), n, len(names))
	}
	if len(ints) != len(intNames) {
		return fmt.Errorf("%w: %s: %d int columns for %d names", ErrInvalidArgument, path, len(ints), len(intNames))
	}
	for c, col := range ints {
		if len(col) != n {
			return fmt.Errorf("%w: %s: int column %q has %d values for %d rows", ErrInvalidArgument, path, intNames[c], len(col), n)
		}
	}
	if len(names)+len(intNames) == 0 {
		return fmt.Errorf("%w: %s: no columns", ErrInvalidArgument, path)
	}
	fields := make([]arrow.Field, 0, len(names)+len(intNames))
	for _, name := range names {
		fields = append(fields, arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float32})
	}
	for _, name := range intNames {
		fields = append(fields, arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int32})
	}
	if err := validateColumnNames(append(append([]string(nil), names...), intNames...), ""); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalidArgument, path, err)
	}
	tw, err := createTable(path, arrow.NewSchema(fields, nil), dataTable)
	if err != nil {
		return err
	}
	d := len(names)
	col := make([]float32, min(n, tableBatchRows))
	for start := 0; start < n; start += tableBatchRows {
		rows := min(tableBatchRows, n-start)
		b := array.NewRecordBuilder(memory.DefaultAllocator, tw.schema)
		for j := range d {
			for i := range rows {
				col[i] = data[(start+i)*d+j]
			}
			b.Field(j).(*array.Float32Builder).AppendValues(col[:rows], nil)
		}
		for c, vals := range ints {
			b.Field(d+c).(*array.Int32Builder).AppendValues(vals[start:start+rows], nil)
		}
		rec := b.NewRecordBatch()
		b.Release()
		err := tw.write(rec)
		rec.Release()
		if err != nil {
			tw.abort()
			return err
		}
	}
	return tw.commit()
}

// tableWriter writes record batches of one schema to a temporary file that
// commit renames into place.
type tableWriter struct {
	path   string
	schema *arrow.Schema
	tmp    *atomicfile.File
	buf    *bufio.Writer
	sink   sink
}

// sink encodes record batches in one format onto a writer.
type sink interface {
	write(rec arrow.RecordBatch) error
	// finish writes what closes the format (footer, end of stream) and
	// flushes; it does not close the file.
	finish() error
}

// writerOnly hides a writer's Close, so an encoder that closes its sink
// cannot close the file before it is synced and renamed.
type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) { return w.w.Write(p) }

func createTable(path string, schema *arrow.Schema, kind tableKind) (*tableWriter, error) {
	format, err := FormatFromPath(path)
	if err != nil {
		return nil, err
	}
	if csvCodec(path) != codecNone {
		return nil, fmt.Errorf("%w: %s: compressed CSV is read, not written; write .csv or .parquet", ErrUnknownFormat, path)
	}
	tmp, err := atomicfile.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnwritable, err)
	}
	tw := &tableWriter{path: path, schema: schema, tmp: tmp, buf: bufio.NewWriterSize(tmp, 1<<20)}
	w := writerOnly{tw.buf}
	switch format {
	case FormatParquet:
		props := parquetWriterProps(schema, kind)
		var fw *pqarrow.FileWriter
		fw, err = pqarrow.NewFileWriter(schema, w, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		tw.sink = parquetSink{fw}
	case FormatArrowFile:
		var fw *ipc.FileWriter
		fw, err = ipc.NewFileWriter(w, ipc.WithSchema(schema))
		tw.sink = ipcFileSink{fw}
	case FormatArrowStream:
		tw.sink = ipcStreamSink{ipc.NewWriter(w, ipc.WithSchema(schema))}
	case FormatCSV:
		tw.sink, err = newCSVSink(w, schema)
	}
	if err != nil {
		tw.abort()
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidArgument, path, err)
	}
	return tw, nil
}

func (tw *tableWriter) write(rec arrow.RecordBatch) error {
	if err := tw.sink.write(rec); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalidArgument, tw.path, err)
	}
	return nil
}

// finish finishes the format and flushes it to the temporary file, which
// the caller commits (alone or with other files) or aborts.
func (tw *tableWriter) finish() (*atomicfile.File, error) {
	err := tw.sink.finish()
	if err == nil {
		err = tw.buf.Flush()
	}
	if err != nil {
		tw.abort()
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidArgument, tw.path, err)
	}
	return tw.tmp, nil
}

// commit finishes the format, syncs the temporary file and renames it to
// the final path. On failure the temporary is removed.
func (tw *tableWriter) commit() error {
	f, err := tw.finish()
	if err != nil {
		return err
	}
	if err := atomicfile.Commit(f); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	return nil
}

// abort closes and removes the temporary file.
func (tw *tableWriter) abort() { tw.tmp.Abort() }

type parquetSink struct{ w *pqarrow.FileWriter }

func (s parquetSink) write(rec arrow.RecordBatch) error { return s.w.Write(rec) }
func (s parquetSink) finish() error                     { return s.w.Close() }

type ipcFileSink struct{ w *ipc.FileWriter }

func (s ipcFileSink) write(rec arrow.RecordBatch) error { return s.w.Write(rec) }
func (s ipcFileSink) finish() error                     { return s.w.Close() }

type ipcStreamSink struct{ w *ipc.Writer }

func (s ipcStreamSink) write(rec arrow.RecordBatch) error { return s.w.Write(rec) }
func (s ipcStreamSink) finish() error                     { return s.w.Close() }

// csvSink writes a header line and one line per row. Floats use the
// shortest text that reads back to the same value at their own width, so
// a float32 column round-trips exactly; nulls are empty fields.
type csvSink struct {
	w    io.Writer
	line []byte
}

func newCSVSink(w io.Writer, schema *arrow.Schema) (*csvSink, error) {
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		switch f.Type.ID() {
		case arrow.FLOAT32, arrow.FLOAT64, arrow.INT32, arrow.INT64:
		default:
			return nil, fmt.Errorf("csv output of %s column %q is not supported", f.Type, f.Name)
		}
		names[i] = f.Name
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(names); err != nil {
		return nil, err
	}
	cw.Flush()
	return &csvSink{w: w}, cw.Error()
}

func (s *csvSink) write(rec arrow.RecordBatch) error {
	cols := rec.Columns()
	for i := range int(rec.NumRows()) {
		b := s.line[:0]
		for j, col := range cols {
			if j > 0 {
				b = append(b, ',')
			}
			if col.IsNull(i) {
				continue
			}
			switch a := col.(type) {
			case *array.Float32:
				b = strconv.AppendFloat(b, float64(a.Value(i)), 'g', -1, 32)
			case *array.Float64:
				b = strconv.AppendFloat(b, a.Value(i), 'g', -1, 64)
			case *array.Int32:
				b = strconv.AppendInt(b, int64(a.Value(i)), 10)
			case *array.Int64:
				b = strconv.AppendInt(b, a.Value(i), 10)
			}
		}
		b = append(b, '\n')
		s.line = b
		if _, err := s.w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func (s *csvSink) finish() error { return nil }
