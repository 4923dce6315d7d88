package proctest_test

import (
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/shoal-io/shoal/internal/proctest"
)

// spreadJob is a job of TestSpread and the phases whose rounds must
// spread over every worker.
type spreadJob struct {
	name   string
	args   []string
	phases []string
}

// spreadJobs are a mini-batch, a Lloyd and a FastCLARA job on the fuzzy
// blobs in 8 shards of 12,500 rows.
func spreadJobs(data string) []spreadJob {
	common := []string{"--input", data, "--exclude", "label", "--shard-rows", "12500", "--k", "10", "--seed", "5"}
	job := func(args ...string) []string { return append(slices.Clone(common), args...) }
	return []spreadJob{
		// 8192 rows a step, 1024 from each shard: enough for four tasks.
		{"minibatch", job("--algo", "minibatch", "--batch-size", "8192", "--max-iter", "40"), []string{"iterate"}},
		{"kmeans", job("--algo", "kmeans", "--tol", "1e-12", "--max-iter", "15"), []string{"iterate"}},
		{"fastclara", job("--algo", "fastclara"), []string{"sample", "score"}},
	}
}

// spreadPhase names the phase of a worker's "task done" record, as the
// coordinator's timings do, or "" for a task of another phase: a sums
// task of a positive round is a mini-batch step or a Lloyd pass, CLARA's
// rounds are numbered from -1000 down.
func spreadPhase(kind string, round int64) string {
	switch {
	case kind == "sums" && round > 0:
		return "iterate"
	case kind == "sample" && round <= -1000:
		return "sample"
	case kind == "score":
		return "score"
	}
	return ""
}

// TestSpread is issue 14's third item: a nats-server process, a
// coordinator process and four worker processes run a mini-batch, a
// Lloyd and a FastCLARA job. Every mini-batch step, Lloyd pass, CLARA
// sampling and scoring round is cut into at least four tasks, every
// worker does tasks in each of those phases (as its own log says), and
// the model is the one that a single worker process computes.
func TestSpread(t *testing.T) {
	data := fuzzy.get(t)
	srv := proctest.StartNATS(t, bins.NATSServer, t.TempDir(), proctest.NATSOptions{})
	warmUp(t, srv.URL(), data)
	const workers = 4
	for _, job := range spreadJobs(data) {
		t.Run(job.name, func(t *testing.T) {
			four := runDistributed(t, srv.URL(), make([]string, workers), job.args)
			type round struct {
				phase string
				n     int64
			}
			perRound := map[round]int{}             // tasks of each round, all workers
			perPhase := map[string]map[string]int{} // tasks by phase and worker
			for name, log := range four.logs {
				for _, rec := range logRecords(log, "task done") {
					kind, _ := rec["kind"].(string)
					n, _ := rec["round"].(float64)
					// The task's time splits into its work and the
					// sending of its result.
					total, okT := rec["seconds"].(float64)
					ran, okR := rec["run_seconds"].(float64)
					if !okT || !okR || ran < 0 || ran > total {
						t.Errorf("worker %s: task done with seconds %v and run_seconds %v, want 0 ≤ run ≤ total", name, rec["seconds"], rec["run_seconds"])
					}
					phase := spreadPhase(kind, int64(n))
					if phase == "" {
						continue
					}
					perRound[round{phase, int64(n)}]++
					if perPhase[phase] == nil {
						perPhase[phase] = map[string]int{}
					}
					perPhase[phase][name]++
				}
			}
			t.Logf("%d worker processes: tasks by phase and worker %v", workers, perPhase)
			for _, phase := range job.phases {
				var rounds []int64
				for r := range perRound {
					if r.phase == phase {
						rounds = append(rounds, r.n)
					}
				}
				sort.Slice(rounds, func(a, b int) bool { return rounds[a] < rounds[b] })
				if len(rounds) == 0 {
					t.Errorf("phase %s: no task done", phase)
					continue
				}
				var few []string
				for _, r := range rounds {
					if n := perRound[round{phase, r}]; n < workers {
						few = append(few, fmt.Sprintf("round %d: %d", r, n))
					}
				}
				if len(few) > 0 {
					t.Errorf("phase %s: %d of %d rounds cut into fewer than %d tasks: %v", phase, len(few), len(rounds), workers, few)
				}
				for name := range four.logs {
					if perPhase[phase][name] == 0 {
						t.Errorf("phase %s (%d rounds): worker %s did no task; tasks by worker %v", phase, len(rounds), name, perPhase[phase])
					}
				}
			}
			one := runDistributed(t, srv.URL(), make([]string, 1), job.args)
			sameModel(t, "4 worker processes against 1", readModel(t, one.model), readModel(t, four.model))
		})
	}
}
