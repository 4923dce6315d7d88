package coordinator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/algo/validity"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
	"github.com/shoal-io/shoal/storage"
)

// job is the state of one running job.
type job struct {
	c        *Coordinator
	id       string
	spec     *wire.JobSpec
	ds       *partition.Dataset
	d        int
	data     wire.Data
	objects  map[string]string // staged copies of the input files by path (JobSpec.Stage)
	feed     *resultFeed
	progress ProgressFunc
	tracker  *progressTracker  // behind progress; notes waiting for workers
	out      *outputs          // the files the job writes, opened before the fit
	keep     []wire.KeepColumn // input columns the labels dataset carries

	stale, duplicates int

	// onProgress, when set, receives the workers' progress messages about
	// the tasks of the round being dispatched (see taskProgress).
	onProgress func(i int, p *wire.TaskProgress)

	// Results that arrived ahead of their round, and rounds finished; see
	// holdBack.
	pending    map[int64][]*wire.Result
	done       map[int64]bool
	firstRound int64 // iterations below this were done before a resume

	// fit numbers the fit of a k sweep in progress (wire.Task.Fit), and
	// sweeping marks a k sweep, which neither checkpoints nor resumes: a
	// resumed sweep starts over.
	fit      int
	sweeping bool

	timings map[string]float64        // seconds per phase
	tasks   map[string]map[string]int // tasks done by phase and worker; see countTask
}

// timed adds the time since start to the phase's total.
func (j *job) timed(phase string, start time.Time) {
	j.timings[phase] += time.Since(start).Seconds()
}

// NewJobID returns a fresh job id: a UTC timestamp and random suffix, safe
// as a NATS subject token and sortable by submission time.
func NewJobID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// Run runs one job to its end and returns its model. The labels file
// (spec.Out) and model file (spec.Model) are written when set, and
// replace earlier files of those names together; on failure neither is
// touched.
func (c *Coordinator) Run(ctx context.Context, id string, spec *wire.JobSpec, progress ProgressFunc) (*wire.Model, error) {
	if err := spec.Normalize(); err != nil {
		return nil, err
	}
	if progress == nil {
		progress = func(Progress) {}
	}
	if st := c.opts.Store; st != nil {
		raw, _ := json.Marshal(spec)
		if _, err := st.CreateJob(id, raw); err != nil {
			return nil, err
		}
		if _, err := st.Transition(id, storage.StateRunning, ""); err != nil {
			return nil, err
		}
	}
	model, err := c.run(ctx, id, spec, progress)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w: %v", ErrCancelled, context.Cause(ctx))
	}
	c.finish(id, model, err)
	return model, err
}

// finish records the outcome in the store.
func (c *Coordinator) finish(id string, model *wire.Model, err error) {
	switch {
	case err == nil:
		c.opts.Metrics.jobEnded("succeeded")
	case errors.Is(err, ErrCancelled):
		c.opts.Metrics.jobEnded("cancelled")
	default:
		c.opts.Metrics.jobEnded("failed")
	}
	st := c.opts.Store
	if st == nil {
		return
	}
	if err == nil {
		b, err := encodeModel(model)
		if err != nil {
			c.log.Error("encoding model", "job", id, "err", err)
		}
		if perr := st.PutModel(id, b); perr != nil {
			c.log.Error("storing model", "job", id, "err", perr)
		}
		_, err = st.Transition(id, storage.StateSucceeded, "")
		if err != nil {
			c.log.Error("recording job state", "job", id, "err", err)
		}
		return
	}
	state := storage.StateFailed
	if errors.Is(err, ErrCancelled) {
		state = storage.StateCancelled
	}
	if _, terr := st.Transition(id, state, err.Error()); terr != nil {
		c.log.Error("recording job state", "job", id, "err", terr)
	}
}

