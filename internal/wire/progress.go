package wire

import (
	"fmt"
	"math"
)

// TaskProgress is what a worker tells the coordinator while a long task
// runs (a k-medoids task that asked for it with Task.Progress): how far
// the task is, published on ProgressSubject(job) as core NATS, at most
// once or twice a second plus once per SWAP pass. It is advice, never
// state: it is not stored, may be lost, and a coordinator drops one that
// does not decode or does not match a task it waits for.
type TaskProgress struct {
	Job    string `json:"job"`
	Round  int64  `json:"round"`
	Task   int    `json:"task"`
	Worker string `json:"worker,omitempty"`
	// Phase is "matrix" (Done of Total rows of the dissimilarity
	// matrix), "build" (Done of Total = k initial medoids chosen) or
	// "swap" (SWAP pass Done is over; Total 0).
	Phase string `json:"phase"`
	Done  int    `json:"done"`
	Total int    `json:"total,omitempty"`
	// Loss is the total deviation after the step, 0 when not known;
	// Swaps the medoid replacements so far.
	Loss  float64 `json:"loss,omitempty"`
	Swaps int     `json:"swaps,omitempty"`
}

// MaxProgressBytes bounds a TaskProgress message: a few hundred bytes
// suffice, and a coordinator reads no more of one.
const MaxProgressBytes = 4 << 10

// progressPhases are the phases a TaskProgress may name.
var progressPhases = map[string]bool{"matrix": true, "build": true, "swap": true}

// EncodeProgress returns the wire form of p.
func EncodeProgress(p *TaskProgress) ([]byte, error) {
	var w frameWriter
	return w.finish(p)
}

// DecodeProgress parses a progress message and checks it: a job, a known
// phase, counts in range and a finite loss. Anything else is ErrDecode.
func DecodeProgress(b []byte) (*TaskProgress, error) {
	if len(b) > MaxProgressBytes {
		return nil, fmt.Errorf("%w: progress message of %d bytes (at most %d)", ErrDecode, len(b), MaxProgressBytes)
	}
	p := new(TaskProgress)
	f, err := readFrame(b, p)
	if err != nil {
		return nil, err
	}
	if len(f.sections) != 0 {
		return nil, fmt.Errorf("%w: progress message with binary sections", ErrDecode)
	}
	switch {
	case p.Job == "":
		return nil, fmt.Errorf("%w: progress without a job", ErrDecode)
	case !progressPhases[p.Phase]:
		return nil, fmt.Errorf("%w: progress phase %q", ErrDecode, p.Phase)
	case p.Task < 0 || p.Done < 0 || p.Total < 0 || p.Swaps < 0 || (p.Total > 0 && p.Done > p.Total):
		return nil, fmt.Errorf("%w: progress task %d at %d of %d, %d swaps", ErrDecode, p.Task, p.Done, p.Total, p.Swaps)
	case math.IsNaN(p.Loss) || math.IsInf(p.Loss, 0) || p.Loss < 0:
		return nil, fmt.Errorf("%w: progress loss %v", ErrDecode, p.Loss)
	}
	return p, nil
}
