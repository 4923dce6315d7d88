package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoal-io/shoal/internal/natsretry"
	"github.com/shoal-io/shoal/internal/wire"
)

// resultFeed delivers one job's results from the result stream. It reads
// the job's subject from the start, so results that arrived before it was
// created (or while a coordinator was down) are not lost. Likewise it
// reads every advisory kept in the event stream, so a task that ran out
// of deliveries while no coordinator listened still fails its job.
type resultFeed struct {
	ch       chan *wire.Result
	cc       interface{ Stop() } // an ordered consumer's, or a replicatedFeed
	advisory interface{ Stop() } // likewise, over the event stream

	mu        sync.Mutex          // guards exhausted
	exhausted map[uint64]struct{} // task stream sequences that ran out of deliveries
	noted     chan struct{}       // signalled (never blocking) when exhausted grows

	// Workers' progress messages (see subscribeProgress), and the count
	// of those dropped: garbled, or not about a task being waited for.
	progress    chan *wire.TaskProgress
	progressSub *nats.Subscription
	badProgress atomic.Int64
}

// exhaustedAmong returns the index of a task whose stream sequence ran out
// of deliveries, if any.
func (f *resultFeed) exhaustedAmong(seqs map[uint64]int) (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for seq := range f.exhausted {
		if i, ok := seqs[seq]; ok {
			return i, true
		}
	}
	return 0, false
}

// eventMaxAge is how long the event stream keeps an advisory: far longer
// than a coordinator is down for a restart.
const eventMaxAge = 24 * time.Hour

// createEvents creates the stream that keeps the max-deliveries
// advisories of the task stream.
func (c *Coordinator) createEvents(ctx context.Context, storage jetstream.StorageType) error {
	cfg := jetstream.StreamConfig{
		Name: wire.EventStream, Subjects: []string{wire.MaxDeliveriesAdvisory},
		Retention: jetstream.LimitsPolicy, Storage: storage, MaxAge: eventMaxAge, Replicas: c.opts.Replicas,
	}
	if _, err := c.js.CreateOrUpdateStream(ctx, cfg); err != nil {
		if _, gerr := c.js.Stream(ctx, cfg.Name); gerr != nil {
			return fmt.Errorf("coordinator: creating stream %s: %w", cfg.Name, err)
		}
		c.log.Warn("using existing stream with different settings", "stream", cfg.Name, "err", err)
	}
	return nil
}

// noteTasksCreated records when the task stream was created: advisories
// older than that name sequences of an earlier incarnation of it and are
// ignored.
func (c *Coordinator) noteTasksCreated(ctx context.Context) error {
	s, err := c.js.Stream(ctx, wire.TaskStream)
	if err != nil {
		return fmt.Errorf("coordinator: stream %s: %w", wire.TaskStream, err)
	}
	c.tasksCreated = s.CachedInfo().Created
	return nil
}

func (c *Coordinator) openFeed(ctx context.Context, job string) (*resultFeed, error) {
	f := &resultFeed{ch: make(chan *wire.Result, 256), exhausted: map[uint64]struct{}{}, noted: make(chan struct{}, 1)}
	handle := func(m jetstream.Msg) {
		r, err := wire.DecodeResult(m.Data())
		if err != nil {
			c.log.Warn("dropping a result that does not decode", "job", job, "err", err)
			return
		}
		select {
		case f.ch <- r:
		case <-ctx.Done():
		}
	}
	var err error
	if f.cc, err = c.follow(ctx, job, wire.ResultStream, wire.ResultSubject(job), handle); err != nil {
		return nil, err
	}
	noteAdvisory := func(m jetstream.Msg) {
		var adv struct {
			StreamSeq uint64 `json:"stream_seq"`
		}
		if md, err := m.Metadata(); err == nil && md.Timestamp.Before(c.tasksCreated) {
			return // about an earlier task stream
		}
		if json.Unmarshal(m.Data(), &adv) != nil {
			return
		}
		f.mu.Lock()
		f.exhausted[adv.StreamSeq] = struct{}{}
		f.mu.Unlock()
		select {
		case f.noted <- struct{}{}:
		default:
		}
	}
	f.advisory, err = c.follow(ctx, job, wire.EventStream, wire.MaxDeliveriesAdvisory, noteAdvisory)
	if err != nil {
		f.cc.Stop()
		return nil, err
	}
	if err := c.subscribeProgress(job, f); err != nil {
		f.cc.Stop()
		f.advisory.Stop()
		return nil, err
	}
	return f, nil
}

