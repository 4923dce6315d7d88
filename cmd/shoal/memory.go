package main

import (
	"fmt"
	"math"
	"os"
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

// machineShare is the default share of the machine's memory: the budget
// of a process without --memory, and the most a run advises for huge
// pages.
func machineShare() int64 {
	return int64(float64(machineMemory()) * defaultMemoryShare)
}

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

// Heap advised for huge pages (memoryPlan.Advice, hugepage.AdviseHeap).
// Advising costs page faults in the runtime's own bookkeeping, about 700
// small pages per GiB advised, paid at the process's start; a fresh heap
// left small-paged costs a fault per 4 KiB filled. On a 2-core AMD EPYC
// virtual machine whose page faults are dear, the 10M-row mini-batch job
// of bench/run.sh (1.3 GB of Parquet) took 120k faults and 2.1-2.5 s
// with 1 GiB advised, and 5.6k faults and 1.5-1.6 s with twice the
// file; a 1000-row job took 650 faults and 7-20 ms more with 1 GiB than
// with minHeapAdvice.
const (
	// heapAdvice is the advice of a worker process, of a run whose
	// input's size is not known (a glob, a directory, an object) and of a
	// coordinator alone: what a job's messages, decode buffers and
	// batches cycle through, besides the decoded shards, which
	// hugepage.Make advises one by one. A worker serves any job, and
	// advising its whole budget (6 GiB by default on a 24 GiB machine)
	// made a 10M-row job on two workers of --memory 2GiB about 8% faster;
	// but under the race detector, which shadows the heap, it slowed an
	// in-process worker's start so that TestSubmitAssign took 11.5 s
	// alone instead of 4.7 s, and timed out beside other packages' tests.
	heapAdvice = 1 << 30
	// minHeapAdvice is the least advice for an input of known size:
	// the server, the catalog and a small job's buffers.
	minHeapAdvice = 128 << 20
)

// inputHeap estimates the heap a job on inputs fills, from their sizes:
// decoded shards take about a Parquet file's bytes of float32 data (CSV
// text and float64 columns take less once decoded), and row indices,
// nearest centres, result messages, buffers and the garbage between
// collections as much again. On the 1M-row bench job 1.5 times the file
// left part of the heap unadvised (8-11k page faults against 3.4k at
// twice the file). It reports false unless every input is a regular
// local file (a glob, a directory or an object URL is not sized here:
// that would be the job's own planning, done twice).
func inputHeap(inputs []string) (int64, bool) {
	if len(inputs) == 0 {
		return 0, false
	}
	sizes := make([]int64, len(inputs))
	for i, in := range inputs {
		st, err := os.Stat(in)
		if err != nil || !st.Mode().IsRegular() {
			return 0, false
		}
		sizes[i] = st.Size()
	}
	return doubledSum(sizes), true
}

// doubledSum is twice the sum of the non-negative sizes. A sparse file
// may claim nearly 2^63 bytes, so the sum saturates at a quarter of the
// int64 range, well before doubling it could wrap.
func doubledSum(sizes []int64) int64 {
	var total int64
	for _, n := range sizes {
		total += min(n, math.MaxInt64/4-total)
	}
	return 2 * total
}

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
	// Advice is the heap apply advises for huge pages: heapAdvice, or
	// what fitInputs sets, at most Limit.
	Advice int64
}

// planMemory divides budget (0 for the default): half for decoded
// shards, an eighth for nearest centres, the rest for the work at hand
// (a shard being read and its Arrow buffers, tasks and results in
// flight, the coordinator's samples and label writers).
func planMemory(budget int64) memoryPlan {
	if budget <= 0 {
		budget = max(machineShare(), minMemory)
	}
	return memoryPlan{Limit: budget, Blocks: budget / 2, Nearest: budget / 8, Advice: min(budget, heapAdvice)}
}

// fitInputs sizes the advice to a job on inputs when their size is
// known (inputHeap): a process that runs one job advises what that job
// will fill, no more and no less. The advice is one transient allocation,
// which the kernel must be able to map: it never exceeds the default
// share of the machine's memory, whatever --memory says, since a heap
// the kernel refuses to map ends the process.
func (p *memoryPlan) fitInputs(inputs []string) {
	if heap, ok := inputHeap(inputs); ok {
		p.Advice = min(p.Limit, machineShare(), max(heap, minHeapAdvice))
	}
}

// apply sets the runtime's soft memory limit. Without --memory
// (explicit false) a GOMEMLIMIT in the environment is left to rule.
// First it asks for huge pages under the part of the heap that a job's
// buffers cycle through (hugepage.AdviseHeap): where a page fault costs
// microseconds, as on virtual machines, faults filling fresh heap took
// half of a mini-batch job of 1M rows.
func (p memoryPlan) apply(explicit bool, env func(string) string) {
	hugepage.AdviseHeap(p.Advice)
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
