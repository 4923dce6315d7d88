package algo

import (
	"context"
	"fmt"
)

// stopper is the cancellation check of a long run. The k-medoids code
// polls it once per block of candidates, per restart, or every few
// neighbours, never per element: a poll is one non-blocking channel
// receive, and between two polls a run does at most a few million
// dissimilarity reads (tens of milliseconds), so a cancelled run returns
// well within a second.
//
// It also carries the run's progress function (see WithProgress), so
// that every long run that can be cancelled can report its progress too.
type stopper struct {
	ctx      context.Context
	done     <-chan struct{}
	progress func(Step)
}

// newStopper polls ctx; a nil ctx never stops.
func newStopper(ctx context.Context) stopper {
	if ctx == nil {
		return stopper{}
	}
	return stopper{ctx: ctx, done: ctx.Done(), progress: progressOf(ctx)}
}

// err is nil while the run may go on, and ErrCancelled wrapping the
// context's cause once the context has ended.
func (s stopper) err() error {
	if s.done == nil {
		return nil
	}
	select {
	case <-s.done:
		return fmt.Errorf("%w: %w", ErrCancelled, context.Cause(s.ctx))
	default:
		return nil
	}
}

// stopEvery is how many CLARANS neighbours (or Alternating candidates)
// pass between two polls of the stopper: each costs one row of n
// dissimilarities, so a poll per neighbour would already be cheap; this
// keeps it out of the profile altogether.
const stopEvery = 16
