package storage

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// PutModel stores the finished model of job (the model file's bytes),
// replacing any earlier one. It returns ErrNotFound if the job does not
// exist. An empty model is stored as such and reads back empty, not as
// ErrNotFound.
func (s *Store) PutModel(job string, model []byte) error {
	if err := checkKey("job id", job); err != nil {
		return err
	}
	// clone: bbolt keeps the value until commit and a nil value would be
	// refused; the caller may reuse model once we return.
	v := clone(model)
	return s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketJobs).Get([]byte(job)) == nil {
			return fmt.Errorf("%w: job %q", ErrNotFound, job)
		}
		if err := tx.Bucket(bucketModels).Put([]byte(job), v); err != nil {
			return fmt.Errorf("storage: job %q model: %w", job, err)
		}
		return nil
	})
}

// Model returns a copy of job's model, or ErrNotFound when the job has
// none (or does not exist).
func (s *Store) Model(job string) ([]byte, error) {
	var out []byte
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketModels).Get([]byte(job))
		if v == nil {
			return fmt.Errorf("%w: job %q model", ErrNotFound, job)
		}
		out = clone(v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
