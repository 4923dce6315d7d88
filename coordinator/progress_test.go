package coordinator_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/storage"
	"github.com/shoal-io/shoal/worker"
)

// garbageProgress publishes progress messages a coordinator must ignore
// on job's progress subject: bytes that are no frame, a frame with an
// unknown phase, and well-formed messages about a round, a task or a job
// that the job is not waiting for. It returns how many it sent.
func garbageProgress(t *testing.T, nc *nats.Conn, job string) int {
	t.Helper()
	unknownPhase := `{"body":{"job":"` + job + `","phase":"fly","done":1}}`
	msgs := [][]byte{[]byte("not a frame"), []byte("SHL1\xff\xff\xff\xff{"),
		append([]byte{'S', 'H', 'L', '1', byte(len(unknownPhase)), 0, 0, 0}, unknownPhase...)}
	for _, p := range []wire.TaskProgress{
		{Job: job, Round: 12345, Phase: "swap", Done: 99, Loss: 1},
		{Job: job, Round: -2, Task: 7, Phase: "swap", Done: 99, Loss: 1},
		{Job: "another-job", Round: -2, Phase: "swap", Done: 99, Loss: 1},
	} {
		b, err := wire.EncodeProgress(&p)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, b)
	}
	for _, b := range msgs {
		if err := nc.Publish(wire.ProgressSubject(job), b); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return len(msgs)
}

