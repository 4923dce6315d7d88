package coordinator_test

import (
	"math"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// BenchmarkRefineBlobs compares FastCLARA alone and refined (--refine 32)
// with the exact medoids of the generating partition on d=32, k=100
// blobs: for each blob, the row of least total distance to the blob's
// rows, by brute force over all pairs (O(n²/k·d)). It reports each total
// deviation (the sum of distances to the nearest medoid) beside the job's
// time; the gaps are relative to the reference's. The rows default to
// 200,000; SHOAL_REFINE_BENCH_N sets another number.
//
//	go test ./coordinator -run '^$' -bench RefineBlobs -benchtime 1x -timeout 1h
func BenchmarkRefineBlobs(b *testing.B) {
	n := 200_000
	if v := os.Getenv("SHOAL_REFINE_BENCH_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	const d, k = 32, 100
	data := benchData(b, n, d, k, "parquet")
	ref, partitionCost := exactBlobMedoids(b, data, d, k)
	b.Logf("n=%d: true partition's exact medoids: %.6g within their blobs, %.6g to the nearest of them", n, partitionCost, ref)
	s := mustStartStack(b, 2)
	b.ResetTimer()
	for range b.N {
		for _, refine := range []int{0, 32} {
			start := time.Now()
			m, err := s.run(b, wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: k, Algorithm: "fastclara", Seed: 1, Refine: refine})
			if err != nil {
				b.Fatal(err)
			}
			name := "fastclara"
			if refine > 0 {
				name = "refined"
			}
			gap := 100 * (m.TotalDeviation/ref - 1)
			b.Logf("%s: total deviation %.6g (%+.2f%% against the exact medoids), %.1f s, %s", name, m.TotalDeviation, gap, time.Since(start).Seconds(), m.Stop)
			b.ReportMetric(gap, name+"-gap-%")
		}
	}
}

// exactBlobMedoids reads the blobs and their labels, finds each blob's
// exact medoid by brute force and returns the total deviation of those
// medoids (each row to the nearest) and the cost of the partition itself
// (each row to its own blob's medoid).
func exactBlobMedoids(b *testing.B, path string, d, k int) (nearest, own float64) {
	b.Helper()
	read := func(opts partition.Options) *partition.Block {
		ds, err := partition.Scan([]string{path}, opts)
		if err != nil {
			b.Fatal(err)
		}
		all, err := partition.ReadAll(ds, partition.NullsError)
		if err != nil {
			b.Fatal(err)
		}
		return all
	}
	x := read(partition.Options{Exclude: []string{"label"}})
	lab := read(partition.Options{Columns: []string{"label"}})
	n := x.Len()
	members := make([][]int, k)
	for i := range n {
		members[int(lab.Data[i])] = append(members[int(lab.Data[i])], i)
	}
	row := func(i int) []float32 { return x.Data[i*d : (i+1)*d] }
	medoids := make([]int, k)
	costs := make([]float64, k)
	var wg sync.WaitGroup
	next := make(chan int)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				rows := members[c]
				sum := make([]float64, len(rows))
				for a := range rows {
					for bb := a + 1; bb < len(rows); bb++ {
						v := algo.Distance(algo.Euclidean, row(rows[a]), row(rows[bb]))
						sum[a] += v
						sum[bb] += v
					}
				}
				best := 0
				for a := range sum {
					if sum[a] < sum[best] {
						best = a
					}
				}
				medoids[c], costs[c] = rows[best], sum[best]
			}
		}()
	}
	for c := range k {
		next <- c
	}
	close(next)
	wg.Wait()
	for _, v := range costs {
		own += v
	}
	for i := range n {
		best := math.Inf(1)
		for _, m := range medoids {
			best = min(best, algo.Distance(algo.Euclidean, row(i), row(m)))
		}
		nearest += best
	}
	return nearest, own
}
