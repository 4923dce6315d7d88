package proctest_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/proctest"
	"github.com/shoal-io/shoal/internal/wire"
)

// faultJob is a job the fault tests disturb: on the fuzzy blobs, cut
// into 8 shards so every round has tasks in flight on every worker.
type faultJob struct {
	name string
	args []string
}

// faultJobs returns a mini-batch, a Lloyd and a FastCLARA job. The long
// ones run for a few seconds on a service, long enough to stop the
// coordinator between two checkpoints; the short ones keep many
// worker-kill trials within minutes.
func faultJobs(data string, long bool) []faultJob {
	common := []string{"--input", data, "--exclude", "label", "--shard-rows", "12500"}
	job := func(name string, args ...string) faultJob {
		return faultJob{name, append(append(slices.Clone(common), "--algo", name), args...)}
	}
	if long {
		return []faultJob{
			// Seed 1 (TestCoordinatorKill's) takes 7999 steps of 8 rows
			// before early stopping ends it: several seconds, so the
			// kill 1.5 s into the steps lands well before the end. With
			// 16 rows it stopped after 2935 steps, which a fast host ran
			// in under 1.5 s.
			job("minibatch", "--k", "10", "--batch-size", "8"),
			// 20 centres in 10 blobs keep moving for hundreds of rounds.
			job("kmeans", "--k", "20", "--tol", "1e-12", "--max-iter", "80"),
			// Rounds enough that later ones are still to run when the test
			// sees the first one end: with FasterPAM on every core, the
			// second of two rounds could end within one poll of the status.
			job("fastclara", "--k", "10", "--samples", "20", "--sample-size", "6000"),
		}
	}
	return []faultJob{
		// A small batch makes many short steps.
		job("minibatch", "--k", "10", "--batch-size", "128"),
		// A tolerance this small keeps Lloyd iterating to --max-iter.
		job("kmeans", "--k", "10", "--tol", "1e-12", "--max-iter", "12"),
		job("fastclara", "--k", "10"),
	}
}

func (j faultJob) withSeed(seed int) []string {
	return append(slices.Clone(j.args), "--seed", fmt.Sprint(seed))
}

// TestWorkerKill is issue 6's worker kill: seeded trials, each submitting
// a mini-batch, Lloyd or FastCLARA job to a coordinator service process
// with `shoal submit --wait` and killing one of three worker processes
// with SIGKILL at a random moment of it. A replacement worker starts
// right after each kill, so three workers serve every job. Every job must
// end with the model of an undisturbed run of the same job on the same
// service. -proctest.trials sets the number of trials, -proctest.soak
// keeps them going for a while, -proctest.seed replays a run.
func TestWorkerKill(t *testing.T) {
	jobs := faultJobs(fuzzy.get(t), false)
	s := newService(t, 3, serviceOptions{})
	trials := *flagTrials
	if testing.Short() {
		trials = min(trials, 3)
	}
	base := *flagSeed
	if base == 0 {
		base = uint64(time.Now().UnixNano() % 1e6)
	}
	t.Logf("base seed %d (replay with -proctest.seed=%d)", base, base)

	type ref struct {
		model   model
		seconds float64
	}
	refs := map[string]ref{}
	undisturbed := func(j faultJob, seed int) ref {
		key := fmt.Sprint(j.name, seed)
		if r, ok := refs[key]; ok {
			return r
		}
		path := filepath.Join(s.dir, "reference-"+key+".json")
		start := time.Now()
		s.waitSubmit(s.submit("reference-"+key, path, j.withSeed(seed)))
		r := ref{readModel(t, path), time.Since(start).Seconds()}
		refs[key] = r
		return r
	}

	started := time.Now()
	redeliveredTotal, hit, ran := uint64(0), 0, 0
	for i := 0; i < trials || time.Since(started) < *flagSoak; i++ {
		ran++
		seed := base + uint64(i)
		rng := rand.New(rand.NewPCG(seed, 0x6b696c6c))
		j := jobs[i%len(jobs)]
		jobSeed := 1 + rng.IntN(2)
		want := undisturbed(j, jobSeed)
		// Anywhere from just after the submit to near the end of the job.
		delay := time.Duration((0.05 + 0.9*rng.Float64()) * want.seconds * float64(time.Second))
		victim := rng.IntN(len(s.workers))

		before, err := s.srv.Consumer(wire.TaskStream, wire.WorkerConsumer)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(s.dir, fmt.Sprintf("trial-%d.json", i))
		start := time.Now()
		sub := s.submit(fmt.Sprintf("submit-%d", i), path, j.withSeed(jobSeed))
		time.Sleep(delay) // the moment of the kill is the trial's random choice
		killed := s.workers[victim]
		done := sub.Exited()
		if !done {
			killed.Kill()
			s.workers = slices.Delete(s.workers, victim, victim+1)
			s.startWorker()
		}
		s.waitSubmit(sub)
		took := time.Since(start)
		after, err := s.srv.Consumer(wire.TaskStream, wire.WorkerConsumer)
		if err != nil {
			t.Fatal(err)
		}
		redelivered := (after.Delivered - before.Delivered) - (after.Stream - before.Stream)
		redeliveredTotal += redelivered
		if redelivered > 0 {
			hit++
		}
		id := jobID(t, sub)
		rec := jobDone(t, s.coord, id)
		what := fmt.Sprintf("trial %d (seed %d): %s --seed %d, SIGKILL %s after %v", i, seed, j.name, jobSeed, killed.Name(), delay.Round(time.Millisecond))
		if done {
			what = fmt.Sprintf("trial %d (seed %d): %s --seed %d ended before the kill at %v", i, seed, j.name, jobSeed, delay.Round(time.Millisecond))
		}
		t.Logf("%s: %.1fs (undisturbed %.1fs), redelivered %d, duplicate results %v, stale %v",
			what, took.Seconds(), want.seconds, redelivered, rec["duplicate_results"], rec["stale_results"])
		sameModel(t, what, want.model, readModel(t, path))
		if t.Failed() {
			t.FailNow()
		}
	}
	t.Logf("%d trials; %d killed a worker while it held a task (%d redeliveries)", ran, hit, redeliveredTotal)
	if ran >= 10 && hit == 0 {
		t.Errorf("no kill in %d trials caught a worker holding a task: the trials do not test redelivery", ran)
	}
}