// follow delivers the messages of subject on stream to handle, from the
// first: through an ordered consumer on a single server, through a
// replicatedFeed on a cluster, where an ordered consumer is lost with its
// server.
func (c *Coordinator) follow(ctx context.Context, job, stream, subject string, handle func(jetstream.Msg)) (interface{ Stop() }, error) {
	if c.opts.Replicas > 1 {
		f, err := followReplicated(ctx, c.js, stream, subject, c.opts.Replicas, c.log, handle)
		if err != nil {
			return nil, err
		}
		return f, nil
	}
	cons, err := c.js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		return nil, fmt.Errorf("coordinator: consumer of %s on %s: %w", subject, stream, err)
	}
	cc, err := cons.Consume(handle, consumeErrors(c.log, job, stream))
	if err != nil {
		return nil, fmt.Errorf("coordinator: reading %s on %s: %w", subject, stream, err)
	}
	return cc, nil
}

// consumeErrors logs what an ordered consumer meets while it follows a
// stream: missed heartbeats, and the failed attempts to recreate itself
// after a server or stream leader went away. The consumer keeps trying
// on its own; without this a stalled feed would be silent.
func consumeErrors(log *slog.Logger, job, stream string) jetstream.PullConsumeOpt {
	return jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		log.Warn("reading a stream", "job", job, "stream", stream, "err", err)
	})
}

// close stops the feed. Progress messages received but never read (the
// last round ended before they were) count as ignored, as the rounds
// count those they read and do not pass on.
func (f *resultFeed) close(m *Metrics) {
	f.cc.Stop()
	f.advisory.Stop()
	if f.progressSub == nil {
		return
	}
	_ = f.progressSub.Unsubscribe()
	for {
		select {
		case <-f.progress:
			f.badProgress.Add(1)
			m.progress("ignored")
		default:
			return
		}
	}
}

// dispatch publishes one round of tasks and calls handle for every result
// part of this round, in arrival order, exactly once per part. It returns
// when every task's parts have arrived, a task fails, or ctx ends.
func (j *job) dispatch(ctx context.Context, round int64, tasks []*wire.Task, handle func(i int, r *wire.Result) error) error {
	index := make(map[int]int, len(tasks))
	payloads := make([][]byte, len(tasks))
	for i, t := range tasks {
		t.Job, t.Round, t.Fit = j.id, round, j.fit
		t.Data = j.data
		t.MaxResultBytes = j.c.opts.MaxResultBytes
		index[t.ID] = i
		b, err := wire.EncodeTask(t)
		if err != nil {
			return err
		}
		payloads[i] = b
	}
	seqs, err := j.publishRound(ctx, tasks, payloads)
	if err != nil {
		return err
	}
	if len(tasks) > 0 {
		j.c.opts.Metrics.published(string(tasks[0].Kind), len(tasks))
		start := time.Now()
		defer func() { j.c.opts.Metrics.round(string(tasks[0].Kind), time.Since(start)) }()
	}
	parts := make([]int, len(tasks))  // parts received per task
	needed := make([]int, len(tasks)) // parts expected, 0 until known
	remaining := len(tasks)
	seen := make(map[int]map[int]bool, len(tasks))
	early := j.pending[round] // results that arrived before this round was dispatched
	delete(j.pending, round)
	exhausted := func() error {
		if i, ok := j.feed.exhaustedAmong(seqs); ok {
			j.c.opts.Metrics.taskExhausted()
			return fmt.Errorf("%w: task %s was delivered %d times without a result; see the worker logs",
				ErrTaskFailed, tasks[i].Key(), j.c.opts.MaxDeliver)
		}
		return nil
	}
	// An advisory read before this round was published (a resumed job
	// whose task ran out of deliveries while no coordinator ran).
	if err := exhausted(); err != nil {
		return err
	}
	check := time.NewTicker(workersCheckEvery)
	defer check.Stop()
	defer j.tracker.setWaiting("")
	for remaining > 0 {
		var r *wire.Result
		if len(early) > 0 {
			r, early = early[0], early[1:]
		} else {
			select {
			case <-ctx.Done():
				if errors.Is(context.Cause(ctx), ErrJobTimeout) {
					if note := j.tracker.note(); note != "" {
						return fmt.Errorf("%w (%s)", context.Cause(ctx), note)
					}
				}
				return context.Cause(ctx)
			case <-check.C:
				j.checkWorkers(ctx)
				continue
			case <-j.feed.noted:
				if err := exhausted(); err != nil {
					return err
				}
				continue
			case p := <-j.feed.progress:
				j.taskProgress(p, round, index, func(i int) bool { return needed[i] == 0 || parts[i] < needed[i] })
				continue
			case r = <-j.feed.ch:
			}
		}
		i, ok := index[r.Task]
		if r.Round != round || r.Fit != j.fit || !ok {
			j.holdBack(r)
			continue
		}
		if seen[i] == nil {
			seen[i] = map[int]bool{}
		}
		if seen[i][r.Part] {
			j.duplicates++
			j.c.opts.Metrics.result("duplicate")
			continue
		}
		seen[i][r.Part] = true
		j.c.opts.Metrics.result("used")
		if r.Err != nil {
			if errors.Is(r.Err, wire.ErrBadInput) || errors.Is(r.Err, wire.ErrTooLarge) {
				return r.Err // the message names file, column and row already
			}
			return fmt.Errorf("%w (task %s on %s)", errorFromResult(r), tasks[i].Key(), r.Worker)
		}
		if needed[i] == 0 {
			needed[i] = r.Parts
			j.countTask(tasks[i], r.Worker)
		}
		if err := handle(i, r); err != nil {
			return err
		}
		parts[i]++
		if parts[i] == needed[i] {
			remaining--
		}
	}
	j.done[round] = true
	return nil
}