func (c *Coordinator) run(ctx context.Context, id string, spec *wire.JobSpec, progress ProgressFunc) (*wire.Model, error) {
	start := time.Now()
	ctx, stopTimeout := withJobTimeout(ctx, spec)
	defer stopTimeout()
	tracker := newProgressTracker(progress)
	progress = tracker.progress
	defer c.opts.Metrics.jobRunning()()
	files, err := c.checkPaths(spec)
	if err != nil {
		return nil, err
	}
	progress(Progress{Job: id, Phase: "scan"})
	ds, err := partition.ScanInputs(files, partition.Options{
		Columns: spec.Columns, Exclude: spec.Exclude, Weight: spec.Weight, ShardRows: spec.ShardRows,
		CSV: partition.CSVOptions{NoHeader: spec.NoHeader, Delimiter: spec.DelimiterRune()},
		// Workers count CSV records (countCSV), unless they read staged
		// copies, which exist only after the plan.
		CSVRanges: !spec.Stage,
		Nominal:   wire.MixedMetric(spec.Metric),
	})
	if err != nil {
		return nil, assignScanError(spec, err)
	}
	if err := spec.MatchInitColumns(ds.Columns); err != nil {
		return nil, err
	}
	j := &job{
		c: c, id: id, spec: spec, ds: ds, d: len(ds.Columns), progress: progress, tracker: tracker,
		data:    wire.Data{Columns: ds.Columns, Weight: ds.Weight, Nulls: spec.Nulls, NoHeader: spec.NoHeader, Delimiter: spec.Delimiter},
		pending: map[int64][]*wire.Result{}, done: map[int64]bool{}, firstRound: 1,
		timings:  map[string]float64{"scan": time.Since(start).Seconds()},
		tasks:    map[string]map[string]int{},
		sweeping: spec.IsSweep(),
	}
	// One result feed serves every round of the job, the CSV count
	// included.
	j.feed, err = c.openFeed(ctx, id)
	if err != nil {
		return nil, err
	}
	defer func() {
		j.feed.close(c.opts.Metrics)
		// A job interrupted by a shutdown keeps its messages and staged
		// files: it resumes from them. Any other end clears them.
		if !errors.Is(context.Cause(ctx), errShutdown) {
			c.announceEnd(id)
			c.purge(context.WithoutCancel(ctx), id)
			if spec.Stage {
				c.unstage(context.WithoutCancel(ctx), id, len(ds.Files))
			}
		}
	}()
	if ds.Uncounted() {
		if err := j.countCSV(ctx); err != nil {
			return nil, err
		}
	}
	if spec.Assign == nil {
		if err := j.checkInput(); err != nil {
			return nil, err
		}
	}
	if err := j.shift(); err != nil {
		return nil, err
	}
	if err := j.mixedData(ctx); err != nil {
		return nil, err
	}
	j.timings["scan"] = time.Since(start).Seconds()
	if err := j.scaleData(ctx); err != nil {
		return nil, err
	}
	if j.keep, err = keepColumns(ds, spec.Keep); err != nil {
		return nil, err
	}
	// Opening the outputs now finds a directory that cannot be written
	// before the fit, not after it.
	if j.out, err = openOutputs(id, spec); err != nil {
		return nil, err
	}
	defer func() {
		// A labels dataset interrupted by a shutdown keeps its staging
		// directory: the job resumes (here or on the coordinator that
		// takes over) into the same one, and must not find it removed
		// under its workers.
		if errors.Is(context.Cause(ctx), errShutdown) {
			j.out.dataset = nil
		}
		j.out.abort()
	}()
	if spec.Stage {
		progress(Progress{Job: id, Phase: "stage"})
		stageStart := time.Now()
		if err := j.stage(ctx); err != nil {
			return nil, err
		}
		j.timed("stage", stageStart)
	}

	var fit *fitted
	var sel *validity.Selection // a k sweep's
	var saved fittedState
	if _, ok := j.restore(checkpointFitted, &saved); ok {
		fit = saved.fitted()
	} else {
		switch {
		case spec.Assign != nil:
			fit, err = j.assigned()
		case spec.IsSweep():
			fit, sel, err = j.sweep(ctx)
		case slices.Contains(wire.SampledMedoidAlgorithms, spec.Algorithm):
			fit, err = j.clara(ctx)
		case spec.IsMedoid():
			fit, err = j.medoidsFull(ctx)
		default:
			fit, err = j.kmeans(ctx)
		}
		if err != nil {
			return nil, err
		}
		j.checkpoint(checkpointFitted, 1, fit.state())
	}
	labelStart := time.Now()
	model, err := j.label(ctx, fit)
	if err != nil {
		return nil, err
	}
	j.timed("label", labelStart)
	model.Seconds = time.Since(start).Seconds()
	model.Timings, model.Tasks = j.timings, j.tasks
	if sel != nil {
		model.Selection = &wire.ModelSelection{Selection: *sel, Report: spec.Selection}
	}
	if err := j.out.commit(model); err != nil {
		return nil, err
	}
	c.log.Info("job done", "job", id, "seconds", model.Seconds, "stale_results", j.stale, "duplicate_results", j.duplicates,
		"ignored_progress", j.feed.badProgress.Load())
	progress(Progress{Job: id, Phase: "done", Loss: model.TotalDeviation, Rows: ds.Rows})
	return model, nil
}

