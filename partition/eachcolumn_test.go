package partition

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
)

// TestEachColumn checks that every column is visited exactly once, that
// a column's error and a column's panic land at that column alone, and
// that no columns means no call.
func TestEachColumn(t *testing.T) {
	errBad := errors.New("bad chunk")
	for _, n := range []int{0, 1, 2, 5, 40} {
		visits := make([]atomic.Int32, n)
		errs := eachColumn(n, func(j int) error {
			visits[j].Add(1)
			switch j {
			case 3:
				panic("malformed page")
			case 4:
				return errBad
			}
			return nil
		})
		if len(errs) != n {
			t.Fatalf("n=%d: %d errors", n, len(errs))
		}
		for j := range n {
			if v := visits[j].Load(); v != 1 {
				t.Errorf("n=%d: column %d visited %d times", n, j, v)
			}
			switch {
			case j == 3:
				if errs[j] == nil || !strings.Contains(errs[j].Error(), "malformed page") {
					t.Errorf("n=%d: column 3's panic gave %v", n, errs[j])
				}
			case j == 4:
				if !errors.Is(errs[j], errBad) {
					t.Errorf("n=%d: column 4 gave %v, want its error", n, errs[j])
				}
			case errs[j] != nil:
				t.Errorf("n=%d: column %d gave %v", n, j, errs[j])
			}
		}
	}
}
