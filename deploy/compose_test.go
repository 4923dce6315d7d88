//go:build docker

// Package deploy holds the container images, the Compose stack's scripts and
// this end-to-end test of them. The test needs a Docker daemon and make, and
// sits behind the "docker" build tag so `go test ./...` stays fast:
//
//	go test -tags docker -timeout 20m -v ./deploy/
package deploy

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// minARI is the bar the script applies too; the test reads the ARI back
// from the output so a script that stopped checking would still be caught.
const minARI = 0.99

// TestComposeEndToEnd builds the images and runs deploy/compose-test.sh: a
// FastCLARA job on 200,000 generated rows through NATS, the coordinator
// service and three worker containers, checked with `shoal eval` and a row
// count. It skips when docker or make is missing or the daemon is down.
func TestComposeEndToEnd(t *testing.T) {
	for _, tool := range []string{"docker", "make", "timeout"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: %v", tool, err)
		}
	}
	if out, err := exec.Command("docker", "info").CombinedOutput(); err != nil {
		t.Skipf("docker daemon not reachable: %v: %s", err, firstLine(out))
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		// Leave time for the script's own teardown after a cancel.
		ctx, cancel = context.WithDeadline(ctx, d.Add(-90*time.Second))
		defer cancel()
	}

	run(ctx, t, root, nil, "make", "images")

	for _, stack := range []struct{ name, cluster string }{{"one-server", ""}, {"cluster", "1"}} {
		t.Run(stack.name, func(t *testing.T) {
			out := run(ctx, t, root, []string{
				"COMPOSE_PROJECT_NAME=shoal-gotest", // apart from a stack someone runs by hand
				"JOB_TIMEOUT=300",
				"CLUSTER=" + stack.cluster,
			}, "deploy/compose-test.sh")
			if !strings.Contains(out, "compose-test: PASS") {
				t.Fatal("the script exited 0 without printing PASS")
			}
			if stack.cluster != "" && !strings.Contains(out, "killed nats-2") {
				t.Fatal("the cluster run did not kill a NATS server")
			}
			ari := -1.0
			sc := bufio.NewScanner(strings.NewReader(out))
			for sc.Scan() {
				if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "ARI" {
					var err error
					if ari, err = strconv.ParseFloat(f[1], 64); err != nil {
						t.Fatalf("ARI line %q: %v", sc.Text(), err)
					}
				}
			}
			if ari < minARI {
				t.Fatalf("ARI %v read from the output, want >= %v", ari, minARI)
			}
			t.Logf("ARI %.6f", ari)
		})
	}
}

// run runs a command in dir, streaming its output into the test log, and
// fails the test if it exits non-zero. On cancellation it sends SIGTERM so
// the script's trap tears the stack down, and kills it a minute later.
func run(ctx context.Context, t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	var buf bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	w := io.MultiWriter(&buf, t.Output())
	cmd.Stdout, cmd.Stderr = w, w
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Minute
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return buf.String()
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}
