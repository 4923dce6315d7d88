package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/shoal-io/shoal/internal/pathguard"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
	"github.com/shoal-io/shoal/storage"
)

// Service is the long-running coordinator: it accepts jobs over a NATS
// request/reply API (nats.go's micro framework), runs them, records every
// state change, checkpoint and model in its store, and resumes the jobs
// that were running when it last stopped.
type Service struct {
	c     *Coordinator
	store *storage.Store
	svc   micro.Service
	lease *lease // held from start to Stop

	ctx    context.Context
	mu     sync.Mutex // guards cancel
	cancel map[string]context.CancelCauseFunc
	wg     sync.WaitGroup
}

// errShutdown is the cancellation cause of jobs interrupted by Stop: they
// stay "running" in the store and resume on the next start.
var errShutdown = errors.New("coordinator: shutting down")

// API endpoint names under wire.APIPrefix.
const (
	EndpointSubmit = "submit"
	EndpointStatus = "status"
	EndpointList   = "list"
	EndpointCancel = "cancel"
	EndpointResult = "result"
)

// API error codes in the micro error header.
const (
	apiBadRequest = "400"
	apiForbidden  = "403"
	apiNotFound   = "404"
	apiConflict   = "409"
	apiInternal   = "500"
)

// JobStatus is the reply of the status and list endpoints.
type JobStatus struct {
	ID       string           `json:"id"`
	State    storage.JobState `json:"state"`
	Reason   string           `json:"reason,omitempty"`
	Created  time.Time        `json:"created"`
	Updated  time.Time        `json:"updated"`
	Progress *Progress        `json:"progress,omitempty"`
	Spec     *wire.JobSpec    `json:"spec,omitempty"`
}

// IDRequest names a job.
type IDRequest struct {
	ID string `json:"id"`
}

