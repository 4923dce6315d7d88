package coordinator

import (
	"context"
	"fmt"
)

// kmRun is one k-means fit of a job that fits several: its k and seed.
type kmRun struct {
	K    int
	Seed uint64
}

// kmeansRuns fits every run with the job's k-means algorithm and returns
// the fits in the order of runs.
//
// This is the sequential fallback: the runs are fitted one after
// another, each by j.kmeans with the spec's K and Seed set to the run's,
// through the rounds of a single fit (kept apart by beginFit), so each
// fit is the one a job of that k and seed alone finds. An engine that
// fits all runs in the same passes over the data replaces it.
func (j *job) kmeansRuns(ctx context.Context, runs []kmRun) ([]*fitted, error) {
	spec := j.spec
	defer func() { j.spec = spec }()
	fits := make([]*fitted, len(runs))
	for i, r := range runs {
		s := *spec
		s.K, s.Seed = r.K, r.Seed
		j.spec = &s
		end := j.beginFit(i, r.K)
		f, err := j.kmeans(ctx)
		end()
		if err != nil {
			return nil, fmt.Errorf("k=%d: %w", r.K, err)
		}
		fits[i] = f
	}
	return fits, nil
}
