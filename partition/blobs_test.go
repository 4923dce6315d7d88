package partition

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/shoal-io/shoal/algo"
)

// TestBlobsFollowDefinition regenerates blobs by the documented procedure,
// straight from algo.NewRand, and compares with what every format holds:
// centres (2U-1)·Box from NewRand(seed), then per batch b from
// NewRand(seed, b) each row's label and its D coordinates.
func TestBlobsFollowDefinition(t *testing.T) {
	cfg := BlobsConfig{N: 1000, D: 3, K: 4, Seed: 5, Std: 0.5, Box: 3, BatchRows: 300}
	r := algo.NewRand(cfg.Seed)
	centres := make([][]float64, cfg.K)
	for k := range centres {
		centres[k] = []float64{(2*r.Float64() - 1) * 3, (2*r.Float64() - 1) * 3, (2*r.Float64() - 1) * 3}
	}
	var wantX []float32
	var wantLabels []int64
	for b := 0; b*300 < cfg.N; b++ {
		r := algo.NewRand(cfg.Seed, uint64(b))
		for range min(300, cfg.N-b*300) {
			k := r.IntN(cfg.K)
			wantLabels = append(wantLabels, int64(k))
			for j := range 3 {
				wantX = append(wantX, float32(centres[k][j]+0.5*r.NormFloat64()))
			}
		}
	}
	for _, ext := range allExts {
		path := filepath.Join(t.TempDir(), "b"+ext)
		blobs, err := GenerateBlobs(path, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for k := range centres {
			if !slices.Equal(blobs.Centres[k], centres[k]) {
				t.Fatalf("%s: centre %d = %v, want %v", ext, k, blobs.Centres[k], centres[k])
			}
		}
		ds := mustScan(t, []string{path}, Options{Exclude: []string{"label"}, ShardRows: 1})
		if !slices.Equal(ds.Columns, []string{"f0", "f1", "f2"}) {
			t.Fatalf("%s: columns %v", ext, ds.Columns)
		}
		if ext != ".csv" && len(ds.Shards) != 4 {
			t.Errorf("%s: %d batches, want 4 of BatchRows 300", ext, len(ds.Shards))
		}
		if b := readEvery(t, ds, NullsError); !slices.Equal(b.Data, wantX) {
			t.Errorf("%s: values differ from the definition", ext)
		}
		labels, err := ReadIntColumn([]string{path}, "label")
		if err != nil || !slices.Equal(labels, wantLabels) {
			t.Errorf("%s: labels differ from the definition (%v)", ext, err)
		}
	}
}

// TestBlobsStatistics checks the distribution: blob means near the centres
// (within 6 standard errors), the standard deviation near Std, blob sizes
// near N/K, centres inside the box; and the defaults Std 1, Box 10.
func TestBlobsStatistics(t *testing.T) {
	for _, cfg := range []BlobsConfig{
		{N: 40000, D: 2, K: 5, Seed: 11, Std: 0.7, Box: 20},
		{N: 40000, D: 3, K: 4, Seed: 12},
	} {
		path := filepath.Join(t.TempDir(), "s.arrow")
		blobs, err := GenerateBlobs(path, cfg)
		if err != nil {
			t.Fatal(err)
		}
		std, box := cfg.Std, cfg.Box
		if std == 0 {
			std, box = 1, 10
		}
		ds := mustScan(t, []string{path}, Options{Exclude: []string{"label"}})
		b := readEvery(t, ds, NullsError)
		labels, _ := ReadIntColumn([]string{path}, "label")
		sum := make([][]float64, cfg.K)
		sq := make([]float64, cfg.K)
		count := make([]float64, cfg.K)
		for k := range sum {
			sum[k] = make([]float64, cfg.D)
		}
		for i, k := range labels {
			count[k]++
			for j := range cfg.D {
				sum[k][j] += float64(b.Data[i*cfg.D+j])
			}
		}
		for i, k := range labels {
			for j := range cfg.D {
				d := float64(b.Data[i*cfg.D+j]) - sum[k][j]/count[k]
				sq[k] += d * d
			}
		}
		expect := float64(cfg.N) / float64(cfg.K)
		for k := range cfg.K {
			if math.Abs(count[k]-expect) > 6*math.Sqrt(expect) {
				t.Errorf("seed %d: blob %d has %v rows, expected about %v", cfg.Seed, k, count[k], expect)
			}
			for j := range cfg.D {
				c := blobs.Centres[k][j]
				if math.Abs(c) > box {
					t.Errorf("seed %d: centre %d outside the box: %v", cfg.Seed, k, c)
				}
				if m := sum[k][j] / count[k]; math.Abs(m-c) > 6*std/math.Sqrt(count[k]) {
					t.Errorf("seed %d: blob %d mean %v, centre %v", cfg.Seed, k, m, c)
				}
			}
			if s := math.Sqrt(sq[k] / (count[k]*float64(cfg.D) - float64(cfg.D))); math.Abs(s-std) > 0.05*std {
				t.Errorf("seed %d: blob %d standard deviation %v, want %v", cfg.Seed, k, s, std)
			}
		}
	}
}

// TestBlobsDeterministic: the same configuration writes byte-identical
// files in every format; another seed does not.
func TestBlobsDeterministic(t *testing.T) {
	cfg := BlobsConfig{N: 5000, D: 4, K: 3, Seed: 9, BatchRows: 2000}
	for _, ext := range allExts {
		dir := t.TempDir()
		var files [3][]byte
		for i := range files {
			c := cfg
			if i == 2 {
				c.Seed++
			}
			p := filepath.Join(dir, string(rune('a'+i))+ext)
			if _, err := GenerateBlobs(p, c); err != nil {
				t.Fatal(err)
			}
			files[i], _ = os.ReadFile(p)
		}
		if !bytes.Equal(files[0], files[1]) {
			t.Errorf("%s: two runs of one configuration differ", ext)
		}
		if bytes.Equal(files[0], files[2]) {
			t.Errorf("%s: seeds %d and %d wrote the same file", ext, cfg.Seed, cfg.Seed+1)
		}
	}
}

func TestBlobsInvalid(t *testing.T) {
	dir := t.TempDir()
	for _, cfg := range []BlobsConfig{
		{N: -1, D: 2, K: 2}, {N: 10, D: 0, K: 2}, {N: 10, D: 2, K: 0}, {N: 10, D: 2, K: 2, Std: -1},
		{N: 10, D: 2, K: 2, Std: math.NaN()}, {N: 10, D: 2, K: 2, Box: math.Inf(1)}, {N: 10, D: 2, K: 2, BatchRows: -5},
		// Sizes that cannot be held: too many columns, N×(D+1) past any
		// disk (and past int64), centres or a batch past the memory bound.
		{N: 10, D: 1 << 40, K: 2}, {N: 1 << 62, D: 8, K: 2}, {N: math.MaxInt, D: math.MaxInt, K: 2},
		{N: 10, D: 1 << 16, K: 1 << 20}, {N: 1 << 30, D: 1 << 10, K: 2, BatchRows: 1 << 30},
	} {
		t.Run(fmt.Sprintf("%+v", cfg), func(t *testing.T) {
			_, err := GenerateBlobs(filepath.Join(dir, "x.csv"), cfg)
			wantErr(t, err, ErrInvalidArgument)
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("invalid configurations left %d files", len(entries))
	}
}
