package hugepage

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// advise marks the n bytes at p MADV_HUGEPAGE. Errors are ignored: a
// kernel without transparent huge pages (EINVAL) keeps small pages.
func advise(p unsafe.Pointer, n uintptr) {
	_ = unix.Madvise(unsafe.Slice((*byte)(p), n), unix.MADV_HUGEPAGE)
}
