package validity_test

import (
	"fmt"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/algo/validity"
)

// Five points on a line in two clusters, {0, 1, 2} and {6, 7}, scored
// with every index, then a k sweep's table and the k its rule picks. By
// hand: silhouette (5/6.5 + 4.5/5.5 + 3/4.5 + 4/5 + 5/6)/5; medoid
// silhouette with medoids 1 and 6 is (5/6 + 1 + 3/4 + 1 + 5/6)/5;
// centroids 1 and 6.5 around the grand mean 3.2 give B = 36.3, W = 2.5
// and CH = 36.3·3/2.5; S = 2/3 and 1/2, M = 5.5, DB = (2/3+1/2)/5.5.
func Example() {
	data := validity.Data{X: []float32{0, 1, 2, 6, 7}, D: 1, Labels: []int32{0, 0, 0, 1, 1}, K: 2}
	sil, _ := validity.Silhouette(data, algo.Euclidean, 2)
	ch, db, _ := validity.Scatter(data)
	msil, _ := validity.MedoidSilhouette(data.X, data.D, []float32{1, 6}, algo.Euclidean)
	fmt.Printf("silhouette %.4f  medoid silhouette %.4f  CH %.4f  DB %.4f\n", sil, msil, ch, db)

	k, _ := validity.Choose([]validity.Score{
		{K: 2, Silhouette: 0.62},
		{K: 3, Silhouette: 0.71},
		{K: 4, Silhouette: 0.71}, // a tie goes to the smaller k
	}, validity.RuleSilhouette)
	fmt.Println("chosen k", k)
	// Output:
	// silhouette 0.7775  medoid silhouette 0.8833  CH 43.5600  DB 0.2121
	// chosen k 3
}