// Publishing a round through a lost connection.
const (
	// publishAckWait bounds the wait for the stream's ack of one task. An
	// ack can be lost for good: with a connection, or because the server
	// refused the publish (a permission the coordinator's user lacks),
	// which NATS reports only on the side.
	publishAckWait = 10 * time.Second
)

// publishRound publishes a round's tasks asynchronously, then collects
// the acks: one round trip per round rather than one per task. It returns
// the stream sequence of each task. Tasks whose ack is lost with the
// connection (the server restarted, or the client is reconnecting) are
// published again under the same message id, which the stream
// deduplicates, until natsretry.Window has passed.
func (j *job) publishRound(ctx context.Context, tasks []*wire.Task, payloads [][]byte) (map[uint64]int, error) {
	seqs := make(map[uint64]int, len(tasks))
	pending := make([]int, len(tasks))
	for i := range pending {
		pending[i] = i
	}
	start, backoff := time.Now(), natsretry.BackoffMin
	for attempt := 1; ; attempt++ {
		futures := make([]jetstream.PubAckFuture, len(pending))
		var again []int
		var lastErr error
		retry := func(i int, err error) error {
			if perr := j.c.publishRefused(wire.TaskSubject(j.id)); perr != nil {
				return fmt.Errorf("coordinator: publishing task %s: %w; check the NATS permissions of the coordinator's user", tasks[i].Key(), perr)
			}
			if !natsretry.Transient(err) || time.Since(start) > natsretry.Window {
				return fmt.Errorf("coordinator: publishing task %s: %w", tasks[i].Key(), err)
			}
			again, lastErr = append(again, i), err
			return nil
		}
		for n, i := range pending {
			f, err := j.c.js.PublishAsync(wire.TaskSubject(j.id), payloads[i], jetstream.WithMsgID(tasks[i].Key()), jetstream.WithStallWait(30*time.Second))
			if err != nil {
				if err := retry(i, err); err != nil {
					return nil, err
				}
				continue
			}
			futures[n] = f
		}
		for n, f := range futures {
			if f == nil {
				continue
			}
			select {
			case ack := <-f.Ok():
				seqs[ack.Sequence] = pending[n]
			case err := <-f.Err():
				if err := retry(pending[n], err); err != nil {
					return nil, err
				}
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if len(again) == 0 {
			return seqs, nil
		}
		j.c.log.Warn("publishing tasks again", "job", j.id, "tasks", len(again), "attempt", attempt, "err", lastErr)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(backoff):
		}
		backoff = natsretry.Backoff(backoff)
		pending = again
	}
}

// publishRefused returns the connection's last error if it says the
// server refused a publish to subject, else nil.
func (c *Coordinator) publishRefused(subject string) error {
	err := c.nc.LastError()
	if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), `"`+subject+`"`) {
		return err
	}
	return nil
}