// checkInput rejects jobs the data cannot support before any task runs.
func (j *job) checkInput() error {
	n, k := j.ds.Rows, int64(j.spec.K)
	if j.spec.IsSweep() && k >= n {
		return fmt.Errorf("%w: the largest k of the range, %d, must be smaller than the number of rows (%d): the indices need k ≤ n−1",
			ErrInput, k, n)
	}
	if j.spec.Precomputed && n != int64(j.d) {
		return fmt.Errorf("%w: a precomputed dissimilarity matrix must be square, %s has %d rows and %d columns",
			ErrInput, j.ds.Files[0], n, j.d)
	}
	if j.spec.IsMedoid() && k >= n {
		return fmt.Errorf("%w: k=%d must be smaller than the number of rows (%d)", ErrInput, k, n)
	}
	if k > n {
		return fmt.Errorf("%w: k=%d is larger than the number of rows (%d)", ErrInput, k, n)
	}
	if slices.Contains(wire.MedoidAlgorithms, j.spec.Algorithm) && !j.spec.Precomputed {
		if need := algo.MatrixBytes(int(n)); need > wire.MaxMatrixBytes {
			return fmt.Errorf("%w: %s on %d rows needs a %.1f GiB dissimilarity matrix (limit %.0f GiB); use --algo fastclara",
				ErrInput, j.spec.Algorithm, n, float64(need)/(1<<30), float64(wire.MaxMatrixBytes)/(1<<30))
		}
	}
	return nil
}

// fitted is what an algorithm hands to the labelling pass.
type fitted struct {
	centres    []float32 // k × d; nil for a precomputed matrix
	medoidRows []int64   // k-medoids only
	iterations int
	swaps      int
	stop       string
	loss       float64 // the algorithm's own loss, if any
	silhouette *float64
	medoidSil  *float64
	bestRun    int       // k-means with several runs: the run kept
	runLosses  []float64 // k-means with several runs: each run's inertia
}

// shardTasks returns one task per shard of the given kind.
func (j *job) shardTasks(kind wire.Kind) []*wire.Task {
	tasks := make([]*wire.Task, len(j.ds.Shards))
	for i, s := range j.ds.Shards {
		tasks[i] = &wire.Task{
			ID: s.ID, Kind: kind, K: j.spec.K, D: j.d, Seed: j.spec.Seed, Metric: j.spec.Metric,
			Shards: []wire.Shard{j.wireShard(s)},
		}
	}
	return tasks
}

// wireShard is the task's form of shard s: its file, or the file's
// staged copy.
func (j *job) wireShard(s partition.Shard) wire.Shard {
	return wire.Shard{ID: s.ID, File: s.File, Format: s.Format.String(), First: s.First, Last: s.Last,
		RowOffset: s.RowOffset, Rows: s.Rows, Object: j.objects[s.File],
		ByteStart: s.ByteStart, ByteEnd: s.ByteEnd, DictOffsets: s.DictOffsets, Version: s.Version}
}

// Rounds used as task rounds for passes other than iterations, so their
// results can never be mistaken for an iteration's.
const (
	roundInit   = -1
	roundMedoid = -2
	roundLabel  = -3
	roundKMPar  = -100 // k-means|| uses roundKMPar - r
)

// medoidsFull runs a k-medoids algorithm on all rows in one worker.
func (j *job) medoidsFull(ctx context.Context) (*fitted, error) {
	j.progress(Progress{Job: j.id, Phase: "cluster", Rows: j.ds.Rows})
	defer j.timed("cluster", time.Now())
	metric := j.spec.Metric
	if j.spec.Precomputed {
		metric = "precomputed"
	}
	t := &wire.Task{
		ID: 0, Kind: wire.KindMedoids, K: j.spec.K, D: j.d, Seed: j.spec.Seed, Metric: metric,
		Algorithm: j.spec.Algorithm, Init: j.spec.Init, MaxIter: j.spec.MaxIter, Silhouette: j.spec.Silhouette,
		Progress: true,
	}
	for _, s := range j.ds.Shards {
		t.Shards = append(t.Shards, j.wireShard(s))
	}
	j.onProgress = j.medoidProgress
	res, err := j.collect(ctx, roundMedoid, []*wire.Task{t})
	j.onProgress = nil
	if err != nil {
		return nil, err
	}
	r := res[0]
	f := &fitted{medoidRows: r.Rows, iterations: r.Iterations, swaps: r.Swaps, loss: r.Loss,
		silhouette: r.Silhouette, medoidSil: r.MedoidSilhouette}
	if !j.spec.Precomputed {
		f.centres = r.Points
	}
	return f, nil
}

