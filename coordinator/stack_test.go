package coordinator_test

import (
	"context"

	"fmt"
	"github.com/nats-io/nats.go"
	"path/filepath"
	"sync"
	"testing"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/embedded"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/storage"
	"github.com/shoal-io/shoal/worker"
)

// testStack is a real embedded NATS server with JetStream in t.TempDir(), a
// coordinator with a bbolt catalog, and workers, all torn down by cleanup.
type testStack struct {
	srv   *embedded.Server
	coord *coordinator.Coordinator
	store *storage.Store
}

func mustStartStack(t testing.TB, workers int) *testStack {
	t.Helper()
	dir := t.TempDir()
	srv := mustStartServer(t)
	nc := mustConnect(t, srv, "coordinator")
	st, err := storage.Open(filepath.Join(dir, "shoal.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Check(); err != nil {
			t.Errorf("store check: %v", err)
		}
		st.Close()
	})
	ctx, cancel := context.WithCancel(context.Background())
	coord, err := coordinator.New(ctx, nc, coordinator.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	cache := worker.NewBlockCache(0)
	for i := range workers {
		wnc, err := srv.Connect(fmt.Sprintf("worker-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		w, err := worker.New(wnc, worker.Options{Cache: cache, Name: fmt.Sprintf("w%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer wnc.Close()
			_ = w.Run(ctx)
		}()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	return &testStack{srv: srv, coord: coord, store: st}
}

func (s *testStack) run(t testing.TB, spec wire.JobSpec) (*wire.Model, error) {
	t.Helper()
	return s.coord.Run(context.Background(), coordinator.NewJobID(), &spec, nil)
}

// mustStartServer starts an in-process NATS server with JetStream in its
// own temporary directory, stopped by cleanup.
func mustStartServer(t testing.TB) *embedded.Server {
	t.Helper()
	srv, err := embedded.Start(embedded.Options{StoreDir: filepath.Join(t.TempDir(), "js"), Port: -2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv
}

// mustConnect opens a client connection to srv, closed by cleanup.
func mustConnect(t testing.TB, srv *embedded.Server, name string) *nats.Conn {
	t.Helper()
	nc, err := srv.Connect(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}