// NewService starts the API on nc and resumes interrupted jobs. opts.Store
// is required.
func NewService(ctx context.Context, nc *nats.Conn, opts Options) (*Service, error) {
	if opts.Store == nil {
		return nil, errors.New("coordinator: a service needs a store")
	}
	opts.FileStorage = true
	// A service acts for remote clients: it resolves no path against its
	// own working directory, and without roots it refuses every path.
	opts.Paths.Absolute = true
	if opts.Paths.Roots == nil {
		opts.Paths.Roots = &pathguard.Roots{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	// The lease comes first: a second coordinator must not even update
	// the workers' consumer of the one that runs.
	l, err := acquireLease(ctx, nc, opts.Owner, opts.DataDir, opts.Replicas, log)
	if err != nil {
		return nil, err
	}
	started := false
	defer func() {
		if !started {
			l.release()
		}
	}()
	c, err := New(ctx, nc, opts)
	if err != nil {
		return nil, err
	}
	// Jobs end by Cancel or Stop, not when ctx does: the caller's context
	// ends on SIGTERM, and a job must then stay running, to resume.
	s := &Service{c: c, store: opts.Store, lease: l, ctx: context.WithoutCancel(ctx), cancel: map[string]context.CancelCauseFunc{}}
	s.svc, err = micro.AddService(nc, micro.Config{
		Name:        "shoal-coordinator",
		Version:     "1.0.0",
		Description: "shoal job API: submit, status, list, cancel, result",
	})
	if err != nil {
		return nil, fmt.Errorf("coordinator: starting the API: %w", err)
	}
	g := s.svc.AddGroup(wire.APIPrefix, micro.WithGroupQueueGroup("shoal-coordinator"))
	for name, h := range map[string]micro.HandlerFunc{
		EndpointSubmit: s.handleSubmit,
		EndpointStatus: s.handleStatus,
		EndpointList:   s.handleList,
		EndpointCancel: s.handleCancel,
		EndpointResult: s.handleResult,
	} {
		if err := g.AddEndpoint(name, h); err != nil {
			_ = s.svc.Stop()
			return nil, fmt.Errorf("coordinator: adding endpoint %s: %w", name, err)
		}
	}
	// Make sure the server has the API subscriptions before anyone is told
	// the service is up.
	if err := nc.FlushTimeout(10 * time.Second); err != nil {
		_ = s.svc.Stop()
		return nil, fmt.Errorf("coordinator: starting the API: %w", err)
	}
	if err := s.resume(); err != nil {
		_ = s.svc.Stop()
		return nil, err
	}
	started = true
	return s, nil
}

// Stop stops the API and interrupts running jobs without failing them;
// they resume when a service starts again on the same store.
func (s *Service) Stop() {
	_ = s.svc.Stop()
	s.mu.Lock()
	for _, cancel := range s.cancel {
		cancel(errShutdown)
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.lease.release()
}

// Submit registers a job and starts it; it returns the job id.
func (s *Service) Submit(spec *wire.JobSpec) (string, error) {
	if err := spec.Normalize(); err != nil {
		return "", err
	}
	if _, err := s.c.checkPaths(spec); err != nil {
		return "", err
	}
	if err := probeOutputs(spec); err != nil {
		return "", err
	}
	id := NewJobID()
	raw, err := json.Marshal(spec)
	if err != nil {
		return "", err
	}
	if _, err := s.store.CreateJob(id, raw); err != nil {
		return "", err
	}
	if _, err := s.store.Transition(id, storage.StateRunning, ""); err != nil {
		return "", err
	}
	s.start(id, spec)
	return id, nil
}

// resume restarts every job the store says is running or pending.
func (s *Service) resume() error {
	jobs, err := s.store.JobsInState(storage.StatePending, storage.StateRunning)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		spec, err := wire.DecodeJobSpec(j.Spec)
		if err == nil {
			err = spec.Normalize()
		}
		if err != nil {
			if j.State == storage.StatePending {
				_, _ = s.store.Transition(j.ID, storage.StateRunning, "")
			}
			_, _ = s.store.Transition(j.ID, storage.StateFailed, "stored job spec is unusable: "+err.Error())
			continue
		}
		if j.State == storage.StatePending {
			if _, err := s.store.Transition(j.ID, storage.StateRunning, ""); err != nil {
				return err
			}
		}
		s.c.log.Info("resuming job", "job", j.ID)
		s.start(j.ID, spec)
	}
	return nil
}

// start runs a job in the background.
func (s *Service) start(id string, spec *wire.JobSpec) {
	ctx, cancel := context.WithCancelCause(s.ctx)
	s.mu.Lock()
	s.cancel[id] = cancel
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.cancel, id)
			s.mu.Unlock()
			cancel(nil)
		}()
		var last time.Time
		var lastWaiting, lastPhase string
		progress := func(p Progress) {
			// A new phase is always stored: a short one (the BUILD of a
			// small k) would otherwise never show in status.
			if now := time.Now(); now.Sub(last) > 250*time.Millisecond || p.Phase == "done" || p.Waiting != lastWaiting || p.Phase != lastPhase {
				last, lastWaiting, lastPhase = now, p.Waiting, p.Phase
				b, _ := json.Marshal(p)
				_ = s.store.SetProgress(id, b)
			}
		}
		model, err := s.c.run(ctx, id, spec, progress)
		if err != nil && errors.Is(context.Cause(ctx), errShutdown) {
			s.c.log.Info("job interrupted by shutdown; it resumes on restart", "job", id)
			return
		}
		if err != nil && errors.Is(context.Cause(ctx), ErrCancelled) {
			err = ErrCancelled
		}
		s.c.finish(id, model, err)
	}()
}

// Cancel stops a running job and marks it cancelled.
func (s *Service) Cancel(id string) error {
	s.mu.Lock()
	cancel, ok := s.cancel[id]
	s.mu.Unlock()
	if ok {
		cancel(ErrCancelled)
		return nil
	}
	j, err := s.store.Job(id)
	if err != nil {
		return err
	}
	if j.State.Terminal() {
		return fmt.Errorf("%w: job %s already %s", storage.ErrBadTransition, id, j.State)
	}
	_, err = s.store.Transition(id, storage.StateCancelled, "cancelled")
	return err
}

