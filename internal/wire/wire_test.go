package wire

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"testing"
)

func sampleTask() *Task {
	return &Task{
		Job: "j1", ID: 3, Round: 7, Kind: KindSums,
		Shards: []Shard{{ID: 3, File: "a.parquet", Format: "parquet", First: 2, Last: 4, RowOffset: 100, Rows: 50}},
		Data:   Data{Columns: []string{"f0", "f1"}, Nulls: "error"},
		Seed:   42, Fraction: 0.25, K: 2, D: 2,
		Centres: []float32{1, 2, float32(math.Inf(1)), -0},
	}
}

func TestTaskRoundTrip(t *testing.T) {
	in := sampleTask()
	b, err := EncodeTask(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecodeTask(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip changed the task:\n in  %+v\n out %+v", in, out)
	}
	if math.Float32bits(out.Centres[3]) != math.Float32bits(in.Centres[3]) {
		t.Fatal("negative zero lost")
	}
}

func TestResultRoundTrip(t *testing.T) {
	in := &Result{
		Job: "j1", Task: 3, Round: 7, Kind: KindSums, Part: 0, Parts: 1, K: 2, D: 1,
		Inertia: 1.5, N: 9, Sums: []float64{0.1, 1e300}, Weights: []float64{3, 6}, Counts: []int64{3, 6}, Inertias: []float64{0.5, 1},
	}
	b, err := EncodeResult(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecodeResult(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip changed the result:\n in  %+v\n out %+v", in, out)
	}

	lab := &Result{Job: "j", Kind: KindLabel, Parts: 2, Part: 1, Rows: []int64{5, 6}, Labels: []int32{1, 0}, Distances: []float64{0.5, 2}}
	b, _ = EncodeResult(lab)
	if got, err := DecodeResult(b); err != nil || !reflect.DeepEqual(got, lab) {
		t.Fatalf("label result: %v %+v", err, got)
	}
}

func TestRemoteErrorMatchesSentinel(t *testing.T) {
	in := &Result{Job: "j", Parts: 1, Err: NewError(CodeBadInput, errors.New("partition: x.csv: column \"a\", row 3: null value"))}
	b, _ := EncodeResult(in)
	out, err := DecodeResult(b)
	if err != nil {
		t.Fatal(err)
	}
	var e error = out.Err
	if !errors.Is(e, ErrBadInput) || errors.Is(e, ErrInternal) {
		t.Fatalf("errors.Is after the round trip: %v", e)
	}
	if e.Error() != in.Err.Message {
		t.Fatalf("message changed: %q", e.Error())
	}
}

func TestDecodeRejects(t *testing.T) {
	good, _ := EncodeTask(sampleTask())
	cases := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"bad magic", append([]byte("XXXX"), good[4:]...)},
		{"truncated header", good[:12]},
		{"truncated payload", good[:len(good)-1]},
		{"trailing bytes", append(append([]byte{}, good...), 0)},
	}
	for _, c := range cases {
		if _, err := DecodeTask(c.b); !errors.Is(err, ErrDecode) {
			t.Errorf("%s: got %v, want ErrDecode", c.name, err)
		}
	}
	bad := sampleTask()
	bad.Centres = bad.Centres[:3]
	b, _ := EncodeTask(bad)
	if _, err := DecodeTask(b); !errors.Is(err, ErrDecode) {
		t.Errorf("centres of the wrong shape accepted: %v", err)
	}
	bad = sampleTask()
	bad.Kind = "dance"
	b, _ = EncodeTask(bad)
	if _, err := DecodeTask(b); !errors.Is(err, ErrDecode) {
		t.Errorf("unknown kind accepted: %v", err)
	}
}

