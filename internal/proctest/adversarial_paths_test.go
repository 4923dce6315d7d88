package proctest_test

// Issue 12, items 1 and 2: no command line or job spec can make shoal
// overwrite its input, write outside the service's roots, read files it
// was not allowed to, or lose the previous outputs when a job fails.

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/proctest"
	"github.com/shoal-io/shoal/internal/wire"
)

// userFiles makes a directory of the kind a user has: an input file, a
// directory of parts, a link to the input, a hard link to it, and the
// labels and model of an earlier run.
func userFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	proctest.MustRun(t, t.TempDir(), quickWait, shoal("gen", "gen", "blobs", "--n", "3000", "--d", "3", "--k", "3", "--seed", "5", "--out", in))
	if err := os.MkdirAll(filepath.Join(dir, "parts"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ name, content string }{
		{"parts/p0.csv", string(b)},
		{"old-labels.csv", "row,cluster,distance\n0,1,0.5\n"},
		{"old-model.json", `{"algorithm": "earlier"}` + "\n"},
	} {
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(f.content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(in, filepath.Join(dir, "link.csv")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(in, filepath.Join(dir, "hard.csv")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Outputs that alias an input, or each other, are refused before any work,
// whatever the spelling of the path.
func TestAdversarialRunOutputsAliasInputs(t *testing.T) {
	dir := userFiles(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	job := []string{"run", "-q", "--workers", "1", "--k", "3", "--exclude", "label"}
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"out is the input", []string{"--input", p("in.csv"), "--out", p("in.csv")}, []string{"--out", "is the input"}},
		{"model is the input", []string{"--input", p("in.csv"), "--model", p("in.csv")}, []string{"--model", "is the input"}},
		{"model is the input by dot-dot", []string{"--input", p("in.csv"), "--model", p("parts/../in.csv")}, []string{"is the input"}},
		{"out is a link to the input", []string{"--input", p("in.csv"), "--out", p("link.csv")}, []string{"is the input"}},
		{"input is a link, out the file", []string{"--input", p("link.csv"), "--out", p("in.csv")}, []string{"is the input"}},
		{"out is a hard link of the input", []string{"--input", p("in.csv"), "--out", p("hard.csv")}, []string{"same file"}},
		{"cpu profile is the input", []string{"--input", p("in.csv"), "--cpu-profile", p("in.csv")}, []string{"--cpu-profile", "is the input"}},
		{"model inside the input directory", []string{"--input", p("parts"), "--model", p("parts/model.json")}, []string{"inside the input directory"}},
		{"out and model alias", []string{"--input", p("in.csv"), "--out", p("x.json"), "--model", p("parts/../x.json")}, []string{"--model and --out", "both name"}},
		{"out and cpu profile alias", []string{"--input", p("in.csv"), "--out", p("l.csv"), "--cpu-profile", p("l.csv")}, []string{"--cpu-profile"}},
		{"out is a directory", []string{"--input", p("in.csv"), "--out", p("parts")}, []string{"is a directory"}},
		{"output directory missing", []string{"--input", p("in.csv"), "--model", p("nowhere/m.json")}, []string{"nowhere/m.json"}},
		{"init-from is the model", []string{"--input", p("in.csv"), "--init-from", p("old-model.json"), "--model", p("old-model.json")}, []string{"--model", "is the input --init-from"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := takeSnapshot(t, dir)
			refused(t, t.TempDir(), exitUsage, append(append([]string(nil), job...), c.args...), c.want...)
			before.unchanged(t, dir)
		})
	}
	t.Run("out is a file an input directory links to", func(t *testing.T) {
		lake := t.TempDir()
		if err := os.Symlink(p("in.csv"), filepath.Join(lake, "part-0.csv")); err != nil {
			t.Fatal(err)
		}
		before := takeSnapshot(t, dir, lake)
		refused(t, t.TempDir(), exitUsage, append(append([]string(nil), job...), "--input", lake, "--out", p("in.csv")), "is the input")
		before.unchanged(t, dir, lake)
	})
	t.Run("eval truth is the labels", func(t *testing.T) {
		before := takeSnapshot(t, dir)
		refused(t, t.TempDir(), exitUsage, []string{"eval", "--labels", p("in.csv"), "--truth", p("in.csv") + ":label", "--cpu-profile", p("link.csv")}, "--cpu-profile")
		before.unchanged(t, dir)
	})
	t.Run("gen over its own profile", func(t *testing.T) {
		before := takeSnapshot(t, dir)
		refused(t, t.TempDir(), exitUsage, []string{"gen", "blobs", "--n", "10", "--out", p("g.csv"), "--cpu-profile", p("g.csv")}, "--cpu-profile")
		before.unchanged(t, dir)
	})
	t.Run("submit spec file names the input as model", func(t *testing.T) {
		spec := filepath.Join(t.TempDir(), "job.json")
		if err := os.WriteFile(spec, []byte(`{"inputs": ["`+p("in.csv")+`"], "k": 3, "model": "`+p("link.csv")+`"}`), 0o644); err != nil {
			t.Fatal(err)
		}
		before := takeSnapshot(t, dir)
		// No server is needed: the check comes before the connection.
		refused(t, t.TempDir(), exitUsage, []string{"submit", "--nats", "nats://127.0.0.1:1", "--spec", spec}, "--model", "is the input")
		before.unchanged(t, dir)
	})
}

// A job that fails leaves the previous labels and model exactly as they
// were, and no temporary file behind.
func TestAdversarialFailedJobKeepsPreviousOutputs(t *testing.T) {
	dir := userFiles(t)
	bad := filepath.Join(dir, "bad.csv")
	// A NaN deep in the file: found by a worker during the fit.
	var b strings.Builder
	b.WriteString("a,b\n")
	for i := range 5000 {
		if i == 4321 {
			b.WriteString("1,NaN\n")
			continue
		}
		b.WriteString("1,2\n")
	}
	if err := os.WriteFile(bad, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	before := takeSnapshot(t, dir)
	refused(t, t.TempDir(), exitFailed, []string{"run", "-q", "--workers", "1", "--k", "2", "--input", bad,
		"--out", filepath.Join(dir, "old-labels.csv"), "--model", filepath.Join(dir, "old-model.json")}, "bad.csv", "row 4321")
	before.unchanged(t, dir)
}

// A run killed with SIGKILL leaves temporaries behind; the next run that
// writes the same outputs removes them.
func TestAdversarialKilledRunTemporariesRemoved(t *testing.T) {
	data := fuzzy.get(t)
	dir := t.TempDir()
	labels, model := filepath.Join(dir, "labels.parquet"), filepath.Join(dir, "model.json")
	job := []string{"run", "-q", "--workers", "1", "--input", data, "--exclude", "label", "--k", "10",
		"--algo", "kmeans", "--tol", "1e-12", "--max-iter", "300", "--out", labels, "--model", model}
	tmp := t.TempDir() // the runs' TMPDIR, where each keeps its JetStream store
	run := shoal("run", job...)
	run.Env = []string{"TMPDIR=" + tmp}
	p := proctest.Start(t, t.TempDir(), run)
	temps := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, ".*.shoal-*"))
		return m
	}
	deadline := time.Now().Add(jobWait)
	for len(temps()) < 2 {
		if time.Now().After(deadline) || p.Exited() {
			t.Fatalf("the run made no temporary outputs (exited: %v):\n%s", p.Exited(), p.Stderr())
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.Kill()
	if _, err := p.Wait(quickWait); err != nil {
		t.Fatal(err)
	}
	if got := temps(); len(got) != 2 {
		t.Fatalf("after SIGKILL: %v, want the two temporaries", got)
	}
	job[len(job)-5] = "3" // --max-iter: a short run this time
	if left, _ := filepath.Glob(filepath.Join(tmp, "shoal-run-*")); len(left) != 1 {
		t.Fatalf("the killed run's scratch directory: %v, want one", left)
	}
	run = shoal("run", job...)
	run.Env = []string{"TMPDIR=" + tmp}
	proctest.MustRun(t, t.TempDir(), jobWait, run)
	if got := temps(); len(got) != 0 {
		t.Fatalf("temporaries of the killed run are still there: %v", got)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "shoal-*")); len(left) != 0 {
		t.Fatalf("scratch directories left after the next run: %v", left)
	}
	for _, f := range []string{labels, model} {
		if _, err := os.Stat(f); err != nil {
			t.Fatal(err)
		}
	}
}

// The service reads and writes only below its roots, never in its data
// directory, and answers every other path with 403 before reading or
// writing anything.
func TestAdversarialServiceRoots(t *testing.T) {
	data := blobs.get(t)
	outside := t.TempDir() // a directory the service may not touch
	secret := filepath.Join(outside, "secret.csv")
	if err := os.WriteFile(secret, []byte("password,pin\n1,2\n3,4\n5,6\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(outside, "victim.json")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newService(t, 1, serviceOptions{})
	if !strings.Contains(s.coord.Stderr(), "jobs may read") {
		t.Errorf("the coordinator does not say which roots it allows:\n%s", s.coord.Stderr())
	}
	out := filepath.Join(s.dir, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(out, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(s.dataDir, filepath.Join(out, "catalog")); err != nil {
		t.Fatal(err)
	}
	// A directory inside the roots whose link leads out of them.
	lake := filepath.Join(out, "lake")
	if err := os.MkdirAll(lake, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(lake, "part-0.csv")); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(s.dataDir, "shoal.db")
	c := s.client()
	cases := []struct {
		name string
		spec wire.JobSpec
		want []string
	}{
		{"model over the catalog", wire.JobSpec{Inputs: []string{data}, K: 3, Model: db}, []string{db, "data directory"}},
		{"model over the catalog by a link", wire.JobSpec{Inputs: []string{data}, K: 3, Model: filepath.Join(out, "catalog", "shoal.db")}, []string{"data directory"}},
		{"read the catalog", wire.JobSpec{Inputs: []string{db}, K: 3}, []string{"data directory"}},
		{"read a file outside", wire.JobSpec{Inputs: []string{secret}, K: 2}, []string{secret, "--allow-read"}},
		{"read /etc/passwd", wire.JobSpec{Inputs: []string{"/etc/passwd"}, K: 2}, []string{"/etc/passwd"}},
		{"write outside", wire.JobSpec{Inputs: []string{data}, K: 3, Model: victim}, []string{victim, "--allow-write"}},
		{"write outside by dot-dot", wire.JobSpec{Inputs: []string{data}, K: 3, Out: filepath.Join(out, "..", "..", filepath.Base(outside), "l.csv")}, []string{"--allow-write"}},
		{"write outside by a link", wire.JobSpec{Inputs: []string{data}, K: 3, Model: filepath.Join(out, "escape", "victim.json")}, []string{"resolved to", victim}},
		{"a directory whose link leads out", wire.JobSpec{Inputs: []string{lake}, K: 2}, []string{"part-0.csv", secret}},
		{"relative input", wire.JobSpec{Inputs: []string{"blobs.parquet"}, K: 3}, []string{"relative"}},
		{"relative model", wire.JobSpec{Inputs: []string{data}, K: 3, Model: "model.json"}, []string{"relative"}},
		{"write into the input", wire.JobSpec{Inputs: []string{data}, K: 3, Out: data}, []string{"--allow-write"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := takeSnapshot(t, outside, s.dataDir, out)
			ctx, cancel := context.WithTimeout(context.Background(), quickWait)
			defer cancel()
			spec := tc.spec
			_, err := c.Submit(ctx, &spec)
			var ae *coordinator.APIError
			if !errors.As(err, &ae) || ae.Code != "403" {
				t.Fatalf("submit: %v, want a 403 refusal", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(ae.Description, w) {
					t.Errorf("%q does not mention %q", ae.Description, w)
				}
			}
			if strings.Contains(ae.Description, "password") || strings.Contains(ae.Description, "root:") {
				t.Errorf("the refusal leaks file content: %s", ae.Description)
			}
			before.unchanged(t, outside, s.dataDir, out)
		})
	}
	// The catalog survived: a job inside the roots runs, after a restart.
	s.coord.Kill()
	s.startCoordinator()
	model := filepath.Join(out, "model.json")
	p := s.submit("good", model, []string{"--input", data, "--exclude", "label", "--k", "3", "--algo", "kmeans"})
	s.waitSubmit(p)
	if _, err := os.Stat(model); err != nil {
		t.Fatal(err)
	}
	// submit refuses with exit 2 and one line.
	r := proctest.Run(t, s.dir, jobWait, s.cmd("client", "submit", "submit", "--nats", s.srv.URL(),
		"--input", data, "--k", "3", "--out", filepath.Join(outside, "l.csv")))
	oneLine(t, r, exitUsage, "403", "--allow-write")
}

// Without roots the service refuses every path, and says so when it starts.
func TestAdversarialServiceNoRoots(t *testing.T) {
	data := blobs.get(t)
	s := newService(t, 0, serviceOptions{allow: []string{}})
	if !strings.Contains(s.coord.Stderr(), "every job that names a file is refused") {
		t.Errorf("the coordinator does not warn that it refuses every path:\n%s", s.coord.Stderr())
	}
	ctx, cancel := context.WithTimeout(context.Background(), quickWait)
	defer cancel()
	_, err := s.client().Submit(ctx, &wire.JobSpec{Inputs: []string{data}, K: 3})
	var ae *coordinator.APIError
	if !errors.As(err, &ae) || ae.Code != "403" {
		t.Fatalf("submit: %v, want a 403 refusal", err)
	}
}
