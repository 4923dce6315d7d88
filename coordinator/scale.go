package coordinator

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// Feature scaling (JobSpec.Scale) is a statistics pass before the fit:
// workers summarise each shard's columns from the values as stored, in
// float64, and the coordinator merges the summaries in shard order into
// each column's centre and scale (algo/scale.go). Those become the data's
// Offsets and Scales, so every later task reads (x − centre) / scale and
// the whole fit, the label pass, losses included, is in scaled units. The
// model gives its centres back in the data's units (fromScaled) beside
// the scaled ones, and records the scaler, which `assign` applies to new
// data (assignScaling).

// Rounds of the statistics pass, apart from those of job.go and
// csvcount.go.
const (
	roundScaleMoments  = -30
	roundScaleQuantile = -3000 // minus 2²⁰ × the narrowing round, minus the chunk
)

// checkpointScaler names the checkpoint of the fitted scaler, so a
// resumed job neither repeats the pass nor risks other statistics.
const checkpointScaler = "scaler"

// maxQuantileRounds bounds the narrowing rounds of an exact quantile:
// each narrows an interval to one of algo.HistBuckets buckets, so real
// data ends in a handful; the bound only stops a runaway.
const maxQuantileRounds = 200

// scaleData sets the data's offsets and scales: from the model of an
// assignment, or fitted by a statistics pass when the job asks for
// scaling. Other jobs keep the shift of shift.go.
func (j *job) scaleData(ctx context.Context) error {
	spec := j.spec
	if spec.Assign != nil {
		offsets, scales, err := spec.Assign.ScalingFor(j.ds.Columns)
		if err != nil || scales == nil {
			return err
		}
		j.setScaling(offsets, scales)
		return nil
	}
	if spec.Scale == "" {
		return nil
	}
	var s wire.Scaler
	if _, ok := j.restore(checkpointScaler, &s); ok && len(s.Scale) == j.d && len(s.Center) == j.d {
		j.setScaling(s.Center, s.Scale)
		return nil
	}
	j.progress(Progress{Job: j.id, Phase: "scale", Rows: j.ds.Rows})
	defer j.timed("scale", time.Now())
	moments, err := j.moments(ctx)
	if err != nil {
		return err
	}
	centre, scale := make([]float64, j.d), make([]float64, j.d)
	switch spec.Scale {
	case algo.ScaleStandard:
		for f, m := range moments {
			centre[f], scale[f] = algo.StandardScale(m)
		}
	case algo.ScaleMinMax:
		for f, m := range moments {
			centre[f], scale[f] = algo.MinMaxScale(m)
		}
	case algo.ScaleRobust:
		qs, err := j.quantiles(ctx, moments, algo.RobustQuantiles)
		if err != nil {
			return err
		}
		for f, q := range qs {
			centre[f], scale[f] = algo.RobustScale(q[0], q[1], q[2])
		}
	default:
		return fmt.Errorf("%w: --scale %q", wire.ErrJobSpec, spec.Scale)
	}
	j.setScaling(centre, scale)
	j.checkpoint(checkpointScaler, 1, &wire.Scaler{Method: spec.Scale, Center: centre, Scale: scale})
	return nil
}

// setScaling makes the workers read column f as (x − offsets[f]) /
// scales[f], with the limit of shift.go in scaled units.
func (j *job) setScaling(offsets, scales []float64) {
	limit := partition.DeviationLimit(j.d)
	if m, err := algo.ParseMetric(j.spec.Metric); err == nil && j.spec.IsMedoid() {
		switch m {
		case algo.Cosine:
			limit = 0 // computed in float64, see shift
		case algo.Manhattan:
			limit = partition.L1DeviationLimit(j.d)
		}
	}
	j.data.Offsets, j.data.Scales, j.data.Limit = offsets, scales, limit
}

// moments runs the statistics pass: one task per shard, merged in shard
// order.
func (j *job) moments(ctx context.Context) ([]algo.Moments, error) {
	res, err := j.collect(ctx, roundScaleMoments, j.shardTasks(wire.KindStats))
	if err != nil {
		return nil, err
	}
	out := make([]algo.Moments, j.d)
	for _, r := range res {
		if len(r.Moments) != j.d {
			return nil, fmt.Errorf("%w: statistics of %d columns for %d", wire.ErrDecode, len(r.Moments), j.d)
		}
		for f, m := range r.Moments {
			if err := m.Check(); err != nil {
				return nil, fmt.Errorf("%w: statistics of column %q: %v", wire.ErrDecode, j.ds.Columns[f], err)
			}
			out[f].Merge(m)
		}
	}
	return out, nil
}

