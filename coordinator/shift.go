package coordinator

import (
	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/partition"
)

// shift chooses the per-column offsets that workers subtract from the
// values before converting them to float32 (see partition.Offsets), so
// that float64 data far from zero keeps its precision, and the limit on
// how far from them a value may lie for the job's distances to stay
// finite in float32; both go into the job's data description, so every
// task of the job, and of a resumed run of it, reads the same way.
// Euclidean and squared Euclidean distances (every k-means job) square
// differences in float32 and have the tighter limit, Manhattan sums them.
// Cosine dissimilarity is not translation invariant and is computed in
// float64: its columns are read as they are. A precomputed matrix holds
// dissimilarities, not coordinates, and is read as it is too.
func (j *job) shift() error {
	if j.spec.Precomputed {
		return nil
	}
	limit := partition.DeviationLimit(j.d)
	if m, err := algo.ParseMetric(j.spec.Metric); err == nil && j.spec.IsMedoid() {
		switch m {
		case algo.Cosine, algo.Gower, algo.Jaccard:
			return nil // computed in float64 from the values as stored
		case algo.Manhattan:
			limit = partition.L1DeviationLimit(j.d)
		}
	}
	nulls, err := partition.ParseNullPolicy(j.spec.Nulls)
	if err != nil {
		return err
	}
	offsets, err := partition.Offsets(j.ds, nulls, limit)
	if err != nil {
		return err
	}
	j.data.Offsets, j.data.Limit = offsets, limit
	return nil
}

// offset is what feature column f was shifted by.
func (j *job) offset(f int) float64 {
	if j.data.Offsets == nil {
		return 0
	}
	return j.data.Offsets[f]
}
