package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/internal/jsonkeys"
	"github.com/shoal-io/shoal/internal/wire"
)

// oneJSON checks that out is exactly one JSON document, with nothing
// before or after it but white space, whose keys are all snake_case (the
// values of the keys in data are maps of data, e.g. a where filter), and
// decodes it into v.
func oneJSON(t *testing.T, out string, v any, data ...string) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not one JSON document (%v):\n%s", err, out)
	}
	var rest bytes.Buffer
	rest.ReadFrom(dec.Buffered())
	if strings.TrimSpace(rest.String()) != "" || dec.More() {
		t.Fatalf("stdout holds more than one JSON document:\n%s", out)
	}
	bad, err := jsonkeys.DocKeys([]byte(out), data...)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("keys that are not snake_case: %q\n%s", bad, out)
	}
}

func TestRunJSON(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "blobs.csv")
	model := filepath.Join(dir, "model.json")
	labels := filepath.Join(dir, "labels.csv")
	if code, _, e := shoal(t, "gen", "blobs", "--n", "2000", "--d", "3", "--k", "3", "--seed", "3", "--out", data); code != 0 {
		t.Fatalf("gen: %s", e)
	}
	for _, c := range []struct {
		algo   string
		flags  []string
		params wire.ModelParams // what the model must record, defaults filled in
	}{
		{"kmeans", nil, wire.ModelParams{Nulls: "error", MaxIter: 300, Tol: 1e-4, NInit: 1}},
		// 100 epochs of 2000 rows in batches of 500: 400 steps.
		{"minibatch", []string{"--batch-size", "500", "--nulls", "drop"}, wire.ModelParams{Nulls: "drop", MaxIter: 400, BatchSize: 500, NInit: 1}},
		{"fasterpam", []string{"--max-iter", "7"}, wire.ModelParams{Nulls: "error", MaxIter: 7}},
		{"fastclara", []string{"--samples", "3", "--sample-size", "300"}, wire.ModelParams{Nulls: "error", Samples: 3, SampleSize: 300}},
		{"fastclara", []string{"--samples", "3", "--sample-size", "300", "--refine", "16"}, wire.ModelParams{Nulls: "error", Samples: 3, SampleSize: 300, Refine: 16}},
	} {
		algo := c.algo
		t.Run(algo, func(t *testing.T) {
			// No --quiet: the progress bar must stay on stderr.
			args := append([]string{"run", "--json", "--workers", "2", "--input", data, "--exclude", "label",
				"--k", "3", "--algo", algo, "--model", model, "--out", labels}, c.flags...)
			code, out, e := shoal(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, e)
			}
			var s jobSummary
			oneJSON(t, out, &s)
			m := readModel(t, model)
			if s.JobID == "" || s.Algorithm != algo || s.K != 3 || s.Rows != 2000 || s.RowsDropped != 0 ||
				!slices.Equal(s.Features, []string{"f0", "f1", "f2"}) || s.Model != model || s.Labels != labels {
				t.Errorf("summary: %+v", s)
			}
			// The summary says what the model file says.
			if !slices.Equal(s.ClusterSizes, m.ClusterSizes) || s.TotalDeviation != m.TotalDeviation ||
				s.Iterations != m.Iterations || s.Stop != m.Stop || (slices.Contains(wire.KMeansAlgorithms, algo) && s.Stop == "") {
				t.Errorf("summary %+v disagrees with the model %+v", s, m)
			}
			var sum int64
			for _, n := range s.ClusterSizes {
				sum += n
			}
			if sum != 2000 {
				t.Errorf("cluster sizes sum to %d, want 2000", sum)
			}
			// Loss is the objective the algorithm minimised.
			want := m.TotalDeviation
			if slices.Contains(wire.KMeansAlgorithms, algo) {
				want = *m.Inertia
			}
			if math.Abs(s.Loss-want) > 1e-9*want || s.Loss <= 0 {
				t.Errorf("loss %v, want %v", s.Loss, want)
			}
			if len(s.Timings) == 0 || s.Seconds <= 0 {
				t.Errorf("no timings: %+v", s)
			}
			// The model says what made it.
			if m.ShoalVersion == "" || !slices.Equal(m.Inputs, []string{data}) || m.Params == nil || !reflect.DeepEqual(*m.Params, c.params) {
				t.Errorf("model provenance: version %q inputs %q params %+v, want params %+v", m.ShoalVersion, m.Inputs, m.Params, c.params)
			}
			bad, err := jsonkeys.DocKeys(readFile(t, model), "where")
			if err != nil || len(bad) > 0 {
				t.Errorf("model file keys that are not snake_case: %q (%v)", bad, err)
			}
		})
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// assign --json prints one JSON document: the summary of the labelled
// rows, in the keys run --json uses.
func TestAssignJSON(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "blobs.csv")
	model := filepath.Join(dir, "model.json")
	if code, _, e := shoal(t, "gen", "blobs", "--n", "1500", "--d", "3", "--k", "3", "--seed", "5", "--out", data); code != 0 {
		t.Fatalf("gen: %s", e)
	}
	if code, _, e := shoal(t, "run", "-q", "--workers", "1", "--input", data, "--exclude", "label", "--k", "3", "--model", model); code != 0 {
		t.Fatalf("run: %s", e)
	}
	code, out, e := shoal(t, "assign", "--json", "--workers", "1", "--model", model, "--input", data, "--out", filepath.Join(dir, "labels.csv"))
	if code != 0 {
		t.Fatalf("assign: exit %d: %s", code, e)
	}
	var s jobSummary
	oneJSON(t, out, &s)
	var sizes int64
	for _, n := range s.ClusterSizes {
		sizes += n
	}
	if s.Rows != 1500 || s.K != 3 || sizes != 1500 {
		t.Errorf("assign --json: rows %d k %d cluster sizes adding to %d, want 1500, 3, 1500:\n%s", s.Rows, s.K, sizes, out)
	}
}
