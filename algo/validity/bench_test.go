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

// rowwiseSilhouette is the straightforward kernel the package started
// with, kept as the benchmark's baseline: one row at a time, each pair
// through algo.Distance on float32, then the per-cluster sums.
func rowwiseSilhouette(data Data, m algo.Metric) float64 {
	sizes, _, _ := data.check()
	n := len(data.Labels)
	dist := make([]float64, n)
	sums := make([]float64, data.K)
	var total float64
	for i := range n {
		distRow(data, m, i, dist)
		clusterSums(data.Labels, dist, sums)
		total += silWidth(data.Labels[i], sizes, sums)
	}
	return total / float64(n)
}

// BenchmarkSilhouetteKernel compares, on one goroutine, the four-row
// float64 kernel of Silhouette with the row-at-a-time baseline.
func BenchmarkSilhouetteKernel(b *testing.B) {
	const n, d, k = 2000, 64, 10
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
	b.Run("kernel=rows4", func(b *testing.B) {
		var s float64
		for b.Loop() {
			s, _ = Silhouette(data, algo.Euclidean, 1)
		}
		b.ReportMetric(s, "silhouette")
	})
	b.Run("kernel=rowwise", func(b *testing.B) {
		var s float64
		for b.Loop() {
			s = rowwiseSilhouette(data, algo.Euclidean)
		}
		b.ReportMetric(s, "silhouette")
	})
}
