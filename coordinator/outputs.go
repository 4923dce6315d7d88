package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/shoal-io/shoal/internal/atomicfile"
	"github.com/shoal-io/shoal/internal/blobfs"
	"github.com/shoal-io/shoal/internal/pathguard"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// jobFiles lists the paths a spec names, with the flags that name them.
func jobFiles(spec *wire.JobSpec) pathguard.Job {
	var job pathguard.Job
	for _, in := range spec.Inputs {
		job.Inputs = append(job.Inputs, pathguard.File{Flag: "--input", Path: in})
	}
	if spec.Out != "" {
		out := spec.Out
		if spec.OutDataset() && !strings.HasSuffix(out, string(filepath.Separator)) {
			out += string(filepath.Separator) // a directory: see pathguard.File
		}
		job.Outputs = append(job.Outputs, pathguard.File{Flag: "--out", Path: out})
	}
	if spec.Model != "" {
		job.Outputs = append(job.Outputs, pathguard.File{Flag: "--model", Path: spec.Model})
	}
	if spec.IsSweep() && spec.Selection != "" {
		job.Outputs = append(job.Outputs, pathguard.File{Flag: "--selection", Path: spec.Selection})
	}
	return job
}

// checkPaths refuses a job whose paths break the rules of c.opts.Paths,
// before any file is opened, and returns the input files to scan. The
// paths are checked as given, then every file that the inputs expand to
// (directories walked, links followed, globs matched, partitions that
// spec.Where leaves out not entered), so a link inside an allowed
// directory cannot lead a job to a file outside it, and an output cannot
// replace a file that an input directory reaches through a link.
func (c *Coordinator) checkPaths(spec *wire.JobSpec) ([]partition.Input, error) {
	job := jobFiles(spec)
	// A glob is checked through its fixed part, and then every file it
	// matched, like a directory's.
	for i, in := range job.Inputs {
		job.Inputs[i].Path = partition.GlobRoot(in.Path)
	}
	if err := pathguard.Check(job, c.opts.Paths); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPath, err)
	}
	files, err := partition.ExpandPaths(spec.Inputs, spec.Where)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		job.Inputs = append(job.Inputs, pathguard.File{Flag: "--input", Path: f.Path})
	}
	if err := pathguard.Check(job, c.opts.Paths); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPath, err)
	}
	return files, nil
}

// outputs are a job's labels and model files, written under temporary
// names from the start of the job and committed together at its end.
type outputs struct {
	labels  partition.LabelsWriter // nil without spec.Out, or with a dataset
	dataset *datasetOut            // set when spec.Out is a directory
	model   *atomicfile.File       // nil without spec.Model
	// selection is a k sweep's selection report (spec.Selection), nil
	// for other jobs; commit writes the model's Selection into it.
	selection *atomicfile.File
	// scratch holds the local copies of outputs that are objects, which
	// commit uploads; puts are those uploads.
	scratch string
	puts    []blobfs.Put
}

// local is where an output is written: final itself, or for an object a
// file in the scratch directory that commit uploads.
func (o *outputs) local(final, name string) (string, error) {
	if !blobfs.IsURL(final) {
		return final, nil
	}
	if _, err := blobfs.Parse(final); err != nil {
		return "", err
	}
	if o.scratch == "" {
		dir, err := atomicfile.MkdirTemp("", "shoal-out-")
		if err != nil {
			return "", fmt.Errorf("scratch directory for %s: %w", final, err)
		}
		o.scratch = dir
	}
	p := filepath.Join(o.scratch, name+"-"+blobfs.Base(final))
	o.puts = append(o.puts, blobfs.Put{Local: p, Object: final})
	return p, nil
}

// openOutputs creates the job's output files under temporary names (a
// labels dataset: its staging directory for job id). It fails, naming
// the path, when a directory cannot be written.
func openOutputs(id string, spec *wire.JobSpec) (_ *outputs, err error) {
	o := &outputs{}
	defer func() {
		if err != nil {
			o.abort()
		}
	}()
	switch {
	case spec.OutDataset():
		if o.dataset, err = openDataset(spec.Out, id, spec.Keep); err != nil {
			return nil, err
		}
	case spec.Out != "":
		path, err := o.local(spec.Out, "labels")
		if err != nil {
			return nil, fmt.Errorf("%w: --out: %w", ErrOutput, err)
		}
		if o.labels, err = partition.CreateLabels(path); err != nil {
			return nil, fmt.Errorf("%w: --out: %w", ErrOutput, err)
		}
	}
	if spec.Model != "" {
		path, err := o.local(spec.Model, "model")
		if err != nil {
			return nil, fmt.Errorf("%w: --model: %w", ErrOutput, err)
		}
		if o.model, err = atomicfile.Create(path); err != nil {
			return nil, fmt.Errorf("%w: --model: %w", ErrOutput, err)
		}
	}
	if spec.IsSweep() && spec.Selection != "" {
		path, err := o.local(spec.Selection, "selection")
		if err != nil {
			return nil, fmt.Errorf("%w: --selection: %w", ErrOutput, err)
		}
		if o.selection, err = atomicfile.Create(path); err != nil {
			return nil, fmt.Errorf("%w: --selection: %w", ErrOutput, err)
		}
	}
	return o, nil
}

