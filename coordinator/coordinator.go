package coordinator

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/shoal-io/shoal/internal/pathguard"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/storage"
)

// Options configures a Coordinator. The zero value is usable.
type Options struct {
	// Store records every job, its state transitions and its model; nil
	// keeps no catalog.
	Store *storage.Store
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// FileStorage keeps the task and result streams on disk (a service that
	// must survive restarts); false keeps them in memory (`shoal run`).
	FileStorage bool
	// AckWait is how long a worker may hold a task without acking or
	// sending a heartbeat before it is redelivered; 0 means 30s.
	AckWait time.Duration
	// MaxDeliver is how many times a task is delivered before the job
	// fails; 0 means 5.
	MaxDeliver int
	// MaxResultBytes bounds result messages; 0 means the server's max
	// payload.
	MaxResultBytes int
	// Metrics, when set, records jobs, tasks and results.
	Metrics *Metrics
	// Owner identifies a service's data directory: NewService refuses to
	// start while a coordinator of another Owner holds the account's
	// lease, and takes it over from one of the same Owner (itself, killed
	// and restarted). "" is an owner like any other. DataDir is shown in
	// the refusal. Neither is used by New.
	Owner, DataDir string
	// Replicas is how many servers of a JetStream cluster keep each of
	// shoal's streams, its object store and its lease: 3 (or 5) lets a
	// job ride out the loss of a server. 0 means 1.
	Replicas int
	// Version is the build of shoal, recorded in every model it fits
	// (shoal_version); "" records none.
	Version string
	// Paths say which files jobs may name. The zero value lets a job
	// read and write any path, except that its outputs may never
	// overwrite its inputs or each other: right for `shoal run` on the
	// user's own files. A service sets Roots, Absolute and Protected.
	Paths pathguard.Options
}

// Coordinator runs jobs over one NATS connection.
type Coordinator struct {
	nc   *nats.Conn
	js   jetstream.JetStream
	opts Options
	log  *slog.Logger

	// tasksCreated is when the task stream was created; see noteTasksCreated.
	tasksCreated time.Time
	// workerCount estimates how many workers take tasks; see workers.
	workerCount workerCount
}

// New prepares the task and result streams and the workers' consumer.
func New(ctx context.Context, nc *nats.Conn, opts Options) (*Coordinator, error) {
	if opts.AckWait <= 0 {
		opts.AckWait = 30 * time.Second
	}
	if opts.MaxDeliver <= 0 {
		opts.MaxDeliver = 5
	}
	if opts.Replicas <= 0 {
		opts.Replicas = 1
	}
	if opts.MaxResultBytes <= 0 {
		opts.MaxResultBytes = int(nc.MaxPayload())
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096), jetstream.WithPublishAsyncTimeout(publishAckWait))
	if err != nil {
		return nil, fmt.Errorf("coordinator: jetstream: %w", err)
	}
	c := &Coordinator{nc: nc, js: js, opts: opts, log: log}
	if err := c.setupStreams(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Coordinator) setupStreams(ctx context.Context) error {
	storageType := jetstream.MemoryStorage
	if c.opts.FileStorage {
		storageType = jetstream.FileStorage
	}
	streams := []jetstream.StreamConfig{
		{
			Name: wire.TaskStream, Subjects: []string{wire.TaskSubjects},
			Retention: jetstream.WorkQueuePolicy, Storage: storageType,
			Duplicates: 2 * time.Minute, Replicas: c.opts.Replicas,
		},
		{
			Name: wire.ResultStream, Subjects: []string{wire.ResultSubjects},
			Retention: jetstream.LimitsPolicy, Storage: storageType,
			MaxAge: 7 * 24 * time.Hour, Duplicates: 2 * time.Minute, Replicas: c.opts.Replicas,
		},
	}
	// The streams do not depend on each other: their requests go out
	// together, and setup waits for the slowest rather than for the sum.
	var g errgroup.Group
	for _, cfg := range streams {
		g.Go(func() error {
			if _, err := c.js.CreateOrUpdateStream(ctx, cfg); err != nil {
				// A stream made earlier with another storage type cannot be
				// updated in place; use it as it is.
				if _, gerr := c.js.Stream(ctx, cfg.Name); gerr != nil {
					return fmt.Errorf("coordinator: creating stream %s: %w", cfg.Name, err)
				}
				c.log.Warn("using existing stream with different settings", "stream", cfg.Name, "err", err)
			}
			return nil
		})
	}
	g.Go(func() error { return c.createEvents(ctx, storageType) })
	if err := g.Wait(); err != nil {
		return err
	}
	if err := c.noteTasksCreated(ctx); err != nil {
		return err
	}
	_, err := c.js.CreateOrUpdateConsumer(ctx, wire.TaskStream, jetstream.ConsumerConfig{
		Durable:       wire.WorkerConsumer,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.opts.AckWait,
		MaxDeliver:    c.opts.MaxDeliver,
		MaxAckPending: -1,
	})
	if err != nil {
		return fmt.Errorf("coordinator: creating consumer %s: %w", wire.WorkerConsumer, err)
	}
	return nil
}

// Progress reports where a job stands.
//
// Its JSON keys are snake_case like every JSON shoal writes. Snapshots
// stored before the keys were tagged ("Job", "Phase", ...) still decode:
// encoding/json matches keys case-insensitively, and every key is one word.
type Progress struct {
	Job string `json:"job"`
	// Phase is "scan", "stage", "init", "iterate" (k-means), "cluster",
	// "fit" and "indices" (a k sweep), "label" or "done"; a full-data k-medoids job's worker adds "matrix"
	// (Step of Steps rows of the dissimilarity matrix), "build" (Step of
	// Steps = k initial medoids chosen) and "swap" (SWAP pass Step is
	// over, Steps 0); CLARA and CLARANS jobs report "cluster" and
	// "score" with Step of Steps samples done.
	Phase string  `json:"phase"`
	Step  int     `json:"step"`  // current step within the phase
	Steps int     `json:"steps"` // total steps of the phase when known, else 0
	Loss  float64 `json:"loss"`  // the phase's current loss when it has one
	Rows  int64   `json:"rows"`  // rows in the dataset
	// Waiting, when set, says why the job is not moving: "waiting for
	// workers: ..." while its tasks are queued and no worker takes them.
	Waiting string `json:"waiting,omitempty"`
	// K is the k being fitted and Ks the k a sweep tries ("2..20"), in
	// a k sweep (JobSpec.KRange); 0 and "" otherwise.
	K  int    `json:"k,omitempty"`
	Ks string `json:"ks,omitempty"`
}

// ProgressFunc receives progress reports; it may be nil.
type ProgressFunc func(Progress)

// errorFromResult turns a worker's error result into a job error.
func errorFromResult(r *wire.Result) error {
	return fmt.Errorf("%w: %w", ErrTaskFailed, r.Err)
}
