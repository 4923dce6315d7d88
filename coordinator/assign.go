package coordinator

import (
	"fmt"

	"github.com/shoal-io/shoal/internal/wire"
)

// An assignment job (JobSpec.Assign) is a job whose fit comes from a
// saved model: it scans its inputs for the model's columns, and the label
// pass runs with the model's centres, as it would after a fit. Everything
// else (shards, staging, outputs, --keep, retries, resume) is the label
// pass of any job.

// assignScanError names the model in an error from scanning the inputs
// for its columns: a column the data lacks or holds as text is the
// model's mismatch with the data, and a usage error.
func assignScanError(spec *wire.JobSpec, err error) error {
	if spec.Assign == nil || err == nil {
		return err
	}
	return fmt.Errorf("%w: model %s does not fit the data: %w", wire.ErrJobSpec, spec.Assign.Model, err)
}

// assigned is the fit of an assignment job: the model's centres, in the
// order of the scanned features and shifted like the data the workers
// read (see shift).
func (j *job) assigned() (*fitted, error) {
	centres, err := j.spec.Assign.MatchScaledColumns(j.ds.Columns, j.data.Offsets, j.data.Scales)
	if err != nil {
		return nil, err
	}
	return &fitted{centres: centres, stop: "assigned"}, nil
}