func TestJobSpec(t *testing.T) {
	cases := []struct {
		json string
		ok   bool
	}{
		{`{"inputs":["a.parquet"],"k":3}`, true},
		{`{"inputs":["a.parquet"],"k":0}`, false},
		{`{"inputs":[],"k":3}`, false},
		{`{"inputs":["a"],"k":3,"algorithm":"magic"}`, false},
		{`{"inputs":["a"],"k":3,"kay":4}`, false},
		{`{"inputs":["a"],"k":3,"nulls":"ignore"}`, false},
		{`{"inputs":["a"],"k":3,"metric":"manhattan"}`, false},
		{`{"inputs":["a"],"k":3,"metric":"manhattan","algorithm":"fasterpam"}`, true},
		{`{"inputs":["a"],"k":3} {}`, false},
	}
	for _, c := range cases {
		s, err := DecodeJobSpec([]byte(c.json))
		if err == nil {
			err = s.Normalize()
		}
		if (err == nil) != c.ok {
			t.Errorf("%s: err=%v, want ok=%v", c.json, err, c.ok)
		}
		if err != nil && !errors.Is(err, ErrJobSpec) {
			t.Errorf("%s: %v is not ErrJobSpec", c.json, err)
		}
	}
}

func FuzzDecodeTask(f *testing.F) {
	b, _ := EncodeTask(sampleTask())
	f.Add(b)
	m := sampleTask()
	m.Kind, m.Points, m.PointRows, m.Centres = KindMedoids, []float32{1, 2, 3, 4}, []int64{0, 9}, nil
	b, _ = EncodeTask(m)
	f.Add(b)
	f.Add([]byte("SHL1\x00\x00\x00\x00"))
	for _, h := range []string{`{"body":{"job":"j","kind":"sums","k":1048576,"d":1048576}}`,
		`{"body":{"job":"j","kind":"score","k":1,"d":1,"sets":1073741824}}`,
		`{"body":{"job":"j","kind":"medoids","k":2,"d":1,"shards":[{"file":"a","rows":1099511627776}]}}`} {
		f.Add(append([]byte{'S', 'H', 'L', '1', byte(len(h)), byte(len(h) >> 8), 0, 0}, h...))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		task, err := DecodeTask(b)
		if err != nil {
			return
		}
		// What decodes is within what a worker may allocate.
		if cv := float64(task.K) * float64(task.D); cv*float64(max(task.Sets, 1)) > MaxCentreValues || task.WorkingBytes() > MaxTaskBytes {
			t.Fatalf("decoded a task of k=%d d=%d sets=%d needing %g bytes", task.K, task.D, task.Sets, task.WorkingBytes())
		}
		again, err := EncodeTask(task)
		if err != nil {
			t.Fatalf("re-encoding a decoded task: %v", err)
		}
		if _, err := DecodeTask(again); err != nil {
			t.Fatalf("decoding a re-encoded task: %v", err)
		}
	})
}

func FuzzDecodeResult(f *testing.F) {
	b, _ := EncodeResult(&Result{Job: "j", Kind: KindLabel, Parts: 1, Rows: []int64{1}, Labels: []int32{0}, Distances: []float64{1}})
	f.Add(b)
	b, _ = EncodeResult(&Result{Job: "j", Kind: KindSums, Parts: 1, K: 1, D: 2, Sums: []float64{1, 2}, Weights: []float64{1}, Counts: []int64{1}, Inertias: []float64{0}})
	f.Add(b)
	b, _ = EncodeResult(&Result{Job: "j", Kind: KindSums, Parts: 1, K: 1, D: 1, Pieces: 2, Sums: []float64{1, 2}, Weights: []float64{1, 1},
		Counts: []int64{1, 1}, Inertias: []float64{0, 0}, PieceInertia: []float64{0, 0}, PieceRows: []int64{1, 1}})
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeResult(b)
		if err != nil {
			return
		}
		if r.Parts > MaxResultParts {
			t.Fatalf("decoded a result of %d parts", r.Parts)
		}
		if _, err := EncodeResult(r); err != nil {
			t.Fatalf("re-encoding a decoded result: %v", err)
		}
	})
}

