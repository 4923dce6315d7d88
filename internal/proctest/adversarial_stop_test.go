package proctest_test

// Issue 12, "every job can be stopped, and stops": Ctrl-C, SIGTERM and
// `shoal cancel` end a PAM or CLARANS job within two seconds and leave no
// worker burning CPU on it; absurd parameters are refused before any
// work; a worker given SIGTERM finishes and reports the task at hand, and
// a second signal makes it exit at once.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-io/shoal/internal/proctest"
	"github.com/shoal-io/shoal/storage"
)

// stopWithin is the promise: a stopped job is gone this soon.
const stopWithin = 2 * time.Second

// stopData is small enough to load at once and large enough that PAM
// from random medoids with k=100 runs for minutes (175 s on one core of
// the test host).
var stopData = &dataset{name: "stop.parquet", args: []string{"--n", "4000", "--d", "8", "--k", "10", "--seed", "5"}}

// longJobs are legitimate jobs that run far longer than a test: PAM's
// BUILD with many medoids, PAM's swap passes, and CLARANS giving up only
// after 90% of all neighbours of a 3000-row sample failed in a row, 100
// times per sample.
func longJobs(data string) map[string][]string {
	return map[string][]string{
		"build":   {"--input", data, "--exclude", "label", "--k", "1000", "--algo", "pam", "--init", "build"},
		"pam":     {"--input", data, "--exclude", "label", "--k", "100", "--algo", "pam", "--init", "random"},
		"clarans": {"--input", data, "--exclude", "label", "--k", "20", "--algo", "clarans", "--sample-size", "3000", "--maxneighbor", "0.9", "--numlocal", "100", "--samples", "2"},
	}
}

// cpuTime is the CPU time (user and system) process pid has used, read
// from /proc/PID/stat in clock ticks of 10 ms.
func cpuTime(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("reading the CPU time of %d: %v", pid, err)
	}
	// Fields after the command name, which is in parentheses: state is
	// field 3, utime 14 and stime 15.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		t.Fatalf("/proc/%d/stat: %q", pid, b)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("/proc/%d/stat: %q", pid, b)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// waitBusy waits until p has used at least d of CPU: the job is in its
// long phase.
func waitBusy(t *testing.T, p *proctest.Process, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(jobWait)
	for time.Now().Before(deadline) {
		if p.Exited() {
			t.Fatalf("%s exited before it got busy:\n%s", p.Name(), p.Stderr())
		}
		if cpuTime(t, p.Pid()) >= d {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never used %v of CPU", p.Name(), d)
}

// waitIdle waits up to within until p uses less than a tenth of a core
// over 300 ms, and fails the test if it never does: a worker that goes on
// computing a cancelled job's task.
func waitIdle(t *testing.T, p *proctest.Process, within time.Duration) {
	t.Helper()
	const window = 300 * time.Millisecond
	deadline := time.Now().Add(within)
	for {
		before := cpuTime(t, p.Pid())
		time.Sleep(window)
		used := cpuTime(t, p.Pid()) - before
		if used <= window/10 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still used %v of CPU in %v, %v after the job was stopped", p.Name(), used, window, within)
		}
	}
}

// Ctrl-C and SIGTERM stop `shoal run` within two seconds, whatever
// algorithm runs, with one line on stderr, no output files and the input
// untouched.
func TestStopRunOnSignal(t *testing.T) {
	data := stopData.get(t)
	for name, job := range longJobs(data) {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			t.Run(name+"/"+sig.String(), func(t *testing.T) {
				dir := t.TempDir()
				snap := takeSnapshot(t, data, dir)
				args := append([]string{"run", "--workers", "2", "-q",
					"--model", filepath.Join(dir, "model.json"), "--out", filepath.Join(dir, "labels.parquet")}, job...)
				p := proctest.Start(t, t.TempDir(), shoal("run", args...))
				waitBusy(t, p, 500*time.Millisecond)
				start := time.Now()
				if err := p.Signal(sig); err != nil {
					t.Fatal(err)
				}
				code, err := p.Wait(stopWithin)
				if err != nil {
					t.Fatalf("%v after %v", err, stopWithin)
				}
				t.Logf("exited %v after %s", time.Since(start).Round(time.Millisecond), sig)
				oneLine(t, proctest.Result{Code: code, Stdout: p.Stdout(), Stderr: p.Stderr()}, exitFailed, "cancelled")
				snap.unchanged(t, data, dir)
			})
		}
	}
}

