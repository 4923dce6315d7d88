package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoal-io/shoal/algo"
	"github.com/shoal-io/shoal/internal/natsretry"
	"github.com/shoal-io/shoal/internal/wire"
)

// Backoff while the coordinator has not yet created the task stream.
const (
	consumerBackoffMin = 100 * time.Millisecond
	consumerBackoffMax = 2 * time.Second
	// nakDelay is how long a task that failed for a transient reason waits
	// before it is offered again, so a broken worker does not spin on it.
	nakDelay = time.Second
	// headerSlack is what a result part leaves free for its JSON header.
	headerSlack = 64 << 10
	// publishAttemptWait bounds the wait for the stream's ack of one
	// result part. An ack lost with a connection (the server restarted
	// after it got the publish, or before) never comes: the part is sent
	// again under the same message id, which the stream deduplicates.
	// A part is sent again for natsretry.Window before the worker hands
	// the task back (Nak).
	publishAttemptWait = 5 * time.Second
)

// Options configures a Worker. The zero value is usable.
type Options struct {
	// Name identifies the worker in results and logs; "" means
	// "<hostname>-<pid>-<n>".
	Name string
	// Cache holds decoded shards between rounds; nil means a private cache
	// of CacheBytes. Workers in one process should share one.
	Cache *BlockCache
	// CacheBytes bounds a private cache; 0 means 1 GiB.
	CacheBytes int64
	// Nearest remembers rows' nearest k-means|| candidates between passes;
	// nil means a private one. Workers in one process should share one,
	// like Cache.
	Nearest *NearestCache
	// Staged holds local copies of staged input files; nil means a private
	// one in the system's temporary directory, removed by Close. Workers in
	// one process should share one.
	Staged *StagedFiles
	// Parallelism is the number of goroutines a task may use (dissimilarity
	// matrix builds, BUILD and FasterPAM, whose results do not depend on
	// it); 0 means 1.
	Parallelism int
	// Cores, when set, is shared by the workers of one process: a task
	// then uses at most its share of the process's cores (see Cores), and
	// never more than Parallelism.
	Cores *Cores
	// FetchWait is how long one pull waits for a task before the loop checks
	// its context again; 0 means 2s.
	FetchWait time.Duration
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Metrics, when set, counts tasks, failures and rows.
	Metrics *Metrics
}

var workerSeq atomic.Int64

// Worker pulls tasks and runs them, one at a time.
type Worker struct {
	js        jetstream.JetStream
	opts      Options
	ownStaged *StagedFiles // removed when Run returns
	exec      executor
	log       *slog.Logger

	drain     chan struct{} // closed by Drain
	drainOnce sync.Once

	mu        sync.Mutex              // guards the fields below
	job       string                  // job of the task at hand, "" between tasks
	abandon   context.CancelCauseFunc // cancels the task at hand
	cancelled map[string]struct{}     // jobs announced ended, see onJobEnded
}

// errJobEnded is the cause of a task abandoned because the coordinator
// announced that its job ended (cancelled, failed or done).
var errJobEnded = errors.New("worker: the job ended")

// maxEndedJobs bounds the set of jobs a worker remembers as ended; past
// it the set starts again empty (a late task of a forgotten job is run
// and its result dropped by the coordinator: wasted work, no harm).
const maxEndedJobs = 4096

// New returns a worker on connection nc.
func New(nc *nats.Conn, opts Options) (*Worker, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("worker: jetstream: %w", err)
	}
	if opts.Name == "" {
		host, _ := os.Hostname()
		opts.Name = fmt.Sprintf("%s-%d-%d", host, os.Getpid(), workerSeq.Add(1))
	}
	if opts.Cache == nil {
		opts.Cache = NewBlockCache(opts.CacheBytes)
	}
	if opts.Nearest == nil {
		opts.Nearest = NewNearestCache(0)
	}
	var own *StagedFiles
	if opts.Staged == nil {
		own = NewStagedFiles("", 0)
		opts.Staged = own
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = 1
	}
	if opts.FetchWait <= 0 {
		opts.FetchWait = 2 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Worker{
		js: js, opts: opts, ownStaged: own,
		exec:      executor{cache: opts.Cache, nearest: opts.Nearest, staged: opts.Staged, js: js, parallelism: opts.Parallelism, cores: opts.Cores},
		log:       log.With("worker", opts.Name),
		drain:     make(chan struct{}),
		cancelled: map[string]struct{}{},
	}, nil
}

