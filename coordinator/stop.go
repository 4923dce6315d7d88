package coordinator

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/shoal-io/shoal/internal/wire"
)

// ErrJobTimeout is returned when a job has not ended within its
// JobSpec.JobTimeout.
var ErrJobTimeout = errors.New("coordinator: job timed out")

// withJobTimeout bounds ctx by the job's timeout, if it has one: when it
// passes, ctx ends with an ErrJobTimeout cause. The timeout counts from
// this start of the job (a resumed job gets it again).
func withJobTimeout(ctx context.Context, spec *wire.JobSpec) (context.Context, context.CancelFunc) {
	d := spec.Timeout()
	if d <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, d, fmt.Errorf("%w: it did not end within its job timeout of %v", ErrJobTimeout, d))
}

// workersCheckEvery is how often a round that waits for results asks the
// server whether any worker is taking tasks.
const workersCheckEvery = time.Second

// progressTracker remembers a job's last progress report, so that a round
// can add to it that the job is waiting for workers, and take it back.
type progressTracker struct {
	report ProgressFunc

	mu      sync.Mutex // guards last and waiting
	last    Progress
	waiting string
}

func newProgressTracker(report ProgressFunc) *progressTracker {
	return &progressTracker{report: report}
}

// progress reports p, with the waiting note if there is one.
func (t *progressTracker) progress(p Progress) {
	t.mu.Lock()
	t.last = p
	p.Waiting = t.waiting
	t.mu.Unlock()
	t.report(p)
}

// setWaiting sets or (with "") clears the waiting note and reports the
// last progress again with it when it changed.
func (t *progressTracker) setWaiting(note string) {
	t.mu.Lock()
	if note == t.waiting {
		t.mu.Unlock()
		return
	}
	t.waiting = note
	p := t.last
	p.Waiting = note
	t.mu.Unlock()
	t.report(p)
}

// note is the current waiting note, "" if none.
func (t *progressTracker) note() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.waiting
}

// checkWorkers asks the server whether any worker is taking tasks while
// tasks are queued, and notes on the job's progress that it is waiting
// for workers when none is. A worker running a task does not pull, so the
// note also shows when every worker is busy with other jobs.
func (j *job) checkWorkers(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, workersCheckEvery)
	defer cancel()
	cons, err := j.c.js.Consumer(cctx, wire.TaskStream, wire.WorkerConsumer)
	if err != nil {
		return
	}
	info := cons.CachedInfo() // fetched just now
	note := ""
	if info.NumPending > 0 && info.NumWaiting == 0 {
		note = fmt.Sprintf("waiting for workers: no worker is taking tasks (%d queued)", info.NumPending)
	}
	j.tracker.setWaiting(note)
}
