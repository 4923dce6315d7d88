package algo

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// Benchmarks of CLARANS and FastCLARANS at their default parameters
// (2 restarts; max(250, 1.25% of k(n−k)) swaps, and max(250, 2.5% of n−k)
// candidates) on a precomputed LowerTriangle of n=2000 points, an 8-D
// mixture of 20 unit Gaussians. Run them with
//
//	go test ./algo -run '^$' -bench 'CLARANS' -benchtime 10x
//
// Iteration i uses seed (2021, i), so the reported loss, neighbours and
// swaps are means over b.N seeds. rel_loss is that mean loss divided by
// the loss of FasterPAM from LAB medoids on the same data (computed once,
// outside the timer): the price in quality of the randomized search.

const (
	clbN   = 2000
	clbDim = 8
)

var clbData struct {
	once sync.Once
	lt   *LowerTriangle
	mu   sync.Mutex
	ref  map[int]float64
}

// clbTriangle returns the shared benchmark matrix: 20 centres uniform in
// [-10, 10]^8, points N(centre, I), computed with all cores.
func clbTriangle(b *testing.B) *LowerTriangle {
	clbData.once.Do(func() {
		rng := NewRand(2002, 0x636c6172616e73)
		const centres = 20
		c := make([]float64, centres*clbDim)
		for i := range c {
			c[i] = rng.Float64()*20 - 10
		}
		pts := make([]float32, clbN*clbDim)
		for i := 0; i < clbN; i++ {
			ci := rng.IntN(centres)
			for j := 0; j < clbDim; j++ {
				pts[i*clbDim+j] = float32(c[ci*clbDim+j] + rng.NormFloat64())
			}
		}
		v, err := NewVectors(pts, clbN, clbDim, Euclidean)
		if err != nil {
			panic(err)
		}
		clbData.lt, err = BuildLowerTriangle(v, runtime.GOMAXPROCS(0))
		if err != nil {
			panic(err)
		}
		clbData.ref = map[int]float64{}
	})
	return clbData.lt
}

// clbReference is the loss of FasterPAM from LAB medoids for k, computed
// once.
func clbReference(b *testing.B, lt *LowerTriangle, k int) float64 {
	clbData.mu.Lock()
	defer clbData.mu.Unlock()
	if l, ok := clbData.ref[k]; ok {
		return l
	}
	start, err := InitialMedoids(lt, k, InitLAB, NewRand(1, uint64(k)))
	if err != nil {
		b.Fatal(err)
	}
	r, err := FasterPAM(lt, start, 0)
	if err != nil {
		b.Fatal(err)
	}
	clbData.ref[k] = r.Loss
	return r.Loss
}

func BenchmarkCLARANS(b *testing.B) {
	lt := clbTriangle(b)
	for _, alg := range []string{"clarans", "fastclarans"} {
		for _, k := range []int{10, 50} {
			b.Run(fmt.Sprintf("%s/n=%d/k=%d", alg, clbN, k), func(b *testing.B) {
				ref := clbReference(b, lt, k)
				f := CLARANS
				if alg == "fastclarans" {
					f = FastCLARANS
				}
				var loss, neighbours, swaps float64
				b.ResetTimer()
				for i := range b.N {
					r, err := f(lt, k, CLARANSConfig{}, NewRand(2021, uint64(i)))
					if err != nil {
						b.Fatal(err)
					}
					loss += r.Loss
					neighbours += float64(r.Iterations)
					swaps += float64(r.Swaps)
				}
				b.StopTimer()
				nf := float64(b.N)
				b.ReportMetric(loss/nf, "loss")
				b.ReportMetric(loss/nf/ref, "rel_loss")
				b.ReportMetric(neighbours/nf, "neighbours")
				b.ReportMetric(swaps/nf, "swaps")
			})
		}
	}
}
