package validity

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/shoal-io/shoal/algo"
)

// BenchmarkSilhouette times the O(n²·d) hot loop on a 2,000-row sample
// of Gaussian blobs, the default sample size of a k sweep, and reports the
// silhouette beside the time and the distance evaluations per second.
func BenchmarkSilhouette(b *testing.B) {
	const n, k = 2000, 10
	for _, d := range []int{8, 64} {
		rng := rand.New(rand.NewPCG(1, 2))
		x := make([]float32, n*d)
		labels := make([]int32, n)
		for i := range labels {
			labels[i] = int32(i % k)
			for j := range d {
				x[i*d+j] = float32(rng.NormFloat64() + 3*float64(labels[i]*int32(j%3)))
			}
		}
		data := Data{X: x, D: d, Labels: labels, K: k}
		for _, m := range []algo.Metric{algo.Euclidean, algo.Manhattan} {
			for _, workers := range []int{1, 2} {
				b.Run(fmt.Sprintf("d=%d/%v/workers=%d", d, m, workers), func(b *testing.B) {
					var s float64
					for b.Loop() {
						var err error
						if s, err = Silhouette(data, m, workers); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(s, "silhouette")
					b.ReportMetric(float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpairs/s")
				})
			}
		}
	}
}
