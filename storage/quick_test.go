package storage

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var quickSeed = flag.Uint64("storage.seed", 0, "seed of TestQuickAgainstModel (0: from the clock)")

// The model of the store: what every read must return, kept with plain maps.
type modelJob struct {
	job    Job
	ckpts  map[string]modelCkpt
	model  []byte
	hasMod bool
}

type modelCkpt struct {
	seq  int64
	data []byte
}

// The allowed transitions, written out again rather than read from the
// package.
var modelAllowed = map[[2]JobState]bool{
	{StatePending, StateRunning}: true, {StatePending, StateFailed}: true, {StatePending, StateCancelled}: true,
	{StateRunning, StateSucceeded}: true, {StateRunning, StateFailed}: true, {StateRunning, StateCancelled}: true,
}

// Specs and progress values with their compacted forms, by hand.
var modelJSON = [][2]string{
	{``, ``},
	{`{}`, `{}`},
	{` { "k" : 3 } `, `{"k":3}`},
	{"[1,\n 2,\t3]", `[1,2,3]`},
	{`{"s": "a b <&>"}`, `{"s":"a b <&>"}`},
	{`{`, "invalid"},
	{`nul`, "invalid"},
}

// TestQuickAgainstModel runs random operation sequences, with restarts,
// against the store and against the model above, and compares every
// answer. It prints its seed; rerun a failure with -storage.seed=N.
func TestQuickAgainstModel(t *testing.T) {
	seed := *quickSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -storage.seed=%d)", seed, seed)
	runs, ops := 20, 400
	if testing.Short() {
		runs = 4
	}
	for r := range runs {
		t.Run(fmt.Sprint(r), func(t *testing.T) {
			runModel(t, seed+uint64(r), ops)
		})
	}
}

