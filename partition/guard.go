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
// under debug.SetPanicOnFault: guardFaults wraps the reads made in place
// (Arrow IPC metadata checks, record batches sliced out of the mapping,
// and the goroutines of fillBatch that copy them into a block). A fault
// becomes errChanged naming the file; readShard also compares the file's
// size and modification time before and after a read, so a file rewritten
// under a reader that did not fault is refused too.

// afterOpen, when set, is called by mapFile (Arrow IPC) and openFile
// (Parquet) with the file's name once it is mapped or open: a test
// truncates the file there, between the opening and the reads.
var afterOpen func(path string)

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
// errChanged, or a read that a truncation cut short (fileReader).
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

// fileReader reads a Parquet file with pread: the kernel copies each
// range from the page cache into arrow-go's buffer. It used to read a
// mapping, which costs a page fault per 64 KiB the first time each range
// is read; on virtual machines, where a fault takes microseconds, that
// made reading a shard take half again as long as with pread. A read
// that ends before the size the file had when opened means the file was
// cut short while it was read: errChanged, naming it.
type fileReader struct {
	f    *os.File
	path string
	size int64
	pos  int64
}

// openFile opens path for reading through a fileReader.
func openFile(path string) (*fileReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if afterOpen != nil {
		afterOpen(path)
	}
	return &fileReader{f: f, path: path, size: st.Size()}, nil
}

func (r *fileReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("partition: %s: read at negative offset %d", r.path, off)
	}
	n, err := r.f.ReadAt(p, off)
	if err == io.EOF && off+int64(n) < r.size {
		return n, &changedError{errChanged(r.path)}
	}
	return n, err
}

func (r *fileReader) Read(p []byte) (int, error) {
	n, err := r.ReadAt(p, r.pos)
	r.pos += int64(n)
	return n, err
}

func (r *fileReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.pos
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, fmt.Errorf("partition: %s: seek whence %d", r.path, whence)
	}
	if offset < 0 {
		return 0, fmt.Errorf("partition: %s: seek to negative offset %d", r.path, offset)
	}
	r.pos = offset
	return offset, nil
}

// Close closes the file; the reader must not be used after it.
func (r *fileReader) Close() error { return r.f.Close() }

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