// TestCoordinatorKill is issue 6's coordinator kill: SIGKILL the
// coordinator service in the middle of a job, start it again on the same
// --data-dir, and the job resumes from its last checkpoint and ends with
// the model of an undisturbed run, while the `shoal submit --wait` that
// was waiting rides out the restart and exits 0 with the model. Results
// that arrive twice after the restart are counted from the coordinator's
// "job done" log record and its metrics endpoint, which must agree, and
// are all dropped (the model is identical).
func TestCoordinatorKill(t *testing.T) {
	jobs := faultJobs(fuzzy.get(t), true)
	s := newService(t, 3, serviceOptions{})
	c := s.client()
	for _, j := range jobs {
		// killAt says when the job is far enough for a checkpoint to
		// exist, and which checkpoint the restart must resume from.
		var killAt func(coordinator.Progress) bool
		var checkpoint string
		switch j.name {
		case "kmeans":
			killAt, checkpoint = func(p coordinator.Progress) bool { return p.Phase == "iterate" && p.Step >= 4 }, "lloyd"
		case "minibatch":
			// Mini-batch checkpoints once a second.
			var first time.Time
			killAt = func(p coordinator.Progress) bool {
				if p.Phase != "iterate" {
					return false
				}
				if first.IsZero() {
					first = time.Now()
				}
				return time.Since(first) > 1500*time.Millisecond
			}
			checkpoint = "minibatch"
		case "fastclara":
			// The first round of samples (10 of 20) ends with a
			// checkpoint; "cluster" counts samples as each is
			// clustered, so the 11th is of the second round.
			killAt, checkpoint = func(p coordinator.Progress) bool { return p.Phase == "cluster" && p.Step >= 11 }, "clara"
		}
		if testing.Short() && j.name != "kmeans" {
			continue
		}
		job := j.withSeed(1)
		want := reference(t, job)
		path := filepath.Join(t.TempDir(), "model.json")
		sub := s.submit("submit-"+j.name, path, job)
		id := jobID(t, sub)
		at := s.waitProgress(c, id, killAt)
		s.coord.Kill()
		t.Logf("%s: killed the coordinator at %s step %d", j.name, at.Phase, at.Step)
		s.startCoordinator()
		s.waitSubmit(sub)
		sameModel(t, j.name+" after a coordinator restart", want, readModel(t, path))

		var resumed map[string]any
		for _, rec := range logRecords(s.coord.Stderr(), "resuming from checkpoint") {
			if rec["job"] == id {
				resumed = rec
			}
		}
		if resumed == nil {
			t.Fatalf("%s: the restarted coordinator did not resume job %s from a checkpoint", j.name, id)
		}
		if resumed["checkpoint"] != checkpoint {
			t.Errorf("%s: resumed from checkpoint %v, want %s", j.name, resumed["checkpoint"], checkpoint)
		}
		// A step the status showed was checkpointed before it was
		// reported.
		if seq, _ := resumed["seq"].(float64); j.name == "kmeans" && int(seq) < at.Step {
			t.Errorf("resumed from lloyd checkpoint %v, but iteration %d was done before the kill", seq, at.Step)
		}
		rec := jobDone(t, s.coord, id)
		dups, _ := rec["duplicate_results"].(float64)
		metric := s.metric(`shoal_coordinator_results_total{outcome="duplicate"}`)
		if metric != dups {
			t.Errorf("%s: job done says %v duplicate results, the metrics endpoint %v", j.name, dups, metric)
		}
		t.Logf("%s: resumed from %v checkpoint %v; after the restart: %v duplicate results dropped, %v stale results",
			j.name, resumed["checkpoint"], resumed["seq"], dups, rec["stale_results"])
		if t.Failed() {
			t.FailNow()
		}
	}
}

