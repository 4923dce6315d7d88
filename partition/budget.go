package partition

import (
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// budgetAllocator refuses, by panicking, to hold more than a fixed number
// of bytes at once. Compressed Arrow IPC buffers state their decompressed
// size, and arrow-go allocates whatever a corrupt file claims: hundreds of
// gigabytes, which the Go runtime cannot refuse without ending the
// process. Arrow-go recovers panics while it loads a record batch, so the
// refusal becomes an ordinary error.
type budgetAllocator struct {
	memory.Allocator
	left   atomic.Int64
	budget int64
}

// newBudget limits reads of a file of size bytes to 1 GiB plus 64 times
// the file size held at once: far above what a batch of real data
// decompresses to (one batch is released before the next is read), far
// below what kills the process on a small machine.
func newBudget(mem memory.Allocator, size int64) *budgetAllocator {
	a := &budgetAllocator{Allocator: mem, budget: 1<<30 + 64*max(size, 0)}
	a.left.Store(a.budget)
	return a
}

func (a *budgetAllocator) take(n int) {
	if a.left.Add(-int64(n)) < 0 {
		a.left.Add(int64(n))
		panic(fmt.Sprintf("decoding would hold more than %d bytes at once; the file claims more data than it can hold", a.budget))
	}
}

func (a *budgetAllocator) Allocate(size int) []byte {
	a.take(size)
	return a.Allocator.Allocate(size)
}

func (a *budgetAllocator) Reallocate(size int, b []byte) []byte {
	a.take(size - len(b))
	return a.Allocator.Reallocate(size, b)
}

func (a *budgetAllocator) Free(b []byte) {
	a.left.Add(int64(len(b)))
	a.Allocator.Free(b)
}
