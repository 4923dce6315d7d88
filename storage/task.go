package storage

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// A task mark is the key round‖task, each 8 bytes big-endian, so a job's
// marks sort by round then task; its value is empty.
const taskKeyLen = 16

// MarkTaskDone records that task of job produced its result in round and
// reports whether this was the first time. Delivery over NATS is at least
// once: a redelivered task sends its result again, and the caller counts
// and drops every result for which first is false. The check and the mark
// are one transaction, so two concurrent calls for the same key give
// exactly one true. It returns ErrNotFound if the job does not exist and
// ErrInvalid for a negative round or task. Marks are removed with the job.
func (s *Store) MarkTaskDone(job string, round int64, task int) (first bool, err error) {
	if err := checkKey("job id", job); err != nil {
		return false, err
	}
	if round < 0 || task < 0 {
		return false, fmt.Errorf("%w: job %q: round %d, task %d: must be non-negative", ErrInvalid, job, round, task)
	}
	var key [taskKeyLen]byte
	binary.BigEndian.PutUint64(key[:8], uint64(round))
	binary.BigEndian.PutUint64(key[8:], uint64(task))
	err = s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketJobs).Get([]byte(job)) == nil {
			return fmt.Errorf("%w: job %q", ErrNotFound, job)
		}
		b, err := tx.Bucket(bucketTasks).CreateBucketIfNotExists([]byte(job))
		if err != nil {
			return fmt.Errorf("storage: job %q tasks: %w", job, err)
		}
		if b.Get(key[:]) != nil {
			return nil
		}
		if err := b.Put(key[:], []byte{}); err != nil {
			return fmt.Errorf("storage: job %q round %d task %d: %w", job, round, task, err)
		}
		first = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return first, nil
}
