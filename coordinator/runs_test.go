package coordinator

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/shoal-io/shoal/internal/embedded"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
	"github.com/shoal-io/shoal/storage"
	"github.com/shoal-io/shoal/worker"
)

// runsStack is an embedded NATS server, a coordinator with a store and
// workers, torn down by cleanup.
func runsStack(t *testing.T, workers int) *Coordinator {
	t.Helper()
	dir := t.TempDir()
	srv, err := embedded.Start(embedded.Options{StoreDir: filepath.Join(dir, "js"), Port: -2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	nc, err := srv.Connect("coordinator")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	st, err := storage.Open(filepath.Join(dir, "shoal.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	c, err := New(ctx, nc, Options{Store: st})
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
	return c
}

// newRunsJob plans a job as Coordinator.run does, up to the fit, under
// id (a resumed job reuses its id); progress may be nil.
func newRunsJob(t *testing.T, ctx context.Context, c *Coordinator, id string, spec wire.JobSpec, progress ProgressFunc) *job {
	t.Helper()
	if err := spec.Normalize(); err != nil {
		t.Fatal(err)
	}
	files, err := c.checkPaths(&spec)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := partition.ScanInputs(files, partition.Options{Columns: spec.Columns, ShardRows: spec.ShardRows, CSVRanges: true})
	if err != nil {
		t.Fatal(err)
	}
	if progress == nil {
		progress = func(Progress) {}
	}
	j := &job{
		c: c, id: id, spec: &spec, ds: ds, d: len(ds.Columns), progress: progress, tracker: newProgressTracker(progress),
		data:    wire.Data{Columns: ds.Columns, Nulls: spec.Nulls},
		pending: map[int64][]*wire.Result{}, done: map[int64]bool{}, firstRound: 1,
		timings: map[string]float64{}, tasks: map[string]map[string]int{},
	}
	if j.feed, err = c.openFeed(ctx, id); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.feed.close(nil) })
	if ds.Uncounted() {
		if err := j.countCSV(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.shift(); err != nil {
		t.Fatal(err)
	}
	return j
}

// blobsCSV writes n rows of k Gaussian blobs (unit spread, centres
// uniform in [-30, 30]^d) as CSV and returns the path and the rows.
func blobsCSV(t *testing.T, n, d, k int, seed uint64) (string, [][]float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	centres := make([][]float64, k)
	for c := range centres {
		centres[c] = make([]float64, d)
		for f := range d {
			centres[c][f] = 60*rng.Float64() - 30
		}
	}
	var b strings.Builder
	for f := range d {
		if f > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "x%d", f)
	}
	b.WriteByte('\n')
	rows := make([][]float64, n)
	for i := range rows {
		c := centres[rng.IntN(k)]
		rows[i] = make([]float64, d)
		for f := range d {
			// Values that float32 holds exactly, so the brute force
			// below sees the data the workers see.
			v := float64(float32(c[f] + rng.NormFloat64()))
			rows[i][f] = v
			if f > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%v", v)
		}
		b.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "blobs.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, rows
}

// bruteInertia is the sum over rows of the squared distance to the
// nearest centre, in float64; centres are k rows of d values.
func bruteInertia(rows [][]float64, centres [][]float64) float64 {
	var total float64
	for _, x := range rows {
		best := math.Inf(1)
		for _, c := range centres {
			var s float64
			for f, v := range x {
				s += (v - c[f]) * (v - c[f])
			}
			best = min(best, s)
		}
		total += best
	}
	return total
}

// dataCentres turns a fit's centres (shifted units) into the data's.
func dataCentres(j *job, c []float32) [][]float64 {
	out := make([][]float64, len(c)/j.d)
	for i := range out {
		out[i] = make([]float64, j.d)
		for f := range j.d {
			out[i][f] = float64(c[i*j.d+f]) + j.offset(f)
		}
	}
	return out
}

// Runs fitted in lockstep (restarts of one k, and runs of different k)
// are, bit for bit, the runs fitted alone; each run's reported loss is
// its inertia on all rows, and the run kept is the argmin of those
// losses computed apart by brute force.
func TestKMeansRunsEqualSingleRuns(t *testing.T) {
	path, rows := blobsCSV(t, 12_000, 3, 8, 4)
	c := runsStack(t, 2)
	ctx := context.Background()
	for _, tc := range []struct {
		name, algo, init string
		runs             []kmRun
	}{
		{"lloyd restarts", "kmeans", "random", []kmRun{{8, 1}, {8, 0x1234}, {8, 77}, {8, 5}}},
		{"minibatch restarts", "minibatch", "random", []kmRun{{8, 1}, {8, 99}, {8, 3}}},
		{"lloyd, k per run", "kmeans", "kmeans++", []kmRun{{3, 1}, {8, 1}, {150, 2}, {12, 1}}},
		{"minibatch, k per run", "minibatch", "kmeans++", []kmRun{{2, 1}, {8, 1}, {6, 7}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := wire.JobSpec{Inputs: []string{path}, K: 8, Algorithm: tc.algo, Init: tc.init, Seed: 1, ShardRows: 1500, NInit: 1}
			if tc.algo == "minibatch" {
				spec.BatchSize = 1024
			}
			j := newRunsJob(t, ctx, c, NewJobID(), spec, nil)
			fits, err := j.kmeansRuns(ctx, tc.runs)
			if err != nil {
				t.Fatal(err)
			}
			brute := make([]float64, len(fits))
			for r, run := range tc.runs {
				alone := newRunsJob(t, ctx, c, NewJobID(), spec, nil)
				want, err := alone.kmeansRuns(ctx, []kmRun{run})
				if err != nil {
					t.Fatal(err)
				}
				got := fits[r]
				if !slices.Equal(got.centres, want[0].centres) || got.iterations != want[0].iterations || got.stop != want[0].stop {
					t.Errorf("run %d (k=%d seed %d): lockstep %d iterations (%s), alone %d (%s); centres equal: %v",
						r, run.K, run.Seed, got.iterations, got.stop, want[0].iterations, want[0].stop, slices.Equal(got.centres, want[0].centres))
				}
				brute[r] = bruteInertia(rows, dataCentres(j, got.centres))
				if math.Abs(got.loss-brute[r]) > 1e-6*brute[r] {
					t.Errorf("run %d: loss %v, brute-force inertia %v", r, got.loss, brute[r])
				}
			}
			t.Logf("brute-force inertias %v", brute)
			if tc.runs[0].K == tc.runs[1].K {
				if slices.Min(brute) == slices.Max(brute) {
					t.Fatalf("every restart ends at inertia %v: the winner is not tested", brute[0])
				}
				argmin := 0
				for r, v := range brute {
					if v < brute[argmin] {
						argmin = r
					}
				}
				if best := bestRun(fits); best != argmin {
					t.Errorf("kept run %d, the brute-force argmin is run %d (inertias %v)", best, argmin, brute)
				}
			}
		})
	}
}

// The first restart is the single run of the job seed: --n-init 1 gives
// the model of earlier versions, and run 0 of --n-init N is that model.
// More restarts find a strictly lower inertia where one seeding is
// unlucky, checked by brute force on the model's centres.
func TestNInitFindsLowerInertia(t *testing.T) {
	path, rows := blobsCSV(t, 12_000, 2, 10, 8)
	c := runsStack(t, 2)
	ctx := context.Background()
	for _, algo := range []string{"kmeans", "minibatch"} {
		t.Run(algo, func(t *testing.T) {
			spec := wire.JobSpec{Inputs: []string{path}, K: 10, Algorithm: algo, Init: "random", Seed: 3, ShardRows: 1500}
			if algo == "minibatch" {
				spec.BatchSize = 1024
			}
			one, many := spec, spec
			one.NInit, many.NInit = 1, 6
			m1, err := c.Run(ctx, NewJobID(), &one, nil)
			if err != nil {
				t.Fatal(err)
			}
			mN, err := c.Run(ctx, NewJobID(), &many, nil)
			if err != nil {
				t.Fatal(err)
			}
			i1, iN := bruteInertia(rows, m1.Centers), bruteInertia(rows, mN.Centers)
			if !(iN < i1*(1-1e-6)) {
				t.Fatalf("n_init 6 inertia %v, n_init 1 %v: want strictly lower", iN, i1)
			}
			p := mN.Params
			if p.NInit != 6 || p.BestRun == nil || len(p.RunLosses) != 6 || m1.Params.NInit != 1 || m1.Params.BestRun != nil || m1.Params.RunLosses != nil {
				t.Fatalf("params: n_init=1 %+v, n_init=6 %+v", m1.Params, p)
			}
			if best := *p.BestRun; p.RunLosses[best] != slices.Min(p.RunLosses) || slices.Index(p.RunLosses, slices.Min(p.RunLosses)) != best {
				t.Errorf("best_run %d of run_losses %v", best, p.RunLosses)
			}
			if math.Abs(p.RunLosses[*p.BestRun]-iN) > 1e-6*iN || math.Abs(*mN.Inertia-iN) > 1e-6*iN {
				t.Errorf("best run's loss %v, model inertia %v, brute force %v", p.RunLosses[*p.BestRun], *mN.Inertia, iN)
			}
			// Run 0 is the single run of the job seed.
			if math.Abs(p.RunLosses[0]-i1) > 1e-6*i1 {
				t.Errorf("run 0 of n_init 6 has inertia %v; n_init 1's model %v", p.RunLosses[0], i1)
			}
		})
	}
}

// A round of several runs has as many tasks as a round of one, so each
// shard is sent to a worker once per round, whatever n_init is.
func TestNInitTasksPerRound(t *testing.T) {
	path, _ := blobsCSV(t, 12_000, 2, 10, 8)
	c := runsStack(t, 2)
	ctx := context.Background()
	spec := wire.JobSpec{Inputs: []string{path}, K: 10, Algorithm: "kmeans", Init: "random", Seed: 3, ShardRows: 1500}
	perRound := map[int]float64{}
	for _, n := range []int{1, 4} {
		j := newRunsJob(t, ctx, c, NewJobID(), spec, nil)
		j.spec.NInit = n
		fits, err := j.kmeansRuns(ctx, j.restartRuns())
		if err != nil {
			t.Fatal(err)
		}
		rounds := 0
		for _, f := range fits {
			rounds = max(rounds, f.iterations)
		}
		if n > 1 {
			rounds++ // the final pass that scores every run
		}
		tasks := 0
		for _, k := range j.tasks["iterate"] {
			tasks += k
		}
		perRound[n] = float64(tasks) / float64(rounds)
	}
	if perRound[1] != perRound[4] || perRound[1] < 2 {
		t.Errorf("tasks per round: %v with 1 run, %v with 4", perRound[1], perRound[4])
	}
}

// A lockstep fit stopped mid-way resumes from its checkpoint to the fits
// an undisturbed one gives, runs that had stopped included.
func TestKMeansRunsResume(t *testing.T) {
	path, _ := blobsCSV(t, 12_000, 2, 10, 8)
	c := runsStack(t, 2)
	ctx := context.Background()
	// Mini-batch state is saved every second; here after every step.
	every := miniBatchCheckpointEvery
	miniBatchCheckpointEvery = 0
	t.Cleanup(func() { miniBatchCheckpointEvery = every })
	for _, algo := range []string{"minibatch", "kmeans"} {
		t.Run(algo, func(t *testing.T) {
			spec := wire.JobSpec{Inputs: []string{path}, K: 10, Algorithm: algo, Init: "random", Seed: 3, ShardRows: 1500}
			if algo == "minibatch" {
				spec.BatchSize = 512
			}
			runs := []kmRun{{10, 3}, {10, 4}, {6, 5}}
			ref := newRunsJob(t, ctx, c, NewJobID(), spec, nil)
			want, err := ref.kmeansRuns(ctx, runs)
			if err != nil {
				t.Fatal(err)
			}
			// Stop after the round where the first run ends: the
			// checkpoint holds it ended and the others going.
			stopAt := min(want[0].iterations, want[1].iterations, want[2].iterations)
			if stopAt < 2 {
				t.Fatalf("runs of %d, %d and %d iterations: too short to interrupt", want[0].iterations, want[1].iterations, want[2].iterations)
			}
			id := NewJobID()
			if _, err := c.opts.Store.CreateJob(id, []byte("{}")); err != nil {
				t.Fatal(err)
			}
			if _, err := c.opts.Store.Transition(id, storage.StateRunning, ""); err != nil {
				t.Fatal(err)
			}
			cut, cancel := context.WithCancel(ctx)
			first := newRunsJob(t, ctx, c, id, spec, func(p Progress) {
				if p.Phase == "iterate" && p.Step == stopAt {
					cancel()
				}
			})
			if _, err := first.kmeansRuns(cut, runs); err == nil {
				t.Fatal("the interrupted fit ended")
			}
			cancel()
			resumed := newRunsJob(t, ctx, c, id, spec, nil)
			got, err := resumed.kmeansRuns(ctx, runs)
			if err != nil {
				t.Fatal(err)
			}
			if resumed.firstRound != int64(stopAt+1) {
				t.Errorf("resumed at round %d, want %d", resumed.firstRound, stopAt+1)
			}
			for r := range runs {
				if !slices.Equal(got[r].centres, want[r].centres) || got[r].iterations != want[r].iterations ||
					got[r].stop != want[r].stop || got[r].loss != want[r].loss {
					t.Errorf("run %d resumed: %d iterations (%s) loss %v; undisturbed %d (%s) loss %v",
						r, got[r].iterations, got[r].stop, got[r].loss, want[r].iterations, want[r].stop, want[r].loss)
				}
			}
		})
	}
}

// Runs of different k sample at different rates (30 rows per centre
// beyond initSampleRows): one pass serves them all, and each run's
// sample is the one a job of its k alone draws, row for row.
func TestRunSamplesPerK(t *testing.T) {
	path, _ := blobsCSV(t, 12_000, 2, 10, 8)
	c := runsStack(t, 2)
	ctx := context.Background()
	spec := wire.JobSpec{Inputs: []string{path}, K: 3, Algorithm: "kmeans", Seed: 3, ShardRows: 1500}
	ks := []int{3, 150, 250, 3}
	j := newRunsJob(t, ctx, c, NewJobID(), spec, nil)
	got, err := j.runSamples(ctx, ks)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range ks {
		alone := newRunsJob(t, ctx, c, NewJobID(), spec, nil)
		want, err := alone.runSamples(ctx, []int{k})
		if err != nil {
			t.Fatal(err)
		}
		if wantN := min(12_000, max(initSampleRows, 30*k)); math.Abs(float64(want[0].n-wantN)) > 0.1*float64(wantN) {
			t.Errorf("k=%d: a sample of %d rows, want about %d", k, want[0].n, wantN)
		}
		if got[i].n != want[0].n || !slices.Equal(got[i].points, want[0].points) {
			t.Errorf("k=%d: %d rows beside other k, %d alone (points equal: %v)", k, got[i].n, want[0].n, slices.Equal(got[i].points, want[0].points))
		}
	}
	if got[0].n >= got[1].n || got[1].n >= got[2].n {
		t.Errorf("samples of %d, %d and %d rows: the rates do not differ", got[0].n, got[1].n, got[2].n)
	}
}
