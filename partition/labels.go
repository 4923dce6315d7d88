package partition

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/shoal-io/shoal/internal/atomicfile"
)

// LabelsWriter writes a labels file: one line per labelled row with columns
// row (int64, the global row index), cluster (int32) and distance (float64,
// to the row's medoid or centre), in the format the path's extension names.
// It writes a temporary file in the same directory and renames it on Close,
// so a failed run leaves no file that looks complete; Abort removes the
// temporary. Creating it fails at once when the directory cannot be
// written. A LabelsWriter is not safe for concurrent use.
type LabelsWriter interface {
	// Write appends rows; the three slices must have the same length.
	Write(rows []int64, cluster []int32, distance []float64) error
	// Close finishes the file and moves it into place.
	Close() error
	// Finish finishes the file without moving it into place: the caller
	// commits it with atomicfile.Commit, together with other outputs, or
	// aborts it.
	Finish() (*atomicfile.File, error)
	// Abort discards everything written. It is safe after Close (and then
	// does nothing) and may be deferred.
	Abort()
}

// labelsSchema is the labels file's contract with tools outside shoal
// (see DESIGN.md).
var labelsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "row", Type: arrow.PrimitiveTypes.Int64},
	{Name: "cluster", Type: arrow.PrimitiveTypes.Int32},
	{Name: "distance", Type: arrow.PrimitiveTypes.Float64},
}, nil)

// CreateLabels starts a labels file at path (.parquet, .arrow, .arrows or
// .csv and their aliases).
func CreateLabels(path string) (LabelsWriter, error) {
	tw, err := createTable(path, labelsSchema, labelsTable)
	if err != nil {
		return nil, err
	}
	return &labelsWriter{tw: tw, b: array.NewRecordBuilder(memory.DefaultAllocator, labelsSchema)}, nil
}

// labelsWriter buffers rows into batches of tableBatchRows, whatever the
// sizes of the Write calls, so the file has neither tiny row groups nor
// one huge one.
type labelsWriter struct {
	tw      *tableWriter
	b       *array.RecordBuilder
	pending int
	done    bool
}

func (w *labelsWriter) Write(rows []int64, cluster []int32, distance []float64) error {
	if w.done {
		return fmt.Errorf("%w: %s", ErrClosed, w.tw.path)
	}
	if len(cluster) != len(rows) || len(distance) != len(rows) {
		return fmt.Errorf("%w: %s: %d rows, %d clusters, %d distances", ErrInvalidArgument, w.tw.path, len(rows), len(cluster), len(distance))
	}
	for len(rows) > 0 {
		if w.pending == 0 && len(rows) >= tableBatchRows {
			// A whole batch: encoded straight from the caller's
			// slices, without a copy into the builder.
			if err := w.writeBatch(rows[:tableBatchRows], cluster[:tableBatchRows], distance[:tableBatchRows]); err != nil {
				return err
			}
			rows, cluster, distance = rows[tableBatchRows:], cluster[tableBatchRows:], distance[tableBatchRows:]
			continue
		}
		n := min(len(rows), tableBatchRows-w.pending)
		w.b.Field(0).(*array.Int64Builder).AppendValues(rows[:n], nil)
		w.b.Field(1).(*array.Int32Builder).AppendValues(cluster[:n], nil)
		w.b.Field(2).(*array.Float64Builder).AppendValues(distance[:n], nil)
		w.pending += n
		rows, cluster, distance = rows[n:], cluster[n:], distance[n:]
		if w.pending == tableBatchRows {
			if err := w.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeBatch writes one batch of rows from the slices themselves, which
// the encoder has done with when it returns.
func (w *labelsWriter) writeBatch(rows []int64, cluster []int32, distance []float64) error {
	n := len(rows)
	cols := []arrow.Array{
		primitiveArray(arrow.PrimitiveTypes.Int64, arrow.Int64Traits.CastToBytes(rows), n),
		primitiveArray(arrow.PrimitiveTypes.Int32, arrow.Int32Traits.CastToBytes(cluster), n),
		primitiveArray(arrow.PrimitiveTypes.Float64, arrow.Float64Traits.CastToBytes(distance), n),
	}
	rec := array.NewRecordBatch(labelsSchema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	defer rec.Release()
	return w.tw.write(rec)
}

func (w *labelsWriter) flush() error {
	if w.pending == 0 {
		return nil
	}
	rec := w.b.NewRecordBatch()
	defer rec.Release()
	w.pending = 0
	return w.tw.write(rec)
}

func (w *labelsWriter) Close() error {
	if w.done {
		return fmt.Errorf("%w: %s", ErrClosed, w.tw.path)
	}
	err := w.flush()
	w.done = true
	w.b.Release()
	if err != nil {
		w.tw.abort()
		return err
	}
	return w.tw.commit()
}

func (w *labelsWriter) Finish() (*atomicfile.File, error) {
	if w.done {
		return nil, fmt.Errorf("%w: %s", ErrClosed, w.tw.path)
	}
	err := w.flush()
	w.done = true
	w.b.Release()
	if err != nil {
		w.tw.abort()
		return nil, err
	}
	return w.tw.finish()
}

func (w *labelsWriter) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.b.Release()
	w.tw.abort()
}
