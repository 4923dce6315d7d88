package hugepage

import "golang.org/x/sys/unix"

// advise marks the n bytes at address addr MADV_HUGEPAGE. Errors are
// ignored: a kernel without transparent huge pages (EINVAL) keeps small
// pages. The range is an address, not a slice: AdviseHeap holds its
// buffer as a strings.Builder, whose memory it must not turn into a
// slice it never wrote. The caller keeps the memory alive.
func advise(addr, n uintptr) {
	_, _, _ = unix.Syscall(unix.SYS_MADVISE, addr, n, unix.MADV_HUGEPAGE)
}
