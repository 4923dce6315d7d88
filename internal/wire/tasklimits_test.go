package wire

import (
	"errors"
	"fmt"
	"testing"
)

// TestTaskLimits checks that a task frame whose shape asks for more memory
// than a worker may give is refused at decode, naming what is too large,
// and that the worker can still tell which job and task it was.
func TestTaskLimits(t *testing.T) {
	huge := []Shard{{ID: 0, File: "a.parquet", Format: "parquet", Rows: 1 << 40}}
	for _, c := range []struct {
		name string
		task Task
		want error
	}{
		{"sums k×d of 2^40, no centres", Task{Kind: KindSums, K: 1 << 20, D: 1 << 20}, ErrTaskTooLarge},
		{"label k×d past the bound", Task{Kind: KindLabel, K: 1 << 14, D: 1 << 13}, ErrTaskTooLarge},
		{"score with 2^30 sets", Task{Kind: KindScore, K: 1, D: 1, Sets: 1 << 30}, ErrTaskTooLarge},
		{"score sets × k × d past the bound", Task{Kind: KindScore, K: 1 << 12, D: 1 << 12, Sets: 1 << 10}, ErrTaskTooLarge},
		{"sums over many shards", Task{Kind: KindSums, K: 1 << 13, D: 1 << 13, Shards: make([]Shard, 200), Centres: make([]float32, 1<<26)}, ErrTaskTooLarge},
		{"medoids on 2^40 rows", Task{Kind: KindMedoids, K: 3, D: 2, Metric: "euclidean", Shards: huge}, ErrTaskTooLarge},
		{"medoids on 100k points", Task{Kind: KindMedoids, K: 3, D: 1, Points: make([]float32, 100000), PointRows: make([]int64, 100000)}, ErrTaskTooLarge},
		{"sums states centres it does not carry", Task{Kind: KindSums, K: 4, D: 3}, ErrDecode},
		{"keep states centres it does not carry", Task{Kind: KindKeep, K: 4, D: 3}, ErrDecode},
		{"max_iter past its limit", Task{Kind: KindMedoids, K: 2, D: 1, MaxIter: MaxIterLimit + 1}, ErrDecode},
		{"numlocal past its limit", Task{Kind: KindMedoids, K: 2, D: 1, NumLocal: 1 << 30}, ErrDecode},
		{"negative silhouette", Task{Kind: KindMedoids, K: 2, D: 1, Silhouette: -1}, ErrDecode},
		{"negative maxneighbor", Task{Kind: KindMedoids, K: 2, D: 1, MaxNeighbor: -3}, ErrDecode},
	} {
		t.Run(c.name, func(t *testing.T) {
			task := c.task
			task.Job, task.ID, task.Round = "job-1", 7, 3
			for i := range task.Shards {
				if task.Shards[i].File == "" {
					task.Shards[i] = Shard{ID: i, File: fmt.Sprintf("s%d.parquet", i), Format: "parquet", Rows: 10}
				}
			}
			b, err := EncodeTask(&task)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeTask(b)
			if !errors.Is(err, c.want) {
				t.Fatalf("DecodeTask = %v, %v; want %v", got, err, c.want)
			}
			ref := RefusedTask(b)
			if ref == nil || ref.Job != "job-1" || ref.ID != 7 || ref.Round != 3 || ref.Kind != task.Kind {
				t.Errorf("RefusedTask = %+v; want job-1, task 7, round 3, kind %s", ref, task.Kind)
			}
		})
	}
}

// TestTaskLimitsLeaveRealTasks checks that tasks of the sizes real jobs
// send still decode.
func TestTaskLimitsLeaveRealTasks(t *testing.T) {
	shards := make([]Shard, 64)
	for i := range shards {
		shards[i] = Shard{ID: i, File: "a.parquet", Format: "parquet", First: int64(i), Last: int64(i + 1), Rows: 1 << 16}
	}
	for _, task := range []Task{
		{Kind: KindSums, K: 1000, D: 512, Shards: shards, Centres: make([]float32, 1000*512)},
		{Kind: KindScore, K: 100, D: 100, Sets: 100, Centres: make([]float32, 100*100*100)},
		{Kind: KindMedoids, K: 10, D: 8, Metric: "euclidean", Shards: shards[:1]},
		{Kind: KindMedoids, K: 10, D: 100000, Metric: "precomputed", Shards: shards[:2]},
		{Kind: KindLabel, K: 3, D: 500, Metric: "precomputed", PointRows: []int64{1, 2, 3}},
		{Kind: KindSample, K: 1000, D: 10000, Fraction: 0.5},
	} {
		task.Job = "j"
		b, err := EncodeTask(&task)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeTask(b); err != nil {
			t.Errorf("%s k=%d d=%d sets=%d: %v", task.Kind, task.K, task.D, task.Sets, err)
		}
	}
}

// TestRefusedTaskNeedsAJob checks that RefusedTask tells nothing about a
// frame that does not parse or names no job.
func TestRefusedTaskNeedsAJob(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("SHL1"), []byte("SHL1\xff\xff\xff\xff{}"), []byte("XXXX\x02\x00\x00\x00{}"),
		[]byte("SHL1\x0b\x00\x00\x00{\"body\":{}}")} {
		if r := RefusedTask(b); r != nil {
			t.Errorf("RefusedTask(%q) = %+v, want nil", b, r)
		}
	}
}

// TestResultPartsBounded checks that a result claiming more parts than any
// task returns is refused: the coordinator keeps a slot per part.
func TestResultPartsBounded(t *testing.T) {
	for _, c := range []struct {
		parts int
		ok    bool
	}{{1, true}, {MaxResultParts, true}, {MaxResultParts + 1, false}, {1 << 40, false}} {
		b, err := EncodeResult(&Result{Job: "j", Kind: KindLabel, Parts: c.parts, Rows: []int64{1}, Labels: []int32{0}, Distances: []float64{1}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeResult(b); (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrDecode)) {
			t.Errorf("%d parts: %v, want ok=%v", c.parts, err, c.ok)
		}
	}
}
