package proctest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoal-io/shoal/internal/proctest"
	"github.com/shoal-io/shoal/internal/wire"
)

// TestStagedInputs runs a job whose workers cannot see its input: the
// coordinator (`shoal run --nats`) names the file by a path relative to
// its own directory, and the worker processes run in another one. Without
// --stage the job fails naming the file; with it the coordinator copies
// the file into the object store, the workers read it from there, the
// model is that of a local run, and the copy is gone when the job ends.
func TestStagedInputs(t *testing.T) {
	dir := t.TempDir()
	coordDir, workerDir := filepath.Join(dir, "coordinator"), filepath.Join(dir, "worker")
	for _, d := range []string{coordDir, workerDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	src, err := os.ReadFile(blobs.get(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(coordDir, "input.parquet"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	job := func(input string) []string {
		return []string{"--input", input, "--exclude", "label", "--k", "10", "--algo", "minibatch", "--seed", "3"}
	}
	want := reference(t, job(filepath.Join(coordDir, "input.parquet")))

	// Every process logs in as its documented least-privilege user.
	pw := map[string]string{"coordinator": secret(t, "coordinator"), "worker": secret(t, "worker"), "client": secret(t, "client")}
	srv := proctest.StartNATS(t, bins.NATSServer, dir, proctest.NATSOptions{
		Config: proctest.WriteFile(t, dir, "permissions.conf", documentedConfig(t)),
		Env: []string{
			"SHOAL_COORDINATOR_PASSWORD=" + pw["coordinator"],
			"SHOAL_WORKER_PASSWORD=" + pw["worker"],
			"SHOAL_CLIENT_PASSWORD=" + pw["client"],
		},
	})
	as := func(c proctest.Cmd, role, cwd string) proctest.Cmd {
		c.Args = append(c.Args, append([]string{"--nats-user", role}, inbox(role)...)...)
		c.Env = []string{"SHOAL_NATS_PASSWORD=" + pw[role]}
		c.Dir = cwd
		return c
	}
	// The workers wait for the first job's coordinator to create the queue.
	for range 2 {
		proctest.Start(t, dir, as(shoal("worker", "worker", "--nats", srv.URL(), "-c", "1", "--log-format", "json"), "worker", workerDir))
	}
	run := func(name string, extra ...string) (*proctest.Process, int, string) {
		model := filepath.Join(dir, name+".json")
		c := shoal(name, append(append([]string{"run", "-q", "--nats", srv.URL(), "--workers", "0", "--model", model}, job("input.parquet")...), extra...)...)
		p := proctest.Start(t, dir, as(c, "coordinator", coordDir))
		code, err := p.Wait(jobWait)
		if err != nil {
			t.Fatal(err)
		}
		return p, code, model
	}

	p, code, _ := run("unstaged")
	if code == 0 || !strings.Contains(p.Stderr(), "input.parquet") {
		t.Fatalf("a job whose workers cannot see its input: exit %d, stderr %q", code, p.Stderr())
	}

	p, code, model := run("staged", "--stage", "--log-level", "info")
	if code != 0 {
		t.Fatalf("staged job exited %d:\n%s", code, p.Stderr())
	}
	sameModel(t, "staged", want, readModel(t, model))

	for _, line := range proctest.Grep(srv.Process().Stderr(), "Violation") {
		t.Errorf("permission violation: %s", line)
	}
	nc, err := nats.Connect(srv.URL(), nats.UserInfo("coordinator", pw["coordinator"]), nats.CustomInboxPrefix("_INBOX_coordinator"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	obs, err := js.ObjectStore(context.Background(), wire.DataBucket)
	if err != nil {
		t.Fatalf("object store %s: %v", wire.DataBucket, err)
	}
	// The coordinator logs the name of each copy it made.
	staged := regexp.MustCompile(`msg="staged input file".* object=(\S+)`).FindStringSubmatch(p.Stderr())
	if staged == nil {
		t.Fatalf("the coordinator did not log a staged file:\n%s", p.Stderr())
	}
	if info, err := obs.GetInfo(context.Background(), staged[1]); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Errorf("staged copy %s outlived its job: %+v, %v", staged[1], info, err)
	}
}
