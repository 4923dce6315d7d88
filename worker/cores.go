package worker

import "sync/atomic"

// Cores divides the cores of one process among the tasks that its workers
// run at the same moment, so that W workers of Parallelism P do not start
// W·P goroutines on fewer cores: on two cores, the 1M-row mini-batch job
// of bench/run.sh kmeans, whose two workers sum each step's two tasks,
// took about 5% more CPU with two goroutines a task than with one.
// Workers in one process should share one (Options.Cores).
type Cores struct {
	cores   int
	workers int
	running atomic.Int64
}

// NewCores returns the share of cores among workers workers (both at
// least 1).
func NewCores(cores, workers int) *Cores {
	return &Cores{cores: max(1, cores), workers: max(1, workers)}
}

// share is the goroutines each worker may use when all are busy, as they
// are in a round of sums tasks, which has a task for every worker.
func (c *Cores) share() int { return max(1, c.cores/c.workers) }

// begin counts a task in and returns the goroutines it may use when it
// may run alone (a medoids task, often the only one): the cores divided
// among the tasks running now. end counts it out.
func (c *Cores) begin() int {
	return max(1, c.cores/int(c.running.Add(1)))
}

func (c *Cores) end() { c.running.Add(-1) }
