package coordinator_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/worker"
)

// The metrics the /metrics endpoints serve move with real work, and a
// message on a task subject that does not decode is dropped by the worker
// without disturbing the job that is running.
func TestMetricsAndGarbageTasks(t *testing.T) {
	data := writeBlobs(t, "metrics.parquet", 30_000, 4, 5)
	srv := mustStartServer(t)
	nc := mustConnect(t, srv, "coordinator")
	creg, wreg := prometheus.NewRegistry(), prometheus.NewRegistry()
	cm, wm := coordinator.NewMetrics(creg), worker.NewMetrics(wreg)
	ctx, cancel := context.WithCancel(context.Background())
	coord, err := coordinator.New(ctx, nc, coordinator.Options{Metrics: cm})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 2 {
		wnc, err := srv.Connect(fmt.Sprintf("w%d", i))
		if err != nil {
			t.Fatal(err)
		}
		w, err := worker.New(wnc, worker.Options{Metrics: wm})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); defer wnc.Close(); _ = w.Run(ctx) }()
	}
	defer func() { cancel(); wg.Wait() }()

	// Garbage on the task subject of a job that is about to run.
	id := coordinator.NewJobID()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, junk := range [][]byte{[]byte("not a frame"), []byte("SHL1\xff\xff\xff\xff{")} {
		if _, err := js.Publish(ctx, wire.TaskSubject(id), junk); err != nil {
			t.Fatal(err)
		}
	}
	m, err := coord.Run(ctx, id, &wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 5, Algorithm: "kmeans", Seed: 1}, nil)
	if err != nil {
		t.Fatalf("a job with garbage on its task subject failed: %v", err)
	}
	if m.N != 30_000 {
		t.Fatalf("model n=%d", m.N)
	}
	text := gather(t, creg) + gather(t, wreg)
	for _, want := range []string{
		`shoal_worker_task_failures_total{code="decode"} 2`,
		`shoal_coordinator_jobs_total{state="succeeded"} 1`,
		`shoal_coordinator_results_total{outcome="used"}`,
		`shoal_coordinator_rows_labelled_total 30000`,
		`shoal_worker_tasks_total{kind="label"}`,
		`shoal_worker_task_seconds_bucket`,
		`shoal_worker_rows_total`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func gather(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := ""
			for i, l := range m.GetLabel() {
				if i > 0 {
					labels += ","
				}
				labels += fmt.Sprintf("%s=%q", l.GetName(), l.GetValue())
			}
			if labels != "" {
				labels = "{" + labels + "}"
			}
			switch {
			case m.Counter != nil:
				fmt.Fprintf(&b, "%s%s %v\n", mf.GetName(), labels, m.Counter.GetValue())
			case m.Gauge != nil:
				fmt.Fprintf(&b, "%s%s %v\n", mf.GetName(), labels, m.Gauge.GetValue())
			case m.Histogram != nil:
				fmt.Fprintf(&b, "%s_bucket%s %v\n", mf.GetName(), labels, m.Histogram.GetSampleCount())
			}
		}
	}
	return b.String()
}
