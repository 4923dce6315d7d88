package worker

import (
	"fmt"
	"hash/fnv"
	"unicode/utf8"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// levels returns the sorted distinct values of the task's nominal
// columns over the rows the job keeps, its shards merged in task order.
// A column with more than wire.MaxLevels values is an input error.
func (x *executor) levels(t *wire.Task, res *wire.Result) error {
	nulls, err := partition.ParseNullPolicy(t.Data.Nulls)
	if err != nil {
		return &inputError{err}
	}
	res.Levels = make([][]string, len(t.Data.Columns))
	for _, s := range t.Shards {
		ps, err := x.partitionShard(s)
		if err != nil {
			return err
		}
		if ps.Format == partition.FormatCSV {
			ps.CSV.NoHeader = t.Data.NoHeader
			if t.Data.Delimiter != "" {
				ps.CSV.Delimiter, _ = utf8.DecodeRuneInString(t.Data.Delimiter)
			}
		}
		lv, b, err := partition.ShardLevels(ps, t.Data.Columns, nulls, t.Data.Nominal, wire.MaxLevels)
		if err != nil {
			return &inputError{err}
		}
		res.N += int64(b.Len())
		if err := addMoments(res, b, t.Data.Columns, s.File); err != nil {
			return err
		}
		for j, l := range lv {
			if l != nil {
				res.Levels[j] = partition.MergeLevels(res.Levels[j], l)
			}
		}
		if err := checkLevels(t.Data.Columns, res.Levels, s.File); err != nil {
			return &inputError{err}
		}
	}
	return nil
}

// addMoments merges into res.Moments the summary of each column of b
// (the values as read, float32, so that Gower's ranges are those of the
// values its distances compare).
func addMoments(res *wire.Result, b *partition.Block, columns []string, file string) error {
	d := len(columns)
	if res.Moments == nil {
		res.Moments = make([]algo.Moments, d)
	}
	col := make([]float64, b.Len())
	for j := range d {
		for i := range col {
			col[i] = float64(b.Data[i*d+j])
		}
		m, err := algo.MomentsOf(col)
		if err != nil {
			return &inputError{fmt.Errorf("%s: column %q: %w", file, columns[j], err)}
		}
		res.Moments[j].Merge(m)
	}
	return nil
}

// checkLevels refuses levels beyond wire.MaxLevels for a column or
// wire.MaxLevelBytes in all, naming the column (and where it was read).
func checkLevels(columns []string, levels [][]string, where string) error {
	for j, l := range levels {
		if len(l) > wire.MaxLevels {
			return fmt.Errorf("%w: %s: column %q has more than %d distinct values; a nominal column for metric gower has at most %d (leave an identifier or free-text column out with --exclude)",
				partition.ErrTooManyLevels, where, columns[j], wire.MaxLevels, wire.MaxLevels)
		}
	}
	if n := wire.LevelBytes(levels); n > wire.MaxLevelBytes {
		return fmt.Errorf("%w: %s: %s", partition.ErrTooManyLevels, where, wire.LevelBytesError(columns, levels))
	}
	return nil
}

// levelsHash identifies a job's dictionaries in a cache key without
// spelling them out.
func levelsHash(levels [][]string) uint64 {
	if levels == nil {
		return 0
	}
	h := fnv.New64a()
	for _, col := range levels {
		for _, v := range col {
			h.Write([]byte(v))
			h.Write([]byte{0})
		}
		h.Write([]byte{1})
	}
	return h.Sum64()
}
