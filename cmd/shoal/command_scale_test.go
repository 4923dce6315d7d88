package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestAssignScaledTrainingDataEqualsFit is TestAssignTrainingDataEqualsFit
// for scaled models: assign applies the model's scaler (the shards cut
// otherwise), and labels the training data as the fit did.
func TestAssignScaledTrainingDataEqualsFit(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "blobs.csv")
	if code, _, e := shoal(t, "gen", "blobs", "--n", "3000", "--d", "4", "--k", "5", "--seed", "12", "--out", data); code != 0 {
		t.Fatalf("gen: %s", e)
	}
	// Columns of very different spreads and places, so the scaling
	// matters: column i is stretched by 10^i and moved by 1e6.
	recs := readCSV(t, data)
	var b strings.Builder
	b.WriteString(strings.Join(recs[0], ",") + "\n")
	for _, r := range recs[1:] {
		for i, v := range r[:len(r)-1] {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			r[i] = strconv.FormatFloat(x*math.Pow(10, float64(i))+1e6, 'g', -1, 64)
		}
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ algo, metric, scale string }{
		{"kmeans", "", "standard"}, {"minibatch", "", "minmax"}, {"kmeans", "", "robust"},
		{"fasterpam", "manhattan", "robust"}, {"fastclara", "euclidean", "standard"},
	} {
		t.Run(c.algo+"/"+c.metric+"/"+c.scale, func(t *testing.T) {
			sub := t.TempDir()
			model, fitLabels, assigned := filepath.Join(sub, "m.json"), filepath.Join(sub, "fit.csv"), filepath.Join(sub, "assign.csv")
			args := []string{"run", "-q", "--workers", "2", "--input", data, "--exclude", "label", "--k", "5", "--algo", c.algo,
				"--shard-rows", "1000", "--scale", c.scale, "--model", model, "--out", fitLabels}
			if c.metric != "" {
				args = append(args, "--metric", c.metric)
			}
			if code, _, e := shoal(t, args...); code != 0 {
				t.Fatalf("run: exit %d: %s", code, e)
			}
			if m := readModel(t, model); m.Scaler == nil || m.Scaler.Method != c.scale {
				t.Fatalf("model scaler %+v", m.Scaler)
			}
			if code, _, e := shoal(t, "assign", "-q", "--workers", "2", "--model", model, "--input", data, "--shard-rows", "700", "--out", assigned); code != 0 {
				t.Fatalf("assign: exit %d: %s", code, e)
			}
			fit, got := readLabelsCSV(t, fitLabels), readLabelsCSV(t, assigned)
			if len(fit) != 3000 || len(got) != len(fit) {
				t.Fatalf("%d fit labels, %d assigned", len(fit), len(got))
			}
			for i := range fit {
				if fit[i].row != got[i].row || fit[i].cluster != got[i].cluster || !closeDistance(fit[i].distance, got[i].distance) {
					t.Fatalf("row %d: fit %+v, assign %+v", i, fit[i], got[i])
				}
			}
		})
	}
}

// TestScaleErrors: a bad --scale, --scale where it cannot apply, and a
// model whose scaler was tampered with fail with one line naming the
// problem.
func TestScaleErrors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.csv")
	if err := os.WriteFile(data, []byte("a,b\n1,2\n3,5\n4,4\n8,1\n2,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "m.json")
	if code, _, e := shoal(t, "run", "-q", "--input", data, "--k", "2", "--algo", "kmeans", "--scale", "standard", "--model", model); code != 0 {
		t.Fatalf("run: %s", e)
	}
	b, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	tampered := func(name string, edit func(s map[string]any)) string {
		var c map[string]any
		_ = json.Unmarshal(b, &c)
		edit(c["scaler"].(map[string]any))
		out, _ := json.Marshal(c)
		// NaN cannot be written as JSON: a "NaN" string stands in for it.
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(string(out), `"NaN"`, "NaN")), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"bogus", []string{"run", "--input", data, "--k", "2", "--scale", "bogus"}, "--scale must be one of"},
		{"precomputed", []string{"run", "--input", data, "--k", "2", "--algo", "fasterpam", "--precomputed", "--scale", "standard"}, "--scale does not apply to --precomputed"},
		{"short", []string{"assign", "--input", data, "--model", tampered("short", func(s map[string]any) { s["scale"] = []any{1.0} })}, "1 scales for 2 columns"},
		{"zero", []string{"assign", "--input", data, "--model", tampered("zero", func(s map[string]any) { s["scale"] = []any{1.0, 0.0} })}, "scale above 0"},
		{"negative", []string{"assign", "--input", data, "--model", tampered("negative", func(s map[string]any) { s["scale"] = []any{-1.0, 2.0} })}, "scale above 0"},
		{"nan", []string{"assign", "--input", data, "--model", tampered("nan", func(s map[string]any) { s["center"] = []any{"NaN", 1.0} })}, "not a model file"},
		{"method", []string{"assign", "--input", data, "--model", tampered("method", func(s map[string]any) { s["method"] = "zscore" })}, `scaler method "zscore"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append(c.args, "--out", filepath.Join(t.TempDir(), "labels.csv"))
			code, _, e := shoal(t, args...)
			if code == 0 || !strings.Contains(e, c.want) || strings.Count(strings.TrimSpace(e), "\n") != 0 {
				t.Errorf("exit %d, stderr %q; want a failure and one line mentioning %q", code, e, c.want)
			}
		})
	}
}

// TestScaledWarmStart: --init-from takes a model's centres in the data's
// units and scales them as the job scales its data, so a scaled fit
// started from its own model's centres is already converged at them.
func TestScaledWarmStart(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "blobs.csv")
	if code, _, e := shoal(t, "gen", "blobs", "--n", "2000", "--d", "3", "--k", "4", "--seed", "5", "--out", data); code != 0 {
		t.Fatalf("gen: %s", e)
	}
	first, second := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	base := []string{"run", "-q", "--input", data, "--exclude", "label", "--k", "4", "--algo", "kmeans", "--scale", "robust"}
	if code, _, e := shoal(t, append(base, "--model", first)...); code != 0 {
		t.Fatalf("run: %s", e)
	}
	if code, _, e := shoal(t, append(base, "--model", second, "--init-from", first)...); code != 0 {
		t.Fatalf("warm run: %s", e)
	}
	a, b := readModel(t, first), readModel(t, second)
	if !b.Params.WarmStart || b.Iterations > 1 {
		t.Errorf("warm start ran %d iterations (warm_start %v); the centres given were already converged", b.Iterations, b.Params.WarmStart)
	}
	for c := range a.Centers {
		for f := range a.Centers[c] {
			if math.Abs(a.ScaledCenters[c][f]-b.ScaledCenters[c][f]) > 1e-5 {
				t.Errorf("centre %d column %d: %v, warm start %v (scaled)", c, f, a.ScaledCenters[c][f], b.ScaledCenters[c][f])
			}
		}
	}
}