func runModel(t *testing.T, seed uint64, nops int) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	s := mustOpenStore(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	fixedClock(s, &now)
	m := map[string]*modelJob{}
	ids := []string{"a", "b", "c", "d", "é/1", ""}
	names := []string{"centres", "medoids"}
	states := append(slices.Clone(allStates), "bogus")
	var log []string
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d, after ops:\n  %s\n"+format, append([]any{seed, strings.Join(log, "\n  ")}, args...)...)
	}
	// expectErr compares err with the model's verdict: nil or a sentinel.
	expectErr := func(op string, err, want error) {
		t.Helper()
		if want == nil && err != nil || want != nil && !errors.Is(err, want) {
			fail("%s: err = %v, want %v", op, err, want)
		}
	}
	compareJobs := func() {
		t.Helper()
		got, err := s.Jobs()
		if err != nil {
			fail("Jobs: %v", err)
		}
		var want []Job
		for _, mj := range m {
			want = append(want, mj.job)
		}
		slices.SortFunc(want, func(a, b Job) int {
			if a.Created.Before(b.Created) {
				return -1
			}
			if b.Created.Before(a.Created) {
				return 1
			}
			return strings.Compare(a.ID, b.ID)
		})
		if !reflect.DeepEqual(deref(got), want) && !(len(got) == 0 && len(want) == 0) {
			fail("Jobs\n got %+v\nwant %+v", deref(got), want)
		}
	}

	for range nops {
		// Time moves on by 0 or 1s: equal Created stamps test the id tie-break.
		now = now.Add(time.Duration(rng.IntN(2)) * time.Second)
		id := ids[rng.IntN(len(ids))]
		mj := m[id]
		var notFound error
		if mj == nil {
			notFound = ErrNotFound
		}
		switch op := rng.IntN(11); op {
		case 0, 1: // create
			js := modelJSON[rng.IntN(len(modelJSON))]
			log = append(log, fmt.Sprintf("CreateJob(%q, %q)", id, js[0]))
			_, err := s.CreateJob(id, []byte(js[0]))
			var want error
			switch {
			case id == "" || js[1] == "invalid":
				want = ErrInvalid
			case mj != nil:
				want = ErrExists
			}
			expectErr("CreateJob", err, want)
			if want == nil {
				nj := &modelJob{ckpts: map[string]modelCkpt{}}
				nj.job = Job{ID: id, State: StatePending, Created: now, Updated: now}
				if js[1] != "" {
					nj.job.Spec = []byte(js[1])
				}
				m[id] = nj
			}
		case 2, 3: // transition
			to := states[rng.IntN(len(states))]
			reason := fmt.Sprintf("r%d", rng.IntN(3))
			log = append(log, fmt.Sprintf("Transition(%q, %s, %s)", id, to, reason))
			j, err := s.Transition(id, to, reason)
			want := notFound
			if mj != nil && !modelAllowed[[2]JobState{mj.job.State, to}] {
				want = ErrBadTransition
			}
			expectErr("Transition", err, want)
			if want == nil {
				mj.job.History = append(mj.job.History, Transition{From: mj.job.State, To: to, At: now, Reason: reason})
				mj.job.State = to
				mj.job.Updated = now
				if to == StateFailed || to == StateCancelled {
					mj.job.Reason = reason
				}
				if !reflect.DeepEqual(*j, mj.job) {
					fail("Transition returned %+v\nwant %+v", *j, mj.job)
				}
			}
		case 4: // progress
			js := modelJSON[rng.IntN(len(modelJSON))]
			log = append(log, fmt.Sprintf("SetProgress(%q, %q)", id, js[0]))
			err := s.SetProgress(id, []byte(js[0]))
			want := notFound
			if js[1] == "invalid" {
				want = ErrInvalid
			}
			expectErr("SetProgress", err, want)
			if err == nil {
				mj.job.Progress = nil
				if js[1] != "" {
					mj.job.Progress = []byte(js[1])
				}
				mj.job.Updated = now
			}
		case 5: // put checkpoint, sometimes conditional on the state
			name := names[rng.IntN(len(names))]
			seq := int64(rng.IntN(6)) - 1
			data := make([]byte, rng.IntN(5))
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			var cond []JobState
			if rng.IntN(2) == 0 {
				cond = []JobState{allStates[rng.IntN(len(allStates))], allStates[rng.IntN(len(allStates))]}
			}
			log = append(log, fmt.Sprintf("PutCheckpointIn(%q, %s, %d, %x, %v)", id, name, seq, data, cond))
			err := s.PutCheckpointIn(id, name, seq, data, cond...)
			var want error
			switch {
			case id == "" || seq < 0:
				want = ErrInvalid
			case mj == nil:
				want = ErrNotFound
			case len(cond) > 0 && !slices.Contains(cond, mj.job.State):
				want = ErrJobState
			case mj.ckpts[name].data != nil && seq < mj.ckpts[name].seq:
				want = ErrStaleCheckpoint
			}
			expectErr("PutCheckpointIn", err, want)
			if want == nil {
				mj.ckpts[name] = modelCkpt{seq, data}
			}
		case 6: // read checkpoint
			name := names[rng.IntN(len(names))]
			log = append(log, fmt.Sprintf("Checkpoint(%q, %s)", id, name))
			seq, data, err := s.Checkpoint(id, name)
			var c modelCkpt
			if mj != nil {
				c = mj.ckpts[name]
			}
			if c.data == nil {
				expectErr("Checkpoint", err, ErrNotFound)
			} else if err != nil || seq != c.seq || !bytes.Equal(data, c.data) {
				fail("Checkpoint = %d, %x, %v; want %d, %x", seq, data, err, c.seq, c.data)
			}
		case 7: // model
			if rng.IntN(2) == 0 {
				model := []byte(fmt.Sprintf("model-%d", rng.IntN(100)))[:rng.IntN(8)]
				log = append(log, fmt.Sprintf("PutModel(%q, %q)", id, model))
				err := s.PutModel(id, model)
				want := notFound
				if id == "" {
					want = ErrInvalid
				}
				expectErr("PutModel", err, want)
				if err == nil {
					mj.model, mj.hasMod = slices.Clone(model), true
				}
			} else {
				log = append(log, fmt.Sprintf("Model(%q)", id))
				got, err := s.Model(id)
				if mj == nil || !mj.hasMod {
					expectErr("Model", err, ErrNotFound)
				} else if err != nil || !bytes.Equal(got, mj.model) {
					fail("Model = %q, %v; want %q", got, err, mj.model)
				}
			}
		case 8: // delete
			log = append(log, fmt.Sprintf("DeleteJob(%q)", id))
			expectErr("DeleteJob", s.DeleteJob(id), notFound)
			delete(m, id)
		case 9: // read one job, or a state filter
			if rng.IntN(2) == 0 {
				log = append(log, fmt.Sprintf("Job(%q)", id))
				j, err := s.Job(id)
				if mj == nil {
					expectErr("Job", err, ErrNotFound)
				} else if err != nil || !reflect.DeepEqual(*j, mj.job) {
					fail("Job = %+v, %v\nwant %+v", j, err, mj.job)
				}
			} else {
				want := allStates[rng.IntN(len(allStates))]
				log = append(log, fmt.Sprintf("JobsInState(%s)", want))
				got, err := s.JobsInState(want)
				if err != nil {
					fail("JobsInState: %v", err)
				}
				n := 0
				for _, mj := range m {
					if mj.job.State == want {
						n++
					}
				}
				if len(got) != n {
					fail("JobsInState(%s) gave %d jobs, model has %d", want, len(got), n)
				}
				for _, j := range got {
					if j.State != want {
						fail("JobsInState(%s) returned %s in %s", want, j.ID, j.State)
					}
				}
			}
		case 10: // restart
			log = append(log, "reopen")
			s = reopen(t, s)
			fixedClock(s, &now)
			compareJobs()
		}
		if len(log) > 30 {
			log = log[len(log)-30:]
		}
	}
	compareJobs()
}
