package algo

import (
	"fmt"
	"math"
	"strings"
)

// Metric names a dissimilarity between two vectors of equal length.
//
// All metrics accumulate in float64 and are exactly symmetric: Distance(m,
// a, b) and Distance(m, b, a) are the same bits, which the k-medoids code
// relies on when it reads a row instead of a column.
type Metric int

const (
	// Euclidean is the L2 distance sqrt(Σ(a_i-b_i)²).
	Euclidean Metric = iota
	// SqEuclidean is the squared L2 distance Σ(a_i-b_i)². It is not a
	// metric (no triangle inequality) but k-medoids does not need one.
	SqEuclidean
	// Manhattan is the L1 distance Σ|a_i-b_i|.
	Manhattan
	// Cosine is 1 - a·b/(|a||b|), in [0, 2]. A zero vector has no
	// direction: its distance to any non-zero vector is 1 (as if the
	// cosine were 0) and to another zero vector 0. Rounding can push
	// 1 - cos slightly below 0 for parallel vectors; it is clamped to 0.
	Cosine
	// Gower is Gower's general dissimilarity (Gower 1971, "A general
	// coefficient of similarity and some of its properties", Biometrics
	// 27(4), doi:10.2307/2528823) as R's daisy(metric = "gower") computes
	// it: the mean over the columns of min(|a_i − b_i| / r_i, 1), where r_i
	// is the range (max − min) of a numeric or ordinal column, and 1 for a
	// nominal column (strings, booleans, dictionary codes) held as integer
	// codes, so that a nominal column adds 0 or 1 (same code or not). A
	// numeric column of one value (range 0) has r_i = 1 and adds 0, as in
	// daisy. Distance(Gower, ...) takes every r_i = 1 (columns already
	// range-scaled); GowerDistance and Vectors.Ranges give the ranges, and
	// dividing in float64 keeps the result within rounding of daisy's. As
	// in daisy, a column where either value is NaN (missing) is left out
	// of that pair's mean; a pair with no column in common is at 1. A
	// negative range marks an asymmetric binary column (daisy's type
	// "asymm", its default for logical columns): codes 0 (false) and 1
	// (true), and a pair where both are 0 leaves the column out.
	Gower
	// Jaccard is the Jaccard distance of binary vectors, as R's
	// dist(method = "binary"): among the columns where at least one of a
	// and b is non-zero, the share where exactly one is. Two all-zero
	// vectors are at distance 0.
	Jaccard
)

var metricNames = [...]string{
	Euclidean:   "euclidean",
	SqEuclidean: "sqeuclidean",
	Manhattan:   "manhattan",
	Cosine:      "cosine",
	Gower:       "gower",
	Jaccard:     "jaccard",
}

// ParseMetric turns a name as written on a command line or in a model file
// ("euclidean", "sqeuclidean", "manhattan", "cosine", "gower", "jaccard";
// case-insensitive)
// into a Metric.
func ParseMetric(s string) (Metric, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for m, n := range metricNames {
		if n == name {
			return Metric(m), nil
		}
	}
	return 0, fmt.Errorf("%w: %q (want one of %s)", ErrUnknownMetric, s, strings.Join(metricNames[:], ", "))
}

// String returns the name ParseMetric accepts, so a model file round-trips.
func (m Metric) String() string {
	if m.valid() {
		return metricNames[m]
	}
	return fmt.Sprintf("Metric(%d)", int(m))
}

func (m Metric) valid() bool { return m >= 0 && int(m) < len(metricNames) }

// Distance is the reference implementation of metric m for one pair of
// vectors of equal length, accumulated in float64. Vectors and
// BuildLowerTriangle call the same kernels, so they agree with it bit for
// bit once rounded to float32 (the tests check that, and check Distance
// itself on hand-computed values). It panics if the lengths differ or m
// is unknown.
func Distance(m Metric, a, b []float32) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("algo: Distance of vectors of length %d and %d", len(a), len(b)))
	}
	switch m {
	case Euclidean:
		return math.Sqrt(metricSqL2(a, b))
	case SqEuclidean:
		return metricSqL2(a, b)
	case Manhattan:
		return metricL1(a, b)
	case Cosine:
		return metricCosine(metricDot(a, b), math.Sqrt(metricDot(a, a)), math.Sqrt(metricDot(b, b)))
	case Gower:
		return metricGower(a, b, nil)
	case Jaccard:
		return metricJaccard(a, b)
	}
	panic(fmt.Sprintf("algo: Distance with unknown metric %d", int(m)))
}

// The kernels below accumulate in float64 over four interleaved lanes
// (i mod 4) combined as (s0+s1)+(s2+s3), then the tail: four independent
// dependency chains run about three times faster than one on a
// latency-bound loop, and since Distance uses these same functions every
// fast path agrees with it bit for bit.

