package validity

import (
	"fmt"
	"slices"

	"github.com/shoal-io/shoal/algo"
)

// sampleStream separates the silhouette sample's random numbers from every
// other use of the job seed.
const sampleStream = 0x73696c68 // "silh"

// SampleRows draws size distinct row indices of [0, n) uniformly, from
// seed alone, and returns them in increasing order; size ≥ n returns every
// row. The same (n, size, seed) always gives the same rows, so a
// silhouette on the sample can be repeated. Floyd's algorithm: O(size)
// draws and O(size log size) for the sort.
func SampleRows(n, size int, seed uint64) ([]int, error) {
	if n < 0 || size < 1 {
		return nil, fmt.Errorf("%w: sample of %d from %d rows", ErrShape, size, n)
	}
	if size >= n {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	rng := algo.NewRand(seed, sampleStream)
	// Floyd: for j in [n−size, n), take a random t in [0, j]; if it is
	// already taken, take j. Each size-subset is equally likely.
	taken := make(map[int]struct{}, size)
	out := make([]int, 0, size)
	for j := n - size; j < n; j++ {
		t := rng.IntN(j + 1)
		if _, ok := taken[t]; ok {
			t = j
		}
		taken[t] = struct{}{}
		out = append(out, t)
	}
	slices.Sort(out)
	return out, nil
}
