package coordinator_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/wire"
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
