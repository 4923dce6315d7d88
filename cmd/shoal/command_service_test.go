package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/embedded"
	"github.com/shoal-io/shoal/storage"
)

// runCommand runs a long-lived command (coordinator, worker) until ctx ends.
func runCommand(ctx context.Context, wg *sync.WaitGroup, args ...string) *bytes.Buffer {
	var out bytes.Buffer
	root := newRootCommand(&out, &out)
	root.SetArgs(args)
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = root.ExecuteContext(ctx)
	}()
	return &out
}

// The job API through the CLI: a coordinator service and workers as
// commands, then submit --wait, jobs, status, result and cancel.
func TestServiceCommands(t *testing.T) {
	dir := t.TempDir()
	srv, err := embedded.Start(embedded.Options{StoreDir: filepath.Join(dir, "js")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	url := srv.ClientURL()
	data := filepath.Join(dir, "blobs.parquet")
	if code, _, e := shoal(t, "gen", "blobs", "--n", "20000", "--d", "4", "--k", "3", "--out", data); code != 0 {
		t.Fatal(e)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	runCommand(ctx, &wg, "coordinator", "--nats", url, "--data-dir", filepath.Join(dir, "coord"), "--allow-write", dir)
	runCommand(ctx, &wg, "worker", "--nats", url, "-c", "2")

	// submit --wait retries until the coordinator answers.
	model := filepath.Join(dir, "model.json")
	labels := filepath.Join(dir, "labels.csv")
	var code int
	var out, errOut string
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, out, errOut = shoal(t, "submit", "-q", "--nats", url, "--input", data, "--exclude", "label", "--k", "3",
			"--algo", "kmeans", "--wait", "--model", model, "--out", labels)
		if code == 0 || !strings.Contains(errOut, "no coordinator") || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code != 0 {
		t.Fatalf("submit --wait: exit %d: %s", code, errOut)
	}
	id := strings.Fields(out)[0]
	var m map[string]any
	b, _ := os.ReadFile(model)
	if err := json.Unmarshal(b, &m); err != nil || m["k"] != 3.0 {
		t.Fatalf("model written by submit --wait: %s (%v)", b, err)
	}
	if _, err := os.Stat(labels); err != nil {
		t.Errorf("labels: %v", err)
	}
	if code, out, e := shoal(t, "jobs", "--nats", url); code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "succeeded") {
		t.Errorf("jobs: %d %s %s", code, out, e)
	}
	if code, out, e := shoal(t, "status", "--nats", url, id); code != 0 || !strings.Contains(out, `"state": "succeeded"`) {
		t.Errorf("status: %d %s %s", code, out, e)
	}
	if code, out, e := shoal(t, "result", "--nats", url, id); code != 0 || !strings.Contains(out, `"algorithm": "kmeans"`) {
		t.Errorf("result: %d %s %s", code, out, e)
	}
	if code, _, e := shoal(t, "cancel", "--nats", url, id); code != 1 || !strings.Contains(e, "succeeded") {
		t.Errorf("cancelling a finished job: %d %s", code, e)
	}
	if code, _, e := shoal(t, "status", "--nats", url, "no-such-job"); code != 1 || !strings.Contains(e, "not found") {
		t.Errorf("status of a missing job: %d %s", code, e)
	}
	// --json: stdout holds one JSON document, snake_case throughout.
	code, out, errOut = shoal(t, "submit", "--json", "--nats", url, "--input", data, "--exclude", "label", "--k", "3",
		"--algo", "kmeans", "--wait", "--out", labels)
	if code != 0 {
		t.Fatalf("submit --wait --json: exit %d: %s", code, errOut)
	}
	var sum jobSummary
	oneJSON(t, out, &sum)
	if sum.JobID == "" || sum.JobID == id || sum.Algorithm != "kmeans" || sum.Rows != 20000 || sum.Labels != labels ||
		len(sum.ClusterSizes) != 3 || sum.Inertia == nil || sum.Loss != *sum.Inertia || !strings.Contains(errOut, sum.JobID) {
		t.Errorf("submit --wait --json: %+v; stderr %s", sum, errOut)
	}
	code, out, errOut = shoal(t, "jobs", "--json", "--nats", url)
	var jobs []coordinator.JobStatus
	oneJSON(t, out, &jobs, "where")
	if code != 0 || len(jobs) != 2 || jobs[0].State != storage.StateSucceeded || jobs[1].State != storage.StateSucceeded {
		t.Errorf("jobs --json: %d %s %s", code, out, errOut)
	}
	code, out, errOut = shoal(t, "status", "--json", "--nats", url, sum.JobID)
	var st coordinator.JobStatus
	oneJSON(t, out, &st, "where")
	if code != 0 || st.ID != sum.JobID || st.State != storage.StateSucceeded || st.Progress == nil || st.Progress.Phase != "done" {
		t.Errorf("status --json: %d %s %s", code, out, errOut)
	}
	if !strings.Contains(out, `"phase": "done"`) {
		t.Errorf("status progress keys are not snake_case:\n%s", out)
	}

	// A spec file with a typo is refused before it reaches the coordinator.
	spec := filepath.Join(dir, "job.json")
	os.WriteFile(spec, []byte(`{"inputs": ["`+data+`"], "kay": 3}`), 0o644)
	if code, _, e := shoal(t, "submit", "--nats", url, "--spec", spec); code == 0 || !strings.Contains(e, "kay") {
		t.Errorf("spec with an unknown field: %d %s", code, e)
	}
}