// Run pulls and executes tasks until ctx is done or Drain is called. It
// returns nil then, and an error only when it cannot go on at all. When
// ctx ends, the task at hand is abandoned within a fraction of a second
// and handed back (Nak) for another worker; after Drain it is finished
// and its result published first.
//
// A task whose job the coordinator announces as ended (wire.CancelSubject)
// is abandoned at once and dropped (Term), whatever state it is in.
func (w *Worker) Run(ctx context.Context) error {
	if w.ownStaged != nil {
		defer w.ownStaged.Close()
	}
	sub, err := w.js.Conn().Subscribe(wire.CancelSubjects, w.onJobEnded)
	if err != nil {
		return fmt.Errorf("worker: subscribing to %s: %w", wire.CancelSubjects, err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	cons, err := w.waitForConsumer(ctx)
	if err != nil || cons == nil {
		return err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return fmt.Errorf("worker: consumer info: %w", err)
	}
	ackWait, maxDeliver := info.Config.AckWait, info.Config.MaxDeliver
	w.log.Info("worker ready", "ack_wait", ackWait, "max_deliver", maxDeliver)
	for ctx.Err() == nil && !w.draining() {
		msg, err := w.next(ctx, cons)
		if err != nil {
			if ctx.Err() != nil || w.draining() {
				break
			}
			w.log.Warn("fetching a task", "err", err)
			sleepCtx(ctx, consumerBackoffMin)
			continue
		}
		if msg != nil {
			w.handle(ctx, msg, ackWait, maxDeliver)
		}
	}
	return nil
}

// Drain makes Run stop taking tasks: the task at hand, if any, is
// finished and its result published, then Run returns. It is what a
// worker does on SIGTERM; cancelling Run's context instead abandons the
// task at hand.
func (w *Worker) Drain() { w.drainOnce.Do(func() { close(w.drain) }) }

func (w *Worker) draining() bool {
	select {
	case <-w.drain:
		return true
	default:
		return false
	}
}

// onJobEnded handles the coordinator's announcement that a job ended: the
// task at hand is abandoned if it belongs to that job, and tasks of the
// job fetched later are dropped unrun.
func (w *Worker) onJobEnded(m *nats.Msg) {
	job := strings.TrimPrefix(m.Subject, strings.TrimSuffix(wire.CancelSubjects, ">"))
	if job == "" || job == m.Subject {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.cancelled) >= maxEndedJobs {
		clear(w.cancelled)
	}
	w.cancelled[job] = struct{}{}
	if w.job == job && w.abandon != nil {
		w.abandon(errJobEnded)
	}
}

// begin registers the task at hand and returns its context, which ends
// when ctx does or when its job is announced ended. ok is false when the
// job has ended already.
func (w *Worker) begin(ctx context.Context, job string) (context.Context, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ended := w.cancelled[job]; ended {
		return nil, false
	}
	tctx, cancel := context.WithCancelCause(ctx)
	w.job, w.abandon = job, cancel
	return tctx, true
}

// end forgets the task at hand.
func (w *Worker) end() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.abandon != nil {
		w.abandon(nil)
	}
	w.job, w.abandon = "", nil
}

// next pulls one task, waiting up to FetchWait; it returns nil, nil when
// none came. It returns at once when ctx ends: a task delivered to a
// worker that is stopping is redelivered after the ack wait.
func (w *Worker) next(ctx context.Context, cons jetstream.Consumer) (jetstream.Msg, error) {
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(w.opts.FetchWait))
	if err != nil {
		if errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrNoMessages) {
			return nil, nil
		}
		return nil, err
	}
	select {
	case msg, ok := <-batch.Messages():
		if !ok {
			if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, jetstream.ErrNoMessages) {
				return nil, err
			}
			return nil, nil
		}
		return msg, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-w.drain:
		return nil, nil
	}
}

