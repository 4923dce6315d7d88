package coordinator

import (
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/shoal-io/shoal/internal/wire"
)

// progressBuffer is how many workers' progress messages wait for a job's
// dispatch loop; past it, new ones are dropped (the next one says more).
const progressBuffer = 64

// subscribeProgress has the feed hear the job's progress messages
// (wire.TaskProgress, core NATS): one that does not decode is dropped
// and counted, the others wait in f.progress for the dispatch loop,
// which alone decides whether they belong to a task it waits for.
func (c *Coordinator) subscribeProgress(job string, f *resultFeed) error {
	f.progress = make(chan *wire.TaskProgress, progressBuffer)
	sub, err := c.nc.Subscribe(wire.ProgressSubject(job), func(m *nats.Msg) {
		p, err := wire.DecodeProgress(m.Data)
		if err != nil {
			f.badProgress.Add(1)
			c.opts.Metrics.progress("ignored")
			c.log.Debug("dropping a progress message that does not decode", "job", job, "err", err)
			return
		}
		select {
		case f.progress <- p:
		default: // the job is busy: this one is stale by the time it is read
		}
	})
	if err != nil {
		return fmt.Errorf("coordinator: subscribing to %s: %w", wire.ProgressSubject(job), err)
	}
	f.progressSub = sub
	// The server registers the subscription when it reads it: after the
	// flush, whatever is published on the subject reaches the job, from
	// any connection.
	if err := c.nc.Flush(); err != nil {
		_ = sub.Unsubscribe()
		return fmt.Errorf("coordinator: subscribing to %s: %w", wire.ProgressSubject(job), err)
	}
	return nil
}

// taskProgress passes on a worker's progress message for task i of the
// round being dispatched if the round asked for progress (j.onProgress)
// and the task is still running; any other message is ignored and
// counted.
func (j *job) taskProgress(p *wire.TaskProgress, round int64, index map[int]int, running func(i int) bool) {
	i, ok := index[p.Task]
	if j.onProgress == nil || p.Job != j.id || p.Round != round || !ok || !running(i) {
		j.feed.badProgress.Add(1)
		j.c.opts.Metrics.progress("ignored")
		return
	}
	j.c.opts.Metrics.progress("used")
	j.onProgress(i, p)
}

// medoidProgress is the job's Progress for a step of its one full-data
// k-medoids task: phase "matrix" (Step of Steps rows of the
// dissimilarity matrix), "build" (Step of Steps = k initial medoids) or
// "swap" (SWAP pass Step is over, the total deviation is Loss).
func (j *job) medoidProgress(_ int, p *wire.TaskProgress) {
	j.progress(Progress{Job: j.id, Phase: p.Phase, Step: p.Done, Steps: p.Total, Loss: p.Loss, Rows: j.ds.Rows})
}
