package wire

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/algo"
)

// scaledModel is assignModel with a standard scaler.
const scaledModel = `{"algorithm": "kmeans", "k": 2, "metric": "euclidean", "n": 4, "columns": ["a", "b"],
 "centers": [[1, 10], [2, 20]], "cluster_sizes": [2, 2], "total_deviation": 1, "iterations": 1, "seed": 1, "seconds": 0,
 "scaler": {"method": "standard", "center": [1.5, 15], "scale": [0.5, 5]}}`

// TestScaledAssignment: a model's scaler is read, applied to the centres
// in the data's column order, and refused when it cannot apply.
func TestScaledAssignment(t *testing.T) {
	a, err := ReadAssignment("m.json", []byte(scaledModel))
	if err != nil {
		t.Fatal(err)
	}
	// The data holds the columns the other way round.
	off, sc, err := a.ScalingFor([]string{"b", "a"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(off, []float64{15, 1.5}) || !reflect.DeepEqual(sc, []float64{5, 0.5}) {
		t.Fatalf("offsets %v scales %v", off, sc)
	}
	c, err := a.MatchScaledColumns([]string{"b", "a"}, off, sc)
	if err != nil {
		t.Fatal(err)
	}
	// (10−15)/5, (1−1.5)/0.5; (20−15)/5, (2−1.5)/0.5.
	if want := []float32{-1, -1, 1, 1}; !reflect.DeepEqual(c, want) {
		t.Errorf("scaled centres %v, want %v", c, want)
	}
	for _, bad := range []struct{ scaler, want string }{
		{`{"method": "standard", "center": [1], "scale": [1, 1]}`, "1 centers and 2 scales for 2 columns"},
		{`{"method": "standard", "center": [1, 2], "scale": [1, 0]}`, "scale above 0"},
		{`{"method": "robust", "center": [1, 2], "scale": [-1, 1]}`, "scale above 0"},
		{`{"method": "standard", "center": [1, 1e999], "scale": [1, 1]}`, "not a model file"},
		{`{"method": "l2", "center": [1, 2], "scale": [1, 1]}`, `"l2"`},
	} {
		m := strings.Replace(scaledModel, `{"method": "standard", "center": [1.5, 15], "scale": [0.5, 5]}`, bad.scaler, 1)
		_, err := ReadAssignment("m.json", []byte(m))
		if !errors.Is(err, ErrJobSpec) || !strings.Contains(err.Error(), bad.want) || !strings.Contains(err.Error(), "m.json") {
			t.Errorf("scaler %s: err %v, want ErrJobSpec naming m.json and %q", bad.scaler, err, bad.want)
		}
	}
}

// TestCheckScale: --scale takes a known method, and not with a
// precomputed matrix, weights or an assignment.
func TestCheckScale(t *testing.T) {
	for _, c := range []struct {
		spec JobSpec
		want string // "" for valid
	}{
		{JobSpec{Scale: "none"}, ""},
		{JobSpec{Scale: "robust", Algorithm: "fasterpam"}, ""},
		{JobSpec{Scale: "Standard"}, "must be one of"},
		{JobSpec{Scale: "standard", Algorithm: "pam", Precomputed: true}, "--precomputed"},
		{JobSpec{Scale: "minmax", Weight: "w"}, "--weight"},
		{JobSpec{Scale: "standard", Assign: &Assignment{Model: "m.json"}}, "model m.json decides"},
	} {
		err := c.spec.checkScale()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c.spec, err)
		case c.want != "" && (!errors.Is(err, ErrJobSpec) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: err %v, want %q", c.spec, err, c.want)
		}
	}
	s := JobSpec{Scale: "none"}
	if err := s.checkScale(); err != nil || s.Scale != "" {
		t.Errorf("none: %v, kept as %q", err, s.Scale)
	}
}

// TestStatsTaskRoundTrip: a stats task with scales and quantile queries
// and its result survive the wire; malformed ones are refused.
func TestStatsTaskRoundTrip(t *testing.T) {
	task := &Task{Job: "j", Kind: KindStats, Data: Data{Columns: []string{"a", "b"}, Offsets: []float64{1, 2}, Scales: []float64{3, 4}},
		Quantiles: []QuantileQuery{{Column: 1, Lo: -1, Hi: 2}}}
	b, err := EncodeTask(task)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeTask(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Quantiles, task.Quantiles) || !reflect.DeepEqual(got.Data.Scales, task.Data.Scales) {
		t.Errorf("decoded %+v", got)
	}
	for name, edit := range map[string]func(*Task){
		"zero scale":      func(t *Task) { t.Data.Scales = []float64{3, 0} },
		"negative scale":  func(t *Task) { t.Data.Scales = []float64{-3, 1} },
		"short scales":    func(t *Task) { t.Data.Scales = []float64{3} },
		"no offsets":      func(t *Task) { t.Data.Offsets = nil },
		"column":          func(t *Task) { t.Quantiles[0].Column = 2 },
		"reversed":        func(t *Task) { t.Quantiles[0].Lo = 3 },
		"queries on sums": func(t *Task) { t.Kind = KindSums },
	} {
		bad := *task
		bad.Data.Scales = append([]float64(nil), task.Data.Scales...)
		bad.Quantiles = append([]QuantileQuery(nil), task.Quantiles...)
		edit(&bad)
		b, err := EncodeTask(&bad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeTask(b); !errors.Is(err, ErrDecode) {
			t.Errorf("%s: err %v, want ErrDecode", name, err)
		}
	}
	h := algo.NewQuantileHist(-1, 2)
	h.Add(0.5)
	res := &Result{Job: "j", Kind: KindStats, Parts: 1, Hists: []*algo.QuantileHist{h}, Moments: []algo.Moments{{N: 2, Mean: 1, M2: 2, Min: 0, Max: 2}}}
	rb, err := EncodeResult(res)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeResult(rb)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Hists, res.Hists) || !reflect.DeepEqual(back.Moments, res.Moments) {
		t.Errorf("decoded %+v", back)
	}
}
