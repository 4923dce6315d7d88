package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/internal/wire"
)

// shoal runs the CLI in-process and returns its exit code and output.
func shoal(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = execute(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunDemo(t *testing.T) {
	code, out, errOut := shoal(t, "run", "--demo", "--workers", "2", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`ARI ([0-9.]+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no ARI in the summary:\n%s", out)
	}
	if ari, _ := strconv.ParseFloat(m[1], 64); ari < 0.95 {
		t.Errorf("demo ARI %.4f < 0.95:\n%s", ari, out)
	}
}

func TestGenRunEval(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "blobs.csv")
	model := filepath.Join(dir, "model.json")
	labels := filepath.Join(dir, "labels.arrow")
	if code, _, e := shoal(t, "gen", "blobs", "--n", "3000", "--d", "3", "--k", "4", "--seed", "5", "--out", data); code != 0 {
		t.Fatalf("gen: %s", e)
	}
	code, out, e := shoal(t, "run", "-q", "--workers", "2", "--input", data, "--exclude", "label", "--k", "4",
		"--algo", "fasterpam", "--model", model, "--out", labels, "--silhouette", "500")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, e)
	}
	if !strings.Contains(out, "cluster sizes") {
		t.Errorf("summary lacks cluster sizes:\n%s", out)
	}
	b, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	var m wire.Model
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Algorithm != "fasterpam" || len(m.MedoidRows) != 4 || len(m.Centers) != 4 || m.N != 3000 || m.Silhouette == nil {
		t.Errorf("model: %s", b)
	}
	code, out, e = shoal(t, "eval", "--labels", labels, "--truth", data+":label")
	if code != 0 {
		t.Fatalf("eval: %s", e)
	}
	ari := regexp.MustCompile(`ARI ([0-9.]+)`).FindStringSubmatch(out)
	if v, _ := strconv.ParseFloat(ari[1], 64); v < 0.95 {
		t.Errorf("ARI %v < 0.95", v)
	}
}

// Bad input must fail with one line on stderr that names what is wrong, a
// non-zero exit code, and no output files left behind.
func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("a,b\n1,2\n3,4\n5,6\n"), 0o644)
	nulls := filepath.Join(dir, "nulls.csv")
	os.WriteFile(nulls, []byte("a,b\n1,2\n3,\n5,6\n"), 0o644)
	text := filepath.Join(dir, "text.csv")
	os.WriteFile(text, []byte("a,b\n1,x\n3,y\n"), 0o644)
	nan := filepath.Join(dir, "nan.csv")
	os.WriteFile(nan, []byte("a,b\n1,2\n3,NaN\n5,6\n"), 0o644)
	empty := filepath.Join(dir, "empty.csv")
	os.WriteFile(empty, []byte("a,b\n"), 0o644)

	cases := []struct {
		name string
		args []string
		code int
		want []string // substrings of stderr
	}{
		{"no k", []string{"--input", good}, 2, []string{"--k"}},
		{"no input", []string{"--k", "2"}, 2, []string{"--input"}},
		{"bad flag", []string{"--input", good, "--k", "2", "--frobnicate"}, 2, []string{"frobnicate"}},
		{"missing file", []string{"--input", filepath.Join(dir, "nope.parquet"), "--k", "2"}, 2, []string{"nope.parquet"}},
		{"k above n", []string{"--input", good, "--k", "4"}, 1, []string{"k=4", "3"}},
		{"null", []string{"--input", nulls, "--k", "2"}, 1, []string{"nulls.csv", `"b"`, "row 1", "--nulls drop"}},
		{"nan", []string{"--input", nan, "--k", "2"}, 1, []string{"nan.csv", `"b"`, "row 1"}},
		{"wrong column", []string{"--input", good, "--columns", "a,zz", "--k", "2"}, 2, []string{"good.csv", "zz"}},
		{"text column", []string{"--input", text, "--columns", "a,b", "--k", "2"}, 1, []string{"text.csv", `"b"`}},
		{"empty", []string{"--input", empty, "--k", "2"}, 1, []string{"empty.csv"}},
		{"bad algo", []string{"--input", good, "--k", "2", "--algo", "magic"}, 2, []string{"magic"}},
		{"bad inbox prefix", []string{"--input", good, "--k", "2", "--nats", "nats://127.0.0.1:1", "--nats-inbox-prefix", "_INBOX.>"}, 2, []string{"--nats-inbox-prefix", "wildcards"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			model := filepath.Join(dir, c.name+".json")
			labels := filepath.Join(dir, c.name+".parquet")
			args := append([]string{"run", "-q", "--workers", "1", "--model", model, "--out", labels}, c.args...)
			code, _, errOut := shoal(t, args...)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, c.code, errOut)
			}
			if n := strings.Count(strings.TrimSpace(errOut), "\n"); n != 0 {
				t.Errorf("stderr has %d lines, want one:\n%s", n+1, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
			for _, p := range []string{model, labels} {
				if _, err := os.Stat(p); err == nil {
					t.Errorf("%s was left behind by a failed run", p)
				}
			}
		})
	}
}

func TestNullsDrop(t *testing.T) {
	dir := t.TempDir()
	nulls := filepath.Join(dir, "nulls.csv")
	os.WriteFile(nulls, []byte("a,b\n0,0\n0,1\n3,\n10,10\n10,11\n"), 0o644)
	labels := filepath.Join(dir, "labels.csv")
	code, _, e := shoal(t, "run", "-q", "--workers", "1", "--input", nulls, "--k", "2", "--nulls", "drop", "--algo", "kmeans", "--out", labels)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	b, _ := os.ReadFile(labels)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 5 { // header + 4 rows
		t.Fatalf("labels:\n%s", b)
	}
	for i, want := range []string{"0", "1", "3", "4"} {
		if !strings.HasPrefix(lines[i+1], want+",") {
			t.Errorf("labels row %d = %q, want input row %s", i, lines[i+1], want)
		}
	}
}

// A precomputed matrix: the 5-point example below has BUILD pick row 2
// (row sums 19, 16, 12, 13, 16), and the optimum for k=2 is {0, 3} or
// {1, 3} with loss 1 + 2 = 3 (rows 0,1 to row 0; rows 2,3,4 to row 3).
func TestRunPrecomputed(t *testing.T) {
	dir := t.TempDir()
	matrix := filepath.Join(dir, "m.csv")
	os.WriteFile(matrix, []byte("a,b,c,d,e\n0,1,5,6,7\n1,0,4,5,6\n5,4,0,1,2\n6,5,1,0,1\n7,6,2,1,0\n"), 0o644)
	for _, algo := range []string{"pam", "fastpam1", "fasterpam", "alternating"} {
		model := filepath.Join(dir, algo+".json")
		code, _, e := shoal(t, "run", "-q", "--workers", "1", "--input", matrix, "--precomputed", "--k", "2", "--algo", algo, "--model", model)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", algo, code, e)
		}
		b, _ := os.ReadFile(model)
		var m map[string]any
		json.Unmarshal(b, &m)
		if m["total_deviation"] != 3.0 || m["metric"] != "precomputed" {
			t.Errorf("%s: model %s", algo, b)
		}
		if _, ok := m["centers"]; ok {
			t.Errorf("%s: a precomputed model has centers: %s", algo, b)
		}
		rows, _ := m["medoid_rows"].([]any)
		if len(rows) != 2 || !strings.Contains(fmt.Sprint(rows), "3") {
			t.Errorf("%s: medoid_rows %v, want row 3 and row 0 or 1", algo, rows)
		}
	}
	bad := []struct{ name, csv, want string }{
		{"negative", "a,b,c\n0,1,-5\n1,0,4\n-5,4,0\n", "negative.csv"},
		{"nan", "a,b,c\n0,1,NaN\n1,0,4\nNaN,4,0\n", "row"},
		{"not square", "a,b,c\n0,1,5\n1,0,4\n", "square"},
	}
	for _, c := range bad {
		path := filepath.Join(dir, c.name+".csv")
		os.WriteFile(path, []byte(c.csv), 0o644)
		code, _, e := shoal(t, "run", "-q", "--workers", "1", "--input", path, "--precomputed", "--k", "1", "--algo", "pam")
		if code != 1 || !strings.Contains(e, c.want) {
			t.Errorf("%s: exit %d, stderr %q (want %q)", c.name, code, e, c.want)
		}
	}
}

// k-medoids on more rows than a matrix can hold fails before any task
// runs, saying how much memory it would take and what to use instead.
func TestRunMatrixTooLarge(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "big.parquet")
	if code, _, e := shoal(t, "gen", "blobs", "--n", "70000", "--d", "2", "--k", "3", "--out", data); code != 0 {
		t.Fatal(e)
	}
	code, _, e := shoal(t, "run", "-q", "--workers", "1", "--input", data, "--k", "3", "--algo", "fasterpam")
	if code != 1 || !strings.Contains(e, "GiB") || !strings.Contains(e, "fastclara") {
		t.Errorf("exit %d: %s", code, e)
	}
}

// TestCPUProfile checks that --cpu-profile writes a profile pprof can
// read (gzip-compressed protobuf), and that an unwritable path is a usage
// error.
func TestCPUProfile(t *testing.T) {
	prof := filepath.Join(t.TempDir(), "cpu.pprof")
	code, _, errOut := shoal(t, "run", "--demo", "--workers", "2", "--quiet", "--cpu-profile", prof)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("profile of %d bytes is not gzip data", len(b))
	}
	code, _, errOut = shoal(t, "run", "--demo", "--quiet", "--cpu-profile", filepath.Join(t.TempDir(), "missing", "cpu.pprof"))
	if code != exitUsage || !strings.Contains(errOut, "--cpu-profile") {
		t.Fatalf("unwritable profile path: exit %d, %s", code, errOut)
	}
}

func TestSpreadLine(t *testing.T) {
	for _, c := range []struct {
		tasks map[string]map[string]int
		want  string
	}{
		{nil, ""},
		{map[string]map[string]int{"label": {"w1": 4}}, "label 4 on 1 worker"},
		{map[string]map[string]int{
			"label":   {"a": 2, "b": 2},
			"iterate": {"a": 40, "b": 38, "c": 42},
			"init":    {"c": 1},
		}, "init 1 on 1 worker, iterate 120 on 3 workers (38–42 each), label 4 on 2 workers (2–2 each)"},
	} {
		if got := spreadLine(c.tasks); got != c.want {
			t.Errorf("spreadLine(%v) = %q, want %q", c.tasks, got, c.want)
		}
	}
}
