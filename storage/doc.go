// Package storage is the coordinator's durable state in one bbolt file: the
// job catalog with each job's state history, the latest checkpoint per job
// and name, and finished models.
//
// A job moves through a small state machine (pending → running →
// succeeded | failed | cancelled; pending may also fail or be cancelled);
// every step is validated and appended to the job's history in the same
// transaction. A restarted coordinator lists JobsInState(StateRunning),
// reads each job's Checkpoint and resumes from its sequence number.
//
// Core types: Store (opened with Open and Options), Job, JobState,
// Transition. Jobs are stored as JSON; checkpoints and models as raw bytes.
// The layout is three top-level buckets, jobs/<id>, checkpoints/<id>/<name>
// and models/<id>, so DeleteJob clears a job in one transaction and Check
// can verify that nothing outlives its job.
//
// # Caveats
//
// One process at a time: Open takes an exclusive file lock and fails with
// ErrLocked after Options.Timeout (1s by default) rather than bbolt's
// default of waiting forever. A Store is safe for concurrent use; writes
// are serialised by bbolt, each in its own fsynced transaction, so a high
// rate of small writes is bounded by the disk's fsync latency; checkpoints
// are written at most about once a second per job for that reason.
//
// A damaged file (garbage in a page, a file cut short) is ErrCorrupt
// naming the file, from Open, which checks every page, and from any
// later call: bbolt panics on such pages, or faults on its mapping, and
// every transaction here runs under a guard that turns both into the
// error. The remedy is the user's: move the file aside or restore a
// backup.
//
// bbolt's slices are valid only inside their transaction; every []byte and
// *Job this package returns is a copy the caller owns, and every slice it
// is given may be reused by the caller once the call returns. Spec and
// Progress come back compacted (json.Compact): the same JSON value, not
// necessarily the same bytes.
package storage