func (s *Service) status(j *storage.Job, withSpec bool) JobStatus {
	st := JobStatus{ID: j.ID, State: j.State, Reason: j.Reason, Created: j.Created, Updated: j.Updated}
	if len(j.Progress) > 0 {
		var p Progress
		if json.Unmarshal(j.Progress, &p) == nil {
			st.Progress = &p
		}
	}
	if withSpec {
		if spec, err := wire.DecodeJobSpec(j.Spec); err == nil {
			st.Spec = spec
		}
	}
	return st
}

func (s *Service) handleSubmit(req micro.Request) {
	spec, err := wire.DecodeJobSpec(req.Data())
	if err != nil {
		_ = req.Error(apiBadRequest, err.Error(), nil)
		return
	}
	id, err := s.Submit(spec)
	if err != nil {
		code := apiInternal
		switch {
		case errors.Is(err, wire.ErrJobSpec), errors.Is(err, ErrOutput), errors.Is(err, partition.ErrNotFound),
			errors.Is(err, partition.ErrUnknownFormat), errors.Is(err, partition.ErrEmptyDataset),
			errors.Is(err, partition.ErrSymlinkLoop), errors.Is(err, partition.ErrDuplicateInput):
			code = apiBadRequest
		case errors.Is(err, ErrPath):
			code = apiForbidden
		}
		_ = req.Error(code, err.Error(), nil)
		return
	}
	_ = req.RespondJSON(IDRequest{ID: id})
}

// jobFromRequest decodes an IDRequest and loads the job, replying with an
// error itself when it cannot.
func (s *Service) jobFromRequest(req micro.Request) (*storage.Job, bool) {
	var r IDRequest
	if err := json.Unmarshal(req.Data(), &r); err != nil || r.ID == "" {
		_ = req.Error(apiBadRequest, `request must be {"id": "..."}`, nil)
		return nil, false
	}
	j, err := s.store.Job(r.ID)
	if err != nil {
		code := apiInternal
		if errors.Is(err, storage.ErrNotFound) {
			code = apiNotFound
		}
		_ = req.Error(code, fmt.Sprintf("job %s: %v", r.ID, err), nil)
		return nil, false
	}
	return j, true
}

func (s *Service) handleStatus(req micro.Request) {
	if j, ok := s.jobFromRequest(req); ok {
		_ = req.RespondJSON(s.status(j, true))
	}
}

func (s *Service) handleList(req micro.Request) {
	jobs, err := s.store.Jobs()
	if err != nil {
		_ = req.Error(apiInternal, err.Error(), nil)
		return
	}
	out := make([]JobStatus, len(jobs))
	for i, j := range jobs {
		out[i] = s.status(j, false)
	}
	_ = req.RespondJSON(out)
}

func (s *Service) handleCancel(req micro.Request) {
	j, ok := s.jobFromRequest(req)
	if !ok {
		return
	}
	if err := s.Cancel(j.ID); err != nil {
		code := apiInternal
		if errors.Is(err, storage.ErrBadTransition) {
			code = apiConflict
		}
		_ = req.Error(code, err.Error(), nil)
		return
	}
	_ = req.RespondJSON(IDRequest{ID: j.ID})
}

func (s *Service) handleResult(req micro.Request) {
	j, ok := s.jobFromRequest(req)
	if !ok {
		return
	}
	if j.State != storage.StateSucceeded {
		_ = req.Error(apiConflict, fmt.Sprintf("job %s is %s, not succeeded", j.ID, j.State), nil)
		return
	}
	m, err := s.store.Model(j.ID)
	if err != nil {
		_ = req.Error(apiInternal, err.Error(), nil)
		return
	}
	_ = req.Respond(m)
}