// holdBack keeps a result of a round that has not been dispatched yet: a
// resumed job reads the result stream from the start and may meet results
// of rounds it is about to repeat. Results of rounds already done, or of
// iterations before the resume point, or of another fit of a k sweep
// (the fits run one after another), are stale and dropped.
func (j *job) holdBack(r *wire.Result) {
	if r.Fit != j.fit || j.done[r.Round] || (r.Round > 0 && r.Round < j.firstRound) {
		j.stale++
		j.c.opts.Metrics.result("stale")
		return
	}
	j.pending[r.Round] = append(j.pending[r.Round], r)
}

// collect dispatches a round and returns each task's parts joined, in task
// order.
func (j *job) collect(ctx context.Context, round int64, tasks []*wire.Task) ([]*wire.Result, error) {
	return j.collectEach(ctx, round, tasks, nil)
}

// collectEach is collect that calls done(i), when not nil, as soon as
// all parts of task i have arrived.
func (j *job) collectEach(ctx context.Context, round int64, tasks []*wire.Task, done func(i int)) ([]*wire.Result, error) {
	parts := make([][]*wire.Result, len(tasks))
	got := make([]int, len(tasks))
	err := j.dispatch(ctx, round, tasks, func(i int, r *wire.Result) error {
		if parts[i] == nil {
			parts[i] = make([]*wire.Result, r.Parts)
		}
		if r.Part >= len(parts[i]) {
			return fmt.Errorf("%w: task %d part %d of %d", wire.ErrDecode, r.Task, r.Part, len(parts[i]))
		}
		parts[i][r.Part] = r
		if got[i]++; got[i] == len(parts[i]) && done != nil {
			done(i)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]*wire.Result, len(tasks))
	for i, ps := range parts {
		out[i] = joinParts(ps)
	}
	return out, nil
}

// joinParts concatenates the per-row arrays of a result's parts.
func joinParts(ps []*wire.Result) *wire.Result {
	if len(ps) == 1 {
		return ps[0]
	}
	r := *ps[0]
	for _, p := range ps[1:] {
		r.Rows = append(r.Rows, p.Rows...)
		r.Points = append(r.Points, p.Points...)
		r.RowWeight = append(r.RowWeight, p.RowWeight...)
		r.Labels = append(r.Labels, p.Labels...)
		r.Distances = append(r.Distances, p.Distances...)
		r.Loss += p.Loss
		r.Inertia += p.Inertia
	}
	r.Parts, r.Part = 1, 0
	return &r
}

// announceRepeats are the delays after a job's end at which its end is
// announced again, for workers that were reconnecting the first time
// (NATS clients try again every 2 seconds by default).
var announceRepeats = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second}

// announceEnd tells the workers that a job has ended, so that a worker
// still running one of its tasks abandons it rather than burning CPU on a
// result nobody reads (see worker.Run). It is a core NATS message, sent
// now and again after each of announceRepeats: a worker that misses them
// all (cut off for longer) runs the task to its end, and the result is
// dropped with the job's messages.
func (c *Coordinator) announceEnd(job string) {
	subject := wire.CancelSubject(job)
	if err := c.nc.Publish(subject, nil); err != nil {
		c.log.Warn("announcing the end of a job to the workers", "job", job, "err", err)
		return
	}
	if err := c.nc.FlushTimeout(time.Second); err != nil {
		c.log.Debug("flushing the end of a job", "job", job, "err", err)
	}
	for _, d := range announceRepeats {
		time.AfterFunc(d, func() { _ = c.nc.Publish(subject, nil) }) // a closed connection: nobody to tell
	}
}

// purge removes what is left of a job in the streams.
func (c *Coordinator) purge(ctx context.Context, job string) {
	for stream, subj := range map[string]string{
		wire.TaskStream:   wire.TaskSubject(job),
		wire.ResultStream: wire.ResultSubject(job),
	} {
		s, err := c.js.Stream(ctx, stream)
		if err == nil {
			err = s.Purge(ctx, jetstream.WithPurgeSubject(subj))
		}
		if err != nil && !strings.Contains(err.Error(), "context canceled") {
			c.log.Warn("purging job messages", "job", job, "stream", stream, "err", err)
		}
	}
}
