package partition

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Arrow IPC files are read through a copy-on-write memory mapping with
// arrow-go's ipc.NewMappedFileReader: record batches are located through
// the footer and their buffers are slices of the mapping, so counting the
// rows of every batch at Scan time reads only batch headers. Streams have
// no footer and are read in order; Scan reads their message headers,
// passes over the bodies and records where each batch lies, and a shard's
// read starts at its own batches (arrowstream.go). Metadata is checked
// before arrow-go sees it (ipcguard.go).

// batchFunc receives rows [at, at+n) of every requested column: cols[j]
// holds column j, and all have the same length n.
type batchFunc func(at int, cols []arrow.Array) error

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
//
// Decompression allocates through a budgetAllocator for the same reason.
func ipcOptions(size int64, mem memory.Allocator) []ipc.Option {
	return []ipc.Option{
		ipc.WithAllocator(newBudget(mem, size)),
		ipc.WithBodySizeLimit(max(size, 1)),
		ipc.WithMetadataSizeLimit(max(min(size, 64<<20), 1)),
	}
}

// arrowColumns lists a schema's top-level fields.
func arrowColumns(schema *arrow.Schema) []column {
	cols := make([]column, schema.NumFields())
	for i, f := range schema.Fields() {
		cols[i] = column{name: f.Name, typ: f.Type.String(), numeric: isNumericType(f.Type)}
	}
	return cols
}

// fieldIndices finds the requested numeric columns in schema.
func fieldIndices(path string, schema *arrow.Schema, names []string) ([]int, error) {
	cols := arrowColumns(schema)
	idx := make([]int, len(names))
	for j, name := range names {
		if err := readableColumn(path, cols, name); err != nil {
			return nil, err
		}
		idx[j] = schema.FieldIndices(name)[0]
	}
	return idx, nil
}

// withMappedFile opens path as an Arrow IPC file over a memory mapping
// (read through arrow-go's plain file reader when it has dictionaries, see
// ipcFileHasDictionaries),
// checks the metadata of the footer, the dictionaries and the record
// batches [first,last) (all when last < 0), and calls fn with the reader
// and the row counts the checked batches' headers state. Everything fn
// builds on the mapping must be released before it returns.
func withMappedFile(path string, first, last int64, mem memory.Allocator, fn func(r *ipc.FileReader, rows []int64) error) error {
	if isRemote(path) {
		return withObjectFile(path, first, last, mem, fn)
	}
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
	// Everything below reads the mapping in place, batches included, so
	// it runs under guardFaults: a file cut short meanwhile is an error,
	// not a fault (guard.go). Goroutines that fn starts guard themselves.
	return guardFaults(path, func() error {
		rows, err := checkIPCFile(data, first, last)
		if err != nil {
			return corrupt(path, "", err)
		}
		dicts, err := ipcFileHasDictionaries(mappedBytes(data))
		if err != nil {
			return corrupt(path, "", err)
		}
		var r *ipc.FileReader
		if dicts {
			r, err = ipc.NewFileReader(bytes.NewReader(data), ipcOptions(int64(len(data)), mem)...)
		} else {
			r, err = ipc.NewMappedFileReader(data, ipcOptions(int64(len(data)), mem)...)
		}
		if err != nil {
			return corrupt(path, "", err)
		}
		defer r.Close()
		return fn(r, rows)
	})
}

// withObjectFile is withMappedFile for an object: the footer and the
// headers checked are read piece by piece, and arrow-go's file reader
// reads the batches fn asks for, each with its own ranged requests.
func withObjectFile(path string, first, last int64, mem memory.Allocator, fn func(r *ipc.FileReader, rows []int64) error) error {
	o, err := openRemote(path)
	if err != nil {
		return err
	}
	defer o.Close()
	rows, err := checkIPCSource(readerBytes{o, o.Size()}, first, last)
	if err != nil {
		return corrupt(path, "", err)
	}
	r, err := ipc.NewFileReader(o, ipcOptions(o.Size(), mem)...)
	if err != nil {
		return corrupt(path, "", err)
	}
	defer r.Close()
	return fn(r, rows)
}

// probeArrowFile takes batch row counts from the batch headers the footer
// points to: no batch is decoded (nor decompressed).
func probeArrowFile(path string) (*fileInfo, error) {
	info := &fileInfo{}
	err := withMappedFile(path, 0, -1, memory.DefaultAllocator, func(r *ipc.FileReader, rows []int64) error {
		info.columns = arrowColumns(r.Schema())
		if len(rows) != r.NumRecords() {
			return fmt.Errorf("%w: %s: %d record batch headers for %d batches", ErrCorrupt, path, len(rows), r.NumRecords())
		}
		for i, n := range rows {
			info.units = append(info.units, unit{first: int64(i), last: int64(i + 1), rows: n})
		}
		return nil
	})
	return info, err
}

