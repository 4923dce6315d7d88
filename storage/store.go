package storage

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// defaultTimeout is how long Open waits for the file lock when
// Options.Timeout is zero. bbolt itself would wait forever; a coordinator
// started by mistake on a data directory that another coordinator already
// uses must instead fail within a second with an error naming the file.
const defaultTimeout = time.Second

// maxKeyLen bounds job ids and checkpoint names. bbolt accepts keys up to
// 32 KiB; ids longer than this are a caller's bug, not a job name.
const maxKeyLen = 1024

// Top-level buckets. Jobs are keyed by id; the other two hold, per job, a
// nested bucket (checkpoints) or a value (models) under the same id, so
// DeleteJob removes everything of a job in one transaction.
var (
	bucketJobs        = []byte("jobs")
	bucketCheckpoints = []byte("checkpoints")
	bucketModels      = []byte("models")
)

var allBuckets = [][]byte{bucketJobs, bucketCheckpoints, bucketModels}

// legacyTasks is where earlier versions marked accepted task results, a
// bookkeeping the coordinator never consulted (it deduplicates results in
// memory and by NATS message id). Open removes it from older files.
var legacyTasks = []byte("tasks")

// Options configures Open. The zero value is what a coordinator wants.
type Options struct {
	// Timeout is how long Open waits for the exclusive file lock before it
	// returns ErrLocked. Zero means one second: bbolt's own zero
	// waits forever, which would hang a second coordinator started on the
	// same data directory instead of telling the user which file is in use.
	// A negative value tries the lock once and fails at once.
	Timeout time.Duration

	// NoSync skips fsync after each commit and after the file grows. It
	// makes tests fast, and suits a catalog in a temporary directory that
	// nothing reopens after the process; it is never safe for a catalog
	// that must survive a crash, which can lose or corrupt recent commits.
	NoSync bool
}

// Store is the coordinator's durable catalog: jobs and their state history,
// the latest checkpoint per job and name, and finished models. It is safe for concurrent use; bbolt runs
// one writer at a time and any number of readers.
type Store struct {
	db   *bolt.DB
	path string
	now  func() time.Time // replaced by tests that need a controlled clock
}

// Open opens or creates the store at path and creates its buckets. The
// error names path; it wraps ErrLocked when another process holds the file.
func Open(path string, opts Options) (*Store, error) {
	timeout := opts.Timeout
	switch {
	case timeout == 0:
		timeout = defaultTimeout
	case timeout < 0:
		// bbolt gives up after the first failed attempt when the timeout
		// is already spent; a nanosecond is as close as it gets to "once".
		timeout = time.Nanosecond
	}
	var db *bolt.DB
	err := guard(path, func() (err error) {
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, NoSync: opts.NoSync, NoGrowSync: opts.NoSync})
		return err
	})
	if err != nil {
		if errors.Is(err, ErrCorrupt) {
			return nil, err
		}
		if isCorruption(err) {
			return nil, corrupt(path, err.Error())
		}
		if errors.Is(err, berrors.ErrTimeout) {
			waited := "without waiting"
			if opts.Timeout >= 0 {
				waited = "after " + timeout.String()
			}
			return nil, fmt.Errorf("%w: %s is still in use %s; is another coordinator running on this data directory?",
				ErrLocked, path, waited)
		}
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	s := &Store{db: db, path: path, now: time.Now}
	// A damaged file is found here, at start, rather than by whichever
	// job first reads the damaged page.
	err = s.view(func(tx *bolt.Tx) error {
		if st, err := os.Stat(path); err == nil && tx.Size() > st.Size() {
			return corrupt(path, fmt.Sprintf("its pages need %d bytes, the file has %d: it was cut short", tx.Size(), st.Size()))
		}
		if found := pageErrors(tx); len(found) > 0 {
			return corrupt(path, found...)
		}
		return nil
	})
	if err != nil {
		_ = guard(path, db.Close)
		return nil, err
	}
	err = s.update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %q: %w", name, err)
			}
		}
		if err := tx.DeleteBucket(legacyTasks); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
			return fmt.Errorf("remove bucket %q: %w", legacyTasks, err)
		}
		return nil
	})
	if err != nil {
		_ = guard(path, db.Close)
		if errors.Is(err, ErrCorrupt) {
			return nil, err
		}
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	return s, nil
}

