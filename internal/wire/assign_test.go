package wire

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// assignModel is a small k-means model file of columns a, b.
const assignModel = `{"algorithm": "kmeans", "k": 2, "metric": "euclidean", "n": 4, "columns": ["a", "b"],
 "centers": [[1, 10], [2, 20]], "cluster_sizes": [2, 2], "total_deviation": 1, "iterations": 1, "seed": 1, "seconds": 0}`

// TestReadAssignment: a model file with centres and columns becomes an
// assignment; anything else is refused naming the file.
func TestReadAssignment(t *testing.T) {
	a, err := ReadAssignment("m.json", []byte(assignModel))
	if err != nil {
		t.Fatal(err)
	}
	want := &Assignment{Model: "m.json", Algorithm: "kmeans", Metric: "euclidean", Columns: []string{"a", "b"}, Centers: [][]float64{{1, 10}, {2, 20}}}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("got %+v, want %+v", a, want)
	}
	for _, c := range []struct {
		name, model, want string
	}{
		{"truncated", assignModel[:40], "not a model file"},
		{"not JSON", "PAR1\x00", "not a model file"},
		{"precomputed", `{"algorithm": "pam", "metric": "precomputed", "medoid_rows": [0, 3]}`, "precomputed"},
		{"no centres", `{"algorithm": "fasterpam", "metric": "euclidean", "columns": ["a"], "medoid_rows": [0, 3]}`, "no centers"},
		{"no columns", `{"algorithm": "kmeans", "metric": "euclidean", "centers": [[1]]}`, "names no columns"},
		{"unknown algorithm", `{"algorithm": "earlier"}`, `"earlier"`},
		{"unknown metric", `{"algorithm": "kmeans", "metric": "hamming", "columns": ["a"], "centers": [[1]]}`, `"hamming"`},
		{"ragged", `{"algorithm": "kmeans", "metric": "euclidean", "columns": ["a", "b"], "centers": [[1, 2], [3]]}`, "center 1 of 1 values"},
		{"column twice", `{"algorithm": "kmeans", "metric": "euclidean", "columns": ["a", "a"], "centers": [[1, 2]]}`, `"a" twice`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadAssignment("m.json", []byte(c.model))
			if !errors.Is(err, ErrJobSpec) || !strings.Contains(err.Error(), "m.json") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want ErrJobSpec naming m.json and %q", err, c.want)
			}
		})
	}
}

// TestNormalizeAssign: the model fixes algorithm, k, metric and columns;
// the options of a fit are refused; a normalised spec passes again
// unchanged.
func TestNormalizeAssign(t *testing.T) {
	base := func() *JobSpec {
		a, err := ReadAssignment("m.json", []byte(assignModel))
		if err != nil {
			t.Fatal(err)
		}
		return &JobSpec{Inputs: []string{"x.csv"}, Out: "l.csv", Assign: a}
	}
	s := base()
	if err := s.Normalize(); err != nil {
		t.Fatal(err)
	}
	if s.Algorithm != "kmeans" || s.K != 2 || s.Metric != "euclidean" || !reflect.DeepEqual(s.Columns, []string{"a", "b"}) || s.Init != "" {
		t.Errorf("normalised: %+v", s)
	}
	// Through JSON, as a service job and a resumed one see it.
	b, _ := json.Marshal(s)
	again, err := DecodeJobSpec(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Normalize(); err != nil || !reflect.DeepEqual(again, s) {
		t.Errorf("second Normalize: %v\n%+v\n%+v", err, again, s)
	}
	for _, c := range []struct {
		name string
		edit func(*JobSpec)
		want string
	}{
		{"columns", func(s *JobSpec) { s.Columns = []string{"b"} }, "--columns"},
		{"exclude", func(s *JobSpec) { s.Exclude = []string{"c"} }, "--exclude"},
		{"max iter", func(s *JobSpec) { s.MaxIter = 5 }, "--max-iter"},
		{"init", func(s *JobSpec) { s.Init = "random" }, "--init"},
		{"weight", func(s *JobSpec) { s.Weight = "w" }, "--weight"},
		{"model output", func(s *JobSpec) { s.Model = "m2.json" }, "--model"},
		{"other k", func(s *JobSpec) { s.K = 3 }, "k=3"},
		{"other algorithm", func(s *JobSpec) { s.Algorithm = "fasterpam" }, "fasterpam"},
		{"other metric", func(s *JobSpec) { s.Metric = "manhattan" }, "manhattan"},
		{"no centres", func(s *JobSpec) { s.Assign.Centers = nil }, "no centers"},
		{"keep without dataset", func(s *JobSpec) { s.Keep = []string{"id"} }, "--keep"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := base()
			c.edit(s)
			err := s.Normalize()
			if !errors.Is(err, ErrJobSpec) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want ErrJobSpec naming %q", err, c.want)
			}
		})
	}
}

// TestMatchAssignColumns: centres come out in the data's feature order,
// less the offsets, and a column either side lacks is named.
func TestMatchAssignColumns(t *testing.T) {
	a, err := ReadAssignment("m.json", []byte(assignModel))
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.MatchAssignColumns([]string{"b", "a"}, []float64{10, 1})
	if err != nil {
		t.Fatal(err)
	}
	// Centre 0 is (a=1, b=10), centre 1 (a=2, b=20); in order b, a less
	// offsets 10, 1.
	if want := []float32{0, 0, 10, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := a.MatchAssignColumns([]string{"a", "c"}, nil); err == nil || !strings.Contains(err.Error(), `"b"`) || !strings.Contains(err.Error(), "m.json") {
		t.Errorf("missing column: %v", err)
	}
	if _, err := a.MatchAssignColumns([]string{"a", "b", "c"}, nil); err == nil || !strings.Contains(err.Error(), `"c"`) {
		t.Errorf("extra column: %v", err)
	}
}
