package algo

import (
	"fmt"
	"math/bits"
)

// The sums of a k-means round are added in a binary tree over its pieces
// (runs of consecutive shards fixed by the data alone), the same tree
// whoever computes which part of it. Node (lo, size), with size a power
// of two and lo a multiple of it, holds the pieces lo … lo+size−1 that
// exist: its left half plus its right half, or its left half alone when
// the right one lies past the last piece. Floating-point addition is not
// associative, so the tree fixes the order of every addition; a worker
// holding whole nodes of a round adds them itself and sends one sum per
// node rather than one per piece, and the round's total has the same
// bits however its pieces were cut into tasks.

// SumTree returns node (lo, size) of the tree over the first n pieces.
// known returns a node's sums when they are at hand (every piece is, as
// a node of size 1), else nil; each element is one k-means run's sums.
// The nodes known are not modified; a node added here is new.
func SumTree(lo, size, n int, known func(lo, size int) []*CentreSums) ([]*CentreSums, error) {
	return SumTreeWith(lo, size, n, known, NewCentreSums)
}

// SumTreeWith is SumTree that takes each node it adds from alloc, which
// must return zeroed sums of k centres of dimension d (NewCentreSums, or
// a caller's reused buffers).
func SumTreeWith(lo, size, n int, known func(lo, size int) []*CentreSums, alloc func(k, d int) *CentreSums) ([]*CentreSums, error) {
	if size < 1 || size&(size-1) != 0 || lo < 0 || lo%size != 0 || lo >= n {
		return nil, fmt.Errorf("%w: tree node (%d, %d) over %d pieces", ErrMergeMismatch, lo, size, n)
	}
	if s := known(lo, size); s != nil {
		return s, nil
	}
	if size == 1 {
		return nil, fmt.Errorf("%w: the sums of piece %d are missing", ErrMergeMismatch, lo)
	}
	half := size / 2
	left, err := SumTreeWith(lo, half, n, known, alloc)
	if err != nil || lo+half >= n {
		return left, err
	}
	right, err := SumTreeWith(lo+half, half, n, known, alloc)
	if err != nil {
		return nil, err
	}
	if len(left) != len(right) {
		return nil, fmt.Errorf("%w: sums of %d and %d runs", ErrMergeMismatch, len(left), len(right))
	}
	out := make([]*CentreSums, len(left))
	for r, l := range left {
		out[r] = alloc(l.K, l.D)
		if err := out[r].Merge(l); err != nil {
			return nil, err
		}
		if err := out[r].Merge(right[r]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// TreeRoot is the size of the root node of the tree over n pieces: the
// least power of two not below n.
func TreeRoot(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(n-1))
}

// TreeCover returns the sizes of the fewest whole nodes that tile pieces
// first … end−1, in order: from each position the largest node that
// starts there and ends by end.
func TreeCover(first, end int) []int {
	var sizes []int
	for p := first; p < end; {
		size := 1
		for p%(2*size) == 0 && p+2*size <= end {
			size *= 2
		}
		sizes = append(sizes, size)
		p += size
	}
	return sizes
}
