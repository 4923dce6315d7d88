//go:build !linux

package atomicfile

import "os"

// startWriteback does nothing where the kernel cannot be asked to start
// writing a range early: Commit's sync writes it all.
func startWriteback(f *os.File, off, n int64) {}