// label runs the final pass: every row gets its nearest centre, the labels
// stream into the job's labels file in input order (committed later, with
// the model), and the model's losses and cluster
// sizes are summed from the same pass.
func (j *job) label(ctx context.Context, fit *fitted) (*wire.Model, error) {
	spec := j.spec
	tasks := j.shardTasks(wire.KindLabel)
	dataset := j.out.dataset
	for i, t := range tasks {
		if spec.Precomputed {
			t.Metric, t.PointRows = "precomputed", fit.medoidRows
		} else {
			t.Centres, t.CountsOnly = fit.centres, spec.Out == ""
		}
		if dataset != nil {
			// The worker writes the part and returns counts only.
			t.CountsOnly, t.PartDir, t.PartName, t.Keep = true, dataset.staging, partName(i), j.keep
		}
	}
	if dataset != nil {
		dataset.rows = make([]int64, len(tasks))
	}
	w := j.out.labels
	model := &wire.Model{
		Algorithm: spec.Algorithm, K: spec.K, Metric: spec.Metric, N: j.ds.Rows, Columns: j.ds.Columns,
		MedoidRows: fit.medoidRows, Iterations: fit.iterations, Swaps: fit.swaps, Stop: fit.stop,
		Init: spec.Init, Seed: spec.Seed, ClusterSizes: make([]int64, spec.K),
		Silhouette: fit.silhouette, MedoidSilhouette: fit.medoidSil,
	}
	if spec.Precomputed {
		model.Metric, model.Columns = "precomputed", nil
	}
	var inertia float64
	order := newOrderedWriter(len(tasks), func(r *wire.Result) error {
		if r.Counts != nil {
			if len(r.Counts) != spec.K || len(r.Labels) != 0 {
				return fmt.Errorf("%w: label counts for k=%d with %d labels", wire.ErrDecode, len(r.Counts), len(r.Labels))
			}
			for c, n := range r.Counts {
				model.ClusterSizes[c] += n
			}
			model.TotalDeviation += r.Loss
			inertia += r.Inertia
			j.c.opts.Metrics.labelled(int(r.N))
			return nil
		}
		for _, c := range r.Labels {
			if c < 0 || int(c) >= spec.K {
				return fmt.Errorf("%w: label %d outside [0,%d)", wire.ErrDecode, c, spec.K)
			}
			model.ClusterSizes[c]++
		}
		model.TotalDeviation += r.Loss
		inertia += r.Inertia
		j.c.opts.Metrics.labelled(len(r.Rows))
		if w != nil {
			return w.Write(r.Rows, r.Labels, r.Distances)
		}
		return nil
	})
	err := j.dispatch(ctx, roundLabel, tasks, func(i int, r *wire.Result) error {
		if dataset != nil {
			if r.Counts == nil {
				return fmt.Errorf("%w: a labels part task returned labels, not counts", wire.ErrDecode)
			}
			dataset.rows[i] += r.N
		}
		if err := order.add(i, r); err != nil {
			return err
		}
		j.progress(Progress{Job: j.id, Phase: "label", Step: order.next, Steps: len(tasks), Rows: j.ds.Rows})
		return nil
	})
	order.close()
	if err == nil && !order.complete() {
		err = fmt.Errorf("coordinator: label pass ended with %d of %d shards written", order.next, len(tasks))
	}
	if err != nil {
		return nil, err
	}
	// Every row used is labelled once: the rows the label pass did not
	// see were dropped for a bad value.
	var used int64
	for _, n := range model.ClusterSizes {
		used += n
	}
	model.N, model.RowsDropped = used, j.ds.Rows-used
	j.provenance(model)
	recordRuns(model.Params, fit)
	switch model.Metric {
	case "euclidean":
		model.Inertia = &inertia
	case "sqeuclidean":
		td := model.TotalDeviation
		model.Inertia = &td
	}
	if fit.centres != nil {
		model.Centers = make([][]float64, spec.K)
		for c := range spec.K {
			row := make([]float64, j.d)
			for f := range j.d {
				row[f] = j.fromScaled(f, float64(fit.centres[c*j.d+f])) // in the data's units
			}
			model.Centers[c] = row
		}
	}
	j.describeScaling(model, fit)
	j.describeMixed(model)
	return model, nil
}

// encodeModel is the model file's bytes; the store keeps the same bytes,
// so `shoal result` prints what `shoal run --model` writes.
func encodeModel(m *wire.Model) ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("coordinator: encoding model: %w", err)
	}
	return append(b, '\n'), nil
}
