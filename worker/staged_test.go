package worker

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoal-io/shoal/internal/embedded"
	"github.com/shoal-io/shoal/internal/wire"
)

// TestStagedFiles fetches objects from a real object store: each is
// downloaded once however many shards ask for it at the same time, the
// copy holds the object's bytes under the original file's extension,
// copies beyond the limit are deleted least recently used first and
// fetched again when asked for, and a missing object is an error that
// names it.
func TestStagedFiles(t *testing.T) {
	srv, err := embedded.Start(embedded.Options{StoreDir: t.TempDir(), Port: -2})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	nc, err := srv.Connect("test")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	obs, err := js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: wire.DataBucket})
	if err != nil {
		t.Fatal(err)
	}
	content := map[string][]byte{}
	for i, name := range []string{"job/0", "job/1", "job/2"} {
		content[name] = bytes.Repeat([]byte{byte('a' + i)}, 1000)
		if _, err := obs.PutBytes(ctx, name, content[name]); err != nil {
			t.Fatal(err)
		}
	}

	s := NewStagedFiles(t.TempDir(), 2500) // room for two copies
	var wg sync.WaitGroup
	paths, errs := make([]string, 8), make([]error, 8)
	for i := range paths {
		wg.Go(func() {
			paths[i], errs[i] = s.path(ctx, js, "job/0", "input.parquet")
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range paths[1:] {
		if p != paths[0] {
			t.Fatalf("one object, several copies: %v", paths)
		}
	}
	if !strings.HasSuffix(paths[0], ".parquet") {
		t.Errorf("copy %s lost the file's extension", paths[0])
	}
	if b, err := os.ReadFile(paths[0]); err != nil || !bytes.Equal(b, content["job/0"]) {
		t.Fatalf("copy of job/0: %v, %d bytes", err, len(b))
	}
	for _, name := range []string{"job/1", "job/2"} {
		if _, err := s.path(ctx, js, name, "x.csv"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(paths[0]); !os.IsNotExist(err) {
		t.Errorf("the least recently used copy was kept beyond the limit: %v", err)
	}
	p, err := s.path(ctx, js, "job/0", "input.parquet")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, content["job/0"]) {
		t.Fatalf("job/0 fetched again: %v, %d bytes", err, len(b))
	}
	if _, err := s.path(ctx, js, "job/9", "x.csv"); err == nil || !strings.Contains(err.Error(), "job/9") {
		t.Errorf("missing object: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.dir); !os.IsNotExist(err) {
		t.Errorf("Close left %s", s.dir)
	}
}
