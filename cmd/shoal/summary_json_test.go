package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
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
	for _, algo := range []string{"kmeans", "fasterpam"} {
		t.Run(algo, func(t *testing.T) {
			// No --quiet: the progress bar must stay on stderr.
			code, out, e := shoal(t, "run", "--json", "--workers", "2", "--input", data, "--exclude", "label",
				"--k", "3", "--algo", algo, "--model", model, "--out", labels)
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
				s.Iterations != m.Iterations || s.Stop != m.Stop || (algo == "kmeans" && s.Stop == "") {
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
			if algo == "kmeans" {
				want = *m.Inertia
			}
			if math.Abs(s.Loss-want) > 1e-9*want || s.Loss <= 0 {
				t.Errorf("loss %v, want %v", s.Loss, want)
			}
			if len(s.Timings) == 0 || s.Seconds <= 0 {
				t.Errorf("no timings: %+v", s)
			}
		})
	}
}

func readModel(t *testing.T, path string) *wire.Model {
	t.Helper()
	var m wire.Model
	if err := json.Unmarshal(readFile(t, path), &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
