package main

import (
	"fmt"
	"math"
	"runtime/debug"
	"strings"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/dustin/go-humanize"

	"github.com/shoal-io/shoal/internal/hugepage"
	"github.com/shoal-io/shoal/worker"
)

// Memory budgets of one process (--memory on run and worker).
const (
	// defaultMemoryShare is the part of the machine's memory (the cgroup
	// limit when there is one) that a process takes when --memory is not
	// given: room for a few workers and the page cache beside them.
	defaultMemoryShare = 0.25
	// minMemory is the least --memory accepted: below it the fixed costs
	// (NATS buffers, Arrow readers, one shard in flight) dominate and the
	// budget could not be kept.
	minMemory = 128 << 20
	// fallbackMemory is the budget when the machine's memory cannot be
	// read.
	fallbackMemory = 2 << 30
)

// memoryFlag is the value of --memory: a byte count such as 2GiB, 512MiB
// or 1.5GB. Zero means the default share of the machine's memory.
type memoryFlag struct{ bytes int64 }

func (m *memoryFlag) Set(s string) error {
	v, err := humanize.ParseBytes(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("want a size such as 2GiB or 512MiB: %w", err)
	}
	if v < minMemory {
		return fmt.Errorf("%s is below the least budget a process can keep, %s", s, humanize.IBytes(minMemory))
	}
	if v > math.MaxInt64/2 {
		return fmt.Errorf("%s is more memory than any machine has", s)
	}
	m.bytes = int64(v)
	return nil
}

func (m *memoryFlag) String() string {
	if m.bytes == 0 {
		return ""
	}
	return humanize.IBytes(uint64(m.bytes))
}

func (m *memoryFlag) Type() string { return "size" }

// memoryFlagUsage is the help text of --memory.
const memoryFlagUsage = "memory this process may use, e.g. 2GiB or 512MiB (default a quarter of the machine's memory, or of its cgroup limit): " +
	"half holds decoded shards between rounds, an eighth each row's nearest centre; shards beyond it are read again when needed, " +
	"and the Go runtime collects garbage harder as the process nears it"

// machineMemory is the memory this process may count on: the cgroup
// limit when one is set, else the machine's physical memory, else
// fallbackMemory/defaultMemoryShare.
func machineMemory() int64 {
	v, err := memlimit.ApplyFallback(memlimit.FromCgroup, memlimit.FromSystem)()
	if err != nil || v == 0 || v > math.MaxInt64 {
		return int64(fallbackMemory / defaultMemoryShare)
	}
	return int64(v)
}

// heapAdvice bounds the heap that apply advises for huge pages: what a
// job's messages, decode buffers and batches cycle through. Decoded
// shards, the bulk beyond it, are advised one by one as they are made.
const heapAdvice = 1 << 30

// memoryPlan divides one process's memory budget.
type memoryPlan struct {
	// Limit is the Go runtime's soft memory limit: the collector runs
	// more often as the heap nears it, so that garbage from the reads
	// of shards that do not stay cached never doubles the heap, as it
	// does under the default GOGC=100 alone.
	Limit int64
	// Blocks bounds the cache of decoded shards (worker.NewBlockCache).
	Blocks int64
	// Nearest bounds the cache of each row's nearest centre
	// (worker.NewNearestCache), 12 bytes a row.
	Nearest int64
}

// planMemory divides budget (0 for the default): half for decoded
// shards, an eighth for nearest centres, the rest for the work at hand
// (a shard being read and its Arrow buffers, tasks and results in
// flight, the coordinator's samples and label writers).
func planMemory(budget int64) memoryPlan {
	if budget <= 0 {
		budget = max(int64(float64(machineMemory())*defaultMemoryShare), minMemory)
	}
	return memoryPlan{Limit: budget, Blocks: budget / 2, Nearest: budget / 8}
}

// apply sets the runtime's soft memory limit. Without --memory
// (explicit false) a GOMEMLIMIT in the environment is left to rule.
// First it asks for huge pages under the part of the heap that a job's
// buffers cycle through (hugepage.AdviseHeap): where a page fault costs
// microseconds, as on virtual machines, faults filling fresh heap took
// half of a mini-batch job of 1M rows.
func (p memoryPlan) apply(explicit bool, env func(string) string) {
	hugepage.AdviseHeap(min(p.Limit, heapAdvice))
	if !explicit && env("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(p.Limit)
}

// blockCache returns the workers' cache of decoded shards, bounded by
// blocks bytes. It paces the collector (worker.BlockCache.PaceCollector)
// unless the environment sets GOGC, which then holds as the user gave it.
func blockCache(blocks int64, env func(string) string) *worker.BlockCache {
	c := worker.NewBlockCache(blocks)
	if env("GOGC") == "" {
		c.PaceCollector()
	}
	return c
}
