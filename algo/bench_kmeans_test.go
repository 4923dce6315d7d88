package algo

import (
	"fmt"
	"math"
	"testing"
)

// Benchmarks of the k-means hot loop. GFLOP/s counts 2·n·k·d flops per
// pass (the products x·c), whatever the kernel does besides; mean-d² is
// the loss, so a faster kernel that assigned worse would show.
//
//	go test ./algo -run '^$' -bench 'Assign|Accumulate' -cpu 1 -count 5

var benchShapes = []struct{ n, d, k int }{
	{65536, 8, 10},
	{65536, 16, 10},
	{65536, 16, 32},
	{65536, 32, 100},
}

func benchInput(n, d, k int) ([]float32, []float32) {
	return blobData(NewRand(99, uint64(d), uint64(k)), n, d, k, 2, 0)
}

func reportAssign(b *testing.B, n, d, k int, dist []float32) {
	b.ReportMetric(2*float64(n)*float64(k)*float64(d)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	var s float64
	for _, v := range dist {
		s += float64(v)
	}
	b.ReportMetric(s/float64(n), "mean-d²")
}

// BenchmarkAssign is the production Assigner (the kernel it picks for k).
func BenchmarkAssign(b *testing.B) {
	for _, sh := range benchShapes {
		b.Run(fmt.Sprintf("n=%d/d=%d/k=%d", sh.n, sh.d, sh.k), func(b *testing.B) {
			x, c := benchInput(sh.n, sh.d, sh.k)
			a := NewAssigner(sh.k, sh.d)
			if err := a.SetCentres(c); err != nil {
				b.Fatal(err)
			}
			labels := make([]int32, sh.n)
			dist := make([]float32, sh.n)
			for b.Loop() {
				if err := a.Assign(x, sh.n, labels, dist); err != nil {
					b.Fatal(err)
				}
			}
			reportAssign(b, sh.n, sh.d, sh.k, dist)
		})
	}
}

// BenchmarkAssignScreen shows what the screen (assign_screen.go) gains
// where most rows lie well inside their cells (sep=5), where most but not
// all do (sep=3), and what it costs where it turns itself off after its
// warm-up (sep=2), against the same AVX2 path without it. SetCentres runs
// in every pass, as in a task, so each pass judges the screen afresh.
//
//	go test ./algo -run '^$' -bench AssignScreen -count 6
func BenchmarkAssignScreen(b *testing.B) {
	if !kmHaveAVX2 {
		b.Skip("the screen runs on the AVX2 path only")
	}
	const n, d, k = 65536, 32, 100
	for _, sep := range []float64{2, 3, 5} {
		x, c := blobData(NewRand(99, d, k), n, d, k, sep, 0)
		labels := make([]int32, n)
		dist := make([]float32, n)
		// The screen guesses each row's centre with kmGuessRowsAVX2, or
		// with kmTop2RowsAVX2 as it did before ("top2").
		for _, screen := range []string{"off", "top2", "on"} {
			b.Run(fmt.Sprintf("sep=%g/screen=%v", sep, screen), func(b *testing.B) {
				a := newAssigner(k, d, kmPathAVX2)
				switch screen {
				case "off":
					a.screen = nil
				case "top2":
					a.screen.keep = 0
				}
				for b.Loop() {
					if err := a.SetCentres(c); err != nil {
						b.Fatal(err)
					}
					if err := a.Assign(x, n, labels, dist); err != nil {
						b.Fatal(err)
					}
				}
				reportAssign(b, n, d, k, dist)
				if a.screen != nil {
					b.ReportMetric(float64(a.screen.passed)/float64(a.screen.tried), "passed")
				}
			})
		}
	}
}

// BenchmarkAssignKernels compares the candidate kernels on one goroutine:
// a plain scalar loop, and inside the Assigner (with centring and exact
// rescoring) the pure-Go register block, gonum's Gemm in both layouts and
// the AVX2 assembly where the CPU has it, with its 6×16 tiles in 256-bit
// registers (avx2) or pairs of them in 512-bit ones (avx512).
func BenchmarkAssignKernels(b *testing.B) {
	for _, sh := range benchShapes {
		x, c := benchInput(sh.n, sh.d, sh.k)
		labels := make([]int32, sh.n)
		dist := make([]float32, sh.n)
		name := fmt.Sprintf("n=%d/d=%d/k=%d", sh.n, sh.d, sh.k)
		b.Run(name+"/impl=scalar", func(b *testing.B) {
			for b.Loop() {
				scalarAssign(x, sh.n, sh.d, c, sh.k, labels, dist)
			}
			reportAssign(b, sh.n, sh.d, sh.k, dist)
		})
		for _, p := range []struct {
			name string
			path kmPath
			wide bool
		}{{"blocked", kmPathPanels, false}, {"gemm-rows", kmPathGemmRows, false}, {"gemm-cols", kmPathGemmCols, false},
			{"avx2", kmPathAVX2, false}, {"avx512", kmPathAVX2, true}} {
			if p.path == kmPathAVX2 && !kmHaveAVX2 || p.wide && !kmHaveAVX512 {
				continue
			}
			b.Run(name+"/impl="+p.name, func(b *testing.B) {
				defer func(w bool) { kmTileWide = w }(kmTileWide)
				kmTileWide = p.wide
				a := newAssigner(sh.k, sh.d, p.path)
				if err := a.SetCentres(c); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if err := a.Assign(x, sh.n, labels, dist); err != nil {
						b.Fatal(err)
					}
				}
				reportAssign(b, sh.n, sh.d, sh.k, dist)
			})
		}
	}
}