// quantiles returns, for each column, its quantiles qs, exactly as
// numpy.quantile's default method gives them: the order statistics they
// interpolate between are found by rounds of histograms (see
// algo.QuantileHist), each a pass over the data that narrows every
// statistic's interval to one bucket, until each is one value.
func (j *job) quantiles(ctx context.Context, moments []algo.Moments, qs []float64) ([][]float64, error) {
	// The rank statistics each column needs, and what is known of each.
	type target struct {
		col    int
		rank   int64
		lo, hi float64
		value  float64
		done   bool
	}
	var targets []*target
	for f, m := range moments {
		for _, q := range qs {
			lo, hi := algo.QuantileRanks(max(m.N, 1), q)
			for _, r := range []int64{lo, hi} {
				t := &target{col: f, rank: r, lo: m.Min, hi: m.Max}
				if m.N == 0 || m.Min == m.Max {
					t.value, t.done = m.Min, true
				}
				targets = append(targets, t)
			}
		}
	}
	for round := 0; ; round++ {
		// One query per distinct interval: the statistics of a column
		// share one until they part.
		type key struct {
			col    int
			lo, hi float64
		}
		var queries []wire.QuantileQuery
		at := map[key]int{}
		for _, t := range targets {
			k := key{t.col, t.lo, t.hi}
			if _, seen := at[k]; !t.done && !seen {
				at[k] = len(queries)
				queries = append(queries, wire.QuantileQuery{Column: t.col, Lo: t.lo, Hi: t.hi})
			}
		}
		if len(queries) == 0 {
			break
		}
		if round == maxQuantileRounds {
			return nil, fmt.Errorf("coordinator: quantiles of %d columns not found in %d rounds", len(queries), round)
		}
		hists, err := j.histograms(ctx, round, queries)
		if err != nil {
			return nil, err
		}
		for _, t := range targets {
			if t.done {
				continue
			}
			v, lo, hi, done, ok := hists[at[key{t.col, t.lo, t.hi}]].Find(t.rank)
			if !ok {
				return nil, fmt.Errorf("%w: column %q: the histograms of [%v, %v] do not hold rank %d; was the data changed during the job?",
					ErrInput, j.ds.Columns[t.col], t.lo, t.hi, t.rank)
			}
			t.value, t.lo, t.hi, t.done = v, lo, hi, done
		}
	}
	out := make([][]float64, len(moments))
	i := 0
	for f, m := range moments {
		out[f] = make([]float64, len(qs))
		for k, q := range qs {
			a, b := targets[i].value, targets[i+1].value
			out[f][k] = algo.Quantile(max(m.N, 1), q, a, b)
			i += 2
		}
	}
	return out, nil
}

// histograms runs one narrowing round: every shard counts its values
// against every query, in tasks of at most wire.MaxQuantileQueries
// queries, and the histograms of each query are merged over the shards.
func (j *job) histograms(ctx context.Context, round int, queries []wire.QuantileQuery) ([]*algo.QuantileHist, error) {
	out := make([]*algo.QuantileHist, len(queries))
	for i, q := range queries {
		out[i] = algo.NewQuantileHist(q.Lo, q.Hi)
	}
	for start, chunk := 0, 0; start < len(queries); start, chunk = start+wire.MaxQuantileQueries, chunk+1 {
		part := queries[start:min(start+wire.MaxQuantileQueries, len(queries))]
		tasks := j.shardTasks(wire.KindStats)
		for _, t := range tasks {
			t.Quantiles = slices.Clone(part)
		}
		// Chunks of a round get rounds of their own, below the round's.
		r := int64(roundScaleQuantile) - int64(round)<<20 - int64(chunk)
		res, err := j.collect(ctx, r, tasks)
		if err != nil {
			return nil, err
		}
		for _, rs := range res {
			if len(rs.Hists) != len(part) {
				return nil, fmt.Errorf("%w: %d histograms for %d queries", wire.ErrDecode, len(rs.Hists), len(part))
			}
			for i, h := range rs.Hists {
				if h == nil {
					return nil, fmt.Errorf("%w: a missing histogram", wire.ErrDecode)
				}
				if err := out[start+i].Merge(h); err != nil {
					return nil, fmt.Errorf("%w: %v", wire.ErrDecode, err)
				}
			}
		}
	}
	return out, nil
}

// fromScaled returns value v of feature f, in the units the workers read,
// in the data's own units.
func (j *job) fromScaled(f int, v float64) float64 {
	if j.data.Scales != nil {
		v *= j.data.Scales[f]
	}
	return v + j.offset(f)
}

// toScaled is the inverse of fromScaled: a value in the data's units as
// the workers read it.
func (j *job) toScaled(f int, v float64) float64 {
	v -= j.offset(f)
	if j.data.Scales != nil {
		v /= j.data.Scales[f]
	}
	return v
}

// describeScaling records the job's scaling in the model: the scaler, the
// centres as clustered, and the parameter.
func (j *job) describeScaling(m *wire.Model, fit *fitted) {
	method := j.spec.Scale
	if a := j.spec.Assign; a != nil && a.Scaler != nil {
		method = a.Scaler.Method
	}
	if method == "" || j.data.Scales == nil {
		return
	}
	m.Scaler = &wire.Scaler{Method: method, Center: slices.Clone(j.data.Offsets), Scale: slices.Clone(j.data.Scales)}
	if m.Params != nil {
		m.Params.Scale = method
	}
	if fit.centres != nil {
		m.ScaledCenters = make([][]float64, j.spec.K)
		for c := range j.spec.K {
			row := make([]float64, j.d)
			for f := range j.d {
				row[f] = float64(fit.centres[c*j.d+f])
			}
			m.ScaledCenters[c] = row
		}
	}
}
