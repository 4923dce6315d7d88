//go:build !unix

package partition

import (
	"io"
	"os"
)

// mapFile reads f into memory where mmap is not available: correct, but it
// costs a full read of the file where the mapping costs none.
func mapFile(f *os.File) (data []byte, unmap func() error, err error) {
	data, err = io.ReadAll(f)
	if err != nil {
		return nil, nil, err
	}
	if afterOpen != nil {
		afterOpen(f.Name())
	}
	return data, func() error { return nil }, nil
}
