package coordinator_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// writeBlobs writes n rows of k blobs in d dimensions in several row
// groups, so the job has several shards.
func writeBlobs(t testing.TB, name string, n, d, k int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if _, err := partition.GenerateBlobs(path, partition.BlobsConfig{N: n, D: d, K: k, Seed: 7, BatchRows: 16384}); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkLabels reads a labels file and checks it has every row once, in
// order, and returns the ARI against the generator's truth.
func checkLabels(t testing.TB, labels, truth string, n int) float64 {
	t.Helper()
	rows, err := partition.ReadIntColumn([]string{labels}, "row")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("labels file has %d rows, want %d", len(rows), n)
	}
	for i, r := range rows {
		if r != int64(i) {
			t.Fatalf("labels row %d holds input row %d: not in input order", i, r)
		}
	}
	got, err := partition.ReadIntColumn([]string{labels}, "cluster")
	if err != nil {
		t.Fatal(err)
	}
	want, err := partition.ReadIntColumn([]string{truth}, "label")
	if err != nil {
		t.Fatal(err)
	}
	ari, err := algo.ARI(got, want)
	if err != nil {
		t.Fatal(err)
	}
	return ari
}

func TestMiniBatchEndToEnd(t *testing.T) {
	const n, d, k = 100_000, 8, 10
	data := writeBlobs(t, "blobs.parquet", n, d, k)
	out := filepath.Join(t.TempDir(), "labels.parquet")
	s := mustStartStack(t, 2)
	m, err := s.run(t, wire.JobSpec{
		Inputs: []string{data}, Exclude: []string{"label"}, K: k, Algorithm: "minibatch",
		Seed: 3, ShardRows: 16384, Out: out,
	})
	if err != nil {
		t.Fatal(err)
	}
	if ari := checkLabels(t, out, data, n); ari < 0.95 {
		t.Errorf("ARI %.4f < 0.95 against the generator's labels", ari)
	}
	var total int64
	for _, c := range m.ClusterSizes {
		total += c
	}
	if total != n || m.N != n || len(m.Centers) != k || len(m.Centers[0]) != d || m.Inertia == nil {
		t.Errorf("model does not describe the data: n=%d sizes sum %d, %d centres", m.N, total, len(m.Centers))
	}
	// Without a labels file the workers send counts, not labels: the
	// model must be the same, down to the last bit of its losses.
	counted, err := s.run(t, wire.JobSpec{
		Inputs: []string{data}, Exclude: []string{"label"}, K: k, Algorithm: "minibatch",
		Seed: 3, ShardRows: 16384,
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Seconds, m.Timings, m.Tasks, counted.Seconds, counted.Timings, counted.Tasks = 0, nil, nil, 0, nil, nil
	if !reflect.DeepEqual(m, counted) {
		t.Errorf("model without a labels file differs:\n%+v\n%+v", counted, m)
	}
	if want := []string{"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"}; !reflect.DeepEqual(m.Columns, want) {
		t.Errorf("columns %v, want %v", m.Columns, want)
	}
}

// The model must not depend on how many workers computed it: randomness
// derives from the seed and the task, and per-shard results merge in
// shard order however the rounds were cut for the workers. With four
// workers every round of the phases that spread (mini-batch steps, Lloyd
// passes, CLARA's sampling and scoring) is cut into at least four tasks,
// and every worker takes part in each phase.
func TestModelIndependentOfWorkerCount(t *testing.T) {
	data := writeBlobs(t, "blobs.arrow", 60_000, 8, 10)
	for _, tc := range []struct {
		algo   string
		phases []string
	}{
		{"minibatch", []string{"iterate"}},
		{"kmeans", []string{"iterate"}},
		{"fastclara", []string{"sample", "score"}},
	} {
		t.Run(tc.algo, func(t *testing.T) {
			var models []*wire.Model
			for _, workers := range []int{1, 2, 4} {
				s := mustStartStack(t, workers)
				m, err := s.run(t, wire.JobSpec{
					Inputs: []string{data}, Exclude: []string{"label"}, K: 10, Algorithm: tc.algo,
					Seed: 11, ShardRows: 8192, MaxIter: 60,
				})
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%d workers: tasks by phase and worker %v", workers, m.Tasks)
				if workers == 4 {
					for _, phase := range tc.phases {
						if len(m.Tasks[phase]) != workers {
							t.Errorf("%d workers, phase %s: tasks by worker %v, want every worker", workers, phase, m.Tasks[phase])
						}
					}
				}
				if tc.phases[0] == "iterate" {
					// Four shards: every step or pass is cut into a task
					// per worker.
					done := 0
					for _, n := range m.Tasks["iterate"] {
						done += n
					}
					// The coordinator counts the workers that sent a
					// result; those that took none of the init's four
					// sampling tasks (one worker may take all four) are
					// first seen in the first step, which may then be cut
					// for as few as one; every later step is cut for all.
					if done < workers*(m.Iterations-1)+1 {
						t.Errorf("%d workers: %d tasks in %d iterations, want at least %d a round", workers, done, m.Iterations, workers)
					}
				}
				m.Seconds, m.Timings, m.Tasks = 0, nil, nil
				models = append(models, m)
			}
			for i := 1; i < len(models); i++ {
				if !reflect.DeepEqual(models[0], models[i]) {
					t.Errorf("1 worker and more gave different models:\n%+v\n%+v", models[0], models[i])
				}
			}
		})
	}
}

// Mini-batch steps on data of many batches draw each batch from a group
// of shards (see stepShards); the groups come from the seed, so the model
// is the same for any number of workers (TestStepShards* check the groups
// and that a step's tasks read only its own).
func TestMiniBatchGroupsIndependentOfWorkerCount(t *testing.T) {
	data := filepath.Join(t.TempDir(), "blobs.parquet")
	if _, err := partition.GenerateBlobs(data, partition.BlobsConfig{N: 60_000, D: 4, K: 5, Seed: 7, BatchRows: 2000}); err != nil {
		t.Fatal(err)
	}
	var models []*wire.Model
	out := filepath.Join(t.TempDir(), "labels.parquet")
	for _, workers := range []int{1, 3} {
		s := mustStartStack(t, workers)
		// 256 rows a batch: groups of 64·256 rows, three groups of ten
		// 2000-row shards.
		m, err := s.run(t, wire.JobSpec{
			Inputs: []string{data}, Exclude: []string{"label"}, K: 5, Algorithm: "minibatch",
			Seed: 4, ShardRows: 2000, BatchSize: 256, MaxIter: 40, Out: out,
		})
		if err != nil {
			t.Fatal(err)
		}
		m.Seconds, m.Timings, m.Tasks = 0, nil, nil
		models = append(models, m)
	}
	if !reflect.DeepEqual(models[0], models[1]) {
		t.Errorf("1 and 3 workers gave different models:\n%+v\n%+v", models[0], models[1])
	}
	if ari := checkLabels(t, out, data, 60_000); ari < 0.9 {
		t.Errorf("ARI %.3f < 0.9: batches drawn from groups of shards did not find the blobs", ari)
	}
}

func TestJobInputErrors(t *testing.T) {
	data := writeBlobs(t, "small.csv", 50, 2, 3)
	s := mustStartStack(t, 1)
	cases := []struct {
		name string
		spec wire.JobSpec
		want error
	}{
		{"k above n", wire.JobSpec{Inputs: []string{data}, K: 51}, coordinator.ErrInput},
		{"k equal n for medoids", wire.JobSpec{Inputs: []string{data}, K: 50, Algorithm: "fasterpam"}, coordinator.ErrInput},
		{"missing file", wire.JobSpec{Inputs: []string{data + ".gone"}, K: 2}, nil},
		{"unknown column", wire.JobSpec{Inputs: []string{data}, Columns: []string{"nope"}, K: 2}, partition.ErrNoSuchColumn},
	}
	for _, c := range cases {
		_, err := s.run(t, c.spec)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		t.Logf("%s: %v", c.name, err)
	}
}
