package wire

import (
	"encoding/json"
	"fmt"
	"math"
)

// A worker allocates for a task by the task's shape before it looks at
// any data: per-centre sums of k×d float64 for every shard, an assigner
// holding the centres twice, a cost per candidate set, a dissimilarity
// matrix of the points. A frame that states a shape it does not carry
// (k and d of a million each and no centres) would make that allocation
// fail, which ends the process and, redelivered, every worker after it.
// DecodeTask refuses such a task with ErrTaskTooLarge instead, and the
// worker terminates its message with that reason.
const (
	// MaxCentreValues bounds k×d, and Sets×k×d: 64M values, a 256 MiB
	// float32 array in the task and 512 MiB of float64 sums per shard. A
	// NATS message holds at most 64 MiB, so no real task comes near it.
	MaxCentreValues = 1 << 26
	// MaxSets bounds the candidate sets of a score task; a job has at
	// most MaxSamples of them.
	MaxSets = 1 << 12
	// MaxTaskBytes bounds the memory a task's shape asks a worker for
	// beside the shard data (see Task.WorkingBytes): that of the largest
	// dissimilarity matrix.
	MaxTaskBytes = MaxMatrixBytes
	// MaxResultParts bounds the parts of one result: the coordinator
	// keeps a slot per part. A million parts of at least 4 KiB of rows
	// each is more than any task returns.
	MaxResultParts = 1 << 20
)

// WorkingBytes estimates, from the shape alone, the bytes a worker
// allocates to run t beside the decoded shards: for sums, float64 sums
// per shard and per goroutine; for assigning kinds, the centres twice; for
// scoring, every candidate set; for k-medoids, the dissimilarity matrix of
// the points (or of all rows of the shards) unless it is precomputed. It
// is computed in float64, so no shape overflows it.
func (t *Task) WorkingBytes() float64 {
	cv := float64(t.K) * float64(t.D)
	switch t.Kind {
	case KindSums:
		return cv * 16 * float64(len(t.Shards)+1)
	case KindKeep, KindLabel:
		return cv * 12
	case KindValidity:
		return cv * 28 // centres twice, means, and the sums
	case KindRefine:
		// The medoids' assigner, the targets' sums, the candidates'
		// costs and each cluster's nearest rows.
		return cv*36 + float64(len(t.PointRows))*8 + float64(t.K)*float64(t.TopRows)*(cv/max(float64(t.K), 1)*4+32)
	case KindScore:
		return float64(max(t.Sets, 1))*(cv*4+8) + cv*12
	case KindMedoids:
		if t.Metric == "precomputed" {
			return 0 // the matrix is the data
		}
		return matrixBytes(t.medoidRows())
	}
	return 0
}

// medoidRows is the number of rows a k-medoids task clusters: its points,
// or all rows of its shards.
func (t *Task) medoidRows() float64 {
	if len(t.PointRows) > 0 {
		return float64(len(t.PointRows))
	}
	var n float64
	for _, s := range t.Shards {
		n += float64(s.Rows)
	}
	return n
}

// matrixBytes is the size of the float32 lower triangle of n rows, as
// algo.MatrixBytes, in float64.
func matrixBytes(n float64) float64 {
	if n < 2 {
		return 0
	}
	return n * (n - 1) / 2 * 4
}

// usesCentres reports whether the task's kind reads Centres.
func (t *Task) usesCentres() bool {
	switch t.Kind {
	case KindSums, KindKeep, KindScore, KindValidity, KindRefine:
		return true
	case KindLabel:
		return t.Metric != "precomputed"
	}
	return false
}

// checkLimits refuses a task whose shape asks for more memory than a
// worker may give, or states centres it does not carry.
func (t *Task) checkLimits() error {
	cv := float64(t.K) * float64(t.D)
	sets := float64(max(t.Sets, 1))
	switch {
	case cv > MaxCentreValues:
		return fmt.Errorf("%w: %s task of job %q: k=%d × d=%d is %.3g centre values, at most %d",
			ErrTaskTooLarge, t.Kind, t.Job, t.K, t.D, cv, MaxCentreValues)
	case t.Sets > MaxSets:
		return fmt.Errorf("%w: %s task of job %q: %d candidate sets, at most %d", ErrTaskTooLarge, t.Kind, t.Job, t.Sets, MaxSets)
	case sets*cv > MaxCentreValues:
		return fmt.Errorf("%w: %s task of job %q: %d sets of k=%d × d=%d centres, at most %d values",
			ErrTaskTooLarge, t.Kind, t.Job, t.Sets, t.K, t.D, MaxCentreValues)
	case t.usesCentres() && len(t.Ks) == 0 && cv > 0 && float64(len(t.Centres)) != sets*cv: // sets of several k: see checkValidity
		return fmt.Errorf("%w: %s task of job %q states %d sets of k=%d × d=%d centres and carries %d values",
			ErrDecode, t.Kind, t.Job, int(sets), t.K, t.D, len(t.Centres))
	}
	// The options a job spec bounds (limits.go) are bounded in its tasks
	// too: a hand-made frame is not checked by Normalize.
	for _, b := range []struct {
		name     string
		v, limit int
	}{{"max_iter", t.MaxIter, MaxIterLimit}, {"numlocal", t.NumLocal, MaxNumLocal}, {"silhouette", t.Silhouette, MaxSilhouetteRows}} {
		if b.v < 0 || b.v > b.limit {
			return fmt.Errorf("%w: %s task of job %q: %s=%d outside [0, %d]", ErrDecode, t.Kind, t.Job, b.name, b.v, b.limit)
		}
	}
	if !(t.MaxNeighbor >= 0) || math.IsInf(t.MaxNeighbor, 0) || math.IsNaN(t.Phi) || math.IsNaN(t.Ell) {
		return fmt.Errorf("%w: %s task of job %q: maxneighbor=%v phi=%v ell=%v", ErrDecode, t.Kind, t.Job, t.MaxNeighbor, t.Phi, t.Ell)
	}
	if need := t.WorkingBytes(); need > MaxTaskBytes || math.IsNaN(need) {
		return fmt.Errorf("%w: %s task of job %q needs %.3g GiB of worker memory beside its data, at most %d GiB",
			ErrTaskTooLarge, t.Kind, t.Job, need/(1<<30), MaxTaskBytes>>30)
	}
	return nil
}

// RefusedTask returns the job, id, round, kind and result size bound of
// the task in frame b, which DecodeTask refused, so that a worker can
// report the refusal to the job; nil when the frame does not tell them
// (not a frame, or no job).
func RefusedTask(b []byte) *Task {
	var h struct {
		Job            string `json:"job"`
		ID             int    `json:"id"`
		Round          int64  `json:"round"`
		Kind           Kind   `json:"kind"`
		MaxResultBytes int    `json:"max_result_bytes"`
	}
	if len(b) < 8 || [4]byte(b[:4]) != magic {
		return nil
	}
	n := uint64(b[4]) | uint64(b[5])<<8 | uint64(b[6])<<16 | uint64(b[7])<<24
	if n > maxHeader || n > uint64(len(b)-8) {
		return nil
	}
	var env struct {
		Body *json.RawMessage `json:"body"`
	}
	if json.Unmarshal(b[8:8+n], &env) != nil || env.Body == nil || json.Unmarshal(*env.Body, &h) != nil || h.Job == "" {
		return nil
	}
	return &Task{Job: h.Job, ID: h.ID, Round: h.Round, Kind: h.Kind, MaxResultBytes: h.MaxResultBytes}
}
