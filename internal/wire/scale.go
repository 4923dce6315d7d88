package wire

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/shoal-io/shoal/algo"
)

// Scaler is a model's feature scaling: column j of the data (in the
// model's column order) is clustered as (x − Center[j]) / Scale[j].
// Method is "standard" (Center the mean, Scale the population standard
// deviation, as scikit-learn's StandardScaler fits mean_ and scale_),
// "minmax" (the minimum and max − min: MinMaxScaler's data_min_ and
// data_range_) or "robust" (the median and the interquartile range:
// RobustScaler's center_ and scale_). A constant column has scale 1.
type Scaler struct {
	Method string    `json:"method"`
	Center []float64 `json:"center"`
	Scale  []float64 `json:"scale"`
}

// Check refuses a scaler that cannot apply to d columns (see check).
func (s *Scaler) Check(d int) error { return s.check(d) }

// check refuses a scaler that cannot apply to d columns: an unknown
// method, vectors of another length, a value that is not finite or a
// scale not above 0.
func (s *Scaler) check(d int) error {
	switch {
	case !slices.Contains(algo.ScaleMethods, s.Method):
		return fmt.Errorf("has scaler method %q, not one of %s", s.Method, strings.Join(algo.ScaleMethods, ", "))
	case len(s.Center) != d || len(s.Scale) != d:
		return fmt.Errorf("has a scaler of %d centers and %d scales for %d columns", len(s.Center), len(s.Scale), d)
	}
	for j := range d {
		c, sc := s.Center[j], s.Scale[j]
		if math.IsNaN(c) || math.IsInf(c, 0) || math.IsNaN(sc) || math.IsInf(sc, 0) || sc <= 0 {
			return fmt.Errorf("has a scaler with center %v and scale %v for column %d (want finite values, the scale above 0)", c, sc, j)
		}
	}
	return nil
}

// checkScale checks --scale: a known method, and data it can apply to.
// "none" is the same as no scaling and becomes "".
func (s *JobSpec) checkScale() error {
	if s.Scale == "none" {
		s.Scale = ""
	}
	switch {
	case s.Scale == "":
		return nil
	case !slices.Contains(algo.ScaleMethods, s.Scale):
		return fmt.Errorf("%w: --scale must be one of none, %s; got %q", ErrJobSpec, strings.Join(algo.ScaleMethods, ", "), s.Scale)
	case s.Assign != nil:
		return fmt.Errorf("%w: --scale does not apply to an assignment: model %s decides the scaling", ErrJobSpec, s.Assign.Model)
	case s.Precomputed:
		return fmt.Errorf("%w: --scale does not apply to --precomputed: the matrix holds dissimilarities, not features", ErrJobSpec)
	case s.Weight != "":
		return fmt.Errorf("%w: --scale does not take --weight yet: the statistics would be unweighted; leave one out", ErrJobSpec)
	}
	return nil
}

// QuantileQuery asks a KindStats task for a histogram of feature column
// Column over [Lo, Hi] (see algo.QuantileHist).
type QuantileQuery struct {
	Column int     `json:"column"`
	Lo     float64 `json:"lo"`
	Hi     float64 `json:"hi"`
}

// MaxQuantileQueries bounds the queries of one task, and so the
// histograms of its result (about 3 KiB each in the JSON header).
const MaxQuantileQueries = 128

// checkScaling checks the scaling of a task's data and its quantile
// queries.
func (t *Task) checkScaling() error {
	d := t.Data
	if d.Scales != nil {
		if len(d.Scales) != len(d.Columns) || len(d.Offsets) != len(d.Columns) {
			return fmt.Errorf("%w: %d scales and %d offsets for %d columns", ErrDecode, len(d.Scales), len(d.Offsets), len(d.Columns))
		}
		for _, s := range d.Scales {
			if !(s > 0) || math.IsInf(s, 0) {
				return fmt.Errorf("%w: scale %v (want finite and above 0)", ErrDecode, s)
			}
		}
	}
	if len(t.Quantiles) > 0 && t.Kind != KindStats || len(t.Quantiles) > MaxQuantileQueries {
		return fmt.Errorf("%w: %d quantile queries on a %s task (at most %d, on stats only)", ErrDecode, len(t.Quantiles), t.Kind, MaxQuantileQueries)
	}
	for _, q := range t.Quantiles {
		if q.Column < 0 || q.Column >= len(d.Columns) || !(q.Lo <= q.Hi) || math.IsInf(q.Lo, 0) || math.IsInf(q.Hi, 0) {
			return fmt.Errorf("%w: quantile query %+v of %d columns", ErrDecode, q, len(d.Columns))
		}
	}
	return nil
}

// ScalingFor returns the model's scaler as offsets and scales in the
// order of the data's feature columns (the columns the model names, in
// any order); nil, nil for a model without scaling.
func (a *Assignment) ScalingFor(features []string) (offsets, scales []float64, err error) {
	if a.Scaler == nil {
		return nil, nil, nil
	}
	offsets, scales = make([]float64, len(features)), make([]float64, len(features))
	for f, name := range features {
		i := slices.Index(a.Columns, name)
		if i < 0 {
			return nil, nil, fmt.Errorf("%w: column %q is not one of model %s's columns", ErrJobSpec, name, a.Model)
		}
		offsets[f], scales[f] = a.Scaler.Center[i], a.Scaler.Scale[i]
	}
	return offsets, scales, nil
}
