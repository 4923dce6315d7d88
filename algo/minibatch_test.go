package algo

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

// TestMiniBatchStepSculley compares one batch update with Sculley's
// per-point rule applied row by row in float64: v ← v + 1,
// c ← (1 − 1/v)·c + x/v, with the assignment fixed for the batch.
func TestMiniBatchStepSculley(t *testing.T) {
	const d, k = 3, 2
	c := []float32{0, 0, 0, 10, 10, 10}
	x := []float32{
		1, 2, 0,
		-1, 0, 1,
		2, 2, 2,
		9, 11, 10,
		12, 10, 8,
	}
	n := len(x) / d
	st := NewMiniBatchState(k, d, MiniBatchConfig{BatchSize: n, ReassignmentRatio: -1})

	// Reference, two batches in a row so the cumulative counts matter.
	ref := make([]float64, len(c))
	for i, v := range c {
		ref[i] = float64(v)
	}
	v := make([]float64, k)
	for batch := 0; batch < 2; batch++ {
		s := accumulateAll(t, NewAssigner(k, d).mustSet(t, c), x, d, nil)
		for i := 0; i < n; i++ {
			j := 0 // nearest by hand: the first three rows go to centre 0
			if i >= 3 {
				j = 1
			}
			if int32(j) != nearestNaive(x[i*d:(i+1)*d], c, k) {
				t.Fatalf("batch %d row %d: the hand assignment is wrong", batch, i)
			}
			v[j]++
			eta := 1 / v[j]
			for t := 0; t < d; t++ {
				ref[j*d+t] = (1-eta)*ref[j*d+t] + eta*float64(x[i*d+t])
			}
		}
		if _, _, err := st.Step(c, s, nil, nil); err != nil {
			t.Fatal(err)
		}
		for i := range c {
			if math.Abs(float64(c[i])-ref[i]) > 1e-6*math.Max(1, math.Abs(ref[i])) {
				t.Fatalf("batch %d: centres %v, Sculley's rule gives %v", batch, c, ref)
			}
		}
	}
	if st.counts[0] != 6 || st.counts[1] != 4 {
		t.Errorf("cumulative weights %v, want [6 4]", st.counts)
	}
}

func nearestNaive(x, c []float32, k int) int32 {
	d := len(x)
	best, bj := math.Inf(1), int32(0)
	for j := 0; j < k; j++ {
		if e := kmDist64(x, c[j*d:(j+1)*d]); e < best {
			best, bj = e, int32(j)
		}
	}
	return bj
}

// TestMiniBatchReassign starves centre 2 and checks that it moves to a
// candidate row and inherits the smallest weight of the others.
func TestMiniBatchReassign(t *testing.T) {
	const d, k = 2, 3
	x := []float32{0, 0, 1, 0, 0, 1, 10, 10, 11, 10}
	cand := []float32{5, 5, 7, 7}
	for _, withRand := range []bool{false, true} {
		c := []float32{0.5, 0.5, 10.5, 10, 1000, 1000}
		st := NewMiniBatchState(k, d, MiniBatchConfig{BatchSize: 5})
		s := accumulateAll(t, NewAssigner(k, d).mustSet(t, c), x, d, nil)
		rng := NewRand(3)
		if !withRand {
			rng = nil
		}
		if _, _, err := st.Step(c, s, cand, rng); err != nil {
			t.Fatal(err)
		}
		got := c[2*d : 3*d]
		if !withRand && (got[0] != 5 || got[1] != 5) {
			t.Errorf("without rng the first candidate is used: centre 2 = %v", got)
		}
		if !(got[0] == 5 && got[1] == 5) && !(got[0] == 7 && got[1] == 7) {
			t.Errorf("rng=%v: centre 2 = %v, want a candidate row", withRand, got)
		}
		// Centre 0 got 3 rows, centre 1 got 2: the starved one inherits 2.
		if st.counts[0] != 3 || st.counts[1] != 2 || st.counts[2] != 2 {
			t.Errorf("rng=%v: weights %v, want [3 2 2]", withRand, st.counts)
		}
	}

	// Disabled: the centre stays where it is.
	c := []float32{0.5, 0.5, 10.5, 10, 1000, 1000}
	st := NewMiniBatchState(k, d, MiniBatchConfig{BatchSize: 5, ReassignmentRatio: -1})
	s := accumulateAll(t, NewAssigner(k, d).mustSet(t, c), x, d, nil)
	if _, _, err := st.Step(c, s, cand, nil); err != nil {
		t.Fatal(err)
	}
	if c[4] != 1000 || c[5] != 1000 {
		t.Errorf("reassignment disabled but centre 2 moved to %v", c[4:])
	}
}

