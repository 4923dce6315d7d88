package coordinator_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/storage"
)

// Two coordinator services with different data directories on one NATS
// account: the second refuses to start, naming the first. One on the same
// data directory (a restart after kill -9, which released nothing) starts
// at once, and a stopped one frees the account for the other.
func TestServiceLease(t *testing.T) {
	srv := mustStartServer(t)
	open := func(name string) *storage.Store {
		st, err := storage.Open(filepath.Join(t.TempDir(), name+".db"), storage.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	start := func(owner string) (*coordinator.Service, error) {
		return coordinator.NewService(context.Background(), mustConnect(t, srv, "coordinator-"+owner), coordinator.Options{
			Store: open(owner), Owner: owner, DataDir: "/srv/" + owner,
		})
	}
	a, err := start("a")
	if err != nil {
		t.Fatal(err)
	}
	_, err = start("b")
	if !errors.Is(err, coordinator.ErrLeaseHeld) || !strings.Contains(err.Error(), "/srv/a") {
		t.Fatalf("a second coordinator: got %v, want ErrLeaseHeld naming /srv/a", err)
	}
	// "a" again, as after kill -9 of the first: it takes over at once.
	begin := time.Now()
	a2, err := start("a")
	if err != nil {
		t.Fatalf("restart on the same data dir: %v", err)
	}
	if took := time.Since(begin); took > 2*time.Second {
		t.Errorf("restart on the same data dir took %v", took)
	}
	a2.Stop()
	defer a.Stop() // its lease was taken over by a2
	b, err := start("b")
	if err != nil {
		t.Fatalf("after the first stopped: %v", err)
	}
	b.Stop()
}
