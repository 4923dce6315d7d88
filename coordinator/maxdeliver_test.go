package coordinator_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/embedded"
	"github.com/shoal-io/shoal/internal/pathguard"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/storage"
)

// A task that no worker ever finishes (here: a consumer that takes tasks
// and dies with them, never acking) fails its job once the task has been
// delivered MaxDeliver times, with a reason that says so; the job does not
// hang.
func TestTaskExhaustingDeliveriesFailsTheJob(t *testing.T) {
	data := writeBlobs(t, "md.parquet", 5000, 2, 2)
	srv := mustStartServer(t)
	nc := mustConnect(t, srv, "coordinator")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	coord, err := coordinator.New(ctx, nc, coordinator.Options{AckWait: 300 * time.Millisecond, MaxDeliver: 2})
	if err != nil {
		t.Fatal(err)
	}
	taken := doomedWorker(t, srv)

	_, err = coord.Run(ctx, coordinator.NewJobID(), &wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 2}, nil)
	if !errors.Is(err, coordinator.ErrTaskFailed) || !strings.Contains(err.Error(), "delivered 2 times") {
		t.Fatalf("got %v, want a task-failed error after 2 deliveries", err)
	}
	if n := taken.Load(); n < 2 {
		t.Errorf("the task was taken %d times", n)
	}
}

// doomedWorker starts a "worker" that takes every task and dies with it,
// never acking, and returns how many deliveries it took.
func doomedWorker(t *testing.T, srv *embedded.Server) *atomic.Int64 {
	t.Helper()
	wnc := mustConnect(t, srv, "doomed-worker")
	js, _ := jetstream.New(wnc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := js.Consumer(ctx, wire.TaskStream, wire.WorkerConsumer)
	if err != nil {
		t.Fatal(err)
	}
	var taken atomic.Int64
	cc, err := cons.Consume(func(m jetstream.Msg) { taken.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cc.Stop)
	return &taken
}

// A task that runs out of deliveries while no coordinator listens (the
// service was stopped, and the server's advisory went to nobody) still
// fails its job once a coordinator resumes it; the job does not wait
// forever for a task no worker will be given again.
func TestTaskExhaustedWhileCoordinatorDownFailsTheJob(t *testing.T) {
	data := writeBlobs(t, "md.parquet", 5000, 2, 2)
	srv := mustStartServer(t)
	dir := t.TempDir()
	store, err := storage.Open(filepath.Join(dir, "shoal.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	roots, err := pathguard.NewRoots([]string{os.TempDir()}, []string{os.TempDir()}, []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	const maxDeliver = 2
	opts := coordinator.Options{Store: store, AckWait: 300 * time.Millisecond, MaxDeliver: maxDeliver, Paths: pathguard.Options{Roots: roots}}
	svc, err := coordinator.NewService(context.Background(), mustConnect(t, srv, "coordinator-1"), opts)
	if err != nil {
		t.Fatal(err)
	}
	taken := doomedWorker(t, srv)
	id, err := svc.Submit(&wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the first delivery", func() bool { return taken.Load() >= 1 })
	svc.Stop() // the job stays running, to resume
	// The last delivery's ack wait passes with no coordinator: the
	// advisory is sent to no one.
	waitFor(t, 10*time.Second, "the last delivery", func() bool { return taken.Load() >= maxDeliver })
	time.Sleep(3 * opts.AckWait)

	svc, err = coordinator.NewService(context.Background(), mustConnect(t, srv, "coordinator-2"), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	waitFor(t, 20*time.Second, "the job to fail", func() bool {
		j, err := store.Job(id)
		return err == nil && j.State.Terminal()
	})
	j, _ := store.Job(id)
	if j.State != storage.StateFailed || !strings.Contains(j.Reason, "delivered 2 times") {
		t.Fatalf("job %s: %s (%s), want failed after 2 deliveries", id, j.State, j.Reason)
	}
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
