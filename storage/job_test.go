package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fixedClock makes s report *now; tests move it by hand.
func fixedClock(s *Store, now *time.Time) { s.now = func() time.Time { return *now } }

func TestCreateJob(t *testing.T) {
	s := mustOpenStore(t)
	now := time.Date(2030, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	fixedClock(s, &now)
	spec := []byte("{ \"algorithm\": \"fasterpam\",\n  \"k\": 10, \"note\": \"<a&b>\" }")
	j, err := s.CreateJob("j", spec)
	if err != nil {
		t.Fatal(err)
	}
	spec[0] = 'X' // the store must not alias the caller's slice
	// Hand-compacted; '<' and '&' stay as they are (no HTML escaping).
	wantSpec := `{"algorithm":"fasterpam","k":10,"note":"<a&b>"}`
	wantTime := time.Date(2030, 1, 2, 2, 4, 5, 6, time.UTC)
	check := func(what string, j *Job) {
		t.Helper()
		if j.ID != "j" || string(j.Spec) != wantSpec || j.State != StatePending || j.Reason != "" ||
			len(j.History) != 0 || j.Progress != nil {
			t.Fatalf("%s: %+v (spec %s)", what, j, j.Spec)
		}
		if !j.Created.Equal(wantTime) || !j.Updated.Equal(wantTime) || j.Created.Location() != time.UTC {
			t.Fatalf("%s: created %v updated %v, want %v UTC", what, j.Created, j.Updated, wantTime)
		}
	}
	check("returned", j)
	got, err := s.Job("j")
	if err != nil {
		t.Fatal(err)
	}
	check("stored", got)
	if _, err := s.CreateJob("j", nil); !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), `"j"`) {
		t.Fatalf("duplicate CreateJob: %v", err)
	}
	// A finished job still holds its id.
	if _, err := s.Transition("j", StateCancelled, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateJob("j", nil); !errors.Is(err, ErrExists) {
		t.Fatalf("CreateJob over a cancelled job: %v", err)
	}
	if _, err := s.Job("other"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Job(other) = %v", err)
	}
}

func TestCreateJobInvalid(t *testing.T) {
	s := mustOpenStore(t)
	for _, tc := range []struct {
		id   string
		spec string
	}{
		{"", `{}`},
		{strings.Repeat("x", 1025), `{}`},
		{"bad\xffutf8", `{}`},
		{"j", `{`},
		{"j", `{"a":1}{"b":2}`},
		{"j", `   `},
		{"j", `{'a':1}`},
	} {
		t.Logf("case id %q spec %q", tc.id, tc.spec)
		if _, err := s.CreateJob(tc.id, []byte(tc.spec)); !errors.Is(err, ErrInvalid) {
			t.Errorf("CreateJob(%q, %q) = %v, want ErrInvalid", tc.id, tc.spec, err)
		}
	}
	if jobs, _ := s.Jobs(); len(jobs) != 0 {
		t.Fatalf("invalid creates left %d jobs", len(jobs))
	}
	// The longest allowed id and an empty spec are fine.
	if _, err := s.CreateJob(strings.Repeat("x", 1024), nil); err != nil {
		t.Fatal(err)
	}
}

