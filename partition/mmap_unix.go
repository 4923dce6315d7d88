//go:build unix

package partition

import (
	"fmt"
	"os"
	"syscall"
)

// mapFile maps f copy-on-write. The Arrow IPC file reader then slices record
// batch buffers out of the mapping instead of copying them, so Scan touches
// only the pages holding batch headers. The caller must release every Arrow
// array built on the mapping before calling unmap.
func mapFile(f *os.File) (data []byte, unmap func() error, err error) {
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := st.Size()
	if size == 0 {
		return nil, func() error { return nil }, nil
	}
	if size != int64(int(size)) || size < 0 {
		return nil, nil, fmt.Errorf("file of %d bytes is too large to map", size)
	}
	// Private and writable: arrow-go swaps the bytes of a big-endian file
	// in place, and a read-only mapping would fault on that write. Pages
	// written are copied; the file never changes.
	data, err = syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil, err
	}
	if afterOpen != nil {
		afterOpen(f.Name())
	}
	return data, func() error { return syscall.Munmap(data) }, nil
}
