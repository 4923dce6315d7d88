package storage

import (
	"errors"
	"strings"
	"testing"
)

var allStates = []JobState{StatePending, StateRunning, StateSucceeded, StateFailed, StateCancelled}

func TestTerminal(t *testing.T) {
	for _, tc := range []struct {
		s    JobState
		want bool
	}{
		{StatePending, false},
		{StateRunning, false},
		{StateSucceeded, true},
		{StateFailed, true},
		{StateCancelled, true},
		{"bogus", false},
		{"", false},
	} {
		if got := tc.s.Terminal(); got != tc.want {
			t.Errorf("%q.Terminal() = %v, want %v", tc.s, got, tc.want)
		}
	}
}

// TestTransitionTable drives a job into every state and tries every target,
// against the state machine written out by hand.
func TestTransitionTable(t *testing.T) {
	// The path that reaches each state from pending.
	path := map[JobState][]JobState{
		StatePending:   nil,
		StateRunning:   {StateRunning},
		StateSucceeded: {StateRunning, StateSucceeded},
		StateFailed:    {StateRunning, StateFailed},
		StateCancelled: {StateRunning, StateCancelled},
	}
	ok := map[[2]JobState]bool{
		{StatePending, StateRunning}:   true,
		{StatePending, StateFailed}:    true,
		{StatePending, StateCancelled}: true,
		{StateRunning, StateSucceeded}: true,
		{StateRunning, StateFailed}:    true,
		{StateRunning, StateCancelled}: true,
	}
	s := mustOpenStore(t)
	n := 0
	for _, from := range allStates {
		for _, to := range append(allStates[:len(allStates):len(allStates)], "bogus", "") {
			n++
			id := string(from) + "→" + string(to)
			want := ok[[2]JobState{from, to}]
			t.Run(id, func(t *testing.T) {
				t.Logf("case %s → %q, allowed %v", from, to, want)
				if _, err := s.CreateJob(id, nil); err != nil {
					t.Fatal(err)
				}
				for _, st := range path[from] {
					if _, err := s.Transition(id, st, "setup"); err != nil {
						t.Fatal(err)
					}
				}
				before, err := s.Job(id)
				if err != nil {
					t.Fatal(err)
				}
				j, err := s.Transition(id, to, "why")
				if want {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					if j.State != to || len(j.History) != len(before.History)+1 {
						t.Fatalf("job after = %+v", j)
					}
					last := j.History[len(j.History)-1]
					if last.From != from || last.To != to || last.Reason != "why" || !last.At.Equal(j.Updated) {
						t.Fatalf("last transition %+v, updated %v", last, j.Updated)
					}
					wantReason := ""
					if to == StateFailed || to == StateCancelled {
						wantReason = "why"
					}
					if j.Reason != wantReason {
						t.Fatalf("Reason = %q, want %q", j.Reason, wantReason)
					}
					stored, err := s.Job(id)
					if err != nil || stored.State != to || len(stored.History) != len(j.History) {
						t.Fatalf("stored %+v, %v", stored, err)
					}
					return
				}
				if !errors.Is(err, ErrBadTransition) {
					t.Fatalf("err = %v, want ErrBadTransition", err)
				}
				if !strings.Contains(err.Error(), string(to)) || !strings.Contains(err.Error(), string(from)) {
					t.Fatalf("err %q does not name both states", err)
				}
				after, err := s.Job(id)
				if err != nil {
					t.Fatal(err)
				}
				if after.State != before.State || len(after.History) != len(before.History) || !after.Updated.Equal(before.Updated) {
					t.Fatalf("refused transition changed the job: %+v → %+v", before, after)
				}
			})
		}
	}
	if n != 35 {
		t.Fatalf("%d cases, want 35", n)
	}
	if _, err := s.Transition("nobody", StateRunning, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Transition of an unknown job: %v", err)
	}
}
