//go:build !unix

package main

// freeBytes cannot tell the free space here; the write itself fails when
// the disk fills.
func freeBytes(string) (int64, bool) { return 0, false }
