package coordinator_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/worker"
)

// A job that no worker takes says so in its progress, and its job timeout
// fails it with a reason that says why it did not move.
func TestJobTimeoutWithoutWorkers(t *testing.T) {
	data := writeBlobs(t, "nowork.parquet", 5000, 2, 2)
	srv := mustStartServer(t)
	coord, err := coordinator.New(context.Background(), mustConnect(t, srv, "coordinator"), coordinator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var waiting []string
	progress := func(p coordinator.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if p.Waiting != "" {
			waiting = append(waiting, p.Waiting)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	_, err = coord.Run(ctx, coordinator.NewJobID(), &wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 2, JobTimeout: "2500ms"}, progress)
	took := time.Since(start)
	if !errors.Is(err, coordinator.ErrJobTimeout) || !strings.Contains(err.Error(), "waiting for workers") {
		t.Fatalf("got %v, want a job timeout that says it was waiting for workers", err)
	}
	if took > 5*time.Second {
		t.Errorf("the job timed out after %v, its timeout is 2.5s", took)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(waiting) == 0 || !strings.Contains(waiting[0], "no worker is taking tasks") {
		t.Errorf("progress never said the job waits for workers: %q", waiting)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Cancelling a job reaches the worker running its task, which abandons
// it at once instead of finishing a PAM run of minutes; the worker then
// takes the next job's tasks.
func TestCancelAbandonsTheWorkersTask(t *testing.T) {
	data := writeBlobs(t, "long.parquet", 4000, 8, 10)
	srv := mustStartServer(t)
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	coord, err := coordinator.New(context.Background(), mustConnect(t, srv, "coordinator"), coordinator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(mustConnect(t, srv, "worker"), worker.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	wctx, stopWorker := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(wctx) }()
	defer func() { stopWorker(); <-done }()

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for !strings.Contains(logs.String(), "task started") {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	spec := &wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 100, Algorithm: "pam", Init: "random"}
	if _, err := coord.Run(ctx, coordinator.NewJobID(), spec, nil); !errors.Is(err, coordinator.ErrCancelled) {
		t.Fatalf("got %v, want the job cancelled", err)
	}
	waitFor(t, 2*time.Second, "the worker to abandon the task", func() bool {
		return strings.Contains(logs.String(), "abandoned the task: its job ended")
	})
	// The worker is free again: a small job runs to its end.
	small := &wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 3, Algorithm: "fasterpam"}
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	if _, err := coord.Run(ctx2, coordinator.NewJobID(), small, nil); err != nil {
		t.Fatalf("the next job: %v", err)
	}
}

// The end of a job is announced to the workers more than once, so a
// worker that was reconnecting the first time still hears of it.
func TestJobEndAnnouncedAgain(t *testing.T) {
	data := writeBlobs(t, "announce.parquet", 2000, 2, 2)
	s := mustStartStack(t, 1)
	nc := mustConnect(t, s.srv, "listener")
	var mu sync.Mutex
	heard := map[string]int{}
	if _, err := nc.Subscribe(wire.CancelSubjects, func(m *nats.Msg) {
		mu.Lock()
		heard[m.Subject]++
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	id := coordinator.NewJobID()
	if _, err := s.coord.Run(context.Background(), id, &wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 2}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a second announcement", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return heard[wire.CancelSubject(id)] >= 2
	})
}
