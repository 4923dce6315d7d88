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
)
