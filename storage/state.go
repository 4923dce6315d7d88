package storage

import (
	"fmt"
	"time"
)

// JobState is where a job stands in its life cycle. The string values are
// stored and shown to users; do not change them.
type JobState string

// Job states. A job starts pending, runs, and ends in exactly one of the
// three terminal states.
const (
	StatePending   JobState = "pending"
	StateRunning   JobState = "running"
	StateSucceeded JobState = "succeeded"
	StateFailed    JobState = "failed"
	StateCancelled JobState = "cancelled"
)

// Terminal reports whether no transition leaves s: a terminal job is kept
// for its history and model but is never resumed.
func (s JobState) Terminal() bool {
	return s == StateSucceeded || s == StateFailed || s == StateCancelled
}

// valid reports whether s is one of the five states.
func (s JobState) valid() bool {
	return s == StatePending || s == StateRunning || s.Terminal()
}

// allowed is the state machine. running→running is absent on purpose: a
// restarted coordinator resumes a running job without a transition, so a
// second "start" is a bug worth an error. pending→succeeded is absent
// because nothing succeeds without running.
var allowed = map[JobState][]JobState{
	StatePending: {StateRunning, StateFailed, StateCancelled},
	StateRunning: {StateSucceeded, StateFailed, StateCancelled},
}

// canTransition reports whether the state machine allows from→to.
func canTransition(from, to JobState) bool {
	for _, t := range allowed[from] {
		if t == to {
			return true
		}
	}
	return false
}

// checkTransition returns ErrBadTransition, naming both states, unless the
// state machine allows from→to.
func checkTransition(id string, from, to JobState) error {
	switch {
	case !to.valid():
		return fmt.Errorf("%w: job %q: unknown state %q", ErrBadTransition, id, to)
	case from.Terminal():
		return fmt.Errorf("%w: job %q: %s → %s: %s is terminal", ErrBadTransition, id, from, to, from)
	case !canTransition(from, to):
		return fmt.Errorf("%w: job %q: %s → %s", ErrBadTransition, id, from, to)
	}
	return nil
}

// Transition is one entry of a job's history.
type Transition struct {
	From   JobState  `json:"from"`
	To     JobState  `json:"to"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}
