// Package hugepage asks the kernel to back large allocations with
// transparent huge pages.
//
// Linux maps fresh memory a 4 KiB page at a time, one fault each. Where
// transparent huge pages are enabled only on request ("madvise", the
// default of many distributions), Go's heap never asks, and on virtual
// machines a fault can cost ten microseconds: filling a 128 MB block then
// took longer than decoding the Parquet it came from. A 2 MiB page needs
// one fault for 512 small ones.
package hugepage

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"unsafe"
)

// size is the huge page size on amd64 and arm64 with 4 KiB base pages.
const size = 2 << 20

// Threshold is the allocation size, in bytes, from which Make advises:
// below two huge pages, at most one aligned huge page fits, and the
// advice (a system call, and a split of the heap's mapping) is not worth
// it.
const Threshold = 2 * size

// off is GODEBUG=disablethp=1 in the environment, Go's own switch for
// processes that must not have huge pages: it turns every advice here
// off too.
var off = disabled(os.Getenv("GODEBUG"))

// Make returns a zeroed slice of n values, advised for huge pages when it
// is at least Threshold bytes. The advice must come before the memory is
// first written, which make of fresh memory does not do.
func Make[T any](n int) []T {
	s := make([]T, n)
	Advise(s)
	return s
}

// Advise asks for huge pages under the whole 2 MiB pages inside s. Pages
// already touched keep their size; the contents never change.
func Advise[T any](s []T) {
	if cap(s) == 0 || off {
		return
	}
	var zero T
	bytes := uintptr(cap(s)) * unsafe.Sizeof(zero)
	if bytes < Threshold {
		return
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	if lo, hi := aligned(start, bytes); hi > lo {
		advise(lo, hi-lo)
		runtime.KeepAlive(s)
	}
}

// aligned returns the whole huge pages [lo, hi) inside [start, start+n).
func aligned(start, n uintptr) (lo, hi uintptr) {
	lo = (start + size - 1) &^ (size - 1)
	hi = (start + n) &^ (size - 1)
	return lo, max(lo, hi)
}

// AdviseHeap asks for huge pages under the next n bytes of the Go heap.
// Go maps its heap once and reuses the addresses, lowest first, so
// advice given to a range of it holds for whatever the heap later puts
// there: a transient allocation of n bytes grows the heap over the
// range, which is advised and handed back before anything touches it.
// Resident memory can grow by the untouched rest of a huge page the heap
// has touched; as the heap fills its lowest addresses first, that is
// little. Like Advise, it does nothing under GODEBUG=disablethp=1.
//
// The transient allocation must not be zeroed: Go zeroes an allocation
// that may reuse pages freed earlier, and the range often starts in such
// pages (spans freed at the top of the heap by the first collections).
// Zeroing it would fault the whole range in, a small page at a time,
// before the advice: 64 MiB of it took 150 ms, one 'shoal run' in three.
// A strings.Builder grows into memory the runtime leaves as it is.
func AdviseHeap(n int64) {
	if n < Threshold || off || int64(int(n)) != n {
		return
	}
	var b strings.Builder
	b.Grow(int(n))
	// The empty string over the buffer carries its address; Go leaves an
	// empty string's data pointer unspecified, so nil means no advice.
	if p := unsafe.StringData(b.String()); p != nil {
		if lo, hi := aligned(uintptr(unsafe.Pointer(p)), uintptr(b.Cap())); hi > lo {
			advise(lo, hi-lo)
		}
	}
	runtime.KeepAlive(&b)
	debug.FreeOSMemory() // collect it, and return its (untouched) pages at once
}

// disabled reports whether the GODEBUG value godebug turns the runtime's
// huge pages off; the last setting of a key wins, as in the runtime.
func disabled(godebug string) bool {
	off := false
	for _, kv := range strings.Split(godebug, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok && k == "disablethp" {
			off = v == "1"
		}
	}
	return off
}
