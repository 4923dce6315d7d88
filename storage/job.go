package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Job is a catalog entry: the spec as submitted, where the job stands and
// how it got there. Values returned by Store are copies the caller owns.
type Job struct {
	ID string `json:"id"`
	// Spec is the job spec as submitted, opaque to storage. It is stored
	// compacted (json.Compact): whitespace may differ from what was given,
	// the value does not.
	Spec  json.RawMessage `json:"spec,omitempty"`
	State JobState        `json:"state"`
	// Reason says why the job failed or was cancelled; it is the reason of
	// the transition into that state and empty otherwise.
	Reason string `json:"reason,omitempty"`
	// Created is when CreateJob ran; Updated is the last write to the
	// record (a transition or a progress snapshot). Both are UTC.
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	// History lists every transition in order; it is empty while the job
	// is pending.
	History []Transition `json:"history,omitempty"`
	// Progress is the last snapshot given to SetProgress (opaque,
	// compacted like Spec), or nil.
	Progress json.RawMessage `json:"progress,omitempty"`
}

// CreateJob records a new pending job. It returns ErrExists if id is taken
// (also by a finished job: ids are never reused while the job is kept) and
// ErrInvalid for an empty id or a spec that is not valid JSON.
func (s *Store) CreateJob(id string, spec json.RawMessage) (*Job, error) {
	if err := checkKey("job id", id); err != nil {
		return nil, err
	}
	spec, err := compactJSON(id, "spec", spec)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	j := &Job{ID: id, Spec: spec, State: StatePending, Created: now, Updated: now}
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJobs)
		if b.Get([]byte(id)) != nil {
			return fmt.Errorf("%w: job %q", ErrExists, id)
		}
		return putJob(b, j)
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// Transition moves job id to state to and appends the step to its history,
// atomically. It returns ErrNotFound for an unknown job and
// ErrBadTransition, naming both states, when the state machine forbids the
// step: pending → running, failed or cancelled; running → succeeded, failed
// or cancelled; nothing leaves a terminal state. reason is kept in the
// history, and in Job.Reason when the job fails or is cancelled.
func (s *Store) Transition(id string, to JobState, reason string) (*Job, error) {
	return s.updateJob(id, func(j *Job, now time.Time) error {
		if err := checkTransition(id, j.State, to); err != nil {
			return err
		}
		j.History = append(j.History, Transition{From: j.State, To: to, At: now, Reason: reason})
		j.State = to
		if to == StateFailed || to == StateCancelled {
			j.Reason = reason
		}
		j.Updated = now
		return nil
	})
}

// SetProgress replaces the job's progress snapshot; an empty progress
// clears it. It is allowed in every state, so a final snapshot may land
// after the job ended. It returns ErrNotFound for an unknown job and
// ErrInvalid when progress is not valid JSON.
func (s *Store) SetProgress(id string, progress json.RawMessage) error {
	p, err := compactJSON(id, "progress", progress)
	if err != nil {
		return err
	}
	_, err = s.updateJob(id, func(j *Job, now time.Time) error {
		j.Progress = p
		j.Updated = now
		return nil
	})
	return err
}

