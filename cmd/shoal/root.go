package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/shoal-io/shoal/internal/atomicfile"
	"github.com/shoal-io/shoal/internal/blobfs"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the job or command failed
	exitUsage = 2 // bad flags or arguments
)

// usageError marks errors that are the command line's fault.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// execute runs the CLI with args and returns the exit code. It is what
// tests call.
func execute(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCommand(stdout, stderr)
	root.SetArgs(args)
	var stopProfile func() error
	// Cobra checks flags, arguments and the command name before the
	// pre-run hook: an error before it is the command line's fault.
	started := false
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		started = true
		endpoint, _ := cmd.Flags().GetString("s3-endpoint")
		if err := blobfs.SetS3Endpoint(endpoint); err != nil {
			return usageError{err}
		}
		if err := checkPaths(cmd); err != nil {
			return err
		}
		path, _ := cmd.Flags().GetString("cpu-profile")
		var err error
		stopProfile, err = startCPUProfile(path)
		return err
	}
	err := root.ExecuteContext(ctx)
	if stopProfile != nil {
		err = errors.Join(err, stopProfile())
	}
	if err == nil {
		return exitOK
	}
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintf(stderr, "shoal: %s\n", msg)
	var ue usageError
	if errors.As(err, &ue) || !started {
		return exitUsage
	}
	return exitError
}

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "shoal",
		Short: "Distributed k-medoids and k-means over NATS",
		Long: `shoal clusters Arrow IPC, Parquet and CSV data with k-medoids (PAM, FastPAM1,
FasterPAM, Alternating, CLARA, CLARANS and their fast variants) and k-means
(Lloyd, mini-batch). A coordinator cuts the data into shards, workers read and
process them, and tasks and results travel over NATS JetStream.

'shoal run' starts everything in one process: try 'shoal run --demo'. For a
cluster, run 'shoal coordinator' and 'shoal worker' against a NATS server and
send jobs with 'shoal submit'. Exit codes: 0 success, 1 the job or command
failed, 2 bad flags or arguments.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetVersionTemplate("shoal {{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentFlags().String("log-level", "warn", "log level: debug, info, warn or error")
	root.PersistentFlags().String("log-format", "text", "log format: text or json")
	root.PersistentFlags().String("cpu-profile", "", "write a Go CPU profile of the command to this file (read it with 'go tool pprof')")
	markPaths(root.PersistentFlags(), "out", "cpu-profile")
	root.PersistentFlags().String("s3-endpoint", "", "S3-compatible store for s3:// paths, as http(s)://host:port, with path-style addressing (MinIO, Ceph, versitygw); default AWS_ENDPOINT_URL, else AWS. Credentials and region come from the standard AWS environment and config files")
	root.AddCommand(
		newRunCommand(stdout, stderr),
		newAssignCommand(stdout, stderr),
		newGenCommand(stdout),
		newEvalCommand(stdout),
		newWorkerCommand(stderr),
		newCoordinatorCommand(stderr),
		newSubmitCommand(stdout, stderr),
		newJobsCommand(stdout),
		newStatusCommand(stdout),
		newCancelCommand(stdout),
		newResultCommand(stdout),
		newBenchCommand(stdout),
		newReportCommand(stdout),
	)
	return root
}

// startCPUProfile starts profiling into path ("" does nothing) and
// returns what stops it and moves the profile into place. The profile is
// written under a temporary name, so a run that dies leaves no half
// profile, and an earlier profile stays until the new one is whole.
func startCPUProfile(path string) (func() error, error) {
	if path == "" {
		return nil, nil
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, usagef("--cpu-profile: %v", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Abort()
		return nil, fmt.Errorf("--cpu-profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := atomicfile.Commit(f); err != nil {
			return fmt.Errorf("--cpu-profile: %w", err)
		}
		return nil
	}, nil
}

// newLogger builds the structured logger the persistent flags ask for.
func newLogger(cmd *cobra.Command, w io.Writer) (*slog.Logger, error) {
	levelName, _ := cmd.Flags().GetString("log-level")
	format, _ := cmd.Flags().GetString("log-format")
	var level slog.Level
	if err := level.UnmarshalText([]byte(levelName)); err != nil {
		return nil, usagef("--log-level: %v", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("--log-format must be text or json, got %q", format)
}
