package hugepage

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"unsafe"
)

func TestAligned(t *testing.T) {
	const M = size
	for _, tc := range []struct {
		start, n, lo, hi uintptr
	}{
		{0, 4 * M, 0, 4 * M},
		{M, 2 * M, M, 3 * M},
		{M + 1, 2 * M, 2 * M, 3 * M},
		{M + 1, 2*M - 2, 2 * M, 2 * M}, // no whole page inside
		{M - 4096, M + 8192, M, 2 * M},
		{3*M + 5, 10, 4 * M, 4 * M},
	} {
		lo, hi := aligned(tc.start, tc.n)
		if lo != tc.lo || hi != tc.hi {
			t.Errorf("aligned(%#x, %#x) = [%#x, %#x), want [%#x, %#x)", tc.start, tc.n, lo, hi, tc.lo, tc.hi)
		}
		if hi > lo && (lo < tc.start || hi > tc.start+tc.n || lo%M != 0 || hi%M != 0) {
			t.Errorf("aligned(%#x, %#x) = [%#x, %#x) is not whole pages inside the range", tc.start, tc.n, lo, hi)
		}
	}
}

func TestDisabled(t *testing.T) {
	for _, tc := range []struct {
		godebug string
		want    bool
	}{
		{"", false},
		{"disablethp=1", true},
		{"gctrace=1, disablethp=1", true},
		{"disablethp=0", false},
		{"disablethp=1,disablethp=0", false},
		{"xdisablethp=1", false},
	} {
		if got := disabled(tc.godebug); got != tc.want {
			t.Errorf("disabled(%q) = %v, want %v", tc.godebug, got, tc.want)
		}
	}
}

// TestMakeAdvises checks with the kernel's own account (/proc/self/smaps:
// VmFlags "hg" is MADV_HUGEPAGE) that the advice reached the mapping of
// a large slice, and that the slice is zero and usable.
func TestMakeAdvises(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("madvise advice is Linux's")
	}
	if b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil || strings.Contains(string(b), "[never]") {
		t.Skip("transparent huge pages are off on this kernel")
	}
	if off {
		t.Skip("GODEBUG=disablethp=1 turns the advice off")
	}
	s := Make[float32](3 * size / 4) // 3 huge pages of bytes: at least two whole ones inside
	for i, v := range s {
		if v != 0 {
			t.Fatalf("s[%d] = %v, want 0", i, v)
		}
	}
	lo, hi := aligned(uintptr(unsafe.Pointer(&s[0])), uintptr(len(s))*4)
	if hi <= lo {
		t.Fatalf("no whole huge page in %d bytes", len(s)*4)
	}
	flags, err := vmFlags(lo)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(" "+flags+" ", " hg ") {
		t.Errorf("mapping at %#x has VmFlags %q, want hg (MADV_HUGEPAGE)", lo, flags)
	}
	for i := range s {
		s[i] = float32(i)
	}
	if s[len(s)-1] != float32(len(s)-1) {
		t.Fatal("slice not writable to its end")
	}
	runtime.KeepAlive(s)
}

// TestSmallSliceNotAdvised checks that Make leaves slices below
// Threshold alone: Advise returns before any system call.
func TestSmallSliceNotAdvised(t *testing.T) {
	s := Make[byte](Threshold - 1)
	if len(s) != Threshold-1 {
		t.Fatalf("len %d", len(s))
	}
	Advise([]int(nil)) // must not panic
}

// vmFlags returns the VmFlags line of the mapping holding addr.
func vmFlags(addr uintptr) (string, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		var from, to uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x", &from, &to); n == 2 && strings.Contains(line, " ") {
			in = from <= addr && addr < to
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmFlags:")), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("no mapping holds %#x", addr)
}

// TestAdviseHeapCoversLaterAllocations runs processes of its own, so
// that nothing else has advised their heaps: in one, a large slice
// allocated after AdviseHeap lies in advised memory; in another, which
// skips AdviseHeap, it does not (the flag is not there by default); a
// slice from Make is advised; and GODEBUG=disablethp=1 turns both off.
func TestAdviseHeapCoversLaterAllocations(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("madvise advice is Linux's")
	}
	if b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil || strings.Contains(string(b), "[never]") {
		t.Skip("transparent huge pages are off on this kernel")
	}
	switch os.Getenv("HUGEPAGE_CHILD") {
	case "advise":
		AdviseHeap(64 << 20)
		fmt.Printf("flags: %s\n", heapFlagsAfterAllocating(t))
		return
	case "control":
		fmt.Printf("flags: %s\n", heapFlagsAfterAllocating(t))
		return
	case "make":
		s := Make[byte](16 << 20)
		flags, err := vmFlags(uintptr(unsafe.Pointer(&s[len(s)/2])))
		if err != nil {
			t.Fatal(err)
		}
		runtime.KeepAlive(s)
		fmt.Printf("flags: %s\n", flags)
		return
	}
	for _, tc := range []struct {
		mode, godebug string
		want          bool
	}{
		{"advise", "", true},
		{"control", "", false},
		{"advise", "disablethp=1", false},
		{"make", "", true},
		{"make", "disablethp=1", false},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAdviseHeapCoversLaterAllocations$")
		cmd.Env = append(os.Environ(), "HUGEPAGE_CHILD="+tc.mode, "GODEBUG="+tc.godebug)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.mode, err, out)
		}
		_, flags, ok := strings.Cut(string(out), "flags: ")
		if !ok {
			t.Fatalf("%s: no flags in\n%s", tc.mode, out)
		}
		flags, _, _ = strings.Cut(flags, "\n")
		if got := strings.Contains(" "+flags+" ", " hg "); got != tc.want {
			t.Errorf("%s with GODEBUG=%q: 16 MiB slice in a mapping with VmFlags %q: advised %v, want %v", tc.mode, tc.godebug, flags, got, tc.want)
		}
	}
}

// heapFlagsAfterAllocating allocates 16 MiB with make and returns the
// VmFlags of the mapping under its middle.
func heapFlagsAfterAllocating(t *testing.T) string {
	s := make([]byte, 16<<20)
	flags, err := vmFlags(uintptr(unsafe.Pointer(&s[len(s)/2])))
	if err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(s)
	return flags
}

// BenchmarkFirstTouch writes one value per 4 KiB page of a fresh 128 MiB
// slice, made plainly or with Make: the cost of faulting the memory in,
// which on virtual machines is most of it. Each iteration's slice is new
// memory (the previous one is returned to the system first).
func BenchmarkFirstTouch(b *testing.B) {
	const n = 32 << 20 // float32s: 128 MiB
	for _, c := range []struct {
		name string
		make func(int) []float32
	}{
		{"make", func(n int) []float32 { return make([]float32, n) }},
		{"hugepage.Make", Make[float32]},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(n * 4)
			for b.Loop() {
				b.StopTimer()
				debug.FreeOSMemory()
				b.StartTimer()
				s := c.make(n)
				for i := 0; i < len(s); i += 1024 {
					s[i] = 1
				}
				runtime.KeepAlive(s)
			}
		})
	}
}
