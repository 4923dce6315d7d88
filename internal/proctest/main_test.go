package proctest_test

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-io/shoal/internal/proctest"
)

var (
	flagTrials = flag.Int("proctest.trials", 20, "worker-kill trials to run (3 with -short)")
	flagSoak   = flag.Duration("proctest.soak", 0, "keep running worker-kill trials until this much time has passed (e.g. 10m)")
	flagSeed   = flag.Uint64("proctest.seed", 0, "base seed of the worker-kill trials; 0 takes one from the clock")
)

// Timeouts. Generous: two cores are shared with whatever else runs, and a
// timeout here is a failure, not a retry.
const (
	readyWait = 60 * time.Second // a process logs that it is ready
	jobWait   = 3 * time.Minute  // a job ends
	quickWait = 30 * time.Second // a command that does little
)

var (
	bins    proctest.Binaries
	workDir string // binaries and generated data, shared by every test
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "shoal-proctest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workDir = dir
	start := time.Now()
	bins, err = proctest.Build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	if testing.Verbose() {
		fmt.Printf("built shoal, nats-server and versitygw in %.1fs\n", time.Since(start).Seconds())
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// shoal describes a shoal process.
func shoal(name string, args ...string) proctest.Cmd {
	return proctest.Cmd{Name: name, Path: bins.Shoal, Args: args}
}

// dataset is a generated input file, made once per test binary.
type dataset struct {
	name string
	args []string // `shoal gen blobs` flags
	once sync.Once
	path string
	err  error
}

var (
	// blobs is the dataset of issue 4: 200,000 rows, 8 features, 10
	// well separated blobs, so FastCLARA must find the truth.
	blobs = &dataset{name: "blobs.parquet", args: []string{"--n", "200000", "--d", "8", "--k", "10", "--seed", "7"}}
	// fuzzy has overlapping blobs (std 4 in a box of 10): Lloyd and
	// mini-batch k-means take many rounds on it, so there is a middle of
	// the job to kill something in. Row groups of 12,500 rows let a job
	// cut it into 8 shards.
	fuzzy = &dataset{name: "fuzzy.parquet", args: []string{"--n", "100000", "--d", "8", "--k", "10", "--std", "4", "--seed", "3", "--batch-rows", "12500"}}
)

func (d *dataset) get(t *testing.T) string {
	t.Helper()
	d.once.Do(func() {
		d.err = errors.New("generating " + d.name + " did not finish") // until it does
		path := filepath.Join(workDir, d.name)
		args := append([]string{"gen", "blobs", "--out", path}, d.args...)
		r := proctest.Run(t, t.TempDir(), quickWait*2, shoal("gen", args...))
		if r.Code != 0 {
			d.err = fmt.Errorf("shoal gen blobs: exit %d: %s", r.Code, r.Stderr)
			return
		}
		d.path, d.err = path, nil
	})
	if d.err != nil {
		t.Fatal(d.err)
	}
	return d.path
}

// model is a model file without its wall-clock fields: two runs of one
// job must agree on everything else.
type model map[string]any

// clockFields are the model fields that measure time, not the model,
// and "inputs" and "where", how the job named its data: the same rows
// named by a relative or an absolute path, or chosen by a where filter
// rather than listed, fit the same model.
var clockFields = []string{"seconds", "timings", "inputs", "where"}

func readModel(t *testing.T, path string) model {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading model: %v", err)
	}
	var m model
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("model %s: %v", path, err)
	}
	if _, ok := m["seconds"]; !ok {
		t.Errorf("model %s has no seconds field", path)
	}
	for _, f := range clockFields {
		delete(m, f)
	}
	return m
}

// sameModel fails the test unless got equals want, naming the fields
// that differ.
func sameModel(t *testing.T, what string, want, got model) {
	t.Helper()
	if reflect.DeepEqual(want, got) {
		return
	}
	var diff []string
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	for k := range keys {
		if !reflect.DeepEqual(want[k], got[k]) {
			diff = append(diff, fmt.Sprintf("%s: want %s, got %s", k, short(want[k]), short(got[k])))
		}
	}
	sort.Strings(diff)
	t.Errorf("%s: model differs from the reference:\n  %s", what, strings.Join(diff, "\n  "))
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// references holds models of undisturbed embedded runs, by job.
var references sync.Map

// reference returns the model of job run undisturbed by `shoal run` with
// an embedded server and two workers, computed once per job.
func reference(t *testing.T, job []string) model {
	t.Helper()
	key := strings.Join(job, "\x00")
	if m, ok := references.Load(key); ok {
		return m.(model)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "reference.json")
	args := append([]string{"run", "--workers", "2", "-q", "--data-dir", filepath.Join(dir, "data"), "--model", path}, job...)
	proctest.MustRun(t, dir, jobWait, shoal("reference", args...))
	m := readModel(t, path)
	references.Store(key, m)
	return m
}

// checkLabelsCSV reads a labels CSV with encoding/csv and checks that it
// has one row per input row, in input order, with clusters in [0, k).
func checkLabelsCSV(t *testing.T, path string, n, k int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		t.Fatalf("labels %s: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, c := range []string{"row", "cluster", "distance"} {
		if _, ok := col[c]; !ok {
			t.Fatalf("labels %s: no %q column in %v", path, c, header)
		}
	}
	rows := 0
	for ; ; rows++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("labels %s: %v", path, err)
		}
		row, err1 := strconv.ParseInt(rec[col["row"]], 10, 64)
		cl, err2 := strconv.Atoi(rec[col["cluster"]])
		dist, err3 := strconv.ParseFloat(rec[col["distance"]], 64)
		if err := errors.Join(err1, err2, err3); err != nil {
			t.Fatalf("labels %s line %d: %v", path, rows+2, err)
		}
		if row != int64(rows) {
			t.Fatalf("labels %s line %d: row %d, want %d (rows must be complete and in input order)", path, rows+2, row, rows)
		}
		if cl < 0 || cl >= k || dist < 0 {
			t.Fatalf("labels %s line %d: cluster %d distance %v, want a cluster in [0,%d) and a distance >= 0", path, rows+2, cl, dist, k)
		}
	}
	if rows != n {
		t.Fatalf("labels %s: %d rows, want %d", path, rows, n)
	}
}

var ariLine = regexp.MustCompile(`(?m)^ARI ([0-9.eE+-]+)$`)

// evalARI runs `shoal eval` and returns the adjusted Rand index it
// prints.
func evalARI(t *testing.T, dir, labels, truth string) float64 {
	t.Helper()
	r := proctest.MustRun(t, dir, quickWait*2, shoal("eval", "eval", "--labels", labels, "--truth", truth))
	m := ariLine.FindStringSubmatch(r.Stdout)
	if m == nil {
		t.Fatalf("shoal eval printed no ARI:\n%s", r.Stdout)
	}
	ari, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return ari
}

// logRecords returns the JSON log records of a process's stderr whose
// msg is msg.
func logRecords(log, msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(log, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// tasksDone counts the "task done" records (debug level) of a worker
// process's JSON log.
func tasksDone(p *proctest.Process) int {
	return len(logRecords(p.Stderr(), "task done"))
}

// jobID waits for `shoal submit` to print the job id, its first line.
func jobID(t *testing.T, submit *proctest.Process) string {
	t.Helper()
	deadline := time.Now().Add(quickWait)
	for time.Now().Before(deadline) {
		if id, _, ok := strings.Cut(submit.Stdout(), "\n"); ok {
			return strings.TrimSpace(id)
		}
		if submit.Exited() {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("shoal submit printed no job id:\n%s", submit.Stderr())
	return ""
}
