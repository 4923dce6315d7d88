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
	"cmp"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
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
// there: transient allocations of n bytes in all grow the heap over the
// range, which is advised and handed back before anything touches it.
// Resident memory can grow by the untouched rest of a huge page the heap
// has touched; as the heap fills its lowest addresses first, that is
// little. Like Advise, it does nothing under GODEBUG=disablethp=1.
//
// The range is claimed in chunks that double from adviseFirstChunk to
// adviseLastChunk bytes, not at once: Go zeroes an allocation that may
// reuse pages freed earlier, and the start of the range can lie in such
// pages (spans freed at the top of the heap by the first collections).
// One allocation of the whole range was then zeroed whole, a small-page
// fault at a time: 2.8 s for a GiB, about one process in twenty. The
// first, small chunks take those pages, and only they are zeroed; chunks
// of 2 MiB throughout made 'shoal run' start about 30 ms later.
func AdviseHeap(n int64) {
	if n < Threshold || off {
		return
	}
	var chunks [][]byte
	for got, c := int64(0), int64(adviseFirstChunk); got < n; got, c = got+c, min(2*c, adviseLastChunk) {
		chunks = append(chunks, make([]byte, c))
	}
	spans := make([]span, len(chunks))
	for i, c := range chunks {
		spans[i] = span{uintptr(unsafe.Pointer(unsafe.SliceData(c))), uintptr(len(c))}
	}
	for _, r := range adjacentRuns(spans) {
		if lo, hi := aligned(r.start, r.n); hi > lo {
			advise(lo, hi-lo)
		}
	}
	runtime.KeepAlive(chunks)
	chunks = nil
	debug.FreeOSMemory() // collect them, and return their (untouched) pages at once
}

// The sizes of AdviseHeap's transient allocations: from one huge page,
// doubling, to a heap arena's 64 MiB.
const (
	adviseFirstChunk = size
	adviseLastChunk  = 64 << 20
)

// span is n bytes at address start.
type span struct{ start, n uintptr }

// adjacentRuns sorts spans by address and joins those that touch.
func adjacentRuns(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var runs []span
	for _, s := range spans {
		if k := len(runs) - 1; k >= 0 && runs[k].start+runs[k].n == s.start {
			runs[k].n += s.n
			continue
		}
		runs = append(runs, s)
	}
	return runs
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
