package main

import (
	"errors"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/shoal-io/shoal/internal/pathguard"
	"github.com/shoal-io/shoal/internal/wire"
)

// pathRole is the flag annotation that says a flag names a file the
// command reads ("in"), writes ("out"), or a directory of its own state
// that no output may land in ("state").
const pathRole = "shoal_path_role"

// markPaths annotates flags by role; each also completes file names in
// shells.
func markPaths(fl *pflag.FlagSet, role string, names ...string) {
	for _, name := range names {
		_ = fl.SetAnnotation(name, pathRole, []string{role})
		_ = fl.SetAnnotation(name, cobra.BashCompFilenameExt, nil)
	}
}

// commandPaths collects the paths the set flags of cmd name, by role. A
// `FILE:COLUMN` value (eval --truth) counts as its file.
func commandPaths(cmd *cobra.Command) (job pathguard.Job, state []string) {
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		roles := f.Annotations[pathRole]
		if len(roles) == 0 || !f.Changed {
			return
		}
		var values []string
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			values = sv.GetSlice()
		} else {
			values = []string{f.Value.String()}
		}
		for _, v := range values {
			if v == "" {
				continue
			}
			if f.Name == "truth" {
				if i := strings.LastIndexByte(v, ':'); i > 0 {
					v = v[:i]
				}
			}
			if f.Name == "out" && (cmd.Name() == "run" || cmd.Name() == "submit" || cmd.Name() == "assign") && wire.IsDatasetPath(v) && !strings.HasSuffix(v, string(filepath.Separator)) {
				v += string(filepath.Separator) // a labels dataset: checked as a directory
			}
			if f.Name == "out" && cmd.Name() == "report" && !strings.HasSuffix(v, string(filepath.Separator)) {
				v += string(filepath.Separator) // a report is a directory: no input may be inside it
			}
			file := pathguard.File{Flag: "--" + f.Name, Path: v}
			switch roles[0] {
			case "in":
				job.Inputs = append(job.Inputs, file)
			case "out":
				job.Outputs = append(job.Outputs, file)
			case "state":
				state = append(state, v)
			}
		}
	})
	return job, state
}

// checkPaths refuses a command line whose outputs would overwrite its
// inputs or each other (through .., links or hard links), or land in its
// data directory, before the command does anything.
func checkPaths(cmd *cobra.Command) error {
	job, state := commandPaths(cmd)
	return checkJobPaths(job, state)
}

// checkJobPaths is checkPaths for paths gathered some other way (a job
// spec file).
func checkJobPaths(job pathguard.Job, state []string) error {
	if err := pathguard.Check(job, pathguard.Options{Protected: state}); err != nil {
		if errors.Is(err, pathguard.ErrConflict) || errors.Is(err, pathguard.ErrDenied) || errors.Is(err, pathguard.ErrBadPath) {
			return usageError{err}
		}
		return err
	}
	return nil
}