// readArrowFile hands fn the named columns of batches [first,last), or of
// all batches when last < 0.
func readArrowFile(path string, names []string, first, last int64, mem memory.Allocator, fn batchFunc) (int, error) {
	rows := 0
	err := withMappedFile(path, first, last, mem, func(r *ipc.FileReader, _ []int64) error {
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
			err = visitBatch(path, rec, idx, rows, mem, fn)
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
// Dictionary-encoded columns reach fn decoded, as plain arrays allocated
// from mem and released when fn returns.
func visitBatch(path string, rec arrow.RecordBatch, idx []int, at int, mem memory.Allocator, fn batchFunc) error {
	n := rec.NumRows()
	cols := make([]arrow.Array, len(idx))
	for j, c := range idx {
		if c >= int(rec.NumCols()) {
			return fmt.Errorf("%w: %s: record batch has %d columns, schema more", ErrCorrupt, path, rec.NumCols())
		}
		col, decoded, err := decodeDictionary(path, rec.ColumnName(c), rec.Column(c), mem)
		if err != nil {
			return err
		}
		if decoded {
			defer col.Release()
		}
		cols[j] = col
		if int64(col.Len()) != n {
			return fmt.Errorf("%w: %s: column %q has %d rows in a batch of %d", ErrCorrupt, path, rec.ColumnName(c), col.Len(), n)
		}
	}
	return fn(at, cols)
}

func readArrowFileShard(s Shard, f *filler, mem memory.Allocator) (int, error) {
	return readArrowFile(s.File, f.names, s.First, s.Last, mem, f.fillBatch)
}

// withStream opens path as an Arrow IPC stream positioned for span, and
// calls fn with the reader and the message source under it: the next
// record batch fn reads is span.first. A span with byte offsets is read
// at them (arrowstream.go); one without is read from the start, the
// batches before span.first passed over.
func withStream(path string, span streamSpan, mem memory.Allocator, fn func(r *ipc.Reader, msgs *streamMessages) error) error {
	var (
		ra   io.ReaderAt
		size int64
	)
	if isRemote(path) {
		o, err := openRemote(path)
		if err != nil {
			return err
		}
		defer o.Close()
		ra, size = o, o.Size()
	} else {
		f, err := os.Open(path)
		if err != nil {
			return openError(path, err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return openError(path, err)
		}
		ra, size = f, st.Size()
	}
	if wrapStream != nil {
		ra = wrapStream(ra)
	}
	segs, err := span.segments(ra, size)
	if err != nil {
		return corrupt(path, fmt.Sprintf("record batch %d", span.first), err)
	}
	skip := span.first
	if span.located() {
		skip = 0
	}
	// The messages are read and checked here, decoded by arrow-go.
	msgs := newStreamMessages(bufio.NewReaderSize(&segmentReader{ra: ra, segs: segs}, 1<<20), size, skip)
	r, err := ipc.NewReaderFromMessageReader(msgs, ipcOptions(size, mem)...)
	if err != nil {
		return corrupt(path, "", err)
	}
	defer r.Release()
	return fn(r, msgs)
}

// probeArrowStream reads the schema with arrow-go, then only the headers
// of the following messages, passing over their bodies: the row counts
// come from the record batch headers, and each batch's unit records where
// its message lies and the dictionary messages it needs.
func probeArrowStream(path string) (*fileInfo, error) {
	info := &fileInfo{}
	err := withStream(path, wholeStream, memory.DefaultAllocator, func(r *ipc.Reader, msgs *streamMessages) error {
		info.columns = arrowColumns(r.Schema())
		dicts := newDictTracker()
		for i := int64(0); ; {
			m, err := msgs.skipMessage()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return corrupt(path, fmt.Sprintf("record batch %d", i), err)
			}
			switch m.typ {
			case messageHeaderRecordBatch:
				info.units = append(info.units, dicts.batch(i, m))
				i++
			case messageHeaderDictionary:
				dicts.add(m)
			}
		}
	})
	return info, err
}

// readArrowStream hands fn the named columns of the batches of span.
func readArrowStream(path string, names []string, span streamSpan, mem memory.Allocator, fn batchFunc) (int, error) {
	rows := 0
	first, last := span.first, span.last
	err := withStream(path, span, mem, func(r *ipc.Reader, _ *streamMessages) error {
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
			if err := visitBatch(path, rec, idx, rows, mem, fn); err != nil {
				return err
			}
			rows += int(rec.NumRows())
		}
		return nil
	})
	return rows, err
}

func readArrowStreamShard(s Shard, f *filler, mem memory.Allocator) (int, error) {
	return readArrowStream(s.File, f.names, spanOf(s), mem, f.fillBatch)
}
