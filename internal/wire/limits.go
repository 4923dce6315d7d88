package wire

import (
	"fmt"
	"math"
	"time"
)

// Upper bounds of a job's numeric options. Each is far above any useful
// value, so no real job meets it, and low enough that a typo or a hostile
// spec cannot ask for a run of days, a task message of gigabytes or a
// worker allocation that cannot succeed. Every job can be cancelled
// anyway; these make the mistake an error before any work.
const (
	// MaxIterLimit bounds max_iter: a million mini-batch steps, Lloyd
	// iterations or swap passes.
	MaxIterLimit = 1_000_000
	// MaxBatchSize bounds batch_size: a mini-batch of 16M rows is a full
	// pass of most datasets; use --algo kmeans for that.
	MaxBatchSize = 1 << 24
	// MaxShardRows bounds shard_rows: a worker decodes a shard at once.
	MaxShardRows = 1 << 24
	// MaxSilhouetteRows bounds silhouette: the exact silhouette is
	// quadratic in its rows.
	MaxSilhouetteRows = 1 << 20
	// MaxSamples bounds samples: every sample's medoids are scored on
	// every row, and all of them travel in each scoring task.
	MaxSamples = 100
	// MaxNumLocal bounds numlocal: CLARANS restarts per sample (Ng & Han
	// suggest 2).
	MaxNumLocal = 100
	// MaxRefine bounds refine: candidates per cluster and round, each
	// compared with every row of its cluster.
	MaxRefine = 4096
)

// checkBounds refuses non-finite floats, numeric options beyond their
// bounds and a job timeout that does not parse.
func (s *JobSpec) checkBounds() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"tol", s.Tol}, {"maxneighbor", s.MaxNeighbor}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("%w: %s must be a finite number, got %v", ErrJobSpec, f.name, f.v)
		}
	}
	for _, b := range []struct {
		name     string
		v, limit int
	}{
		{"max_iter", s.MaxIter, MaxIterLimit},
		{"batch_size", s.BatchSize, MaxBatchSize},
		{"shard_rows", s.ShardRows, MaxShardRows},
		{"silhouette", s.Silhouette, MaxSilhouetteRows},
		{"samples", s.Samples, MaxSamples},
		{"numlocal", s.NumLocal, MaxNumLocal},
		{"refine", s.Refine, MaxRefine},
	} {
		if b.v > b.limit {
			return fmt.Errorf("%w: %s=%d is above its limit of %d; give a smaller value", ErrJobSpec, b.name, b.v, b.limit)
		}
	}
	if s.JobTimeout != "" {
		d, err := time.ParseDuration(s.JobTimeout)
		if err != nil || d <= 0 {
			return fmt.Errorf("%w: job_timeout %q is not a positive duration such as 30m or 2h", ErrJobSpec, s.JobTimeout)
		}
	}
	return nil
}

// Timeout is the job's JobTimeout, 0 for none. Normalize has checked it.
func (s *JobSpec) Timeout() time.Duration {
	d, err := time.ParseDuration(s.JobTimeout)
	if err != nil || d < 0 {
		return 0
	}
	return d
}

// checkSampleBounds bounds the options of the sampled k-medoids
// algorithms, once the sample size is known: a sample's dissimilarity
// matrix must fit the MaxMatrixBytes a worker may build, and a CLARANS
// neighbour count may not exceed the k(n−k) single swaps around a set of
// medoids of a sample (a count beyond it would go on drawing the same
// swaps again for no gain).
func (s *JobSpec) checkSampleBounds() error {
	n := int64(s.SampleSize)
	if need := 2 * n * (n - 1); need > MaxMatrixBytes {
		return fmt.Errorf("%w: sample_size=%d needs a %.1f GiB dissimilarity matrix per sample (limit %.0f GiB); give a smaller sample size",
			ErrJobSpec, n, float64(need)/(1<<30), float64(MaxMatrixBytes)/(1<<30))
	}
	if s.MaxNeighbor >= 1 {
		swaps := int64(s.K) * (n - int64(s.K))
		if s.MaxNeighbor > float64(swaps) {
			return fmt.Errorf("%w: maxneighbor=%g exceeds the k(n-k)=%d swaps around the medoids of a %d-row sample; give at most %d, or a fraction below 1",
				ErrJobSpec, s.MaxNeighbor, swaps, n, swaps)
		}
	}
	return nil
}

// MaxNInit bounds n_init: every run's centres travel in each task of a
// round and every run's sums come back, so a hundred runs already make a
// round's messages a hundred times larger. scikit-learn sets no bound;
// its documentation suggests 10 at most.
const MaxNInit = 100

// DefaultNInit is the number of runs for n_init "auto" as scikit-learn
// (≥ 1.4) documents it: KMeans runs 10 times from random seeding and
// once from k-means++; MiniBatchKMeans 3 times from random seeding and
// once from k-means++. k-means|| is a k-means++ variant (one run), and
// given centres are one start.
func DefaultNInit(algorithm, init string) int {
	if init != "random" {
		return 1
	}
	if algorithm == "kmeans" {
		return 10
	}
	return 3
}

// normalizeNInit checks n_init and fills in its default, for k-means
// fits only (checkApplicable has refused it elsewhere).
func (s *JobSpec) normalizeNInit() error {
	if s.IsMedoid() || s.Assign != nil {
		return nil
	}
	switch {
	case s.NInit < 0 || s.NInit > MaxNInit:
		return fmt.Errorf("%w: n_init=%d must be from 1 to %d (leave it out for scikit-learn's \"auto\")", ErrJobSpec, s.NInit, MaxNInit)
	case s.NInit > 1 && len(s.InitCentres) > 0:
		return fmt.Errorf("%w: n_init=%d restarts from different seedings, and --init-from gives one start; leave --n-init out", ErrJobSpec, s.NInit)
	case s.NInit == 0:
		s.NInit = DefaultNInit(s.Algorithm, s.Init)
	}
	return nil
}