// waitForConsumer polls until the coordinator has created the shared
// consumer, backing off up to consumerBackoffMax. It returns nil, nil if
// Drain is called first.
func (w *Worker) waitForConsumer(ctx context.Context) (jetstream.Consumer, error) {
	backoff := consumerBackoffMin
	for {
		cons, err := w.js.Consumer(ctx, wire.TaskStream, wire.WorkerConsumer)
		if err == nil {
			return cons, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if w.draining() {
			return nil, nil
		}
		w.log.Debug("waiting for the task stream", "err", err)
		sleepCtx(ctx, backoff)
		backoff = min(2*backoff, consumerBackoffMax)
	}
}

// handle runs one task message to its end: result published then acked,
// or failed for good (Term) with an error result, or handed back (Nak).
func (w *Worker) handle(ctx context.Context, msg jetstream.Msg, ackWait time.Duration, maxDeliver int) {
	task, err := wire.DecodeTask(msg.Data())
	if err != nil {
		w.refuse(ctx, msg, err)
		return
	}
	log := w.log.With("job", task.Job, "task", task.ID, "round", task.Round, "kind", task.Kind)
	delivered := uint64(1)
	if md, err := msg.Metadata(); err == nil {
		delivered = md.NumDelivered
	}
	if delivered > 1 {
		w.opts.Metrics.redelivered()
	}

	tctx, ok := w.begin(ctx, task.Job)
	if !ok {
		log.Info("dropping a task of a job that ended")
		_ = msg.Term()
		return
	}
	defer w.end()
	if task.Progress && task.Kind == wire.KindMedoids {
		tctx = algo.WithProgress(tctx, w.progressReporter(task))
	}
	log.Debug("task started", "delivered", delivered)
	// The heartbeat lasts until the task is acked or handed back: a
	// result being sent through a reconnection is still work in progress.
	stop := heartbeat(msg, ackWait)
	defer stop()
	start := time.Now()
	res, err := w.run(tctx, task)
	ran := time.Since(start)
	w.opts.Metrics.taskDone(string(task.Kind), ran, res)

	if err != nil && tctx.Err() != nil {
		// Abandoned: its job ended, or this worker is stopping.
		if errors.Is(context.Cause(tctx), errJobEnded) {
			log.Info("abandoned the task: its job ended", "seconds", time.Since(start).Seconds())
			w.opts.Metrics.taskFailed("abandoned")
			_ = msg.Term()
			return
		}
		log.Info("abandoned the task: the worker is stopping; it goes to another worker", "seconds", time.Since(start).Seconds())
		w.opts.Metrics.taskFailed("abandoned")
		_ = msg.Nak()
		return
	}
	if err != nil {
		code := classify(err)
		final := code != wire.CodeInternal || (maxDeliver > 0 && delivered >= uint64(maxDeliver))
		// The error goes back to the coordinator, which reports it; log it
		// loudly only when it is the worker's own trouble.
		level := slog.LevelInfo
		if code == wire.CodeInternal {
			level = slog.LevelWarn
		}
		log.Log(ctx, level, "task failed", "err", err, "code", code, "delivered", delivered, "final", final)
		w.opts.Metrics.taskFailed(string(code))
		if !final {
			_ = msg.NakWithDelay(nakDelay)
			return
		}
		res = &wire.Result{Job: task.Job, Task: task.ID, Round: task.Round, Fit: task.Fit, Kind: task.Kind, Parts: 1,
			Worker: w.opts.Name, Err: wire.NewError(code, err)}
	}
	if err := w.publish(ctx, task, res); err != nil {
		// A worker that is stopping loses the result on purpose: the task
		// goes back to the queue, which is no news worth a warning (and
		// would add a line to the one error line of a failed `shoal run`).
		level := slog.LevelWarn
		if ctx.Err() != nil {
			level = slog.LevelInfo
		}
		log.Log(context.WithoutCancel(ctx), level, "publishing a result", "err", err)
		_ = msg.NakWithDelay(nakDelay)
		return
	}
	if res.Err != nil {
		_ = msg.Term()
		return
	}
	if err := msg.Ack(); err != nil {
		log.Warn("acking a task", "err", err)
	}
	// The split shows whether a task's time went to its work or to
	// sending the result and the ack (bench/README.md reads it).
	log.Debug("task done", "seconds", time.Since(start).Seconds(), "run_seconds", ran.Seconds())
}

// run executes a task, turning a panic in a kernel into an error so that
// one bad task cannot take the worker down.
func (w *Worker) run(ctx context.Context, t *wire.Task) (res *wire.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("worker: task %s panicked: %v\n%s", t.Key(), p, debug.Stack())
		}
	}()
	return w.exec.execute(ctx, t)
}

// classify maps an error to the code that tells the coordinator whether a
// retry can help.
func classify(err error) wire.Code {
	switch {
	case errors.Is(err, errTooLarge), errors.Is(err, algo.ErrTooLarge):
		return wire.CodeTooLarge
	case errors.As(err, new(*inputError)), isAlgoInputError(err):
		return wire.CodeBadInput
	}
	return wire.CodeInternal
}

