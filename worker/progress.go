package worker

import (
	"time"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/wire"
)

// progressEvery is the least time between two progress messages of a
// task within a phase; a phase's first and last step and every SWAP pass
// are sent whatever the time.
const progressEvery = 250 * time.Millisecond

// progressReporter returns the algo progress function of a medoids task
// that asked for progress (wire.Task.Progress): it publishes each step
// worth telling as a wire.TaskProgress on the job's progress subject,
// core NATS, fire and forget. A message lost, or refused for want of a
// permission, costs the coordinator a progress update, nothing more.
//
// The algorithm calls it on its own goroutine, never concurrently; it
// only encodes a few hundred bytes and hands them to the connection's
// buffer.
func (w *Worker) progressReporter(t *wire.Task) func(algo.Step) {
	subject := wire.ProgressSubject(t.Job)
	var phase algo.Phase
	var last time.Time
	return func(s algo.Step) {
		now := time.Now()
		if s.Phase == phase && s.Phase != algo.PhaseSwap && s.Done != s.Total && now.Sub(last) < progressEvery {
			return
		}
		phase, last = s.Phase, now
		b, err := wire.EncodeProgress(&wire.TaskProgress{
			Job: t.Job, Round: t.Round, Task: t.ID, Worker: w.opts.Name,
			Phase: string(s.Phase), Done: s.Done, Total: s.Total, Loss: s.Loss, Swaps: s.Swaps,
		})
		if err != nil {
			return
		}
		_ = w.js.Conn().Publish(subject, b)
	}
}
