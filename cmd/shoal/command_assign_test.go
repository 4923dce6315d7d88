package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-io/shoal/internal/embedded"
	"github.com/shoal-io/shoal/internal/wire"
)

// label is one row of a labels CSV file.
type label struct {
	row      int64
	cluster  int
	distance float64
}

// readLabelsCSV reads a labels file written as CSV.
func readLabelsCSV(t *testing.T, path string) []label {
	t.Helper()
	recs := readCSV(t, path)
	if strings.Join(recs[0], ",") != "row,cluster,distance" {
		t.Fatalf("%s: header %v", path, recs[0])
	}
	out := make([]label, len(recs)-1)
	for i, r := range recs[1:] {
		row, err1 := strconv.ParseInt(r[0], 10, 64)
		c, err2 := strconv.Atoi(r[1])
		d, err3 := strconv.ParseFloat(r[2], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("%s: line %d: %v", path, i+2, r)
		}
		out[i] = label{row, c, d}
	}
	return out
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func readModel(t *testing.T, path string) *wire.Model {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m wire.Model
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// closeDistance reports whether two distances agree within float32
// rounding of the worker's kernel.
func closeDistance(a, b float64) bool {
	return math.Abs(a-b) <= 1e-4*(1+math.Max(math.Abs(a), math.Abs(b)))
}

// Assigning the training data gives every row the cluster and distance
// the fit's own label pass gave it.
func TestAssignTrainingDataEqualsFit(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "blobs.csv")
	if code, _, e := shoal(t, "gen", "blobs", "--n", "4000", "--d", "5", "--k", "6", "--seed", "11", "--out", data); code != 0 {
		t.Fatalf("gen: %s", e)
	}
	// far is the same data a million units from zero, which the workers
	// read shifted (see partition.Offsets): the model's centres must be
	// shifted the same way.
	far := filepath.Join(dir, "far.csv")
	recs := readCSV(t, data)
	var b strings.Builder
	b.WriteString(strings.Join(recs[0], ",") + "\n")
	for _, r := range recs[1:] {
		for i, v := range r[:len(r)-1] {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			r[i] = strconv.FormatFloat(x+1e6, 'g', -1, 64)
		}
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	if err := os.WriteFile(far, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ data, algo, metric string }{
		{data, "kmeans", ""}, {data, "minibatch", ""}, {data, "fasterpam", "manhattan"}, {data, "fastclara", "euclidean"},
		{data, "alternating", "cosine"}, {far, "kmeans", ""}, {far, "fasterpam", "euclidean"},
	} {
		data := c.data
		t.Run(filepath.Base(data)+"/"+c.algo+"/"+c.metric, func(t *testing.T) {
			sub := t.TempDir()
			model, fitLabels, assigned := filepath.Join(sub, "m.json"), filepath.Join(sub, "fit.csv"), filepath.Join(sub, "assign.csv")
			args := []string{"run", "-q", "--workers", "2", "--input", data, "--exclude", "label", "--k", "6", "--algo", c.algo,
				"--shard-rows", "1000", "--model", model, "--out", fitLabels}
			if c.metric != "" {
				args = append(args, "--metric", c.metric)
			}
			if code, _, e := shoal(t, args...); code != 0 {
				t.Fatalf("run: exit %d: %s", code, e)
			}
			code, out, e := shoal(t, "assign", "-q", "--workers", "2", "--model", model, "--input", data, "--shard-rows", "700", "--out", assigned)
			if code != 0 {
				t.Fatalf("assign: exit %d: %s", code, e)
			}
			if !strings.Contains(out, "assigned 4000 rows") {
				t.Errorf("summary:\n%s", out)
			}
			fit, got := readLabelsCSV(t, fitLabels), readLabelsCSV(t, assigned)
			if len(fit) != 4000 || len(got) != len(fit) {
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

// nearest is the brute-force nearest centre of x under metric, computed
// in float64 from the model's centres.
func nearest(t *testing.T, metric string, centres [][]float64, x []float64) (int, float64) {
	best, bestD := -1, math.Inf(1)
	for c, ctr := range centres {
		var d, dot, nx, nc float64
		for f := range x {
			diff := x[f] - ctr[f]
			switch metric {
			case "euclidean", "sqeuclidean":
				d += diff * diff
			case "manhattan":
				d += math.Abs(diff)
			case "cosine":
				dot += x[f] * ctr[f]
				nx += x[f] * x[f]
				nc += ctr[f] * ctr[f]
			default:
				t.Fatalf("metric %q", metric)
			}
		}
		switch metric {
		case "euclidean":
			d = math.Sqrt(d)
		case "cosine":
			d = 1 - dot/math.Sqrt(nx*nc)
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best, bestD
}

// A model fitted on one half of a dataset labels the other half as a
// brute-force nearest-centre search over the model's centres does, with
// the held-out file's columns in another order and an extra column.
func TestAssignHeldOutHalf(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "blobs.csv")
	if code, _, e := shoal(t, "gen", "blobs", "--n", "6000", "--d", "4", "--k", "5", "--seed", "3", "--out", data); code != 0 {
		t.Fatalf("gen: %s", e)
	}
	recs := readCSV(t, data)
	header := recs[0] // f0..f3, label
	train, test := filepath.Join(dir, "train.csv"), filepath.Join(dir, "test.csv")
	// The held-out half has its columns reversed and the truth renamed,
	// so only matching by name finds the features.
	perm := make([]int, len(header))
	for i := range perm {
		perm[i] = len(header) - 1 - i
	}
	writeRows := func(path string, rows [][]string, order []int) {
		var b strings.Builder
		for _, r := range rows {
			cells := make([]string, len(order))
			for i, j := range order {
				cells[i] = r[j]
			}
			b.WriteString(strings.Join(cells, ",") + "\n")
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	identity := make([]int, len(header))
	for i := range identity {
		identity[i] = i
	}
	half := 1 + (len(recs)-1)/2
	writeRows(train, append([][]string{header}, recs[1:half]...), identity)
	testHeader := append([]string(nil), header...)
	testHeader[len(testHeader)-1] = "truth"
	writeRows(test, append([][]string{testHeader}, recs[half:]...), perm)

	for _, c := range []struct{ algo, metric string }{{"kmeans", "euclidean"}, {"fasterpam", "manhattan"}, {"fastclara", "cosine"}} {
		t.Run(c.algo+"/"+c.metric, func(t *testing.T) {
			sub := t.TempDir()
			model, labels := filepath.Join(sub, "m.json"), filepath.Join(sub, "labels.csv")
			args := []string{"run", "-q", "--workers", "2", "--input", train, "--exclude", "label", "--k", "5", "--algo", c.algo, "--model", model}
			if c.algo != "kmeans" {
				args = append(args, "--metric", c.metric)
			}
			if code, _, e := shoal(t, args...); code != 0 {
				t.Fatalf("run: exit %d: %s", code, e)
			}
			if code, _, e := shoal(t, "assign", "-q", "--workers", "2", "--model", model, "--input", test, "--shard-rows", "500", "--out", labels); code != 0 {
				t.Fatalf("assign: exit %d: %s", code, e)
			}
			m := readModel(t, model)
			if m.Metric != c.metric || len(m.Centers) != 5 {
				t.Fatalf("model metric %s with %d centres", m.Metric, len(m.Centers))
			}
			rows := readCSV(t, test)
			col := map[string]int{}
			for i, name := range rows[0] {
				col[name] = i
			}
			got := readLabelsCSV(t, labels)
			if len(got) != len(rows)-1 {
				t.Fatalf("%d labels for %d rows", len(got), len(rows)-1)
			}
			for i, l := range got {
				x := make([]float64, len(m.Columns))
				for f, name := range m.Columns {
					v, err := strconv.ParseFloat(rows[1+i][col[name]], 64)
					if err != nil {
						t.Fatal(err)
					}
					x[f] = v
				}
				want, wantD := nearest(t, m.Metric, m.Centers, x)
				_, gotD := nearest(t, m.Metric, m.Centers[l.cluster:l.cluster+1], x)
				if l.row != int64(i) {
					t.Fatalf("label %d is of row %d", i, l.row)
				}
				// A near tie may go either way in float32; the chosen
				// centre must then be as near as the best.
				if (l.cluster != want && !closeDistance(gotD, wantD)) || !closeDistance(l.distance, wantD) {
					t.Fatalf("row %d %v: cluster %d at %g, brute force says %d at %g", i, x, l.cluster, l.distance, want, wantD)
				}
			}
		})
	}
}

// A coordinator service runs an assignment as a job kind: submit
// --assign labels with the model's centres, and the labels equal those
// of the embedded assign.
func TestSubmitAssign(t *testing.T) {
	dir := t.TempDir()
	srv, err := embedded.Start(embedded.Options{StoreDir: filepath.Join(dir, "js")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	url := srv.ClientURL()
	data := filepath.Join(dir, "blobs.csv")
	model := filepath.Join(dir, "m.json")
	if code, _, e := shoal(t, "gen", "blobs", "--n", "3000", "--d", "3", "--k", "4", "--seed", "2", "--out", data); code != 0 {
		t.Fatal(e)
	}
	if code, _, e := shoal(t, "run", "-q", "--workers", "1", "--input", data, "--exclude", "label", "--k", "4", "--algo", "fasterpam", "--model", model); code != 0 {
		t.Fatal(e)
	}
	local := filepath.Join(dir, "local.csv")
	if code, _, e := shoal(t, "assign", "-q", "--workers", "1", "--model", model, "--input", data, "--out", local); code != 0 {
		t.Fatal(e)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	runCommand(ctx, &wg, "coordinator", "--nats", url, "--data-dir", filepath.Join(dir, "coord"), "--allow-write", dir)
	runCommand(ctx, &wg, "worker", "--nats", url, "-c", "2")

	for _, form := range []string{"flag", "spec"} {
		t.Run(form, func(t *testing.T) {
			labels := filepath.Join(dir, form+".csv")
			args := []string{"submit", "-q", "--nats", url, "--wait"}
			if form == "flag" {
				args = append(args, "--assign", model, "--input", data, "--out", labels)
			} else {
				spec := filepath.Join(dir, "job.json")
				b := fmt.Sprintf(`{"inputs": [%q], "out": %q, "assign": {"model": %q}}`, data, labels, model)
				if err := os.WriteFile(spec, []byte(b), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, "--spec", spec)
			}
			var code int
			var errOut string
			deadline := time.Now().Add(30 * time.Second)
			for {
				code, _, errOut = shoal(t, args...)
				if code == 0 || !strings.Contains(errOut, "no coordinator") || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if code != 0 {
				t.Fatalf("submit: exit %d: %s", code, errOut)
			}
			want, got := readLabelsCSV(t, local), readLabelsCSV(t, labels)
			if len(got) != len(want) {
				t.Fatalf("%d labels, want %d", len(got), len(want))
			}
			for i := range want {
				if want[i].cluster != got[i].cluster || !closeDistance(want[i].distance, got[i].distance) {
					t.Fatalf("row %d: %+v, embedded assign %+v", i, got[i], want[i])
				}
			}
		})
	}
	t.Run("fit options refused", func(t *testing.T) {
		code, _, e := shoal(t, "submit", "--nats", url, "--assign", model, "--input", data, "--out", filepath.Join(dir, "x.csv"), "--k", "3")
		if code != exitUsage || !strings.Contains(e, "k=3") {
			t.Errorf("exit %d: %s", code, e)
		}
		code, _, e = shoal(t, "submit", "--nats", url, "--assign", model, "--input", data, "--model", filepath.Join(dir, "y.json"))
		if code != exitUsage || !strings.Contains(e, "--model") {
			t.Errorf("exit %d: %s", code, e)
		}
	})
}

// --max-iter 0 would read as "the default": it is refused.
func TestRunMaxIterZero(t *testing.T) {
	code, _, e := shoal(t, "run", "--input", "x.csv", "--k", "3", "--max-iter", "0")
	if code != exitUsage || !strings.Contains(e, "--max-iter must be at least 1") || strings.Count(strings.TrimSpace(e), "\n") != 0 {
		t.Errorf("exit %d: %s", code, e)
	}
}
