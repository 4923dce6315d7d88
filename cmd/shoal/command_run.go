package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/sync/errgroup"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/atomicfile"
	"github.com/shoal-io/shoal/internal/blobfs"
	"github.com/shoal-io/shoal/internal/embedded"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
	"github.com/shoal-io/shoal/storage"
	"github.com/shoal-io/shoal/worker"
)

// runFlags are the flags of `shoal run`.
type runFlags struct {
	spec     wire.JobSpec
	workers  int
	dataDir  string
	nats     natsFlags
	demo     bool
	initFrom string
	quiet    bool
	replicas int
	memory   memoryFlag
	json     bool // print one JSON document on stdout instead of the summary
}

func newRunCommand(stdout, stderr io.Writer) *cobra.Command {
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "run --input FILE --k K [flags]",
		Short: "Run one clustering job and write the model and labels",
		Long: `Run one clustering job to its end.

By default shoal run starts an embedded NATS server (JetStream), a coordinator
and --workers workers in this process; the coordinator reads only file metadata
and the workers read their shards. With --nats URL it joins an existing NATS
server instead and starts --workers local workers (default 0 with --nats:
run 'shoal worker --nats URL' elsewhere).

Inputs are Parquet (.parquet), Arrow IPC files (.arrow), Arrow IPC streams
(.arrows) or CSV (.csv) with a header; several --input flags or a directory
form one dataset in the order given. Features are every numeric column unless
--columns or --exclude say otherwise.

Algorithms:
  minibatch    mini-batch k-means (Sculley 2010), the default; for any size
  kmeans       Lloyd's k-means, a full pass per iteration
  fasterpam    FasterPAM (Schubert & Rousseeuw 2021): eager k-medoids swaps
  fastpam1     FastPAM1: the same swaps as PAM, O(k) faster
  pam          PAM BUILD+SWAP (Kaufman & Rousseeuw), the reference
  alternating  k-medoids by Voronoi iteration
  clara        CLARA: PAM on --samples samples of 40+2k rows, best on all rows
  fastclara    FastCLARA: FasterPAM on samples of max(80+4k, 2000) rows
  clarans      CLARANS (Ng & Han) on samples
  fastclarans  FastCLARANS: O(k) neighbour evaluation, on samples
pam, fastpam1, fasterpam and alternating hold an n×n dissimilarity matrix
(2n² bytes); for more rows use fastclara. The sampled algorithms cluster
samples drawn by the workers, then score every candidate medoid set on all
rows, so the winner is chosen on the whole dataset. CLARANS searches a graph
over the whole dataset in its original form; shoal runs it on samples so it
scales, and scores its results on all rows like CLARA. --refine N then moves
each medoid to a better row of its whole cluster, a pass over the data per
round, until none improves: near PAM's quality on data far beyond a sample.

Outputs: --model writes the model JSON; --out writes labels (row, cluster,
distance) in input row order as Parquet, Arrow or CSV by extension. Neither is
left behind if the job fails.`,
		Example: `  shoal run --demo
  shoal gen blobs --n 200000 --d 8 --k 10 --seed 7 --out blobs.parquet
  shoal run --input blobs.parquet --exclude label --k 10 --model model.json --out labels.parquet
  shoal run --input points.csv --k 5 --algo fasterpam --metric manhattan --model m.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("workers") && f.nats.url != "" {
				f.workers = 0
			}
			if err := checkMaxIter(cmd); err != nil {
				return err
			}
			return runJob(cmd, f, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	registerJobFlags(fl, &f.spec)
	fl.IntVar(&f.workers, "workers", runtime.NumCPU(), "workers to start in this process")
	fl.StringVar(&f.dataDir, "data-dir", "", "directory for the embedded JetStream store and job catalog (default: a temporary directory)")
	f.nats.register(fl)
	fl.BoolVar(&f.demo, "demo", false, "cluster a generated dataset (50,000 rows, 8 features, 10 blobs) and compare with its truth")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bar")
	fl.BoolVar(&f.json, "json", false, "print the job summary as one JSON document on stdout (progress and notes stay on stderr)")
	fl.Var(&f.memory, "memory", memoryFlagUsage)
	fl.IntVar(&f.replicas, "replicas", 1, "with --nats on a JetStream cluster: servers that keep each stream and object store (3 rides out the loss of one)")
	fl.StringVar(&f.initFrom, "init-from", "", "k-means: start from the centers of this model file (a warm start)")
	markPaths(fl, "in", "init-from")
	markPaths(fl, "state", "data-dir")
	return cmd
}

func runJob(cmd *cobra.Command, f *runFlags, stdout, stderr io.Writer) error {
	ctx := cmd.Context()
	log, err := newLogger(cmd, stderr)
	if err != nil {
		return err
	}
	spec := f.spec
	var demo *demoData
	if f.demo {
		if demo, err = newDemo(&spec); err != nil {
			return err
		}
		defer demo.close()
	}
	if len(spec.Inputs) == 0 {
		return usagef("--input is required (or --demo)")
	}
	if f.initFrom != "" {
		centres, columns, err := readModelCentres(f.initFrom)
		if err != nil {
			return err
		}
		spec.InitCentres, spec.InitColumns = centres, columns
		if spec.K == 0 && len(spec.KRange) == 0 {
			spec.K = len(centres)
		}
	}
	if spec.K == 0 && len(spec.KRange) == 0 {
		return usagef("--k is required")
	}
	if f.workers < 0 {
		return usagef("--workers must not be negative")
	}
	if err := spec.Normalize(); err != nil {
		return usageError{err}
	}
	if f.replicas < 1 || f.replicas > 5 {
		return usagef("--replicas must be 1 to 5 (JetStream's limit)")
	}
	if f.nats.url == "" && f.replicas > 1 {
		return usagef("--replicas needs --nats and a JetStream cluster: the embedded server is one server")
	}
	if f.nats.url == "" && f.workers == 0 {
		return usagef("--workers 0 needs --nats: an embedded server has no other workers")
	}

	st, err := startStack(ctx, f, spec.Inputs, log)
	if err != nil {
		return err
	}
	defer st.close()

	bar := newProgress(stderr, f.quiet)
	id := coordinator.NewJobID()
	model, err := st.coord.Run(ctx, id, &spec, bar.update)
	bar.finish()
	if err != nil {
		return jobError(err)
	}
	shown := spec
	if demo != nil && demo.tempOut {
		shown.Out = "" // a temporary file, not worth naming
	}
	if n := blobfs.BytesRead(); n > 0 {
		log.Info("object storage read", "bytes", n)
	}
	var truth *truthScores
	if demo != nil {
		ari, nmi, err := compareLabels(spec.Out, demo.truth, "label")
		if err != nil {
			return err
		}
		truth = &truthScores{ARI: ari, NMI: nmi}
	}
	if f.json {
		s := newJobSummary(id, &shown, model)
		s.Truth = truth
		return writeJSON(stdout, s)
	}
	printSummary(stdout, id, &shown, model)
	if truth != nil {
		fmt.Fprintf(stdout, "against the generator's truth: ARI %.4f  NMI %.4f\n", truth.ARI, truth.NMI)
	}
	return nil
}

// jobError marks the errors of a job that are the command line's fault
// (a refused or unwritable path, a missing input, an unknown column) as
// usage errors: exit 2 rather than 1.
func jobError(err error) error {
	for _, bad := range []error{
		wire.ErrJobSpec, coordinator.ErrPath, coordinator.ErrOutput,
		partition.ErrNotFound, partition.ErrUnknownFormat, partition.ErrNoSuchColumn,
		partition.ErrAmbiguousColumn, partition.ErrInvalidOptions,
	} {
		if errors.Is(err, bad) {
			return usageError{err}
		}
	}
	return err
}

// demoData is the generated dataset of `shoal run --demo`.
type demoData struct {
	dir     string
	truth   string // the generated file, whose "label" column is the truth
	tempOut bool   // the labels go to a temporary file the user did not ask for
}

// newDemo generates 50,000 rows of 10 blobs and points spec at them.
func newDemo(spec *wire.JobSpec) (*demoData, error) {
	dir, err := atomicfile.MkdirTemp("", "shoal-demo-")
	if err != nil {
		return nil, err
	}
	d := &demoData{dir: dir, truth: filepath.Join(dir, "blobs.parquet")}
	if _, err := partition.GenerateBlobs(d.truth, partition.BlobsConfig{N: 50000, D: 8, K: 10, Seed: 7}); err != nil {
		d.close()
		return nil, err
	}
	spec.Inputs, spec.Exclude = []string{d.truth}, []string{"label"}
	if spec.K == 0 && len(spec.KRange) == 0 {
		spec.K = 10
	}
	if spec.Out == "" {
		spec.Out, d.tempOut = filepath.Join(dir, "labels.parquet"), true
	}
	return d, nil
}

func (d *demoData) close() { _ = os.RemoveAll(d.dir) }

// stack is a coordinator with, optionally, an embedded server and local
// workers.
type stack struct {
	srv     *embedded.Server
	nc      *nats.Conn
	coord   *coordinator.Coordinator
	store   *storage.Store
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	tempDir string
	staged  *worker.StagedFiles
	advised <-chan struct{} // closed once the memory plan is applied
}

// startStack starts the embedded server (unless --nats names one), the
// coordinator and the local workers of a run on inputs, whose size, when
// it is known, sizes the heap advised for huge pages.
func startStack(ctx context.Context, f *runFlags, inputs []string, log *slog.Logger) (_ *stack, err error) {
	st := &stack{}
	defer func() {
		if err != nil {
			st.close()
		}
	}()
	dir := f.dataDir
	if dir == "" {
		// A run killed with SIGKILL leaves its directory (JetStream store,
		// catalog) behind: the next run removes it.
		if st.tempDir, err = atomicfile.MkdirTemp("", "shoal-run-"); err != nil {
			return nil, err
		}
		dir = st.tempDir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// The heap advice, the server with the coordinator's connection, and
	// the catalog do not depend on each other, and each takes milliseconds
	// (the advice maps and hands back up to a quarter of the machine's
	// memory): they start at once. Only the local workers wait for the
	// advice, before their first task, since the shards they read are what
	// must land in the advised heap; the coordinator plans the job
	// meanwhile. On a virtual machine whose page faults are dear the
	// advice outlasted the server's start, and a 1000-row job took 7-10 ms
	// less once nothing else waited for it.
	plan := planMemory(f.memory.bytes)
	if f.workers > 0 {
		// Only local workers fill a heap with the job's shards; a
		// coordinator alone keeps the default.
		plan.fitInputs(inputs)
	}
	advised := make(chan struct{})
	st.advised = advised
	go func() {
		defer close(advised)
		plan.apply(f.memory.bytes > 0, os.Getenv)
	}()
	var start errgroup.Group
	connect := f.nats.connect
	if f.nats.url == "" {
		connect = func(name string) (*nats.Conn, error) { return st.srv.Connect(name) }
	}
	start.Go(func() (err error) {
		if f.nats.url == "" {
			if st.srv, err = embedded.Start(embedded.Options{StoreDir: filepath.Join(dir, "jetstream"), Port: -2}); err != nil {
				return err
			}
		}
		st.nc, err = connect("shoal-coordinator")
		return err
	})
	start.Go(func() (err error) {
		// A catalog in the temporary directory is removed when the run
		// ends, and no later run can resume from it, so its commits need
		// not reach the disk: that saves about 16 fsyncs a job. With
		// --data-dir they do.
		st.store, err = storage.Open(filepath.Join(dir, "shoal.db"), storage.Options{NoSync: st.tempDir != ""})
		return err
	})
	if err := start.Wait(); err != nil {
		return nil, err
	}
	st.coord, err = coordinator.New(ctx, st.nc, coordinator.Options{Store: st.store, Logger: log, Replicas: f.replicas, Version: version()})
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	st.cancel = cancel
	cache, nearest := blockCache(plan.Blocks, os.Getenv), worker.NewNearestCache(plan.Nearest)
	st.staged = worker.NewStagedFiles("", 0)
	cores := worker.NewCores(runtime.NumCPU(), f.workers)
	for i := range f.workers {
		nc, err := connect(fmt.Sprintf("shoal-worker-%d", i))
		if err != nil {
			return nil, err
		}
		w, err := worker.New(nc, worker.Options{Cache: cache, Nearest: nearest, Staged: st.staged, Logger: log, Name: fmt.Sprintf("local-%d", i), Parallelism: runtime.NumCPU(), Cores: cores})
		if err != nil {
			nc.Close()
			return nil, err
		}
		st.wg.Add(1)
		go func() {
			defer st.wg.Done()
			defer nc.Close()
			<-advised
			if err := w.Run(wctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("worker stopped", "err", err)
			}
		}()
	}
	return st, nil
}

func (st *stack) close() {
	if st.advised != nil {
		<-st.advised
	}
	if st.cancel != nil {
		st.cancel()
		st.wg.Wait()
	}
	if st.nc != nil {
		st.nc.Close()
	}
	if st.store != nil {
		_ = st.store.Close()
	}
	if st.srv != nil {
		if st.tempDir != "" {
			st.srv.Discard() // its store goes next
		} else {
			st.srv.Stop()
		}
	}
	if st.tempDir != "" {
		_ = os.RemoveAll(st.tempDir)
	}
	if st.staged != nil {
		_ = st.staged.Close()
	}
}

// printSummary writes the one-screen summary of a finished job.
func printSummary(w io.Writer, id string, spec *wire.JobSpec, m *wire.Model) {
	if m.Metric == "precomputed" {
		fmt.Fprintf(w, "job %s: %s, k=%d, %d×%d dissimilarity matrix, %.2fs\n", id, m.Algorithm, m.K, m.N, m.N, m.Seconds)
	} else {
		fmt.Fprintf(w, "job %s: %s, k=%d, %d rows × %d features, %.2fs\n", id, m.Algorithm, m.K, m.N, len(m.Columns), m.Seconds)
	}
	if m.RowsDropped > 0 || spec.Nulls == "drop" {
		fmt.Fprintf(w, "  rows   %d used, %d dropped for a null, NaN, Inf or unparsable value\n", m.N, m.RowsDropped)
	}
	fmt.Fprintf(w, "  total deviation %.6g", m.TotalDeviation)
	if m.Inertia != nil {
		fmt.Fprintf(w, "   inertia %.6g", *m.Inertia)
	}
	fmt.Fprintf(w, "   iterations %d", m.Iterations)
	if m.Swaps > 0 {
		fmt.Fprintf(w, "   swaps %d", m.Swaps)
	}
	if m.Stop != "" {
		fmt.Fprintf(w, " (%s)", m.Stop)
	}
	fmt.Fprintln(w)
	switch {
	case m.Silhouette != nil && m.MedoidSilhouette != nil:
		fmt.Fprintf(w, "  silhouette %.4f   medoid silhouette %.4f\n", *m.Silhouette, *m.MedoidSilhouette)
	case m.Silhouette != nil: // a k-means sweep's
		fmt.Fprintf(w, "  silhouette %.4f\n", *m.Silhouette)
	}
	if p := m.Params; p != nil && p.BestRun != nil && *p.BestRun < len(p.RunLosses) {
		fmt.Fprintf(w, "  runs   %d seedings: kept run %d, inertia %.6g (the others' up to %.6g)\n",
			len(p.RunLosses), *p.BestRun, p.RunLosses[*p.BestRun], slices.Max(p.RunLosses))
	}
	type cluster struct {
		id   int
		size int64
	}
	cs := make([]cluster, len(m.ClusterSizes))
	for i, s := range m.ClusterSizes {
		cs[i] = cluster{i, s}
	}
	sort.SliceStable(cs, func(a, b int) bool { return cs[a].size > cs[b].size })
	var parts []string
	for i, c := range cs {
		if i == 12 {
			parts = append(parts, fmt.Sprintf("… %d more", len(cs)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%d:%d", c.id, c.size))
	}
	fmt.Fprintf(w, "  cluster sizes %s\n", strings.Join(parts, " "))
	if len(m.Timings) > 0 {
		var ts []string
		for _, phase := range []string{"scan", "stage", "scale", "init", "iterate", "sample", "cluster", "score", "refine", "fit", "indices", "label"} {
			if v, ok := m.Timings[phase]; ok {
				ts = append(ts, fmt.Sprintf("%s %.2fs", phase, v))
			}
		}
		fmt.Fprintf(w, "  time   %s\n", strings.Join(ts, ", "))
	}
	if line := spreadLine(m.Tasks); line != "" {
		fmt.Fprintf(w, "  tasks  %s\n", line)
	}
	printSelection(w, m.Selection)
	if spec.Model != "" {
		fmt.Fprintf(w, "  model  %s\n", spec.Model)
	}
	if spec.Out != "" {
		fmt.Fprintf(w, "  labels %s\n", spec.Out)
	}
}

// spreadLine says how a job's tasks spread over the workers, phase by
// phase in job order: "iterate 160 on 4 workers (38–42 each), …".
func spreadLine(tasks map[string]map[string]int) string {
	var parts []string
	for _, phase := range []string{"scan", "scale", "init", "iterate", "sample", "cluster", "score", "refine", "indices", "label"} {
		byWorker := tasks[phase]
		if len(byWorker) == 0 {
			continue
		}
		total, least, most := 0, math.MaxInt, 0
		for _, n := range byWorker {
			total, least, most = total+n, min(least, n), max(most, n)
		}
		if len(byWorker) == 1 {
			parts = append(parts, fmt.Sprintf("%s %d on 1 worker", phase, total))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d on %d workers (%d–%d each)", phase, total, len(byWorker), least, most))
	}
	return strings.Join(parts, ", ")
}

// whereFlag collects repeated --where key=value flags into a spec's Where.
type whereFlag struct{ where *map[string][]string }

func (w whereFlag) Set(v string) error {
	if *w.where == nil {
		*w.where = map[string][]string{}
	}
	return wire.ParseWhere(*w.where, v)
}

func (w whereFlag) String() string {
	if w.where == nil || len(*w.where) == 0 {
		return ""
	}
	return partition.Where(*w.where).String()
}

func (w whereFlag) Type() string { return "key=value" }

// nInitFlag is --n-init: "auto" (the spec's 0) or a number of runs. An
// explicit 0 is refused, not read as auto.
type nInitFlag struct{ n *int }

func (f nInitFlag) Set(v string) error {
	if v == "auto" {
		*f.n = 0
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > wire.MaxNInit {
		return fmt.Errorf("want auto or a number of runs from 1 to %d", wire.MaxNInit)
	}
	*f.n = n
	return nil
}

func (f nInitFlag) String() string {
	if f.n == nil || *f.n == 0 {
		return "auto"
	}
	return strconv.Itoa(*f.n)
}

func (f nInitFlag) Type() string { return "runs" }

// registerJobFlags defines the flags that describe a job, shared by run
// and submit.
func registerJobFlags(fl *pflag.FlagSet, s *wire.JobSpec) {
	registerDataFlags(fl, s)
	fl.StringSliceVar(&s.Columns, "columns", nil, "feature columns (default: all numeric columns)")
	fl.StringSliceVar(&s.Exclude, "exclude", nil, "columns to leave out of the features")
	fl.StringVar(&s.Weight, "weight", "", "per-row weight column (k-means only)")
	fl.BoolVar(&s.Precomputed, "precomputed", false, "the input is a square dissimilarity matrix (k-medoids only)")
	fl.StringVarP(&s.Algorithm, "algo", "a", "minibatch", "minibatch, kmeans, fasterpam, fastpam1, pam, alternating, clara, fastclara, clarans or fastclarans")
	fl.VarP(kFlag{s}, "k", "k", "number of clusters (required): one k, or a range (2..20) or list (2,4,8) to fit every k, score each and keep the one --select picks")
	fl.StringVar(&s.SelectRule, "select", "", "with a range of k: the rule that picks k: max_silhouette (default; ties go to the smaller k), max_medoid_silhouette (k-medoids), max_calinski_harabasz, min_davies_bouldin")
	fl.StringVar(&s.Selection, "selection", "", "with a range of k: write the selection report (every k's loss and indices, JSON) here (default: beside --model, m.json gives m.selection.json; none without --model)")
	fl.StringVar(&s.Init, "init", "", "initialisation: kmeans++, kmeans||, random (k-means; default kmeans++); build, lab, random, kmeans++ (k-medoids; default lab for fasterpam, else build)")
	fl.StringVar(&s.Metric, "metric", "", "dissimilarity for k-medoids: euclidean (default), sqeuclidean, manhattan, cosine; gower for mixed data (numeric columns divided by their range, text and boolean columns equal or not, as R's daisy; text columns become features too); jaccard for 0/1 or boolean columns")
	fl.IntVar(&s.MaxIter, "max-iter", 0, "iteration bound, at least 1: mini-batch steps (default 100 epochs), Lloyd iterations (300), k-medoids swap passes (100); to label data with a model without fitting, use 'shoal assign'")
	fl.IntVar(&s.BatchSize, "batch-size", 0, fmt.Sprintf("mini-batch rows per step (default %d, fixed so the model does not depend on the number of workers)", coordinator.DefaultBatchSize))
	fl.Float64Var(&s.Tol, "tol", 0, "stop when centres move less than this, relative to the data variance (default 1e-4 for kmeans; off for minibatch)")
	fl.Uint64Var(&s.Seed, "seed", 1, "random seed; the same seed gives the same model")
	fl.Var(nInitFlag{&s.NInit}, "n-init", fmt.Sprintf("k-means: fit this many runs from different seedings in the same passes over the data and keep the one of lowest inertia, 1 to %d; auto (the default) is scikit-learn's: 1 with kmeans++ or kmeans||, and with --init random 10 for kmeans, 3 for minibatch", wire.MaxNInit))
	fl.IntVar(&s.Silhouette, "silhouette", 0, "report silhouette and medoid silhouette (k-medoids), computed exactly up to this many rows and on a sample of it beyond; with a range of k, the rows of the silhouette sample (default 2000)")
	fl.IntVar(&s.Samples, "samples", 0, "CLARA/CLARANS: samples to cluster (default 5)")
	fl.IntVar(&s.SampleSize, "sample-size", 0, "CLARA/CLARANS: rows per sample (default 40+2k for clara, 80+4k for clarans, max(80+4k, 2000) for fastclara and fastclarans)")
	fl.IntVar(&s.NumLocal, "numlocal", 0, "CLARANS: restarts per sample (default 2)")
	fl.IntVar(&s.Refine, "refine", 0, "CLARA/CLARANS: after the best sample, refine the medoids on all rows, scoring this many candidate rows per cluster in each pass over the data until no medoid improves (32 is a good start; default 0: off, the medoids are the best sample's, as R's clara gives them)")
	fl.Float64Var(&s.MaxNeighbor, "maxneighbor", 0, "CLARANS: neighbours examined without improvement, a fraction of k(n-k) if below 1 (default max(250, 1.25% of k(n-k)) swaps; FastCLARANS: max(250, 2.5% of n-k) candidates)")
	fl.StringVar(&s.Scale, "scale", "none", "scale each feature before clustering: standard (mean 0, variance 1), minmax (to [0,1]), robust (median 0, interquartile range 1) or none; the statistics go into the model, which 'shoal assign' applies")
	fl.StringVar(&s.JobTimeout, "job-timeout", "", "fail the job if it has not ended this long after it started, e.g. 30m (default no limit)")
	fl.StringVar(&s.Model, "model", "", "write the model JSON here")
	fl.StringVarP(&s.Out, "out", "o", "", "write per-row labels here (.parquet, .arrow, .arrows or .csv), or to a directory (ending in /) as a Parquet dataset that the workers write")
	fl.StringSliceVar(&s.Keep, "keep", nil, "input columns (any type, partition columns too) to copy into the labels beside row, cluster and distance; needs a directory --out")
	markPaths(fl, "in", "input")
	markPaths(fl, "out", "out", "model", "selection")
}

// checkMaxIter refuses --max-iter 0: the spec reads 0 as "the default",
// so the flag would silently run a full fit where the user asked for
// none.
func checkMaxIter(cmd *cobra.Command) error {
	if cmd.Flags().Changed("max-iter") && cmd.Flags().Lookup("max-iter").Value.String() == "0" {
		return usagef("--max-iter must be at least 1 (leave it out for the default); to label data with a saved model without fitting, use 'shoal assign'")
	}
	return nil
}

// readModelCentres reads the centers of a model file for a warm start,
// with the columns they are in: the job matches them to its features by
// name.
func readModelCentres(path string) (centres [][]float64, columns []string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var m wire.Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, nil, fmt.Errorf("%s: not a model file: %w", path, err)
	}
	if len(m.Centers) == 0 {
		return nil, nil, fmt.Errorf("%s: the model has no centers", path)
	}
	if len(m.Columns) == 0 {
		return nil, nil, fmt.Errorf("%s: the model names no columns, so its centers cannot be matched to the features", path)
	}
	return m.Centers, m.Columns, nil
}