// Job returns job id, or ErrNotFound.
func (s *Store) Job(id string) (*Job, error) {
	var j *Job
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		j, err = getJob(tx.Bucket(bucketJobs), id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// Jobs returns every job, oldest first (by Created, then by ID when two
// were created in the same instant).
func (s *Store) Jobs() ([]*Job, error) {
	return s.jobsWhere(func(JobState) bool { return true })
}

// JobsInState returns the jobs in any of the given states, ordered as
// Jobs. A restarted coordinator calls JobsInState(StateRunning) to resume
// its work. No states match no job; an unknown state is ErrInvalid, so a
// misspelt state is not mistaken for an empty catalog.
func (s *Store) JobsInState(states ...JobState) ([]*Job, error) {
	for _, st := range states {
		if !st.valid() {
			return nil, fmt.Errorf("%w: unknown job state %q", ErrInvalid, st)
		}
	}
	return s.jobsWhere(func(st JobState) bool { return slices.Contains(states, st) })
}

// DeleteJob removes job id with its checkpoints and model in
// one transaction. It returns ErrNotFound for an unknown job. Deleting a
// running job is allowed; stopping its tasks is the caller's business.
func (s *Store) DeleteJob(id string) error {
	return s.update(func(tx *bolt.Tx) error {
		key := []byte(id)
		jobs := tx.Bucket(bucketJobs)
		if jobs.Get(key) == nil {
			return fmt.Errorf("%w: job %q", ErrNotFound, id)
		}
		if err := jobs.Delete(key); err != nil {
			return fmt.Errorf("storage: delete job %q: %w", id, err)
		}
		err := tx.Bucket(bucketCheckpoints).DeleteBucket(key)
		if err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
			return fmt.Errorf("storage: delete job %q %s: %w", id, bucketCheckpoints, err)
		}
		if err := tx.Bucket(bucketModels).Delete(key); err != nil {
			return fmt.Errorf("storage: delete job %q model: %w", id, err)
		}
		return nil
	})
}

// jobsWhere returns the jobs whose state satisfies keep, in catalog order.
func (s *Store) jobsWhere(keep func(JobState) bool) ([]*Job, error) {
	var out []*Job
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
			j, err := decodeJob(v)
			if err != nil {
				return fmt.Errorf("storage: job %q: %w", k, err)
			}
			if keep(j.State) {
				out = append(out, j)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *Job) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// updateJob reads job id, lets fn change it and writes it back in one
// read-modify-write transaction, so concurrent updates never lose one
// another's changes.
func (s *Store) updateJob(id string, fn func(j *Job, now time.Time) error) (*Job, error) {
	var j *Job
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJobs)
		var err error
		if j, err = getJob(b, id); err != nil {
			return err
		}
		if err := fn(j, s.clock()); err != nil {
			return err
		}
		return putJob(b, j)
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// clock returns the current time as stored: UTC, without the monotonic
// reading, so a Job returned by a write equals the one read back later.
func (s *Store) clock() time.Time { return s.now().UTC().Round(0) }

// getJob decodes job id from the jobs bucket.
func getJob(b *bolt.Bucket, id string) (*Job, error) {
	v := b.Get([]byte(id))
	if v == nil {
		return nil, fmt.Errorf("%w: job %q", ErrNotFound, id)
	}
	j, err := decodeJob(v)
	if err != nil {
		return nil, fmt.Errorf("storage: job %q: %w", id, err)
	}
	return j, nil
}

// putJob encodes j under its id.
func putJob(b *bolt.Bucket, j *Job) error {
	v, err := encodeJob(j)
	if err != nil {
		return fmt.Errorf("storage: job %q: %w", j.ID, err)
	}
	if err := b.Put([]byte(j.ID), v); err != nil {
		return fmt.Errorf("storage: job %q: %w", j.ID, err)
	}
	return nil
}

// encodeJob is the stored form of a job: JSON without HTML escaping, so
// opaque fields keep their characters.
func encodeJob(j *Job) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(j); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// decodeJob parses a stored job. json.Unmarshal copies every field, so the
// result outlives the transaction that v belongs to.
func decodeJob(v []byte) (*Job, error) {
	j := new(Job)
	if err := json.Unmarshal(v, j); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if !j.State.valid() {
		return nil, fmt.Errorf("decode: unknown state %q", j.State)
	}
	return j, nil
}

// checkHistory verifies that j's history is a legal path from pending to
// its current state. Times are not compared: wall clocks step backwards.
func checkHistory(j *Job) error {
	st := StatePending
	for i, t := range j.History {
		if t.From != st {
			return fmt.Errorf("history[%d] starts from %s, previous state was %s", i, t.From, st)
		}
		if !canTransition(t.From, t.To) {
			return fmt.Errorf("history[%d]: illegal %s → %s", i, t.From, t.To)
		}
		st = t.To
	}
	if st != j.State {
		return fmt.Errorf("state %s, history ends in %s", j.State, st)
	}
	return nil
}

// compactJSON validates an opaque JSON value and returns it compacted in a
// fresh slice (so the caller may reuse theirs); empty stays nil.
func compactJSON(id, what string, v json.RawMessage) (json.RawMessage, error) {
	if len(v) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		return nil, fmt.Errorf("%w: job %q: %s is not valid JSON: %v", ErrInvalid, id, what, err)
	}
	return buf.Bytes(), nil
}