func isAlgoInputError(err error) bool {
	for _, e := range []error{algo.ErrInvalidK, algo.ErrEmpty, algo.ErrShape, algo.ErrNotSquare,
		algo.ErrBadDissimilarity, algo.ErrUnknownMetric, algo.ErrUnknownInit, algo.ErrMedoids} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// publish sends the result, split into parts that fit the task's message
// size bound.
func (w *Worker) publish(ctx context.Context, t *wire.Task, res *wire.Result) error {
	res.Worker = w.opts.Name
	parts := split(res, t.MaxResultBytes)
	subject := wire.ResultSubject(t.Job)
	for _, p := range parts {
		b, err := wire.EncodeResult(p)
		if err != nil {
			return err
		}
		if err := w.publishPart(ctx, subject, p.Key(), b); err != nil {
			return fmt.Errorf("worker: publishing %s: %w", p.Key(), err)
		}
	}
	return nil
}

// publishPart publishes one result part and waits for the stream's ack,
// sending it again while the failure is the connection's (a timeout, a
// disconnection, a stream not answering yet after a server restart) and
// natsretry.Window has not passed. The message id makes a second copy a
// no-op for the stream.
func (w *Worker) publishPart(ctx context.Context, subject, key string, b []byte) error {
	start := time.Now()
	backoff := consumerBackoffMin
	for attempt := 1; ; attempt++ {
		pctx, cancel := context.WithTimeout(ctx, publishAttemptWait)
		_, err := w.js.Publish(pctx, subject, b, jetstream.WithMsgID(key))
		cancel()
		if err != nil {
			// A refused publish gets no reply, only an error on the side.
			if last := w.js.Conn().LastError(); errors.Is(last, nats.ErrPermissionViolation) && strings.Contains(last.Error(), `"`+subject+`"`) {
				return fmt.Errorf("%w; check the NATS permissions of the worker's user", last)
			}
		}
		if err == nil || ctx.Err() != nil || !natsretry.Transient(err) || time.Since(start) > natsretry.Window {
			return err
		}
		w.log.Debug("sending a result again", "part", key, "attempt", attempt, "err", err)
		sleepCtx(ctx, backoff)
		backoff = natsretry.Backoff(backoff)
	}
}

// split cuts a result with per-row arrays into parts of at most maxBytes.
func split(res *wire.Result, maxBytes int) []*wire.Result {
	if maxBytes <= 0 {
		maxBytes = 1 << 20
	}
	n := len(res.Rows)
	// A label result of k ≤ 256 with consecutive rows is 9 bytes a row,
	// not 20: a 65536-row shard fits one 1 MiB message.
	perRow := max(res.RowBytes(), 1)
	// Arrays that are not per row (a validity pass's sums beside its
	// sample rows, a refine result's costs and sums beside its rows)
	// travel in every part: they take room from the rows.
	fixed := 8 * (len(res.Sums) + len(res.Weights) + len(res.Counts) + len(res.Inertias) + len(res.Costs) + len(res.PieceInertia) + len(res.PieceRows))
	room := max(maxBytes-headerSlack-fixed, 1<<12)
	if n*perRow <= room {
		return []*wire.Result{res}
	}
	rowsPer := max(room/perRow, 1)
	parts := (n + rowsPer - 1) / rowsPer
	out := make([]*wire.Result, parts)
	d := 0
	if n > 0 && res.Points != nil {
		d = len(res.Points) / n
	}
	for p := range parts {
		lo, hi := p*rowsPer, min((p+1)*rowsPer, n)
		q := *res
		q.Part, q.Parts = p, parts
		q.Rows = res.Rows[lo:hi]
		if res.Points != nil {
			q.Points = res.Points[lo*d : hi*d]
		}
		if res.RowWeight != nil {
			q.RowWeight = res.RowWeight[lo:hi]
		}
		if res.Labels != nil {
			q.Labels, q.Distances = res.Labels[lo:hi], res.Distances[lo:hi]
		}
		if p > 0 { // totals travel once, with part 0
			q.Loss, q.Inertia = 0, 0
		}
		out[p] = &q
	}
	return out
}

// heartbeat tells the server the task is still in progress every third of
// the ack wait, so long tasks are not redelivered while they run.
func heartbeat(msg jetstream.Msg, ackWait time.Duration) (stop func()) {
	if ackWait <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(ackWait / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = msg.InProgress()
			}
		}
	}()
	return func() { close(done) }
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
