package coordinator_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/wire"
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
	// The "worker" that crashes with every task it takes.
	wnc, err := srv.Connect("doomed-worker")
	if err != nil {
		t.Fatal(err)
	}
	defer wnc.Close()
	js, _ := jetstream.New(wnc)
	cons, err := js.Consumer(ctx, wire.TaskStream, wire.WorkerConsumer)
	if err != nil {
		t.Fatal(err)
	}
	var taken atomic.Int64
	cc, err := cons.Consume(func(m jetstream.Msg) { taken.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Stop()

	_, err = coord.Run(ctx, coordinator.NewJobID(), &wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 2}, nil)
	if !errors.Is(err, coordinator.ErrTaskFailed) || !strings.Contains(err.Error(), "delivered 2 times") {
		t.Fatalf("got %v, want a task-failed error after 2 deliveries", err)
	}
	if n := taken.Load(); n < 2 {
		t.Errorf("the task was taken %d times", n)
	}
}