// scalarAssign is the plain loop the kernels are measured against.
func scalarAssign(x []float32, n, d int, c []float32, k int, labels []int32, dist []float32) {
	for i := 0; i < n; i++ {
		xr := x[i*d : (i+1)*d]
		best, bj := float32(math.Inf(1)), 0
		for j := 0; j < k; j++ {
			cr := c[j*d : (j+1)*d]
			var s float32
			for t, v := range xr {
				e := v - cr[t]
				s += e * e
			}
			if s < best {
				best, bj = s, j
			}
		}
		labels[i], dist[i] = int32(bj), best
	}
}

// BenchmarkAccumulate is what a worker does per Lloyd iteration: assign
// and fold the rows into per-centre sums.
func BenchmarkAccumulate(b *testing.B) {
	for _, sh := range benchShapes {
		b.Run(fmt.Sprintf("n=%d/d=%d/k=%d", sh.n, sh.d, sh.k), func(b *testing.B) {
			x, c := benchInput(sh.n, sh.d, sh.k)
			a := NewAssigner(sh.k, sh.d)
			if err := a.SetCentres(c); err != nil {
				b.Fatal(err)
			}
			s := NewCentreSums(sh.k, sh.d)
			for b.Loop() {
				s.Reset()
				if err := a.Accumulate(x, sh.n, nil, s); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(2*float64(sh.n)*float64(sh.k)*float64(sh.d)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(s.Inertia/float64(sh.n), "mean-d²")
		})
	}
}

// BenchmarkAccumulateRows is a worker's share of a mini-batch step: 2048
// rows scattered in increasing order over a 256 MB shard, a new set each
// time (256 sets, more than the caches hold), so that cache misses on
// the rows count as they do in a job.
func BenchmarkAccumulateRows(b *testing.B) {
	const n, d, k, batch, sets = 1 << 21, 32, 100, 2048, 256
	x, c := benchInput(n, d, k)
	rng := NewRand(3)
	rows := make([][]int32, sets)
	for s := range rows {
		for i := 0; i < n && len(rows[s]) < batch; i++ {
			if rng.IntN(n) < 2*batch {
				rows[s] = append(rows[s], int32(i))
			}
		}
	}
	a := NewAssigner(k, d)
	if err := a.SetCentres(c); err != nil {
		b.Fatal(err)
	}
	s := NewCentreSums(k, d)
	var done int
	for b.Loop() {
		s.Reset()
		if err := a.AccumulateRows(x, rows[done%sets], nil, s); err != nil {
			b.Fatal(err)
		}
		done++
	}
	b.ReportMetric(2*float64(batch)*k*d*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkSetCentres is what every sums and label task pays before its
// first row: the centring, the packed panels and, on the AVX2 path, the
// screen's reach (k² distances).
func BenchmarkSetCentres(b *testing.B) {
	const d, k = 32, 100
	_, c := benchInput(1, d, k)
	for _, screen := range []bool{false, true} {
		b.Run(fmt.Sprintf("screen=%v", screen), func(b *testing.B) {
			a := NewAssigner(k, d)
			if !screen {
				a.screen = nil
			}
			for b.Loop() {
				if err := a.SetCentres(c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
