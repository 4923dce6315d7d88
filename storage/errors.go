package storage

import "errors"

// Opening the store.
var (
	// ErrLocked is returned by Open when another process (or another Store
	// in this process) holds the file lock for longer than Options.Timeout:
	// two coordinators must never share one data directory.
	ErrLocked = errors.New("storage: database is locked by another process")

	// ErrCorrupt is returned by Open, Check and every read or write when
	// the catalog file is damaged: a page that does not decode, a file
	// cut short, or a fault reading its mapping. The message names the
	// file and says to move it aside or restore a backup.
	ErrCorrupt = errors.New("the job catalog is corrupt")
)

// Reading and writing the catalog.
var (
	// ErrNotFound is returned when a job, a checkpoint or a model does not
	// exist.
	ErrNotFound = errors.New("storage: not found")

	// ErrExists is returned by CreateJob when the id is already taken.
	ErrExists = errors.New("storage: already exists")

	// ErrInvalid is returned when an argument cannot be stored: an empty or
	// over-long id or name, an id that is not UTF-8, a spec or progress that
	// is not valid JSON, a negative sequence number, round or task, or an
	// unknown state asked of JobsInState.
	ErrInvalid = errors.New("storage: invalid argument")
)

// State machine.
var (
	// ErrBadTransition is returned by Transition when the job's state
	// machine does not allow moving from its current state to the requested
	// one (terminal states allow nothing), or the requested state is
	// unknown.
	ErrBadTransition = errors.New("storage: bad state transition")

	// ErrJobState is returned by PutCheckpointIn when the job is not in one
	// of the states the caller required, so a late result of a cancelled or
	// failed job cannot write over its last checkpoint.
	ErrJobState = errors.New("storage: job is not in the required state")
)

// Checkpoints.
var (
	// ErrStaleCheckpoint is returned by PutCheckpoint when the stored
	// checkpoint of that job and name already has a higher sequence number:
	// a slow or redelivered round must not roll a job back.
	ErrStaleCheckpoint = errors.New("storage: stale checkpoint")
)
