package partition

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestBudgetAllocator(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	a := newBudget(mem, 0)
	a.budget = 1000
	a.left.Store(1000)
	b1 := a.Allocate(600)
	b1 = a.Reallocate(900, b1)
	refused := func(fn func()) (msg string) {
		defer func() {
			if r := recover(); r != nil {
				msg = r.(string)
			}
		}()
		fn()
		return ""
	}
	if msg := refused(func() { a.Allocate(200) }); !strings.Contains(msg, "1000 bytes") {
		t.Errorf("900+200 of 1000 bytes: refusal %q", msg)
	}
	b2 := a.Allocate(100) // exactly the rest
	a.Free(b1)
	b3 := a.Allocate(850) // freed bytes count again
	if msg := refused(func() { a.Reallocate(1000, b3) }); msg == "" {
		t.Errorf("growing 850 to 1000 with 100 held: not refused")
	}
	a.Free(b2)
	a.Free(b3)
	if a.left.Load() != 1000 {
		t.Errorf("after freeing everything %d bytes left, want 1000", a.left.Load())
	}
	mem.AssertSize(t, 0)
}