func TestSetProgress(t *testing.T) {
	s := mustOpenStore(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	fixedClock(s, &now)
	if _, err := s.CreateJob("j", nil); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	p := []byte(`{ "round" : 3 , "loss": 1.5 }`)
	if err := s.SetProgress("j", p); err != nil {
		t.Fatal(err)
	}
	p[2] = 'X'
	j, err := s.Job("j")
	if err != nil {
		t.Fatal(err)
	}
	if string(j.Progress) != `{"round":3,"loss":1.5}` || !j.Updated.Equal(now) || j.Created.Equal(now) {
		t.Fatalf("after SetProgress: %+v (progress %s)", j, j.Progress)
	}
	if err := s.SetProgress("j", []byte(`nope`)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("invalid progress: %v", err)
	}
	if err := s.SetProgress("none", nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("progress of unknown job: %v", err)
	}
	// Allowed after the end; empty clears.
	if _, err := s.Transition("j", StateFailed, "boom"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetProgress("j", nil); err != nil {
		t.Fatal(err)
	}
	if j, _ = s.Job("j"); j.Progress != nil || j.State != StateFailed || j.Reason != "boom" {
		t.Fatalf("after clearing: %+v", j)
	}
}

func TestJobsOrderAndFilter(t *testing.T) {
	s := mustOpenStore(t)
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := base
	fixedClock(s, &now)
	// Created at t+2, t+0, t+1, t+0, t+1; ties broken by id.
	for _, c := range []struct {
		id string
		at int
	}{{"e", 2}, {"d", 0}, {"c", 1}, {"b", 0}, {"a", 1}} {
		now = base.Add(time.Duration(c.at) * time.Second)
		if _, err := s.CreateJob(c.id, nil); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(js []*Job, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, j := range js {
			out = append(out, j.ID)
		}
		return strings.Join(out, ",")
	}
	if got := ids(s.Jobs()); got != "b,d,a,c,e" {
		t.Fatalf("Jobs order %s, want b,d,a,c,e", got)
	}
	for _, step := range []struct {
		id string
		to JobState
	}{{"a", StateRunning}, {"e", StateRunning}, {"e", StateSucceeded}, {"d", StateCancelled}} {
		if _, err := s.Transition(step.id, step.to, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		states []JobState
		want   string
	}{
		{[]JobState{StateRunning}, "a"},
		{[]JobState{StatePending}, "b,c"},
		{[]JobState{StatePending, StateRunning}, "b,a,c"},
		{[]JobState{StateSucceeded, StateCancelled}, "d,e"},
		{[]JobState{StateFailed}, ""},
		{nil, ""},
	} {
		if got := ids(s.JobsInState(tc.states...)); got != tc.want {
			t.Errorf("JobsInState(%v) = %s, want %s", tc.states, got, tc.want)
		}
	}
	if _, err := s.JobsInState(StateRunning, "runing"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("misspelt state: %v", err)
	}
}

func TestDeleteJob(t *testing.T) {
	s := mustOpenStore(t)
	for _, id := range []string{"gone", "kept"} {
		if _, err := s.CreateJob(id, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.PutCheckpoint(id, "centres", 1, []byte(id)); err != nil {
			t.Fatal(err)
		}
		if err := s.PutModel(id, []byte(id)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteJob("gone"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteJob("gone"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := s.Job("gone"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Job after delete: %v", err)
	}
	if _, _, err := s.Checkpoint("gone", "centres"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Checkpoint after delete: %v", err)
	}
	if _, err := s.Model("gone"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Model after delete: %v", err)
	}
	// A new job under the old id starts clean: no checkpoint.
	if _, err := s.CreateJob("gone", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Checkpoint("gone", "centres"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Checkpoint of the recreated job: %v", err)
	}
	// The other job is untouched.
	if seq, data, err := s.Checkpoint("kept", "centres"); err != nil || seq != 1 || string(data) != "kept" {
		t.Fatalf("kept checkpoint %d %q %v", seq, data, err)
	}
	if m, err := s.Model("kept"); err != nil || string(m) != "kept" {
		t.Fatalf("kept model %q %v", m, err)
	}
}

// FuzzCreateJob feeds arbitrary ids and specs: valid ones must round-trip
// to the same JSON value, invalid ones must be refused with ErrInvalid and
// leave nothing behind.
func FuzzCreateJob(f *testing.F) {
	f.Add("j", []byte(`{"k": 3}`))
	f.Add("", []byte(`{}`))
	f.Add("ü", []byte(` [1, 2.5e3, "\u00e9", null, true] `))
	f.Add("x", []byte(`{"a":`))
	f.Add("\xff", []byte(`"<>&"`))
	s := mustOpenStore(f)
	n := 0
	f.Fuzz(func(t *testing.T, id string, spec []byte) {
		n++
		key := fmt.Sprintf("%d-%s", n, id)
		_, err := s.CreateJob(key, spec)
		wantOK := utf8.ValidString(key) && len(key) <= 1024 && (len(spec) == 0 || json.Valid(spec))
		if !wantOK {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("CreateJob(%q, %q) = %v, want ErrInvalid", key, spec, err)
			}
			if _, err := s.Job(key); !errors.Is(err, ErrNotFound) {
				t.Fatalf("refused job %q exists: %v", key, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("CreateJob(%q, %q): %v", key, spec, err)
		}
		j, err := s.Job(key)
		if err != nil {
			t.Fatal(err)
		}
		if len(spec) == 0 {
			if j.Spec != nil {
				t.Fatalf("empty spec read back as %q", j.Spec)
			}
			return
		}
		var want, got any
		if err := json.Unmarshal(spec, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(j.Spec, &got); err != nil {
			t.Fatalf("stored spec %q: %v", j.Spec, err)
		}
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
			t.Fatalf("spec %q read back as %q", spec, j.Spec)
		}
	})
}
