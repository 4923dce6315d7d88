package algo_test

import (
	"context"
	"fmt"

	"github.com/shoal-io/shoal/algo"
)

// FasterPAM on five objects given as a dissimilarity matrix, started from
// objects 0 and 1. Two eager swaps lead to medoids 0 and 3.
func ExampleFasterPAM() {
	//      0  1  2  3  4
	//  0   0  1  2  4  7
	//  1   1  0  3  5  8
	//  2   2  3  0  6  9
	//  3   4  5  6  0  1
	//  4   7  8  9  1  0
	d, err := algo.NewLowerTriangle(5)
	if err != nil {
		panic(err)
	}
	rows := [][]float32{{}, {1}, {2, 3}, {4, 5, 6}, {7, 8, 9, 1}}
	for i, row := range rows {
		for j, v := range row {
			d.Set(i, j, v)
		}
	}
	r, err := algo.FasterPAM(d, []int{0, 1}, 0)
	if err != nil {
		panic(err)
	}
	sil, _ := algo.Silhouette(d, r.Assignment, 2)
	fmt.Println("medoids:", r.Medoids)
	fmt.Println("assignment:", r.Assignment)
	fmt.Println("loss:", r.Loss, "swaps:", r.Swaps, "passes:", r.Iterations)
	fmt.Printf("silhouette: %.4f\n", sil)
	// Output:
	// medoids: [0 3]
	// assignment: [0 0 0 1 1]
	// loss: 4 swaps: 2 passes: 2
	// silhouette: 0.7522
}

// Clustering points: compute the dissimilarity matrix once, choose initial
// medoids with BUILD, then run FasterPAM. BUILD starts with the point of
// smallest total distance, (10, 10) (43.05 against 45.88 for (0, 0):
// (0, 1) and (1, 0) lie nearer to it than (10, 11) and (11, 10) lie to
// (0, 0)), so the far cluster gets slot 0.
func ExampleBuildLowerTriangle() {
	points := []float32{
		0, 0, 0, 1, 1, 0, // three points near the origin
		10, 10, 10, 11, 11, 10, // three near (10, 10)
	}
	v, err := algo.NewVectors(points, 6, 2, algo.Euclidean)
	if err != nil {
		panic(err)
	}
	d, err := algo.BuildLowerTriangle(v, 1)
	if err != nil {
		panic(err)
	}
	start, err := algo.InitialMedoids(d, 2, algo.InitBuild, nil)
	if err != nil {
		panic(err)
	}
	r, err := algo.FasterPAM(d, start, 0)
	if err != nil {
		panic(err)
	}
	fmt.Println("medoids:", r.Medoids, "assignment:", r.Assignment)
	fmt.Printf("loss: %.4f\n", r.Loss)
	// Output:
	// medoids: [3 0] assignment: [1 1 1 0 0 0]
	// loss: 4.0000
}

// The whole k-medoids job on two goroutines: the matrix, BUILD and
// FasterPAM each take the number of goroutines to use, and give the same
// result on one as on two. The points lie on a line in three groups;
// BUILD takes 11 (the smallest total distance), then 30, then 1, and no
// swap improves on them: 2 + 4 + 1 = 7.
func ExampleFasterPAMParallel() {
	points := []float32{0, 1, 2, 10, 11, 12, 13, 30, 31}
	v, err := algo.NewVectors(points, len(points), 1, algo.Euclidean)
	if err != nil {
		panic(err)
	}
	const goroutines = 2
	d, err := algo.BuildLowerTriangle(v, goroutines)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	start, err := algo.InitialMedoidsParallel(ctx, d, 3, algo.InitBuild, nil, goroutines)
	if err != nil {
		panic(err)
	}
	r, err := algo.FasterPAMParallel(ctx, d, start, 0, goroutines)
	if err != nil {
		panic(err)
	}
	fmt.Println("medoids:", r.Medoids, "loss:", r.Loss)
	// Output:
	// medoids: [4 7 1] loss: 7
}
