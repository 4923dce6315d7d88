package coordinator

import (
	"context"
	"fmt"
	"slices"

	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// roundLevels is the round of the pass that finds the nominal columns'
// levels and the numeric columns' ranges (metric gower or jaccard).
const roundLevels = -40

// jaccardLevels are the levels of a boolean column under Jaccard: false
// reads as 0 (off), true as 1 (on), whatever values a column shows.
var jaccardLevels = []string{"false", "true"}

// mixedData prepares a Gower or Jaccard job's data before the fit: one
// pass over every shard finds the distinct values of its nominal
// columns, merged sorted into one dictionary per column (so a value's
// code is its rank and depends on the data alone), and each column's
// minimum and maximum, whose difference is a numeric column's range (a
// nominal column's range is 1). Workers then read nominal columns as
// codes and divide by the ranges (see algo.Gower). Jaccard takes boolean
// columns (false is off) and numeric ones (non-zero is on) and has no
// ranges. Other metrics are left alone.
func (j *job) mixedData(ctx context.Context) error {
	metric := j.spec.Metric
	if !wire.MixedMetric(metric) || j.spec.Assign != nil {
		return nil
	}
	nominal := j.ds.Nominal
	if metric == "jaccard" && nominal == nil {
		return nil // 0/1 numeric columns, read as they are
	}
	if nominal == nil {
		nominal = make([]bool, j.d)
	}
	j.data.Nominal = nominal
	res, err := j.collect(ctx, roundLevels, j.shardTasks(wire.KindLevels))
	if err != nil {
		return err
	}
	levels := make([][]string, j.d)
	lo, hi := make([]float64, j.d), make([]float64, j.d)
	var rows int64
	for _, r := range res {
		if len(r.Levels) != j.d || len(r.Moments) != j.d {
			return fmt.Errorf("%w: levels of %d and moments of %d columns for %d", wire.ErrDecode, len(r.Levels), len(r.Moments), j.d)
		}
		for f := range j.d {
			if r.Levels[f] != nil {
				levels[f] = partition.MergeLevels(levels[f], r.Levels[f])
			}
			if m := r.Moments[f]; m.N > 0 {
				if rows == 0 || m.Min < lo[f] {
					lo[f] = m.Min
				}
				if rows == 0 || m.Max > hi[f] {
					hi[f] = m.Max
				}
			}
		}
		if r.N > 0 {
			rows += r.N
		}
	}
	if rows == 0 {
		return fmt.Errorf("%w: no row is left to cluster", partition.ErrEmptyDataset)
	}
	for f, nom := range nominal {
		switch {
		case !nom:
			levels[f] = nil
		case len(levels[f]) > wire.MaxLevels:
			return fmt.Errorf("%w: column %q has %d distinct values; a nominal column for metric gower has at most %d (leave an identifier or free-text column out with --exclude)",
				partition.ErrTooManyLevels, j.ds.Columns[f], len(levels[f]), wire.MaxLevels)
		case metric == "jaccard":
			for _, v := range levels[f] {
				if !slices.Contains(jaccardLevels, v) {
					return fmt.Errorf("%w: column %q holds %q; metric jaccard takes boolean columns (true/false) and numeric ones (non-zero is on): leave it out with --exclude",
						partition.ErrNotNumeric, j.ds.Columns[f], v)
				}
			}
			levels[f] = jaccardLevels
		case len(levels[f]) == 0:
			levels[f] = []string{} // every value null: the rows are dropped
		}
	}
	if n := wire.LevelBytes(levels); n > wire.MaxLevelBytes {
		return fmt.Errorf("%w: %d bytes of them: %s", partition.ErrTooManyLevels, n, wire.LevelBytesError(j.ds.Columns, levels))
	}
	j.data.Levels = levels
	if metric == "gower" {
		ranges := make([]float64, j.d)
		for f := range j.d {
			ranges[f] = 1
			switch {
			case !nominal[f]:
				ranges[f] = hi[f] - lo[f] // 0 for a column of one value: it adds 0, as in daisy
			case j.ds.Logical != nil && j.ds.Logical[f]:
				// A boolean column is asymmetric binary, daisy's default
				// for logical columns: false is 0, true 1.
				levels[f], ranges[f] = jaccardLevels, wire.AsymmetricBinary
			}
		}
		j.data.Ranges = ranges
	}
	return nil
}

// describeMixed adds to a Gower or Jaccard model the dictionaries of its
// nominal columns (Levels), Gower's ranges, and each medoid's values as
// the data holds them (CenterValues: text for a nominal column, where
// Centers hold its code).
func (j *job) describeMixed(m *wire.Model) {
	if j.data.Levels == nil && j.data.Ranges == nil {
		return
	}
	m.Levels, m.Ranges = j.data.Levels, j.data.Ranges
	if j.data.Levels == nil {
		return
	}
	m.CenterValues = make([][]any, len(m.Centers))
	for c, row := range m.Centers {
		vals := make([]any, len(row))
		for f, v := range row {
			vals[f] = v
			if lv := j.data.Levels[f]; j.data.Nominal[f] && int(v) >= 0 && int(v) < len(lv) {
				vals[f] = lv[int(v)]
			}
		}
		m.CenterValues[c] = vals
	}
}
