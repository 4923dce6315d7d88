// Command shoal clusters Arrow, Parquet and CSV data over NATS workers.
package main

import (
	"os"
	"runtime"
)

func main() {
	// shoal writes no heap profile, so the runtime need not sample
	// allocations for one: each sample unwinds the allocating stack and
	// records it in a table of the runtime's own. On the 1M-row job of
	// bench/run.sh kmeans that was 230-480 of its 3400-3800 page faults
	// and about 7% of its CPU time, on a 2-core virtual machine where a
	// fault is dear (bench/compare.sh, 40 runs each).
	runtime.MemProfileRate = 0
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}
