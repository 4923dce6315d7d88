package coordinator

import "errors"

var (
	// ErrInput is returned when a job cannot run on its input: k larger
	// than the number of rows, a precomputed matrix that is not square.
	ErrInput = errors.New("coordinator: invalid input")

	// ErrTaskFailed is returned when a worker reports a task failure that
	// a retry cannot fix, or a task exhausts its deliveries. The message
	// carries the worker's reason.
	ErrTaskFailed = errors.New("coordinator: task failed")

	// ErrCancelled is returned when a job is cancelled.
	ErrCancelled = errors.New("coordinator: job cancelled")

	// ErrPath is returned when a job names a path it may not use:
	// outside the service's allowed roots, relative, inside the data
	// directory, or an output that would overwrite an input or another
	// output. The service answers it as 403.
	ErrPath = errors.New("coordinator: path refused")

	// ErrOutput is returned when an output cannot be created: its
	// directory is missing or not writable. It is found before the fit.
	ErrOutput = errors.New("coordinator: output")
)