// Close releases the file lock. Calls on a closed Store return an error.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("storage: close %s: %w", s.path, err)
	}
	return nil
}

// Path returns the file the store was opened on.
func (s *Store) Path() string { return s.path }

// Check runs bbolt's page-level consistency check (tx.Check) and then the
// catalog's own invariants: every job record decodes and its history is a
// legal path from pending to its current state; checkpoints and models
// belong to an existing job and are well formed. It returns nil
// or every problem found, joined. It reads a consistent snapshot and may run
// beside writers.
//
// Damaged pages give ErrCorrupt; a catalog whose pages are sound but whose
// records break the invariants gives an error listing them, on one line.
func (s *Store) Check() error {
	var errs []error
	err := s.view(func(tx *bolt.Tx) error {
		if found := pageErrors(tx); len(found) > 0 {
			// Walking a damaged tree can panic; report the pages instead.
			return corrupt(s.path, found...)
		}
		errs = append(errs, checkCatalog(tx)...)
		return nil
	})
	if errors.Is(err, ErrCorrupt) {
		return err
	}
	if err != nil {
		return fmt.Errorf("storage: check %s: %w", s.path, err)
	}
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return fmt.Errorf("storage: check %s: %s", s.path, strings.Join(msgs, "; "))
	}
	return nil
}

// checkCatalog verifies the invariants that bbolt cannot know about.
func checkCatalog(tx *bolt.Tx) []error {
	var errs []error
	for _, name := range allBuckets {
		if tx.Bucket(name) == nil {
			errs = append(errs, fmt.Errorf("bucket %q missing", name))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	jobs := tx.Bucket(bucketJobs)
	_ = jobs.ForEach(func(k, v []byte) error {
		if v == nil {
			errs = append(errs, fmt.Errorf("jobs: %q is a bucket, want a record", k))
			return nil
		}
		j, err := decodeJob(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("jobs: %q: %w", k, err))
			return nil
		}
		if j.ID != string(k) {
			errs = append(errs, fmt.Errorf("jobs: key %q holds job %q", k, j.ID))
		}
		if err := checkHistory(j); err != nil {
			errs = append(errs, fmt.Errorf("jobs: %q: %w", k, err))
		}
		return nil
	})
	_ = tx.Bucket(bucketCheckpoints).ForEach(func(k, v []byte) error {
		if v != nil {
			errs = append(errs, fmt.Errorf("checkpoints: %q is a value, want a bucket", k))
			return nil
		}
		if jobs.Get(k) == nil {
			errs = append(errs, fmt.Errorf("checkpoints: job %q does not exist", k))
		}
		return tx.Bucket(bucketCheckpoints).Bucket(k).ForEach(func(n, cv []byte) error {
			if _, _, err := decodeCheckpoint(cv); err != nil {
				errs = append(errs, fmt.Errorf("checkpoints: %q/%q: %w", k, n, err))
			}
			return nil
		})
	})
	_ = tx.Bucket(bucketModels).ForEach(func(k, v []byte) error {
		if v == nil {
			errs = append(errs, fmt.Errorf("models: %q is a bucket, want a value", k))
		} else if jobs.Get(k) == nil {
			errs = append(errs, fmt.Errorf("models: job %q does not exist", k))
		}
		return nil
	})
	return errs
}

// checkKey validates a job id or checkpoint name before it becomes a key.
// UTF-8 is required because ids round-trip through JSON, which would
// replace invalid bytes.
func checkKey(what, k string) error {
	switch {
	case k == "":
		return fmt.Errorf("%w: empty %s", ErrInvalid, what)
	case len(k) > maxKeyLen:
		return fmt.Errorf("%w: %s of %d bytes, at most %d", ErrInvalid, what, len(k), maxKeyLen)
	case !utf8.ValidString(k):
		return fmt.Errorf("%w: %s %q is not UTF-8", ErrInvalid, what, k)
	}
	return nil
}

// clone copies a slice that bbolt owns; bbolt's slices die with the
// transaction. It keeps empty values non-nil so "stored but empty" and
// "absent" stay distinct.
func clone(b []byte) []byte {
	return append(make([]byte, 0, len(b)), b...)
}
