package algo

import (
	"math"
	"reflect"
	"slices"
	"testing"
)

func TestTreeCover(t *testing.T) {
	for _, tc := range []struct {
		first, end int
		want       []int
	}{
		{0, 1, []int{1}},
		{0, 8, []int{8}},
		{0, 7, []int{4, 2, 1}},
		{5, 13, []int{1, 2, 4, 1}},
		{8, 16, []int{8}},
		{3, 4, []int{1}},
		{6, 6, nil},
	} {
		if got := TreeCover(tc.first, tc.end); !slices.Equal(got, tc.want) {
			t.Errorf("TreeCover(%d, %d) = %v, want %v", tc.first, tc.end, got, tc.want)
		}
	}
	// Every cover tiles its range with aligned powers of two.
	for first := range 40 {
		for end := first + 1; end <= 40; end++ {
			p := first
			for _, size := range TreeCover(first, end) {
				if size&(size-1) != 0 || p%size != 0 || p+size > end {
					t.Fatalf("TreeCover(%d, %d) holds (%d, %d), not a node inside the range", first, end, p, size)
				}
				p += size
			}
			if p != end {
				t.Fatalf("TreeCover(%d, %d) ends at %d", first, end, p)
			}
		}
	}
}

func TestTreeRoot(t *testing.T) {
	for n, want := range map[int]int{0: 1, 1: 1, 2: 2, 3: 4, 4: 4, 5: 8, 16: 16, 17: 32} {
		if got := TreeRoot(n); got != want {
			t.Errorf("TreeRoot(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestSumTreeAnyCover: for every way of cutting n pieces into two or
// three tasks that each add their part into nodes, the root has the bits
// of the root added from the pieces, and it is the sum of all rows.
func TestSumTreeAnyCover(t *testing.T) {
	const k, d = 2, 3
	rng := NewRand(7, 1)
	for n := 1; n <= 13; n++ {
		pieces := make([][]*CentreSums, n)
		all := NewCentreSums(k, d)
		for p := range pieces {
			s := NewCentreSums(k, d)
			for range 1 + rng.IntN(20) {
				x := []float32{float32(rng.NormFloat64() * 1e4), float32(rng.NormFloat64()), float32(rng.NormFloat64() * 1e-4)}
				j, w := rng.IntN(k), rng.Float64()
				s.AddRow(x, j, w, w*3)
				all.AddRow(x, j, w, w*3)
			}
			pieces[p] = []*CentreSums{s}
		}
		leaves := func(lo, size int) []*CentreSums {
			if size == 1 {
				return pieces[lo]
			}
			return nil
		}
		want, err := SumTree(0, TreeRoot(n), n, leaves)
		if err != nil {
			t.Fatal(err)
		}
		if want[0].Rows != all.Rows || !slices.Equal(want[0].Counts, all.Counts) {
			t.Fatalf("n=%d: %d rows, want %d", n, want[0].Rows, all.Rows)
		}
		for i, v := range all.Sums {
			if math.Abs(want[0].Sums[i]-v) > 1e-9*math.Abs(v)+1e-9 {
				t.Fatalf("n=%d: sum %d is %v, the rows add up to %v", n, i, want[0].Sums[i], v)
			}
		}
		for a := 1; a < n; a++ {
			for b := a; b < n; b++ {
				known := map[[2]int][]*CentreSums{}
				for _, task := range [][2]int{{0, a}, {a, b}, {b, n}} {
					p := task[0]
					for _, size := range TreeCover(task[0], task[1]) {
						node, err := SumTree(p, size, task[1], leaves)
						if err != nil {
							t.Fatal(err)
						}
						known[[2]int{p, size}] = node
						p += size
					}
				}
				got, err := SumTree(0, TreeRoot(n), n, func(lo, size int) []*CentreSums { return known[[2]int{lo, size}] })
				if err != nil {
					t.Fatalf("n=%d cut at %d, %d: %v", n, a, b, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("n=%d cut at %d, %d: the root differs from the one added from the pieces", n, a, b)
				}
			}
		}
	}
}

func TestSumTreeMissingPiece(t *testing.T) {
	s := NewCentreSums(1, 1)
	_, err := SumTree(0, 4, 3, func(lo, size int) []*CentreSums {
		if size == 1 && lo != 1 {
			return []*CentreSums{s}
		}
		return nil
	})
	if err == nil {
		t.Fatal("a tree with piece 1 missing was added up")
	}
	if _, err := SumTree(1, 2, 4, func(int, int) []*CentreSums { return nil }); err == nil {
		t.Fatal("a node not aligned to its size was accepted")
	}
}
