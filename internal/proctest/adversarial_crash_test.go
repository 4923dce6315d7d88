package proctest_test

// Bad state and bad messages (issue 12, item 5): a damaged job catalog, a
// task frame asking for more memory than a worker has, an input file cut
// short while a worker reads it, and generator sizes nothing can hold.
// Each ends in one clear line, or a failed task, and never in a crash.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoal-io/shoal/internal/proctest"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/storage"
)

// TestAdversarialGenSizes: `shoal gen blobs` refuses sizes it cannot
// generate or hold, with exit 2 and one line, and writes nothing.
func TestAdversarialGenSizes(t *testing.T) {
	dir, run := t.TempDir(), t.TempDir() // the output's directory, where shoal runs
	out := filepath.Join(dir, "blobs.parquet")
	snap := takeSnapshot(t, dir)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"n×d overflows", []string{"--n", "9223372036854775807", "--d", "9223372036854775807"}, "features"},
		{"past any disk", []string{"--n", "4611686018427387904", "--d", "8"}, "more than any disk holds"},
		{"centres past memory", []string{"--d", "65536", "--k", "1000000"}, "GiB of memory"},
		{"more than the free space", []string{"--n", "1000000000000", "--d", "1000"}, "free"},
		{"negative rows", []string{"--n", "-5"}, "--n"},
		{"zero std", []string{"--std", "0"}, "--std"},
		{"NaN std", []string{"--std", "NaN"}, "--std"},
	} {
		t.Run(c.name, func(t *testing.T) {
			refused(t, run, exitUsage, append([]string{"gen", "blobs", "--out", out}, c.args...), c.want)
		})
	}
	snap.unchanged(t, dir)
}

