package algo

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// Benchmarks of the k-medoids swap phase. Run them once with
//
//	go test ./algo -run '^$' -bench 'Swap|BuildLower|KMedoidsAccess' -benchtime 1x
//
// BenchmarkSwap runs PAM, FastPAM1 and FasterPAM on the same precomputed
// LowerTriangle (n=5000 points of an 8-D mixture of 25 Gaussians) from the
// same LAB medoids (seeded, computed once outside the timer). A full PAM
// SWAP at n=5000 takes hours (O(k(n-k)²) per pass, about one pass per
// swap), so PAM runs one pass (maxIter=1) and reports ns/pass. FastPAM1
// performs exactly PAM's swaps, so its "passes" metric is the number of
// passes PAM would need; the time PAM would take is
//
//	PAM ns/pass × FastPAM1 passes
//
// and the speed-up of FasterPAM over PAM is that divided by FasterPAM's
// ns/op. Each result reports its loss: a faster method is only better if
// its loss is as low.

const (
	kmbN   = 5000
	kmbDim = 8
)

var kmbData struct {
	once   sync.Once
	pts    []float32
	lt     *LowerTriangle
	mu     sync.Mutex
	starts map[int][]int
}

// kmbTriangle returns the shared benchmark matrix: 25 centres uniform in
// [-10, 10]^8, points N(centre, I), computed with all cores.
func kmbTriangle(b *testing.B) *LowerTriangle {
	kmbData.once.Do(func() {
		rng := NewRand(2021, 0x62656e6368)
		const centres = 25
		c := make([]float64, centres*kmbDim)
		for i := range c {
			c[i] = rng.Float64()*20 - 10
		}
		pts := make([]float32, kmbN*kmbDim)
		for i := 0; i < kmbN; i++ {
			ci := rng.IntN(centres)
			for j := 0; j < kmbDim; j++ {
				pts[i*kmbDim+j] = float32(c[ci*kmbDim+j] + rng.NormFloat64())
			}
		}
		v, err := NewVectors(pts, kmbN, kmbDim, Euclidean)
		if err != nil {
			panic(err)
		}
		kmbData.pts = pts
		kmbData.lt, err = BuildLowerTriangle(v, runtime.GOMAXPROCS(0))
		if err != nil {
			panic(err)
		}
		kmbData.starts = map[int][]int{}
	})
	return kmbData.lt
}

// kmbStart returns the LAB medoids for k, computed once.
func kmbStart(b *testing.B, d Dissimilarity, k int) []int {
	kmbData.mu.Lock()
	defer kmbData.mu.Unlock()
	key := k*1_000_000 + d.Len()
	if s, ok := kmbData.starts[key]; ok {
		return s
	}
	s, err := InitialMedoids(d, k, InitLAB, NewRand(1, uint64(k)))
	if err != nil {
		b.Fatal(err)
	}
	kmbData.starts[key] = s
	return s
}

func BenchmarkSwap(b *testing.B) {
	lt := kmbTriangle(b)
	for _, alg := range []string{"pam", "fastpam1", "fasterpam"} {
		for _, k := range []int{10, 50, 100} {
			b.Run(fmt.Sprintf("%s/n=%d/k=%d", alg, kmbN, k), func(b *testing.B) {
				start := kmbStart(b, lt, k)
				var r *KMedoidsResult
				var err error
				b.ResetTimer()
				for range b.N {
					switch alg {
					case "pam":
						r, err = PAMSwap(lt, start, 1)
					case "fastpam1":
						// No pass limit: the pass count is PAM's.
						r, err = FastPAM1(lt, start, 1_000_000)
					default:
						r, err = FasterPAM(lt, start, 0)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.ReportMetric(r.Loss, "loss")
				b.ReportMetric(float64(r.Iterations), "passes")
				b.ReportMetric(float64(r.Swaps), "swaps")
				if alg == "pam" {
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*r.Iterations), "ns/pass")
				}
			})
		}
	}
}

// BenchmarkKMedoidsAccess shows what the type switch buys: FasterPAM on
// the same data (n=2000, k=20, same LAB start, hence the same loss)
// through a LowerTriangle, a DenseMatrix, Vectors (distances computed on
// demand, O(d) each) and an opaque Dissimilarity (the generic path: one
// interface call per element).
func BenchmarkKMedoidsAccess(b *testing.B) {
	const n, k = 2000, 20
	full := kmbTriangle(b)
	lt, err := NewLowerTriangle(n)
	if err != nil {
		b.Fatal(err)
	}
	copy(lt.data, full.data[:len(lt.data)]) // the first n rows of the triangle
	dm := denseCopy(b, lt)
	start := kmbStart(b, lt, k)
	// The first n points of the triangle's source.
	vec, err := NewVectors(kmbData.pts[:n*kmbDim], n, kmbDim, Euclidean)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		d    Dissimilarity
	}{
		{"lowertriangle", lt}, {"dense", dm}, {"generic", kmtOpaque{lt}}, {"vectors", vec},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var r *KMedoidsResult
			for range b.N {
				r, err = FasterPAM(tc.d, start, 0)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(r.Loss, "loss")
			b.ReportMetric(float64(r.Iterations), "passes")
		})
	}
}

func BenchmarkBuildLowerTriangle(b *testing.B) {
	const n, d = 5000, 16
	pts := kmtGaussian(16, n, d)
	v, err := NewVectors(pts, n, d, Euclidean)
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("n=%d/d=%d/p=%d", n, d, p), func(b *testing.B) {
			for range b.N {
				if _, err := BuildLowerTriangle(v, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(trianglePairs(n)), "ns/pair")
		})
	}
}

// BenchmarkStart times BUILD (on one goroutine and on all) and LAB on the
// shared n=5000 triangle, with the loss of the start they give:
//
//	go test ./algo -run '^$' -bench Start -benchtime 3x
func BenchmarkStart(b *testing.B) {
	lt := kmbTriangle(b)
	for _, k := range []int{10, 100} {
		for _, tc := range []struct {
			init Init
			p    int
		}{{InitBuild, 1}, {InitBuild, runtime.GOMAXPROCS(0)}, {InitLAB, 1}} {
			b.Run(fmt.Sprintf("%s/k=%d/p=%d", tc.init, k, tc.p), func(b *testing.B) {
				var meds []int
				var err error
				for i := range b.N {
					meds, err = InitialMedoidsParallel(context.Background(), lt, k, tc.init, NewRand(uint64(i)), tc.p)
					if err != nil {
						b.Fatal(err)
					}
				}
				loss, _ := TotalDeviation(lt, meds)
				b.ReportMetric(loss, "loss")
			})
		}
	}
}

// BenchmarkFasterPAMParallel runs FasterPAM from the same LAB start on one
// goroutine and on all; the swaps, passes and loss are the same, only the
// time differs:
//
//	go test ./algo -run '^$' -bench FasterPAMParallel -benchtime 3x
func BenchmarkFasterPAMParallel(b *testing.B) {
	lt := kmbTriangle(b)
	for _, k := range []int{10, 100} {
		start := kmbStart(b, lt, k)
		for _, p := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("k=%d/p=%d", k, p), func(b *testing.B) {
				var r *KMedoidsResult
				var err error
				for range b.N {
					if r, err = FasterPAMParallel(context.Background(), lt, start, 0, p); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(r.Loss, "loss")
				b.ReportMetric(float64(r.Swaps), "swaps")
			})
		}
	}
}
