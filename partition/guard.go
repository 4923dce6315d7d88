package partition

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"
)

// A file is mapped, or read, while something else may rewrite or truncate
// it. Reading a mapping past the file's new end is a fault (SIGBUS) that
// ends the process wherever it happens, so every read of mapped bytes runs
// under debug.SetPanicOnFault: mappedReader copies out of the mapping
// under it (Parquet), and guardFaults wraps the reads made in place
// (Arrow IPC metadata checks, record batches sliced out of the mapping,
// and the goroutines of fillBatch that copy them into a block). A fault
// becomes errChanged naming the file; readShard also compares the file's
// size and modification time before and after a read, so a file rewritten
// under a reader that did not fault is refused too.

// afterMap, when set, is called by mapFile with the file's name once it is
// mapped: a test truncates the file there, between the mapping and the
// reads.
var afterMap func(path string)

// beforeRead, when set, is called by readShard with the file's name after
// it took the file's size and modification time and before it reads: a
// test changes the file there.
var beforeRead func(path string)

// errChanged is the error for a file that changed or was truncated while
// it was read.
func errChanged(path string) error {
	return fmt.Errorf("%w: %s: the file changed or was truncated while it was read; read it again once it is complete", ErrCorrupt, path)
}

// isChanged reports whether err is a fault that guardFaults turned into
// errChanged.
func isChanged(err error) bool {
	var c *changedError
	return errors.As(err, &c)
}

// changedError carries errChanged through arrow-go, which wraps or
// stringifies what a reader returns.
type changedError struct{ err error }

func (e *changedError) Error() string { return e.err.Error() }
func (e *changedError) Unwrap() error { return e.err }

// guardFaults runs fn with memory faults in this goroutine turned into
// errChanged for path. Only faults are recovered: any other panic goes on.
func guardFaults(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if !isFault(r) {
				panic(r)
			}
			err = &changedError{errChanged(path)}
		}
	}()
	return fn()
}

// isFault reports whether a recovered value is a memory fault, which
// runtime errors for faults say by having an address.
func isFault(r any) bool {
	_, ok := r.(interface{ Addr() uintptr })
	return ok
}

// mappedReader reads a mapped file by copying out of the mapping, a fault
// included: what it returns is the reader's own memory, which a truncation
// cannot take away. It is an io.ReaderAt, io.Reader and io.Seeker for
// arrow-go's Parquet and Arrow IPC file readers.
type mappedReader struct {
	data  []byte
	path  string
	pos   int64
	close func() error
}

// openMapped maps path for reading through a mappedReader.
func openMapped(path string) (*mappedReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	data, unmap, err := mapFile(f)
	f.Close() // the mapping stays valid without the descriptor
	if err != nil {
		return nil, err
	}
	return &mappedReader{data: data, path: path, close: unmap}, nil
}

func (m *mappedReader) ReadAt(p []byte, off int64) (n int, err error) {
	if off < 0 {
		return 0, fmt.Errorf("partition: %s: read at negative offset %d", m.path, off)
	}
	if off >= int64(len(m.data)) {
		return 0, io.EOF
	}
	err = guardFaults(m.path, func() error {
		n = copy(p, m.data[off:])
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m *mappedReader) Read(p []byte) (int, error) {
	n, err := m.ReadAt(p, m.pos)
	m.pos += int64(n)
	return n, err
}

func (m *mappedReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += m.pos
	case io.SeekEnd:
		offset += int64(len(m.data))
	default:
		return 0, fmt.Errorf("partition: %s: seek whence %d", m.path, whence)
	}
	if offset < 0 {
		return 0, fmt.Errorf("partition: %s: seek to negative offset %d", m.path, offset)
	}
	m.pos = offset
	return offset, nil
}

// Close unmaps the file; the reader must not be used after it.
func (m *mappedReader) Close() error {
	if m.close == nil {
		return nil
	}
	err := m.close()
	m.close, m.data = nil, nil
	return err
}

// fileState is what tells that a file changed between two looks at it.
type fileState struct {
	size  int64
	mtime time.Time
	tag   string // an object's entity tag
}

func stateOf(st os.FileInfo) fileState { return fileState{size: st.Size(), mtime: st.ModTime()} }

// unchangedSince returns errChanged for path when its size or
// modification time is no longer before's.
func unchangedSince(path string, before fileState) error {
	now, _, err := statInput(path)
	if err != nil || now != before {
		return errChanged(path)
	}
	return nil
}
