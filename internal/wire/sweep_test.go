package wire

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestNormalizeSweep(t *testing.T) {
	base := func() JobSpec {
		return JobSpec{Inputs: []string{"x.csv"}, Algorithm: "kmeans", KRange: []int{2, 3, 4, 5}, Model: "out/m.json"}
	}
	s := base()
	if err := s.Normalize(); err != nil {
		t.Fatal(err)
	}
	if s.K != 5 || s.SelectRule != "max_silhouette" || s.Selection != "out/m.selection.json" {
		t.Errorf("defaults: k=%d rule %q selection %q", s.K, s.SelectRule, s.Selection)
	}
	// Normalize twice (a stored spec is normalised again on resume).
	if err := s.Normalize(); err != nil || s.K != 5 {
		t.Errorf("normalising again: k=%d, %v", s.K, err)
	}
	// --silhouette sizes a sweep's sample, k-means or not.
	ks := base()
	ks.Silhouette = 500
	if err := ks.Normalize(); err != nil {
		t.Errorf("a k-means sweep with --silhouette: %v", err)
	}
	// The sample of a sampled k-medoids sweep is sized for the largest k.
	c := JobSpec{Inputs: []string{"x.csv"}, Algorithm: "clara", KRange: []int{2, 30}}
	if err := c.Normalize(); err != nil || c.SampleSize != DefaultSampleSize("clara", 30) || c.Selection != "" {
		t.Errorf("clara sweep: sample size %d, selection %q, %v", c.SampleSize, c.Selection, err)
	}
	for _, tc := range []struct {
		name string
		edit func(*JobSpec)
		want string
	}{
		{"k of 1", func(s *JobSpec) { s.KRange = []int{1, 2} }, "at least 2"},
		{"decreasing", func(s *JobSpec) { s.KRange = []int{4, 3} }, "increasing and distinct"},
		{"repeated", func(s *JobSpec) { s.KRange = []int{3, 3} }, "increasing and distinct"},
		{"too many", func(s *JobSpec) {
			s.KRange = nil
			for k := 2; k < 2+MaxKRange+1; k++ {
				s.KRange = append(s.KRange, k)
			}
		}, "at most 64"},
		{"k beside range", func(s *JobSpec) { s.K = 3 }, "not both"},
		{"precomputed", func(s *JobSpec) { s.Precomputed, s.Algorithm = true, "fasterpam" }, "precomputed"},
		{"weight", func(s *JobSpec) { s.Weight = "w" }, "--weight"},
		{"warm start", func(s *JobSpec) { s.InitCentres = [][]float64{{1}, {2}, {3}, {4}, {5}} }, "--init-from"},
		{"unknown rule", func(s *JobSpec) { s.SelectRule = "elbow" }, `--select "elbow"`},
		{"medoid rule for k-means", func(s *JobSpec) { s.SelectRule = "max_medoid_silhouette" }, "needs a k-medoids algorithm"},
		{"rule without range", func(s *JobSpec) { s.KRange, s.K, s.SelectRule = nil, 3, "max_silhouette" }, "apply to a range"},
		{"report without range", func(s *JobSpec) { s.KRange, s.K, s.Selection = nil, 3, "s.json" }, "apply to a range"},
		{"report over the labels", func(s *JobSpec) { s.Out, s.Selection = "l.csv", "l.csv" }, "also the model or labels"},
	} {
		s := base()
		tc.edit(&s)
		err := s.Normalize()
		if !errors.Is(err, ErrJobSpec) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want ErrJobSpec saying %q", tc.name, err, tc.want)
		}
	}
}

func TestSelectionPath(t *testing.T) {
	for in, want := range map[string]string{
		"m.json": "m.selection.json", "dir/model": "dir/model.selection.json",
		"s3://b/p/m.json": "s3://b/p/m.selection.json", "": "",
	} {
		if got := SelectionPath(in); got != want {
			t.Errorf("SelectionPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidityTaskRoundTrip(t *testing.T) {
	task := &Task{Job: "j", ID: 1, Round: -6, Kind: KindValidity, K: 5, D: 2, Ks: []int{2, 3}, Metric: "euclidean",
		Centres: make([]float32, 10), PointRows: []int64{3, 9}}
	b, err := EncodeTask(task)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeTask(b)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Ks, task.Ks) || !slices.Equal(got.PointRows, task.PointRows) || got.Spread {
		t.Errorf("first pass came back as %+v", got)
	}
	task.Spread, task.Means, task.PointRows = true, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, nil
	if b, err = EncodeTask(task); err != nil {
		t.Fatal(err)
	}
	if got, err = DecodeTask(b); err != nil || !slices.Equal(got.Means, task.Means) || !got.Spread {
		t.Errorf("second pass came back as %+v, %v", got, err)
	}
	for name, bad := range map[string]func(*Task){
		"sets that do not add up": func(t *Task) { t.Ks = []int{2, 2} },
		"means missing":           func(t *Task) { t.Means = nil },
		"means on a first pass":   func(t *Task) { t.Spread = false },
		"ks on a sums task":       func(t *Task) { t.Kind, t.Spread, t.Means = KindSums, false, nil },
		"centres missing":         func(t *Task) { t.Centres = t.Centres[:8] },
		"score sets that do not match": func(t *Task) {
			t.Kind, t.Spread, t.Means, t.Sets, t.Ks = KindScore, false, nil, 2, []int{2, 2}
		},
		"score set above k": func(t *Task) {
			t.Kind, t.Spread, t.Means, t.Sets, t.K, t.Ks = KindScore, false, nil, 2, 2, []int{2, 3}
		},
	} {
		c := *task
		bad(&c)
		b, err := EncodeTask(&c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeTask(b); !errors.Is(err, ErrDecode) {
			t.Errorf("%s: decoded, %v", name, err)
		}
	}
	// A score task of a sweep: sets of several k, one after another.
	score := &Task{Job: "j", Kind: KindScore, K: 3, D: 2, Sets: 2, Ks: []int{2, 3}, Metric: "euclidean", Centres: make([]float32, 10)}
	if b, err = EncodeTask(score); err != nil {
		t.Fatal(err)
	}
	if got, err = DecodeTask(b); err != nil || !slices.Equal(got.Ks, score.Ks) {
		t.Errorf("score task came back as %+v, %v", got, err)
	}
	// Fits of a sweep keep their keys apart; a single fit's stay as they were.
	a, f := Task{Job: "j", Round: 3, ID: 1}, Task{Job: "j", Round: 3, ID: 1, Fit: 2}
	if a.Key() != "j/3/1" || a.Key() == f.Key() {
		t.Errorf("keys %q and %q", a.Key(), f.Key())
	}
	ra, rf := Result{Job: "j", Round: 3, Task: 1}, Result{Job: "j", Round: 3, Task: 1, Fit: 2}
	if ra.Key() != "j/3/1/0" || ra.Key() == rf.Key() {
		t.Errorf("result keys %q and %q", ra.Key(), rf.Key())
	}
}

func TestValidityResultShape(t *testing.T) {
	r := &Result{Job: "j", Kind: KindValidity, Parts: 1, K: 3, D: 2, Counts: make([]int64, 3), Sums: make([]float64, 6), Costs: make([]float64, 4)}
	b, err := EncodeResult(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeResult(b); err != nil {
		t.Fatal(err)
	}
	r.Sums = make([]float64, 5)
	if b, err = EncodeResult(r); err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeResult(b); !errors.Is(err, ErrDecode) {
		t.Errorf("sums of the wrong length decoded: %v", err)
	}
}
