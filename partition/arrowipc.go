package partition

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Arrow IPC files are read through a read-only memory mapping with
// arrow-go's ipc.NewMappedFileReader: record batches are located through
// the footer and their buffers are slices of the mapping, so counting the
// rows of every batch at Scan time reads only batch headers (compressed
// batches are the exception: their buffers are decompressed). Streams have
// no footer and are read in order; batches before a shard are skipped at the
// message level, their bodies read but not decoded.

// chunkFunc receives rows [at, at+arr.Len()) of the j-th requested column.
type chunkFunc func(j, at int, arr arrow.Array) error

// openError classifies an error from opening a file.
func openError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	return corrupt(path, "", err)
}

// ipcOptions bounds what a reader will allocate by the file's size: a
// batch body cannot be longer than the file holding it, and a larger claim
// is a corrupt header, not a reason to allocate. It also lifts arrow-go's
// default 256 MiB limit on a batch, which a valid large file can exceed.
func ipcOptions(size int64, mem memory.Allocator) []ipc.Option {
	return []ipc.Option{ipc.WithAllocator(mem), ipc.WithBodySizeLimit(max(size, 1)), ipc.WithMetadataSizeLimit(max(min(size, 64<<20), 1))}
}

// arrowColumns lists a schema's top-level fields.
func arrowColumns(schema *arrow.Schema) []column {
	cols := make([]column, schema.NumFields())
	for i, f := range schema.Fields() {
		cols[i] = column{name: f.Name, typ: f.Type.String(), numeric: isNumeric(f.Type)}
	}
	return cols
}

// fieldIndices finds the requested numeric columns in schema.
func fieldIndices(path string, schema *arrow.Schema, names []string) ([]int, error) {
	cols := arrowColumns(schema)
	idx := make([]int, len(names))
	for j, name := range names {
		if err := numericColumn(path, cols, name); err != nil {
			return nil, err
		}
		idx[j] = schema.FieldIndices(name)[0]
	}
	return idx, nil
}

// withMappedFile opens path as an Arrow IPC file over a memory mapping and
// calls fn with the reader; everything fn builds on the mapping must be
// released before it returns.
func withMappedFile(path string, mem memory.Allocator, fn func(r *ipc.FileReader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return openError(path, err)
	}
	defer f.Close()
	data, unmap, err := mapFile(f)
	if err != nil {
		return corrupt(path, "", err)
	}
	defer unmap()
	r, err := ipc.NewMappedFileReader(data, ipcOptions(int64(len(data)), mem)...)
	if err != nil {
		return corrupt(path, "", err)
	}
	defer r.Close()
	return fn(r)
}

func probeArrowFile(path string) (*fileInfo, error) {
	info := &fileInfo{}
	err := withMappedFile(path, memory.DefaultAllocator, func(r *ipc.FileReader) error {
		info.columns = arrowColumns(r.Schema())
		for i := range r.NumRecords() {
			rec, err := r.RecordBatchAt(i)
			if err != nil {
				return corrupt(path, fmt.Sprintf("record batch %d", i), err)
			}
			info.units = append(info.units, unit{first: int64(i), last: int64(i + 1), rows: rec.NumRows()})
			rec.Release()
		}
		return nil
	})
	return info, err
}

// readArrowFile hands fn the named columns of batches [first,last), or of
// all batches when last < 0.
func readArrowFile(path string, names []string, first, last int64, mem memory.Allocator, fn chunkFunc) (int, error) {
	rows := 0
	err := withMappedFile(path, mem, func(r *ipc.FileReader) error {
		if last < 0 {
			first, last = 0, int64(r.NumRecords())
		}
		if last > int64(r.NumRecords()) {
			return fmt.Errorf("%w: %s: record batches [%d,%d) planned but the file has %d", ErrCorrupt, path, first, last, r.NumRecords())
		}
		idx, err := fieldIndices(path, r.Schema(), names)
		if err != nil {
			return err
		}
		for i := first; i < last; i++ {
			rec, err := r.RecordBatchAt(int(i))
			if err != nil {
				return corrupt(path, fmt.Sprintf("record batch %d", i), err)
			}
			err = visitBatch(path, rec, idx, rows, fn)
			rows += int(rec.NumRows())
			rec.Release()
			if err != nil {
				return err
			}
		}
		return nil
	})
	return rows, err
}

