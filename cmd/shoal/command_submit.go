package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-io/shoal/coordinator"
	"github.com/shoal-io/shoal/internal/blobfs"
	"github.com/shoal-io/shoal/internal/pathguard"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/storage"
)

// apiTimeout bounds one API request.
const apiTimeout = 10 * time.Second

// pollInterval is how often `submit --wait` asks for progress.
const pollInterval = 250 * time.Millisecond

func newSubmitCommand(stdout, stderr io.Writer) *cobra.Command {
	f := &runFlags{}
	var (
		specFile   string
		assignPath string
		wait       bool
	)
	cmd := &cobra.Command{
		Use:   "submit --nats URL (--input FILE --k K [flags] | --spec job.json)",
		Short: "Submit a job to a coordinator service",
		Long: `Submit a job to a running 'shoal coordinator'. The job takes the same flags as
'shoal run', or a JSON job spec file (--spec) with the same fields as the model
of a job (inputs, k, algorithm, ...; unknown fields are errors). Relative paths
are made absolute here; the coordinator and workers must see them under those
names.

Without --wait it prints the job id and returns. With --wait it shows progress,
keeps waiting through a coordinator restart, writes --model when the job
ends, and exits 0 only if the job succeeded.

With --assign MODEL the job labels --input with the model's centres and fits
nothing, like 'shoal assign' (in a spec file: "assign": {"model": "m.json"}).`,
		Example: `  shoal submit --nats nats://127.0.0.1:4222 --input data/ --k 10 --algo fastclara --wait --model m.json
  shoal submit --nats nats://127.0.0.1:4222 --spec job.json
  shoal submit --nats nats://127.0.0.1:4222 --assign m.json --input new/ --out labels/ --wait`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkMaxIter(cmd); err != nil {
				return err
			}
			spec := &f.spec
			if specFile != "" {
				b, err := os.ReadFile(specFile)
				if err != nil {
					return err
				}
				if spec, err = wire.DecodeJobSpec(b); err != nil {
					return fmt.Errorf("%s: %w", specFile, err)
				}
			}
			if assignPath != "" {
				if specFile != "" {
					return usagef("--assign and --spec both describe the job; in a spec file give \"assign\": {\"model\": %q}", assignPath)
				}
				if !cmd.Flags().Changed("algo") {
					spec.Algorithm = "" // the model's
				}
				spec.Assign = &wire.Assignment{Model: assignPath}
			}
			if spec.Assign != nil && len(spec.Assign.Centers) == 0 && spec.Assign.Model != "" {
				// The model is read here, and its centres travel in the
				// job: the coordinator need not see the file.
				a, err := readAssignment(cmd, spec.Assign.Model)
				if err != nil {
					return err
				}
				spec.Assign = a
			}
			if spec.Assign != nil && spec.Model != "" {
				return usagef("--model writes a fitted model, and an assignment (--assign) fits none; the labels go to --out")
			}
			modelPath := spec.Model
			if len(spec.KRange) > 0 && spec.Selection == "" {
				// The coordinator writes a sweep's selection report, as it
				// writes --out; by default beside the model written here.
				spec.Selection = wire.SelectionPath(modelPath)
			}
			if spec.Selection != "" {
				spec.Selection = absPath(spec.Selection)
			}
			spec.Model = "" // written here, from the result
			for i, in := range spec.Inputs {
				spec.Inputs[i] = absPath(in)
			}
			if spec.Out != "" {
				spec.Out = absOut(spec.Out, spec.OutDataset())
			}
			if err := spec.Normalize(); err != nil {
				return usageError{err}
			}
			// The flags were checked before this ran; a spec file's paths
			// are checked here, with the model this command writes.
			var files pathguard.Job
			flags, _ := commandPaths(cmd)
			for _, f := range flags.Inputs {
				if f.Flag == "--spec" {
					files.Inputs = append(files.Inputs, f)
				}
			}
			for _, f := range flags.Outputs {
				if f.Flag == "--cpu-profile" {
					files.Outputs = append(files.Outputs, f)
				}
			}
			for _, in := range spec.Inputs {
				files.Inputs = append(files.Inputs, pathguard.File{Flag: "--input", Path: in})
			}
			if spec.Assign != nil && assignPath == "" && spec.Assign.Model != "" {
				files.Inputs = append(files.Inputs, pathguard.File{Flag: "--assign", Path: spec.Assign.Model})
			}
			if spec.Out != "" {
				files.Outputs = append(files.Outputs, pathguard.File{Flag: "--out", Path: spec.Out})
			}
			if modelPath != "" {
				files.Outputs = append(files.Outputs, pathguard.File{Flag: "--model", Path: modelPath})
			}
			if spec.Selection != "" {
				files.Outputs = append(files.Outputs, pathguard.File{Flag: "--selection", Path: spec.Selection})
			}
			if err := checkJobPaths(files, nil); err != nil {
				return err
			}
			if modelPath != "" {
				if err := blobfs.Probe(cmd.Context(), modelPath); err != nil {
					return usagef("--model: %v", err)
				}
			}
			nc, err := f.nats.connect("shoal-submit")
			if err != nil {
				return err
			}
			defer nc.Close()
			client := coordinator.NewClient(nc)
			ctx := cmd.Context()
			rctx, cancel := context.WithTimeout(ctx, apiTimeout)
			id, err := client.Submit(rctx, spec)
			cancel()
			if coordinator.IsRefused(err) {
				var ae *coordinator.APIError
				errors.As(err, &ae)
				return usageError{fmt.Errorf("the coordinator refused the job (%s): %w", ae.Code, err)}
			}
			if err != nil {
				return err
			}
			switch {
			case f.json && !wait:
				return writeJSON(stdout, struct {
					JobID string `json:"job_id"`
				}{id})
			case f.json:
				fmt.Fprintf(stderr, "submitted job %s\n", id) // stdout holds the summary alone
			default:
				fmt.Fprintln(stdout, id)
			}
			if !wait {
				return nil
			}
			return waitForJob(ctx, client, id, modelPath, f.quiet, f.json, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	registerJobFlags(fl, &f.spec)
	f.nats.register(fl)
	fl.StringVar(&specFile, "spec", "", "JSON job spec file instead of job flags")
	fl.StringVar(&assignPath, "assign", "", "label --input with the centres of this model file instead of fitting (see 'shoal assign'); the model fixes the algorithm, k, metric and columns")
	markPaths(fl, "in", "spec", "assign")
	fl.BoolVar(&wait, "wait", false, "wait for the job, show progress, write --model, exit with its status")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bar")
	fl.BoolVar(&f.json, "json", false, `print one JSON document on stdout: {"job_id": ...}, or with --wait the job summary; notes go to stderr`)
	return cmd
}

// absOut is absPath for --out: a dataset keeps the one trailing separator
// that tells the coordinator it is a directory or prefix.
func absOut(out string, dataset bool) string {
	p := absPath(out)
	if dataset && !strings.HasSuffix(p, "/") && !strings.HasSuffix(p, string(filepath.Separator)) {
		p += string(filepath.Separator)
	}
	return p
}

// absPath makes a local path absolute for a service that resolves none
// of its own; object URLs go as they are.
func absPath(p string) string {
	if blobfs.IsURL(p) {
		return p
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// waitForJob polls the job until it ends, riding out a coordinator that is
// restarting, and writes the model when it succeeds. With jsonOut the
// summary is the only thing on stdout; notes go to stderr.
func waitForJob(ctx context.Context, client *coordinator.Client, id, modelPath string, quiet, jsonOut bool, stdout, stderr io.Writer) error {
	notes := stdout
	if jsonOut {
		notes = stderr
	}
	bar := newProgress(stderr, quiet)
	defer bar.finish()
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	waiting := ""
	for {
		rctx, cancel := context.WithTimeout(ctx, apiTimeout)
		st, err := client.Status(rctx, id)
		cancel()
		if err == nil && st.Progress != nil && st.Progress.Waiting != waiting {
			// Said once, when it starts: a job with no worker to take its
			// tasks would otherwise look like a slow one.
			if waiting = st.Progress.Waiting; waiting != "" {
				fmt.Fprintf(notes, "job %s is %s\n", id, waiting)
			}
		}
		switch {
		case err == nil && st.State.Terminal():
			bar.finish()
			return finishWait(ctx, client, st, modelPath, jsonOut, stdout)
		case err == nil && st.Progress != nil:
			bar.update(*st.Progress)
		case err != nil && coordinator.IsNotFound(err):
			return err
		case err != nil && ctx.Err() == nil:
			// The coordinator may be restarting: keep waiting.
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped waiting for job %s (it goes on): %w", id, ctx.Err())
		case <-ticker.C:
		}
	}
}

func finishWait(ctx context.Context, client *coordinator.Client, st *coordinator.JobStatus, modelPath string, jsonOut bool, stdout io.Writer) error {
	if st.State != storage.StateSucceeded {
		return fmt.Errorf("job %s %s: %s", st.ID, st.State, st.Reason)
	}
	rctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	model, raw, err := client.Result(rctx, st.ID)
	if err != nil {
		return err
	}
	if modelPath != "" {
		if err := blobfs.WriteFile(ctx, modelPath, raw); err != nil {
			return err
		}
	}
	spec := wire.JobSpec{Model: modelPath}
	if st.Spec != nil {
		spec.Out = st.Spec.Out
	}
	if jsonOut {
		return printJSONSummary(stdout, st.ID, &spec, model)
	}
	printSummary(stdout, st.ID, &spec, model)
	return nil
}

func newJobsCommand(stdout io.Writer) *cobra.Command {
	var (
		nf      natsFlags
		jsonOut bool
	)
	cmd := &cobra.Command{
		Use:   "jobs --nats URL",
		Short: "List the jobs a coordinator service knows",
		Args:  cobra.NoArgs,
		RunE: withClient(&nf, func(ctx context.Context, client *coordinator.Client, _ []string) error {
			jobs, err := client.List(ctx)
			if err != nil {
				return err
			}
			if jsonOut {
				if jobs == nil {
					jobs = []coordinator.JobStatus{} // [] rather than null
				}
				return writeJSON(stdout, jobs)
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATE\tCREATED\tPHASE\tREASON")
			for _, j := range jobs {
				phase := ""
				if j.Progress != nil {
					phase = j.Progress.Phase
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", j.ID, j.State, j.Created.Format(time.RFC3339), phase, j.Reason)
			}
			return tw.Flush()
		}),
	}
	nf.register(cmd.Flags())
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the jobs as one JSON array (id, state, reason, created, updated, progress)")
	return cmd
}

func newStatusCommand(stdout io.Writer) *cobra.Command {
	var (
		nf natsFlags
		// status always prints JSON; the flag is accepted so that every
		// command a script calls takes --json.
		jsonOut bool
	)
	cmd := &cobra.Command{
		Use:   "status --nats URL ID",
		Short: "Show a job's state and progress as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: withClient(&nf, func(ctx context.Context, client *coordinator.Client, args []string) error {
			st, err := client.Status(ctx, args[0])
			if err != nil {
				return err
			}
			return writeJSON(stdout, st)
		}),
	}
	nf.register(cmd.Flags())
	cmd.Flags().BoolVar(&jsonOut, "json", true, "print the state and progress as one JSON document (the default; accepted so scripts can pass --json to every command)")
	return cmd
}

func newCancelCommand(stdout io.Writer) *cobra.Command {
	var nf natsFlags
	cmd := &cobra.Command{
		Use:   "cancel --nats URL ID",
		Short: "Cancel a job",
		Args:  cobra.ExactArgs(1),
		RunE: withClient(&nf, func(ctx context.Context, client *coordinator.Client, args []string) error {
			if err := client.Cancel(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "cancelled %s\n", args[0])
			return nil
		}),
	}
	nf.register(cmd.Flags())
	return cmd
}

func newResultCommand(stdout io.Writer) *cobra.Command {
	var (
		nf  natsFlags
		out string
	)
	cmd := &cobra.Command{
		Use:   "result --nats URL ID [--model FILE]",
		Short: "Print or save a finished job's model",
		Args:  cobra.ExactArgs(1),
		RunE: withClient(&nf, func(ctx context.Context, client *coordinator.Client, args []string) error {
			_, raw, err := client.Result(ctx, args[0])
			if err != nil {
				return err
			}
			if out != "" {
				return blobfs.WriteFile(context.WithoutCancel(ctx), out, raw)
			}
			_, err = stdout.Write(raw)
			return err
		}),
	}
	nf.register(cmd.Flags())
	cmd.Flags().StringVar(&out, "model", "", "write the model here instead of stdout")
	markPaths(cmd.Flags(), "out", "model")
	return cmd
}

// withClient makes the RunE of a one-request API command: it connects,
// bounds the request by apiTimeout and closes the connection after.
func withClient(nf *natsFlags, call func(ctx context.Context, client *coordinator.Client, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		nc, err := nf.connect("shoal-client")
		if err != nil {
			return err
		}
		defer nc.Close()
		ctx, cancel := context.WithTimeout(cmd.Context(), apiTimeout)
		defer cancel()
		return call(ctx, coordinator.NewClient(nc), args)
	}
}
