package coordinator_test

import (
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

func TestClaraFamilyOnBlobs(t *testing.T) {
	const n, k = 50_000, 8
	data := writeBlobs(t, "clara.parquet", n, 6, k)
	s := mustStartStack(t, 2)
	for _, algo := range []string{"clara", "fastclara", "clarans", "fastclarans"} {
		t.Run(algo, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "labels.arrows")
			m, err := s.run(t, wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: k, Algorithm: algo, Seed: 4, Out: out, ShardRows: 10000})
			if err != nil {
				t.Fatal(err)
			}
			if ari := checkLabels(t, out, data, n); ari < 0.99 {
				t.Errorf("ARI %.4f < 0.99", ari)
			}
			if len(m.MedoidRows) != k || len(m.Centers) != k {
				t.Fatalf("model has %d medoid rows and %d centres", len(m.MedoidRows), len(m.Centers))
			}
			checkMedoidRows(t, data, m)
		})
	}
}

// checkMedoidRows checks that medoid_rows are global rows in input order:
// the vector at each reported row is the reported centre.
func checkMedoidRows(t *testing.T, data string, m *wire.Model) {
	t.Helper()
	ds, err := partition.Scan([]string{data}, partition.Options{Exclude: []string{"label"}})
	if err != nil {
		t.Fatal(err)
	}
	all, err := partition.ReadAll(ds, partition.NullsError)
	if err != nil {
		t.Fatal(err)
	}
	for c, row := range m.MedoidRows {
		for f := range all.D {
			if got, want := float64(all.Data[int(row)*all.D+f]), m.Centers[c][f]; got != want {
				t.Fatalf("medoid %d: row %d feature %d is %v, model centre has %v", c, row, f, got, want)
			}
		}
	}
}

// Sampling hashes the global row index, so the sample, and so the model,
// must not change with the shard layout.
func TestClaraIndependentOfSharding(t *testing.T) {
	data := writeBlobs(t, "shards.parquet", 40_000, 4, 6)
	s := mustStartStack(t, 3)
	var models []*wire.Model
	for _, rows := range []int{4096, 16384, 65536} {
		m, err := s.run(t, wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 6, Algorithm: "fastclara", Seed: 9, ShardRows: rows})
		if err != nil {
			t.Fatal(err)
		}
		m.Seconds, m.Timings, m.Tasks = 0, nil, nil
		models = append(models, m)
	}
	for i := 1; i < len(models); i++ {
		// The medoids must agree exactly; the loss is summed shard by shard,
		// so other shard boundaries may change its last bits.
		if !reflect.DeepEqual(models[0].MedoidRows, models[i].MedoidRows) ||
			math.Abs(models[0].TotalDeviation-models[i].TotalDeviation) > 1e-9*models[0].TotalDeviation {
			t.Errorf("shard layout %d changed the model: %v %v vs %v %v", i,
				models[0].MedoidRows, models[0].TotalDeviation, models[i].MedoidRows, models[i].TotalDeviation)
		}
	}
}

// FastCLARA against FasterPAM on all rows, and against CLARA, as the
// paper compares them: FastCLARA's total deviation within 2% of
// FasterPAM's, and on average over 10 seeds no worse than CLARA's.
func TestFastClaraQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10k×10k dissimilarity matrix")
	}
	const n, k = 10_000, 10
	path := filepath.Join(t.TempDir(), "blobs.parquet")
	// scikit-learn's make_blobs defaults (std 1, centres in [-10,10]^d).
	if _, err := partition.GenerateBlobs(path, partition.BlobsConfig{N: n, D: 8, K: k, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	s := mustStartStack(t, 2)
	spec := func(algo string, seed uint64) wire.JobSpec {
		return wire.JobSpec{Inputs: []string{path}, Exclude: []string{"label"}, K: k, Algorithm: algo, Seed: seed}
	}
	full, err := s.run(t, spec("fasterpam", 1))
	if err != nil {
		t.Fatal(err)
	}
	var sumFast, sumClara float64
	const seeds = 10
	for seed := uint64(1); seed <= seeds; seed++ {
		fast, err := s.run(t, spec("fastclara", seed))
		if err != nil {
			t.Fatal(err)
		}
		clara, err := s.run(t, spec("clara", seed))
		if err != nil {
			t.Fatal(err)
		}
		if rel := fast.TotalDeviation / full.TotalDeviation; rel > 1.02 {
			t.Errorf("seed %d: FastCLARA total deviation %.1f is %.2f%% above FasterPAM's %.1f", seed, fast.TotalDeviation, 100*(rel-1), full.TotalDeviation)
		}
		sumFast += fast.TotalDeviation
		sumClara += clara.TotalDeviation
	}
	t.Logf("FasterPAM %.1f; mean over %d seeds: FastCLARA %.1f (+%.2f%%), CLARA %.1f (+%.2f%%)", full.TotalDeviation, seeds,
		sumFast/seeds, 100*(sumFast/seeds/full.TotalDeviation-1), sumClara/seeds, 100*(sumClara/seeds/full.TotalDeviation-1))
	if sumFast > sumClara {
		t.Errorf("FastCLARA's mean total deviation %.1f is worse than CLARA's %.1f", sumFast/seeds, sumClara/seeds)
	}
}

// TestClaraScoreSplitsSets: on one shard and four workers each scoring
// round is cut by candidate set, a task per sample, and the model is the
// one of a single worker that scores every set in one task.
func TestClaraScoreSplitsSets(t *testing.T) {
	data := writeBlobs(t, "one-shard.parquet", 12_000, 4, 5)
	spec := wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 5, Algorithm: "fastclara", Seed: 9, Samples: 5}
	var models []*wire.Model
	for _, workers := range []int{1, 4} {
		s := mustStartStack(t, workers)
		m, err := s.run(t, spec)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d workers: tasks by phase and worker %v", workers, m.Tasks)
		score := 0
		for _, n := range m.Tasks["score"] {
			score += n
		}
		// Five samples in rounds of three and two: two rounds of one task,
		// or a task per sample.
		if want := map[int]int{1: 2, 4: 5}[workers]; score != want {
			t.Errorf("%d workers: %d score tasks, want %d", workers, score, want)
		}
		m.Seconds, m.Timings, m.Tasks = 0, nil, nil
		models = append(models, m)
	}
	if !reflect.DeepEqual(models[0], models[1]) {
		t.Errorf("scores split by set changed the model:\n%+v\n%+v", models[0], models[1])
	}
}
