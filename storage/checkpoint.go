package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// A stored checkpoint is its sequence number, 8 bytes big-endian, followed
// by the caller's bytes.
const seqLen = 8

// PutCheckpoint stores data as the latest checkpoint of job under name
// ("centres", "medoids", ...) at sequence number seq, usually the round it
// completes. Only the latest is kept. A seq lower than the stored one is
// refused with ErrStaleCheckpoint, so a slow or redelivered round cannot
// roll the job back; an equal seq overwrites, so a coordinator that crashed
// after the write may repeat it. It returns ErrNotFound if the job does not
// exist and ErrInvalid for an empty name or a negative seq. The check and
// the write are one transaction.
func (s *Store) PutCheckpoint(job, name string, seq int64, data []byte) error {
	return s.putCheckpoint(job, name, seq, data, nil)
}

// PutCheckpointIn is PutCheckpoint with a state check in the same
// transaction: it writes only while the job is in one of states and
// returns ErrJobState otherwise, so a round that finishes after the job
// was cancelled or failed leaves the catalog alone. With no states it is
// PutCheckpoint.
func (s *Store) PutCheckpointIn(job, name string, seq int64, data []byte, states ...JobState) error {
	return s.putCheckpoint(job, name, seq, data, states)
}

func (s *Store) putCheckpoint(job, name string, seq int64, data []byte, states []JobState) error {
	if err := checkKey("job id", job); err != nil {
		return err
	}
	if err := checkKey("checkpoint name", name); err != nil {
		return err
	}
	if seq < 0 {
		return fmt.Errorf("%w: job %q checkpoint %q: negative seq %d", ErrInvalid, job, name, seq)
	}
	// Built before the transaction: bbolt keeps the value slice until
	// commit, and the caller may reuse data as soon as we return.
	v := make([]byte, seqLen+len(data))
	binary.BigEndian.PutUint64(v, uint64(seq))
	copy(v[seqLen:], data)
	return s.update(func(tx *bolt.Tx) error {
		j, err := getJob(tx.Bucket(bucketJobs), job)
		if err != nil {
			return err
		}
		if len(states) > 0 && !slices.Contains(states, j.State) {
			return fmt.Errorf("%w: job %q is %s, checkpoint %q needs one of %v", ErrJobState, job, j.State, name, states)
		}
		b, err := tx.Bucket(bucketCheckpoints).CreateBucketIfNotExists([]byte(job))
		if err != nil {
			return fmt.Errorf("storage: job %q checkpoints: %w", job, err)
		}
		if old := b.Get([]byte(name)); old != nil {
			oldSeq, _, err := decodeCheckpoint(old)
			if err != nil {
				return fmt.Errorf("storage: job %q checkpoint %q: %w", job, name, err)
			}
			if seq < oldSeq {
				return fmt.Errorf("%w: job %q checkpoint %q: seq %d < stored %d", ErrStaleCheckpoint, job, name, seq, oldSeq)
			}
		}
		if err := b.Put([]byte(name), v); err != nil {
			return fmt.Errorf("storage: job %q checkpoint %q: %w", job, name, err)
		}
		return nil
	})
}

// Checkpoint returns the latest checkpoint of job under name: its sequence
// number and a copy of its bytes. It returns ErrNotFound when the job or
// the checkpoint does not exist.
func (s *Store) Checkpoint(job, name string) (seq int64, data []byte, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		var v []byte
		if b := tx.Bucket(bucketCheckpoints).Bucket([]byte(job)); b != nil {
			v = b.Get([]byte(name))
		}
		if v == nil {
			return fmt.Errorf("%w: job %q checkpoint %q", ErrNotFound, job, name)
		}
		var d []byte
		seq, d, err = decodeCheckpoint(v)
		if err != nil {
			return fmt.Errorf("storage: job %q checkpoint %q: %w", job, name, err)
		}
		data = clone(d)
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return seq, data, nil
}

// decodeCheckpoint splits a stored checkpoint. data aliases v.
func decodeCheckpoint(v []byte) (seq int64, data []byte, err error) {
	if len(v) < seqLen {
		return 0, nil, fmt.Errorf("checkpoint of %d bytes, shorter than its %d-byte header", len(v), seqLen)
	}
	u := binary.BigEndian.Uint64(v)
	if u > 1<<63-1 {
		return 0, nil, errors.New("checkpoint with negative seq")
	}
	return int64(u), v[seqLen:], nil
}