func FuzzDecodeJobSpec(f *testing.F) {
	f.Add([]byte(`{"inputs":["a.parquet"],"k":3,"algorithm":"fasterpam","metric":"cosine"}`))
	f.Add([]byte(`{"inputs":["d/"],"k":10,"batch_size":4096,"tol":0.001,"seed":7}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeJobSpec(b)
		if err != nil {
			return
		}
		_ = s.Normalize()
	})
}

// TestHeaderBody checks that a frame whose header lacks a proper body is
// refused, for tasks and results alike.
func TestHeaderBody(t *testing.T) {
	frame := func(head string) []byte {
		b := append([]byte("SHL1"), byte(len(head)), byte(len(head)>>8), 0, 0)
		return append(b, head...)
	}
	for _, head := range []string{`{}`, `{"sections":[]}`, `{"body":null}`, `{"body":5}`, `{"body":"x"}`, `{"body":[]}`, `{"body":{}}`} {
		if _, err := DecodeTask(frame(head)); !errors.Is(err, ErrDecode) {
			t.Errorf("task header %s: err=%v, want ErrDecode", head, err)
		}
		if _, err := DecodeResult(frame(head)); !errors.Is(err, ErrDecode) {
			t.Errorf("result header %s: err=%v, want ErrDecode", head, err)
		}
	}
	if _, err := DecodeTask(frame(`{"body":{"job":"j","kind":"sums"}}`)); err != nil {
		t.Errorf("minimal task: %v", err)
	}
}

// TestResultPieces checks the per-shard sums of a grouped sums task:
// they survive the round trip, and arrays that do not fit the number of
// pieces are refused.
func TestResultPieces(t *testing.T) {
	good := func() *Result {
		return &Result{
			Job: "j", Task: 4, Round: 2, Kind: KindSums, Parts: 1, K: 2, D: 1, Pieces: 2,
			Inertia: 3, N: 5, Sums: []float64{1, 2, 3, 4}, Weights: []float64{1, 1, 2, 1},
			Counts: []int64{1, 1, 2, 1}, Inertias: []float64{0.5, 0.5, 1, 1},
			PieceInertia: []float64{1, 2}, PieceRows: []int64{2, 3},
		}
	}
	b, err := EncodeResult(good())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeResult(b); err != nil || !reflect.DeepEqual(got, good()) {
		t.Fatalf("round trip: %v\n in  %+v\n out %+v", err, good(), got)
	}
	nodes := good()
	nodes.NodePieces = []int{1, 4}
	if b, err := EncodeResult(nodes); err != nil {
		t.Fatal(err)
	} else if got, err := DecodeResult(b); err != nil || !reflect.DeepEqual(got, nodes) {
		t.Fatalf("round trip of node sizes: %v\n in  %+v\n out %+v", err, nodes, got)
	}
	for _, tc := range []struct {
		name  string
		spoil func(r *Result)
	}{
		{"sums for one piece", func(r *Result) { r.Sums = r.Sums[:2] }},
		{"counts for three pieces", func(r *Result) { r.Counts = append(r.Counts, 1, 1) }},
		{"one piece inertia", func(r *Result) { r.PieceInertia = r.PieceInertia[:1] }},
		{"no piece rows", func(r *Result) { r.PieceRows = nil }},
		{"negative pieces", func(r *Result) { r.Pieces = -1 }},
		{"too many pieces", func(r *Result) { r.Pieces = MaxPieces + 1 }},
		{"pieces on a score result", func(r *Result) { r.Kind = KindScore }},
		{"piece totals without pieces", func(r *Result) {
			r.Pieces, r.Sums, r.Weights, r.Counts, r.Inertias = 0, r.Sums[:2], r.Weights[:2], r.Counts[:2], r.Inertias[:2]
		}},
		{"node sizes for one of two sums", func(r *Result) { r.NodePieces = []int{2} }},
		{"a node of three pieces", func(r *Result) { r.NodePieces = []int{1, 3} }},
		{"a node of no pieces", func(r *Result) { r.NodePieces = []int{0, 1} }},
		{"a node of -4 pieces", func(r *Result) { r.NodePieces = []int{1, -4} }},
		{"a node past the bound", func(r *Result) { r.NodePieces = []int{1, 2 * MaxRoundPieces} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good()
			tc.spoil(r)
			b, err := EncodeResult(r)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := DecodeResult(b); !errors.Is(err, ErrDecode) {
				t.Fatalf("decoded %+v: err %v, want ErrDecode", r, err)
			}
		})
	}
}

// TestResultRowRun checks that consecutive rows travel as a run in the
// header, 8 bytes a row fewer, and cluster ids in [0, 255] in a byte, and
// decode to the same rows and labels; that other rows and labels travel
// as they are; and that a run the arrays do not bound is refused.
func TestResultRowRun(t *testing.T) {
	const n = 1000
	lab := &Result{Job: "j", Kind: KindLabel, Parts: 1, Rows: make([]int64, n), Labels: make([]int32, n), Distances: make([]float64, n)}
	for i := range n {
		lab.Rows[i], lab.Labels[i], lab.Distances[i] = 1<<33+int64(i), int32(i%7), float64(i)/3
	}
	gapped := *lab
	gapped.Rows = slices.Clone(lab.Rows)
	gapped.Rows[n/2]++ // a duplicate: not a run
	dropped := *lab
	dropped.Rows, dropped.Labels, dropped.Distances = slices.Delete(slices.Clone(lab.Rows), 10, 11), lab.Labels[1:], lab.Distances[1:]
	wide := *lab // k > 256: cluster ids need four bytes
	wide.Labels = slices.Clone(lab.Labels)
	wide.Labels[n-1] = 256
	negative := *lab
	negative.Labels = slices.Clone(lab.Labels)
	negative.Labels[0] = -1
	sample := &Result{Job: "j", Kind: KindSample, Parts: 1, D: 2, Rows: []int64{4, 5, 6}, Points: []float32{1, 2, 3, 4, 5, 6}}
	for _, c := range []struct {
		name       string
		r          *Result
		run        bool
		labelBytes int
	}{
		{"consecutive", lab, true, 1},
		{"gapped", &gapped, false, 1},
		{"dropped row", &dropped, false, 1},
		{"k > 256", &wide, true, 4},
		{"negative label", &negative, true, 4},
		{"sample", sample, true, 0},
	} {
		b, err := EncodeResult(c.r)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		payload := c.labelBytes*len(c.r.Labels) + 8*len(c.r.Distances) + 4*len(c.r.Points)
		if !c.run {
			payload += 8 * len(c.r.Rows)
		}
		if got := c.r.RowBytes() * len(c.r.Rows); got != payload {
			t.Errorf("%s: RowBytes gives %d bytes for the rows, the frame holds %d", c.name, got, payload)
		}
		if head := len(b) - 8 - payload; head < 0 || head > 300 {
			t.Errorf("%s: %d bytes for a payload of %d: a header of %d bytes", c.name, len(b), payload, head)
		}
		got, err := DecodeResult(b)
		if err != nil || !reflect.DeepEqual(got, c.r) {
			t.Errorf("%s: round trip: %v", c.name, err)
		}
	}

	frame := func(r *Result) []byte {
		var w frameWriter
		w.i64("rows", r.Rows)
		w.i32("labels", r.Labels)
		w.f64("distances", r.Distances)
		b, err := w.finish(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	three := func(run *RowRun, rows []int64) *Result {
		return &Result{Job: "j", Kind: KindLabel, Parts: 1, Rows: rows, Labels: []int32{0, 1, 2}, Distances: []float64{0, 1, 2}, RowRun: run}
	}
	if got, err := DecodeResult(frame(three(&RowRun{First: 7, N: 3}, nil))); err != nil || !slices.Equal(got.Rows, []int64{7, 8, 9}) || got.RowRun != nil {
		t.Errorf("a run of three: %v, %+v", err, got)
	}
	for _, bad := range []*Result{
		three(&RowRun{First: 7, N: 3}, []int64{7, 8, 9}),
		three(&RowRun{First: 7, N: 4}, nil),
		three(&RowRun{First: 7, N: 1 << 40}, nil),
		three(&RowRun{First: 7, N: 0}, nil),
		three(&RowRun{First: -1, N: 3}, nil),
		three(&RowRun{First: math.MaxInt64 - 1, N: 3}, nil),
		{Job: "j", Kind: KindLabel, Parts: 1, K: 2, Counts: []int64{1, 2}, RowRun: &RowRun{First: 0, N: 3}},
	} {
		if _, err := DecodeResult(frame(bad)); !errors.Is(err, ErrDecode) {
			t.Errorf("row run %+v with %d rows: err=%v, want ErrDecode", *bad.RowRun, len(bad.Rows), err)
		}
	}
}
