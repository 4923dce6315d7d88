package proctest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/internal/proctest"
)

// A model that cannot label the data, or a command line that would write
// over the model, is refused before any work: one line that names the
// model file (and the column, where one is at fault), exit 2, and the
// user's files as they were.
func TestAdversarialAssignRefusals(t *testing.T) {
	dir := userFiles(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	// A real model of in.csv's features f0, f1, f2.
	proctest.MustRun(t, t.TempDir(), jobWait, shoal("shoal", "run", "-q", "--workers", "1", "--input", p("in.csv"),
		"--exclude", "label", "--k", "3", "--algo", "kmeans", "--model", p("model.json")))
	model, err := os.ReadFile(p("model.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ name, content string }{
		// The same model with a column the data lacks.
		{"other-columns.json", string(replaceOnce(t, model, `"f2"`, `"height"`))},
		// Cut off in the middle, as a copy that failed.
		{"truncated.json", string(model[:len(model)/2])},
		// A k-medoids model of a precomputed matrix: medoid rows, no vectors.
		{"precomputed.json", `{"algorithm": "fasterpam", "k": 2, "metric": "precomputed", "n": 4, "medoid_rows": [0, 3], "cluster_sizes": [2, 2], "total_deviation": 1, "iterations": 1, "seed": 1, "seconds": 0}` + "\n"},
		// f2 is a text column here.
		{"text.csv", "f0,f1,f2\n1,2,low\n4,5,high\n"},
	} {
		if err := os.WriteFile(p(f.name), []byte(f.content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	assign := []string{"assign", "-q", "--workers", "1"}
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"missing column", []string{"--model", p("other-columns.json"), "--input", p("in.csv"), "--out", p("new.csv")},
			[]string{"other-columns.json", `"height"`}},
		{"column of the wrong type", []string{"--model", p("model.json"), "--input", p("text.csv"), "--out", p("new.csv")},
			[]string{"model.json", `"f2"`, "not numeric"}},
		{"the data file as model", []string{"--model", p("in.csv"), "--input", p("in.csv"), "--out", p("new.csv")},
			[]string{"in.csv", "not a model file"}},
		{"an earlier model without centres", []string{"--model", p("old-model.json"), "--input", p("in.csv"), "--out", p("new.csv")},
			[]string{"old-model.json"}},
		{"corrupt model JSON", []string{"--model", p("truncated.json"), "--input", p("in.csv"), "--out", p("new.csv")},
			[]string{"truncated.json", "not a model file"}},
		{"model without centres", []string{"--model", p("precomputed.json"), "--input", p("in.csv"), "--out", p("new.csv")},
			[]string{"precomputed.json", "no centres"}},
		{"model is the output", []string{"--model", p("model.json"), "--input", p("in.csv"), "--out", p("model.json")},
			[]string{"--out", "is the input --model"}},
		{"model is the output through a dot-dot", []string{"--model", p("model.json"), "--input", p("in.csv"), "--out", p("parts/../model.json")},
			[]string{"--out", "--model"}},
		{"out is the input", []string{"--model", p("model.json"), "--input", p("in.csv"), "--out", p("link.csv")},
			[]string{"--out", "is the input"}},
		{"no out", []string{"--model", p("model.json"), "--input", p("in.csv")}, []string{"--out is required"}},
		{"keep without a dataset", []string{"--model", p("model.json"), "--input", p("in.csv"), "--out", p("new.csv"), "--keep", "label"},
			[]string{"--keep"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := takeSnapshot(t, dir)
			refused(t, t.TempDir(), exitUsage, append(append([]string(nil), assign...), c.args...), c.want...)
			before.unchanged(t, dir)
		})
	}
}

// replaceOnce replaces the one occurrence of old in b.
func replaceOnce(t *testing.T, b []byte, old, new string) []byte {
	t.Helper()
	if strings.Count(string(b), old) != 1 {
		t.Fatalf("%q occurs other than once in %s", old, b)
	}
	return []byte(strings.Replace(string(b), old, new, 1))
}