// TestNATSRestart is issue 6's NATS restart: SIGKILL the nats-server in
// the middle of a job and start it again on the same port and store, up
// to three times while the job lasts; the coordinator, the workers and
// the waiting `shoal submit` reconnect, and the job ends with the model
// of an undisturbed run. No worker may give up sending a result: an ack
// lost with the old server must not hold a result back. Every process
// logs in with the documented least-privilege users, so the reconnection
// paths (the result consumer recreated, results and tasks sent again)
// are held to those permissions too.
func TestNATSRestart(t *testing.T) {
	j := faultJobs(fuzzy.get(t), true)[1] // Lloyd: 80 rounds
	job := j.withSeed(2)
	want := reference(t, job)
	s := newService(t, 3, serviceOptions{users: documentedConfig(t)})
	c := s.client()
	path := filepath.Join(t.TempDir(), "model.json")
	sub := s.submit("submit", path, job)
	id := jobID(t, sub)
	restarts, step := 0, 0
	for restarts < 3 {
		at, ended := s.pollProgress(c, id, func(p coordinator.Progress) bool { return p.Phase == "iterate" && p.Step >= step+3 })
		if ended {
			break
		}
		s.srv.Kill()
		s.srv.Restart()
		restarts++
		step = at.Step
		t.Logf("restarted nats-server at %s step %d", at.Phase, at.Step)
	}
	if restarts == 0 {
		t.Fatal("the job ended before the first restart")
	}
	s.waitSubmit(sub)
	sameModel(t, fmt.Sprintf("after %d NATS restarts", restarts), want, readModel(t, path))
	for _, p := range append([]*proctest.Process{s.coord}, s.workers...) {
		if p.Exited() {
			t.Errorf("%s exited instead of reconnecting", p.Name())
		}
	}
	resent := 0
	for _, w := range s.workers {
		for _, rec := range logRecords(w.Stderr(), "publishing a result") {
			t.Errorf("%s gave up sending a result: %v", w.Name(), rec["err"])
		}
		resent += len(logRecords(w.Stderr(), "sending a result again"))
	}
	for _, line := range proctest.Grep(s.srv.Process().Stderr(), "Violation") {
		t.Errorf("permission violation after the restarts: %s", line)
	}
	rec := jobDone(t, s.coord, id)
	t.Logf("%d restarts; job done in %.1fs: duplicate results %v, stale %v; sent again after a lost ack: %d task batches, %d results",
		restarts, rec["seconds"], rec["duplicate_results"], rec["stale_results"], len(logRecords(s.coord.Stderr(), "publishing tasks again")), resent)
	if !strings.Contains(sub.Stdout(), id) {
		t.Errorf("submit did not print the job summary:\n%s", sub.Stdout())
	}
}
