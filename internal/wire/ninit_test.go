package wire

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// n_init: absent means scikit-learn's documented "auto" (KMeans: 10
// runs from random seeding, MiniBatchKMeans: 3, both 1 from k-means++);
// out-of-range values, k-medoids algorithms, assignments and --init-from
// with restarts are refused with a line that names the option.
func TestNormalizeNInit(t *testing.T) {
	for _, c := range []struct {
		spec string
		want int    // the normalised n_init
		err  string // part of the error; "" for none
	}{
		{`"algorithm":"kmeans"`, 1, ""},
		{`"algorithm":"kmeans","init":"random"`, 10, ""},
		{`"algorithm":"minibatch","init":"random"`, 3, ""},
		{`"algorithm":"minibatch"`, 1, ""},
		{`"algorithm":"kmeans","init":"kmeans||"`, 1, ""},
		{`"algorithm":"kmeans","init":"random","n_init":4`, 4, ""},
		{`"algorithm":"minibatch","n_init":100`, 100, ""},
		{`"algorithm":"kmeans","init_centres":[[1],[2],[3]]`, 1, ""},
		{`"algorithm":"kmeans","init_centres":[[1],[2],[3]],"n_init":1`, 1, ""},
		{`"algorithm":"kmeans","n_init":-1`, 0, "n_init=-1 must be from 1 to 100"},
		{`"algorithm":"kmeans","n_init":101`, 0, "n_init=101 must be from 1 to 100"},
		{`"algorithm":"kmeans","init_centres":[[1],[2],[3]],"n_init":2`, 0, "--init-from gives one start"},
		{`"algorithm":"fasterpam","n_init":2`, 0, "--n-init does not apply to --algo fasterpam"},
		{`"algorithm":"clara","n_init":1`, 0, "--n-init does not apply to --algo clara"},
		{`"algorithm":"pam","n_init":-1`, 0, "--n-init does not apply to --algo pam"},
	} {
		s, err := DecodeJobSpec([]byte(`{"inputs":["a.csv"],"k":3,` + c.spec + `}`))
		if err != nil {
			t.Fatal(err)
		}
		err = s.Normalize()
		switch {
		case c.err == "" && (err != nil || s.NInit != c.want):
			t.Errorf("%s: n_init %d, %v; want %d", c.spec, s.NInit, err, c.want)
		case c.err != "" && (!errors.Is(err, ErrJobSpec) || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), "\n")):
			t.Errorf("%s: %v; want one line with %q", c.spec, err, c.err)
		}
		if c.err == "" {
			again := *s
			if err := again.Normalize(); err != nil || !reflect.DeepEqual(&again, s) {
				t.Errorf("%s: normalising again: %v", c.spec, err)
			}
		}
	}
	a, err := ReadAssignment("m.json", []byte(assignModel))
	if err != nil {
		t.Fatal(err)
	}
	s := JobSpec{Inputs: []string{"x.csv"}, Out: "l.csv", Assign: a, NInit: 3}
	if err := s.Normalize(); err == nil || !strings.Contains(err.Error(), "--n-init") {
		t.Errorf("n_init on an assignment: %v", err)
	}
}

// A sums task of several runs states their sizes, which add up to K.
func TestTaskRuns(t *testing.T) {
	for _, c := range []struct {
		name string
		kind Kind
		k    int
		runK []int
		ok   bool
	}{
		{"one run", KindSums, 3, []int{3}, true},
		{"runs of different k", KindSums, 9, []int{2, 3, 4}, true},
		{"sizes short of k", KindSums, 9, []int{2, 3}, false},
		{"sizes beyond k", KindSums, 3, []int{2, 3}, false},
		{"empty run", KindSums, 3, []int{3, 0}, false},
		{"negative run", KindSums, 3, []int{4, -1}, false},
		{"on a label task", KindLabel, 3, []int{1, 2}, false},
	} {
		in := sampleTask()
		in.Kind, in.K, in.RunK = c.kind, c.k, c.runK
		in.Centres = make([]float32, c.k*in.D)
		b, err := EncodeTask(in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out, err := DecodeTask(b)
		if c.ok && (err != nil || !reflect.DeepEqual(in, out)) {
			t.Errorf("%s: %v, round trip %+v", c.name, err, out)
		}
		if !c.ok && !errors.Is(err, ErrDecode) {
			t.Errorf("%s: %v, want ErrDecode", c.name, err)
		}
	}
	extends := sampleTask()
	extends.Kind, extends.K, extends.RunK, extends.Extends = KindSums, 2, []int{1, 1}, true
	extends.Centres = make([]float32, 2*extends.D)
	b, _ := EncodeTask(extends)
	if _, err := DecodeTask(b); !errors.Is(err, ErrDecode) {
		t.Errorf("runs on a k-means|| pass: %v", err)
	}
}

// A sums result of several runs has piece totals for every piece and
// run, and at least one piece.
func TestResultRuns(t *testing.T) {
	// Two runs of k=1 and k=2, d=1, in two pieces.
	good := func() *Result {
		return &Result{
			Job: "j", Task: 4, Round: 2, Kind: KindSums, Parts: 1, K: 3, D: 1, Pieces: 2, Runs: 2, N: 5,
			Sums: []float64{1, 2, 3, 4, 5, 6}, Weights: []float64{1, 1, 1, 2, 1, 1},
			Counts: []int64{1, 1, 1, 2, 1, 1}, Inertias: []float64{1, 1, 1, 1, 1, 1},
			PieceInertia: []float64{1, 2, 3, 4}, PieceRows: []int64{2, 2, 3, 3},
		}
	}
	b, err := EncodeResult(good())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeResult(b); err != nil || !reflect.DeepEqual(got, good()) {
		t.Fatalf("round trip: %v\n in  %+v\n out %+v", err, good(), got)
	}
	for name, spoil := range map[string]func(r *Result){
		"piece totals of one run":  func(r *Result) { r.PieceInertia, r.PieceRows = r.PieceInertia[:2], r.PieceRows[:2] },
		"runs without pieces":      func(r *Result) { r.Pieces, r.PieceInertia, r.PieceRows = 0, nil, nil },
		"negative runs":            func(r *Result) { r.Runs = -1 },
		"too many runs":            func(r *Result) { r.Runs = MaxRuns + 1 },
		"sums of one centre fewer": func(r *Result) { r.Sums = r.Sums[:5] },
	} {
		r := good()
		spoil(r)
		b, err := EncodeResult(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeResult(b); !errors.Is(err, ErrDecode) {
			t.Errorf("%s: %v, want ErrDecode", name, err)
		}
	}
}