// metricSqL2 is Σ(a_i-b_i)². Differences are taken in float64 so that
// (a-b)² and (b-a)² are the same bits.
func metricSqL2(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	for len(a) >= 4 && len(b) >= 4 {
		x, y := a[:4:4], b[:4:4]
		d0 := float64(x[0]) - float64(y[0])
		d1 := float64(x[1]) - float64(y[1])
		d2 := float64(x[2]) - float64(y[2])
		d3 := float64(x[3]) - float64(y[3])
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
		a, b = a[4:], b[4:]
	}
	s := (s0 + s1) + (s2 + s3)
	for i, x := range a {
		d := float64(x) - float64(b[i])
		s += d * d
	}
	return s
}

// metricL1 is Σ|a_i-b_i|, in the same lane order as metricSqL2.
func metricL1(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	for len(a) >= 4 && len(b) >= 4 {
		x, y := a[:4:4], b[:4:4]
		s0 += math.Abs(float64(x[0]) - float64(y[0]))
		s1 += math.Abs(float64(x[1]) - float64(y[1]))
		s2 += math.Abs(float64(x[2]) - float64(y[2]))
		s3 += math.Abs(float64(x[3]) - float64(y[3]))
		a, b = a[4:], b[4:]
	}
	s := (s0 + s1) + (s2 + s3)
	for i, x := range a {
		s += math.Abs(float64(x) - float64(b[i]))
	}
	return s
}

// metricDot is Σ a_i·b_i, in the same lane order as metricSqL2; the
// products commute, so metricDot(a, b) and metricDot(b, a) are equal.
func metricDot(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	for len(a) >= 4 && len(b) >= 4 {
		x, y := a[:4:4], b[:4:4]
		s0 += float64(x[0]) * float64(y[0])
		s1 += float64(x[1]) * float64(y[1])
		s2 += float64(x[2]) * float64(y[2])
		s3 += float64(x[3]) * float64(y[3])
		a, b = a[4:], b[4:]
	}
	s := (s0 + s1) + (s2 + s3)
	for i, x := range a {
		s += float64(x) * float64(b[i])
	}
	return s
}

// metricCosine turns a dot product and the two norms into 1 - cos, with
// the zero-vector convention documented on Cosine. The product of the
// norms is commutative in IEEE arithmetic, so the result is symmetric.
func metricCosine(dot, na, nb float64) float64 {
	if na == 0 || nb == 0 {
		if na == nb {
			return 0
		}
		return 1
	}
	d := 1 - dot/(na*nb)
	if d < 0 {
		return 0
	}
	return d
}

// GowerDistance is the Gower dissimilarity of a and b (see Gower) with
// ranges[i] the range of column i (1 for a nominal column); nil ranges
// are all 1. It panics if the lengths differ.
func GowerDistance(a, b []float32, ranges []float64) float64 {
	if len(a) != len(b) || (ranges != nil && len(ranges) != len(a)) {
		panic(fmt.Sprintf("algo: GowerDistance of vectors of length %d and %d with %d ranges", len(a), len(b), len(ranges)))
	}
	return metricGower(a, b, ranges)
}

// metricGower is the mean over the columns of min(|a_i − b_i| / r_i, 1),
// leaving out columns where either value is NaN (see Gower). Scaled
// numeric differences lie in [0, 1] for values inside the ranges, so the
// cap only ever turns a difference of nominal codes (a whole number ≥ 1)
// into a mismatch of 1.
func metricGower(a, b []float32, ranges []float64) float64 {
	b = b[:len(a)]
	var s float64
	n := 0
	for i, x := range a {
		d := math.Abs(float64(x) - float64(b[i]))
		if d != d { // NaN: a missing value on either side
			continue
		}
		if ranges != nil && ranges[i] < 0 && x == 0 && b[i] == 0 {
			continue // asymmetric binary: two falses say nothing
		}
		n++
		if ranges != nil && ranges[i] > 0 {
			d /= ranges[i]
		}
		if d > 1 {
			d = 1
		}
		s += d
	}
	if n == 0 {
		return 1
	}
	return s / float64(n)
}

// metricJaccard is the share of columns where exactly one of a and b is
// non-zero among those where at least one is (see Jaccard).
func metricJaccard(a, b []float32) float64 {
	b = b[:len(a)]
	either, one := 0, 0
	for i, x := range a {
		p, q := x != 0, b[i] != 0
		if p || q {
			either++
			if p != q {
				one++
			}
		}
	}
	if either == 0 {
		return 0
	}
	return float64(one) / float64(either)
}