// commit writes the model and moves both files into place together: the
// earlier labels and model stay as they were unless both are replaced. A
// labels dataset is committed first, then the model file.
func (o *outputs) commit(m *wire.Model) error {
	var files []*atomicfile.File
	abort := func() {
		for _, f := range files {
			f.Abort()
		}
		o.model.Abort()
		o.selection.Abort()
	}
	if o.labels != nil {
		f, err := o.labels.Finish()
		if err != nil {
			o.model.Abort()
			return err
		}
		files = append(files, f)
	}
	if o.model != nil {
		// Written and synced before anything is replaced: after the
		// dataset's commit only the model's rename can still fail.
		b, err := encodeModel(m)
		if err == nil {
			_, err = o.model.Write(b)
		}
		if err == nil {
			err = o.model.Sync()
		}
		if err != nil {
			abort()
			return fmt.Errorf("coordinator: writing model %s: %w", o.model.Final(), err)
		}
		files = append(files, o.model)
	}
	if o.selection != nil {
		if err := o.writeSelection(m); err != nil {
			abort()
			return err
		}
		files = append(files, o.selection)
	}
	if o.dataset != nil {
		if err := o.dataset.commit(m); err != nil {
			abort()
			return err
		}
	}
	if len(files) == 0 {
		return nil
	}
	if len(o.puts) == 0 {
		if err := atomicfile.Commit(files...); err != nil {
			return fmt.Errorf("coordinator: %w", err)
		}
		return nil
	}
	// Files bound for object storage are committed in the scratch
	// directory and uploaded; the local ones are renamed into place only
	// once every upload succeeded, and a failed rename puts the earlier
	// objects back.
	var scratch, local []*atomicfile.File
	for _, f := range files {
		if o.scratch != "" && filepath.Dir(f.Final()) == o.scratch {
			scratch = append(scratch, f)
		} else {
			local = append(local, f)
		}
	}
	if err := atomicfile.Commit(scratch...); err != nil {
		for _, f := range local {
			f.Abort()
		}
		return fmt.Errorf("coordinator: %w", err)
	}
	puts, err := blobfs.PutAll(context.Background(), o.puts)
	if err != nil {
		for _, f := range local {
			f.Abort()
		}
		return fmt.Errorf("%w: %w", ErrOutput, err)
	}
	if len(local) > 0 {
		if err := atomicfile.Commit(local...); err != nil {
			if uerr := puts.Undo(); uerr != nil {
				err = fmt.Errorf("%w; putting the earlier objects back also failed: %w", err, uerr)
			}
			return fmt.Errorf("coordinator: %w", err)
		}
	}
	puts.Done()
	o.removeScratch()
	return nil
}

func (o *outputs) removeScratch() {
	if o.scratch != "" {
		_ = os.RemoveAll(o.scratch)
		o.scratch = ""
	}
}

// probeOutputs checks that the spec's outputs can be created, leaving
// nothing behind: what a service answers a submission with, rather than
// failing the job later.
func probeOutputs(spec *wire.JobSpec) error {
	if spec.OutDataset() {
		if err := probeDataset(spec.Out); err != nil {
			return err
		}
		probe := *spec
		probe.Out = ""
		spec = &probe
	}
	for _, p := range []struct{ flag, path string }{{"--out", spec.Out}, {"--model", spec.Model}, {"--selection", spec.Selection}} {
		if blobfs.IsURL(p.path) {
			if err := probeObject(p.path); err != nil {
				return fmt.Errorf("%w: %s: %w", ErrOutput, p.flag, err)
			}
		}
	}
	o, err := openOutputs("", spec)
	o.abort()
	return err
}

// probeObject checks that an object can be written beside the object
// p, and removes what it wrote.
func probeObject(p string) error { return blobfs.Probe(context.Background(), p) }

// abort removes whatever was not committed. It is safe after commit.
func (o *outputs) abort() {
	if o == nil {
		return
	}
	if o.labels != nil {
		o.labels.Abort()
	}
	o.dataset.abort()
	o.model.Abort()
	o.selection.Abort()
	o.removeScratch()
}

// writeSelection writes and syncs the selection report of m, checked
// first: a report whose chosen k its own rule does not pick is a bug,
// not a file to leave behind.
func (o *outputs) writeSelection(m *wire.Model) error {
	if m.Selection == nil {
		return fmt.Errorf("coordinator: a k sweep ended without a selection report")
	}
	sel := m.Selection.Selection
	if err := sel.Validate(); err != nil {
		return fmt.Errorf("coordinator: selection report: %w", err)
	}
	b, err := json.MarshalIndent(&sel, "", "  ")
	if err == nil {
		_, err = o.selection.Write(append(b, '\n'))
	}
	if err == nil {
		err = o.selection.Sync()
	}
	if err != nil {
		return fmt.Errorf("coordinator: writing selection report %s: %w", o.selection.Final(), err)
	}
	return nil
}
