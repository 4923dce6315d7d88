package wire

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// Unbounded numeric options are refused with a message naming the
// option, non-finite floats too; values inside the bounds still pass.
func TestJobSpecBounds(t *testing.T) {
	cases := []struct {
		json string
		want string // "" means accepted
	}{
		{`{"inputs":["a"],"k":3,"max_iter":1000000}`, ""},
		{`{"inputs":["a"],"k":3,"max_iter":1000001}`, "max_iter=1000001"},
		{`{"inputs":["a"],"k":3,"batch_size":16777217}`, "batch_size"},
		{`{"inputs":["a"],"k":3,"shard_rows":100000000}`, "shard_rows"},
		{`{"inputs":["a"],"k":3,"algorithm":"fasterpam","silhouette":2000000}`, "silhouette"},
		{`{"inputs":["a"],"k":3,"algorithm":"clara","samples":101}`, "samples=101"},
		{`{"inputs":["a"],"k":3,"algorithm":"clarans","numlocal":100}`, ""},
		{`{"inputs":["a"],"k":3,"algorithm":"clarans","numlocal":1000000}`, "numlocal=1000000"},
		{`{"inputs":["a"],"k":3,"algorithm":"clarans","maxneighbor":1e15}`, "maxneighbor=1e+15"},
		{`{"inputs":["a"],"k":3,"algorithm":"clarans","maxneighbor":0.9}`, ""},
		// 80+4·3 = 92 rows a sample: 3·89 = 267 swaps.
		{`{"inputs":["a"],"k":3,"algorithm":"clarans","maxneighbor":267}`, ""},
		{`{"inputs":["a"],"k":3,"algorithm":"clarans","maxneighbor":268}`, "k(n-k)=267"},
		{`{"inputs":["a"],"k":3,"algorithm":"fastclara","sample_size":46341}`, ""},
		{`{"inputs":["a"],"k":3,"algorithm":"fastclara","sample_size":1000000}`, "sample_size=1000000"},
		{`{"inputs":["a"],"k":3,"job_timeout":"90s"}`, ""},
		{`{"inputs":["a"],"k":3,"job_timeout":"soon"}`, "job_timeout"},
		{`{"inputs":["a"],"k":3,"job_timeout":"-1s"}`, "job_timeout"},
	}
	for _, c := range cases {
		s, err := DecodeJobSpec([]byte(c.json))
		if err != nil {
			t.Fatalf("%s: %v", c.json, err)
		}
		err = s.Normalize()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: refused: %v", c.json, err)
		case c.want != "" && (!errors.Is(err, ErrJobSpec) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want ErrJobSpec naming %q", c.json, err, c.want)
		}
	}
	// JSON has no NaN or Inf; Go callers can still pass them.
	for _, s := range []*JobSpec{
		{Inputs: []string{"a"}, K: 3, Tol: math.NaN()},
		{Inputs: []string{"a"}, K: 3, Algorithm: "clarans", MaxNeighbor: math.Inf(1)},
	} {
		if err := s.Normalize(); !errors.Is(err, ErrJobSpec) || !strings.Contains(err.Error(), "finite") {
			t.Errorf("tol=%v maxneighbor=%v: got %v, want a finite-number error", s.Tol, s.MaxNeighbor, err)
		}
	}
	s := &JobSpec{Inputs: []string{"a"}, K: 3, JobTimeout: "90s"}
	if err := s.Normalize(); err != nil || s.Timeout() != 90*time.Second {
		t.Errorf("job_timeout 90s: Timeout()=%v, err %v", s.Timeout(), err)
	}
}
