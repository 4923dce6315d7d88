package algo

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestDistanceHandValues checks each metric on values computed by hand.
func TestDistanceHandValues(t *testing.T) {
	for _, tc := range []struct {
		m    Metric
		a, b []float32
		want float64
	}{
		{Euclidean, []float32{0, 0}, []float32{3, 4}, 5},
		{SqEuclidean, []float32{0, 0}, []float32{3, 4}, 25},
		{Manhattan, []float32{0, 0}, []float32{3, 4}, 7},
		{Euclidean, []float32{1, 2, 3}, []float32{1, 2, 3}, 0},
		{Manhattan, []float32{-1, 2, -3}, []float32{1, -2, 3}, 2 + 4 + 6},
		{SqEuclidean, []float32{0.5}, []float32{-0.5}, 1},
		{Cosine, []float32{1, 0}, []float32{0, 1}, 1},                // orthogonal
		{Cosine, []float32{1, 2}, []float32{2, 4}, 0},                // parallel
		{Cosine, []float32{1, 2}, []float32{-1, -2}, 2},              // opposite
		{Cosine, []float32{1, 0}, []float32{1, 1}, 1 - 1/math.Sqrt2}, // 45°
		{Cosine, []float32{0, 0}, []float32{3, 4}, 1},                // zero vector: no direction
		{Cosine, []float32{0, 0}, []float32{0, 0}, 0},
		{Cosine, []float32{3, 4}, []float32{4, -3}, 1},
	} {
		got := Distance(tc.m, tc.a, tc.b)
		if math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s(%v, %v) = %v, want %v", tc.m, tc.a, tc.b, got, tc.want)
		}
	}
}

// TestDistanceSymmetric checks that every metric gives identical bits for
// (a, b) and (b, a), which the k-medoids code relies on.
func TestDistanceSymmetric(t *testing.T) {
	rng := NewRand(3)
	for trial := 0; trial < 200; trial++ {
		d := 1 + rng.IntN(20)
		a, b := make([]float32, d), make([]float32, d)
		for i := range a {
			a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		for _, m := range []Metric{Euclidean, SqEuclidean, Manhattan, Cosine} {
			if x, y := Distance(m, a, b), Distance(m, b, a); x != y || !(x >= 0) {
				t.Fatalf("trial %d %s: d(a,b)=%v d(b,a)=%v", trial, m, x, y)
			}
		}
	}
}

func TestDistancePanics(t *testing.T) {
	kmtMustPanic(t, "length mismatch", func() { Distance(Euclidean, []float32{1}, []float32{1, 2}) })
	kmtMustPanic(t, "unknown metric", func() { Distance(Metric(42), []float32{1}, []float32{1}) })
}

func TestParseMetric(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Metric
	}{
		{"euclidean", Euclidean}, {"EUCLIDEAN", Euclidean}, {" sqeuclidean ", SqEuclidean},
		{"manhattan", Manhattan}, {"Cosine", Cosine},
	} {
		m, err := ParseMetric(tc.in)
		if err != nil || m != tc.want {
			t.Errorf("ParseMetric(%q) = %v, %v; want %v", tc.in, m, err, tc.want)
		}
		if back, err := ParseMetric(m.String()); err != nil || back != m {
			t.Errorf("%v does not round-trip through String: %v, %v", m, back, err)
		}
	}
	for _, bad := range []string{"", "l2", "euclid", "cosine2"} {
		if _, err := ParseMetric(bad); !errors.Is(err, ErrUnknownMetric) {
			t.Errorf("ParseMetric(%q): error %v, want ErrUnknownMetric", bad, err)
		}
	}
	if s := Metric(9).String(); s != "Metric(9)" {
		t.Errorf("Metric(9).String() = %q", s)
	}
}

// FuzzParseMetric: any input either fails with ErrUnknownMetric or names a
// metric whose String is the trimmed, lower-cased input.
func FuzzParseMetric(f *testing.F) {
	for _, s := range []string{"euclidean", "Cosine ", "", "manhattan\x00", "SQEUCLIDEAN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMetric(s)
		if err != nil {
			if !errors.Is(err, ErrUnknownMetric) {
				t.Fatalf("ParseMetric(%q): unexpected error %v", s, err)
			}
			return
		}
		if m.String() != strings.ToLower(strings.TrimSpace(s)) {
			t.Fatalf("ParseMetric(%q) = %v", s, m)
		}
	})
}
