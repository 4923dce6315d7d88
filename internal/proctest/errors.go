package proctest

import "errors"

var (
	// ErrBuild is returned when the binaries under test do not build.
	ErrBuild = errors.New("proctest: build failed")

	// ErrTimeout is returned when a process does not exit, log a line or
	// become ready before its deadline.
	ErrTimeout = errors.New("proctest: timed out")

	// ErrExited is returned by a wait for a log line when the process
	// exits before writing it.
	ErrExited = errors.New("proctest: process exited")
)
