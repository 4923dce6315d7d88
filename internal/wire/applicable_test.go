package wire

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestNormalizeRefusesInapplicable: each option given to an algorithm that
// would ignore it is an error naming the option, not dropped.
func TestNormalizeRefusesInapplicable(t *testing.T) {
	for _, c := range []struct {
		spec string // fields beside inputs and k
		want string
	}{
		{`"algorithm":"minibatch","silhouette":100`, "--silhouette"},
		{`"algorithm":"kmeans","silhouette":100`, "--silhouette"},
		{`"algorithm":"fastclara","silhouette":100`, "--silhouette"},
		{`"columns":["a"],"exclude":["b"]`, "--exclude"},
		{`"algorithm":"pam","precomputed":true,"metric":"manhattan"`, "--metric"},
		{`"algorithm":"pam","precomputed":true,"metric":"euclidean"`, "--metric"},
		{`"algorithm":"pam","precomputed":true,"nulls":"drop"`, "--nulls drop"},
		{`"algorithm":"minibatch","precomputed":true`, "--precomputed"},
		{`"algorithm":"minibatch","samples":3`, "--samples"},
		{`"algorithm":"fasterpam","sample_size":300`, "--sample-size"},
		{`"algorithm":"kmeans","numlocal":3`, "--numlocal"},
		{`"algorithm":"fastclara","numlocal":3`, "--numlocal"},
		{`"algorithm":"clara","maxneighbor":0.5`, "--maxneighbor"},
		{`"algorithm":"fasterpam","refine":32`, "--refine"},
		{`"algorithm":"fastclara","refine":8,"k_range":[2,3,4]`, "--refine applies to one k"},
		{`"algorithm":"fastclara","refine":8,"metric":"gower"`, "--refine does not apply to --metric gower"},
		{`"algorithm":"fasterpam","metric":"jaccard","k_range":[2,3]`, "a range of k does not apply to --metric jaccard"},
		{`"algorithm":"kmeans","batch_size":1000`, "--batch-size"},
		{`"algorithm":"fasterpam","batch_size":1000`, "--batch-size"},
		{`"algorithm":"pam","tol":0.01`, "--tol"},
		{`"algorithm":"clarans","max_iter":5`, "--max-iter"},
		{`"algorithm":"fastclarans","init":"build"`, "--init"},
		{`"algorithm":"fasterpam","init_centres":[[1],[2],[3]]`, "--init-from"},
		{`"algorithm":"kmeans","init":"random","init_centres":[[1],[2],[3]]`, "--init"},
		{`"algorithm":"fasterpam","weight":"w"`, "--weight"},
		{`"algorithm":"fasterpam","init":"kmeans||"`, "--init kmeans||"},
		{`"algorithm":"minibatch","init":"build"`, "--init build"},
		{`"init_columns":["a"]`, "init_columns"},
		{`"delimiter":";;"`, "--delimiter"},
		{`"delimiter":"\""`, "--delimiter"},
		{`"delimiter":"\n"`, "--delimiter"},
	} {
		t.Run(c.spec, func(t *testing.T) {
			s, err := DecodeJobSpec([]byte(`{"inputs":["a.csv"],"k":3,` + c.spec + `}`))
			if err != nil {
				t.Fatal(err)
			}
			err = s.Normalize()
			if !errors.Is(err, ErrJobSpec) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Normalize: %v, want one line of ErrJobSpec naming %s", err, c.want)
			}
		})
	}
}

