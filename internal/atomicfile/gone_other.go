//go:build !unix

package atomicfile

// processGone cannot tell here, so no temporary is taken for stale.
func processGone(int) bool { return false }

// startTime cannot be read here.
func startTime(int) uint64 { return 0 }
