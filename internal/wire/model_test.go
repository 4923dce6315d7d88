package wire

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/internal/jsonkeys"
)

// A model file written before the model recorded its provenance still
// reads, with the fields it has.
func TestModelReadsOldFiles(t *testing.T) {
	old := `{"algorithm": "fasterpam", "k": 2, "metric": "euclidean", "n": 5, "rows_dropped": 1,
		"columns": ["f0"], "medoid_rows": [0, 3], "centers": [[1], [4]], "cluster_sizes": [2, 3],
		"total_deviation": 2.5, "inertia": 1.5, "iterations": 3, "swaps": 1, "init": "lab", "seed": 7, "seconds": 0.1}`
	var m Model
	if err := json.Unmarshal([]byte(old), &m); err != nil {
		t.Fatal(err)
	}
	if m.Algorithm != "fasterpam" || m.N != 5 || m.RowsDropped != 1 || !slices.Equal(m.MedoidRows, []int64{0, 3}) ||
		m.Inertia == nil || *m.Inertia != 1.5 || m.Seed != 7 || m.Params != nil || m.Inputs != nil || m.ShoalVersion != "" {
		t.Errorf("old model read as %+v", m)
	}
}

// A model with every field set keeps its values through its file, and
// every key of the file is snake_case.
func TestModelRoundTrip(t *testing.T) {
	inertia := 1.5
	m := Model{
		Algorithm: "minibatch", K: 2, Metric: "euclidean", N: 5, RowsDropped: 1, Columns: []string{"f0"},
		Centers: [][]float64{{1}, {4}}, ClusterSizes: []int64{2, 3}, TotalDeviation: 2.5, Inertia: &inertia,
		Iterations: 3, Stop: "max-iter", Init: "kmeans++", Seed: 7, Seconds: 0.1,
		ShoalVersion: "v1.2.3 (go1.24)", Inputs: []string{"data/", "more.csv"},
		Where: map[string][]string{"Year": {"2026"}},
		Params: &ModelParams{Nulls: "drop", Weight: "w", MaxIter: 400, Tol: 1e-3, BatchSize: 500, Silhouette: 100,
			Samples: 3, SampleSize: 300, NumLocal: 2, MaxNeighbor: 0.5, WarmStart: true},
	}
	b, err := json.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	var back Model
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, m) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, m)
	}
	bad, err := jsonkeys.DocKeys(b, "where")
	if err != nil || len(bad) > 0 {
		t.Errorf("keys that are not snake_case: %q (%v)", bad, err)
	}
	for _, key := range []string{`"shoal_version"`, `"inputs"`, `"where"`, `"params"`, `"batch_size"`, `"max_iter"`, `"sample_size"`, `"warm_start"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("model file lacks %s: %s", key, b)
		}
	}
}
