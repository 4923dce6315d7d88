package hugepage

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// TestAdviseHeapTouchesNothing runs AdviseHeap in a process of its own
// whose heap has pages freed by a collection at its top, where the
// transient allocation starts: the runtime would zero such an allocation,
// faulting the fresh pages beyond them in before the advice. The process
// counts its page faults (getrusage) across the call.
func TestAdviseHeapTouchesNothing(t *testing.T) {
	if raceDetector {
		t.Skip("the race detector faults in shadow memory for the allocation")
	}
	if os.Getenv("HUGEPAGE_CHILD") == "faults" {
		var keep [][]byte
		for range 8 {
			b := make([]byte, 4<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			keep = append(keep, b)
		}
		runtime.KeepAlive(keep)
		keep = nil
		runtime.GC() // frees the 32 MiB, which stays resident: no scavenging
		before := minorFaults(t)
		AdviseHeap(256 << 20)
		fmt.Printf("faults: %d\n", minorFaults(t)-before)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAdviseHeapTouchesNothing$")
	cmd.Env = append(os.Environ(), "HUGEPAGE_CHILD=faults")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var faults int64
	if _, rest, ok := strings.Cut(string(out), "faults: "); !ok {
		t.Fatalf("no fault count in\n%s", out)
	} else if _, err := fmt.Sscanf(rest, "%d", &faults); err != nil {
		t.Fatalf("fault count: %v\n%s", err, out)
	}
	// 256 MiB zeroed would be 65536 small faults; the collection and the
	// advice itself take a few hundred at most.
	if faults > 2048 {
		t.Errorf("AdviseHeap(256 MiB) took %d page faults: it wrote to the heap it advises", faults)
	}
}

// minorFaults returns the process's minor page faults so far.
func minorFaults(t *testing.T) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return ru.Minflt
}
