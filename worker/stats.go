package worker

import (
	"fmt"
	"unicode/utf8"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// stats returns the statistics of the task's feature columns over the
// rows the job keeps, from the values as stored in float64 (never the
// cached float32 blocks): each column's moments, or with quantile queries
// one histogram per query. Shards are summarised one by one and merged in
// task order.
func (x *executor) stats(t *wire.Task, res *wire.Result) error {
	nulls, err := partition.ParseNullPolicy(t.Data.Nulls)
	if err != nil {
		return &inputError{err}
	}
	d := len(t.Data.Columns)
	if len(t.Quantiles) == 0 {
		res.Moments = make([]algo.Moments, d)
	} else {
		res.Hists = make([]*algo.QuantileHist, len(t.Quantiles))
		for i, q := range t.Quantiles {
			res.Hists[i] = algo.NewQuantileHist(q.Lo, q.Hi)
		}
	}
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
		values, b, err := partition.ShardValues(ps, t.Data.Columns, t.Data.Weight, nulls)
		if err != nil {
			return &inputError{err}
		}
		res.N += int64(b.Len())
		if res.Moments != nil {
			for j, col := range values {
				m, err := algo.MomentsOf(col)
				if err != nil {
					return &inputError{fmt.Errorf("%s: column %q: %w", s.File, t.Data.Columns[j], err)}
				}
				res.Moments[j].Merge(m)
			}
			continue
		}
		for i, q := range t.Quantiles {
			h := res.Hists[i]
			for _, v := range values[q.Column] {
				h.Add(v)
			}
		}
	}
	return nil
}
