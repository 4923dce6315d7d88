package coordinator_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/embedded"
	"github.com/shoal-io/shoal/internal/pathguard"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/storage"
	"github.com/shoal-io/shoal/worker"
)

// serviceFixture is an embedded server, workers, and a coordinator service
// that can be stopped and started again on the same store.
type serviceFixture struct {
	t      *testing.T
	srv    *embedded.Server
	dbPath string
	store  *storage.Store
	svc    *coordinator.Service
	client *coordinator.Client
}

func newServiceFixture(t *testing.T, workers int) *serviceFixture {
	t.Helper()
	dir := t.TempDir()
	srv := mustStartServer(t)
	f := &serviceFixture{t: t, srv: srv, dbPath: filepath.Join(dir, "shoal.db")}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range workers {
		nc := f.connect(fmt.Sprintf("worker-%d", i))
		w, err := worker.New(nc, worker.Options{})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.Run(ctx) }()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	f.client = coordinator.NewClient(f.connect("client"))
	f.start()
	t.Cleanup(f.stop)
	return f
}

func (f *serviceFixture) connect(name string) *nats.Conn { return mustConnect(f.t, f.srv, name) }

func (f *serviceFixture) start() {
	st, err := storage.Open(f.dbPath, storage.Options{NoSync: true})
	if err != nil {
		f.t.Fatal(err)
	}
	// Jobs of these tests read and write below the temporary directory.
	roots, err := pathguard.NewRoots(nil, []string{os.TempDir()}, []string{filepath.Dir(f.dbPath)})
	if err != nil {
		f.t.Fatal(err)
	}
	svc, err := coordinator.NewService(context.Background(), f.connect("coordinator"), coordinator.Options{
		Store: st, Paths: pathguard.Options{Roots: roots},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	f.store, f.svc = st, svc
}

func (f *serviceFixture) stop() {
	if f.svc == nil {
		return
	}
	f.svc.Stop()
	if err := f.store.Check(); err != nil {
		f.t.Errorf("store check: %v", err)
	}
	f.store.Close()
	f.svc = nil
}

// waitState polls the API until the job reaches a terminal state.
func (f *serviceFixture) waitState(id string, timeout time.Duration) *coordinator.JobStatus {
	f.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		st, err := f.client.Status(ctx, id)
		cancel()
		if err == nil && st.State.Terminal() {
			return st
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.t.Fatalf("job %s did not finish within %v", id, timeout)
	return nil
}

func TestServiceSubmitStatusResult(t *testing.T) {
	data := writeBlobs(t, "svc.parquet", 20_000, 4, 5)
	f := newServiceFixture(t, 2)
	ctx := context.Background()
	id, err := f.client.Submit(ctx, &wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 5, Algorithm: "kmeans", Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	st := f.waitState(id, time.Minute)
	if st.State != storage.StateSucceeded {
		t.Fatalf("job %s: %s %s", id, st.State, st.Reason)
	}
	m, raw, err := f.client.Result(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if m.K != 5 || len(m.Centers) != 5 || len(raw) == 0 {
		t.Errorf("result: %+v", m)
	}
	jobs, err := f.client.List(ctx)
	if err != nil || len(jobs) != 1 || jobs[0].ID != id {
		t.Errorf("list: %v %+v", err, jobs)
	}
	if _, err := f.client.Status(ctx, "no-such-job"); !coordinator.IsNotFound(err) {
		t.Errorf("status of a missing job: %v", err)
	}
	if _, err := f.client.Submit(ctx, &wire.JobSpec{Inputs: []string{data}, K: 0}); err == nil {
		t.Error("a job with k=0 was accepted")
	}
	// A missing input is refused at once.
	if _, err := f.client.Submit(ctx, &wire.JobSpec{Inputs: []string{data + ".missing"}, K: 2}); !coordinator.IsRefused(err) {
		t.Errorf("a job with a missing input: %v, want a refusal", err)
	}
	// A job whose input is broken fails alone; the service goes on.
	broken := filepath.Join(t.TempDir(), "broken.parquet")
	if err := os.WriteFile(broken, []byte("PAR1 this is not a parquet file PAR1"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad, err := f.client.Submit(ctx, &wire.JobSpec{Inputs: []string{broken}, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	if st := f.waitState(bad, time.Minute); st.State != storage.StateFailed || st.Reason == "" {
		t.Errorf("bad job: %s %q", st.State, st.Reason)
	}
}

// A coordinator stopped mid-job resumes it from its checkpoint and ends
// with the model an undisturbed run gives.
func TestServiceResumesAfterRestart(t *testing.T) {
	data := writeBlobs(t, "resume.parquet", 60_000, 8, 10)
	// 40 centres for 10 blobs from a random start: Lloyd needs many
	// iterations, so the restart lands mid-job.
	spec := wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 40, Algorithm: "kmeans", Init: "random",
		Seed: 5, ShardRows: 8192, MaxIter: 40, Tol: 1e-12}

	ref := mustStartStack(t, 2)
	want, err := ref.run(t, spec)
	if err != nil {
		t.Fatal(err)
	}

	f := newServiceFixture(t, 2)
	id, err := f.client.Submit(context.Background(), &spec)
	if err != nil {
		t.Fatal(err)
	}
	// Wait until a few Lloyd iterations are checkpointed, then stop.
	deadline := time.Now().Add(time.Minute)
	for {
		seq, _, err := f.store.Checkpoint(id, "lloyd")
		if err == nil && seq >= 2 {
			break
		}
		if time.Now().After(deadline) {
			st, _ := f.client.Status(context.Background(), id)
			t.Fatalf("no checkpoint within a minute: %v; job %+v", err, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.stop()
	f.start()
	st := f.waitState(id, 2*time.Minute)
	if st.State != storage.StateSucceeded {
		t.Fatalf("resumed job: %s %s", st.State, st.Reason)
	}
	got, _, err := f.client.Result(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	got.Seconds, want.Seconds, got.Timings, want.Timings, got.Tasks, want.Tasks = 0, 0, nil, nil, nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("resumed model differs from an undisturbed run:\n got %+v\nwant %+v", got, want)
	}
}

func TestServiceCancel(t *testing.T) {
	data := writeBlobs(t, "cancel.parquet", 60_000, 8, 10)
	f := newServiceFixture(t, 1)
	ctx := context.Background()
	id, err := f.client.Submit(ctx, &wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 10, Algorithm: "kmeans", MaxIter: 100000, Tol: 1e-300})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.client.Cancel(ctx, id); err != nil {
		t.Fatal(err)
	}
	if st := f.waitState(id, time.Minute); st.State != storage.StateCancelled {
		t.Fatalf("cancelled job is %s (%s)", st.State, st.Reason)
	}
	var ae *coordinator.APIError
	if err := f.client.Cancel(ctx, id); !errors.As(err, &ae) {
		t.Errorf("cancelling a finished job: %v", err)
	}
}

// Bad input fails its own job with a reason that names the problem; jobs
// submitted beside it finish.
func TestServiceBadInputFailsOnlyItsJob(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.csv")
	b := filepath.Join(dir, "b.csv")
	os.WriteFile(a, []byte("x,y\n1,2\n3,4\n5,6\n"), 0o644)
	os.WriteFile(b, []byte("x,z\n1,2\n3,4\n"), 0o644) // the schema changes in the second file
	good := writeBlobs(t, "good.parquet", 20_000, 4, 3)
	f := newServiceFixture(t, 2)
	ctx := context.Background()
	bad, err := f.client.Submit(ctx, &wire.JobSpec{Inputs: []string{a, b}, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	ok, err := f.client.Submit(ctx, &wire.JobSpec{Inputs: []string{good}, Exclude: []string{"label"}, K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if st := f.waitState(bad, time.Minute); st.State != storage.StateFailed || !strings.Contains(st.Reason, "b.csv") {
		t.Errorf("job over files of different schemas: %s %q", st.State, st.Reason)
	}
	if st := f.waitState(ok, time.Minute); st.State != storage.StateSucceeded {
		t.Errorf("the good job beside it: %s %q", st.State, st.Reason)
	}
	var ae *coordinator.APIError
	if _, err := f.client.Submit(ctx, &wire.JobSpec{Inputs: []string{good}, K: 3, Algorithm: "nope"}); !errors.As(err, &ae) || !strings.Contains(ae.Description, "nope") {
		t.Errorf("malformed job spec: %v", err)
	}
}
