package proctest_test

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/shoal-io/shoal/internal/proctest"
)

// minARI is the acceptance bar of issue 4 for FastCLARA on the blobs.
const minARI = 0.99

// claraJob is the FastCLARA job of issue 4 on the 200,000-row blobs.
func claraJob(data string) []string {
	return []string{"--input", data, "--exclude", "label", "--k", "10", "--algo", "fastclara", "--seed", "7"}
}

// distributedRun is one `shoal run --nats URL --workers 0` job served by
// worker processes.
type distributedRun struct {
	model, labels string
	perWorker     map[string]int    // tasks done, by worker name
	logs          map[string]string // each worker's stderr, by name
}

// runDistributed starts one worker process per entry of netns ("" for
// the host's namespace), waits until they are ready, runs the job with a
// coordinator process that has no workers of its own, and stops the
// workers with SIGTERM, which must end them cleanly. The task stream must
// exist already (see warmUp), so every worker is pulling before the job
// starts.
func runDistributed(t *testing.T, url string, netns []string, job []string) distributedRun {
	t.Helper()
	dir := t.TempDir()
	workers := make([]*proctest.Process, len(netns))
	for i, ns := range netns {
		name := fmt.Sprintf("w%d", i+1)
		c := shoal(name, "worker", "--nats", url, "-c", "1", "--name", name, "--log-level", "debug", "--log-format", "json")
		c.Netns = ns
		workers[i] = proctest.Start(t, dir, c)
	}
	for _, w := range workers {
		if err := w.WaitLog(readyWait, `"worker ready"`); err != nil {
			t.Fatal(err)
		}
	}
	run := distributedRun{model: filepath.Join(dir, "model.json"), labels: filepath.Join(dir, "labels.csv"), perWorker: map[string]int{}, logs: map[string]string{}}
	args := append([]string{"run", "--nats", url, "--workers", "0", "-q", "--model", run.model, "--out", run.labels}, job...)
	proctest.MustRun(t, dir, jobWait, shoal("coordinator", args...))
	for _, w := range workers {
		if err := w.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range workers {
		code, err := w.Wait(quickWait)
		if err != nil {
			t.Fatal(err)
		}
		if code != 0 {
			t.Errorf("worker %s exited %d after SIGTERM, want 0", w.Name(), code)
		}
		run.perWorker[w.Name()] = tasksDone(w)
		run.logs[w.Name()] = w.Stderr()
	}
	return run
}

// warmUp runs a tiny job with a worker inside the coordinator process, so
// the task stream and the workers' consumer exist on the server before
// any worker process starts: then the workers of the runs under test are
// all pulling when their job begins, and the runs show how work spreads.
func warmUp(t *testing.T, url, data string) {
	t.Helper()
	dir := t.TempDir()
	proctest.MustRun(t, dir, jobWait, shoal("warm-up", "run", "--nats", url, "--workers", "1", "-q",
		"--input", data, "--exclude", "label", "--k", "2", "--algo", "kmeans", "--max-iter", "1"))
}

// TestCluster is issue 4's acceptance: a nats-server process, a
// coordinator process and three worker processes run FastCLARA on
// 200,000 rows; the labels are complete and in order and agree with the
// generating blobs (ARI >= 0.99). The same job on one and two worker
// processes, and embedded in one process with one and four workers, gives
// the identical model.
func TestCluster(t *testing.T) {
	data := blobs.get(t)
	job := claraJob(data)
	srv := proctest.StartNATS(t, bins.NATSServer, t.TempDir(), proctest.NATSOptions{})
	warmUp(t, srv.URL(), data)

	three := runDistributed(t, srv.URL(), []string{"", "", ""}, job)
	checkLabelsCSV(t, three.labels, 200000, 10)
	ari := evalARI(t, t.TempDir(), three.labels, data+":label")
	t.Logf("3 worker processes: ARI %.6f, tasks per worker %v", ari, three.perWorker)
	if ari < minARI {
		t.Errorf("ARI %.6f < %v", ari, minARI)
	}
	busy := 0
	for _, n := range three.perWorker {
		if n > 0 {
			busy++
		}
	}
	if busy < 2 {
		t.Errorf("tasks per worker %v: want at least two workers doing tasks", three.perWorker)
	}
	want := readModel(t, three.model)
	t.Logf("model: medoid_rows %v total_deviation %v", want["medoid_rows"], want["total_deviation"])
	if testing.Short() {
		t.Log("-short: the job on 1 and 2 worker processes and embedded is skipped")
		return
	}

	for _, n := range []int{1, 2} {
		t.Run(fmt.Sprintf("processes=%d", n), func(t *testing.T) {
			r := runDistributed(t, srv.URL(), make([]string, n), job)
			t.Logf("tasks per worker %v", r.perWorker)
			sameModel(t, fmt.Sprintf("%d worker processes", n), want, readModel(t, r.model))
		})
	}
	for _, n := range []int{1, 4} {
		t.Run(fmt.Sprintf("embedded-workers=%d", n), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "model.json")
			args := append([]string{"run", "--workers", fmt.Sprint(n), "-q", "--data-dir", filepath.Join(dir, "data"), "--model", path}, job...)
			proctest.MustRun(t, dir, jobWait, shoal("run", args...))
			sameModel(t, fmt.Sprintf("embedded, %d workers", n), want, readModel(t, path))
		})
	}
}

// TestClusterNetns runs the job of TestCluster with each of the three
// workers in its own network namespace, joined to the host by a bridge on
// a private /24; the nats-server listens on the host's bridge address
// only, and the namespaces have no other route. It needs root and a
// working `ip netns`, and skips otherwise.
func TestClusterNetns(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: network namespaces are skipped")
	}
	ns := proctest.NewNetns(t, 3)
	data := blobs.get(t)
	job := claraJob(data)

	// The namespaces really are apart: a server on the host's loopback is
	// out of their reach.
	lo := proctest.StartNATS(t, bins.NATSServer, t.TempDir(), proctest.NATSOptions{})
	c := shoal("unreachable", "worker", "--nats", lo.URL(), "-c", "1")
	c.Netns = ns.Names[0]
	if r := proctest.Run(t, t.TempDir(), quickWait, c); r.Code == 0 {
		t.Fatalf("a worker in namespace %s reached %s on the host's loopback", ns.Names[0], lo.URL())
	}
	lo.Kill()

	srv := proctest.StartNATS(t, bins.NATSServer, t.TempDir(), proctest.NATSOptions{Host: ns.HostAddr})
	warmUp(t, srv.URL(), data)
	r := runDistributed(t, srv.URL(), ns.Names, job)
	t.Logf("server %s, workers in %v at %v: tasks per worker %v", srv.URL(), ns.Names, ns.Addrs, r.perWorker)
	for name, n := range r.perWorker {
		if n == 0 {
			t.Errorf("worker %s did no task", name)
		}
	}
	checkLabelsCSV(t, r.labels, 200000, 10)
	sameModel(t, "workers in network namespaces", reference(t, job), readModel(t, r.model))
}