// A fasterpam job on all rows reports its worker's matrix rows, BUILD
// medoids and SWAP passes with their losses, in that order, and progress
// messages that are garbled or about nothing it waits for are ignored,
// counted, and do not disturb it.
func TestMedoidJobProgress(t *testing.T) {
	const n, k = 2000, 5
	data := writeBlobs(t, "medoids.parquet", n, 4, k)
	srv := mustStartServer(t)
	nc := mustConnect(t, srv, "coordinator")
	reg := prometheus.NewRegistry()
	ctx, cancel := context.WithCancel(context.Background())
	coord, err := coordinator.New(ctx, nc, coordinator.Options{Metrics: coordinator.NewMetrics(reg)})
	if err != nil {
		t.Fatal(err)
	}
	wnc := mustConnect(t, srv, "worker")
	w, err := worker.New(wnc, worker.Options{Name: "w0"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { _ = w.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()

	id := coordinator.NewJobID()
	junk := mustConnect(t, srv, "junk")
	var mu sync.Mutex
	var steps []coordinator.Progress
	sent := 0
	m, err := coord.Run(ctx, id, &wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: k, Algorithm: "fasterpam", Init: "build", Seed: 1},
		func(p coordinator.Progress) {
			mu.Lock()
			steps = append(steps, p)
			mu.Unlock()
			if p.Phase == "cluster" || (p.Phase == "build" && p.Step == 1) {
				sent += garbageProgress(t, junk, id)
			}
		})
	if err != nil {
		t.Fatalf("the job failed: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	var phases []string
	last := map[string]coordinator.Progress{}
	var swaps []coordinator.Progress
	for _, p := range steps {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
		if prev, ok := last[p.Phase]; ok && p.Step < prev.Step {
			t.Errorf("%s went back from step %d to %d", p.Phase, prev.Step, p.Step)
		}
		last[p.Phase] = p
		switch p.Phase {
		case "matrix":
			if p.Steps != n {
				t.Errorf("matrix step %+v: want %d rows in all", p, n)
			}
		case "build":
			if p.Steps != k || p.Loss <= 0 {
				t.Errorf("build step %+v: want k=%d and a loss", p, k)
			}
		case "swap":
			swaps = append(swaps, p)
		}
	}
	if got := strings.Join(phases, " "); !strings.Contains(got, "cluster matrix build swap label") {
		t.Fatalf("phases %q, want cluster matrix build swap label in order", got)
	}
	if last["matrix"].Step != n || last["build"].Step != k {
		t.Errorf("matrix ended at %d of %d rows, build at %d of %d medoids", last["matrix"].Step, n, last["build"].Step, k)
	}
	if last["build"].Loss < m.TotalDeviation*(1-1e-6) {
		t.Errorf("BUILD loss %v below the final total deviation %v", last["build"].Loss, m.TotalDeviation)
	}
	for i, p := range swaps {
		if p.Step != i+1 || p.Step > m.Iterations || p.Loss <= 0 {
			t.Errorf("swap report %d is %+v (model: %d passes)", i, p, m.Iterations)
		}
		if i > 0 && p.Loss > swaps[i-1].Loss {
			t.Errorf("swap loss rose from %v to %v", swaps[i-1].Loss, p.Loss)
		}
		// The worker's loss is the model's total deviation, summed in
		// another order.
		if p.Step == m.Iterations && math.Abs(p.Loss-m.TotalDeviation) > 1e-6*m.TotalDeviation {
			t.Errorf("last pass loss %v, model total deviation %v", p.Loss, m.TotalDeviation)
		}
	}
	text := gather(t, reg)
	if !strings.Contains(text, `shoal_coordinator_progress_messages_total{outcome="used"}`) {
		t.Errorf("no progress message counted as used:\n%s", text)
	}
	var ignored int
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, `shoal_coordinator_progress_messages_total{outcome="ignored"} `); ok {
			fmt.Sscan(rest, &ignored)
		}
	}
	if ignored < sent {
		t.Errorf("%d progress messages counted as ignored, %d garbage ones sent", ignored, sent)
	}
}

// While a worker runs a full-data medoids task, `status` shows the SWAP
// pass and loss it last reported; garbage on the progress subject does
// not change that nor fail the job. The worker here is the test, so the
// status query happens mid-task by construction, not by timing.
func TestStatusShowsSwapPass(t *testing.T) {
	data := writeBlobs(t, "status.parquet", 500, 3, 4)
	f := newServiceFixture(t, 0)
	id, err := f.client.Submit(context.Background(), &wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: 4, Algorithm: "fasterpam", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	nc := f.connect("fake-worker")
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var cons jetstream.Consumer
	waitFor(t, 10*time.Second, "the workers' consumer", func() bool {
		cons, err = js.Consumer(ctx, wire.TaskStream, wire.WorkerConsumer)
		return err == nil
	})
	var msg jetstream.Msg
	var task *wire.Task
	waitFor(t, 10*time.Second, "the medoids task", func() bool {
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(200*time.Millisecond))
		if err != nil {
			return false
		}
		for m := range batch.Messages() {
			msg = m
		}
		if msg == nil {
			return false
		}
		if task, err = wire.DecodeTask(msg.Data()); err != nil {
			t.Fatal(err)
		}
		return true
	})
	if task.Kind != wire.KindMedoids || !task.Progress || task.Job != id {
		t.Fatalf("got task %s of kind %s, progress %v", task.Key(), task.Kind, task.Progress)
	}
	report := func(pass int, loss float64) {
		b, err := wire.EncodeProgress(&wire.TaskProgress{Job: id, Round: task.Round, Task: task.ID, Phase: "swap", Done: pass, Loss: loss, Swaps: pass})
		if err != nil {
			t.Fatal(err)
		}
		if err := nc.Publish(wire.ProgressSubject(id), b); err != nil {
			t.Fatal(err)
		}
	}
	shows := func(pass int, loss float64) func() bool {
		return func() bool {
			garbageProgress(t, nc, id)
			report(pass, loss) // again: the service stores a few a second
			st, err := f.client.Status(ctx, id)
			return err == nil && st.Progress != nil && st.Progress.Phase == "swap" && st.Progress.Step == pass && st.Progress.Loss == loss
		}
	}
	waitFor(t, 10*time.Second, "status to show pass 1", shows(1, 250.5))
	waitFor(t, 10*time.Second, "status to show pass 2", shows(2, 200.25))
	st, err := f.client.Status(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.State.Terminal() {
		t.Fatalf("the job ended mid-task: %s %s", st.State, st.Reason)
	}

	// The task ends; a real worker labels.
	res := &wire.Result{Job: id, Task: task.ID, Round: task.Round, Kind: task.Kind, Parts: 1, K: task.K, D: task.D,
		Rows: []int64{0, 1, 2, 3}, Points: make([]float32, task.K*task.D), Loss: 200.25, Iterations: 2, Swaps: 2, Worker: "fake"}
	for i := range res.Points {
		res.Points[i] = float32(i)
	}
	b, err := wire.EncodeResult(res)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, wire.ResultSubject(id), b, jetstream.WithMsgID(res.Key())); err != nil {
		t.Fatal(err)
	}
	if err := msg.Ack(); err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(f.connect("worker"), worker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = w.Run(wctx) })
	defer func() { wcancel(); wg.Wait() }()
	if st := f.waitState(id, 30*time.Second); st.State != storage.StateSucceeded {
		t.Fatalf("job %s: %s", st.State, st.Reason)
	}
}

// A FastCLARA job reports each sample as its clustering ends, of how
// many, and the scoring of each round's samples with the best total
// deviation so far.
func TestClaraProgress(t *testing.T) {
	const n, k, samples = 6000, 4, 5
	data := writeBlobs(t, "clara-progress.parquet", n, 3, k)
	s := mustStartStack(t, 2)
	var clustered []int
	var last coordinator.Progress
	m, err := s.coord.Run(context.Background(), coordinator.NewJobID(),
		&wire.JobSpec{Inputs: []string{data}, Exclude: []string{"label"}, K: k, Algorithm: "fastclara", Samples: samples, Seed: 2},
		func(p coordinator.Progress) {
			switch p.Phase {
			case "cluster", "score":
				if p.Steps != samples || p.Step < 0 || p.Step > samples {
					t.Errorf("%s step %d of %d, want of %d", p.Phase, p.Step, p.Steps, samples)
				}
				if p.Phase == "cluster" && (len(clustered) == 0 || clustered[len(clustered)-1] != p.Step) {
					clustered = append(clustered, p.Step)
				}
				last = p
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	// Two rounds: samples 0-2, then 3-4, each announced at its start.
	if want := []int{0, 1, 2, 3, 4, 5}; fmt.Sprint(clustered) != fmt.Sprint(want) {
		t.Errorf("cluster steps %v, want %v", clustered, want)
	}
	if last.Phase != "score" || last.Step != samples || math.Abs(last.Loss-m.TotalDeviation) > 1e-6*m.TotalDeviation {
		t.Errorf("last sample report %+v, model total deviation %v", last, m.TotalDeviation)
	}
}
