package coordinator

import (
	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/partition"
)

// shift chooses the per-column offsets that workers subtract from the
// values before converting them to float32 (see partition.Offsets), so
// that float64 data far from zero keeps its precision, and sets them in
// the job's data description: every task of the job, and of a resumed
// run of it, reads with the same offsets. Workers then refuse values too
// far from them for float32 distances. Cosine dissimilarity is not
// translation invariant: its columns get offset 0 and only the check.
// A precomputed matrix holds dissimilarities, not coordinates, and is read
// as it is.
func (j *job) shift() error {
	if j.spec.Precomputed {
		return nil
	}
	if m, err := algo.ParseMetric(j.spec.Metric); err == nil && m == algo.Cosine {
		j.data.Offsets = make([]float64, j.d)
		return nil
	}
	nulls, err := partition.ParseNullPolicy(j.spec.Nulls)
	if err != nil {
		return err
	}
	offsets, err := partition.Offsets(j.ds, nulls)
	if err != nil {
		return err
	}
	j.data.Offsets = offsets
	return nil
}

// offset is what feature column f was shifted by.
func (j *job) offset(f int) float64 {
	if j.data.Offsets == nil {
		return 0
	}
	return j.data.Offsets[f]
}