// visitBatch hands fn the columns idx of rec, whose first row is row at.
func visitBatch(path string, rec arrow.RecordBatch, idx []int, at int, fn chunkFunc) error {
	n := rec.NumRows()
	for j, c := range idx {
		if c >= int(rec.NumCols()) {
			return fmt.Errorf("%w: %s: record batch has %d columns, schema more", ErrCorrupt, path, rec.NumCols())
		}
		col := rec.Column(c)
		if int64(col.Len()) != n {
			return fmt.Errorf("%w: %s: column %q has %d rows in a batch of %d", ErrCorrupt, path, rec.ColumnName(c), col.Len(), n)
		}
		if err := fn(j, at, col); err != nil {
			return err
		}
	}
	return nil
}

func readArrowFileShard(s Shard, f *filler, mem memory.Allocator) (int, error) {
	return readArrowFile(s.File, f.names, s.First, s.Last, mem, f.fillArrow)
}

// skipBatches passes a stream's messages through, except the first n
// record batches: the stream reader then never decodes them, while schema
// and dictionary messages still reach it.
type skipBatches struct {
	ipc.MessageReader
	n int64
}

func (s *skipBatches) Message() (*ipc.Message, error) {
	for {
		msg, err := s.MessageReader.Message()
		if err != nil || s.n == 0 || msg.Type() != ipc.MessageRecordBatch {
			return msg, err
		}
		s.n--
	}
}

// withStream opens path as an Arrow IPC stream whose first skip record
// batches are passed over, and calls fn with the reader.
func withStream(path string, skip int64, mem memory.Allocator, fn func(r *ipc.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return openError(path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return openError(path, err)
	}
	opts := ipcOptions(st.Size(), mem)
	msgs := &skipBatches{MessageReader: ipc.NewMessageReader(bufio.NewReaderSize(f, 1<<20), opts...), n: skip}
	r, err := ipc.NewReaderFromMessageReader(msgs, opts...)
	if err != nil {
		return corrupt(path, "", err)
	}
	defer r.Release()
	return fn(r)
}

func probeArrowStream(path string) (*fileInfo, error) {
	info := &fileInfo{}
	err := withStream(path, 0, memory.DefaultAllocator, func(r *ipc.Reader) error {
		info.columns = arrowColumns(r.Schema())
		for i := int64(0); r.Next(); i++ {
			info.units = append(info.units, unit{first: i, last: i + 1, rows: r.RecordBatch().NumRows()})
		}
		if err := r.Err(); err != nil && !errors.Is(err, io.EOF) {
			return corrupt(path, fmt.Sprintf("record batch %d", len(info.units)), err)
		}
		return nil
	})
	return info, err
}

// readArrowStream hands fn the named columns of batches [first,last), or of
// all batches when last < 0.
func readArrowStream(path string, names []string, first, last int64, mem memory.Allocator, fn chunkFunc) (int, error) {
	rows := 0
	err := withStream(path, first, mem, func(r *ipc.Reader) error {
		idx, err := fieldIndices(path, r.Schema(), names)
		if err != nil {
			return err
		}
		for i := first; last < 0 || i < last; i++ {
			if !r.Next() {
				if last < 0 && r.Err() == nil {
					return nil
				}
				if err := r.Err(); err != nil {
					return corrupt(path, fmt.Sprintf("record batch %d", i), err)
				}
				return fmt.Errorf("%w: %s: stream ends at record batch %d, before the planned %d", ErrCorrupt, path, i, last)
			}
			rec := r.RecordBatch()
			if err := visitBatch(path, rec, idx, rows, fn); err != nil {
				return err
			}
			rows += int(rec.NumRows())
		}
		return nil
	})
	return rows, err
}

func readArrowStreamShard(s Shard, f *filler, mem memory.Allocator) (int, error) {
	return readArrowStream(s.File, f.names, s.First, s.Last, mem, f.fillArrow)
}