// TestMiniBatchNoImprovement feeds hand-made batch inertias with no
// smoothing (Rows = 0): 10 (ignored, first step), 5, 4, 4, 4, 4. With
// MaxNoImprovement = 3 the steps after the minimum 4 at step 3 are 1, 2, 3
// without improvement: stop at step 6.
func TestMiniBatchNoImprovement(t *testing.T) {
	st := NewMiniBatchState(1, 1, MiniBatchConfig{BatchSize: 1, MaxNoImprovement: 3, ReassignmentRatio: -1})
	c := []float32{0}
	for step, in := range []float64{10, 5, 4, 4, 4, 4} {
		s := NewCentreSums(1, 1)
		s.Inertia, s.Rows = in, 1
		stop, reason, err := st.Step(c, s, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := step == 5; stop != want || (stop && reason != kmStopNoImprovement) {
			t.Fatalf("step %d: stop=%v reason=%q", step+1, stop, reason)
		}
	}
}

// TestMiniBatchTol: one centre at 0, batches holding the single row 2.
// Step 1 moves the centre to 2 (ignored: first step), step 2 does not move
// it: shift 0 <= Tol·DataVariance.
func TestMiniBatchTol(t *testing.T) {
	st := NewMiniBatchState(1, 1, MiniBatchConfig{BatchSize: 1, Tol: 1e-4, DataVariance: 1})
	c := []float32{0}
	for step := 0; step < 2; step++ {
		s := accumulateAll(t, NewAssigner(1, 1).mustSet(t, c), []float32{2}, 1, nil)
		stop, reason, err := st.Step(c, s, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c[0] != 2 {
			t.Fatalf("step %d: centre %v, want 2", step+1, c)
		}
		if want := step == 1; stop != want || (stop && reason != kmStopTol) {
			t.Fatalf("step %d: stop=%v reason=%q", step+1, stop, reason)
		}
	}
}

// TestMiniBatchConverges runs mini-batch k-means on separated blobs until
// it stops by itself, and checks it stops in time with every centre near
// a blob.
func TestMiniBatchConverges(t *testing.T) {
	const n, d, k, batch = 4000, 4, 5, 100
	rng := NewRand(21)
	x, c := blobData(rng, n, d, k, 20, 0)
	st := NewMiniBatchState(k, d, MiniBatchConfig{BatchSize: batch, Rows: n})
	a := NewAssigner(k, d)
	s := NewCentreSums(k, d)
	rows := make([]int32, batch)
	cand := make([]float32, k*d)
	var step int
	for step = 1; step <= 2000; step++ {
		for i := range rows {
			rows[i] = int32(Hash(21, uint64(step), uint64(i)) % n)
		}
		for i := 0; i < k; i++ {
			copy(cand[i*d:(i+1)*d], x[int(rows[i])*d:])
		}
		s.Reset()
		if err := a.SetCentres(c); err != nil {
			t.Fatal(err)
		}
		if err := a.AccumulateRows(x, rows, nil, s); err != nil {
			t.Fatal(err)
		}
		stop, _, err := st.Step(c, s, cand, rng)
		if err != nil {
			t.Fatal(err)
		}
		if stop {
			break
		}
	}
	if step > 2000 {
		t.Fatalf("did not stop in 2000 steps")
	}
	full := accumulateAll(t, a.mustSet(t, c), x, d, nil)
	// Blobs have unit variance per dimension: inertia ≈ n·d at the optimum.
	if full.Inertia > 1.2*float64(n*d) {
		t.Errorf("stopped at step %d with inertia %v, optimum about %v", step, full.Inertia, n*d)
	}
	t.Logf("stopped at step %d, inertia %.0f", step, full.Inertia)
}

func TestMiniBatchErrors(t *testing.T) {
	for _, cfg := range []MiniBatchConfig{{BatchSize: -1}, {Tol: -1}, {DataVariance: math.NaN()}, {Rows: -5}} {
		st := NewMiniBatchState(2, 2, cfg)
		if _, _, err := st.Step(make([]float32, 4), NewCentreSums(2, 2), nil, nil); !errors.Is(err, ErrConfig) {
			t.Errorf("config %+v: %v", cfg, err)
		}
	}
	st := NewMiniBatchState(2, 2, MiniBatchConfig{})
	if _, _, err := st.Step(make([]float32, 3), NewCentreSums(2, 2), nil, nil); !errors.Is(err, ErrShape) {
		t.Errorf("short centres: %v", err)
	}
	if _, _, err := st.Step(make([]float32, 4), NewCentreSums(3, 2), nil, nil); !errors.Is(err, ErrShape) {
		t.Errorf("batch shape: %v", err)
	}
	if _, _, err := st.Step(make([]float32, 4), NewCentreSums(2, 2), []float32{1}, nil); !errors.Is(err, ErrShape) {
		t.Errorf("candidates: %v", err)
	}
	if _, _, err := NewMiniBatchState(0, 2, MiniBatchConfig{}).Step(nil, nil, nil, nil); !errors.Is(err, ErrInvalidK) {
		t.Errorf("k=0: %v", err)
	}
}

// TestMiniBatchMarshal round-trips a state mid-run: the restored state
// takes the next step exactly as the original.
func TestMiniBatchMarshal(t *testing.T) {
	const d, k = 2, 3
	x := []float32{0, 0, 1, 0, 0, 1, 10, 10, 11, 10, 5, 5}
	c := []float32{0.5, 0.5, 10.5, 10, 1000, 1000}
	st := NewMiniBatchState(k, d, MiniBatchConfig{BatchSize: 6, Rows: 60, Tol: 1e-9, DataVariance: 2})
	a := NewAssigner(k, d)
	step := func(m *MiniBatchState, c []float32) (bool, string) {
		s := accumulateAll(t, a.mustSet(t, c), x, d, nil)
		stop, reason, err := m.Step(c, s, x[:4], nil)
		if err != nil {
			t.Fatal(err)
		}
		return stop, reason
	}
	step(st, c)
	step(st, c)
	b, err := st.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back MiniBatchState
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	b2, _ := back.MarshalBinary()
	if !bytes.Equal(b, b2) {
		t.Fatalf("re-encoding differs")
	}
	c2 := append([]float32(nil), c...)
	s1, r1 := step(st, c)
	s2, r2 := step(&back, c2)
	if s1 != s2 || r1 != r2 || !equalF32(c, c2) {
		t.Errorf("restored state diverged: %v %q %v vs %v %q %v", s1, r1, c, s2, r2, c2)
	}
	if err := back.UnmarshalBinary(b[:len(b)-1]); !errors.Is(err, ErrConfig) {
		t.Errorf("truncated: %v", err)
	}
}

func equalF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzMiniBatchUnmarshal: decoding arbitrary bytes fails cleanly or gives
// a state that encodes back to the same bytes.
func FuzzMiniBatchUnmarshal(f *testing.F) {
	st := NewMiniBatchState(3, 2, MiniBatchConfig{Tol: 1e-3, DataVariance: 1})
	good, _ := st.MarshalBinary()
	f.Add(good)
	f.Add(good[:10])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var m MiniBatchState
		if err := m.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("error %v is not ErrConfig", err)
			}
			return
		}
		back, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var m2 MiniBatchState
		if err := m2.UnmarshalBinary(back); err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if again, _ := m2.MarshalBinary(); !bytes.Equal(again, back) {
			t.Fatalf("encoding is not stable")
		}
	})
}
