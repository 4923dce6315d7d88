package algo

import (
	"fmt"
	"math"
	"slices"
)

// Feature scaling, as scikit-learn's preprocessing scalers fit it: each
// column j is read as (x − Centre[j]) / Scale[j].
//
//   - standard (StandardScaler): centre the mean, scale the population
//     standard deviation (ddof = 0);
//   - minmax (MinMaxScaler with its default range [0, 1]): centre the
//     minimum, scale max − min;
//   - robust (RobustScaler with its defaults): centre the median, scale the
//     interquartile range, quantiles interpolated linearly between order
//     statistics as numpy.percentile does by default.
//
// A scale that would be zero (a constant column) is 1, as scikit-learn's
// _handle_zeros_in_scale makes it, so the column is only shifted.
//
// The statistics are computed from shards: Moments summarise a shard in
// one pass and merge exactly enough that the merge order changes only the
// last bits (Chan, Golub & LeVeque, "Algorithms for computing the sample
// variance", The American Statistician 37(3), 1983, doi:10.2307/2683386),
// and quantiles come from a few rounds of QuantileHist, which narrow an
// interval down to one value and are exact.

// Scale methods.
const (
	ScaleStandard = "standard"
	ScaleMinMax   = "minmax"
	ScaleRobust   = "robust"
)

// ScaleMethods are the scalers a job may ask for ("none" aside).
var ScaleMethods = []string{ScaleStandard, ScaleMinMax, ScaleRobust}

