package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// --n-init takes auto or 1 to wire.MaxNInit runs, for k-means only: any
// other value, or a k-medoids algorithm, is one usage line before
// anything runs.
func TestNInitFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--demo", "--n-init", "0"}, `invalid argument "0" for "--n-init" flag: want auto or a number of runs from 1 to 100`},
		{[]string{"run", "--demo", "--n-init", "-1"}, `invalid argument "-1" for "--n-init" flag`},
		{[]string{"run", "--demo", "--n-init", "1000000"}, `invalid argument "1000000" for "--n-init" flag`},
		{[]string{"run", "--demo", "--n-init", "three"}, `invalid argument "three" for "--n-init" flag`},
		{[]string{"run", "--demo", "--n-init", "3", "--algo", "fasterpam"}, "--n-init does not apply to --algo fasterpam"},
		{[]string{"run", "--demo", "--n-init", "2", "--algo", "fastclara"}, "--n-init does not apply to --algo fastclara"},
		{[]string{"submit", "--nats", "nats://127.0.0.1:1", "--input", "x.csv", "--k", "2", "--n-init", "0"}, `invalid argument "0" for "--n-init" flag`},
	} {
		code, _, stderr := shoal(t, c.args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != 2 || !strings.Contains(stderr, c.want) || len(lines) != 1 {
			t.Errorf("shoal %v: exit %d, %q; want exit 2 and one line mentioning %q", c.args, code, stderr, c.want)
		}
	}
}

// A run of several seedings says which it kept, in the summary and the
// model file.
func TestRunNInit(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "blobs.csv")
	model := filepath.Join(dir, "model.json")
	if code, _, e := shoal(t, "gen", "blobs", "--n", "3000", "--d", "2", "--k", "6", "--seed", "3", "--out", data); code != 0 {
		t.Fatalf("gen: %s", e)
	}
	code, out, e := shoal(t, "run", "-q", "--workers", "2", "--input", data, "--exclude", "label", "--k", "6",
		"--algo", "kmeans", "--init", "random", "--n-init", "4", "--model", model)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	m := readModel(t, model)
	p := m.Params
	if p == nil || p.NInit != 4 || p.BestRun == nil || len(p.RunLosses) != 4 {
		t.Fatalf("model params %+v", p)
	}
	if want := fmt.Sprintf("runs   4 seedings: kept run %d,", *p.BestRun); !strings.Contains(out, want) {
		t.Errorf("summary lacks %q:\n%s", want, out)
	}
}
