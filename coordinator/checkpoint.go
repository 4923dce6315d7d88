package coordinator

import (
	"encoding/json"
	"errors"

	"github.com/shoal-io/shoal/storage"
)

// Checkpoint names. A job keeps the latest of each in the store; a resumed
// job continues from them. Everything else it needs (the shard plan, the
// init sample) is recomputed: it is a deterministic function of the spec.
const (
	checkpointFitted    = "fitted"    // the algorithm's result, before labelling
	checkpointMiniBatch = "minibatch" // centres and mini-batch state after a step
	checkpointLloyd     = "lloyd"     // centres after an iteration
	checkpointClara     = "clara"     // best candidate after a round of samples
)

// checkpoint stores v under name with sequence seq. It only writes while
// the job is running, so a late write cannot touch a finished job. A
// failure to checkpoint is logged, not fatal: the job can still finish,
// it just cannot resume from here.
func (j *job) checkpoint(name string, seq int64, v any) {
	st := j.c.opts.Store
	if st == nil || j.sweeping {
		return
	}
	b, err := json.Marshal(v)
	if err == nil {
		err = st.PutCheckpointIn(j.id, name, seq, b, storage.StateRunning)
	}
	if err != nil {
		j.c.log.Warn("writing a checkpoint", "job", j.id, "checkpoint", name, "seq", seq, "err", err)
	}
}

// restore loads the checkpoint name into v and reports its sequence, or
// ok=false when there is none.
func (j *job) restore(name string, v any) (seq int64, ok bool) {
	st := j.c.opts.Store
	if st == nil || j.sweeping {
		return 0, false
	}
	seq, b, err := st.Checkpoint(j.id, name)
	if err != nil {
		if !errors.Is(err, storage.ErrNotFound) {
			j.c.log.Warn("reading a checkpoint", "job", j.id, "checkpoint", name, "err", err)
		}
		return 0, false
	}
	if err := json.Unmarshal(b, v); err != nil {
		j.c.log.Warn("ignoring an unreadable checkpoint", "job", j.id, "checkpoint", name, "err", err)
		return 0, false
	}
	j.c.log.Info("resuming from checkpoint", "job", j.id, "checkpoint", name, "seq", seq)
	return seq, true
}

// fittedState is the stored form of fitted.
type fittedState struct {
	Centres    []float32 `json:"centres"`
	MedoidRows []int64   `json:"medoid_rows,omitempty"`
	Iterations int       `json:"iterations"`
	Swaps      int       `json:"swaps"`
	Stop       string    `json:"stop"`
	Loss       float64   `json:"loss"`
	Silhouette *float64  `json:"silhouette,omitempty"`
	MedoidSil  *float64  `json:"medoid_silhouette,omitempty"`
	BestRun    int       `json:"best_run,omitempty"`
	RunLosses  []float64 `json:"run_losses,omitempty"`
}

func (f *fitted) state() fittedState {
	return fittedState{f.centres, f.medoidRows, f.iterations, f.swaps, f.stop, f.loss, f.silhouette, f.medoidSil, f.bestRun, f.runLosses}
}

func (s fittedState) fitted() *fitted {
	return &fitted{s.Centres, s.MedoidRows, s.Iterations, s.Swaps, s.Stop, s.Loss, s.Silhouette, s.MedoidSil, s.BestRun, s.RunLosses}
}
