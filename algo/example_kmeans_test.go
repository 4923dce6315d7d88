package algo_test

import (
	"fmt"

	"github.com/shoal-io/shoal/algo"
)

// One worker's pass: assign rows to the nearest centre.
func ExampleAssigner() {
	a := algo.NewAssigner(2, 2)
	if err := a.SetCentres([]float32{0, 0, 10, 10}); err != nil {
		panic(err)
	}
	x := []float32{1, 0, 9, 9, 0, 2}
	labels := make([]int32, 3)
	dist2 := make([]float32, 3)
	if err := a.Assign(x, 3, labels, dist2); err != nil {
		panic(err)
	}
	fmt.Println(labels, dist2)
	// Output: [0 1 0] [1 2 4]
}

// Lloyd's algorithm as the coordinator runs it: every shard accumulates
// CentreSums against the current centres, the coordinator merges them in
// shard order and updates the centres.
func ExampleLloydUpdate() {
	shards := [][]float32{{0, 0, 1, 0, 0, 1}, {10, 10, 11, 10, 10, 11}}
	centres := []float32{0, 0, 1, 0} // a poor start: both in one cluster
	rng := algo.NewRand(1)
	for it := 1; it <= 100; it++ {
		total := algo.NewCentreSums(2, 2)
		for _, x := range shards {
			a := algo.NewAssigner(2, 2) // on a worker
			if err := a.SetCentres(centres); err != nil {
				panic(err)
			}
			s := algo.NewCentreSums(2, 2)
			if err := a.Accumulate(x, len(x)/2, nil, s); err != nil {
				panic(err)
			}
			if err := total.Merge(s); err != nil {
				panic(err)
			}
		}
		shift, _, err := algo.LloydUpdate(centres, total, rng)
		if err != nil {
			panic(err)
		}
		if shift == 0 {
			fmt.Printf("converged after %d iterations, inertia %.3f\n", it, total.Inertia)
			fmt.Printf("%.3f\n", centres)
			return
		}
	}
	// Output:
	// converged after 3 iterations, inertia 2.667
	// [0.333 0.333 10.333 10.333]
}

// Seeding with k-means++ picks one row per well-separated group.
func ExampleKMeansPlusPlus() {
	x := []float32{0, 0, 0.5, 0, 100, 100, 100.5, 100, 0, 100}
	c, err := algo.KMeansPlusPlus(x, 5, 2, 3, nil, 0, algo.NewRand(7))
	if err != nil {
		panic(err)
	}
	groups := map[[2]bool]bool{}
	for j := 0; j < 3; j++ {
		groups[[2]bool{c[2*j] > 50, c[2*j+1] > 50}] = true
	}
	fmt.Println(len(groups), "groups covered")
	// Output: 3 groups covered
}

// Comparing a clustering with reference labels.
func ExampleARI() {
	truth := []int64{0, 0, 1, 1}
	found := []int64{0, 0, 1, 2}
	ari, _ := algo.ARI(truth, found)
	nmi, _ := algo.NMI(truth, found)
	fmt.Printf("ARI %.4f NMI %.4f\n", ari, nmi)
	// Output: ARI 0.5714 NMI 0.8000
}
