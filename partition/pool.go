package partition

import (
	"math/bits"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// poolAllocator is an Arrow allocator that keeps freed buffers for reuse,
// by power-of-two capacity. Parquet page readers take fresh page and
// decompression buffers for every column chunk and free them when the
// reader is closed; with Go's allocator each was new memory, zeroed, and
// on a machine where first touches are dear that cost as much as the
// decompression. Recycled buffers are cleared before reuse, as Arrow
// expects zeroed memory.
//
// It serves the page buffers of Parquet reads only (pageAllocator): the
// values are copied out of them before the reader is closed, so a buffer
// is never reused while something still points into it.
type poolAllocator struct {
	classes [poolClasses]sync.Pool
}

const (
	poolMinShift = 12 // 4 KiB: smaller requests go to the Go allocator
	poolClasses  = 20 // up to 2 GiB
)

// pageAllocator holds the page buffers of Parquet reads.
var pageAllocator memory.Allocator = new(poolAllocator)

// poolClass returns the pool index for a request of size bytes, or -1
// when it is not pooled.
func poolClass(size int) int {
	if size <= 0 {
		return -1
	}
	shift := bits.Len(uint(size - 1))
	if shift < poolMinShift {
		return -1
	}
	if c := shift - poolMinShift; c < poolClasses {
		return c
	}
	return -1
}

func (p *poolAllocator) Allocate(size int) []byte {
	c := poolClass(size)
	if c < 0 {
		return make([]byte, size)
	}
	if b, ok := p.classes[c].Get().(*[]byte); ok {
		buf := (*b)[:size]
		clear(buf)
		return buf
	}
	return make([]byte, size, 1<<(c+poolMinShift))
}

func (p *poolAllocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		old := len(b)
		b = b[:size]
		if size > old {
			clear(b[old:])
		}
		return b
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

func (p *poolAllocator) Free(b []byte) {
	c := poolClass(cap(b))
	if c < 0 || cap(b) != 1<<(c+poolMinShift) {
		return // not one of ours: the garbage collector takes it
	}
	b = b[:cap(b)]
	p.classes[c].Put(&b)
}