// Moments summarises the values of one column: their count, mean, sum of
// squared deviations from the mean (M2), minimum and maximum. The zero
// value describes no values; Merge is associative and commutative up to
// rounding.
type Moments struct {
	N    int64   `json:"n"`
	Mean float64 `json:"mean"`
	M2   float64 `json:"m2"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
}

// MomentsOf summarises xs in two passes (the mean, then the squared
// deviations from it), the accurate way for values held in memory. A NaN
// or infinite value is ErrNotFinite.
func MomentsOf(xs []float64) (Moments, error) {
	var m Moments
	if len(xs) == 0 {
		return m, nil
	}
	var sum float64
	m.Min, m.Max = xs[0], xs[0]
	for i, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return Moments{}, fmt.Errorf("%w: value %d is %v", ErrNotFinite, i, x)
		}
		sum += x
		m.Min, m.Max = math.Min(m.Min, x), math.Max(m.Max, x)
	}
	m.N = int64(len(xs))
	m.Mean = sum / float64(m.N)
	// One correction term absorbs the rounding of the mean (the
	// "corrected two-pass algorithm" of Chan, Golub & LeVeque).
	var ss, c float64
	for _, x := range xs {
		d := x - m.Mean
		ss += d * d
		c += d
	}
	m.M2 = max(ss-c*c/float64(m.N), 0)
	m.Mean += c / float64(m.N) // refined by the same residual
	return m, nil
}

// Merge folds o into m (Chan et al.'s pairwise update).
func (m *Moments) Merge(o Moments) {
	switch {
	case o.N == 0:
		return
	case m.N == 0:
		*m = o
		return
	}
	n := m.N + o.N
	delta := o.Mean - m.Mean
	fb := float64(o.N) / float64(n)
	m.Mean += delta * fb // exact where the means agree (a constant column)
	m.M2 += o.M2 + delta*delta*float64(m.N)*fb
	m.Min, m.Max = math.Min(m.Min, o.Min), math.Max(m.Max, o.Max)
	m.N = n
}

// Check reports whether m could have come from MomentsOf and Merge:
// finite, a non-negative count and M2, Min ≤ Mean ≤ Max.
func (m Moments) Check() error {
	for _, v := range []float64{m.Mean, m.M2, m.Min, m.Max} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: moments %+v", ErrNotFinite, m)
		}
	}
	if m.N < 0 || m.M2 < 0 || (m.N > 0 && (m.Min > m.Max)) {
		return fmt.Errorf("%w: moments %+v", ErrShape, m)
	}
	return nil
}

// StandardScale is StandardScaler's mean and scale from a column's
// moments: the population standard deviation, or 1 where the variance is
// within rounding of zero (scikit-learn's _is_constant_feature bound,
// n·ε·var + (n·mean·ε)²).
func StandardScale(m Moments) (centre, scale float64) {
	if m.N == 0 {
		return 0, 1
	}
	v := m.M2 / float64(m.N)
	eps, n := 0x1p-52, float64(m.N)
	if v <= n*eps*v+(n*m.Mean*eps)*(n*m.Mean*eps) {
		return m.Mean, 1
	}
	return m.Mean, math.Sqrt(v)
}

// MinMaxScale is MinMaxScaler's minimum and range from a column's
// moments, the range 1 where it is below 10ε, as scikit-learn has it.
func MinMaxScale(m Moments) (centre, scale float64) {
	return m.Min, nonZeroScale(m.Max - m.Min)
}

// nonZeroScale is scikit-learn's _handle_zeros_in_scale for one value.
func nonZeroScale(s float64) float64 {
	if s < 10*0x1p-52 {
		return 1
	}
	return s
}

// RobustQuantiles are the quantiles RobustScaler uses: the median and the
// quartiles of its default quantile_range (25, 75).
var RobustQuantiles = []float64{0.25, 0.5, 0.75}

// QuantileRanks returns the 0-based ranks of the order statistics that the
// q-quantile of n values interpolates between, as numpy.quantile's
// default (linear) method does: position q(n−1), its floor and the next
// rank (the same one at the top).
func QuantileRanks(n int64, q float64) (lo, hi int64) {
	pos := q * float64(n-1)
	lo = int64(math.Floor(pos))
	hi = min(lo+1, n-1)
	return lo, hi
}

// Quantile interpolates the q-quantile of n values whose order statistics
// at QuantileRanks(n, q) are a and b, with numpy's formula (its _lerp,
// which is exact at both ends).
func Quantile(n int64, q, a, b float64) float64 {
	pos := q * float64(n-1)
	t := pos - math.Floor(pos)
	d := b - a
	if t >= 0.5 {
		return b - d*(1-t)
	}
	return a + d*t
}

// RobustScale is RobustScaler's median and interquartile range from the
// column's quartiles, the range 1 where it is below 10ε.
func RobustScale(q25, median, q75 float64) (centre, scale float64) {
	return median, nonZeroScale(q75 - q25)
}

// HistBuckets is the number of buckets a QuantileHist splits its interval
// into: each round narrows the interval holding an order statistic to
// one bucket's values, so n distinct values need about log₆₄ n rounds.
const HistBuckets = 64

// QuantileHist counts a column's values against an interval [Lo, Hi]:
// Below counts those under Lo, and the values inside fall into
// HistBuckets equal-width buckets, each with its count, minimum and
// maximum. A bucket is a function of the value that never decreases, so
// the values of one bucket are exactly those between its minimum and
// maximum, and the rank of each is known from the counts before it: the
// interval of the next round is one bucket's [min, max], and a bucket
// whose min equals its max is one value, the answer. The zero value is
// not ready: NewQuantileHist makes one.
type QuantileHist struct {
	Lo     float64   `json:"lo"`
	Hi     float64   `json:"hi"`
	Below  int64     `json:"below"`
	Counts []int64   `json:"counts"`
	Mins   []float64 `json:"mins"`
	Maxs   []float64 `json:"maxs"`
}

// NewQuantileHist returns an empty histogram of [lo, hi].
func NewQuantileHist(lo, hi float64) *QuantileHist {
	h := &QuantileHist{Lo: lo, Hi: hi, Counts: make([]int64, HistBuckets),
		Mins: make([]float64, HistBuckets), Maxs: make([]float64, HistBuckets)}
	return h
}

// bucket is the bucket of a value v in [Lo, Hi].
func (h *QuantileHist) bucket(v float64) int {
	if h.Hi <= h.Lo {
		return 0
	}
	// Halves, so that the width of [-MaxFloat64, MaxFloat64] is finite.
	b := int((v/2 - h.Lo/2) / (h.Hi/2 - h.Lo/2) * HistBuckets)
	return min(max(b, 0), HistBuckets-1)
}

// Add counts v.
func (h *QuantileHist) Add(v float64) {
	switch {
	case v < h.Lo:
		h.Below++
		return
	case v > h.Hi:
		return
	}
	b := h.bucket(v)
	if h.Counts[b] == 0 {
		h.Mins[b], h.Maxs[b] = v, v
	} else {
		h.Mins[b], h.Maxs[b] = math.Min(h.Mins[b], v), math.Max(h.Maxs[b], v)
	}
	h.Counts[b]++
}

// Merge folds o, a histogram of the same interval, into h.
func (h *QuantileHist) Merge(o *QuantileHist) error {
	if o.Lo != h.Lo || o.Hi != h.Hi || len(o.Counts) != HistBuckets || len(o.Mins) != HistBuckets || len(o.Maxs) != HistBuckets {
		return fmt.Errorf("%w: histogram of [%v,%v] with %d buckets into one of [%v,%v]", ErrMergeMismatch, o.Lo, o.Hi, len(o.Counts), h.Lo, h.Hi)
	}
	h.Below += o.Below
	for b, c := range o.Counts {
		if c == 0 {
			continue
		}
		if h.Counts[b] == 0 {
			h.Mins[b], h.Maxs[b] = o.Mins[b], o.Maxs[b]
		} else {
			h.Mins[b], h.Maxs[b] = math.Min(h.Mins[b], o.Mins[b]), math.Max(h.Maxs[b], o.Maxs[b])
		}
		h.Counts[b] += c
	}
	return nil
}

// Find locates the value of 0-based rank r among all the column's values
// (not only the interval's): done with its value when the bucket holding
// it is a single value, else the narrower interval holding it. ok is
// false when the histogram does not hold rank r, which merged histograms
// of the whole column always do for a rank inside its interval.
func (h *QuantileHist) Find(r int64) (value, lo, hi float64, done, ok bool) {
	seen := h.Below
	for b, c := range h.Counts {
		if r < seen+c {
			if h.Mins[b] == h.Maxs[b] {
				return h.Mins[b], 0, 0, true, true
			}
			return 0, h.Mins[b], h.Maxs[b], false, true
		}
		seen += c
	}
	return 0, 0, 0, false, false
}

// OrderStatistic returns the value of 0-based rank r of xs by sorting a
// copy: the brute-force reference for tests.
func OrderStatistic(xs []float64, r int) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[r]
}
