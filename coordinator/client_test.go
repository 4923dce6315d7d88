package coordinator_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/wire"
)

// TestClientWaitsForLateCoordinator checks that a request sent before a
// coordinator's subscription is known (as on a cluster, right after the
// coordinator started on another server) is answered once it is, and
// that with no coordinator at all the client still says so, after the
// grace period rather than forever.
func TestClientWaitsForLateCoordinator(t *testing.T) {
	srv := mustStartServer(t)
	nc := mustConnect(t, srv, "client")
	c := coordinator.NewClient(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	start := time.Now()
	_, err := c.List(ctx)
	if !errors.Is(err, coordinator.ErrNoCoordinator) {
		t.Fatalf("List with no coordinator: %v, want ErrNoCoordinator", err)
	}
	// The grace is two seconds.
	if waited := time.Since(start); waited < time.Second || waited > 5*time.Second {
		t.Errorf("the client waited %v for a coordinator, want about two seconds", waited)
	}

	late := mustConnect(t, srv, "late coordinator")
	go func() {
		time.Sleep(300 * time.Millisecond)
		_, _ = late.Subscribe(wire.APIPrefix+"."+coordinator.EndpointList, func(m *nats.Msg) { _ = m.Respond([]byte(`[]`)) })
		_ = late.Flush()
	}()
	jobs, err := c.List(ctx)
	if err != nil || jobs == nil {
		t.Fatalf("List with a coordinator that subscribed late: %v, %v", jobs, err)
	}
}
