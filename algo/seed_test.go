package algo

import "testing"

// TestHashMore: extending a hash by one integer gives the hash of the
// longer stream, so a sample drawn with a hoisted prefix is the sample
// drawn row by row; and the row changes the value.
func TestHashMore(t *testing.T) {
	for _, c := range []struct {
		seed   uint64
		prefix []uint64
	}{{0, nil}, {1, []uint64{0x1417}}, {42, []uint64{3, 9}}, {^uint64(0), []uint64{0, 0, 7}}} {
		h := Hash(c.seed, c.prefix...)
		seen := map[uint64]bool{}
		for _, row := range []uint64{0, 1, 2, 1 << 40, ^uint64(0)} {
			got := HashMore(h, row)
			if want := Hash(c.seed, append(append([]uint64{}, c.prefix...), row)...); got != want {
				t.Errorf("seed %d prefix %v row %d: %x, want %x", c.seed, c.prefix, row, got, want)
			}
			if seen[got] {
				t.Errorf("seed %d prefix %v: row %d repeats a value", c.seed, c.prefix, row)
			}
			seen[got] = true
		}
	}
}
