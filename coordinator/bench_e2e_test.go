package coordinator_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// benchData returns a generated blobs file, kept in the temporary
// directory between runs because writing 1M rows takes longer than some
// of the jobs that read it.
func benchData(b *testing.B, n, d, k int, ext string) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "shoal-bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("blobs-n%d-d%d-k%d-seed7.%s", n, d, k, ext))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".tmp." + ext
	if _, err := partition.GenerateBlobs(tmp, partition.BlobsConfig{N: n, D: d, K: k, Seed: 7}); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkEndToEnd runs whole jobs on the embedded stack with two workers
// (the machine's cores), as `shoal run` does, and reports the model's
// inertia beside the time. Compare with bench/sklearn_kmeans.py on the
// same data (see bench/README.md).
func BenchmarkEndToEnd(b *testing.B) {
	cases := []struct {
		algo    string
		n, d, k int
	}{
		{"minibatch", 1_000_000, 32, 100},
		{"kmeans", 1_000_000, 32, 100},
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("%s/n=%d/d=%d/k=%d", c.algo, c.n, c.d, c.k), func(b *testing.B) {
			data := benchData(b, c.n, c.d, c.k, "parquet")
			s := mustStartStack(b, 2)
			b.ResetTimer()
			var m *wire.Model
			for range b.N {
				var err error
				m, err = s.run(b, wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: c.k, Algorithm: c.algo, Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(*m.Inertia, "inertia")
			b.ReportMetric(float64(m.Iterations), "iterations")
		})
	}
}

// BenchmarkMiniBatchRound measures the cost of one mini-batch step end to
// end (publish, pull, assign, result, merge, update) on a small dataset,
// where the arithmetic is negligible: what is left is the per-round
// overhead of the distributed loop.
func BenchmarkMiniBatchRound(b *testing.B) {
	data := benchData(b, 200_000, 32, 100, "parquet")
	s := mustStartStack(b, 2)
	var rounds int
	b.ResetTimer()
	for range b.N {
		m, err := s.run(b, wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 100, Algorithm: "minibatch", Seed: 1, MaxIter: 100})
		if err != nil {
			b.Fatal(err)
		}
		rounds += m.Iterations
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rounds), "ns/round")
}