// TestNormalizeIsIdempotent: a spec Normalize accepted, sent as JSON and
// normalised again (as the coordinator does with a submitted job), passes
// unchanged: the defaults it fills never count as options given.
func TestNormalizeIsIdempotent(t *testing.T) {
	for _, spec := range []string{
		`"algorithm":"minibatch"`,
		`"algorithm":"minibatch","batch_size":4096,"tol":0.01,"weight":"w"`,
		`"algorithm":"kmeans","init":"kmeans||","metric":"sqeuclidean"`,
		`"algorithm":"kmeans","init_centres":[[1,2],[3,4],[5,6]],"init_columns":["a","b"]`,
		`"algorithm":"fasterpam","metric":"manhattan","silhouette":50`,
		`"algorithm":"pam","precomputed":true`,
		`"algorithm":"pam","precomputed":true,"metric":"precomputed"`,
		`"algorithm":"alternating","init":"K-Means++"`,
		`"algorithm":"clara","samples":3,"sample_size":100`,
		`"algorithm":"fastclara"`,
		`"algorithm":"clarans","numlocal":3,"maxneighbor":0.5`,
		`"algorithm":"fastclarans"`,
		`"columns":["a","b"]`,
		`"exclude":["label"],"nulls":"drop"`,
		`"no_header":true,"delimiter":"tab"`,
		`"delimiter":"\\t"`,
		`"delimiter":";"`,
	} {
		t.Run(spec, func(t *testing.T) {
			s, err := DecodeJobSpec([]byte(`{"inputs":["a.csv"],"k":3,` + spec + `}`))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Normalize(); err != nil {
				t.Fatalf("first Normalize: %v", err)
			}
			b, _ := json.Marshal(s)
			again, err := DecodeJobSpec(b)
			if err != nil {
				t.Fatal(err)
			}
			if err := again.Normalize(); err != nil {
				t.Fatalf("second Normalize of %s: %v", b, err)
			}
			if !reflect.DeepEqual(s, again) {
				t.Fatalf("second Normalize changed the spec:\n%+v\n%+v", s, again)
			}
		})
	}
	s := JobSpec{Inputs: []string{"a.csv"}, K: 2, Delimiter: "tab"}
	if err := s.Normalize(); err != nil || s.Delimiter != "\t" || s.DelimiterRune() != '\t' {
		t.Errorf("delimiter tab: %q, %v", s.Delimiter, err)
	}
	s = JobSpec{Inputs: []string{"a"}, K: 2, Algorithm: "fasterpam", Precomputed: true}
	if err := s.Normalize(); err != nil || s.Metric != "precomputed" {
		t.Errorf("precomputed metric %q, %v", s.Metric, err)
	}
}

// TestMatchInitColumns: initial centres are matched to the features by
// name; centres of other columns are refused, naming the differences.
func TestMatchInitColumns(t *testing.T) {
	centres := func() [][]float64 { return [][]float64{{1, 2, 3}, {4, 5, 6}} }
	for _, c := range []struct {
		name     string
		columns  []string
		features []string
		want     [][]float64
		err      []string
	}{
		{"same order", []string{"a", "b", "c"}, []string{"a", "b", "c"}, [][]float64{{1, 2, 3}, {4, 5, 6}}, nil},
		{"other order", []string{"c", "a", "b"}, []string{"a", "b", "c"}, [][]float64{{2, 3, 1}, {5, 6, 4}}, nil},
		{"no names, same width", nil, []string{"x", "y", "z"}, [][]float64{{1, 2, 3}, {4, 5, 6}}, nil},
		{"no names, other width", nil, []string{"x", "y"}, nil, []string{"3 values", "2 feature columns"}},
		{"missing and extra", []string{"a", "b", "q"}, []string{"a", "b", "c"}, nil, []string{"missing: c", "extra: q"}},
		{"fewer features", []string{"a", "b", "c"}, []string{"a", "b"}, nil, []string{"extra: c"}},
		{"named twice", []string{"a", "a", "b"}, []string{"a", "b", "c"}, nil, []string{`"a" twice`}},
		{"names for another width", []string{"a", "b"}, []string{"a", "b"}, nil, []string{"2 columns", "3 values"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := JobSpec{InitCentres: centres(), InitColumns: c.columns}
			err := s.MatchInitColumns(c.features)
			if c.err != nil {
				if !errors.Is(err, ErrJobSpec) {
					t.Fatalf("err %v, want ErrJobSpec", err)
				}
				for _, f := range c.err {
					if !strings.Contains(err.Error(), f) {
						t.Errorf("error %q lacks %q", err, f)
					}
				}
				return
			}
			if err != nil || !reflect.DeepEqual(s.InitCentres, c.want) {
				t.Fatalf("centres %v, %v; want %v", s.InitCentres, err, c.want)
			}
			before := s.InitCentres
			if err := s.MatchInitColumns(c.features); err != nil || !reflect.DeepEqual(s.InitCentres, before) {
				t.Fatalf("a second match changed the centres: %v, %v", s.InitCentres, err)
			}
		})
	}
}
