package wire

import (
	"errors"
	"reflect"
	"testing"
)

// A refine task carries the medoids and targets (two sets), and one
// candidate count per cluster adding up to its candidate rows; anything
// else is refused.
func TestRefineTask(t *testing.T) {
	refine := func() *Task {
		in := sampleTask()
		in.Kind, in.Fraction, in.Sets = KindRefine, 0, 2
		in.Centres = []float32{0, 0, 5, 5, 0.5, 0, 5, 4.5} // medoids, then targets
		in.Candidates, in.TopRows = []int{2, 1}, 8
		in.Points, in.PointRows = []float32{0, 0, 1, 1, 5, 5}, []int64{10, 11, 40}
		return in
	}
	for _, c := range []struct {
		name   string
		change func(*Task)
		ok     bool
	}{
		{"valid", func(*Task) {}, true},
		{"no candidates beyond the medoids", func(t *Task) { t.Candidates, t.Points, t.PointRows = []int{0, 0}, nil, nil }, true},
		{"one set", func(t *Task) { t.Sets, t.Centres = 1, t.Centres[:4] }, false},
		{"counts for one cluster", func(t *Task) { t.Candidates = []int{3} }, false},
		{"counts not the rows", func(t *Task) { t.Candidates = []int{1, 1} }, false},
		{"negative count", func(t *Task) { t.Candidates = []int{4, -1} }, false},
		{"negative top rows", func(t *Task) { t.TopRows = -1 }, false},
		{"too many top rows", func(t *Task) { t.TopRows = MaxRefine + 1 }, false},
		{"candidates on a score task", func(t *Task) { t.Kind = KindScore }, false},
	} {
		in := refine()
		c.change(in)
		b, err := EncodeTask(in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out, err := DecodeTask(b)
		if c.ok {
			if err != nil || !reflect.DeepEqual(in, out) {
				t.Errorf("%s: %v, round trip %+v", c.name, err, out)
			}
			continue
		}
		if !errors.Is(err, ErrDecode) {
			t.Errorf("%s: decoded with %v, want ErrDecode", c.name, err)
		}
	}
}

// --refine applies to the sampled k-medoids algorithms only, and is
// bounded.
func TestRefineSpec(t *testing.T) {
	for _, c := range []struct {
		algo   string
		refine int
		ok     bool
	}{
		{"fastclara", 32, true},
		{"clarans", 1, true},
		{"fasterpam", 32, false},
		{"kmeans", 32, false},
		{"fastclara", MaxRefine + 1, false},
		{"fastclara", -1, false},
	} {
		s := JobSpec{Inputs: []string{"x.csv"}, K: 3, Algorithm: c.algo, Refine: c.refine}
		err := s.Normalize()
		if c.ok != (err == nil) || (err != nil && !errors.Is(err, ErrJobSpec)) {
			t.Errorf("%s --refine %d: %v", c.algo, c.refine, err)
		}
	}
}