// damagedCatalog writes a job catalog of a few pages into dir/shoal.db
// and damages it with hurt.
func damagedCatalog(t *testing.T, dir string, hurt func(b []byte) []byte) string {
	t.Helper()
	path := filepath.Join(dir, "shoal.db")
	s, err := storage.Open(path, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if _, err := s.CreateJob(fmt.Sprintf("job-%03d", i), json.RawMessage(`{"k":3}`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, hurt(b), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAdversarialCorruptCatalog: a coordinator on a damaged shoal.db, and
// `shoal coordinator --check` of it, stop with one line naming the file
// and saying what to do, and leave the file as it was.
func TestAdversarialCorruptCatalog(t *testing.T) {
	page := os.Getpagesize()
	garbage := func(at, n int) func([]byte) []byte {
		return func(b []byte) []byte {
			for i := at; i < at+n && i < len(b); i++ {
				b[i] = byte(i*131 + 7)
			}
			return b
		}
	}
	for _, c := range []struct {
		name string
		hurt func([]byte) []byte
	}{
		{"both meta pages", garbage(0, 2*page)},
		{"a page header", garbage(4*page, 16)},
		{"a leaf page", garbage(5*page+128, page-256)},
		{"truncated", func(b []byte) []byte { return b[:3*page+100] }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			dataDir := filepath.Join(dir, "data")
			if err := os.Mkdir(dataDir, 0o755); err != nil {
				t.Fatal(err)
			}
			db := damagedCatalog(t, dataDir, c.hurt)
			snap := takeSnapshot(t, dataDir)
			refused(t, dir, exitFailed, []string{"coordinator", "--data-dir", dataDir, "--check"},
				db, "job catalog is corrupt", "move it aside or restore a backup")
			// Starting fails the same way, before it connects anywhere.
			refused(t, dir, exitFailed, []string{"coordinator", "--data-dir", dataDir, "--nats", "nats://127.0.0.1:1",
				"--allow-read", dir}, db, "job catalog is corrupt")
			snap.unchanged(t, dataDir)
		})
	}
}

// TestAdversarialTaskFrame publishes hand-made task frames that ask for
// more memory than any worker has (k×d of 2^40 with no centres, 2^30
// candidate sets, a matrix of 2^40 rows) on a real server with a worker
// process attached: the worker must stay up, terminate each message with
// the reason instead of taking it or handing it back, report the failure
// on the job's result subject, and go on to run a good job.
func TestAdversarialTaskFrame(t *testing.T) {
	s := newService(t, 1, serviceOptions{})
	nc, err := nats.Connect(s.srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	const job = "crafted"
	results, err := nc.SubscribeSync(wire.ResultSubject(job))
	if err != nil {
		t.Fatal(err)
	}
	headers := []string{
		`{"body":{"job":"crafted","id":1,"kind":"sums","k":1048576,"d":1048576}}`,
		`{"body":{"job":"crafted","id":2,"kind":"score","k":1,"d":1,"sets":1073741824,"metric":"euclidean"}}`,
		`{"body":{"job":"crafted","id":3,"kind":"medoids","k":2,"d":1,"metric":"euclidean","shards":[{"id":0,"file":"/nonexistent.parquet","format":"parquet","rows":1099511627776}]}}`,
	}
	before, err := s.srv.Consumer(wire.TaskStream, wire.WorkerConsumer)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), quickWait)
	defer cancel()
	for _, h := range headers {
		frame := append([]byte{'S', 'H', 'L', '1', byte(len(h)), byte(len(h) >> 8), 0, 0}, h...)
		if _, err := js.Publish(ctx, wire.TaskSubject(job), frame); err != nil {
			t.Fatal(err)
		}
	}
	for range headers {
		msg, err := results.NextMsg(quickWait)
		if err != nil {
			t.Fatalf("no error result for a refused task: %v\nworker log:\n%s", err, s.workers[0].Stderr())
		}
		res, err := wire.DecodeResult(msg.Data)
		if err != nil {
			t.Fatal(err)
		}
		if res.Err == nil || res.Err.Code != wire.CodeTooLarge {
			t.Errorf("task %d: result error %+v, want code %s", res.Task, res.Err, wire.CodeTooLarge)
		}
	}
	// Terminated, not redelivered: after more than the ack wait, each was
	// delivered once and none is pending.
	time.Sleep(ackWait + time.Second)
	after, err := s.srv.Consumer(wire.TaskStream, wire.WorkerConsumer)
	if err != nil {
		t.Fatal(err)
	}
	if got := after.Delivered - before.Delivered; got != uint64(len(headers)) || after.AckPending != 0 {
		t.Errorf("%d deliveries of %d crafted tasks, %d pending; want each delivered once and none pending", got, len(headers), after.AckPending)
	}
	w := s.workers[0]
	if w.Exited() {
		t.Fatalf("the worker died:\n%s", w.Stderr())
	}
	if n := len(proctest.Grep(w.Stderr(), "refusing a task")); n != len(headers) {
		t.Errorf("the worker logged %d refusals, want %d", n, len(headers))
	}
	// The same worker then runs a good job.
	data := filepath.Join(workDir, "crafted-next.parquet")
	proctest.MustRun(t, t.TempDir(), quickWait, shoal("gen", "gen", "blobs", "--n", "3000", "--d", "2", "--k", "3", "--out", data))
	s.waitSubmit(s.submit("submit", filepath.Join(t.TempDir(), "model.json"),
		[]string{"--input", data, "--exclude", "label", "--k", "3", "--algo", "kmeans", "--seed", "1"}))
	if w.Exited() {
		t.Fatalf("the worker died:\n%s", w.Stderr())
	}
}

// TestAdversarialTruncatedInput cuts a Parquet or Arrow IPC input short
// while a worker process reads it (row groups or batches of a million rows, so a read lasts long
// enough to be cut into; the cut comes the moment the worker has the file
// mapped or open): the worker must report the error and stay up, and the job fail
// with one line naming the file. A read of a mapping whose pages a
// truncation took away used to be a SIGBUS that killed the worker, and
// the redelivered task killed the next one.
func TestAdversarialTruncatedInput(t *testing.T) {
	for _, ext := range []string{".parquet", ".arrow"} {
		t.Run(ext, func(t *testing.T) { truncatedInput(t, ext) })
	}
}

func truncatedInput(t *testing.T, ext string) {
	s := newService(t, 0, serviceOptions{})
	w := proctest.Start(t, s.dir, s.cmd("worker", "w1", "worker", "--nats", s.srv.URL(), "-c", "1", "--name", "w1",
		"--cache-bytes", "1", "--log-level", "debug", "--log-format", "json"))
	if err := w.WaitLog(readyWait, `"worker ready"`); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(s.dir, "input"+ext)
	proctest.MustRun(t, t.TempDir(), quickWait, shoal("gen", "gen", "blobs", "--out", data,
		"--n", "2000000", "--d", "8", "--k", "10", "--std", "4", "--seed", "3", "--batch-rows", "1000000"))
	st, err := os.Stat(data)
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(t.TempDir(), "model.json")
	sub := s.submit("submit", model, []string{"--input", data, "--exclude", "label", "--k", "10",
		"--algo", "kmeans", "--max-iter", "1000", "--tol", "1e-12", "--seed", "1"})
	jobID(t, sub)

	// Cut the file to a third the moment the worker has it mapped (Arrow
	// IPC, /proc/<pid>/maps) or open (Parquet, read with pread:
	// /proc/<pid>/fd), that is in the middle of a read.
	stop := make(chan struct{})
	cutter := make(chan error, 1)
	go func() {
		defer close(cutter)
		for {
			select {
			case <-stop:
				cutter <- fmt.Errorf("the worker never mapped or opened %s", data)
				return
			default:
			}
			reading, err := readingFile(w.Pid(), data)
			if err != nil {
				cutter <- err
				return
			}
			if reading {
				cutter <- os.Truncate(data, st.Size()/3)
				return
			}
		}
	}()
	// A worker that dies leaves the job waiting: watch both.
	deadline := time.Now().Add(jobWait)
	for !sub.Exited() && !w.Exited() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	if cerr := <-cutter; cerr != nil {
		t.Fatal(cerr)
	}
	if w.Exited() {
		t.Fatalf("the worker died:\n%s", w.Stderr())
	}
	code, err := sub.Wait(quickWait)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(oneLine(t, proctest.Result{Code: code, Stderr: sub.Stderr()}, exitFailed, data))
	if n := len(proctest.Grep(w.Stderr(), `"task failed"`)); n == 0 {
		t.Errorf("the worker reported no failed task:\n%s", w.Stderr())
	}
	if _, err := os.Stat(model); err == nil {
		t.Errorf("a failed job left a model file %s", model)
	}
}

// readingFile reports whether process pid has path mapped or open.
func readingFile(pid int, path string) (bool, error) {
	m, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return false, err
	}
	if strings.Contains(string(m), path) {
		return true, nil
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return false, err
	}
	for _, fd := range fds {
		if target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && target == path {
			return true, nil
		}
	}
	return false, nil
}

// TestAdversarialResultFrame publishes hand-made results that claim 2^40
// parts, for every task of every round of a running job, on its result
// subject: the coordinator used to allocate a slot per claimed part and
// die of it. It must drop them and finish the job.
func TestAdversarialResultFrame(t *testing.T) {
	s := newService(t, 1, serviceOptions{})
	nc, err := nats.Connect(s.srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(t.TempDir(), "model.json")
	sub := s.submit("submit", model, []string{"--input", fuzzy.get(t), "--exclude", "label", "--k", "10",
		"--algo", "kmeans", "--max-iter", "30", "--tol", "1e-12", "--seed", "1"})
	id := jobID(t, sub)
	for round := -120; round <= 40; round++ {
		for task := range 8 {
			// A well-formed sums result but for its part count.
			frame, err := wire.EncodeResult(&wire.Result{Job: id, Task: task, Round: int64(round), Kind: wire.KindSums,
				Part: 0, Parts: 1 << 40, K: 10, D: 8, Sums: make([]float64, 80), Weights: make([]float64, 10),
				Counts: make([]int64, 10), Inertias: make([]float64, 10), Worker: "crafted"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := js.PublishAsync(wire.ResultSubject(id), frame); err != nil {
				t.Fatal(err)
			}
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(quickWait):
		t.Fatal("publishing the crafted results did not complete")
	}
	deadline := time.Now().Add(jobWait)
	for !sub.Exited() && !s.coord.Exited() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if s.coord.Exited() {
		t.Fatalf("the coordinator died:\n%s", proctest.Grep(s.coord.Stderr(), "fatal"))
	}
	s.waitSubmit(sub)
	if n := len(proctest.Grep(s.coord.Stderr(), "dropping a result that does not decode")); n == 0 {
		t.Error("the coordinator dropped no crafted result")
	}
}
