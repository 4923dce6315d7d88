package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/blobfs"
	"github.com/shoal-io/shoal/internal/wire"
)

func newAssignCommand(stdout, stderr io.Writer) *cobra.Command {
	f := &runFlags{}
	var modelPath string
	cmd := &cobra.Command{
		Use:   "assign --model MODEL --input DATA --out LABELS [flags]",
		Short: "Label new rows with the nearest centre or medoid of a saved model",
		Long: `Label the rows of --input with the nearest centre (k-means) or medoid
(k-medoids) of a model that 'shoal run --model' wrote, without fitting: the
workers run the same label pass that ends a fit, so the labels of the training
data equal those of the fit.

The model's columns are found in the data by name, in any order; a model
whose columns are missing from the data, or are not numeric there, is refused,
and so is a model without centres (k-medoids of a --precomputed matrix). The
distance is the model's metric.

--out writes labels (row, cluster, distance) in input row order as Parquet,
Arrow or CSV by extension, or a Parquet dataset when it is a directory (ending
in /), which may also --keep input columns. The stack is that of 'shoal run':
an embedded NATS server and --workers workers, or --nats URL to join a
cluster. For a 'shoal coordinator' service use 'shoal submit --assign MODEL'.`,
		Example: `  shoal run --input train.parquet --exclude label --k 10 --model model.json
  shoal assign --model model.json --input new.parquet --out labels.parquet
  shoal assign --model model.json --input lake/ --where day=2026-12-04 --keep id --out labels/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("workers") && f.nats.url != "" {
				f.workers = 0
			}
			return assignJob(cmd, f, modelPath, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	registerDataFlags(fl, &f.spec)
	fl.StringVar(&modelPath, "model", "", "the model file to assign with (required), as written by 'shoal run --model'")
	fl.StringVarP(&f.spec.Out, "out", "o", "", "write per-row labels here (.parquet, .arrow, .arrows or .csv), or to a directory (ending in /) as a Parquet dataset that the workers write (required)")
	fl.StringSliceVar(&f.spec.Keep, "keep", nil, "input columns (any type, partition columns too) to copy into the labels beside row, cluster and distance; needs a directory --out")
	fl.StringVar(&f.spec.JobTimeout, "job-timeout", "", "fail the job if it has not ended this long after it started, e.g. 30m (default no limit)")
	fl.IntVar(&f.workers, "workers", runtime.NumCPU(), "workers to start in this process")
	fl.StringVar(&f.dataDir, "data-dir", "", "directory for the embedded JetStream store and job catalog (default: a temporary directory)")
	f.nats.register(fl)
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bar")
	fl.BoolVar(&f.json, "json", false, "print the summary as one JSON document on stdout (progress and notes stay on stderr)")
	fl.IntVar(&f.replicas, "replicas", 1, "with --nats on a JetStream cluster: servers that keep each stream and object store")
	fl.Var(&f.memory, "memory", memoryFlagUsage)
	markPaths(fl, "in", "input", "model")
	markPaths(fl, "out", "out")
	markPaths(fl, "state", "data-dir")
	return cmd
}

// registerDataFlags defines the flags that say how to read a job's
// inputs, shared by run, submit and assign.
func registerDataFlags(fl *pflag.FlagSet, s *wire.JobSpec) {
	fl.StringSliceVarP(&s.Inputs, "input", "i", nil, "input file, directory or quoted glob (repeat or separate with commas); key=value directories below it are partition columns")
	fl.Var(whereFlag{&s.Where}, "where", "read only the files under key=value directories with this value; repeat for more keys (AND), key=v1,v2 for several values (IN)")
	fl.StringVar(&s.Nulls, "nulls", "error", "rows with null, NaN or Inf features: error or drop")
	fl.BoolVar(&s.NoHeader, "no-header", false, "CSV files have no header line; their columns are named c0, c1, ... in file order")
	fl.StringVar(&s.Delimiter, "delimiter", "", `CSV field delimiter, one character (default ","; a tab is \t or tab)`)
	fl.BoolVar(&s.Stage, "stage", false, "copy the input files into the NATS object store for the job, for workers that cannot read them under the same paths")
	fl.IntVar(&s.ShardRows, "shard-rows", 0, "target rows per shard (default 65536)")
}

// readAssignment reads the model file (a local path or an object URL)
// that an assignment labels with.
func readAssignment(cmd *cobra.Command, path string) (*wire.Assignment, error) {
	b, err := blobfs.ReadFile(cmd.Context(), path)
	if err != nil {
		return nil, usagef("--model: %v", err)
	}
	a, err := wire.ReadAssignment(path, b)
	if err != nil {
		return nil, usageError{err}
	}
	return a, nil
}

func assignJob(cmd *cobra.Command, f *runFlags, modelPath string, stdout, stderr io.Writer) error {
	switch {
	case modelPath == "":
		return usagef("--model is required: the model file to assign with")
	case len(f.spec.Inputs) == 0:
		return usagef("--input is required")
	case f.spec.Out == "":
		return usagef("--out is required: where to write the labels")
	case f.workers < 0:
		return usagef("--workers must not be negative")
	case f.replicas < 1 || f.replicas > 5:
		return usagef("--replicas must be 1 to 5 (JetStream's limit)")
	case f.nats.url == "" && f.replicas > 1:
		return usagef("--replicas needs --nats and a JetStream cluster: the embedded server is one server")
	case f.nats.url == "" && f.workers == 0:
		return usagef("--workers 0 needs --nats: an embedded server has no other workers")
	}
	log, err := newLogger(cmd, stderr)
	if err != nil {
		return err
	}
	spec := f.spec
	if spec.Assign, err = readAssignment(cmd, modelPath); err != nil {
		return err
	}
	if err := spec.Normalize(); err != nil {
		return usageError{err}
	}
	st, err := startStack(cmd.Context(), f, spec.Inputs, log)
	if err != nil {
		return err
	}
	defer st.close()
	bar := newProgress(stderr, f.quiet)
	id := coordinator.NewJobID()
	model, err := st.coord.Run(cmd.Context(), id, &spec, bar.update)
	bar.finish()
	if err != nil {
		return jobError(err)
	}
	if f.json {
		return printJSONSummary(stdout, id, &spec, model)
	}
	printAssignSummary(stdout, id, modelPath, &spec, model)
	return nil
}

// printAssignSummary writes the summary of a finished assignment: what
// was labelled with which model, and the loss of the new rows.
func printAssignSummary(w io.Writer, id, modelPath string, spec *wire.JobSpec, m *wire.Model) {
	fmt.Fprintf(w, "job %s: assigned %d rows × %d features to the k=%d %s centres of %s, %.2fs\n",
		id, m.N, len(m.Columns), m.K, m.Algorithm, modelPath, m.Seconds)
	if m.RowsDropped > 0 || spec.Nulls == "drop" {
		fmt.Fprintf(w, "  rows   %d labelled, %d dropped for a null, NaN, Inf or unparsable value\n", m.N, m.RowsDropped)
	}
	fmt.Fprintf(w, "  total deviation %.6g", m.TotalDeviation)
	if m.Inertia != nil {
		fmt.Fprintf(w, "   inertia %.6g", *m.Inertia)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  cluster sizes %v\n", m.ClusterSizes)
	fmt.Fprintf(w, "  labels %s\n", spec.Out)
}