// Parameters that would keep CLARANS going for years are refused before
// any work, with one line naming the option.
func TestAbsurdParametersRefused(t *testing.T) {
	data := stopData.get(t)
	dir := t.TempDir()
	snap := takeSnapshot(t, data, dir)
	base := []string{"run", "--workers", "1", "-q", "--input", data, "--exclude", "label", "--k", "20",
		"--model", filepath.Join(dir, "model.json")}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--algo", "clarans", "--maxneighbor", "1e15"}, "maxneighbor"},
		{[]string{"--algo", "clarans", "--numlocal", "1000000000"}, "numlocal"},
		{[]string{"--algo", "clarans", "--samples", "1000000"}, "samples"},
		{[]string{"--algo", "fastclara", "--sample-size", "10000000"}, "sample_size"},
		{[]string{"--algo", "pam", "--max-iter", "1000000000"}, "max_iter"},
		{[]string{"--algo", "kmeans", "--tol", "NaN"}, "tol"},
	} {
		line := refused(t, t.TempDir(), exitUsage, append(append([]string{}, base...), c.args...), c.want)
		t.Logf("%s: %s", strings.Join(c.args, " "), line)
	}
	snap.unchanged(t, data, dir)
}

// `shoal cancel` of a service job reaches the worker running its task:
// the job is cancelled within two seconds, the worker says it abandoned
// the task, and its CPU use drops.
func TestCancelReachesWorker(t *testing.T) {
	data := stopData.get(t)
	for name, job := range longJobs(data) {
		t.Run(name, func(t *testing.T) {
			s := newService(t, 1, serviceOptions{})
			w := s.workers[0]
			snap := takeSnapshot(t, data)
			submit := proctest.Start(t, s.dir, s.cmd("client", "submit", append([]string{"submit", "--nats", s.srv.URL()}, job...)...))
			id := jobID(t, submit)
			waitBusy(t, w, 500*time.Millisecond)
			start := time.Now()
			proctest.MustRun(t, s.dir, quickWait, s.cmd("client", "cancel", "cancel", "--nats", s.srv.URL(), id))
			c := s.client()
			for {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				st, err := c.Status(ctx, id)
				cancel()
				if err == nil && st.State == storage.StateCancelled {
					break
				}
				if time.Since(start) > stopWithin {
					t.Fatalf("job %s not cancelled %v after shoal cancel (status %+v, err %v)", id, stopWithin, st, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
			t.Logf("cancelled %v after shoal cancel", time.Since(start).Round(time.Millisecond))
			waitIdle(t, w, stopWithin)
			if !strings.Contains(w.Stderr(), "abandoned the task: its job ended") {
				t.Errorf("the worker did not log that it abandoned the task")
			}
			snap.unchanged(t, data)
		})
	}
}

// A worker given SIGTERM finishes the task at hand and reports it, then
// exits 0; the job completes (another worker labels).
func TestWorkerSIGTERMFinishesTask(t *testing.T) {
	data := stopData.get(t)
	s := newService(t, 1, serviceOptions{})
	w := s.workers[0]
	model := filepath.Join(s.dir, "model.json")
	submit := s.submit("submit", model, []string{"--input", data, "--exclude", "label", "--k", "20", "--algo", "pam"})
	waitBusy(t, w, 300*time.Millisecond)
	if err := w.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s.startWorker()
	code, err := w.Wait(jobWait)
	if err != nil || code != 0 {
		t.Fatalf("the worker given SIGTERM: exit %d, %v", code, err)
	}
	s.waitSubmit(submit)
	var medoids int
	for _, rec := range logRecords(w.Stderr(), "task done") {
		if rec["kind"] == "medoids" {
			medoids++
		}
	}
	if medoids != 1 || strings.Contains(w.Stderr(), "abandoned") {
		t.Errorf("the worker given SIGTERM reported %d medoids tasks, want 1 (finished, not abandoned):\n%s", medoids, w.Stderr())
	}
}

// A second signal makes a draining worker abandon its task and exit at
// once.
func TestWorkerSecondSignalExits(t *testing.T) {
	data := stopData.get(t)
	s := newService(t, 1, serviceOptions{})
	w := s.workers[0]
	submit := proctest.Start(t, s.dir, s.cmd("client", "submit", append([]string{"submit", "--nats", s.srv.URL()}, longJobs(data)["pam"]...)...))
	jobID(t, submit)
	waitBusy(t, w, 500*time.Millisecond)
	if err := w.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := w.WaitLog(stopWithin, "finishing the tasks at hand"); err != nil {
		t.Errorf("the worker did not say it drains: %v", err)
	}
	start := time.Now()
	if err := w.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Wait(stopWithin); err != nil {
		t.Fatalf("a second SIGTERM: %v", err)
	}
	t.Logf("exited %v after the second SIGTERM", time.Since(start).Round(time.Millisecond))
}

// A job with no worker to take its tasks says so in `status` and in
// `submit --wait`, and --job-timeout fails it with one line that says
// why it never moved.
func TestJobWaitingForWorkers(t *testing.T) {
	data := stopData.get(t)
	s := newService(t, 0, serviceOptions{})
	snap := takeSnapshot(t, data)
	submit := s.submit("submit", filepath.Join(s.dir, "model.json"),
		[]string{"--input", data, "--exclude", "label", "--k", "3", "--algo", "fasterpam", "--job-timeout", "4s"})
	id := jobID(t, submit)
	if err := submit.WaitLog(quickWait, "waiting for workers"); err != nil {
		t.Fatal(err)
	}
	st := proctest.MustRun(t, s.dir, quickWait, s.cmd("client", "status", "status", "--nats", s.srv.URL(), id))
	if !strings.Contains(st.Stdout, "waiting for workers") {
		t.Errorf("shoal status does not say the job waits for workers:\n%s", st.Stdout)
	}
	code, err := submit.Wait(quickWait)
	if err != nil {
		t.Fatal(err)
	}
	line := oneLine(t, proctest.Result{Code: code, Stdout: submit.Stdout(), Stderr: submit.Stderr()}, exitFailed, "job timeout of 4s", "waiting for workers")
	t.Log(line)
	snap.unchanged(t, data)
}

// A second coordinator with another data directory on the same NATS
// account refuses to start, with one line naming the first; the first,
// killed with SIGKILL and started again on its own data directory, is
// back at once (it does not wait for its old lease to expire).
func TestSecondCoordinatorRefused(t *testing.T) {
	s := newService(t, 0, serviceOptions{})
	other := filepath.Join(s.dir, "other")
	r := proctest.Run(t, s.dir, quickWait, s.cmd("coordinator", "coordinator2", "coordinator", "--nats", s.srv.URL(),
		"--data-dir", other, "--allow-read", workDir, "--allow-write", s.dir))
	line := oneLine(t, r, exitFailed, "another coordinator is running", s.dataDir)
	t.Log(line)

	s.coord.Kill()
	start := time.Now()
	s.startCoordinator()
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the coordinator restarted on its data dir after kill -9 took %v to be ready", took)
	}
}

// SIGTERM stops the coordinator service without failing its running job:
// the job stays running, its worker goes on, and the job ends well once
// the coordinator is started again.
func TestCoordinatorSIGTERMKeepsJobs(t *testing.T) {
	data := stopData.get(t)
	s := newService(t, 1, serviceOptions{})
	model := filepath.Join(s.dir, "model.json")
	submit := s.submit("submit", model, []string{"--input", data, "--exclude", "label", "--k", "20", "--algo", "pam"})
	id := jobID(t, submit)
	waitBusy(t, s.workers[0], 300*time.Millisecond)
	if err := s.coord.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code, err := s.coord.Wait(stopWithin)
	if err != nil || code != 0 {
		t.Fatalf("coordinator after SIGTERM: exit %d, %v", code, err)
	}
	if !strings.Contains(s.coord.Stderr(), "resumes on restart") {
		t.Errorf("the coordinator did not say the job resumes on restart")
	}
	s.startCoordinator()
	s.waitSubmit(submit)
	if strings.Contains(s.workers[0].Stderr(), "abandoned") {
		t.Errorf("the worker abandoned the task of a job that only lost its coordinator")
	}
	jobDone(t, s.coord, id)
}
